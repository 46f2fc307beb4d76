/**
 * W1: value and gradient of a 784-512-512-10 tanh MLP with softmax
 * cross-entropy (mean over a batch of 128), with respect to all six
 * parameters. Outputs: the loss, then the gradients w1 b1 w2 b2 w3 b3.
 */
import * as fx from '../../lib/index.js';
import { fxTensor, fxVariant, matmul64, normal, readFx, rng, transpose64, uniform } from '../data.js';
import { everyImpl, type Workload } from '../harness.js';
import { jax, jaxVariant, readJax, readTf, tf, useJaxDevice } from '../peers.js';

const B = 128;
const D = [784, 512, 512, 10] as const;

interface Data {
  x: Float32Array;
  y: Float32Array; // one-hot labels
  w: Float32Array[]; // w1, w2, w3
  b: Float32Array[]; // b1, b2, b3
}

let cached: Data | undefined;
export function data(): Data {
  if (cached) return cached;
  const r = rng(11);
  const y = new Float32Array(B * 10);
  for (let i = 0; i < B; i++) y[i * 10 + Math.floor(r() * 10)] = 1;
  cached = {
    x: uniform(B * D[0], 1, 0, 1),
    y,
    w: [0, 1, 2].map((l) => normal(D[l]! * D[l + 1]!, 20 + l, 1 / Math.sqrt(D[l]!))),
    b: [0, 1, 2].map((l) => normal(D[l + 1]!, 30 + l, 0.1)),
  };
  return cached;
}

/** Float64 forward and hand-written backward pass. */
function reference(): Float64Array[] {
  const { x, y, w, b } = data();
  const acts: Float64Array[] = [Float64Array.from(x)];
  for (let l = 0; l < 3; l++) {
    const a = matmul64(acts[l]!, w[l]!, B, D[l]!, D[l + 1]!);
    for (let i = 0; i < B; i++) for (let j = 0; j < D[l + 1]!; j++) a[i * D[l + 1]! + j] = a[i * D[l + 1]! + j]! + b[l]![j]!;
    if (l < 2) for (let i = 0; i < a.length; i++) a[i] = Math.tanh(a[i]!);
    acts.push(a);
  }
  const z = acts[3]!;
  let loss = 0;
  const dz = new Float64Array(B * 10);
  for (let i = 0; i < B; i++) {
    let m = -Infinity;
    for (let c = 0; c < 10; c++) m = Math.max(m, z[i * 10 + c]!);
    let s = 0;
    for (let c = 0; c < 10; c++) s += Math.exp(z[i * 10 + c]! - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < 10; c++) {
      loss -= (y[i * 10 + c]! * (z[i * 10 + c]! - lse)) / B;
      dz[i * 10 + c] = (Math.exp(z[i * 10 + c]! - lse) - y[i * 10 + c]!) / B;
    }
  }
  const grads: Float64Array[] = [];
  let delta: Float64Array = dz;
  for (let l = 2; l >= 0; l--) {
    const nIn = D[l]!;
    const nOut = D[l + 1]!;
    const dw = matmul64(transpose64(acts[l]!, B, nIn), delta, nIn, B, nOut);
    const db = new Float64Array(nOut);
    for (let i = 0; i < B; i++) for (let j = 0; j < nOut; j++) db[j] = db[j]! + delta[i * nOut + j]!;
    grads.unshift(dw, db);
    if (l > 0) {
      const dh = matmul64(delta, transpose64(w[l]!, nIn, nOut), B, nOut, nIn);
      const h = acts[l]!;
      for (let i = 0; i < dh.length; i++) dh[i] = dh[i]! * (1 - h[i]! * h[i]!);
      delta = dh;
    }
  }
  return [Float64Array.of(loss), ...grads];
}

export type Params = {
  w1: fx.Tensor<[784, 512], 'float32'>;
  b1: fx.Tensor<[512], 'float32'>;
  w2: fx.Tensor<[512, 512], 'float32'>;
  b2: fx.Tensor<[512], 'float32'>;
  w3: fx.Tensor<[512, 10], 'float32'>;
  b3: fx.Tensor<[10], 'float32'>;
};
export type X = fx.Tensor<[128, 784], 'float32'>;
export type Y = fx.Tensor<[128, 10], 'float32'>;

export function fxLoss(p: Params, x: X, y: Y): fx.Tensor<[], 'float32'> {
  const h1 = fx.tanh(fx.add(fx.matmul(x, p.w1), p.b1));
  const h2 = fx.tanh(fx.add(fx.matmul(h1, p.w2), p.b2));
  const z = fx.add(fx.matmul(h2, p.w3), p.b3);
  return fx.neg(fx.mean(fx.sum(fx.mul(y, fx.logSoftmax(z, 1)), 1)));
}

/** W1's parameters and batch as fluxion tensors (fresh). */
export function fxMlpInputs(): [Params, X, Y] {
  const d = data();
  const p = {
    w1: fxTensor(d.w[0]!, [784, 512]),
    b1: fxTensor(d.b[0]!, [512]),
    w2: fxTensor(d.w[1]!, [512, 512]),
    b2: fxTensor(d.b[1]!, [512]),
    w3: fxTensor(d.w[2]!, [512, 10]),
    b3: fxTensor(d.b[2]!, [10]),
  } as unknown as Params;
  return [p, fxTensor(d.x, [B, 784]) as unknown as X, fxTensor(d.y, [B, 10]) as unknown as Y];
}

function fxSetup(jit: boolean) {
  return () => {
    const [p, x, y] = fxMlpInputs();
    const { step, dispose } = fxVariant(fx.valueAndGrad(fxLoss), jit, [...Object.values(p), x, y]);
    return {
      run: () =>
        fx.scope(async () => {
          const [v, g] = step(p, x, y);
          return readFx([v, g.w1, g.b1, g.w2, g.b2, g.w3, g.b3]);
        }),
      dispose,
    };
  };
}

function tfSetup() {
  const d = data();
  const params = [
    tf.tensor2d(d.w[0]!, [784, 512]),
    tf.tensor1d(d.b[0]!),
    tf.tensor2d(d.w[1]!, [512, 512]),
    tf.tensor1d(d.b[1]!),
    tf.tensor2d(d.w[2]!, [512, 10]),
    tf.tensor1d(d.b[2]!),
  ];
  const x = tf.tensor2d(d.x, [B, 784]);
  const y = tf.tensor2d(d.y, [B, 10]);
  const loss = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor, w3: tf.Tensor, b3: tf.Tensor): tf.Scalar => {
    const h1 = tf.tanh(tf.add(tf.matMul(x, w1 as tf.Tensor2D), b1));
    const h2 = tf.tanh(tf.add(tf.matMul(h1 as tf.Tensor2D, w2 as tf.Tensor2D), b2));
    const z = tf.add(tf.matMul(h2 as tf.Tensor2D, w3 as tf.Tensor2D), b3);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(z, 1)), 1)));
  };
  const vg = tf.valueAndGrads(loss as (...a: tf.Tensor[]) => tf.Scalar);
  return {
    run: async () => {
      const { value, grads } = vg(params);
      return readTf([value, ...grads]);
    },
    dispose: () => [...params, x, y].forEach((t) => t.dispose()),
  };
}

export type JP = { w1: jax.numpy.Array; b1: jax.numpy.Array; w2: jax.numpy.Array; b2: jax.numpy.Array; w3: jax.numpy.Array; b3: jax.numpy.Array };

/** W1's loss in jax-js. jax-js owns arguments: every use consumes one reference (`.ref` adds one). */
export function jaxMlpLoss(q: JP, xb: jax.numpy.Array, yb: jax.numpy.Array): jax.numpy.Array {
  const np = jax.numpy;
  const h1 = np.tanh(np.matmul(xb, q.w1).add(q.b1));
  const h2 = np.tanh(np.matmul(h1, q.w2).add(q.b2));
  const z = np.matmul(h2, q.w3).add(q.b3);
  return yb.mul(jax.nn.logSoftmax(z, 1)).sum(1).mean().neg();
}

/** W1's parameters and batch as jax-js arrays (fresh). */
export function jaxMlpInputs(): [JP, jax.numpy.Array, jax.numpy.Array] {
  const np = jax.numpy;
  const d = data();
  const p: JP = {
    w1: np.array(d.w[0]!).reshape([784, 512]),
    b1: np.array(d.b[0]!),
    w2: np.array(d.w[1]!).reshape([512, 512]),
    b2: np.array(d.b[1]!),
    w3: np.array(d.w[2]!).reshape([512, 10]),
    b3: np.array(d.b[2]!),
  };
  return [p, np.array(d.x).reshape([B, 784]), np.array(d.y).reshape([B, 10])];
}

function jaxSetup(jit: boolean) {
  return async (ctx: { backend: 'cpu' | 'wasm' | 'webgpu' }) => {
    await useJaxDevice(ctx.backend, 'its first W1 iteration had not finished after 8 minutes in development');
    const [p, x, y] = jaxMlpInputs();
    const { step, dispose } = jaxVariant(jax.valueAndGrad(jaxMlpLoss), jit, [...Object.values(p), x, y]);
    const refs = (): JP => ({ w1: p.w1.ref, b1: p.b1.ref, w2: p.w2.ref, b2: p.b2.ref, w3: p.w3.ref, b3: p.b3.ref });
    return {
      run: async () => {
        const [v, g] = step(refs(), x.ref, y.ref) as [jax.numpy.Array, JP];
        return readJax([v, g.w1, g.b1, g.w2, g.b2, g.w3, g.b3]);
      },
      dispose,
    };
  };
}

export const w1: Workload = {
  id: 'W1',
  title: 'MLP 784-512-512-10, batch 128, tanh + softmax cross-entropy: value and grad',
  how: "TF.js's matMul gradient multiplies with tfjs's `transposeA`/`transposeB` flags, which tfjs-wasm runs ~20× slower than an explicit transpose and a plain product (DESIGN.md, Kernel facts); fluxion's transpose rule uses the explicit form.",
  reference,
  impls: everyImpl(fxSetup, tfSetup, jaxSetup),
};
