import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';
import { lastWriteMask } from './lastWriteMask.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
const idx = (values: number[] | number[][]) => fx.tensor(values, 'int32') as Any;

describeEachBackend('take / gather', () => {
  const x = () => fx.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);

  it('picks rows, columns, and index tensors of any shape', async () => {
    await expectClose(fx.take(x(), fx.tensor([2, 0], 'int32')), [[7, 8, 9], [1, 2, 3]]);
    await expectClose(fx.gather(x(), fx.tensor([1], 'int32'), 1), [[2], [5], [8]]);
    const grid = fx.take(x(), fx.tensor([[0, 1], [2, 2]], 'int32'));
    expect(grid.shape).toEqual([2, 2, 3]);
    await expectClose(grid, [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [7, 8, 9]]]);
    const cols = fx.take(x() as Any, idx([[2, 0]]), -1);
    expect(cols.shape).toEqual([3, 1, 2]);
    await expectClose(cols, [[[3, 1]], [[6, 4]], [[9, 7]]]);
    expect(await fx.take(fx.tensor([10, 20, 30], 'int32'), fx.tensor([2, 2], 'int32')).array()).toEqual([30, 30]);
  });

  it('a JS number picks one position and drops the axis; negative counts from the end', async () => {
    const row = fx.take(x(), 1);
    expect(row.shape).toEqual([3]);
    await expectClose(row, [4, 5, 6]);
    await expectClose(fx.take(x(), -1), [7, 8, 9]);
    await expectClose(fx.take(x() as Any, 0, 1), [1, 4, 7]);
  });

  it('a JS number is a static slice: grad puts the cotangent at the position, vmap and jit agree, bool and int32 work', async () => {
    const m = fx.tensor([[0.5, -1, 0.2], [2, 0.3, -0.4]]);
    // d/dm sum(take(m, 1, 1)²) = 2·m[:, 1] in column 1, zero elsewhere.
    const g = fx.grad((a: fx.Tensor<[2, 3], 'float32'>) => fx.sum(fx.square(fx.take(a as Any, 1, 1))) as fx.Tensor<[], 'float32'>)(m);
    await expectClose(g, [[0, -2, 0], [0, 0.6, 0]]);
    await expectClose(fx.vmap((r: fx.Tensor<[3], 'float32'>) => fx.take(r, -1))(m), [0.2, -0.4]);
    await expectClose(fx.jit((a: fx.Tensor<[2, 3], 'float32'>) => fx.take(a, 1))(m), [2, 0.3, -0.4]);
    expect(await fx.take(fx.tensor([true, false]), 1).array()).toBe(false);
    expect(await fx.take(fx.tensor([[1, 2], [3, 4]], 'int32'), 1).array()).toEqual([3, 4]);
    await fx.checkGradsAsync((a) => fx.mul(fx.take(a, 1), fx.take(a, 0)), [m], { order: 2 });
  });

  it('rejects out-of-range indices with a ShapeError naming the op, index and shapes', () => {
    expect(() => fx.take(x(), idx([0, 3]))).toThrow(/shape error in take: index 3 at position 1 of indices \[2\] is out of range \[0, 3\) for axis 0 of x \[3, 3\]/);
    expect(() => fx.take(x(), idx([-1]))).toThrow(/shape error in take: index -1 .* out of range/);
    expect(() => fx.take(x(), 3)).toThrow(/shape error in take: index 3 is out of range \[-3, 3\) for axis 0 of x \[3, 3\]/);
    expect(() => fx.take(x() as Any, idx([0]), 2)).toThrow(/shape error in take: axis 2 is out of range/);
    expect(() => fx.take(x() as Any, fx.tensor([0]) as Any)).toThrow(/dtype error in take: indices must be int32, got float32/);
  });

  it('grad of take scatter-adds: repeated indices accumulate', async () => {
    const g = fx.grad((v: fx.Tensor<[4], 'float32'>) => fx.sum(fx.take(v, fx.tensor([0, 0, 3], 'int32'))))(fx.tensor([1, 2, 3, 4]));
    await expectClose(g, [2, 0, 0, 1]);
    const g2 = fx.grad((m: fx.Tensor<[3, 3], 'float32'>) => fx.sum(fx.mul(fx.take(m, fx.tensor([2, 2], 'int32'), 1) as Any, fx.tensor([[1, 10]]))) as fx.Tensor<[], 'float32'>)(x());
    await expectClose(g2, [[0, 0, 11], [0, 0, 11], [0, 0, 11]]);
  });

  it('derivatives match finite differences to order 2', async () => {
    const i = fx.tensor([[2, 0], [1, 2]], 'int32');
    await fx.checkGradsAsync((a) => fx.take(a, i), [fx.tensor([[0.5, -1], [2, 0.3], [1.1, -0.7]])], { order: 2 });
    await fx.checkGradsAsync((a) => fx.mul(fx.take(a, i, 1), fx.take(a, i, 1)), [fx.tensor([[0.5, -1, 0.2], [2, 0.3, -0.4]])], { order: 2 });
  });
});

describeEachBackend('take under jit', () => {
  it('copies whole rows of a wide table (an embedding) and checks the indices', async () => {
    const table = Float32Array.from({ length: 5 * 32 }, (_, i) => Math.sin(i) * 3);
    const ids = [[4, 0, 2], [2, 2, 1]];
    const f = fx.jit((t: fx.Tensor<[5, 32], 'float32'>, i: fx.Tensor<[2, 3], 'int32'>) => fx.take(t, i));
    const y = f(fx.tensor(table, [5, 32]), fx.tensor(ids, 'int32') as never);
    expect(y.shape).toEqual([2, 3, 32]);
    expect(Array.from(await y.data())).toEqual(ids.flat().flatMap((r) => Array.from(table.subarray(r * 32, r * 32 + 32))));
    expect(() => f(fx.tensor(table, [5, 32]), fx.tensor([[0, 5, 1], [0, 0, 0]], 'int32') as never)).toThrow(/shape error in take: index 5 at position 1/);
  });
});

describeEachBackend('scatterAdd', () => {
  it('adds updates at indices along an axis; repeated indices accumulate', async () => {
    await expectClose(fx.scatterAdd(fx.zeros([3]), fx.tensor([0, 2, 0], 'int32'), fx.tensor([1, 2, 3])), [4, 0, 2]);
    const m = fx.scatterAdd(fx.ones([2, 3]) as Any, idx([2, 0]), fx.tensor([[10, 20], [30, 40]]), 1);
    await expectClose(m, [[21, 1, 11], [41, 1, 31]]);
    await expectClose(fx.scatterAdd(fx.zeros([2, 2]), 1, fx.tensor([5, 6])), [[0, 0], [5, 6]]);
    expect(await fx.scatterAdd(fx.tensor([1, 1], 'int32'), fx.tensor([1, 1], 'int32'), fx.tensor([2, 3], 'int32')).array()).toEqual([1, 6]);
  });

  it('rejects updates of the wrong shape and out-of-range indices', () => {
    expect(() => fx.scatterAdd(fx.zeros([3]), idx([0, 1]), fx.tensor([1, 2, 3]) as Any)).toThrow(
      /shape error in scatterAdd: updates have shape \[3\] but indices \[2\] into axis 0 of \[3\] need \[2\]/,
    );
    expect(() => fx.scatterAdd(fx.zeros([3]), idx([5]), fx.tensor([1]) as Any)).toThrow(/shape error in scatterAdd: index 5 at position 0 of indices \[1\] is out of range \[0, 3\)/);
  });

  it('gradients: 1 for x, the gathered cotangent for the updates', async () => {
    const i = fx.tensor([0, 2, 0], 'int32');
    const w = fx.tensor([1, 10, 100]);
    const f = (x: fx.Tensor<[3], 'float32'>, u: fx.Tensor<[3], 'float32'>) => fx.sum(fx.mul(fx.scatterAdd(x, i, u), w));
    const [gx, gu] = fx.grad(f, { argnums: [0, 1] })(fx.zeros([3]), fx.tensor([1, 2, 3]));
    await expectClose(gx, [1, 10, 100]);
    await expectClose(gu, [1, 100, 1]);
  });

  it('derivatives match finite differences to order 2', async () => {
    const i = fx.tensor([1, 0, 1], 'int32');
    await fx.checkGradsAsync((a, u) => fx.scatterAdd(a, i, u, 1), [fx.tensor([[0.5, -1], [2, 0.3]]), fx.tensor([[1, 2, 3], [4, 5, 6]])], { order: 2 });
    await fx.checkGradsAsync((a, u) => fx.mul(fx.scatterAdd(a, i, u), a), [fx.tensor([0.5, -1]), fx.tensor([0.3, 0.7, -0.2])], { order: 2 });
  });
});

describeEachBackend('oneHot', () => {
  it('makes float32 one-hot rows along a new last axis; out-of-range indices give zero rows', async () => {
    const y = fx.oneHot(fx.tensor([0, 2, 5, -1], 'int32'), 3);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([4, 3]);
    await expectClose(y, [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]);
    const grid = fx.oneHot(fx.tensor([[1], [0]], 'int32'), 2);
    expect(grid.shape).toEqual([2, 1, 2]);
    await expectClose(grid, [[[0, 1]], [[1, 0]]]);
  });

  it('rejects a bad depth and float indices', () => {
    expect(() => fx.oneHot(fx.tensor([0], 'int32'), 0)).toThrow(/shape error in oneHot: depth must be a positive integer, got 0/);
    expect(() => fx.oneHot(fx.tensor([0]) as Any, 2)).toThrow(/dtype error in oneHot: indices must be int32, got float32/);
  });

  it('is a constant for differentiation (indices are NoDiff)', async () => {
    const labels = fx.tensor([2, 0], 'int32');
    const g = fx.grad((logits: fx.Tensor<[2, 3], 'float32'>) => fx.sum(fx.mul(logits, fx.oneHot(labels, 3))))(fx.zeros([2, 3]));
    await expectClose(g, [[0, 0, 1], [1, 0, 0]]);
  });
});

describeEachBackend('lastWriteMask (used by at().set)', () => {
  it('marks the last occurrence of each index value, in row-major order', async () => {
    await expectClose(lastWriteMask(idx([3, 1, 3, 0, 1, 3])), [0, 0, 0, 1, 1, 1]);
    await expectClose(lastWriteMask(idx([[2, 2], [2, 0]])), [[0, 0], [1, 1]]);
    await expectClose(lastWriteMask(idx([4])), [1]);
  });

  it('agrees with a reference on many repeated indices', async () => {
    let s = 7;
    const values = Array.from({ length: 500 }, () => (s = (s * 1103515245 + 12345) % 2147483648) % 37);
    const want = values.map((v, i) => (values.indexOf(v, i + 1) === -1 ? 1 : 0));
    await expectClose(lastWriteMask(idx(values)), want);
  });
});
