import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { expectClose } from '../testing/backends.js';
import { describeHostBackends } from './decompositionTesting.js';

type T = fx.Tensor;
const qr = fx.linalg.qr as unknown as (a: T, o?: fx.linalg.QrOptions) => [T, T];
const f64 = async (t: T) => Float64Array.from(await t.data());

/** max |A − QR|, max |QᵀQ − I| and max |R below the diagonal|, in float64. */
async function residuals(a: T, q: T, r: T) {
  const [m, n] = a.shape as [number, number];
  const c = q.shape[1]!;
  const [av, qv, rv] = [await f64(a), await f64(q), await f64(r)];
  let rec = 0;
  let orth = 0;
  let lower = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let l = 0; l < c; l++) x += qv[i * c + l]! * rv[l * n + j]!;
      rec = Math.max(rec, Math.abs(x - av[i * n + j]!));
    }
  }
  for (let p = 0; p < c; p++) {
    for (let s = 0; s < c; s++) {
      let d = 0;
      for (let i = 0; i < m; i++) d += qv[i * c + p]! * qv[i * c + s]!;
      orth = Math.max(orth, Math.abs(d - (p === s ? 1 : 0)));
    }
    for (let j = 0; j < Math.min(p, n); j++) lower = Math.max(lower, Math.abs(rv[p * n + j]!));
  }
  return { rec, orth, lower };
}

const tall = () => fx.tensor([[1, 2], [3, -1], [0.5, 4], [-2, 1]]);
const wide = () => fx.tensor([[1, 3, 0.5], [2, -1, 4]]);

describeHostBackends('qr values', () => {
  it('2×2 by hand, with LAPACK/NumPy signs: [[3, 1], [4, 2]] → r = [[−5, −2.2], [0, 0.4]]', async () => {
    const [q, r] = qr(fx.tensor([[3, 1], [4, 2]]));
    await expectClose(q, [[-0.6, -0.8], [-0.8, 0.6]]);
    await expectClose(r, [[-5, -2.2], [0, 0.4]]);
  });

  it('tall and wide, reduced and complete: shapes, a = q·r, orthonormal q, triangular r', async () => {
    for (const a of [tall(), wide()]) {
      for (const mode of ['reduced', 'complete'] as const) {
        const [q, r] = qr(a, { mode });
        const [m, n] = a.shape as [number, number];
        const c = mode === 'complete' ? m : Math.min(m, n);
        expect(q.shape).toEqual([m, c]);
        expect(r.shape).toEqual([c, n]);
        const res = await residuals(a, q, r);
        expect(res.rec).toBeLessThan(2e-6);
        expect(res.orth).toBeLessThan(5e-7);
        expect(res.lower).toBe(0);
      }
    }
  });

  it('a rank-deficient column (zeros): q stays orthonormal', async () => {
    const a = fx.tensor([[1, 0, 2], [2, 0, 1], [3, 0, 0]]);
    const [q, r] = qr(a);
    const res = await residuals(a, q, r);
    expect(res.rec).toBeLessThan(2e-6);
    expect(res.orth).toBeLessThan(5e-7);
  });

  it('bad mode and rank-1 input are errors naming qr', () => {
    expect(() => qr(fx.eye(2) as T, { mode: 'r' as never })).toThrow(/qr: mode must be 'reduced' or 'complete'/);
    expect(() => qr(fx.zeros([3]) as T)).toThrow(/shape error in qr: a must be a matrix/);
  });
});

describeHostBackends('qr derivatives', () => {
  const a3 = () => fx.tensor([[2, 0.5, -0.3], [0.4, 1, 0.2], [-0.3, 0.7, -1]]);

  it('q and r: order 2 on a square input, order 1 on a tall one', async () => {
    await fx.checkGradsAsync((a) => qr(a)[0], [a3()], { order: 2 });
    await fx.checkGradsAsync((a) => qr(a)[1], [a3()], { order: 2 });
    await fx.checkGradsAsync((a) => qr(a)[0], [tall()], { order: 1 });
    await fx.checkGradsAsync((a) => qr(a)[1], [tall()], { order: 1 });
  });

  it('wide input or complete q of a tall input: a TransformError, as in JAX', () => {
    expect(() => fx.grad((x: T) => fx.sum(qr(x)[1] as never))(wide() as never)).toThrow(/qr: the derivative is implemented for m ≥ n/);
    expect(() => fx.grad((x: T) => fx.sum(qr(x, { mode: 'complete' })[0] as never))(tall() as never)).toThrow(/mode "complete"/);
  });
});

describeHostBackends('qr under vmap', () => {
  it('vmap(qr) equals qr per example', async () => {
    const mats = fx.tensor([[[3, 1], [4, 2]], [[1, 0], [0, 2]]]);
    const [q, r] = fx.vmap((a: T) => qr(a))(mats) as unknown as [T, T];
    await expectClose(q, [[[-0.6, -0.8], [-0.8, 0.6]], [[1, 0], [0, 1]]]);
    await expectClose(r, [[[-5, -2.2], [0, 0.4]], [[1, 0], [0, 2]]]);
  });
});
