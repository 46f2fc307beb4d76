import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type V3 = fx.Tensor<[3], 'float32'>;
type M23 = fx.Tensor<[2, 3], 'float32'>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;

describeEachBackend('max and min', () => {
  const m = () => fx.tensor([[1, 5, -2], [7, 0.5, 3]]);

  it('reduce over one axis, a list, all axes, negative axes, with keepDims', async () => {
    await expectClose(fx.max(m(), 1), [5, 7]);
    await expectClose(fx.min(m(), 0), [1, 0.5, -2]);
    await expectClose(fx.max(m()), 7);
    await expectClose(fx.min(m(), [0, 1]), -2);
    await expectClose(fx.max(m(), -1, true), [[5], [7]]);
    expect(fx.max(m(), -1, true).shape).toEqual([2, 1]);
    expect(fx.min(m(), undefined, true).shape).toEqual([1, 1]);
    const i = fx.max(fx.tensor([[1, 9], [4, 2]], 'int32'), 0);
    expect(i.dtype).toBe('int32');
    expect(await i.array()).toEqual([4, 9]);
  });

  it('rejects an axis out of range, naming the op', () => {
    expect(() => fx.max(m() as Any, 2)).toThrow(/shape error in max: axis 2 is out of range for a tensor of rank 2/);
  });

  it('grad of max is 1 at the maximum, 0 elsewhere', async () => {
    await expectClose(fx.grad((x: V3) => fx.max(x))(fx.tensor([1, 4, 2])), [0, 1, 0]);
    await expectClose(fx.grad((x: V3) => fx.min(x))(fx.tensor([1, 4, 2])), [1, 0, 0]);
  });

  it('tied maxima and minima share the tangent equally (mask / count)', async () => {
    await expectClose(fx.grad((x: V3) => fx.max(x))(fx.tensor([1, 3, 3])), [0, 0.5, 0.5]);
    await expectClose(fx.grad((x: fx.Tensor<[4], 'float32'>) => fx.min(x))(fx.tensor([2, 2, 5, 2])), [1 / 3, 1 / 3, 0, 1 / 3]);
    // Along an axis: each row splits its own tangent.
    const g = fx.grad((x: M23) => fx.sum(fx.max(x, 1)))(fx.tensor([[1, 1, 0], [2, 5, 3]]));
    await expectClose(g, [[0.5, 0.5, 0], [0, 1, 0]]);
    // Forward mode agrees: the tangent of max([1, 3, 3]) along [0, 1, 3] is (1 + 3) / 2.
    const [, dy] = fx.jvp((x: V3) => fx.max(x), [fx.tensor([1, 3, 3])], [fx.tensor([0, 1, 3])]);
    await expectClose(dy, 2);
  });

  it('derivatives match finite differences to order 2 (no ties)', async () => {
    const x = fx.tensor([[0.3, -1.2, 2.0], [1.5, 0.7, -0.4]]);
    await fx.checkGradsAsync((a) => fx.max(a, 1), [x], { order: 2 });
    await fx.checkGradsAsync((a) => fx.min(a, 0, true), [x], { order: 2 });
    await fx.checkGradsAsync((a) => fx.max(a), [x], { order: 2 });
    // Second order through a non-linear use of the maximum.
    await fx.checkGradsAsync((a) => fx.mul(fx.max(a, 1), fx.min(a, 1)), [x], { order: 2 });
  });
});

describeEachBackend('prod', () => {
  it('multiplies over axes', async () => {
    await expectClose(fx.prod(fx.tensor([[1, 2], [3, 4]]), 1), [2, 12]);
    await expectClose(fx.prod(fx.tensor([[1, 2], [3, 4]])), 24);
    await expectClose(fx.prod(fx.tensor([[1, 2], [3, 4]]), 0, true), [[3, 8]]);
    expect(await fx.prod(fx.tensor([2, 3], 'int32')).array()).toBe(6);
  });

  it('grad of prod is the product of the other elements, exact with zeros', async () => {
    const g = fx.grad((x: fx.Tensor<[3], 'float32'>) => fx.prod(x));
    await expectClose(g(fx.tensor([2, 3, 4])), [12, 8, 6]);
    // One zero: only the zero's position has a non-zero gradient.
    await expectClose(g(fx.tensor([2, 0, 4])), [0, 8, 0]);
    // Two zeros: every product of the others contains a zero.
    await expectClose(g(fx.tensor([0, 3, 0])), [0, 0, 0]);
  });

  it('the Hessian of prod is exact at zeros (products of all but two)', async () => {
    const h = fx.hessian((x: fx.Tensor<[3], 'float32'>) => fx.prod(x))(fx.tensor([0, 3, 0]));
    await expectClose(h, [[0, 0, 3], [0, 0, 0], [3, 0, 0]]);
  });

  it('derivatives match finite differences to order 2, with and without zeros, over several axes', async () => {
    await fx.checkGradsAsync((a) => fx.prod(a, 1), [fx.tensor([[0.5, -1.5, 2.0], [1.2, 0.8, -0.9]])], { order: 2 });
    await fx.checkGradsAsync((a) => fx.prod(a), [fx.tensor([0.7, 0, 1.3, -0.6, 1.1])], { order: 2 });
    await fx.checkGradsAsync((a) => fx.prod(a, 1), [fx.tensor([[0, 1.5, 0, 2.0], [1.2, 0, 0.8, -0.9]])], { order: 2 });
    const cube = fx.tensor([[[0.5, 1.1], [-0.7, 1.3]], [[0.9, -1.2], [1.4, 0.6]]]);
    await fx.checkGradsAsync((a) => fx.prod(a, [0, 2]), [cube], { order: 2 });
    await fx.checkGradsAsync((a) => fx.prod(a, [0, 2], true), [cube], { order: 2 });
  });
});

describeEachBackend('argmax and argmin', () => {
  it('return int32 positions along one axis, or the flat position with no axis', async () => {
    const x = fx.tensor([[1, 5, 2], [7, 0, 2]]);
    const a = fx.argmax(x, 1);
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([2]);
    expect(await a.array()).toEqual([1, 0]);
    expect(await fx.argmin(x, 0).array()).toEqual([0, 1, 0]);
    expect(await fx.argmax(x, -1, true).array()).toEqual([[1], [0]]);
    expect(await fx.argmax(x).array()).toBe(3);
    expect(await fx.argmin(x).array()).toBe(4);
    expect(fx.argmax(x, undefined, true).shape).toEqual([1, 1]);
    expect(await fx.argmax(fx.tensor([3, 9, 1], 'int32')).array()).toBe(1);
  });

  it('ties resolve to the first position', async () => {
    expect(await fx.argmax(fx.tensor([1, 3, 3, 2])).array()).toBe(1);
    expect(await fx.argmin(fx.tensor([2, 1, 1, 3])).array()).toBe(1);
    expect(await fx.argmax(fx.tensor([[4, 4, 1], [0, 2, 2]]), 1).array()).toEqual([0, 1]);
    const many = Array.from({ length: 300 }, (_, i) => (i % 7 === 3 ? 10 : i % 5));
    expect(await fx.argmax(fx.tensor(many)).array()).toBe(3);
    expect(await fx.argmin(fx.tensor(many.map((v) => -v))).array()).toBe(3);
  });

  it('a NaN counts as the extremum (its first position), as in NumPy', async () => {
    expect(await fx.argmax(fx.tensor([1, NaN, 3, NaN])).array()).toBe(1);
    expect(await fx.argmin(fx.tensor([1, 3, NaN])).array()).toBe(2);
  });

  it('rejects an empty axis', () => {
    expect(() => fx.argmax(fx.zeros([2, 0]) as Any, 1)).toThrow(/shape error in argmax: axis 1 of x \[2, 0\] is empty/);
  });

  it('are NoDiff: gradient flows only through the values they select', async () => {
    // x[argmax(x)] has the one-hot gradient; argmax itself contributes nothing.
    const g = fx.grad((x: fx.Tensor<[4], 'float32'>) => fx.take(x, fx.argmax(x) as fx.Tensor<[], 'int32'>) as fx.Tensor<[], 'float32'>)(fx.tensor([1, 7, 3, 2]));
    await expectClose(g, [0, 1, 0, 0]);
    const [, dy] = fx.jvp((x: V3) => fx.cast(fx.argmax(x), 'float32'), [fx.tensor([1, 2, 0])], [fx.tensor([1, 1, 1])]);
    await expectClose(dy, 0);
  });
});

describeEachBackend('cumsum', () => {
  const x = () => fx.tensor([[1, 2, 3], [4, 5, 6]]);

  it('running sums along an axis, exclusive and reversed', async () => {
    await expectClose(fx.cumsum(x(), 1), [[1, 3, 6], [4, 9, 15]]);
    await expectClose(fx.cumsum(x(), 0), [[1, 2, 3], [5, 7, 9]]);
    await expectClose(fx.cumsum(x(), 1, true), [[0, 1, 3], [0, 4, 9]]);
    await expectClose(fx.cumsum(x(), 1, false, true), [[6, 5, 3], [15, 11, 6]]);
    await expectClose(fx.cumsum(x(), -1, true, true), [[5, 3, 0], [11, 6, 0]]);
    expect(await fx.cumsum(fx.tensor([1, 2, 3], 'int32')).array()).toEqual([1, 3, 6]);
  });

  it('with no axis, flattens first (NumPy)', async () => {
    const y = fx.cumsum(x());
    expect(y.shape).toEqual([6]);
    await expectClose(y, [1, 3, 6, 10, 15, 21]);
  });

  it('grad of sum(cumsum(x)) counts the outputs each element reaches (the reversed running sum)', async () => {
    await expectClose(fx.grad((a: fx.Tensor<[4], 'float32'>) => fx.sum(fx.cumsum(a, 0)))(fx.tensor([1, 1, 1, 1])), [4, 3, 2, 1]);
    await expectClose(fx.grad((a: fx.Tensor<[4], 'float32'>) => fx.sum(fx.cumsum(a, 0, true, true)))(fx.tensor([1, 1, 1, 1])), [0, 1, 2, 3]);
  });

  it('derivatives match finite differences to order 2 for every mode', async () => {
    for (const exclusive of [false, true]) {
      for (const reverse of [false, true]) {
        await fx.checkGradsAsync((a) => fx.mul(fx.cumsum(a, 1, exclusive, reverse), a), [fx.tensor([[0.5, -1, 2], [1.5, 0.3, -0.7]])], { order: 2 });
      }
    }
  });
});
