/**
 * W9: one training step's value and gradient of a one-block character
 * transformer (issue 21): batch 16, sequence 64, d_model 128, 4 heads of 32,
 * MLP 512 with tanh-GELU, pre-LayerNorm, causal attention, vocabulary 64,
 * token + learned position embeddings, a final LayerNorm and a projection to
 * the vocabulary, mean softmax cross-entropy of the next character.
 * Outputs: the loss, then the gradient of every parameter in `PARAM_NAMES`'
 * order (18 tensors, 136,320 numbers).
 *
 * fluxion is written as a user would: `fx.nn.embedding`, `fx.nn.layerNorm`,
 * `fx.nn.dense` on `[B, T, d]`, `fx.nn.dotProductAttention` with
 * `causal: true`, `fx.nn.gelu`, `fx.nn.softmaxCrossEntropy`. jax-js uses its
 * `np.take`, `np.matmul` on `[B, T, d]`, `nn.gelu`, `nn.logSoftmax`, and
 * attention written out (its `nn.dotProductAttention` needs Node 22). TF.js has no attention op: the
 * heads are split with reshape/transpose, scores and values by `tf.matMul` of
 * rank-4 tensors, the causal mask added as −1e9 (tfjs-wasm has no
 * `UnsortedSegmentSum`, the gradient of `tf.gather`, so the embedding is a
 * one-hot product there), dense layers on `[B·T, d]`.
 *
 * The float64 reference is a plain-JS forward pass: it checks the loss
 * (`referenceOutputs: 1`); the 18 gradients are checked across the three
 * frameworks (the cross-framework columns).
 */
import * as fx from '../../lib/index.js';
import { fxTensor, fxVariant, matmul64, normal, readFx, rng } from '../data.js';
import { everyImpl, type Context, type Workload } from '../harness.js';
import { jax, jaxVariant, readJax, readTf, tf, useJaxDevice } from '../peers.js';

export const B = 16;
export const T = 64;
export const D = 128;
export const HEADS = 4;
export const HD = D / HEADS;
export const MLP = 512;
export const V = 64;

/** Parameter names and shapes, in output order. */
export const PARAMS: readonly [string, number[]][] = [
  ['tokens', [V, D]],
  ['positions', [T, D]],
  ['ln1.scale', [D]],
  ['ln1.bias', [D]],
  ['qkv.w', [D, 3 * D]],
  ['qkv.b', [3 * D]],
  ['proj.w', [D, D]],
  ['proj.b', [D]],
  ['ln2.scale', [D]],
  ['ln2.bias', [D]],
  ['up.w', [D, MLP]],
  ['up.b', [MLP]],
  ['down.w', [MLP, D]],
  ['down.b', [D]],
  ['lnf.scale', [D]],
  ['lnf.bias', [D]],
  ['out.w', [D, V]],
  ['out.b', [V]],
];

export interface TransformerData {
  ids: Int32Array;
  next: Int32Array;
  /** Parameter values by name. */
  p: Record<string, Float32Array>;
}

let cached: TransformerData | undefined;
export function transformerData(): TransformerData {
  if (cached) return cached;
  const r = rng(91);
  const ids = Int32Array.from({ length: B * T }, () => Math.floor(r() * V));
  const next = Int32Array.from({ length: B * T }, () => Math.floor(r() * V));
  const p: Record<string, Float32Array> = {};
  PARAMS.forEach(([name, shape], i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const seed = 100 + i;
    if (name.endsWith('.scale')) p[name] = Float32Array.from(normal(n, seed, 0.1), (v) => 1 + v);
    else if (name.endsWith('.bias') || name.endsWith('.b')) p[name] = normal(n, seed, 0.1);
    else if (name === 'tokens' || name === 'positions') p[name] = normal(n, seed, 0.5);
    else p[name] = normal(n, seed, 1 / Math.sqrt(shape[0]!));
  });
  return (cached = { ids, next, p });
}

/** Float64 layer norm over rows of `f`. */
function layerNorm64(x: Float64Array, rows: number, f: number, g: Float32Array, b: Float32Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let j = 0; j < f; j++) m += x[r * f + j]!;
    m /= f;
    let v = 0;
    for (let j = 0; j < f; j++) v += (x[r * f + j]! - m) ** 2;
    const inv = 1 / Math.sqrt(v / f + 1e-5);
    for (let j = 0; j < f; j++) out[r * f + j] = (x[r * f + j]! - m) * inv * g[j]! + b[j]!;
  }
  return out;
}

function dense64(x: Float64Array, rows: number, w: Float32Array, b: Float32Array, i: number, o: number): Float64Array {
  const y = matmul64(x, w, rows, i, o);
  for (let r = 0; r < rows; r++) for (let j = 0; j < o; j++) y[r * o + j] = y[r * o + j]! + b[j]!;
  return y;
}

/** The float64 loss of the forward pass. */
export function transformerLoss64(d: TransformerData = transformerData()): number {
  const { ids, next, p } = d;
  const N = B * T;
  const x = new Float64Array(N * D);
  for (let bt = 0; bt < N; bt++) {
    const t = bt % T;
    for (let j = 0; j < D; j++) x[bt * D + j] = p.tokens![ids[bt]! * D + j]! + p.positions![t * D + j]!;
  }
  const qkv = dense64(layerNorm64(x, N, D, p['ln1.scale']!, p['ln1.bias']!), N, p['qkv.w']!, p['qkv.b']!, D, 3 * D);
  const att = new Float64Array(N * D);
  const scale = 1 / Math.sqrt(HD);
  const s = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < HEADS; h++) {
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * 3 * D + h * HD;
        let m = -Infinity;
        for (let u = 0; u <= t; u++) {
          const k = (b * T + u) * 3 * D + D + h * HD;
          let dot = 0;
          for (let c = 0; c < HD; c++) dot += qkv[q + c]! * qkv[k + c]!;
          s[u] = dot * scale;
          m = Math.max(m, s[u]!);
        }
        let z = 0;
        for (let u = 0; u <= t; u++) z += s[u] = Math.exp(s[u]! - m);
        const o = (b * T + t) * D + h * HD;
        for (let u = 0; u <= t; u++) {
          const v = (b * T + u) * 3 * D + 2 * D + h * HD;
          for (let c = 0; c < HD; c++) att[o + c] = att[o + c]! + (s[u]! / z) * qkv[v + c]!;
        }
      }
    }
  }
  const proj = dense64(att, N, p['proj.w']!, p['proj.b']!, D, D);
  const h1 = x.map((v, i) => v + proj[i]!);
  const up = dense64(layerNorm64(h1, N, D, p['ln2.scale']!, p['ln2.bias']!), N, p['up.w']!, p['up.b']!, D, MLP);
  const c = Math.sqrt(2 / Math.PI);
  for (let i = 0; i < up.length; i++) {
    const u = up[i]!;
    up[i] = 0.5 * u * (1 + Math.tanh(c * (u + 0.044715 * u * u * u)));
  }
  const down = dense64(up, N, p['down.w']!, p['down.b']!, MLP, D);
  const y = h1.map((v, i) => v + down[i]!);
  const logits = dense64(layerNorm64(y, N, D, p['lnf.scale']!, p['lnf.bias']!), N, p['out.w']!, p['out.b']!, D, V);
  let loss = 0;
  for (let r = 0; r < N; r++) {
    let m = -Infinity;
    for (let j = 0; j < V; j++) m = Math.max(m, logits[r * V + j]!);
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(logits[r * V + j]! - m);
    loss -= logits[r * V + next[r]!]! - m - Math.log(z);
  }
  return loss / N;
}

function reference(): Float64Array[] {
  return [Float64Array.of(transformerLoss64())];
}

// ---- fluxion ----

type F32<S extends number[]> = fx.Tensor<S, 'float32'>;
export interface FxParams {
  tokens: F32<[64, 128]>;
  positions: F32<[64, 128]>;
  ln1: fx.nn.LayerNormParams<128>;
  qkv: fx.nn.DenseParams<128, 384>;
  proj: fx.nn.DenseParams<128, 128>;
  ln2: fx.nn.LayerNormParams<128>;
  up: fx.nn.DenseParams<128, 512>;
  down: fx.nn.DenseParams<512, 128>;
  lnf: fx.nn.LayerNormParams<128>;
  out: fx.nn.DenseParams<128, 64>;
}
type Ids = fx.Tensor<[16, 64], 'int32'>;

/** The model's mean next-character cross-entropy, written with fx.nn. */
export function fxTransformerLoss(p: FxParams, ids: Ids, next: Ids): F32<[]> {
  const x = fx.add(fx.nn.embedding(p.tokens, ids), p.positions); // [B, T, D]
  const qkv = fx.nn.dense(p.qkv, fx.nn.layerNorm(p.ln1, x)); // [B, T, 3D]
  const head = (i: number) => fx.reshape(fx.slice(qkv, [0, 0, i * D], [B, T, D]), [B, T, HEADS, HD]) as F32<[16, 64, 4, 32]>;
  const attended = fx.nn.dotProductAttention(head(0), head(1), head(2), { causal: true });
  const h = fx.add(x, fx.nn.dense(p.proj, fx.reshape(attended, [B, T, D]) as F32<[16, 64, 128]>));
  const y = fx.add(h, fx.nn.dense(p.down, fx.nn.gelu(fx.nn.dense(p.up, fx.nn.layerNorm(p.ln2, h)))));
  return fx.nn.softmaxCrossEntropy(fx.nn.dense(p.out, fx.nn.layerNorm(p.lnf, y)), next);
}

/** The parameters as a fluxion pytree (fresh tensors). */
export function fxTransformerParams(d: TransformerData = transformerData()): FxParams {
  const t = (name: string) => fxTensor(d.p[name]!, PARAMS.find(([n]) => n === name)![1]) as never;
  const pair = <A extends string, Bn extends string>(prefix: string, a: A, b: Bn) => ({ [a]: t(`${prefix}.${a}`), [b]: t(`${prefix}.${b}`) }) as never;
  return {
    tokens: t('tokens'),
    positions: t('positions'),
    ln1: pair('ln1', 'scale', 'bias'),
    qkv: pair('qkv', 'w', 'b'),
    proj: pair('proj', 'w', 'b'),
    ln2: pair('ln2', 'scale', 'bias'),
    up: pair('up', 'w', 'b'),
    down: pair('down', 'w', 'b'),
    lnf: pair('lnf', 'scale', 'bias'),
    out: pair('out', 'w', 'b'),
  };
}

/** The leaves of a params-shaped tree in `PARAMS` order. */
export function inParamOrder<L>(g: Record<string, unknown>): L[] {
  return PARAMS.map(([name]) => name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], g) as L);
}

export function fxIds(d: TransformerData = transformerData()): [Ids, Ids] {
  return [fx.tensor(d.ids, [B, T], 'int32') as unknown as Ids, fx.tensor(d.next, [B, T], 'int32') as unknown as Ids];
}

function fxSetup(jit: boolean) {
  return () => {
    const p = fxTransformerParams();
    const [ids, next] = fxIds();
    const { step, dispose } = fxVariant(fx.valueAndGrad(fxTransformerLoss), jit, [...inParamOrder<fx.Tensor>(p as never), ids, next]);
    return {
      run: () =>
        fx.scope(async () => {
          const [v, g] = step(p, ids, next);
          return readFx([v, ...inParamOrder<fx.Tensor>(g as never)]);
        }),
      dispose,
    };
  };
}

// ---- TF.js ----

function tfSetup() {
  const d = transformerData();
  const params = PARAMS.map(([name, shape]) => tf.tensor(d.p[name]!, shape));
  const onehot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(d.ids, 'int32'), V), 'float32')) as tf.Tensor2D; // [B·T, V]
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(d.next, 'int32'), V), 'float32')) as tf.Tensor2D;
  const causal = tf.tensor2d(Float32Array.from({ length: T * T }, (_, i) => (i % T <= Math.floor(i / T) ? 0 : -1e9)), [T, T]);
  const N = B * T;
  const ln = (x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor) => {
    const m = tf.mean(x, -1, true);
    const c = tf.sub(x, m);
    const v = tf.mean(tf.square(c), -1, true);
    return tf.add(tf.mul(tf.mul(c, tf.rsqrt(tf.add(v, 1e-5))), g), b) as tf.Tensor2D;
  };
  const dense = (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(x, w as tf.Tensor2D), b) as tf.Tensor2D;
  const loss = (...ps: tf.Tensor[]): tf.Scalar => {
    const [tokens, positions, g1, b1, wqkv, bqkv, wp, bp, g2, b2, wu, bu, wd, bd, gf, bf, wo, bo] = ps as tf.Tensor2D[];
    const x = tf.reshape(tf.add(tf.reshape(tf.matMul(onehot, tokens!), [B, T, D]), positions!), [N, D]) as tf.Tensor2D;
    const qkv = dense(ln(x, g1!, b1!), wqkv!, bqkv!);
    const head = (i: number) => tf.transpose(tf.reshape(tf.slice(qkv, [0, i * D], [N, D]), [B, T, HEADS, HD]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, H, T, HD]
    const scores = tf.add(tf.mul(tf.matMul(head(0), head(1), false, true), 1 / Math.sqrt(HD)), causal);
    const att = tf.matMul(tf.softmax(scores, -1) as tf.Tensor4D, head(2)); // [B, H, T, HD]
    const h = tf.add(x, dense(tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [N, D]) as tf.Tensor2D, wp!, bp!)) as tf.Tensor2D;
    const u = dense(ln(h, g2!, b2!), wu!, bu!);
    const gelu = tf.mul(tf.mul(u, 0.5), tf.add(tf.tanh(tf.mul(tf.add(u, tf.mul(tf.mul(tf.mul(u, u), u), 0.044715)), Math.sqrt(2 / Math.PI))), 1)) as tf.Tensor2D;
    const y = tf.add(h, dense(gelu, wd!, bd!)) as tf.Tensor2D;
    const logits = dense(ln(y, gf!, bf!), wo!, bo!);
    return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits, -1)), -1)));
  };
  const vg = tf.valueAndGrads(loss);
  return {
    run: async () => {
      const { value, grads } = vg(params);
      return readTf([value, ...grads]);
    },
    dispose: () => [...params, onehot, labels, causal].forEach((t) => t.dispose()),
  };
}

// ---- jax-js ----

type A = jax.numpy.Array;
type JP = Record<string, A>;

/** The same model in jax-js (every use of an array consumes a reference: `.ref` adds one). */
export function jaxTransformerLoss(p: JP, ids: A, next: A): A {
  const np = jax.numpy;
  const ln = (x: A, g: A, b: A) => {
    const c = x.ref.sub(x.mean(-1, { keepdims: true }));
    const v = c.ref.mul(c.ref).mean(-1, { keepdims: true });
    return c.div(np.sqrt(v.add(1e-5))).mul(g).add(b);
  };
  const dense = (x: A, w: A, b: A) => np.matmul(x, w).add(b);
  const x = np.take(p.tokens!, ids, 0).add(p.positions!); // [B, T, D]
  const qkv = dense(ln(x.ref, p['ln1.scale']!, p['ln1.bias']!), p['qkv.w']!, p['qkv.b']!);
  // [B, T, 3D] → q, k, v as [B, H, T, HD]. (jax-js's nn.dotProductAttention goes through einsum, whose
  // parser uses iterator helpers that Node 20 lacks, so attention is written out as jax.nn's reference does.)
  const head = (i: number) => qkv.ref.slice([], [], [i * D, (i + 1) * D]).reshape([B, T, HEADS, HD]).transpose([0, 2, 1, 3]);
  const q = head(0);
  const k = head(1);
  const v = head(2);
  qkv.dispose();
  const scores = np.where(causalMask(), np.matmul(q, k.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(HD)), -1e30);
  const attended = np.matmul(jax.nn.softmax(scores, -1), v).transpose([0, 2, 1, 3]).reshape([B, T, D]);
  const h = x.add(dense(attended, p['proj.w']!, p['proj.b']!));
  const m = dense(jax.nn.gelu(dense(ln(h.ref, p['ln2.scale']!, p['ln2.bias']!), p['up.w']!, p['up.b']!)), p['down.w']!, p['down.b']!);
  const y = h.add(m);
  const logits = dense(ln(y, p['lnf.scale']!, p['lnf.bias']!), p['out.w']!, p['out.b']!);
  return jax.nn.logSoftmax(logits, -1).mul(jax.nn.oneHot(next, V)).sum(-1).mean().neg();
}

let mask: A | undefined;
/** The causal mask `[T, T]`, made outside any trace (`makeJaxMask`) and kept; each use takes a reference. */
function causalMask(): A {
  if (!mask) throw new Error('W9: call makeJaxMask() before tracing');
  return mask.ref;
}
export function makeJaxMask(): void {
  mask ??= jax.numpy.array(Array.from({ length: T * T }, (_, i) => i % T <= Math.floor(i / T)), { dtype: jax.numpy.bool }).reshape([T, T]);
}

export function jaxTransformerParams(d: TransformerData = transformerData()): JP {
  const np = jax.numpy;
  return Object.fromEntries(PARAMS.map(([name, shape]) => [name, np.array(d.p[name]!).reshape(shape)]));
}

export function jaxIds(d: TransformerData = transformerData()): [A, A] {
  const np = jax.numpy;
  return [np.array(d.ids, { dtype: np.int32 }).reshape([B, T]), np.array(d.next, { dtype: np.int32 }).reshape([B, T])];
}

function jaxSetup(jit: boolean) {
  return async (ctx: Context) => {
    await useJaxDevice(ctx.backend, 'an interpreted 1.4-GFLOP step');
    makeJaxMask();
    const p = jaxTransformerParams();
    const [ids, next] = jaxIds();
    const { step, dispose } = jaxVariant(jax.valueAndGrad(jaxTransformerLoss), jit, [...Object.values(p), ids, next]);
    const refs = (): JP => Object.fromEntries(Object.entries(p).map(([k, a]) => [k, a.ref]));
    return {
      run: async () => {
        const [value, g] = step(refs(), ids.ref, next.ref) as [A, JP];
        return readJax([value, ...PARAMS.map(([name]) => g[name]!)]);
      },
      dispose,
    };
  };
}

export const w9: Workload = {
  id: 'W9',
  title: 'one-block character transformer (batch 16, seq 64, d 128, 4 heads, MLP 512, tanh-GELU, pre-LayerNorm, causal, vocab 64): loss and grad of all 18 parameters',
  how:
    'fluxion: `fx.nn.embedding`, `layerNorm`, `dense` on `[B, T, d]`, `dotProductAttention({ causal: true })`, `gelu`, `softmaxCrossEntropy`; jax-js: `np.take`, `np.matmul` on `[B, T, d]`, `nn.gelu`, attention written out (rank-4 `np.matmul`, `np.where` causal mask, `nn.softmax`: its `nn.dotProductAttention` parses an einsum with iterator helpers that Node 20 lacks); TF.js: dense layers on `[B·T, d]`, attention by rank-4 `tf.matMul` with a −1e9 causal mask, the embedding as a one-hot product (tfjs-wasm has no `UnsortedSegmentSum`, the gradient of `tf.gather`). The float64 reference checks the loss only (a plain-JS forward pass); the gradients are compared across frameworks.',
  reference,
  referenceOutputs: 1,
  iterations: 10,
  impls: everyImpl(fxSetup, tfSetup, jaxSetup),
  skip: {
    cpu: 'about 1.4 GFLOP per step: at tfjs-cpu\'s ≤ 0.9 GFLOP/s (W6) each framework would take seconds per iteration; measured on wasm',
    webgpu: 'on the SwiftShader software adapter W1 (0.4 GFLOP) already takes 2 s per iteration',
  },
};
