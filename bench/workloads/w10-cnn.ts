/**
 * W10: value and gradient of a small CNN (issue 21), batch 32 of 28×28×1:
 * conv 3×3 → 8 channels ('same') + bias → relu → 2×2 average pool → conv
 * 3×3 → 16 + bias → relu → 2×2 average pool → flatten (784) → dense 10 →
 * mean softmax cross-entropy. Outputs: the loss, then the gradients of
 * conv1 w, b, conv2 w, b, dense w, b in fluxion's layout (NHWC activations,
 * `[kh, kw, in, out]` filters, the flatten in (h, w, c) order).
 *
 * Average pooling keeps the gradient unique (max pooling after a relu has
 * ties between zeros, where frameworks may pick different elements).
 * jax-js convolves NCHW with OIHW filters: its parameters are the same
 * numbers permuted on the host, and its gradients are permuted back before
 * the comparison (on a few thousand numbers, inside the timed call).
 */
import * as fx from '../../lib/index.js';
import { fxTensor, fxVariant, normal, readFx, rng, uniform } from '../data.js';
import { everyImpl, Unavailable, type Context, type Workload } from '../harness.js';
import { jax, jaxVariant, readJax, readTf, tf, useJaxDevice } from '../peers.js';

const N = 32;
const S = 28;
const C1 = 8;
const C2 = 16;
const CLASSES = 10;
const FLAT = 7 * 7 * C2;

interface Data {
  x: Float32Array;
  y: Float32Array;
  w1: Float32Array; // [3, 3, 1, 8]
  b1: Float32Array;
  w2: Float32Array; // [3, 3, 8, 16]
  b2: Float32Array;
  wd: Float32Array; // [784, 10]
  bd: Float32Array;
}

let cached: Data | undefined;
function data(): Data {
  if (cached) return cached;
  const r = rng(101);
  const y = new Float32Array(N * CLASSES);
  for (let i = 0; i < N; i++) y[i * CLASSES + Math.floor(r() * CLASSES)] = 1;
  return (cached = {
    x: uniform(N * S * S, 102, 0, 1),
    y,
    w1: normal(9 * C1, 103, 1 / 3),
    b1: normal(C1, 104, 0.1),
    w2: normal(9 * C1 * C2, 105, 1 / Math.sqrt(9 * C1)),
    b2: normal(C2, 106, 0.1),
    wd: normal(FLAT * CLASSES, 107, 1 / Math.sqrt(FLAT)),
    bd: normal(CLASSES, 108, 0.1),
  });
}

// ---- float64 reference: forward and hand-written backward ----

/** 3×3 'same' convolution, NHWC, `[3, 3, ci, co]` filter. */
function conv64(x: Float64Array, h: number, ci: number, w: Float32Array, b: Float32Array, co: number): Float64Array {
  const out = new Float64Array(N * h * h * co);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < h; j++) {
        const o = ((n * h + i) * h + j) * co;
        for (let c = 0; c < co; c++) out[o + c] = b[c]!;
        for (let ki = 0; ki < 3; ki++) {
          const ii = i + ki - 1;
          if (ii < 0 || ii >= h) continue;
          for (let kj = 0; kj < 3; kj++) {
            const jj = j + kj - 1;
            if (jj < 0 || jj >= h) continue;
            const xi = ((n * h + ii) * h + jj) * ci;
            const wi = (ki * 3 + kj) * ci * co;
            for (let c = 0; c < ci; c++) {
              const xv = x[xi + c]!;
              for (let d = 0; d < co; d++) out[o + d] = out[o + d]! + xv * w[wi + c * co + d]!;
            }
          }
        }
      }
  return out;
}

/** The backward pass of `conv64`: gradients of the filter, the bias and (if `dx`) the input. */
function conv64Back(x: Float64Array, h: number, ci: number, w: Float32Array, co: number, dout: Float64Array, dx?: Float64Array): [Float64Array, Float64Array] {
  const dw = new Float64Array(9 * ci * co);
  const db = new Float64Array(co);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < h; j++) {
        const o = ((n * h + i) * h + j) * co;
        for (let d = 0; d < co; d++) db[d] = db[d]! + dout[o + d]!;
        for (let ki = 0; ki < 3; ki++) {
          const ii = i + ki - 1;
          if (ii < 0 || ii >= h) continue;
          for (let kj = 0; kj < 3; kj++) {
            const jj = j + kj - 1;
            if (jj < 0 || jj >= h) continue;
            const xi = ((n * h + ii) * h + jj) * ci;
            const wi = (ki * 3 + kj) * ci * co;
            for (let c = 0; c < ci; c++) {
              let acc = 0;
              for (let d = 0; d < co; d++) {
                dw[wi + c * co + d] = dw[wi + c * co + d]! + x[xi + c]! * dout[o + d]!;
                acc += w[wi + c * co + d]! * dout[o + d]!;
              }
              if (dx) dx[xi + c] = dx[xi + c]! + acc;
            }
          }
        }
      }
  return [dw, db];
}

/** 2×2 average pool, NHWC. */
function pool64(x: Float64Array, h: number, c: number): Float64Array {
  const g = h / 2;
  const out = new Float64Array(N * g * g * c);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < h; j++)
        for (let k = 0; k < c; k++) {
          const o = ((n * g + (i >> 1)) * g + (j >> 1)) * c + k;
          out[o] = out[o]! + 0.25 * x[((n * h + i) * h + j) * c + k]!;
        }
  return out;
}

function pool64Back(dout: Float64Array, h: number, c: number): Float64Array {
  const g = h / 2;
  const dx = new Float64Array(N * h * h * c);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < h; j++)
        for (let k = 0; k < c; k++) dx[((n * h + i) * h + j) * c + k] = 0.25 * dout[((n * g + (i >> 1)) * g + (j >> 1)) * c + k]!;
  return dx;
}

function reference(): Float64Array[] {
  const d = data();
  const x = Float64Array.from(d.x);
  const z1 = conv64(x, S, 1, d.w1, d.b1, C1);
  const a1 = z1.map((v) => Math.max(v, 0));
  const p1 = pool64(a1, S, C1);
  const z2 = conv64(p1, 14, C1, d.w2, d.b2, C2);
  const a2 = z2.map((v) => Math.max(v, 0));
  const p2 = pool64(a2, 14, C2); // [N, 7, 7, 16] = [N, 784]
  const logits = new Float64Array(N * CLASSES);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < CLASSES; c++) {
      let s = d.bd[c]!;
      for (let k = 0; k < FLAT; k++) s += p2[n * FLAT + k]! * d.wd[k * CLASSES + c]!;
      logits[n * CLASSES + c] = s;
    }
  let loss = 0;
  const dz = new Float64Array(N * CLASSES);
  for (let n = 0; n < N; n++) {
    let m = -Infinity;
    for (let c = 0; c < CLASSES; c++) m = Math.max(m, logits[n * CLASSES + c]!);
    let z = 0;
    for (let c = 0; c < CLASSES; c++) z += Math.exp(logits[n * CLASSES + c]! - m);
    const lse = m + Math.log(z);
    for (let c = 0; c < CLASSES; c++) {
      const i = n * CLASSES + c;
      loss -= (d.y[i]! * (logits[i]! - lse)) / N;
      dz[i] = (Math.exp(logits[i]! - lse) - d.y[i]!) / N;
    }
  }
  const dwd = new Float64Array(FLAT * CLASSES);
  const dbd = new Float64Array(CLASSES);
  const dp2 = new Float64Array(N * FLAT);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < CLASSES; c++) {
      const g = dz[n * CLASSES + c]!;
      dbd[c] = dbd[c]! + g;
      for (let k = 0; k < FLAT; k++) {
        dwd[k * CLASSES + c] = dwd[k * CLASSES + c]! + p2[n * FLAT + k]! * g;
        dp2[n * FLAT + k] = dp2[n * FLAT + k]! + d.wd[k * CLASSES + c]! * g;
      }
    }
  const dz2 = pool64Back(dp2, 14, C2).map((v, i) => (z2[i]! > 0 ? v : 0));
  const dp1 = new Float64Array(p1.length);
  const [dw2, db2] = conv64Back(p1, 14, C1, d.w2, C2, dz2, dp1);
  const dz1 = pool64Back(dp1, S, C1).map((v, i) => (z1[i]! > 0 ? v : 0));
  const [dw1, db1] = conv64Back(x, S, 1, d.w1, C1, dz1);
  return [Float64Array.of(loss), dw1, db1, dw2, db2, dwd, dbd];
}

// ---- fluxion ----

type F32<S extends number[]> = fx.Tensor<S, 'float32'>;
interface FxParams {
  c1: fx.nn.Conv2dParams<3, 3, 1, 8>;
  c2: fx.nn.Conv2dParams<3, 3, 8, 16>;
  d: fx.nn.DenseParams<784, 10>;
}

function fxLoss(p: FxParams, x: F32<[32, 28, 28, 1]>, y: F32<[32, 10]>): F32<[]> {
  const h1 = fx.avgPool(fx.relu(fx.nn.conv2d(p.c1, x)), [2, 2], { strides: 2 });
  const h2 = fx.avgPool(fx.relu(fx.nn.conv2d(p.c2, h1)), [2, 2], { strides: 2 });
  const logits = fx.nn.dense(p.d, fx.reshape(h2, [N, FLAT]) as F32<[32, 784]>);
  return fx.nn.softmaxCrossEntropy(logits, y);
}

function fxSetup(jit: boolean) {
  return () => {
    const d = data();
    const t = <const S extends number[]>(v: Float32Array, shape: S) => fxTensor(v, shape) as unknown as F32<S>;
    const p: FxParams = {
      c1: { w: t(d.w1, [3, 3, 1, 8]), b: t(d.b1, [8]) },
      c2: { w: t(d.w2, [3, 3, 8, 16]), b: t(d.b2, [16]) },
      d: { w: t(d.wd, [784, 10]), b: t(d.bd, [10]) },
    };
    const x = t(d.x, [32, 28, 28, 1]);
    const y = t(d.y, [32, 10]);
    const { step, dispose } = fxVariant(fx.valueAndGrad(fxLoss), jit, [p.c1.w, p.c1.b, p.c2.w, p.c2.b, p.d.w, p.d.b, x, y]);
    return {
      run: () =>
        fx.scope(async () => {
          const [v, g] = step(p, x, y);
          return readFx([v, g.c1.w, g.c1.b, g.c2.w, g.c2.b, g.d.w, g.d.b]);
        }),
      dispose,
    };
  };
}

// ---- TF.js ----

function tfSetup(ctx: Context) {
  for (const k of ['Conv2DBackpropFilter', 'AvgPoolGrad', 'Conv2DBackpropInput']) {
    if (!tf.getKernel(k, ctx.backend)) throw new Unavailable(`tfjs-backend-${ctx.backend} 4.22 registers no \`${k}\` kernel (needed by conv2d's gradient), so TF.js autodiff cannot differentiate this CNN there`);
  }
  const d = data();
  const params = [tf.tensor4d(d.w1, [3, 3, 1, 8]), tf.tensor1d(d.b1), tf.tensor4d(d.w2, [3, 3, 8, 16]), tf.tensor1d(d.b2), tf.tensor2d(d.wd, [FLAT, CLASSES]), tf.tensor1d(d.bd)];
  const x = tf.tensor4d(d.x, [N, S, S, 1]);
  const y = tf.tensor2d(d.y, [N, CLASSES]);
  const loss = (...ps: tf.Tensor[]): tf.Scalar => {
    const [w1, b1, w2, b2, wd, bd] = ps as [tf.Tensor4D, tf.Tensor1D, tf.Tensor4D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
    const h1 = tf.avgPool(tf.relu(tf.add(tf.conv2d(x, w1, 1, 'same'), b1)) as tf.Tensor4D, 2, 2, 'valid');
    const h2 = tf.avgPool(tf.relu(tf.add(tf.conv2d(h1, w2, 1, 'same'), b2)) as tf.Tensor4D, 2, 2, 'valid');
    const logits = tf.add(tf.matMul(tf.reshape(h2, [N, FLAT]) as tf.Tensor2D, wd), bd);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits, -1)), -1)));
  };
  const vg = tf.valueAndGrads(loss);
  return {
    run: async () => {
      const { value, grads } = vg(params);
      return readTf([value, ...grads]);
    },
    dispose: () => [...params, x, y].forEach((t) => t.dispose()),
  };
}

// ---- jax-js (NCHW, OIHW) ----

/** `[kh, kw, i, o]` → `[o, i, kh, kw]` and back. */
function toOihw(w: Float32Array, ci: number, co: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let k = 0; k < 9; k++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[(o * ci + i) * 9 + k] = w[(k * ci + i) * co + o]!;
  return out;
}
function fromOihw(w: Float32Array, ci: number, co: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let k = 0; k < 9; k++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[(k * ci + i) * co + o] = w[(o * ci + i) * 9 + k]!;
  return out;
}
/** Dense rows in (h, w, c) order ↔ (c, h, w) order. */
function hwcToChw(w: Float32Array, back = false): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < 7; h++)
    for (let x = 0; x < 7; x++)
      for (let c = 0; c < C2; c++) {
        const a = ((h * 7 + x) * C2 + c) * CLASSES;
        const b = ((c * 7 + h) * 7 + x) * CLASSES;
        for (let o = 0; o < CLASSES; o++) {
          if (back) out[a + o] = w[b + o]!;
          else out[b + o] = w[a + o]!;
        }
      }
  return out;
}

type A = jax.numpy.Array;
type JP = { w1: A; b1: A; w2: A; b2: A; wd: A; bd: A };

function jaxSetup(jit: boolean) {
  return async (ctx: Context) => {
    await useJaxDevice(ctx.backend);
    const np = jax.numpy;
    const d = data();
    const p: JP = {
      w1: np.array(toOihw(d.w1, 1, C1)).reshape([C1, 1, 3, 3]),
      b1: np.array(d.b1).reshape([1, C1, 1, 1]),
      w2: np.array(toOihw(d.w2, C1, C2)).reshape([C2, C1, 3, 3]),
      b2: np.array(d.b2).reshape([1, C2, 1, 1]),
      wd: np.array(hwcToChw(d.wd)).reshape([FLAT, CLASSES]),
      bd: np.array(d.bd),
    };
    const x = np.array(d.x).reshape([N, 1, S, S]); // C = 1: NHWC and NCHW are the same numbers
    const y = np.array(d.y).reshape([N, CLASSES]);
    const pool = (a: A, c: number, h: number) => a.reshape([N, c, h / 2, 2, h / 2, 2]).mean([3, 5]);
    const loss = (q: JP, xb: A, yb: A) => {
      const h1 = pool(jax.nn.relu(jax.lax.conv(xb, q.w1, [1, 1], 'SAME').add(q.b1)), C1, S);
      const h2 = pool(jax.nn.relu(jax.lax.conv(h1, q.w2, [1, 1], 'SAME').add(q.b2)), C2, 14);
      const logits = np.matmul(h2.reshape([N, FLAT]), q.wd).add(q.bd);
      return yb.mul(jax.nn.logSoftmax(logits, -1)).sum(-1).mean().neg();
    };
    const { step, dispose } = jaxVariant(jax.valueAndGrad(loss), jit, [...Object.values(p), x, y]);
    const refs = (): JP => ({ w1: p.w1.ref, b1: p.b1.ref, w2: p.w2.ref, b2: p.b2.ref, wd: p.wd.ref, bd: p.bd.ref });
    return {
      run: async () => {
        const [v, g] = step(refs(), x.ref, y.ref) as [A, JP];
        const [value, w1, b1, w2, b2, wd, bd] = await readJax([v, g.w1, g.b1, g.w2, g.b2, g.wd, g.bd]);
        return [value!, fromOihw(w1!, 1, C1), b1!, fromOihw(w2!, C1, C2), b2!, hwcToChw(wd!, true), bd!];
      },
      dispose,
    };
  };
}

export const w10: Workload = {
  id: 'W10',
  title: 'small CNN, batch 32 of 28×28×1: conv3×3·8 → relu → avgpool 2 → conv3×3·16 → relu → avgpool 2 → dense 10, softmax cross-entropy: value and grad',
  how: 'fluxion `fx.nn.conv2d` + `fx.relu` + `fx.avgPool` + `fx.nn.dense` (NHWC); TF.js `tf.conv2d`/`tf.avgPool` (NHWC); jax-js `lax.conv` (NCHW, OIHW; parameters permuted on the host, its gradients permuted back) with pooling as reshape + mean.',
  reference,
  impls: everyImpl(fxSetup, tfSetup, jaxSetup),
  skip: {
    cpu: 'in development one iteration took 5.7 s (fluxion eager), 2.7 s (TF.js) and 123 s (jax-js jit, its interpreted cpu device) on tfjs-cpu\'s convolutions; measured on wasm',
    webgpu: 'on the SwiftShader software adapter the heavy workloads are left out (W1 takes 2 s per iteration there)',
  },
};
