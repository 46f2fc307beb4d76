import { describe, expect, it } from 'vitest';
import { silent } from '../common/cli.js';
import { run } from './main.js';

describe('biology example: Lotka–Volterra fitted with odeint and the adjoint method', () => {
  it('recovers all four rates within 5% from data with 2% noise; the adjoint gradient matches the discrete one', async () => {
    const r = await run({ observations: 13, iters: 5, noise: 0.02, initial: [0.8, 0.12, 0.065, 1.7], tolerance: 1e-4, log: silent, svg: null });
    expect(r.rates).toHaveLength(4);
    for (const e of r.relativeErrors) expect(e).toBeLessThan(0.05);
    expect(r.adjointAgreement).toBeLessThan(1e-2);
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! / 20);
  });
});
