import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type V4 = fx.Tensor<[4], 'float32'>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;

describeEachBackend('at(x, idx): functional updates', () => {
  const x = () => fx.tensor([1, 2, 3, 4]);
  const m = () => fx.tensor([[1, 2], [3, 4], [5, 6]]);

  it('set, add, mul and get with a number index (negative from the end)', async () => {
    await expectClose(fx.at(x(), 1).set(9), [1, 9, 3, 4]);
    await expectClose(fx.at(x(), -1).add(10), [1, 2, 3, 14]);
    await expectClose(fx.at(x(), 2).mul(fx.scalar(2)), [1, 2, 6, 4]);
    await expectClose(fx.at(x(), 0).get(), 1);
    await expectClose(fx.at(m(), 1).set(fx.tensor([7, 8])), [[1, 2], [7, 8], [5, 6]]);
  });

  it('leaves the original tensor unchanged', async () => {
    const a = x();
    fx.at(a, 0).set(100);
    await expectClose(a, [1, 2, 3, 4]);
  });

  it('set, add, mul with an int32 index tensor; updates broadcast to the indexed shape', async () => {
    const i = fx.tensor([2, 0], 'int32');
    await expectClose(fx.at(m(), i).set(fx.tensor([[10, 20], [30, 40]])), [[30, 40], [3, 4], [10, 20]]);
    await expectClose(fx.at(m(), i).set(0), [[0, 0], [3, 4], [0, 0]]);
    await expectClose(fx.at(m(), i).add(fx.tensor([1, 100]) as Any), [[2, 102], [3, 4], [6, 106]]);
    await expectClose(fx.at(m(), i).mul(fx.tensor([[2], [3]]) as Any), [[3, 6], [3, 4], [10, 12]]);
    await expectClose(fx.at(m(), i).get(), [[5, 6], [1, 2]]);
    expect(await fx.at(fx.tensor([1, 2, 3], 'int32'), fx.tensor([1], 'int32')).set(fx.tensor([7], 'int32')).array()).toEqual([1, 7, 3]);
  });

  it('repeated indices: set keeps the last write, add accumulates, mul keeps the last factor', async () => {
    const i = fx.tensor([1, 3, 1, 1], 'int32');
    await expectClose(fx.at(x(), i).set(fx.tensor([10, 20, 30, 40])), [1, 40, 3, 20]);
    await expectClose(fx.at(x(), i).add(fx.tensor([10, 20, 30, 40])), [1, 82, 3, 24]);
    await expectClose(fx.at(x(), i).mul(fx.tensor([10, 20, 30, 40])), [1, 80, 3, 80]);
  });

  it('rejects out-of-range indices and updates that do not fit, naming the op and shapes', () => {
    expect(() => fx.at(x(), 4)).toThrow(/shape error in at: index 4 is out of range \[-4, 4\) for axis 0 of x \[4\]/);
    expect(() => fx.at(x(), fx.tensor([0, 7], 'int32')).set(1)).toThrow(/shape error in at: index 7 at position 1 of indices \[2\] is out of range \[0, 4\) for axis 0 of x \[4\]/);
    expect(() => fx.at(m(), fx.tensor([0, 1], 'int32')).set(fx.tensor([1, 2, 3]) as Any)).toThrow(
      /shape error in at\(...\).set: cannot broadcast \[3\] with \[2, 2\]/,
    );
    expect(() => fx.at(m(), 0).add(fx.tensor([[1, 2], [3, 4]]) as Any)).toThrow(
      /shape error in at\(...\).add: v of shape \[2, 2\] does not broadcast to the indexed shape \[2\] \(x \[3, 2\], idx \[\]\)/,
    );
    expect(() => fx.at(fx.scalar(1) as Any, 0)).toThrow(/shape error in at: x is a scalar/);
    expect(() => fx.at(x(), fx.tensor([0]) as Any)).toThrow(/dtype error in at: idx must be int32, got float32/);
  });

  it('grad of sum(at(x, i).set(v)) is 1 except 0 at i for x, and 1 for v', async () => {
    const f = (a: V4, v: fx.Tensor<[], 'float32'>) => fx.sum(fx.at(a, 2).set(v));
    const [gx, gv] = fx.grad(f, { argnums: [0, 1] })(x(), fx.scalar(7));
    await expectClose(gx, [1, 1, 0, 1]);
    await expectClose(gv, 1);
    const w = fx.tensor([1, 10, 100, 1000]);
    const g = (a: V4, v: fx.Tensor<[2], 'float32'>) => fx.sum(fx.mul(fx.at(a, fx.tensor([3, 0], 'int32')).set(v), w));
    const [hx, hv] = fx.grad(g, { argnums: [0, 1] })(x(), fx.tensor([5, 6]));
    await expectClose(hx, [0, 10, 100, 0]);
    await expectClose(hv, [1000, 1]);
  });

  it('overwritten repeats get no gradient: only the last write reaches the output', async () => {
    const f = (v: V4) => fx.sum(fx.at(fx.zeros([4]), fx.tensor([1, 3, 1, 1], 'int32')).set(v));
    await expectClose(fx.grad(f)(fx.tensor([1, 2, 3, 4])), [0, 1, 0, 1]);
  });

  it('grads of add and mul', async () => {
    const i = fx.tensor([0, 0], 'int32');
    const [ax, av] = fx.grad((a: V4, v: fx.Tensor<[2], 'float32'>) => fx.sum(fx.mul(fx.at(a, i).add(v), a)), { argnums: [0, 1] })(x(), fx.tensor([5, 6]));
    // sum((x + scatter(v)) · x): d/dx = 2x + scatter(v); d/dv_k = x[i_k]
    await expectClose(ax, [2 + 11, 4, 6, 8]);
    await expectClose(av, [1, 1]);
    const [mx, mv] = fx.grad((a: V4, v: fx.Tensor<[], 'float32'>) => fx.sum(fx.at(a, 1).mul(v)), { argnums: [0, 1] })(x(), fx.scalar(3));
    await expectClose(mx, [1, 3, 1, 1]);
    await expectClose(mv, 2);
  });

  it('aliasing: y = x; y = at(y, 0).set(2·y[0]); grad of sum(y) is (2, 1, 1, ...)', async () => {
    const f = (a: V4) => {
      let y: V4 = a;
      y = fx.at(y, 0).set(fx.mul(fx.at(y, 0).get(), 2));
      return fx.sum(y);
    };
    await expectClose(fx.grad(f)(x()), [2, 1, 1, 1]);
  });

  it('frees its intermediates inside fx.scope and leaks nothing when it throws', () => {
    const a = x();
    const i = fx.tensor([2, 0, 2], 'int32');
    const v = fx.tensor([1, 2, 3]);
    const wrong = fx.tensor([1, 2]) as Any;
    const before = fx.memory().tensors;
    fx.scope(() => {
      fx.grad((p: V4, q: fx.Tensor<[3], 'float32'>) => fx.sum(fx.mul(fx.at(p, i).set(q), p)), { argnums: [0, 1] })(a, v);
      fx.at(a, 1).mul(3);
      fx.at(a, i).add(v);
    });
    expect(fx.memory().tensors).toBe(before);
    expect(() => fx.at(a, 1).set(wrong)).toThrow(/shape error in at\(...\).set/);
    expect(() => fx.at(a, i).add(wrong)).toThrow(/shape error in at\(...\).add/);
    expect(() => fx.at(a, 9)).toThrow(/shape error in at/);
    expect(() => fx.scatterAdd(a, 0, wrong)).toThrow(/shape error in scatterAdd/);
    expect(() => fx.take(a, 5)).toThrow(/shape error in take/);
    expect(fx.memory().tensors).toBe(before);
  });

  it('derivatives match finite differences to order 2', async () => {
    const i = fx.tensor([2, 0], 'int32');
    const a = fx.tensor([[0.5, -1], [2, 0.3], [1.1, -0.7]]);
    const v = fx.tensor([[0.2, 0.9], [-0.4, 1.3]]);
    await fx.checkGradsAsync((p, q) => fx.mul(fx.at(p, i).set(q), p), [a, v], { order: 2 });
    await fx.checkGradsAsync((p, q) => fx.mul(fx.at(p, i).add(q), p), [a, v], { order: 2 });
    await fx.checkGradsAsync((p, q) => fx.mul(fx.at(p, i).mul(q), p), [a, v], { order: 2 });
    const dup = fx.tensor([1, 1, 0], 'int32');
    const v3 = fx.tensor([[0.2, 0.9], [-0.4, 1.3], [0.6, -0.1]]);
    await fx.checkGradsAsync((p, q) => fx.at(p, dup).set(q), [a, v3], { order: 2 });
    await fx.checkGradsAsync((p, q) => fx.at(p, dup).add(q), [a, v3], { order: 2 });
    await fx.checkGradsAsync((p, q) => fx.at(p, dup).mul(q), [a, v3], { order: 2 });
  });
});
