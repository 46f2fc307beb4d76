import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type T = fx.Tensor;
const reduceWindow = fx.reduceWindow as unknown as (x: T, op: 'sum' | 'max' | 'min', w: number[], o?: fx.ReduceWindowOptions) => T;
const maxPool = fx.maxPool as unknown as (x: T, w: number[], o?: fx.PoolOptions) => T;
const avgPool = fx.avgPool as unknown as (x: T, w: number[], o?: fx.PoolOptions & { countIncludePad?: boolean }) => T;
const img = (rows: number[][]) => fx.reshape(fx.tensor(rows), [1, rows.length, rows[0]!.length, 1]) as T;

describeEachBackend('reduceWindow, maxPool, avgPool', (backend) => {
  const order2 = backend === 'webgpu' ? 1 : 2;
  const x = () => img([[1, 5, 2, 0], [3, 4, 8, 1], [0, 2, 6, 7], [9, 1, 3, 2]]);

  it('reduceWindow on a vector: max, min, sum, strides, dilation and SAME padding (identity elements)', async () => {
    const v = fx.tensor([1, 3, 2, 5]);
    await expectClose(reduceWindow(v, 'max', [2]), [3, 3, 5]);
    await expectClose(reduceWindow(v, 'min', [2], { strides: 2 }), [1, 2]);
    await expectClose(reduceWindow(v, 'sum', [2], { windowDilation: 2 }), [3, 8]);
    await expectClose(reduceWindow(v, 'max', [3], { padding: 'SAME' }), [3, 3, 5, 5]);
    await expectClose(reduceWindow(fx.neg(v) as T, 'max', [2], { padding: [[1, 0]] }), [-1, -1, -2, -2]);
  });

  it('maxPool 2×2 stride 2, VALID and SAME (padding never wins: −∞)', async () => {
    await expectClose(maxPool(x(), [2, 2], { strides: 2 }), [[[[5], [8]], [[9], [7]]]]);
    const neg = fx.neg(x() as never) as T;
    await expectClose(maxPool(neg, [3, 3], { strides: 2, padding: 'SAME' }), [[[[0], [0]], [[0], [-2]]]]);
  });

  it('avgPool: count including padding (default, Flax) and excluding it', async () => {
    await expectClose(avgPool(x(), [2, 2], { strides: 2 }), [[[[13 / 4], [11 / 4]], [[12 / 4], [18 / 4]]]]);
    const ones = fx.ones([1, 3, 3, 1]) as T;
    await expectClose(avgPool(ones, [2, 2], { padding: 'SAME' }), [[[[1], [1], [0.5]], [[1], [1], [0.5]], [[0.5], [0.5], [0.25]]]]);
    await expectClose(avgPool(ones, [2, 2], { padding: 'SAME', countIncludePad: false }), [[[[1], [1], [1]], [[1], [1], [1]], [[1], [1], [1]]]]);
  });

  it('windows that tile x (stride = window): sums per tile, the rows and columns past the last tile take no part, gradient 1/count there', async () => {
    // 5×3 image, 2×2 windows at stride 2: tiles rows 0–3, column 0–1; row 4 and column 2 are left out.
    const a = fx.reshape(fx.arange(15), [1, 5, 3, 1]);
    const v = fx.cast(a, 'float32') as T;
    await expectClose(reduceWindow(v, 'sum', [1, 2, 2, 1], { strides: [1, 2, 2, 1] }), [[[[0 + 1 + 3 + 4]], [[6 + 7 + 9 + 10]]]]);
    const f = (u: T) => fx.sum(fx.square(avgPool(u, [2, 2], { strides: 2 }) as never)) as T;
    // d/du Σ avg² = 2·avg/4 on each covered element.
    const df = fx.grad(f as unknown as (u: fx.Tensor<[1, 5, 3, 1], 'float32'>) => fx.Tensor<[], 'float32'>);
    const g = df(v as never) as T;
    const [m0, m1] = [(0 + 1 + 3 + 4) / 4, (6 + 7 + 9 + 10) / 4];
    await expectClose(g, [[[[m0 / 2], [m0 / 2], [0]], [[m0 / 2], [m0 / 2], [0]], [[m1 / 2], [m1 / 2], [0]], [[m1 / 2], [m1 / 2], [0]], [[0], [0], [0]]]], 1e-6);
    await expectClose(fx.jit(df)(v as never) as T, await g.array(), 1e-6);
    await fx.checkGradsAsync((u) => avgPool(u, [2, 2], { strides: 2 }), [fx.mul(v as never, 0.3) as T], { order: order2 });
  });

  it('the gradient of maxPool goes to each window maximum (select-and-scatter); on ties, to the first in window order', async () => {
    const g = fx.grad((a: fx.Tensor<[1, 4, 4, 1], 'float32'>) => fx.sum(fx.maxPool(a, [2, 2], { strides: 2 })))(x() as never);
    await expectClose(g, [[[[0], [1], [0], [0]], [[0], [0], [1], [0]], [[0], [0], [0], [1]], [[1], [0], [0], [0]]]], 1e-6);
    const tie = fx.grad((a: fx.Tensor<[1, 2, 2, 1], 'float32'>) => fx.sum(fx.maxPool(a, [2, 2])))(fx.ones([1, 2, 2, 1]));
    await expectClose(tie, [[[[1], [0]], [[0], [0]]]], 1e-6);
    // Overlapping windows accumulate: [2, 2, 1] with windows of 2 (stride 1) sends both cotangents to index 0.
    const over = fx.grad((a: fx.Tensor<[3], 'float32'>) => fx.sum(fx.reduceWindow(a, 'max', [2])))(fx.tensor([2, 2, 1]));
    await expectClose(over, [1, 1, 0], 1e-6);
    const lowest = fx.grad((a: fx.Tensor<[3], 'float32'>) => fx.sum(fx.reduceWindow(a, 'min', [3])))(fx.tensor([1, 0, 0]));
    await expectClose(lowest, [0, 1, 0], 1e-6);
  });

  it('derivatives against finite differences: maxPool (distinct values, overlapping windows) order 1, avgPool order 2', async () => {
    const v = fx.reshape(fx.tensor([0.3, -1.2, 2.5, 0.7, 1.9, -0.4, 0.1, 3.3, -2.2, 1.1, 0.6, -0.9, 2.0, -1.7, 0.45, 1.35, -0.15, 2.8]), [1, 3, 3, 2]) as T;
    await fx.checkGradsAsync((a) => maxPool(a, [2, 2]), [v], { order: 1 });
    await fx.checkGradsAsync((a) => avgPool(a, [2, 2], { padding: 'SAME', countIncludePad: false }), [v], { order: order2 });
    await fx.checkGradsAsync((a) => reduceWindow(a, 'min', [1, 2, 3, 1], { padding: 'SAME_LOWER' }), [v], { order: 1 });
  });

  it('vmap(maxPool) and errors', async () => {
    const xs = fx.stack([x(), fx.neg(x() as never) as T] as never) as T;
    const got = fx.vmap((a: T) => maxPool(a, [2, 2], { strides: 2 }))(xs as never) as T;
    await expectClose(got, [[[[[5], [8]], [[9], [7]]]], [[[[-1], [0]], [[0], [-2]]]]]);
    const avg = fx.vmap((a: T) => avgPool(a, [2, 2], { strides: 2 }))(xs as never) as T;
    await expectClose(avg, [[[[[13 / 4], [11 / 4]], [[12 / 4], [18 / 4]]]], [[[[-13 / 4], [-11 / 4]], [[-12 / 4], [-18 / 4]]]]]);
    const sums = fx.vmap((v: T) => reduceWindow(v, 'sum', [2]))(fx.tensor([[1, 2, 3], [4, 5, 6]]) as never) as T;
    await expectClose(sums, [[3, 5], [9, 11]]);
    expect(() => maxPool(x(), [2])).toThrow(/shape error in maxPool: windowShape must have 2 sizes/);
    expect(() => reduceWindow(fx.tensor([1, 2]), 'prod' as never, [1])).toThrow(/op must be 'sum', 'max' or 'min'/);
  });
});
