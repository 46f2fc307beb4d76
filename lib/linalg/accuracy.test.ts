/**
 * Accuracy on ill-conditioned inputs, measured against float64 references
 * computed on the host from the float32 inputs themselves (so input rounding
 * is not counted as error). The measured figures are printed and recorded in
 * docs/linalg.md.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { householderQr, jacobiSvd } from '../primitives/decompositionKernels.js';
import { describeHostBackends } from '../primitives/decompositionTesting.js';

type T = fx.Tensor;
const f64 = async (t: T) => Float64Array.from(await t.data());

/** Householder reflection I − 2uuᵀ/uᵀu as rows. */
function reflector(u: number[]): number[][] {
  const uu = u.reduce((s, x) => s + x * x, 0);
  return u.map((ui, i) => u.map((uj, j) => (i === j ? 1 : 0) - (2 * ui * uj) / uu));
}

describeHostBackends('accuracy on ill-conditioned inputs (float64 references)', () => {
  it('lstsq on a degree-4 polynomial fit (8 points, κ ≈ 2e3): x against a float64 QR solution', async () => {
    const ts = [0, 1 / 7, 2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7, 1];
    const a32 = Float32Array.from(ts.flatMap((t) => [1, t, t * t, t ** 3, t ** 4]));
    const b32 = Float32Array.from(ts.map((t) => Math.cos(3 * t)));
    const a = fx.reshape(fx.tensor(Array.from(a32)), [8, 5]) as T;
    const b = fx.tensor(Array.from(b32)) as T;
    const x = (fx.linalg.lstsq as unknown as (a: T, b: T) => T[])(a, b)[0]!;
    // float64 reference: R x = Qᵀ b from Householder QR of the float32 values.
    const { q, r } = householderQr(Float64Array.from(a32), 8, 5, false);
    const qtb = Array.from({ length: 5 }, (_, i) => ts.reduce((s, _t, k) => s + q[k * 5 + i]! * b32[k]!, 0));
    const ref = new Array<number>(5).fill(0);
    for (let i = 4; i >= 0; i--) {
      let s = qtb[i]!;
      for (let j = i + 1; j < 5; j++) s -= r[i * 5 + j]! * ref[j]!;
      ref[i] = s / r[i * 5 + i]!;
    }
    const { s } = jacobiSvd(Float64Array.from(a32), 8, 5, false);
    const kappa = s[0]! / s[4]!;
    const got = await f64(x);
    const err = Math.sqrt(got.reduce((acc, v, i) => acc + (v - ref[i]!) ** 2, 0)) / Math.sqrt(ref.reduce((acc, v) => acc + v * v, 0));
    console.info(`lstsq degree-4 fit: κ = ${kappa.toExponential(2)}, relative error of x = ${err.toExponential(2)} (κ·ε₃₂ = ${(kappa * 2 ** -23).toExponential(2)})`);
    expect(err).toBeLessThan(10 * kappa * 2 ** -23);
  });

  it('svd with singular values 1e-6 apart: ds to 1e-5, du against a float64 finite-difference reference', async () => {
    const sig = [3, 1 + 1e-6, 1];
    // Generic reflectors: no two components of a singular vector tie in magnitude (the sign convention is discontinuous there).
    const p = reflector([1, 2.3, -0.7]);
    const q = reflector([2.1, -1, 0.4]);
    const a64 = p.map((pi) => q.map((qj) => sig.reduce((acc, sk, k) => acc + pi[k]! * sk * qj[k]!, 0)));
    const a = fx.tensor(a64 as never) as T;
    const dir = [[0.3, -0.2, 0.1], [-0.4, 0.5, 0.2], [0.1, 0.3, -0.6]];
    const svd = fx.linalg.svd as unknown as (m: T) => [T, T, T];
    const [, [du, ds]] = fx.jvp((m: T) => svd(m), [a], [fx.tensor(dir) as T]) as unknown as [unknown, [T, T, T]];
    const av = await f64(a);
    const h = 1e-10;
    const at = (sign: number) => jacobiSvd(av.map((v, i) => v + sign * h * dir[Math.floor(i / 3)]![i % 3]!), 3, 3, false);
    const [plus, minus] = [at(1), at(-1)];
    const dsRef = Array.from(plus.s, (v, i) => (v - minus.s[i]!) / (2 * h));
    const duRef = Array.from(plus.u, (v, i) => (v - minus.u[i]!) / (2 * h));
    const dsGot = await f64(ds);
    dsRef.forEach((v, i) => expect(Math.abs(dsGot[i]! - v)).toBeLessThan(1e-5));
    const duGot = await f64(du);
    const scale = Math.max(...duRef.map(Math.abs));
    const err = Math.max(...duGot.map((v, i) => Math.abs(v - duRef[i]!))) / scale;
    console.info(`svd near-degenerate (gap 1e-6): max |du − du₆₄| / max |du₆₄| = ${err.toExponential(2)} (max |du₆₄| = ${scale.toExponential(2)})`);
    expect(scale).toBeGreaterThan(1e4);
    expect(err).toBeLessThan(0.25);
  });

  it('expm of a matrix with ‖A‖₁ = 40 (6 squarings): relative error against exp of its eigen-decomposition in float64', async () => {
    // A = V diag(λ) Vᵀ symmetric, so exp(A) = V diag(e^λ) Vᵀ exactly.
    const v = reflector([1, -2, 2]);
    const lambda = [-12, 3, 9];
    const a64 = v.map((vi) => v.map((vj) => lambda.reduce((acc, l, k) => acc + vi[k]! * l * vj[k]!, 0)));
    const a32 = Float32Array.from(a64.flat());
    // Reference from the float32 input: its own eigen-decomposition in float64 (the symmetric input has one).
    const { w, v: vecs } = (await import('../primitives/decompositionKernels.js')).jacobiEigh(Float64Array.from(a32), 3);
    const ref = Array.from({ length: 9 }, (_, idx) => {
      const [i, j] = [Math.floor(idx / 3), idx % 3];
      return [0, 1, 2].reduce((acc, k) => acc + vecs[i * 3 + k]! * Math.exp(w[k]!) * vecs[j * 3 + k]!, 0);
    });
    const got = await f64(fx.linalg.expm(fx.tensor(a64 as never) as never) as T);
    const norm = Math.max(...ref.map(Math.abs));
    const err = Math.max(...got.map((x, i) => Math.abs(x - ref[i]!))) / norm;
    console.info(`expm (‖A‖₁ ≈ 40): max abs error / max |exp(A)| = ${err.toExponential(2)}`);
    expect(err).toBeLessThan(2e-7);
  });
});
