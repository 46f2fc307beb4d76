/**
 * W2: the gradient of a 1,000,000-element elementwise chain
 * `sum(sin(x)·exp(−x²) + tanh(x)·x)`. Output: the gradient.
 */
import * as fx from '../../lib/index.js';
import { fxTensor, fxVariant, readFx, uniform } from '../data.js';
import { everyImpl, type Context, type Workload } from '../harness.js';
import { jax, jaxVariant, readJax, readTf, tf, useJaxDevice } from '../peers.js';

const N = 1_000_000;
let x32: Float32Array | undefined;
const input = () => (x32 ??= uniform(N, 2, -2, 2));

function reference(): Float64Array[] {
  const x = input();
  const g = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const v = x[i]!;
    const e = Math.exp(-v * v);
    const t = Math.tanh(v);
    g[i] = Math.cos(v) * e - 2 * v * Math.sin(v) * e + t + v * (1 - t * t);
  }
  return [g];
}

type V = fx.Tensor<[1000000], 'float32'>;
const fxChain = (x: V) => fx.sum(fx.add(fx.mul(fx.sin(x), fx.exp(fx.neg(fx.mul(x, x)))), fx.mul(fx.tanh(x), x)));

function fxSetup(jit: boolean) {
  return () => {
    const x = fxTensor(input(), [N]) as unknown as V;
    const { step, dispose } = fxVariant(fx.grad(fxChain), jit, [x]);
    return { run: () => fx.scope(async () => readFx([step(x)])), dispose };
  };
}

function tfSetup() {
  const x = tf.tensor1d(input());
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.mul(tf.sin(v), tf.exp(tf.neg(tf.mul(v, v)))), tf.mul(tf.tanh(v), v))));
  return { run: async () => readTf([g(x)]), dispose: () => x.dispose() };
}

function jaxSetup(jit: boolean) {
  return async (ctx: Context) => {
    await useJaxDevice(ctx.backend, 'one W2 iteration took 32 s (jit) and 49 s (eager) in development');
    const np = jax.numpy;
    const x = np.array(input());
    const f = (v: jax.numpy.Array) => np.sin(v.ref).mul(np.exp(v.ref.mul(v.ref).neg())).add(np.tanh(v.ref).mul(v)).sum();
    const { step, dispose } = jaxVariant(jax.grad(f), jit, [x]);
    return { run: async () => readJax([step(x.ref) as jax.numpy.Array]), dispose };
  };
}

export const w2: Workload = {
  id: 'W2',
  title: 'grad of sum(sin(x)·exp(−x²) + tanh(x)·x), 1,000,000 elements',
  reference,
  impls: everyImpl(fxSetup, tfSetup, jaxSetup),
};
