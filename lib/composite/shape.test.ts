import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;

describeEachBackend('expandDims, squeeze, stack', () => {
  it('expandDims inserts a size-1 axis at any position, negative from the end', async () => {
    const x = fx.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(fx.expandDims(x, 0).shape).toEqual([1, 2, 3]);
    expect(fx.expandDims(x, -1).shape).toEqual([2, 3, 1]);
    expect(fx.expandDims(x, 1).shape).toEqual([2, 1, 3]);
    expect(fx.expandDims(x, -2).shape).toEqual([2, 1, 3]);
    expect(fx.expandDims(fx.scalar(4), 0).shape).toEqual([1]);
    await expectClose(fx.expandDims(x, 1), [[[1, 2, 3]], [[4, 5, 6]]]);
    // A literal axis out of range is also a compile-time error; the cast checks the runtime twin.
    expect(() => fx.expandDims(x as Any, 3)).toThrow(/shape error in expandDims: axis 3 is out of range \[-3, 2\] for inserting an axis into \[2, 3\]/);
  });

  it('squeeze removes size-1 axes, and rejects squeezing a non-1 axis', async () => {
    const x = fx.zeros([1, 3, 1]);
    expect(fx.squeeze(x).shape).toEqual([3]);
    expect(fx.squeeze(x, 0).shape).toEqual([3, 1]);
    expect(fx.squeeze(x, -1).shape).toEqual([1, 3]);
    expect(fx.squeeze(x, [0, 2]).shape).toEqual([3]);
    await expectClose(fx.squeeze(fx.tensor([[[1], [2]]])), [1, 2]);
    // Both are compile-time errors for literal shapes; the casts check the runtime twins.
    expect(() => fx.squeeze(x as Any, 1)).toThrow(/shape error in squeeze: cannot squeeze axis 1 of x \[1, 3, 1\]: its size is 3, not 1/);
    expect(() => fx.squeeze(x as Any, 3)).toThrow(/shape error in squeeze: axis 3 is out of range/);
  });

  it('stack joins along a new axis', async () => {
    const a = fx.tensor([1, 2]);
    const b = fx.tensor([3, 4]);
    const s0 = fx.stack([a, b]);
    expect(s0.shape).toEqual([2, 2]);
    await expectClose(s0, [[1, 2], [3, 4]]);
    await expectClose(fx.stack([a, b], 1), [[1, 3], [2, 4]]);
    await expectClose(fx.stack([a, b, a], -1), [[1, 3, 1], [2, 4, 2]]);
    await expectClose(fx.stack([fx.scalar(5)]), [5]);
  });

  it('stack rejects tensors of different shapes, naming them', () => {
    expect(() => fx.stack([fx.zeros([2]), fx.zeros([3])] as Any[])).toThrow(
      /shape error in stack: tensor 1 has shape \[3\] but tensor 0 has shape \[2\]; stacked tensors must have one shape/,
    );
    expect(() => fx.stack([])).toThrow(/shape error in stack: needs at least one tensor/);
  });

  it('derivatives pass through expandDims, squeeze and stack (order 2)', async () => {
    const x = fx.tensor([[0.5, -1, 2]]);
    await fx.checkGradsAsync((a) => fx.mul(fx.expandDims(a, 1), fx.expandDims(a, 1)), [x], { order: 2 });
    await fx.checkGradsAsync((a) => fx.mul(fx.squeeze(a), fx.squeeze(a, 0)), [x], { order: 2 });
    await fx.checkGradsAsync((a, b) => fx.stack([fx.mul(a, b), a, b], 1), [fx.tensor([0.3, 0.8]), fx.tensor([-1.2, 0.4])], { order: 2 });
    const g = fx.grad((a: fx.Tensor<[2], 'float32'>, b: fx.Tensor<[2], 'float32'>) => fx.sum(fx.mul(fx.stack([a, b]), fx.tensor([[1, 2], [3, 4]]))), { argnums: [0, 1] });
    const [ga, gb] = g(fx.zeros([2]), fx.zeros([2]));
    await expectClose(ga, [1, 2]);
    await expectClose(gb, [3, 4]);
  });
});

describeEachBackend('dot and outer', () => {
  it('dot: vector·vector, matrix·vector, vector·matrix, matrix·matrix', async () => {
    const v = fx.tensor([1, 2, 3]);
    const m = fx.tensor([[1, 0, 2], [0, 1, -1]]);
    const d = fx.dot(v, fx.tensor([4, 5, 6]));
    expect(d.shape).toEqual([]);
    await expectClose(d, 32);
    await expectClose(fx.dot(m, v), [7, -1]);
    await expectClose(fx.dot(fx.tensor([1, 2]), m), [1, 2, 0]);
    await expectClose(fx.dot(m, fx.tensor([[1], [1], [1]])), [[3], [0]]);
  });

  it('dot rejects inner dims that differ (N-d operands follow NumPy, see numpySurface.test.ts)', () => {
    expect(() => fx.dot(fx.zeros([3]) as Any, fx.zeros([2]) as Any)).toThrow(/shape error in dot: inner dims 3 and 2 differ \(a \[3\], b \[2\]\)/);
    expect(() => fx.dot(fx.zeros([2, 2, 3]) as Any, fx.zeros([2]) as Any)).toThrow(/shape error in dot: inner dims 3 and 2 differ \(a \[2, 2, 3\], b \[2\]\)/);
  });

  it('outer: out[i, j] = a[i] · b[j]', async () => {
    const o = fx.outer(fx.tensor([1, 2]), fx.tensor([3, 4, 5]));
    expect(o.shape).toEqual([2, 3]);
    await expectClose(o, [[3, 4, 5], [6, 8, 10]]);
    expect(() => fx.outer(fx.zeros([2, 2]) as Any, fx.zeros([2]) as Any)).toThrow(/shape error in outer: expects two vectors, got a \[2, 2\] and b \[2\]/);
  });

  it('grad of dot(a, b) is (b, a); derivatives match finite differences to order 2', async () => {
    const f = (a: fx.Tensor<[3], 'float32'>, b: fx.Tensor<[3], 'float32'>) => fx.dot(a, b);
    const [ga, gb] = fx.grad(f, { argnums: [0, 1] })(fx.tensor([1, 2, 3]), fx.tensor([4, 5, 6]));
    await expectClose(ga, [4, 5, 6]);
    await expectClose(gb, [1, 2, 3]);
    const m = fx.tensor([[0.5, -1, 2], [1.5, 0.3, -0.7]]);
    const v = fx.tensor([0.2, -0.4, 1.1]);
    await fx.checkGradsAsync((a, b) => fx.dot(a, b), [m, v], { order: 2 });
    await fx.checkGradsAsync((a, b) => fx.dot(a, b), [fx.tensor([0.3, -0.8]), m], { order: 2 });
    await fx.checkGradsAsync((a, b) => fx.dot(a, b), [v, v], { order: 2 });
    await fx.checkGradsAsync((a, b) => fx.outer(a, b), [fx.tensor([0.3, -0.8]), v], { order: 2 });
  });
});
