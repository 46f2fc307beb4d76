import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
type Fn = (...args: Any[]) => Any;

/** vmap(f) equals f applied to each example and stacked (the batch rules agree with the per-example semantics). */
async function expectVmapMatches(f: Fn, args: Any[], inAxes: (number | null)[] = args.map(() => 0)): Promise<void> {
  const got = (fx.vmap as unknown as (g: Fn, o: object) => Fn)(f, { inAxes })(...args);
  const i = inAxes.findIndex((a) => a !== null);
  const size = args[i]!.shape[inAxes[i]!]!;
  const per = Array.from({ length: size }, (_, b) => f(...args.map((a, k) => (inAxes[k] === null ? a : fx.take(a, b, inAxes[k]!)))));
  const want = fx.stack(per);
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  await expectClose(got, await want.array());
}

describeEachBackend('vmap of reductions, cumsum, indexing', () => {
  const xs = () => fx.tensor([[[1, 5, -2], [7, 0.5, 3]], [[4, 4, 1], [-1, 2, 6]]]) as Any;

  it('max, min, prod, argmax, argmin, cumsum batch along any in-axis', async () => {
    for (const axis of [0, 1]) {
      await expectVmapMatches((x) => fx.max(x, 1), [xs()], [axis]);
      await expectVmapMatches((x) => fx.min(x, 0, true), [xs()], [axis]);
      await expectVmapMatches((x) => fx.prod(x), [xs()], [axis]);
      await expectVmapMatches((x) => fx.argmax(x, -1), [xs()], [axis]);
      await expectVmapMatches((x) => fx.argmin(x), [xs()], [axis]);
      await expectVmapMatches((x) => fx.cumsum(x, 1, true, true), [xs()], [axis]);
    }
  });

  it('oneHot and the last-write mask batch per example', async () => {
    await expectVmapMatches((i) => fx.oneHot(i, 4), [fx.tensor([[0, 3], [2, 2]], 'int32') as Any], [1]);
    // Each example has its own repeats: the last write wins within the example.
    const idx = fx.tensor([[1, 1, 0], [2, 0, 2]], 'int32') as Any;
    await expectVmapMatches((i, v) => fx.at(fx.zeros([3]), i).set(v), [idx, fx.tensor([[1, 2, 3], [4, 5, 6]]) as Any]);
  });

  it('take batches x, the indices, or both, along any axis', async () => {
    const i1 = fx.tensor([2, 0, 2], 'int32') as Any;
    const ib = fx.tensor([[1, 0], [2, 2]], 'int32') as Any;
    await expectVmapMatches((x) => fx.take(x, fx.tensor([1, 0, 1], 'int32'), 1), [xs()], [2]);
    await expectVmapMatches((x, i) => fx.take(x, i, 1), [xs(), i1], [0, null]);
    await expectVmapMatches((x, i) => fx.take(x, i, -1), [fx.tensor([[1, 2, 3], [4, 5, 6]]) as Any, ib], [null, 0]);
    await expectVmapMatches((x, i) => fx.take(x, i, 1), [xs(), ib], [0, 0]);
    await expectVmapMatches((x, i) => fx.take(x, i, 0), [xs(), fx.tensor([[1, 0, 1], [0, 0, 1]], 'int32') as Any], [2, 1]);
  });

  it('scatterAdd batches the updates, the indices, or both', async () => {
    const base = fx.zeros([2, 3]) as Any;
    const i1 = fx.tensor([2, 0, 2], 'int32') as Any;
    const ib = fx.tensor([[1, 1], [2, 0]], 'int32') as Any;
    const ub = fx.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]) as Any;
    await expectVmapMatches((u) => fx.scatterAdd(base, i1, u, 1), [fx.tensor([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [1, 1, 1]]]) as Any]);
    await expectVmapMatches((i, u) => fx.scatterAdd(base, i, u, 1), [ib, fx.tensor([[1, 2], [3, 4]]) as Any], [0, null]);
    await expectVmapMatches((i, u) => fx.scatterAdd(base, i, u, 1), [ib, ub], [0, 0]);
    await expectVmapMatches((i, u) => fx.scatterAdd(fx.zeros([3, 2]), i, u), [ib, ub], [0, 1]);
  });

  it('per-example gradients through take and at().set', async () => {
    const g = fx.grad((x: fx.Tensor<[3], 'float32'>, i: fx.Tensor<[2], 'int32'>) => fx.sum(fx.at(x, i).set(fx.mul(fx.take(x, i), 3))));
    await expectVmapMatches(g as unknown as Fn, [fx.tensor([[1, 2, 3], [4, 5, 6]]) as Any, fx.tensor([[0, 0], [2, 1]], 'int32') as Any]);
  });
});
