import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { expectClose } from '../testing/backends.js';
import { describeHostBackends } from './decompositionTesting.js';
import { jacobiSvd } from './decompositionKernels.js';

type T = fx.Tensor;
const svd = fx.linalg.svd as unknown as (a: T, o?: fx.linalg.SvdOptions) => [T, T, T];
const svdvals = fx.linalg.svdvals as unknown as (a: T) => T;
const f64 = async (t: T) => Float64Array.from(await t.data());

/** max |A − U·diag(s)·Vh| (reduced factors), max |UᵀU − I| and max |Vh·Vhᵀ − I|, in float64. */
function check(a: Float64Array, u: Float64Array, s: Float64Array, vh: Float64Array, m: number, n: number, ucols: number, vrows: number) {
  const k = Math.min(m, n);
  let rec = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let l = 0; l < k; l++) x += u[i * ucols + l]! * s[l]! * vh[l * n + j]!;
      rec = Math.max(rec, Math.abs(x - a[i * n + j]!));
    }
  }
  let orth = 0;
  for (let p = 0; p < ucols; p++) {
    for (let q = 0; q < ucols; q++) {
      let d = 0;
      for (let i = 0; i < m; i++) d += u[i * ucols + p]! * u[i * ucols + q]!;
      orth = Math.max(orth, Math.abs(d - (p === q ? 1 : 0)));
    }
  }
  for (let p = 0; p < vrows; p++) {
    for (let q = 0; q < vrows; q++) {
      let d = 0;
      for (let j = 0; j < n; j++) d += vh[p * n + j]! * vh[q * n + j]!;
      orth = Math.max(orth, Math.abs(d - (p === q ? 1 : 0)));
    }
  }
  return { rec, orth };
}

async function checkSvd(a: T, full: boolean) {
  const [m, n] = a.shape.slice(-2) as [number, number];
  const [u, s, vh] = svd(a, { fullMatrices: full });
  const k = Math.min(m, n);
  expect(u.shape).toEqual([m, full ? m : k]);
  expect(s.shape).toEqual([k]);
  expect(vh.shape).toEqual([full ? n : k, n]);
  return check(await f64(a), await f64(u), await f64(s), await f64(vh), m, n, full ? m : k, full ? n : k);
}

const tall = () => fx.tensor([[1, 2], [3, -1], [0.5, 4], [-2, 1]]);
const wide = () => fx.tensor([[1, 3, 0.5], [2, -1, 4]]);

/** H₄ diag(σ) H₄ᵀ / 4 with σ = [4, 2⁻⁶, 2⁻¹⁴, 2⁻²⁰]: exact in float32, singular values σ (condition number 2²²). */
function graded(): number[][] {
  const h = [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]];
  const sigma = [4, 2 ** -6, 2 ** -14, 2 ** -20];
  return h.map((hi) => h.map((hj) => hi.reduce((acc, x, k) => acc + (x * hj[k]! * sigma[k]!) / 4, 0)));
}

describeHostBackends('svd values', () => {
  it('diag(3, −2): s = [3, 2], and the sign convention (largest component of each row of vh positive)', async () => {
    const [u, s, vh] = svd(fx.tensor([[3, 0], [0, -2]]));
    await expectClose(s, [3, 2]);
    await expectClose(vh, [[1, 0], [0, 1]]);
    await expectClose(u, [[1, 0], [0, -1]]);
  });

  it('tall 4×2 and wide 2×3, reduced and full: a = u·diag(s)·vh and orthonormal factors to float32 rounding', async () => {
    for (const a of [tall(), wide()]) {
      for (const full of [false, true]) {
        const r = await checkSvd(a, full);
        expect(r.rec).toBeLessThan(2e-6);
        expect(r.orth).toBeLessThan(5e-7);
      }
    }
  });

  it('rank-deficient: a zero singular value, and u completed to an orthonormal basis', async () => {
    const a = fx.tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]]);
    const [, s] = svd(a);
    const sv = await f64(s);
    expect(sv[2]).toBeLessThan(1e-6);
    const r = await checkSvd(a, true);
    expect(r.rec).toBeLessThan(5e-6);
    expect(r.orth).toBeLessThan(5e-7);
    const z = await checkSvd(fx.zeros([3, 2]) as T, true);
    expect(z.orth).toBeLessThan(1e-7);
  });

  it('ill-conditioned (κ = 2²², exact float32 input): every singular value to float32 relative accuracy', async () => {
    const s = svdvals(fx.tensor(graded() as never) as T);
    const want = [4, 2 ** -6, 2 ** -14, 2 ** -20];
    const got = await f64(s);
    const rel = Math.max(...want.map((w, i) => Math.abs(got[i]! - w) / w));
    console.info(`svd graded 4×4 (κ = 2^22): max relative error of s = ${rel.toExponential(2)}`);
    expect(rel).toBeLessThan(2e-7);
  });

  it('computeUv: false returns the singular values only (as svdvals)', async () => {
    const s = (fx.linalg.svd as unknown as (a: T, o: fx.linalg.SvdOptions) => T)(wide(), { computeUv: false });
    expect(s.shape).toEqual([2]);
    await expectClose(s, await svdvals(wide()).array());
  });

  it('a batch [2, 3, 2]', async () => {
    const s = svdvals(fx.tensor([[[3, 0], [0, 4], [0, 0]], [[1, 0], [0, 1], [0, 0]]]));
    await expectClose(s, [[4, 3], [1, 1]]);
  });

  it('rank-1 input and int32 input are errors naming svd', () => {
    expect(() => svd(fx.zeros([3]) as T)).toThrow(/shape error in svd: a must be a matrix/);
    expect(() => svdvals(fx.tensor([[1]], 'int32') as T)).toThrow(/dtype error in svdvals: a must be float32/);
  });
});

describeHostBackends('svd derivatives', () => {
  const a3 = () => fx.tensor([[2, 0.5, -0.3], [0.4, 1, 0.2], [-0.3, 0.7, -1]]);

  it('grad of the largest singular value is u₀·v₀ᵀ', async () => {
    const a = fx.tensor([[3, 0], [0, -2]]);
    const g = fx.grad((x: fx.Tensor<[2, 2], 'float32'>) => fx.sum(fx.mul(fx.linalg.svdvals(x), fx.tensor([1, 0]))))(a);
    await expectClose(g, [[1, 0], [0, 0]], 1e-5);
    const g2 = fx.grad((x: fx.Tensor<[2, 2], 'float32'>) => fx.sum(fx.mul(fx.linalg.svdvals(x), fx.tensor([0, 1]))))(a);
    await expectClose(g2, [[0, 0], [0, -1]], 1e-5);
  });

  it('singular values: order 2 on square, tall and wide inputs', async () => {
    await fx.checkGradsAsync(svdvals, [a3()], { order: 2 });
    await fx.checkGradsAsync(svdvals, [tall()], { order: 2 });
    await fx.checkGradsAsync(svdvals, [wide()], { order: 2 });
  });

  it('u and vh: order 2 on a square input, order 1 on tall and wide ones (the (I − UUᵀ) terms)', async () => {
    await fx.checkGradsAsync((a) => svd(a)[0], [a3()], { order: 2 });
    await fx.checkGradsAsync((a) => svd(a)[2], [a3()], { order: 2 });
    for (const a of [tall(), wide()]) {
      await fx.checkGradsAsync((x) => svd(x)[0], [a], { order: 1 });
      await fx.checkGradsAsync((x) => svd(x)[2], [a], { order: 1 });
    }
  });

  it('full u, vh of a non-square input: a TransformError (not unique), as in JAX; square is fine', async () => {
    expect(() => fx.grad((x: T) => fx.sum(svd(x, { fullMatrices: true })[0] as never))(tall() as never)).toThrow(/svd: the derivative of full \(non-square\) U and V is not implemented/);
    await fx.checkGradsAsync((a) => svd(a, { fullMatrices: true })[0], [a3()], { order: 1 });
  });

  it('repeated singular values (identity): finite derivatives, ds = diag(da)', async () => {
    const [, [du, ds]] = fx.jvp((x: T) => svd(x), [fx.eye(2) as T], [fx.tensor([[1, 2], [3, 4]]) as T]) as unknown as [unknown, [T, T, T]];
    expect(Array.from(await du.data()).every(Number.isFinite)).toBe(true);
    await expectClose(ds, [1, 4], 1e-6);
  });
});

describeHostBackends('svd under vmap', () => {
  it('vmap(svdvals) and vmap of the reconstruction', async () => {
    const mats = fx.tensor([[[3, 0], [0, 4]], [[0, 2], [1, 0]], [[1, 1], [1, 1]]]);
    await expectClose(fx.vmap(svdvals)(mats), [[4, 3], [2, 1], [2, 0]], 1e-6);
    const rebuilt = fx.vmap((a: T) => {
      const [u, s, vh] = svd(a);
      return fx.matmul(fx.mul(u as never, s as never), vh as never) as T;
    })(mats);
    await expectClose(rebuilt, await mats.array(), 1e-6);
  });
});

describe('jacobiSvd (float64 kernel)', () => {
  it('the graded 4×4: singular values within ε₆₄·κ (1e-9) relative', () => {
    const { s } = jacobiSvd(Float64Array.from(graded().flat()), 4, 4, false);
    [4, 2 ** -6, 2 ** -14, 2 ** -20].forEach((w, i) => expect(Math.abs(s[i]! - w) / w).toBeLessThan(1e-9));
  });
});
