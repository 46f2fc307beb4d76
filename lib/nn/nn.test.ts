import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { key, split } from '../random/keys.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;

const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [Number(x)]);
const stats = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
  return { mean: m, std: Math.sqrt(v), min: Math.min(...xs), max: Math.max(...xs) };
};

describe('fans', () => {
  it('are (in, out) for matrices and scale by the receptive field for filters', () => {
    expect(fx.nn.fans([])).toEqual([1, 1]);
    expect(fx.nn.fans([5])).toEqual([5, 5]);
    expect(fx.nn.fans([784, 100])).toEqual([784, 100]);
    expect(fx.nn.fans([3, 3, 16, 32])).toEqual([144, 288]);
  });
});

// The symbolic batch dim flows through dense: this only compiles if dense types [B, I] → [B, O].
function twoLayer<B extends number>(p: { l1: fx.nn.DenseParams<4, 8>; l2: fx.nn.DenseParams<8, 3> }, x: fx.Tensor<[B, 4], 'float32'>): fx.Tensor<[B, 3], 'float32'> {
  return fx.nn.dense(p.l2, fx.tanh(fx.nn.dense(p.l1, x)));
}

// Losses accept symbolic batch dims: one-hot labels shaped like the logits, or int32 class indices.
function batchLoss<B extends number>(logits: fx.Tensor<[B, 3], 'float32'>, oneHot: fx.Tensor<[B, 3], 'float32'>, classes: fx.Tensor<[B], 'int32'>): fx.Tensor<[], 'float32'> {
  return fx.add(fx.nn.softmaxCrossEntropy(logits, oneHot), fx.nn.softmaxCrossEntropy(logits, classes));
}

describeEachBackend('initializers', () => {
  it('are deterministic in the key and differ across split keys', async () => {
    const [k1, k2] = split(key(7));
    const a = await fx.nn.glorotUniform(k1!, [3, 4]).array();
    const b = await fx.nn.glorotUniform(k1!, [3, 4]).array();
    const c = await fx.nn.glorotUniform(k2!, [3, 4]).array();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('glorotUniform lies in ±√(6/(in+out)) with variance limit²/3', async () => {
    const w = fx.nn.glorotUniform(key(1), [200, 300]);
    expect(w.shape).toEqual([200, 300]);
    const s = stats(Array.from(await w.data()));
    const limit = Math.sqrt(6 / 500);
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.max).toBeLessThan(limit);
    expect(Math.abs(s.mean)).toBeLessThan(0.002);
    expect(s.std).toBeCloseTo(limit / Math.sqrt(3), 3);
  });

  it('glorotNormal has std √(2/(in+out)); heNormal √(2/in), with the receptive field for filters', async () => {
    const g = stats(Array.from(await fx.nn.glorotNormal(key(2), [200, 300]).data()));
    expect(g.std / Math.sqrt(2 / 500)).toBeGreaterThan(0.98);
    expect(g.std / Math.sqrt(2 / 500)).toBeLessThan(1.02);
    const h = stats(Array.from(await fx.nn.heNormal(key(3), [5, 5, 8, 100]).data()));
    expect(Math.abs(h.mean)).toBeLessThan(0.005);
    expect(h.std / Math.sqrt(2 / 200)).toBeGreaterThan(0.98);
    expect(h.std / Math.sqrt(2 / 200)).toBeLessThan(1.02);
    expect(fx.nn.xavierUniform).toBe(fx.nn.glorotUniform);
  });

  it('layer initializers give typed parameter pytrees with zero biases', async () => {
    const p = fx.nn.denseInit(key(0), 4, 3);
    expect(p.w.shape).toEqual([4, 3]);
    await expectClose(p.b, [0, 0, 0]);
    const c = fx.nn.conv2dInit(key(0), [3, 3, 2, 5]);
    expect(c.w.shape).toEqual([3, 3, 2, 5]);
    expect(c.b.shape).toEqual([5]);
    const ln = fx.nn.layerNormInit(3);
    await expectClose(ln.scale, [1, 1, 1]);
    await expectClose(ln.bias, [0, 0, 0]);
    const mlp = fx.nn.mlpInit(key(0), [4, 8, 3]);
    expect(mlp.map((l) => l.w.shape)).toEqual([[4, 8], [8, 3]]);
    expect(await mlp[0]!.w.array()).not.toEqual(await fx.nn.denseInit(key(0), 4, 8).w.array());
  });

  it('reject bad shapes', () => {
    expect(() => fx.nn.uniform(key(0), [2, -1])).toThrow(/shape error in nn.uniform: a shape is a list of non-negative integers/);
    expect(() => fx.nn.mlpInit(key(0), [4])).toThrow(/needs at least an input and an output size/);
  });
});

describeEachBackend('dense', () => {
  const params = () => ({ w: fx.tensor([[1, 2, 0], [0, 1, -1]]), b: fx.tensor([0.5, 0, -0.5]) });

  it('computes x·w + b over the last axis for a batch, a vector and a 3-d input', async () => {
    await expectClose(fx.nn.dense(params(), fx.tensor([[1, 1], [2, -1]])), [[1.5, 3, -1.5], [2.5, 3, 0.5]]);
    await expectClose(fx.nn.dense(params(), fx.tensor([1, 1])), [1.5, 3, -1.5]);
    const y = fx.nn.dense(params(), fx.tensor([[[1, 1]], [[2, -1]]]));
    expect(y.shape).toEqual([2, 1, 3]);
    await expectClose(y, [[[1.5, 3, -1.5]], [[2.5, 3, 0.5]]]);
  });

  it('types a symbolic batch dim and runs a two-layer network', async () => {
    const p = { l1: fx.nn.denseInit(key(0), 4, 8), l2: fx.nn.denseInit(key(1), 8, 3) };
    const y: fx.Tensor<[5, 3], 'float32'> = twoLayer(p, fx.ones([5, 4]));
    expect(y.shape).toEqual([5, 3]);
    await expectClose(batchLoss(fx.zeros([2, 3]), fx.tensor([[1, 0, 0], [0, 0, 1]]), fx.tensor([1, 2], 'int32')), 2 * Math.log(3), 1e-3);
  });

  it('derivatives match finite differences to order 2 (w, b and x)', async () => {
    const p = params();
    await fx.checkGradsAsync((w, b, x) => fx.nn.dense({ w, b }, x), [p.w, p.b, fx.tensor([[0.3, -0.7], [1.1, 0.4]])], { order: 2 });
  });

  it('names the operands when the input size does not match w', () => {
    expect(() => fx.nn.dense(params() as never, fx.ones([2, 3]) as Any)).toThrow(/shape error in nn.dense: the last axis of x \[2, 3\] must be w's input size 2 \(w \[2, 3\]\)/);
    expect(() => fx.nn.dense({ w: fx.ones([2, 3]), b: fx.ones([2]) } as never, fx.ones([1, 2]) as Any)).toThrow(/params.b must be \[3\] to match w \[2, 3\], got \[2\]/);
  });
});

describeEachBackend('conv2d layer', () => {
  it('convolves NHWC input with a [kh, kw, in, out] filter and adds the bias per channel', async () => {
    // 3×3 input, 2×2 filter of ones (channel 0) and a corner picker (channel 1), valid padding.
    const x = fx.reshape(fx.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 3, 3, 1]);
    const w = fx.reshape(fx.tensor([1, 1, 1, 0, 1, 0, 1, 0]), [2, 2, 1, 2]);
    const y = fx.nn.conv2d({ w, b: fx.tensor([10, -1]) }, x, { padding: 'valid' });
    expect(y.shape).toEqual([1, 2, 2, 2]);
    await expectClose(y, [[[[22, 0], [26, 1]], [[34, 3], [38, 4]]]]);
    const same = fx.nn.conv2d({ w, b: fx.tensor([0, 0]) }, x);
    expect(same.shape).toEqual([1, 3, 3, 2]);
    expect(fx.nn.conv2d({ w, b: fx.tensor([0, 0]) }, x, { strides: 2 }).shape).toEqual([1, 2, 2, 2]);
  });

  it('derivatives match finite differences (filter, bias, input)', async () => {
    const x = fx.reshape(fx.tensor([0.1, -0.4, 0.9, 0.3, 0.7, -0.2, 0.5, -0.8, 0.6]), [1, 3, 3, 1]);
    const w = fx.reshape(fx.tensor([0.2, -0.5, 0.7, 0.1]), [2, 2, 1, 1]);
    await fx.checkGradsAsync((wi, bi, xi) => fx.nn.conv2d({ w: wi, b: bi }, xi), [w, fx.tensor([0.3]), x]);
  });

  it('rejects a bias that does not match the output channels', () => {
    expect(() => fx.nn.conv2d({ w: fx.ones([2, 2, 1, 3]), b: fx.ones([2]) } as never, fx.ones([1, 3, 3, 1]) as Any)).toThrow(/params.b must be \[3\]/);
  });
});

describeEachBackend('layerNorm', () => {
  it('normalizes the last axis to zero mean and unit variance, then scales and shifts', async () => {
    const s = Math.sqrt(2 / 3 + 1e-5);
    await expectClose(fx.nn.layerNorm(fx.nn.layerNormInit(3), fx.tensor([[1, 2, 3], [10, 10, 13]])), [[-1 / s, 0, 1 / s], [-1 / Math.sqrt(2 + 1e-5), -1 / Math.sqrt(2 + 1e-5), 2 / Math.sqrt(2 + 1e-5)]], 1e-3);
    const p = { scale: fx.tensor([2, 1, 0]), bias: fx.tensor([0, 1, 5]) };
    await expectClose(fx.nn.layerNorm(p, fx.tensor([1, 2, 3])), [-2 / s, 1, 5], 1e-3);
  });

  it('derivatives match finite differences to order 2', async () => {
    const x = fx.tensor([[0.3, -1.2, 2.0, 0.5], [1.0, 0.2, -0.4, 0.9]]);
    await fx.checkGradsAsync((xi, scale, bias) => fx.nn.layerNorm({ scale, bias }, xi), [x, fx.tensor([1.5, 0.5, -1, 2]), fx.tensor([0.1, 0, 0.2, -0.3])], { order: 2 });
  });

  it('rejects parameters of the wrong size', () => {
    expect(() => fx.nn.layerNorm(fx.nn.layerNormInit(4) as never, fx.ones([2, 3]) as Any)).toThrow(/scale \[4\] and bias \[4\] must both be \[3\], the last axis of x \[2, 3\]/);
  });
});

describeEachBackend('dropout', () => {
  it('zeroes about `rate` of the elements and scales the rest by 1/(1 − rate); same key, same mask', async () => {
    const x = fx.ones([4000]);
    const y = Array.from(await fx.nn.dropout(key(3), x, 0.25).data());
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expect(kept.length / y.length).toBeGreaterThan(0.72);
    expect(kept.length / y.length).toBeLessThan(0.78);
    expect(Array.from(await fx.nn.dropout(key(3), x, 0.25).data())).toEqual(y);
    expect(Array.from(await fx.nn.dropout(key(4), x, 0.25).data())).not.toEqual(y);
  });

  it('is the identity at rate 0 and rejects rates outside [0, 1)', () => {
    const x = fx.ones([3]);
    expect(fx.nn.dropout(key(0), x, 0)).toBe(x);
    expect(() => fx.nn.dropout(key(0), x, 1)).toThrow(/rate must be in \[0, 1\), got 1/);
  });

  it('passes gradients through the kept elements only', async () => {
    const x = fx.tensor([1, 2, 3, 4, 5, 6, 7, 8]);
    const y = flat(await fx.nn.dropout(key(9), x, 0.5).array());
    const g = flat(await fx.grad((v: fx.Tensor<[8], 'float32'>) => fx.sum(fx.nn.dropout(key(9), v, 0.5)))(x).array());
    g.forEach((gi, i) => expect(gi).toBeCloseTo(y[i] === 0 ? 0 : 2, 5));
  });
});

describeEachBackend('losses', () => {
  it('mse is the mean squared difference; its gradient is 2(p − t)/n', async () => {
    const p = fx.tensor([[1, 2], [3, 4]]);
    const t = fx.tensor([[1, 0], [0, 4]]);
    await expectClose(fx.nn.mse(p, t), (4 + 9) / 4);
    await expectClose(fx.grad((q: fx.Tensor<[2, 2], 'float32'>) => fx.nn.mse(q, t))(p), [[0, 1], [1.5, 0]]);
    await fx.checkGradsAsync((a, b) => fx.nn.mse(a, b), [p, t], { order: 2 });
    expect(() => fx.nn.mse(fx.ones([2]) as Any, fx.ones([3]) as Any)).toThrow(/shape error in nn.mse: prediction \[2\] and target \[3\] must have the same shape/);
  });

  it('softmaxCrossEntropy matches −Σ y log softmax, with one-hot or int32 labels', async () => {
    const logits = fx.tensor([[2, 1, 0.1], [0.5, 2.5, -1]]);
    const ref = [[2, 1, 0.1, 0], [0.5, 2.5, -1, 1]].map(([a, b, c, label]) => {
      const lse = Math.log(Math.exp(a!) + Math.exp(b!) + Math.exp(c!));
      return lse - [a!, b!, c!][label!]!;
    });
    const want = (ref[0]! + ref[1]!) / 2;
    await expectClose(fx.nn.softmaxCrossEntropy(logits, fx.tensor([[1, 0, 0], [0, 1, 0]])), want, 1e-3);
    await expectClose(fx.nn.softmaxCrossEntropy(logits, fx.tensor([0, 1], 'int32')), want, 1e-3);
  });

  it('softmaxCrossEntropy stays finite for huge logits', async () => {
    await expectClose(fx.nn.softmaxCrossEntropy(fx.tensor([[1000, 0]]), fx.tensor([0], 'int32')), 0, 1e-3);
    await expectClose(fx.nn.softmaxCrossEntropy(fx.tensor([[1000, 0]]), fx.tensor([1], 'int32')), 1000, 1e-3);
  });

  it('grad of softmaxCrossEntropy is (softmax − labels)/examples; finite differences to order 2', async () => {
    const logits = fx.tensor([[0, Math.log(3)], [Math.log(4), 0]]);
    const labels = fx.tensor([[1, 0], [0, 1]]);
    await expectClose(fx.grad((z: fx.Tensor<[2, 2], 'float32'>) => fx.nn.softmaxCrossEntropy(z, labels))(logits), [[(0.25 - 1) / 2, 0.75 / 2], [0.8 / 2, (0.2 - 1) / 2]], 1e-3);
    await fx.checkGradsAsync((z) => fx.nn.softmaxCrossEntropy(z, fx.tensor([[0.2, 0.8], [1, 0]])), [fx.tensor([[0.3, -0.2], [1.2, 0.1]])], { order: 2 });
  });

  it('softmaxCrossEntropy rejects labels of the wrong shape', () => {
    expect(() => fx.nn.softmaxCrossEntropy(fx.ones([2, 3]) as Any, fx.tensor([0, 1, 2], 'int32') as Any)).toThrow(/int32 labels must have the logits' shape without the class axis, \[2\]; got \[3\]/);
  });

  it('sigmoidBinaryCrossEntropy is −z log σ(x) − (1 − z) log(1 − σ(x)), finite for |x| = 100', async () => {
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const xs = [-2, 0.5, 3];
    const zs = [0, 1, 0.3];
    const ref = xs.reduce((s, x, i) => s - zs[i]! * Math.log(sig(x)) - (1 - zs[i]!) * Math.log(1 - sig(x)), 0) / 3;
    await expectClose(fx.nn.sigmoidBinaryCrossEntropy(fx.tensor(xs), fx.tensor(zs)), ref, 1e-3);
    await expectClose(fx.nn.sigmoidBinaryCrossEntropy(fx.tensor([100, -100]), fx.tensor([1, 1])), 50, 1e-3);
  });

  it('grad of sigmoidBinaryCrossEntropy is (σ(x) − z)/n, also at x = 0 where max and |x| have kinks', async () => {
    const z = fx.tensor([1, 0, 0.25]);
    const g = fx.grad((x: fx.Tensor<[3], 'float32'>) => fx.nn.sigmoidBinaryCrossEntropy(x, z))(fx.tensor([0, 0, 2]));
    await expectClose(g, [(0.5 - 1) / 3, 0.5 / 3, (1 / (1 + Math.exp(-2)) - 0.25) / 3], 1e-3);
    await fx.checkGradsAsync((x) => fx.nn.sigmoidBinaryCrossEntropy(x, z), [fx.tensor([0.4, -1.3, 2.2])], { order: 2 });
  });
});
