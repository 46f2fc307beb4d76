/**
 * The NumPy/JAX surface, part 2: array manipulation and contractions
 * (lib/composite/arrays.ts, lib/composite/contract.ts) against plain-JS
 * float64 references, with second-order derivative checks and one vmap check
 * per function.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
type M = number[][];

const M23: M = [[0.5, -1.2, 2.1], [1.3, 0.7, -0.4]];
const M33: M = [[0.5, -1.2, 2.1], [1.3, 0.7, -0.4], [-0.8, 1.9, 0.3]];
const t = (x: unknown) => fx.tensor(x as number[]) as Any;
const arr = async (x: Any) => (await x.array()) as unknown;

/** float64 references. */
const ref = {
  matmul: (a: M, b: M): M => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0))),
  transpose: (a: M): M => a[0]!.map((_, j) => a.map((r) => r[j]!)),
};

/** vmap of `f` over the first axis of `xs` equals applying `f` to each row. */
async function expectVmapMatches(f: (x: Any) => Any, xs: Any): Promise<void> {
  const batched = fx.vmap(f)(xs);
  const rows = [];
  for (let i = 0; i < xs.shape[0]; i++) rows.push(await arr(f(fx.take(xs, i))));
  await expectClose(batched, rows, 1e-5);
}

describeEachBackend('flip, roll', () => {
  it('flip reverses the chosen axes (all when omitted)', async () => {
    await expectClose(fx.flip(t(M23), 1), M23.map((r) => [...r].reverse()));
    await expectClose(fx.flip(t(M23), 0), [...M23].reverse());
    await expectClose(fx.flip(t(M23)), [...M23].reverse().map((r) => [...r].reverse()));
    await expectClose(fx.flip(fx.tensor([1, 2, 3], 'int32')), [3, 2, 1]);
    await fx.checkGradsAsync((x) => fx.mul(fx.flip(x, 1), x), [t(M23)], { order: 2 });
    await expectVmapMatches((x) => fx.flip(x), t(M23));
  });

  it('roll wraps elements around (negative shifts go left; no axis = flattened)', async () => {
    await expectClose(fx.roll(fx.tensor([1, 2, 3, 4]), 1), [4, 1, 2, 3]);
    await expectClose(fx.roll(fx.tensor([1, 2, 3, 4]), -1), [2, 3, 4, 1]);
    await expectClose(fx.roll(fx.tensor([1, 2, 3, 4]), 9), [4, 1, 2, 3]);
    const flat = M23.flat();
    const rolled = flat.map((_, i) => flat[(i - 2 + flat.length) % flat.length]!);
    await expectClose(fx.roll(t(M23), 2), [rolled.slice(0, 3), rolled.slice(3)]);
    await expectClose(fx.roll(t(M23), [1, -1], [0, 1]), [M23[1]!.slice(1).concat(M23[1]![0]!), M23[0]!.slice(1).concat(M23[0]![0]!)]);
    await fx.checkGradsAsync((x) => fx.mul(fx.roll(x, 1, 1), x), [t(M23)], { order: 2 });
    await expectVmapMatches((x) => fx.roll(x, 1), t(M23));
  });
});

describeEachBackend('split, tile, repeat, append, stacks', () => {
  it('split into equal sections or at indices', async () => {
    const parts = fx.split(fx.tensor([1, 2, 3, 4, 5, 6]), 3);
    expect(parts.length).toBe(3);
    await expectClose(parts[2]!, [5, 6]);
    const cut = fx.split(fx.tensor([1, 2, 3, 4, 5]), [1, 3]);
    expect(cut.map((p) => p.shape)).toEqual([[1], [2], [2]]);
    await expectClose(cut[1]!, [2, 3]);
    const cols = fx.split(t(M23), [2], 1);
    await expectClose(cols[0]!, M23.map((r) => r.slice(0, 2)));
    await expectClose(cols[1]!, M23.map((r) => r.slice(2)));
    expect(() => fx.split(fx.tensor([1, 2, 3]), 2)).toThrow(/split: cannot split axis 0 of size 3 \(x \[3\]\) into 2 equal parts/);
    await fx.checkGradsAsync((x) => fx.mul(fx.split(x, [1], 1)[1]!, fx.split(x, [1], 1)[1]!), [t(M23)], { order: 2 });
    await expectVmapMatches((x) => fx.split(x, [1])[1]!, t(M23));
  });

  it('tile repeats the whole array; repeat repeats each element', async () => {
    await expectClose(fx.tile(fx.tensor([1, 2]), 2), [1, 2, 1, 2]);
    await expectClose(fx.tile(fx.tensor([[1, 2]]), [2, 2]), [[1, 2, 1, 2], [1, 2, 1, 2]]);
    await expectClose(fx.tile(fx.tensor([1, 2]), [2, 1]), [[1, 2], [1, 2]]);
    await expectClose(fx.repeat(fx.tensor([1, 2]), 2), [1, 1, 2, 2]);
    await expectClose(fx.repeat(fx.tensor([1, 2, 3]), [0, 1, 2]), [2, 3, 3]);
    await expectClose(fx.repeat(t(M23), 2, 0), [M23[0]!, M23[0]!, M23[1]!, M23[1]!]);
    await expectClose(fx.repeat(fx.tensor([[1, 2], [3, 4]]), 2), [1, 1, 2, 2, 3, 3, 4, 4]);
    expect(() => fx.repeat(fx.tensor([1, 2]), [1])).toThrow(/repeat: repeats must be 2 non-negative integers/);
    await fx.checkGradsAsync((x) => fx.mul(fx.tile(x, [2, 1]), fx.tile(x, [2, 1])), [t(M23)], { order: 2 });
    await fx.checkGradsAsync((x) => fx.mul(fx.repeat(x, [2, 0, 1], 1), fx.repeat(x, [2, 0, 1], 1)), [t(M23)], { order: 2 });
    await expectVmapMatches((x) => fx.tile(x, 2), t(M23));
    await expectVmapMatches((x) => fx.repeat(x, 2), t(M23));
  });

  it('append, vstack, hstack, dstack', async () => {
    await expectClose(fx.append(fx.tensor([1, 2]), fx.tensor([[3]])), [1, 2, 3]);
    await expectClose(fx.append(t(M23), t([[9, 9, 9]]), 0), [...M23, [9, 9, 9]]);
    await expectClose(fx.vstack([fx.tensor([1, 2]), fx.tensor([3, 4])]), [[1, 2], [3, 4]]);
    await expectClose(fx.hstack([fx.tensor([1, 2]), fx.tensor([3])]), [1, 2, 3]);
    await expectClose(fx.hstack([fx.tensor([[1], [2]]), fx.tensor([[3], [4]])]), [[1, 3], [2, 4]]);
    const d = fx.dstack([fx.tensor([1, 2]), fx.tensor([3, 4])]);
    expect(d.shape).toEqual([1, 2, 2]);
    await expectClose(d, [[[1, 3], [2, 4]]]);
    await fx.checkGradsAsync((x, y) => fx.mul(fx.vstack([x, y]), fx.vstack([y, x])), [fx.tensor([1, 2]), fx.tensor([3, -4])], { order: 2 });
    await fx.checkGradsAsync((x, y) => fx.mul(fx.hstack([x, y]), fx.dstack([y, x])), [t([[1], [2]]), t([[3], [-4]])], { order: 2 });
    await expectVmapMatches((x) => fx.append(x, x), t(M23));
    await expectVmapMatches((x) => fx.vstack([x, x]), t(M23));
  });
});

describeEachBackend('takeAlongAxis, meshgrid', () => {
  it('takeAlongAxis pairs with argsort', async () => {
    const x = t(M23);
    const idx = fx.argsort(x, 1);
    const sorted = M23.map((r) => [...r].sort((a, b) => a - b));
    await expectClose(fx.takeAlongAxis(x, idx, 1), sorted);
    await expectClose(fx.takeAlongAxis(x, fx.tensor([[1, 0, 1]], 'int32'), 0), [[M23[1]![0]!, M23[0]![1]!, M23[1]![2]!]]);
    // indices broadcast over the other axes
    await expectClose(fx.takeAlongAxis(x, fx.tensor([[2]], 'int32'), 1), [[M23[0]![2]!], [M23[1]![2]!]]);
    expect(() => fx.takeAlongAxis(x, fx.tensor([1], 'int32'), 1)).toThrow(/takeAlongAxis: indices \[1\] must have the rank of x \[2, 3\]/);
    const g = fx.grad((v: fx.Tensor<[2, 3], 'float32'>) => fx.sum(fx.takeAlongAxis(v, fx.tensor([[0, 0], [2, 1]], 'int32'), 1)) as fx.Tensor<[], 'float32'>)(x);
    await expectClose(g, [[2, 0, 0], [0, 1, 1]]);
    await fx.checkGradsAsync((v) => fx.mul(fx.takeAlongAxis(v, fx.tensor([[0, 0], [2, 1]], 'int32'), 1), fx.takeAlongAxis(v, fx.tensor([[1, 0], [2, 2]], 'int32'), 1)), [x], { order: 2 });
    await expectVmapMatches((v) => fx.takeAlongAxis(v, fx.tensor([2, 0], 'int32'), 0), x);
  });

  it("meshgrid with 'xy' and 'ij' indexing", async () => {
    const [gx, gy] = fx.meshgrid([fx.tensor([1, 2, 3]), fx.tensor([4, 5])]);
    expect(gx!.shape).toEqual([2, 3]);
    await expectClose(gx!, [[1, 2, 3], [1, 2, 3]]);
    await expectClose(gy!, [[4, 4, 4], [5, 5, 5]]);
    const [ix, iy] = fx.meshgrid([fx.tensor([1, 2, 3]), fx.tensor([4, 5])], { indexing: 'ij' });
    expect(ix!.shape).toEqual([3, 2]);
    await expectClose(ix!, [[1, 1], [2, 2], [3, 3]]);
    await expectClose(iy!, [[4, 5], [4, 5], [4, 5]]);
    await fx.checkGradsAsync((a, b) => fx.mul(fx.meshgrid([a, b])[0]!, fx.meshgrid([a, b])[1]!), [fx.tensor([1, 2, 3]), fx.tensor([4, -5])], { order: 2 });
    await expectVmapMatches((v) => fx.meshgrid([v, v])[1]!, t(M23));
  });
});

describeEachBackend('triangles, diagonals, trace, diff', () => {
  it('tril and triu keep a triangle relative to diagonal k', async () => {
    const mask = (k: number, lower: boolean) => M33.map((r, i) => r.map((v, j) => ((lower ? j - i <= k : j - i >= k) ? v : 0)));
    for (const k of [-1, 0, 1]) {
      await expectClose(fx.tril(t(M33), k), mask(k, true));
      await expectClose(fx.triu(t(M33), k), mask(k, false));
    }
    await expectClose(fx.tril(t(M23)), M23.map((r, i) => r.map((v, j) => (j <= i ? v : 0))));
    expect(() => fx.tril(fx.tensor([1, 2]))).toThrow(/tril: x must have rank >= 2/);
    await fx.checkGradsAsync((x) => fx.mul(fx.tril(x), fx.triu(x, -1)), [t(M33)], { order: 2 });
    await expectVmapMatches((x) => fx.tril(fx.reshape(x, [1, 3])), t(M23));
  });

  it('diagonal, diag and trace read and build diagonals with offsets', async () => {
    await expectClose(fx.diagonal(t(M33)), [M33[0]![0]!, M33[1]![1]!, M33[2]![2]!]);
    await expectClose(fx.diagonal(t(M23), 1), [M23[0]![1]!, M23[1]![2]!]);
    await expectClose(fx.diagonal(t(M23), -1), [M23[1]![0]!]);
    expect(fx.diagonal(t(M23), 5).shape).toEqual([0]);
    // a batch: axes 1, 2 of [2, 2, 3]
    await expectClose(fx.diagonal(fx.stack([t(M23), fx.neg(t(M23))]), 0, 1, 2), [[M23[0]![0]!, M23[1]![1]!], [-M23[0]![0]!, -M23[1]![1]!]]);
    await expectClose(fx.diag(fx.tensor([1, 2]), 1), [[0, 1, 0], [0, 0, 2], [0, 0, 0]]);
    await expectClose(fx.diag(fx.tensor([1, 2]), -1), [[0, 0, 0], [1, 0, 0], [0, 2, 0]]);
    await expectClose(fx.diag(t(M33)), [0.5, 0.7, 0.3]);
    await expectClose(fx.trace(t(M33)), 0.5 + 0.7 + 0.3, 1e-6);
    await expectClose(fx.trace(t(M33), 1), -1.2 + -0.4, 1e-6);
    await expectClose(fx.grad((x: fx.Tensor<[2, 3], 'float32'>) => fx.trace(x) as fx.Tensor<[], 'float32'>)(t(M23)), [[1, 0, 0], [0, 1, 0]]);
    await fx.checkGradsAsync((x) => fx.mul(fx.sum(fx.diagonal(x, 1)), fx.diagonal(x)), [t(M33)], { order: 2 });
    await fx.checkGradsAsync((v) => fx.mul(fx.diag(v, 1), fx.diag(v, 1)), [fx.tensor([0.5, -2])], { order: 2 });
    await expectVmapMatches((x) => fx.diag(x), t(M23));
    await expectVmapMatches((x) => fx.trace(fx.reshape(fx.tile(x, 1), [1, 3]), 1), t(M23));
  });

  it('diff takes n-th differences along an axis', async () => {
    await expectClose(fx.diff(fx.tensor([1, 4, 9, 16])), [3, 5, 7]);
    await expectClose(fx.diff(fx.tensor([1, 4, 9, 16]), 2), [2, 2]);
    await expectClose(fx.diff(t(M23), 1, 0), [M23[1]!.map((v, j) => v - M23[0]![j]!)]);
    await expectClose(fx.diff(fx.tensor([1, 4, 9], 'int32')), [3, 5]);
    await fx.checkGradsAsync((x) => fx.mul(fx.diff(x), fx.diff(x)), [t(M23)], { order: 2 });
    await expectVmapMatches((x) => fx.diff(x), t(M23));
  });
});

describeEachBackend('tensordot, matvec, vecmat, einsum', () => {
  const A = t(M23);
  const B = t(ref.transpose(M33).slice(0, 3));
  it('tensordot contracts axis lists or the last/first n axes', async () => {
    await expectClose(fx.tensordot(A, B, 1), ref.matmul(M23, ref.transpose(M33)), 1e-5);
    await expectClose(fx.tensordot(A, t(M23), [[1], [1]]), ref.matmul(M23, ref.transpose(M23)), 1e-5);
    await expectClose(fx.tensordot(A, t(M23)), M23.flat().reduce((s, v) => s + v * v, 0), 1e-5);
    const outerShape = fx.tensordot(A, t(M23), 0).shape;
    expect(outerShape).toEqual([2, 3, 2, 3]);
    expect(() => fx.tensordot(A, B, [[0], [0]])).toThrow(/tensordot: axis 0 of a \(2\) and axis 0 of b \(3\) differ/);
    await fx.checkGradsAsync((x, y) => fx.tensordot(x, y, [[1], [0]]), [A, B], { order: 2 });
    await expectVmapMatches((x) => fx.tensordot(x, B, 1), A);
  });

  it('matvec and vecmat with batch axes', async () => {
    const v = [1, -2, 0.5];
    await expectClose(fx.matvec(t(M23), t(v)), ref.matmul(M23, v.map((x) => [x])).map((r) => r[0]!), 1e-5);
    await expectClose(fx.vecmat(t([1, -2]), t(M23)), ref.matmul([[1, -2]], M23)[0]!, 1e-5);
    const batched = fx.matvec(fx.stack([t(M23), fx.neg(t(M23))]), fx.stack([t(v), t(v)]));
    const r = ref.matmul(M23, v.map((x) => [x])).map((x) => x[0]!);
    await expectClose(batched, [r, r.map((x) => -x)], 1e-5);
    await fx.checkGradsAsync((a, x) => fx.matvec(a, x), [t(M23), t(v)], { order: 2 });
    await fx.checkGradsAsync((x, a) => fx.vecmat(x, a), [t([1, -2]), t(M23)], { order: 2 });
    await expectVmapMatches((x) => fx.matvec(t(M33), x), t(M23));
    await expectVmapMatches((x) => fx.vecmat(x, t(M33)), t(M23));
  });

  it('einsum: matmul, batch matmul, outer, dot, trace, diagonal, transpose, sums', async () => {
    const Bm = ref.transpose(M23);
    await expectClose(fx.einsum('ij,jk->ik', A, t(Bm)), ref.matmul(M23, Bm), 1e-5);
    await expectClose(fx.einsum('ij,kj->ik', A, A), ref.matmul(M23, Bm), 1e-5);
    await expectClose(fx.einsum('ij,jk', A, t(Bm)), ref.matmul(M23, Bm), 1e-5);
    const batch = fx.einsum('bij,bjk->bik', fx.stack([A, fx.neg(A)]), fx.stack([t(Bm), t(Bm)]));
    const p = ref.matmul(M23, Bm);
    await expectClose(batch, [p, p.map((r) => r.map((x) => -x))], 1e-5);
    await expectClose(fx.einsum('i,j->ij', t([1, 2]), t([3, 4, 5])), [[3, 4, 5], [6, 8, 10]]);
    await expectClose(fx.einsum('i,i', t([1, 2]), t([3, 4])), 11);
    await expectClose(fx.einsum('ii', t(M33)), 1.5, 1e-6);
    await expectClose(fx.einsum('ii->i', t(M33)), [0.5, 0.7, 0.3]);
    await expectClose(fx.einsum('ij->ji', A), Bm);
    await expectClose(fx.einsum('ij->j', A), M23[0]!.map((v, j) => v + M23[1]![j]!), 1e-6);
    // a label only in one operand and not in the output is summed out first
    await expectClose(fx.einsum('ij,k->k', A, t([1, 2])), [1, 2].map((k) => k * M23.flat().reduce((s, v) => s + v, 0)), 1e-5);
    expect(() => fx.einsum('ij,jk->ik', A, A)).toThrow(/einsum: label j has size 3 and 2 \(operand 1\)/);
    // three operands, contracted pairwise: x·A·y for x [2], A [2, 3], y [3]; and a chain A·Aᵀ·A
    const xv = [0.5, -2];
    const yv = [1, 0.25, -1];
    await expectClose(fx.einsum('i,ij,j->', t(xv), A, t(yv)), xv.reduce((s, xi, i) => s + xi * M23[i]!.reduce((r, aij, j) => r + aij * yv[j]!, 0), 0), 1e-5);
    await expectClose(fx.einsum('ij,kj,kl->il', A, A, A), ref.matmul(ref.matmul(M23, Bm), M23), 1e-5);
    await fx.checkGradsAsync((x, a, y) => fx.einsum('i,ij,j', x, a, y), [t(xv), A, t(yv)], { order: 2 });
    // ellipsis: any batch rank, broadcast between operands, implicit output puts '...' first
    const a3 = fx.stack([A, fx.neg(A)]); // [2, 2, 3]
    await expectClose(fx.einsum('...ij,...jk->...ik', a3, t(Bm)), [p, p.map((r) => r.map((x) => -x))], 1e-5);
    await expectClose(fx.einsum('...ij,jk', a3, t(Bm)), [p, p.map((r) => r.map((x) => -x))], 1e-5);
    await expectClose(fx.einsum('...ij,...jk->...ik', a3, fx.reshape(t(Bm), [1, 3, 2])), [p, p.map((r) => r.map((x) => -x))], 1e-5);
    await expectClose(fx.einsum('i...->...', A), M23[0]!.map((v, j) => v + M23[1]![j]!), 1e-6);
    expect(() => fx.einsum('...ij,...jk->...ik', a3, fx.stack([t(Bm), t(Bm), t(Bm)]))).toThrow(/einsum: label [A-Z] has size 2 and 3/);
    await fx.checkGradsAsync((x, y) => fx.einsum('...ij,...jk->...ik', x, y), [a3, fx.reshape(t(Bm), [1, 3, 2])], { order: 2 });
    expect(() => fx.einsum('ij->iz', A)).toThrow(/einsum: output label z appears in no operand/);
    await fx.checkGradsAsync((x, y) => fx.einsum('ij,kj->ik', x, y), [A, t(M33)], { order: 2 });
    await fx.checkGradsAsync((x) => fx.mul(fx.einsum('ii->i', x), fx.einsum('ij->i', x)), [t(M33)], { order: 2 });
    await expectVmapMatches((x) => fx.einsum('i,ij->j', x, t(M33)), A);
  });
});
