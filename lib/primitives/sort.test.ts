import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type T = fx.Tensor;
const sort = fx.sort as unknown as (x: T, axis?: number) => T;
const topk = fx.topk as unknown as (x: T, k: number) => { values: T; indices: T };

/** 2 rows of `n` values with many ties (five distinct values), long enough for webgpu's GPU topk kernel (≥ 1000 elements). */
function tied(n: number): number[][] {
  return [0, 1].map((r) => Array.from({ length: n }, (_, i) => ((i + r) * 7919) % 5));
}

/** The stable ascending order of a row: lower index first among equal values. */
function stableOrder(row: number[], descending = false): number[] {
  return row
    .map((v, i) => [v, i] as const)
    .sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : descending ? b[0] - a[0] : a[0] - b[0]))
    .map(([, i]) => i);
}

describeEachBackend('sort and argsort', () => {
  it('sorts ascending along the last axis by default, and along any axis', async () => {
    const x = fx.tensor([[3, 1, 2], [0.5, -1, 4]]);
    await expectClose(fx.sort(x), [[1, 2, 3], [-1, 0.5, 4]]);
    await expectClose(fx.sort(x, 0), [[0.5, -1, 2], [3, 1, 4]]);
    await expectClose(fx.sort(x, -2), [[0.5, -1, 2], [3, 1, 4]]);
    expect(await fx.argsort(x).array()).toEqual([[1, 2, 0], [1, 0, 2]]);
    expect(await fx.argsort(x, 0).array()).toEqual([[1, 1, 0], [0, 0, 1]]);
  });

  it('sorts int32, including the extremes of the range', async () => {
    const x = fx.tensor([3, -2147483648, 2147483647, 0, -1], 'int32');
    const s = fx.sort(x);
    expect(s.dtype).toBe('int32');
    expect(await s.array()).toEqual([-2147483648, -1, 0, 3, 2147483647]);
  });

  it('ties: the sort is stable (lower index first), also on long rows', async () => {
    expect(await fx.argsort(fx.tensor([2, 1, 2, 1, 2])).array()).toEqual([1, 3, 0, 2, 4]);
    const rows = tied(1500);
    expect(await fx.argsort(fx.tensor(rows)).array()).toEqual(rows.map((r) => stableOrder(r)));
  });

  it('grad of Σ w·sort(x) sends each weight to the position its value came from', async () => {
    const w = fx.tensor([10, 20, 30]);
    const g = fx.grad((x: fx.Tensor<[3], 'float32'>) => fx.sum(fx.mul(fx.sort(x), w)))(fx.tensor([3, 1, 2]));
    await expectClose(g, [30, 10, 20]);
  });

  it('derivatives match finite differences to order 2, last axis and axis 0', async () => {
    const x = fx.tensor([[0.3, -1.2, 2.0, 0.7], [1.5, 0.1, -0.4, 0.9]]);
    await fx.checkGradsAsync((v) => sort(v), [x], { order: 2 });
    await fx.checkGradsAsync((v) => sort(v, 0), [x], { order: 2 });
  });

  it('under vmap: sorts each example, wherever its axis is', async () => {
    const cols = fx.tensor([[3, 0], [1, 5], [2, -1]]); // examples along axis 1
    await expectClose(fx.vmap((v: T) => sort(v), { inAxes: 1 })(cols), [[1, 2, 3], [-1, 0, 5]]);
    await expectClose(fx.vmap((v: T) => topk(v, 1).values)(fx.tensor([[3, 1, 2], [0, 5, -1]])), [[3], [5]]);
    await expectClose(fx.vmap(fx.grad((v: fx.Tensor<[3], 'float32'>) => fx.sum(fx.mul(fx.sort(v), fx.tensor([1, 2, 3])))))(fx.tensor([[3, 1, 2], [0, 5, -1]])), [[3, 1, 2], [2, 3, 1]]);
  });

  it('rejects scalars, bool tensors and bad axes', () => {
    expect(() => sort(fx.scalar(1) as T)).toThrow(/shape error in sort: x must have at least one axis/);
    expect(() => sort(fx.tensor([true, false]) as T)).toThrow(/dtype error in sort: x must be float32 or int32, got bool/);
    expect(() => sort(fx.zeros([2, 3]) as T, 2)).toThrow(/shape error in sort: axis 2 is out of range for a tensor of rank 2/);
  });
});

describeEachBackend('topk', () => {
  it('returns { values, indices }: the k largest, largest first', async () => {
    const { values, indices } = fx.topk(fx.tensor([[1, 5, 3, 4], [2, -1, 0, 7]]), 2);
    expect(values.shape).toEqual([2, 2]);
    expect(indices.dtype).toBe('int32');
    await expectClose(values, [[5, 4], [7, 2]]);
    expect(await indices.array()).toEqual([[1, 3], [3, 0]]);
  });

  it('ties: the lower index comes first, also on long rows', async () => {
    expect(await fx.topk(fx.tensor([1, 3, 2, 3, 3]), 3).indices.array()).toEqual([1, 3, 4]);
    const rows = tied(1500);
    const got = (await fx.topk(fx.tensor(rows), 1500).indices.array()) as number[][];
    expect(got).toEqual(rows.map((r) => stableOrder(r, true)));
    const top5 = (await fx.topk(fx.tensor(rows), 5).indices.array()) as number[][];
    expect(top5).toEqual(rows.map((r) => stableOrder(r, true).slice(0, 5)));
  });

  it('grad flows to the selected positions only', async () => {
    const g = fx.grad((x: fx.Tensor<[4], 'float32'>) => fx.sum(fx.mul(fx.topk(x, 2).values, fx.tensor([1, 10]))))(fx.tensor([1, 5, 3, 4]));
    await expectClose(g, [0, 1, 0, 10]);
  });

  it('derivatives match finite differences to order 2', async () => {
    const x = fx.tensor([[0.3, -1.2, 2.0, 0.7], [1.5, 0.1, -0.4, 0.9]]);
    await fx.checkGradsAsync((v) => topk(v, 3).values, [x], { order: 2 });
  });

  it('k outside [0, n] is a ShapeError naming k and the shape', () => {
    expect(() => topk(fx.zeros([2, 3]) as T, 4)).toThrow(/shape error in topk: k must be an integer in \[0, 3\] \(the last axis of x \[2, 3\]\), got 4/);
    expect(() => topk(fx.zeros([3]) as T, -1)).toThrow(/got -1/);
    expect(() => fx.vmap((v: T) => topk(v, 1).values)(fx.zeros([3]))).toThrow(/shape error in topk: x must have at least one axis/);
  });
});
