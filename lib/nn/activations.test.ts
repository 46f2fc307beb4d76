/**
 * `fx.nn` activations, attention, embedding and normalizations against
 * plain-JS float64 references, with second-order derivative checks and a vmap
 * check per function.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, itExceptWebgpu, expectClose } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
const t = (x: unknown, d?: 'int32' | 'bool') => fx.tensor(x as number[], d as never) as Any;

async function expectVmapMatches(f: (x: Any) => Any, batch: Any, tol = 1e-5): Promise<void> {
  const rows = [];
  for (let i = 0; i < batch.shape[0]; i++) rows.push(await f(fx.take(batch, i)).array());
  await expectClose(fx.vmap(f)(batch), rows, tol);
}

const xs = [-3.1, -1.2, -0.4, 0.3, 1.1, 2.6];
// Fresh per use: a tensor made once would have its data moved to whichever backend used it last.
const grid = () => t([xs.slice(0, 3), xs.slice(3)]);

/** erf by its Maclaurin series (converges fast for |x| < 3; float64). */
function erf(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const SELU_A = 1.6732632423543772;
const SELU_S = 1.0507009873554805;

describeEachBackend('nn activations', (backend) => {
  const cases: [string, (x: Any) => Any, (x: number) => number][] = [
    ['gelu (tanh approximation, the default)', (x) => fx.nn.gelu(x), (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))],
    ['gelu (exact)', (x) => fx.nn.gelu(x, { approximate: false }), (x) => 0.5 * x * (1 + erf(x / Math.SQRT2))],
    ['leakyRelu', (x) => fx.nn.leakyRelu(x, 0.1), (x) => (x >= 0 ? x : 0.1 * x)],
    ['elu', (x) => fx.nn.elu(x, 0.7), (x) => (x > 0 ? x : 0.7 * Math.expm1(x))],
    ['selu', (x) => fx.nn.selu(x), (x) => SELU_S * (x > 0 ? x : SELU_A * Math.expm1(x))],
    ['silu', (x) => fx.nn.silu(x), (x) => x * sigmoid(x)],
    ['swish', (x) => fx.nn.swish(x), (x) => x * sigmoid(x)],
    ['softSign', (x) => fx.nn.softSign(x), (x) => x / (Math.abs(x) + 1)],
    ['relu6', (x) => fx.nn.relu6(fx.mul(x, 3)), (x) => Math.min(Math.max(3 * x, 0), 6)],
    ['hardTanh', (x) => fx.nn.hardTanh(x), (x) => Math.min(Math.max(x, -1), 1)],
    ['hardSigmoid', (x) => fx.nn.hardSigmoid(x), (x) => Math.min(Math.max(x + 3, 0), 6) / 6],
    ['hardSilu', (x) => fx.nn.hardSilu(x), (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6],
    ['logSigmoid', (x) => fx.nn.logSigmoid(x), (x) => -Math.log1p(Math.exp(-x))],
    ['celu', (x) => fx.nn.celu(x, 2), (x) => (x > 0 ? x : 2 * Math.expm1(x / 2))],
    ['mish', (x) => fx.nn.mish(x), (x) => x * Math.tanh(Math.log1p(Math.exp(x)))],
    ['squareplus', (x) => fx.nn.squareplus(x), (x) => (x + Math.sqrt(x * x + 4)) / 2],
    ['sparsePlus', (x) => fx.nn.sparsePlus(x), (x) => (x <= -1 ? 0 : x >= 1 ? x : (x + 1) ** 2 / 4)],
  ];
  for (const [name, f, ref] of cases) {
    it(`${name} matches its float64 formula; derivatives to order 2; vmap`, async () => {
      await expectClose(f(grid()), [xs.slice(0, 3).map(ref), xs.slice(3).map(ref)], 2e-6);
      await fx.checkGradsAsync((x) => f(x), [grid()], { order: 2 });
      await expectVmapMatches(f, grid());
    });
  }

  it('elu and selu stay finite for large inputs, with finite gradients (masked expm1)', async () => {
    await expectClose(fx.nn.elu(t([1000, -1000])), [1000, -1]);
    await expectClose(fx.grad((x: fx.Tensor<[2], 'float32'>) => fx.sum(fx.nn.selu(x)))(t([1000, -1000]) as fx.Tensor<[2], 'float32'>), [SELU_S, 0]);
    await expectClose(fx.grad((x: fx.Tensor<[1], 'float32'>) => fx.sum(fx.nn.leakyRelu(x)))(t([0]) as fx.Tensor<[1], 'float32'>), [1]);
  });

  it('glu gates the first half with the sigmoid of the second; relu6 has derivative 0 at 0 and 6', async () => {
    const v = [[0.5, -1, 2, -0.3], [1.5, 0.2, -2, 0.8]];
    await expectClose(fx.nn.glu(t(v)), v.map((r) => [r[0]! * sigmoid(r[2]!), r[1]! * sigmoid(r[3]!)]), 1e-6);
    await expectClose(fx.nn.glu(t(v), 0), [v[0]!.map((a, i) => a * sigmoid(v[1]![i]!))], 1e-6);
    await fx.checkGradsAsync((x) => fx.nn.glu(x), [t(v)], { order: 2 });
    await expectVmapMatches((x) => fx.nn.glu(x), t(v));
    await expectClose(fx.grad((x: fx.Tensor<[3], 'float32'>) => fx.sum(fx.nn.relu6(x)))(t([0, 6, 3]) as fx.Tensor<[3], 'float32'>), [0, 0, 1]);
    expect(() => fx.nn.glu(t([1, 2, 3]))).toThrow(/split: cannot split axis 0 of size 3/);
  });

  itExceptWebgpu(backend, 'GPU exp/log are not accurate enough for log1mexp near 0 (WGSL gives no such bound): open in issue 19')('log1mexp is accurate on both sides of log 2 and has finite derivatives', async () => {
    const v = [1e-6, 0.1, Math.LN2, 1, 5, 30];
    await expectClose(fx.nn.log1mexp(t(v)), v.map((x) => Math.log(-Math.expm1(-x))), 1e-5);
    await expectClose(fx.nn.log1mexp(t([0])), [-Infinity]);
    await fx.checkGradsAsync((x) => fx.nn.log1mexp(x), [t([[0.2, 0.5, 1], [2, 3, 4.5]])], { order: 2 });
    await expectVmapMatches((x) => fx.nn.log1mexp(x), t([[0.2, 0.5, 1], [2, 3, 4.5]]));
  });

  it('standardize: zero mean, unit variance over axes, or given statistics', async () => {
    const data = [[1, 2, 3, 6], [0.5, -1, 2, 4]];
    const ref = (r: number[]) => {
      const m = r.reduce((s, v) => s + v, 0) / r.length;
      const v = r.reduce((s, x) => s + (x - m) ** 2, 0) / r.length;
      return r.map((x) => (x - m) / Math.sqrt(v + 1e-5));
    };
    await expectClose(fx.nn.standardize(t(data)), data.map(ref), 1e-5);
    const all = ref(data.flat());
    await expectClose(fx.nn.standardize(t(data), [0, 1]), [all.slice(0, 4), all.slice(4)], 1e-5);
    await expectClose(fx.nn.standardize(t([3, 5]), -1, { mean: fx.scalar(1), variance: fx.scalar(4), epsilon: 0 }), [1, 2]);
    await fx.checkGradsAsync((x) => fx.nn.standardize(x), [t(data)], { order: 2, rtol: 0.05 });
    await expectVmapMatches((x) => fx.nn.standardize(x), t(data));
  });
});

/** float64 reference attention over [B, T, N, H] / [B, S, K, H] nested arrays. */
function attentionRef(q: number[][][][], k: number[][][][], v: number[][][][], opts: { causal?: boolean; mask?: boolean[][][][]; bias?: number[][][][]; scale?: number } = {}): number[][][][] {
  const [B, T, N, H] = [q.length, q[0]!.length, q[0]![0]!.length, q[0]![0]![0]!.length];
  const [S, K] = [k[0]!.length, k[0]![0]!.length];
  const G = N / K;
  const scale = opts.scale ?? 1 / Math.sqrt(H);
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: T }, (_, ti) =>
      Array.from({ length: N }, (_, n) => {
        const kh = Math.floor(n / G);
        let logits = Array.from({ length: S }, (_, s) => scale * q[b]![ti]![n]!.reduce((acc, qv, h) => acc + qv * k[b]![s]![kh]![h]!, 0) + (opts.bias?.[b]![n]![ti]![s] ?? 0));
        const keep = logits.map((_, s) => (!opts.causal || s <= ti) && (opts.mask?.[b]![n]![ti]![s] ?? true));
        logits = logits.map((l, s) => (keep[s] ? l : -3.4028234663852886e38));
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        const z = e.reduce((a, c) => a + c, 0);
        return Array.from({ length: H }, (_, h) => e.reduce((acc, w, s) => acc + (w / z) * v[b]![s]![kh]![h]!, 0));
      }),
    ),
  );
}

/** Deterministic pseudo-random nested data. */
function data(shape: number[], seed: number): any {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const build = (dims: number[]): unknown => (dims.length === 0 ? next() : Array.from({ length: dims[0]! }, () => build(dims.slice(1))));
  return build(shape);
}

describeEachBackend('nn.dotProductAttention', (backend) => {
  const q = data([2, 3, 4, 5], 1);
  const k = data([2, 4, 2, 5], 2);
  const v = data([2, 4, 2, 5], 3);
  it('matches a float64 reference: grouped heads (N = 4, K = 2), causal, mask, bias, scale', async () => {
    await expectClose(fx.nn.dotProductAttention(t(q), t(k), t(v)), attentionRef(q, k, v), 1e-5);
    await expectClose(fx.nn.dotProductAttention(t(q), t(k), t(v), { causal: true }), attentionRef(q, k, v, { causal: true }), 1e-5);
    const mask = data([2, 4, 3, 4], 4).map((a: any) => a.map((b: any) => b.map((c: any) => c.map((x: number) => x > -0.3))));
    const bias = data([1, 4, 3, 4], 5);
    const biasFull = [bias[0], bias[0]];
    await expectClose(
      fx.nn.dotProductAttention(t(q), t(k), t(v), { mask: t(mask, 'bool'), bias: t(bias), scale: 0.7 }),
      attentionRef(q, k, v, { mask, bias: biasFull, scale: 0.7 }),
      1e-5,
    );
    // no batch axis
    await expectClose(fx.nn.dotProductAttention(t(q[0]), t(k[0]), t(v[0]), { causal: true }), attentionRef(q, k, v, { causal: true })[0], 1e-5);
  });

  it('is stable for large logits and uniform over a fully masked row', async () => {
    const big = fx.mul(t(q), 1e4);
    const out = await fx.nn.dotProductAttention(big, t(k), t(v)).array();
    expect((out as number[][][][]).flat(3).every(Number.isFinite)).toBe(true);
    const none = fx.zeros([2, 4, 3, 4], 'bool');
    const uniform = fx.nn.dotProductAttention(t(q), t(k), t(v), { mask: none });
    const meanV = v.map((vb: number[][][]) => [0, 1, 2, 3].map((n) => [0, 1, 2, 3, 4].map((h) => vb.reduce((acc: number, row: number[][]) => acc + row[Math.floor(n / 2)]![h]!, 0) / 4)));
    await expectClose(uniform, meanV.map((vb: number[][][]) => [vb, vb, vb]), 1e-5);
  });

  it('rejects mismatched shapes with a clear error', () => {
    expect(() => fx.nn.dotProductAttention(t(q), t(data([2, 4, 3, 5], 6)), t(data([2, 4, 3, 5], 7)))).toThrow(/nn.dotProductAttention: key and value must be \[2, S, K, 5\] with the query's heads 4 a multiple of K/);
    expect(() => fx.nn.dotProductAttention(t(q), t(k), t(v), { bias: fx.zeros([3, 3]) })).toThrow(/bias \[3, 3\] must broadcast to \[B, N, T, S\] = \[2, 4, 3, 4\]/);
  });

  itExceptWebgpu(backend, "tfjs-webgpu's Tile (broadcastTo) above rank 4 reads synchronously, which fails in Node: vmap of attention broadcasts at rank 5; open in issue 19")('derivatives in q, k, v match finite differences to order 2; vmap over the batch agrees', async () => {
    const qs = t(data([1, 2, 2, 3], 8));
    const ks = t(data([1, 3, 1, 3], 9));
    const vs = t(data([1, 3, 1, 3], 10));
    await fx.checkGradsAsync((a, b, c) => fx.nn.dotProductAttention(a, b, c, { causal: true }), [qs, ks, vs], { order: 2 });
    const batched = fx.vmap((a: Any, b: Any, c: Any) => fx.nn.dotProductAttention(a, b, c))(t(q), t(k), t(v));
    await expectClose(batched, attentionRef(q, k, v), 1e-5);
  });
});

describeEachBackend('nn.embedding', (backend) => {
  it('looks up rows; the gradient scatter-adds, repeated ids accumulate', async () => {
    const table = t([[0, 1], [10, 11], [20, 21]]);
    const ids = t([[2, 0], [2, 2]], 'int32');
    const e = fx.nn.embedding(table, ids);
    expect(e.shape).toEqual([2, 2, 2]);
    await expectClose(e, [[[20, 21], [0, 1]], [[20, 21], [20, 21]]]);
    const g = fx.grad((w: fx.Tensor<[3, 2], 'float32'>) => fx.sum(fx.nn.embedding(w, ids)))(table as fx.Tensor<[3, 2], 'float32'>);
    await expectClose(g, [[1, 1], [0, 0], [3, 3]]);
    expect(() => fx.nn.embedding(table, t([3], 'int32'))).toThrow(/3/);
    await fx.checkGradsAsync((w) => fx.mul(fx.nn.embedding(w, ids), fx.nn.embedding(w, ids)), [table], { order: 2 });
    await expectVmapMatches((i) => fx.nn.embedding(table, i), ids);
  });
});

describeEachBackend('nn.rmsNorm, nn.groupNorm, nn.batchNorm', (backend) => {
  const x = data([2, 3, 4], 11) as number[][][];
  it('rmsNorm divides by the root mean square of the last axis', async () => {
    const scale = [0.5, 1, 2, -1];
    const want = x.map((a) => a.map((r) => {
      const rms = Math.sqrt(r.reduce((s, v) => s + v * v, 0) / r.length + 1e-6);
      return r.map((v, i) => (v / rms) * scale[i]!);
    }));
    await expectClose(fx.nn.rmsNorm({ scale: t(scale) }, t(x)), want, 1e-5);
    expect(() => fx.nn.rmsNorm({ scale: t([1, 2]) }, t(x))).toThrow(/nn.rmsNorm: scale \[2\] must be \[4\]/);
    await fx.checkGradsAsync((a, s) => fx.nn.rmsNorm({ scale: s }, a), [t(x), t(scale)], { order: 2, rtol: 0.05 });
    await expectVmapMatches((a) => fx.nn.rmsNorm({ scale: t(scale) }, a), t(x));
  });

  it('groupNorm normalizes each example over positions and channels of a group', async () => {
    const scale = [1, 2, 0.5, -1];
    const bias = [0, 0.1, 0.2, 0.3];
    // groups of 2 channels: {0, 1}, {2, 3}; statistics over the 3 positions and 2 channels
    const want = x.map((ex) => {
      const stats = [0, 1].map((gi) => {
        const vals = ex.flatMap((r) => r.slice(gi * 2, gi * 2 + 2));
        const m = vals.reduce((s, v) => s + v, 0) / vals.length;
        return [m, vals.reduce((s, v) => s + (v - m) ** 2, 0) / vals.length] as const;
      });
      return ex.map((r) => r.map((v, c) => {
        const [m, vr] = stats[Math.floor(c / 2)]!;
        return ((v - m) / Math.sqrt(vr + 1e-5)) * scale[c]! + bias[c]!;
      }));
    });
    const p = { scale: t(scale), bias: t(bias) };
    await expectClose(fx.nn.groupNorm(p, t(x), 2), want, 1e-4);
    expect(() => fx.nn.groupNorm(p, t(x), 3)).toThrow(/numGroups 3 must be a positive divisor of the channel count 4/);
    await fx.checkGradsAsync((a) => fx.nn.groupNorm(p, a, 2), [t(x)], { order: 2, rtol: 0.05 });
    const one = fx.vmap((a: Any) => fx.nn.groupNorm(p, fx.reshape(a, [1, 3, 4]), 2))(t(x));
    await expectClose(one, want.map((ex) => [ex]), 1e-4);
  });

  it('batchNorm: training uses batch statistics and updates running ones; inference uses the running ones', async () => {
    const flat = x.flat(); // 6 rows of 4 channels
    const p = { scale: t([1, 2, 0.5, 1]), bias: t([0, 1, 0, -1]) };
    const stats = { mean: t([0.1, 0, 0, 0]), var: t([1, 1, 2, 1]) };
    const means = [0, 1, 2, 3].map((c) => flat.reduce((s, r) => s + r[c]!, 0) / flat.length);
    const vars = [0, 1, 2, 3].map((c) => flat.reduce((s, r) => s + (r[c]! - means[c]!) ** 2, 0) / flat.length);
    const sc = [1, 2, 0.5, 1];
    const bi = [0, 1, 0, -1];
    const { y, stats: next } = fx.nn.batchNorm(p, t(x), stats, { training: true, momentum: 0.9 });
    await expectClose(y, x.map((ex) => ex.map((r) => r.map((v, c) => ((v - means[c]!) / Math.sqrt(vars[c]! + 1e-5)) * sc[c]! + bi[c]!))), 1e-4);
    await expectClose(next.mean, [0, 1, 2, 3].map((c) => 0.9 * [0.1, 0, 0, 0][c]! + 0.1 * means[c]!), 1e-5);
    await expectClose(next.var, [0, 1, 2, 3].map((c) => 0.9 * [1, 1, 2, 1][c]! + 0.1 * vars[c]!), 1e-5);
    const inf = fx.nn.batchNorm(p, t(x), stats);
    await expectClose(inf.y, x.map((ex) => ex.map((r) => r.map((v, c) => ((v - [0.1, 0, 0, 0][c]!) / Math.sqrt([1, 1, 2, 1][c]! + 1e-5)) * sc[c]! + bi[c]!))), 1e-4);
    await fx.checkGradsAsync((a, s) => fx.nn.batchNorm({ scale: s, bias: p.bias }, a, stats, { training: true }).y, [t(x), p.scale], { order: 2, rtol: 0.05 });
    await expectVmapMatches((a) => fx.nn.batchNorm(p, a, stats).y, t(x));
  });
});
