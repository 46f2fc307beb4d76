/**
 * W3: the seed's loop-with-branch program on 10 elements — per-op overhead.
 *
 *     y = 0; for i < 10: if x[i] > 0: y += x[i]·x[i] else y -= x[i]
 *
 * fluxion eager and TF.js differentiate the host branch as written (the
 * executed path). Under `jit` a traced value cannot steer a host `if`, and
 * jax-js tracers cannot be read on the host at all (no `dataSync` on a
 * tracer), so fluxion jit and jax-js (eager and jit) run the same loop with
 * the branch as a select: `y += where(x[i] > 0, x[i]², −x[i])`.
 * On webgpu, Node has no synchronous readback: the host-branching versions
 * read x once asynchronously per iteration and branch on that copy.
 * Outputs: the value, then the gradient.
 */
import * as fx from '../../lib/index.js';
import { readFx } from '../data.js';
import type { Context, Workload } from '../harness.js';
import { jax, jaxVariant, readJax, readTf, tf, useJaxDevice } from '../peers.js';

const X = [0.5, -1.25, 2, -0.3, 0.7, 1.1, -2.2, 0.05, -0.6, 1.9];
const x32 = Float32Array.from(X);

function reference(): Float64Array[] {
  let y = 0;
  const g = new Float64Array(10);
  x32.forEach((v, i) => {
    if (v > 0) {
      y += v * v;
      g[i] = 2 * v;
    } else {
      y -= v;
      g[i] = -1;
    }
  });
  return [Float64Array.of(y), g];
}

type V = fx.Tensor<[10], 'float32'>;

/** The seed's program, branching on the host (`item()` reads the known primal under grad). */
function seedProgram(x: V, host?: Float32Array): fx.Tensor<[], 'float32'> {
  let y: fx.Tensor<[], 'float32'> = fx.scalar(0);
  for (let i = 0; i < 10; i++) {
    const xi = fx.take(x, i);
    if ((host ? host[i]! : xi.item()) > 0) y = fx.add(y, fx.mul(xi, xi));
    else y = fx.sub(y, xi);
  }
  return y;
}

/** The same loop with the branch as a select, which jit can stage. */
function selectProgram(x: V): fx.Tensor<[], 'float32'> {
  let y: fx.Tensor<[], 'float32'> = fx.scalar(0);
  for (let i = 0; i < 10; i++) {
    const xi = fx.take(x, i);
    y = fx.add(y, fx.where(fx.greater(xi, 0), fx.mul(xi, xi), fx.neg(xi)));
  }
  return y;
}

function fxEager(ctx: Context) {
  const x = fx.tensor(x32) as unknown as V;
  const vg = fx.valueAndGrad(seedProgram);
  const gpu = ctx.backend === 'webgpu';
  return {
    run: () =>
      fx.scope(async () => {
        const host = gpu ? ((await x.data()) as Float32Array) : undefined;
        const [v, g] = vg(x, host);
        return readFx([v, g]);
      }),
    dispose: () => x.dispose(),
  };
}

function fxJit() {
  const x = fx.tensor(x32) as unknown as V;
  const step = fx.jit(fx.valueAndGrad(selectProgram));
  return {
    run: () =>
      fx.scope(async () => {
        const [v, g] = step(x);
        return readFx([v, g]);
      }),
    dispose() {
      step.clear();
      x.dispose();
    },
  };
}

function tfSetup(ctx: Context) {
  const x = tf.tensor1d(x32);
  const gpu = ctx.backend === 'webgpu';
  let host: Float32Array | undefined;
  const f = (v: tf.Tensor): tf.Scalar => {
    let y: tf.Tensor = tf.scalar(0);
    for (let i = 0; i < 10; i++) {
      const vi = tf.slice(v, i, 1);
      if ((host ? host[i]! : vi.dataSync()[0]!) > 0) y = tf.add(y, tf.mul(vi, vi));
      else y = tf.sub(y, vi);
    }
    return tf.sum(y);
  };
  const vg = tf.valueAndGrad(f);
  return {
    run: async () => {
      host = gpu ? ((await x.data()) as Float32Array) : undefined;
      const { value, grad } = tf.tidy(() => vg(x));
      return readTf([value, grad]);
    },
    dispose: () => x.dispose(),
  };
}

function jaxSetup(jit: boolean) {
  return async (ctx: Context) => {
    await useJaxDevice(ctx.backend);
    const np = jax.numpy;
    const x = np.array(x32);
    const f = (v: jax.numpy.Array) => {
      let y = np.array(0);
      for (let i = 0; i < 10; i++) {
        const vi = v.ref.slice(i);
        y = y.add(np.where(vi.ref.greater(0), vi.ref.mul(vi.ref), vi.neg()));
      }
      v.dispose();
      return y;
    };
    const { step, dispose } = jaxVariant(jax.valueAndGrad(f), jit, [x]);
    return { run: async () => readJax(step(x.ref) as [jax.numpy.Array, jax.numpy.Array]), dispose };
  };
}

export const w3: Workload = {
  id: 'W3',
  title: "the seed's loop with a branch, 10 elements: value and grad (per-op overhead)",
  how: 'fluxion eager and TF.js differentiate the host `if` as written (the executed path). A traced value cannot steer a host `if` under fluxion jit, and jax-js tracers cannot be read on the host at all, so fluxion jit and jax-js (eager and jit) run the same loop with the branch as a select, `where(x[i] > 0, x[i]², −x[i])`. On webgpu (no synchronous readback in Node) the host-branching versions read x once asynchronously per iteration and branch on that copy.',
  reference,
  impls: {
    'fluxion eager': fxEager,
    'fluxion jit': fxJit,
    tfjs: tfSetup,
    'jax-js jit': jaxSetup(true),
    'jax-js eager': jaxSetup(false),
  },
};
