import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { expectClose } from '../testing/backends.js';
import { describeHostBackends } from '../primitives/decompositionTesting.js';

type T = fx.Tensor;
const L = fx.linalg as unknown as {
  lu(a: T): [T, T, T];
  luFactor(a: T): [T, T];
  luSolve(f: [T, T], b: T, o?: { trans?: 0 | 1 }): T;
  slogdet(a: T): [T, T];
  norm(x: T, ord?: fx.linalg.NormOrd, axis?: number | [number, number], keepDims?: boolean): T;
  matrixPower(a: T, n: number): T;
  multiDot(xs: T[]): T;
  pinv(a: T, o?: fx.linalg.PinvOptions): T;
  lstsq(a: T, b: T, o?: fx.linalg.LstsqOptions): [T, T, T, T];
};
const mm = (a: T, b: T) => fx.matmul(a as never, b as never) as T;
const a3 = () => fx.tensor([[2, 0.5, -0.3], [0.4, 1, 0.2], [-0.3, 0.7, -1]]);
const tall = () => fx.tensor([[1, 2], [3, -1], [0.5, 4], [-2, 1]]);
const wide = () => fx.tensor([[1, 3, 0.5], [2, -1, 4]]);

describeHostBackends('lu, luFactor, luSolve', () => {
  it('lu of [[1, 2], [3, 4]] by hand (a = p·l·u, SciPy convention)', async () => {
    const [p, l, u] = L.lu(fx.tensor([[1, 2], [3, 4]]));
    await expectClose(p, [[0, 1], [1, 0]]);
    await expectClose(l, [[1, 0], [1 / 3, 1]]);
    await expectClose(u, [[3, 4], [0, 2 / 3]]);
  });

  it('tall and wide: shapes and p·l·u = a', async () => {
    for (const a of [tall(), wide(), a3()]) {
      const [p, l, u] = L.lu(a);
      const [m, n] = a.shape as [number, number];
      expect([p.shape, l.shape, u.shape]).toEqual([[m, m], [m, Math.min(m, n)], [Math.min(m, n), n]]);
      await expectClose(mm(p, mm(l, u)), await a.array(), 1e-6);
    }
  });

  it('luFactor pivots (LAPACK row interchanges) and luSolve, plain and transposed, vector and matrix b', async () => {
    const a = fx.tensor([[1, 2], [3, 4]]);
    const f = L.luFactor(a);
    await expectClose(f[1], [1, 1]);
    // a·x = [5, 11] for x = [1, 2]; aᵀ·x = [7, 10] for x = [1, 2].
    await expectClose(L.luSolve(f, fx.tensor([5, 11])), [1, 2]);
    await expectClose(L.luSolve(f, fx.tensor([7, 10]), { trans: 1 }), [1, 2]);
    await expectClose(L.luSolve(L.luFactor(a3()), fx.tensor([[1, 0], [0, 1], [1, 1]])), await fx.solve(a3(), fx.tensor([[1, 0], [0, 1], [1, 1]])).array(), 1e-5);
  });

  it('derivatives: lu factors to order 2 (square), order 1 (tall, wide); luSolve in a and b to order 2', async () => {
    await fx.checkGradsAsync((a) => L.lu(a)[1], [a3()], { order: 2 });
    await fx.checkGradsAsync((a) => L.lu(a)[2], [a3()], { order: 2 });
    for (const a of [tall(), wide()]) {
      await fx.checkGradsAsync((x) => L.lu(x)[1], [a], { order: 1 });
      await fx.checkGradsAsync((x) => L.lu(x)[2], [a], { order: 1 });
    }
    await fx.checkGradsAsync((a, b) => L.luSolve(L.luFactor(a), b), [a3(), fx.tensor([1, -2, 0.5])], { order: 2 });
    await fx.checkGradsAsync((a, b) => L.luSolve(L.luFactor(a), b, { trans: 1 }), [a3(), fx.tensor([1, -2, 0.5])], { order: 1 });
  });

  it('vmap(lu) and a batch through luSolve', async () => {
    const mats = fx.tensor([[[1, 2], [3, 4]], [[2, 0], [0, 4]]]);
    const [, , u] = fx.vmap((a: T) => L.lu(a))(mats) as unknown as [T, T, T];
    await expectClose(u, [[[3, 4], [0, 2 / 3]], [[2, 0], [0, 4]]]);
    await expectClose(L.luSolve(L.luFactor(mats), fx.tensor([[5, 11], [2, 4]])), [[1, 2], [1, 1]]);
  });

  it('vmap(luSolve) with a shared factorization and batched right-hand sides', async () => {
    const f = L.luFactor(fx.tensor([[1, 2], [3, 4]]));
    await expectClose(fx.vmap((b: T) => L.luSolve(f, b))(fx.tensor([[5, 11], [3, 7]]) as never) as T, [[1, 2], [1, 1]]);
  });

  it('a right-hand side of the wrong size is a ShapeError naming luSolve', () => {
    expect(() => L.luSolve(L.luFactor(fx.eye(3) as T), fx.zeros([2]) as T)).toThrow(/shape error in luSolve: b must be \[3\] or \[3, k\]/);
  });
});

describeHostBackends('slogdet', () => {
  it('sign and log|det| by hand; a singular matrix gives 0 and −∞', async () => {
    const [s, l] = L.slogdet(fx.tensor([[0, 2], [3, 0]]));
    await expectClose(s, -1);
    await expectClose(l, Math.log(6));
    const [s0, l0] = L.slogdet(fx.tensor([[1, 2], [2, 4]]));
    await expectClose(s0, 0);
    expect(await l0.array()).toBe(-Infinity);
  });

  it('no overflow where det overflows float32: 40×40 of 100·I has log|det| = 40·log 100', async () => {
    const a = fx.mul(fx.eye(40), -100) as T;
    expect(await fx.det(a as never).array()).toBe(Infinity);
    const [s, l] = L.slogdet(a);
    await expectClose(s, 1);
    await expectClose(l, 40 * Math.log(100), 1e-6);
  });

  it('grad of log|det| is a⁻ᵀ; order 2 against finite differences; vmap', async () => {
    const g = fx.grad((a: fx.Tensor<[2, 2], 'float32'>) => fx.linalg.slogdet(a)[1])(fx.tensor([[1, 2], [3, 4]]));
    await expectClose(g, [[-2, 1.5], [1, -0.5]], 1e-5);
    await fx.checkGradsAsync((a) => L.slogdet(a)[1], [a3()], { order: 2 });
    const mats = fx.tensor([[[0, 2], [3, 0]], [[2, 0], [0, 4]]]);
    await expectClose(fx.vmap((a: T) => L.slogdet(a)[1])(mats), [Math.log(6), Math.log(8)]);
  });
});

describeHostBackends('norm', () => {
  const v = () => fx.tensor([3, -4, 0, 1]);
  const m = () => fx.tensor([[1, -2], [3, 4]]);

  it('vector norms: 2 (default), 1, ∞, −∞, 0, p = 3', async () => {
    await expectClose(L.norm(v()), Math.sqrt(26));
    await expectClose(L.norm(v(), 1), 8);
    await expectClose(L.norm(v(), Infinity), 4);
    await expectClose(L.norm(v(), -Infinity), 0);
    await expectClose(L.norm(v(), 0), 3);
    await expectClose(L.norm(v(), 3), Math.cbrt(27 + 64 + 1));
  });

  it("matrix norms: 'fro', 'nuc', 1, −1, ∞, −∞, 2, −2 (singular values of [[1, −2], [3, 4]] by hand)", async () => {
    // aᵀa = [[10, 10], [10, 20]]: eigenvalues 15 ± 5√5.
    const s1 = Math.sqrt(15 + 5 * Math.sqrt(5));
    const s2 = Math.sqrt(15 - 5 * Math.sqrt(5));
    await expectClose(L.norm(m()), Math.sqrt(30));
    await expectClose(L.norm(m(), 'fro'), Math.sqrt(30));
    await expectClose(L.norm(m(), 'nuc'), s1 + s2);
    await expectClose(L.norm(m(), 2), s1);
    await expectClose(L.norm(m(), -2), s2);
    await expectClose(L.norm(m(), 1), 6);
    await expectClose(L.norm(m(), -1), 4);
    await expectClose(L.norm(m(), Infinity), 7);
    await expectClose(L.norm(m(), -Infinity), 3);
  });

  it('axis, axis pairs (including reversed) and keepDims', async () => {
    await expectClose(L.norm(m(), 2, 1), [Math.sqrt(5), 5]);
    await expectClose(L.norm(m(), 1, 0), [4, 6]);
    const x = fx.reshape(fx.tensor([1, -2, 3, 4, 0, 1, 1, 0]), [2, 2, 2]) as T;
    await expectClose(L.norm(x, 1, [1, 2]), [6, 1]);
    await expectClose(L.norm(x, 1, [2, 1]), [7, 1]);
    const k = L.norm(x, 'fro', [1, 2], true);
    expect(k.shape).toEqual([2, 1, 1]);
    expect(L.norm(x).shape).toEqual([]);
    expect(() => L.norm(x, 1)).toThrow(/shape error in norm: x \[2, 2, 2\] has 3 axes/);
    expect(() => L.norm(v(), 'fro')).toThrow(/is a matrix norm/);
  });

  it('derivatives against finite differences (order 2 for smooth ords, order 1 for the svd ones)', async () => {
    for (const ord of [2, 1, 3, Infinity]) await fx.checkGradsAsync((x) => L.norm(x, ord), [v()], { order: ord === 2 || ord === 3 ? 2 : 1 });
    for (const ord of ['fro', 'nuc', 2, -2, 1, Infinity] as const) await fx.checkGradsAsync((x) => L.norm(x, ord), [m()], { order: 1 });
  });

  it('vmap(norm)', async () => {
    await expectClose(fx.vmap((x: T) => L.norm(x, 'nuc'))(fx.tensor([[[3, 0], [0, -4]], [[1, 0], [0, 0]]])), [7, 1]);
  });
});

describeHostBackends('matrixPower and multiDot', () => {
  it('matrixPower: n = 3, 0, 1, −2 by hand', async () => {
    const a = fx.tensor([[1, 1], [0, 1]]);
    await expectClose(L.matrixPower(a, 3), [[1, 3], [0, 1]]);
    await expectClose(L.matrixPower(a, 0), [[1, 0], [0, 1]]);
    await expectClose(L.matrixPower(a, 1), [[1, 1], [0, 1]]);
    await expectClose(L.matrixPower(a, -2), [[1, -2], [0, 1]]);
    expect(() => L.matrixPower(a, 1.5)).toThrow(/exponent must be an integer/);
  });

  it('matrixPower: derivatives to order 2 (n = 5 and n = −2); vmap', async () => {
    await fx.checkGradsAsync((a) => L.matrixPower(a, 5), [fx.mul(a3(), 0.7) as T], { order: 2 });
    await fx.checkGradsAsync((a) => L.matrixPower(a, -2), [a3()], { order: 1 });
    await expectClose(fx.vmap((a: T) => L.matrixPower(a, 2))(fx.tensor([[[1, 1], [0, 1]], [[2, 0], [0, 3]]])), [[[1, 2], [0, 1]], [[4, 0], [0, 9]]]);
  });

  it('multiDot equals the left-to-right product, with vector ends; derivatives; bad chains are errors', async () => {
    const a = fx.tensor([[1, 2, 0], [0, 1, -1]]);
    const b = fx.tensor([[1, 0], [2, 1], [0, 3]]);
    const c = fx.tensor([[1, -1, 2], [0.5, 0, 1]]);
    const d = fx.tensor([1, 2, -1]);
    await expectClose(L.multiDot([a, b, c]), await mm(mm(a, b), c).array());
    await expectClose(L.multiDot([a, b, c, d]), await fx.reshape(mm(mm(mm(a, b), c), fx.reshape(d, [3, 1]) as T) as never, [2]).array());
    await expectClose(L.multiDot([fx.tensor([1, 1]), a, b]), [7, 0]);
    await fx.checkGradsAsync((x, y, z) => L.multiDot([x, y, z]), [a, b, c], { order: 1 });
    const cs = fx.stack([c, fx.mul(c, 2)] as never) as T;
    await expectClose(fx.vmap((z: T) => L.multiDot([a, b, z]))(cs as never) as T, [await mm(mm(a, b), c).array(), await fx.mul(mm(mm(a, b), c) as never, 2).array()]);
    expect(() => L.multiDot([a, a])).toThrow(/shape error in multiDot: arguments 0 \[2, 3\] and 1 \[2, 3\] do not chain/);
  });
});

describeHostBackends('pinv and lstsq', () => {
  /** (AᵀA)⁻¹Aᵀ in float64 for a full-column-rank m×2 matrix. */
  const pinvRef = (a: number[][]) => {
    let [p, q, r] = [0, 0, 0];
    for (const [x, y] of a) [p, q, r] = [p + x! * x!, q + x! * y!, r + y! * y!];
    const det = p * r - q * q;
    return [a.map(([x, y]) => (r * x! - q * y!) / det), a.map(([x, y]) => (-q * x! + p * y!) / det)];
  };

  it('pinv of a tall full-rank matrix is (aᵀa)⁻¹aᵀ; of a rank-1 matrix drops the zero singular value', async () => {
    const t = [[1, 2], [3, -1], [0.5, 4], [-2, 1]];
    await expectClose(L.pinv(fx.tensor(t) as T), pinvRef(t), 1e-5);
    await expectClose(L.pinv(fx.tensor([[1, 0], [0, 0]])), [[1, 0], [0, 0]]);
    // a = u·vᵀ with u = (1, 1, 1), v = (1, 1): pinv = aᵀ/‖a‖² = aᵀ/6.
    await expectClose(L.pinv(fx.ones([3, 2]) as T), [[1 / 6, 1 / 6, 1 / 6], [1 / 6, 1 / 6, 1 / 6]], 1e-6);
  });

  it('pinv derivatives (Golub–Pereyra rule) against finite differences: order 2 square, order 1 tall and wide', async () => {
    await fx.checkGradsAsync((a) => L.pinv(a), [a3()], { order: 2 });
    await fx.checkGradsAsync((a) => L.pinv(a), [tall()], { order: 1 });
    await fx.checkGradsAsync((a) => L.pinv(a), [wide()], { order: 1 });
  });

  it('pinv with repeated singular values (2·I): finite derivative −p·da·p', async () => {
    const [, dp] = fx.jvp((a: T) => L.pinv(a), [fx.mul(fx.eye(2), 2) as T], [fx.tensor([[1, 2], [3, 4]]) as T]) as unknown as [T, T];
    await expectClose(dp, [[-0.25, -0.5], [-0.75, -1]], 1e-6);
  });

  it('lstsq: over-determined (residuals), under-determined and rank-deficient (minimum norm, as NumPy)', async () => {
    const [x, res, rank, s] = L.lstsq(fx.tensor([[1, 0], [0, 1], [1, 1]]), fx.tensor([1, 1, 3]));
    await expectClose(x, [4 / 3, 4 / 3]);
    await expectClose(res, (1 / 3) ** 2 * 2 + (1 / 3) ** 2, 1e-5);
    expect(await rank.array()).toBe(2);
    await expectClose(s, [Math.sqrt(3), 1]);
    const [xu] = L.lstsq(fx.tensor([[1, 1]]), fx.tensor([2]));
    await expectClose(xu, [1, 1]);
    const [xr, rr, kr] = L.lstsq(fx.ones([3, 2]) as T, fx.tensor([1, 2, 3]));
    await expectClose(xr, [1, 1], 1e-6);
    await expectClose(rr, 2, 1e-5);
    expect(await kr.array()).toBe(1);
    const [xm] = L.lstsq(fx.tensor([[1, 0], [0, 1], [1, 1]]), fx.tensor([[1, 0], [1, 0], [3, 1]]));
    expect(xm.shape).toEqual([2, 2]);
  });

  it('lstsq: derivatives of x in a and b to order 1; bad b is a ShapeError', async () => {
    await fx.checkGradsAsync((a, b) => L.lstsq(a, b)[0], [tall(), fx.tensor([1, 0.5, -1, 2])], { order: 1 });
    expect(() => L.lstsq(tall(), fx.zeros([3]) as T)).toThrow(/shape error in lstsq: b must be \[4\] or \[4, k\]/);
  });

  it('vmap(lstsq) over right-hand sides and over matrices', async () => {
    const a = fx.tensor([[1, 0], [0, 1], [1, 1]]);
    const xs = fx.vmap((b: T) => L.lstsq(a, b)[0])(fx.tensor([[1, 1, 3], [1, 0, 1]]) as never) as T;
    await expectClose(xs, [[4 / 3, 4 / 3], [1, 0]], 1e-5);
    const ranks = fx.vmap((m: T) => L.lstsq(m, fx.tensor([1, 2, 3]))[2])(fx.stack([a, fx.ones([3, 2])] as never) as never) as T;
    expect(await ranks.array()).toEqual([2, 1]);
  });

  it('vmap(pinv)', async () => {
    await expectClose(fx.vmap((a: T) => L.pinv(a))(fx.tensor([[[2, 0], [0, 4]], [[1, 0], [0, 0]]])), [[[0.5, 0], [0, 0.25]], [[1, 0], [0, 0]]]);
  });
});
