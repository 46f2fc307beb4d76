import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type V2 = fx.Tensor<[2], 'float32'>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;

const softmaxRef = (xs: number[]) => {
  const m = Math.max(...xs);
  const e = xs.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describeEachBackend('mean', () => {
  it('averages over axes with keepDims; no axis = all', async () => {
    const x = fx.tensor([[1, 2], [3, 6]]);
    await expectClose(fx.mean(x, 0), [2, 4]);
    await expectClose(fx.mean(x, 1, true), [[1.5], [4.5]]);
    await expectClose(fx.mean(x), 3);
    await expectClose(fx.mean(x, [0, 1]), 3);
  });

  it('grad of mean is 1/count; derivatives match finite differences to order 2', async () => {
    await expectClose(fx.grad((x: fx.Tensor<[2, 2], 'float32'>) => fx.mean(x))(fx.zeros([2, 2])), [[0.25, 0.25], [0.25, 0.25]]);
    await fx.checkGradsAsync((a) => fx.mean(fx.mul(a, a), 1), [fx.tensor([[0.5, -1, 2], [1.5, 0.3, -0.7]])], { order: 2 });
  });

  it('promotes int32 and bool input to a float32 mean (as jnp.mean)', async () => {
    const m = fx.mean(fx.tensor([1, 2], 'int32') as Any);
    expect(m.dtype).toBe('float32');
    await expectClose(m, 1.5);
    await expectClose(fx.mean(fx.tensor([true, false, true, true])), 0.75);
  });
});

describeEachBackend('logsumexp', () => {
  it('computes log Σ exp stably, over axes, with keepDims', async () => {
    await expectClose(fx.logsumexp(fx.tensor([0, Math.log(3)])), Math.log(4), 1e-3);
    await expectClose(fx.logsumexp(fx.tensor([1000, 1000])), 1000 + Math.LN2, 1e-3);
    await expectClose(fx.logsumexp(fx.tensor([-1000, 0])), 0, 1e-3);
    await expectClose(fx.logsumexp(fx.tensor([-1000, -1000])), -1000 + Math.LN2, 1e-3);
    const m = fx.tensor([[1, 2, 3], [0, 0, 0]]);
    await expectClose(fx.logsumexp(m, 1), [Math.log(Math.E + Math.E ** 2 + Math.E ** 3), Math.log(3)], 1e-3);
    const kept = fx.logsumexp(m, 0, true);
    expect(kept.shape).toEqual([1, 3]);
    await expectClose(kept, [1, 2, 3].map((v) => Math.log(Math.exp(v) + 1)), 1e-3);
  });

  it('handles infinite maxima: an all -Infinity slice gives -Infinity, a +Infinity entry +Infinity', async () => {
    await expectClose(fx.logsumexp(fx.tensor([-Infinity, -Infinity])), -Infinity);
    await expectClose(fx.logsumexp(fx.tensor([Infinity, 0])), Infinity);
  });

  it('grad of logsumexp is softmax, finite at [1000, 1000] and [-1000, 0]', async () => {
    const g = fx.grad((x: V2) => fx.logsumexp(x));
    await expectClose(g(fx.tensor([1000, 1000])), [0.5, 0.5], 1e-3);
    await expectClose(g(fx.tensor([-1000, 0])), [0, 1], 1e-3);
    await expectClose(g(fx.tensor([0, Math.log(3)])), [0.25, 0.75], 1e-3);
  });

  it('derivatives match finite differences to order 2', async () => {
    await fx.checkGradsAsync((a) => fx.logsumexp(a, 1), [fx.tensor([[0.5, -1, 2], [1.5, 0.3, -0.7]])], { order: 2 });
    await fx.checkGradsAsync((a) => fx.logsumexp(a), [fx.tensor([[0.5, 0.5], [1.5, -0.7]])], { order: 2 });
  });
});

describeEachBackend('softmax and logSoftmax', () => {
  it('softmax normalizes over the last axis by default, stably', async () => {
    const rows = [[1, 2, 3], [1000, 1000, 1000], [-1000, 0, -1000]];
    await expectClose(fx.softmax(fx.tensor(rows)), rows.map(softmaxRef), 1e-3);
    await expectClose(fx.softmax(fx.tensor([[1, 2], [3, 5]]), 0), [[softmaxRef([1, 3])[0]!, softmaxRef([2, 5])[0]!], [softmaxRef([1, 3])[1]!, softmaxRef([2, 5])[1]!]], 1e-3);
    await expectClose(fx.softmax(fx.tensor([1000, 1000])), [0.5, 0.5], 1e-3);
  });

  it('logSoftmax stays finite where log(softmax) would underflow', async () => {
    await expectClose(fx.logSoftmax(fx.tensor([-1000, 0])), [-1000, 0], 1e-3);
    await expectClose(fx.logSoftmax(fx.tensor([1000, 1000])), [-Math.LN2, -Math.LN2], 1e-3);
    await expectClose(fx.logSoftmax(fx.tensor([[1, 2, 3]])), [softmaxRef([1, 2, 3]).map(Math.log)], 1e-3);
  });

  it('gradients are finite and analytic at [1000, 1000] and [-1000, 0]', async () => {
    // d softmax_0 / dx = p0 (e0 - p) = [p0 (1 - p0), -p0 p1]
    const gs = fx.grad((x: V2) => fx.take(fx.softmax(x), 0));
    await expectClose(gs(fx.tensor([1000, 1000])), [0.25, -0.25], 1e-3);
    await expectClose(gs(fx.tensor([-1000, 0])), [0, 0], 1e-3);
    // d logSoftmax_0 / dx = e0 - p
    const gl = fx.grad((x: V2) => fx.take(fx.logSoftmax(x), 0));
    await expectClose(gl(fx.tensor([1000, 1000])), [0.5, -0.5], 1e-3);
    await expectClose(gl(fx.tensor([-1000, 0])), [1, -1], 1e-3);
    // Σ logSoftmax has gradient 1 - n·p
    await expectClose(fx.grad((x: V2) => fx.sum(fx.logSoftmax(x)))(fx.tensor([-1000, 0])), [1, -1], 1e-3);
  });

  it('derivatives match finite differences to order 2', async () => {
    const x = fx.tensor([[0.5, -1, 2], [1.5, 0.3, -0.7]]);
    await fx.checkGradsAsync((a) => fx.softmax(a), [x], { order: 2 });
    await fx.checkGradsAsync((a) => fx.softmax(a, 0), [x], { order: 2 });
    await fx.checkGradsAsync((a) => fx.logSoftmax(a), [x], { order: 2 });
    await fx.checkGradsAsync((a) => fx.logSoftmax(a, [0, 1]), [x], { order: 2 });
  });
});
