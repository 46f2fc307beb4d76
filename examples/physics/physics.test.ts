import { describe, expect, it } from 'vitest';
import { silent } from '../common/cli.js';
import { run, TRUE_DAMPING, TRUE_STIFFNESS } from './main.js';

describe('physics example: mass-spring chain fitted through the rollout', () => {
  it('recovers stiffness within 1% and damping within 5% from a noisy trajectory; reverse and forward mode agree', async () => {
    const r = await run({ masses: 4, steps: 40, iters: 6, log: silent, svg: null });
    expect(Math.abs(r.stiffness - TRUE_STIFFNESS) / TRUE_STIFFNESS).toBeLessThan(0.01);
    expect(Math.abs(r.damping - TRUE_DAMPING) / TRUE_DAMPING).toBeLessThan(0.05);
    // The gradient through the checkpointed scan (reverse mode) equals 2/M·Jᵀr from jacfwd.
    expect(r.gradientAgreement).toBeLessThan(1e-3);
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! / 100);
  });
});
