/**
 * W12-n: W2's elementwise chain `grad of sum(sin(x)·exp(−x²) + tanh(x)·x)`
 * at n = 1e3, 1e4, 1e5, 1e6 and 4e6 (issue 21): where a compiled
 * elementwise program's fixed cost ends and its per-element speed begins.
 * jit columns and TF.js only (W2 has the eager columns at 1e6). Output: the
 * gradient.
 */
import * as fx from '../../lib/index.js';
import { fxTensor, fxVariant, readFx, uniform } from '../data.js';
import type { Context, Workload } from '../harness.js';
import { jax, jaxVariant, readJax, readTf, tf, useJaxDevice } from '../peers.js';

export const CHAIN_SIZES = [1e3, 1e4, 1e5, 1e6, 4e6] as const;

const label = (n: number) => `1e${Math.log10(n)}`.replace(/^1e(\d+\.\d+)$/, () => `${n / 10 ** Math.floor(Math.log10(n))}e${Math.floor(Math.log10(n))}`);

function chainWorkload(n: number): Workload {
  let x32: Float32Array | undefined;
  const input = () => (x32 ??= uniform(n, 12, -2, 2));
  type Vn = fx.Tensor<[number], 'float32'>;
  const fxChain = (x: Vn) => fx.sum(fx.add(fx.mul(fx.sin(x), fx.exp(fx.neg(fx.mul(x, x)))), fx.mul(fx.tanh(x), x)));
  return {
    id: `W12-${label(n)}`,
    title: `W2's elementwise chain gradient at n = ${n.toLocaleString('en-US')}`,
    reference() {
      const x = input();
      const g = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        const e = Math.exp(-v * v);
        const t = Math.tanh(v);
        g[i] = Math.cos(v) * e - 2 * v * Math.sin(v) * e + t + v * (1 - t * t);
      }
      return [g];
    },
    iterations: n >= 1e6 ? 10 : undefined,
    impls: {
      'fluxion jit': () => {
        const x = fxTensor(input(), [n]) as unknown as Vn;
        const { step, dispose } = fxVariant(fx.grad(fxChain), true, [x]);
        return { run: () => fx.scope(async () => readFx([step(x)])), dispose };
      },
      tfjs: () => {
        const x = tf.tensor1d(input());
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.mul(tf.sin(v), tf.exp(tf.neg(tf.mul(v, v)))), tf.mul(tf.tanh(v), v))));
        return { run: async () => readTf([g(x)]), dispose: () => x.dispose() };
      },
      'jax-js jit': async (ctx: Context) => {
        await useJaxDevice(ctx.backend);
        const np = jax.numpy;
        const x = np.array(input());
        const f = (v: jax.numpy.Array) => np.sin(v.ref).mul(np.exp(v.ref.mul(v.ref).neg())).add(np.tanh(v.ref).mul(v)).sum();
        const { step, dispose } = jaxVariant(jax.grad(f), true, [x]);
        return { run: async () => readJax([step(x.ref) as jax.numpy.Array]), dispose };
      },
    },
    notApplicable: {
      'fluxion eager': 'the series times the jit columns; W2 has the eager ones at n = 1e6',
      'jax-js eager': 'the series times the jit columns; W2 has the eager ones at n = 1e6',
    },
    skip: {
      cpu: 'the series is measured on wasm; W2 covers cpu at n = 1e6',
      webgpu: 'the series is measured on wasm; W2 covers the SwiftShader adapter at n = 1e6',
    },
  };
}

export const w12 = CHAIN_SIZES.map(chainWorkload);
