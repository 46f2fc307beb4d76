import { describe, expect, it } from 'vitest';
import { silent } from '../common/cli.js';
import { MAX_TORQUE, run, solveDiagonalPlusRank2 } from './main.js';

describe('control example: pendulum swing-up', () => {
  it('the Woodbury solve of (diag(a) + JᵀJ) δ = b matches Gaussian elimination', () => {
    const a = [0.5, 2, 1.5, 0.1];
    const j = [
      [1, -2, 0.5, 3],
      [0.3, 0.7, -1, 2],
    ];
    const b = [1, -1, 2, 0.5];
    const m = a.map((ai, r) => a.map((_, c) => (r === c ? ai : 0) + j[0]![r]! * j[0]![c]! + j[1]![r]! * j[1]![c]!));
    const delta = solveDiagonalPlusRank2(a, j, b);
    m.forEach((row, r) => expect(row.reduce((s, v, c) => s + v * delta[c]!, 0)).toBeCloseTo(b[r]!, 10));
  });

  it('swings the pendulum up: ends within 0.05 rad of upright and nearly still, torque within its limit, objective cut 100×', async () => {
    // 20 Levenberg–Marquardt iterations: at 15 the final velocity was 0.13 once jit rounded every
    // intermediate to float32 as eager does (it computed fused chains in float64 before); at 20 it is 0.003.
    const r = await run({ steps: 60, iters: 20, log: silent, svg: null });
    expect(r.angleError).toBeLessThan(0.05);
    expect(Math.abs(r.finalVelocity)).toBeLessThan(0.1);
    expect(r.maxTorque).toBeLessThanOrEqual(MAX_TORQUE);
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! / 100);
  });
});
