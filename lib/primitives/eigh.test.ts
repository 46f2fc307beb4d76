import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { expectClose } from '../testing/backends.js';
import { describeHostBackends } from './decompositionTesting.js';
import { jacobiEigh } from './decompositionKernels.js';

type T = fx.Tensor;
const eigh = fx.linalg.eigh as unknown as (a: T) => [T, T];
const eigvalsh = fx.linalg.eigvalsh as unknown as (a: T) => T;

/** Row-major float64 values of a float32 tensor. */
const f64 = async (t: T) => Float64Array.from(await t.data());

/** Q = I − 2uuᵀ/uᵀu (orthogonal, symmetric) and A = Q diag(λ) Qᵀ, all in float64. */
function withSpectrum(lambda: number[], u: number[]): number[][] {
  const n = lambda.length;
  const uu = u.reduce((s, x) => s + x * x, 0);
  const q = (i: number, j: number) => (i === j ? 1 : 0) - (2 * u[i]! * u[j]!) / uu;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => lambda.reduce((s, l, k) => s + q(i, k) * l * q(j, k), 0)));
}

/** max |A v − w v| and max |VᵀV − I| in float64, for float32 outputs (independent of the kernel). */
function residuals(a: Float64Array, w: Float64Array, v: Float64Array, n: number): { eig: number; orth: number } {
  let eig = 0;
  let orth = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * v[j * n + k]!;
      eig = Math.max(eig, Math.abs(av - w[k]! * v[i * n + k]!));
    }
    for (let l = 0; l < n; l++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += v[i * n + k]! * v[i * n + l]!;
      orth = Math.max(orth, Math.abs(d - (k === l ? 1 : 0)));
    }
  }
  return { eig, orth };
}

describeHostBackends('eigh values', () => {
  it('2×2 by hand: [[2, 1], [1, 2]] has eigenvalues 1, 3 with vectors (1, −1)/√2, (1, 1)/√2 (largest component positive)', async () => {
    const [w, v] = eigh(fx.tensor([[2, 1], [1, 2]]));
    await expectClose(w, [1, 3]);
    const r = Math.SQRT1_2;
    // Column 0 is ±(1, −1)/√2: the tie in magnitude goes to the lower index, which is made positive.
    await expectClose(v, [[r, r], [-r, r]]);
  });

  it('ascending order, a diagonal input, and the symmetrized input (A + Aᵀ)/2', async () => {
    await expectClose(eigvalsh(fx.tensor([[3, 0, 0], [0, -1, 0], [0, 0, 2]])), [-1, 2, 3]);
    // [[2, 0], [2, 2]] is read as [[2, 1], [1, 2]].
    await expectClose(eigvalsh(fx.tensor([[2, 0], [2, 2]])), [1, 3]);
  });

  it('5×5: residual |Av − wv| and orthogonality at float32 rounding, eigenvalues as built in float64', async () => {
    const lambda = [-2.5, -0.3, 0.7, 1.1, 4];
    const a = fx.tensor(withSpectrum(lambda, [1, -2, 0.5, 3, 1]) as never) as T;
    const [w, v] = eigh(a);
    await expectClose(w, lambda, 1e-6);
    const r = residuals(await f64(a), await f64(w), await f64(v), 5);
    expect(r.eig).toBeLessThan(2e-6);
    expect(r.orth).toBeLessThan(5e-7);
  });

  it('a batch [2, 3, 3] and repeated eigenvalues (an orthonormal basis of the eigenspace)', async () => {
    const a = fx.tensor([withSpectrum([1, 1, 2], [1, 1, 1]), withSpectrum([0, 5, 5], [2, -1, 0.5])] as never) as T;
    const [w, v] = eigh(a);
    expect(w.shape).toEqual([2, 3]);
    await expectClose(w, [[1, 1, 2], [0, 5, 5]], 1e-6);
    const av = await f64(a);
    const wv = await f64(w);
    const vv = await f64(v);
    for (let b = 0; b < 2; b++) {
      const r = residuals(av.subarray(9 * b, 9 * b + 9), wv.subarray(3 * b, 3 * b + 3), vv.subarray(9 * b, 9 * b + 9), 3);
      expect(r.eig).toBeLessThan(2e-6);
      expect(r.orth).toBeLessThan(5e-7);
    }
  });

  it('near-degenerate (eigenvalues 1e-6 apart): values to float32 rounding, vectors still orthonormal eigenvectors of the float32 input', async () => {
    const lambda = [1, 1 + 1e-6, 3];
    const a = fx.tensor(withSpectrum(lambda, [1, 2, -1]) as never) as T;
    const [w, v] = eigh(a);
    const av = await f64(a);
    // Reference: the float64 eigenvalues of the float32 input itself (rounding the input moves them by ~1e-7).
    const ref = jacobiEigh(av, 3).w;
    await expectClose(w, Array.from(ref), 2e-7);
    const r = residuals(av, await f64(w), await f64(v), 3);
    expect(r.eig).toBeLessThan(1e-6);
    expect(r.orth).toBeLessThan(5e-7);
  });

  it('a NaN input gives NaN eigenvalues (no hang, no error); svd and qr likewise', async () => {
    const bad = fx.tensor([[1, NaN], [NaN, 2]]) as T;
    expect(Array.from(await eigvalsh(bad).data()).every(Number.isNaN)).toBe(true);
    expect(Array.from(await fx.linalg.svdvals(bad as never).data()).some(Number.isNaN)).toBe(true);
    expect(Array.from(await fx.linalg.qr(bad as never)[1].data()).some(Number.isNaN)).toBe(true);
  });

  it('int32 and non-square inputs are errors naming eigh', () => {
    expect(() => eigh(fx.zeros([2, 3]) as T)).toThrow(/shape error in eigh: a must be a square matrix .* got \[2, 3\]/);
    expect(() => eigh(fx.tensor([[1, 0], [0, 1]], 'int32') as T)).toThrow(/dtype error in eigh: a must be float32/);
  });
});

describeHostBackends('eigh derivatives', () => {
  const a3 = () => fx.tensor([[2, 0.5, -0.3], [0.5, 1, 0.2], [-0.3, 0.2, -1]]);

  it('grad of an eigenvalue is v·vᵀ (its eigenvector’s outer product)', async () => {
    const a = fx.tensor([[2, 1], [1, 2]]);
    const g = fx.grad((x: fx.Tensor<[2, 2], 'float32'>) => fx.sum(fx.mul(fx.linalg.eigvalsh(x), fx.tensor([0, 1]))))(a);
    await expectClose(g, [[0.5, 0.5], [0.5, 0.5]], 1e-5);
  });

  it('eigenvalues: derivatives to order 2 (fwd and rev) against finite differences', async () => {
    await fx.checkGradsAsync(eigvalsh, [a3()], { order: 2 });
  });

  it('eigenvectors: derivatives to order 2 against finite differences (well-separated eigenvalues)', async () => {
    await fx.checkGradsAsync((a) => eigh(a)[1], [a3()], { order: 2 });
  });

  it('a batch of matrices: order 1', async () => {
    const a = fx.tensor([[[2, 0.5], [0.5, 1]], [[0, 1], [1, 3]]]);
    await fx.checkGradsAsync((x) => eigh(x)[1], [a], { order: 1 });
    await fx.checkGradsAsync(eigvalsh, [a], { order: 1 });
  });

  it('exactly repeated eigenvalues: finite derivatives (F = 0 inside the cluster); eigenvalue derivatives stay exact', async () => {
    const a = fx.tensor(withSpectrum([1, 1, 2], [1, 1, 1]) as never) as T;
    const da = fx.tensor([[1, 0.5, 0], [0.5, -1, 0.25], [0, 0.25, 0.5]]) as T;
    const [, [dw, dv]] = fx.jvp((x: T) => eigh(x), [a], [da]) as unknown as [unknown, [T, T]];
    expect(Array.from(await dv.data()).every(Number.isFinite)).toBe(true);
    // tr(dw) = tr(da), and the top eigenvalue's derivative is v₂ᵀ·da·v₂, v₂ = (−2, −2, 1)/3.
    const dws = await f64(dw);
    expect(dws[0]! + dws[1]! + dws[2]!).toBeCloseTo(0.5, 5);
    expect(dws[2]!).toBeCloseTo(3.5 / 9, 5);
  });

  it('near-degenerate (gap 1e-6): dw to 1e-5, dv against a float64 finite-difference reference (measured error reported)', async () => {
    const a64 = withSpectrum([1, 1 + 1e-6, 3], [1, 2, -1]);
    const a = fx.tensor(a64 as never) as T;
    const dir = [[0.3, -0.2, 0.1], [-0.2, 0.5, 0.4], [0.1, 0.4, -0.6]];
    const [, [dw, dv]] = fx.jvp((x: T) => eigh(x), [a], [fx.tensor(dir) as T]) as unknown as [unknown, [T, T]];
    const av = await f64(a);
    const h = 1e-10;
    const plus = jacobiEigh(av.map((x, i) => x + h * dir[Math.floor(i / 3)]![i % 3]!), 3);
    const minus = jacobiEigh(av.map((x, i) => x - h * dir[Math.floor(i / 3)]![i % 3]!), 3);
    const dwRef = plus.w.map((x, i) => (x - minus.w[i]!) / (2 * h));
    const dvRef = plus.v.map((x, i) => (x - minus.v[i]!) / (2 * h));
    await expectClose(dw, Array.from(dwRef), 1e-5);
    const got = await f64(dv);
    const scale = Math.max(...dvRef.map(Math.abs)); // ≈ 1e5: the pair's vectors turn fast
    const err = Math.max(...got.map((x, i) => Math.abs(x - dvRef[i]!))) / scale;
    console.info(`eigh near-degenerate (gap 1e-6): max |dv − dv₆₄| / max |dv₆₄| = ${err.toExponential(2)} (max |dv₆₄| = ${scale.toExponential(2)})`);
    // The gap is known only to float32 resolution of w (≈ 6e-8 on 1e-6): a relative error of up to ~1e-1.
    expect(scale).toBeGreaterThan(1e4);
    expect(err).toBeLessThan(0.25);
  });
});

describeHostBackends('eigh under vmap', () => {
  it('vmap(eigh) equals eigh of each matrix', async () => {
    const mats = fx.tensor([[[2, 1], [1, 2]], [[4, 0], [0, 1]], [[0, 1], [1, 0]]]);
    const [w, v] = fx.vmap((a: T) => eigh(a))(mats) as unknown as [T, T];
    await expectClose(w, [[1, 3], [1, 4], [-1, 1]]);
    const r = Math.SQRT1_2;
    await expectClose(v, [[[r, r], [-r, r]], [[0, 1], [1, 0]], [[r, r], [-r, r]]]);
  });

  it('vmap(grad(sum of eigenvalues)) is the identity per example (d tr A = I)', async () => {
    const mats = fx.tensor([[[2, 1], [1, 2]], [[4, 0.5], [0.5, 1]]]);
    const g = fx.vmap(fx.grad((a: fx.Tensor<[2, 2], 'float32'>) => fx.sum(fx.linalg.eigvalsh(a))))(mats as never);
    await expectClose(g, [[[1, 0], [0, 1]], [[1, 0], [0, 1]]], 1e-5);
  });
});

describe('jacobiEigh (float64 kernel)', () => {
  it('reaches float64 accuracy on a 6×6 with a known spectrum', () => {
    const lambda = [-3, -1e-3, 0, 1e-8, 2, 7];
    const a = Float64Array.from(withSpectrum(lambda, [1, -1, 2, 0.5, -3, 1]).flat());
    const { w, v } = jacobiEigh(a, 6);
    w.forEach((x, i) => expect(Math.abs(x - lambda[i]!)).toBeLessThan(1e-14));
    const r = residuals(a, w, v, 6);
    expect(r.eig).toBeLessThan(1e-14);
    expect(r.orth).toBeLessThan(1e-14);
  });
});
