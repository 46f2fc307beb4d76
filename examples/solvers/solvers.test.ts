import { describe, expect, it } from 'vitest';
import { silent } from '../common/cli.js';
import { run } from './main.js';

describe('solvers example: derivative of the algorithm vs of the solution', () => {
  it('prints both derivatives per tolerance; the implicit one is closer to the closed form, the unrolled one lags and converges at the rate |∂g/∂y|', async () => {
    const r = await run({ tolerances: [1e-1, 1e-3, 1e-6], maxIterations: 12, log: silent, svg: null });
    const cosine = r.rows.filter((row) => row.problem.startsWith('y = cos'));
    const sqrt = r.rows.filter((row) => row.problem.includes('√a'));
    expect(cosine.map((row) => row.tol)).toEqual([1e-1, 1e-3, 1e-6]);
    // More iterations for tighter tolerances.
    expect(cosine[0]!.iterations).toBeLessThan(cosine[1]!.iterations);
    expect(cosine[1]!.iterations).toBeLessThan(cosine[2]!.iterations);
    for (const row of cosine) expect(Math.abs(row.implicit - row.exact)).toBeLessThan(Math.abs(row.unrolled - row.exact));
    // A loose loop: the algorithm's derivative is far off (−0.61 vs −0.30).
    expect(Math.abs(cosine[0]!.unrolled - cosine[0]!.exact)).toBeGreaterThan(0.1);
    // A tight loop: both agree with the closed form.
    expect(Math.abs(cosine[2]!.implicit - cosine[2]!.exact)).toBeLessThan(1e-5);
    expect(Math.abs(cosine[2]!.unrolled - cosine[2]!.exact)).toBeLessThan(1e-3);
    // Newton's method: the unrolled derivative is exact once the value is.
    expect(Math.abs(sqrt[1]!.unrolled - sqrt[1]!.exact)).toBeLessThan(1e-5);
    // The unrolled derivative's error after k iterations behaves like k·ρᵏ with ρ = |∂g/∂y| = sin(y*) ≈ 0.674.
    const e = r.curves[0]!.unrolledError;
    const rate = Math.pow(e[11]! / 12 / (e[5]! / 6), 1 / 6);
    expect(rate).toBeGreaterThan(0.6);
    expect(rate).toBeLessThan(0.75);
  });
});
