/**
 * W6: raw matmul, n×n @ n×n for n = 512 and 1024 — the overhead ceiling.
 * "fluxion eager" is `fx.matmul` (shape rule, dispatch, wrapper) and "tfjs"
 * is `tf.matMul` called directly: the same kernel, so their ratio is
 * fluxion's per-call overhead. Every iteration reads the whole product back;
 * rows 0, 64, 128, … are compared with a float64 reference.
 */
import * as fx from '../../lib/index.js';
import { fxTensor, fxVariant, readFx, uniform } from '../data.js';
import { everyImpl, type Context, type Workload } from '../harness.js';
import { jax, jaxVariant, tf, useJaxDevice } from '../peers.js';

const STRIDE = 64;

function make(n: number): Workload {
  let cached: { a: Float32Array; b: Float32Array } | undefined;
  const data = () => (cached ??= { a: uniform(n * n, 100 + n, -1, 1), b: uniform(n * n, 200 + n, -1, 1) });
  const rows = Array.from({ length: n / STRIDE }, (_, i) => i * STRIDE);
  /** The compared rows of a full product. */
  const sample = (c: ArrayLike<number>) => {
    const out = new Float32Array(rows.length * n);
    rows.forEach((r, i) => {
      for (let j = 0; j < n; j++) out[i * n + j] = c[r * n + j]!;
    });
    return [out];
  };
  const reference = () => {
    const { a, b } = data();
    const out = new Float64Array(rows.length * n);
    rows.forEach((r, i) => {
      for (let p = 0; p < n; p++) {
        const av = a[r * n + p]!;
        for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + av * b[p * n + j]!;
      }
    });
    return [out];
  };
  type Mat = fx.Tensor<[number, number], 'float32'>;
  const fxSetup = (jit: boolean) => () => {
    const a = fxTensor(data().a, [n, n]) as unknown as Mat;
    const b = fxTensor(data().b, [n, n]) as unknown as Mat;
    const { step, dispose } = fxVariant((x: Mat, y: Mat) => fx.matmul(x, y), jit, [a, b]);
    return {
      run: async () => {
        const c = step(a, b);
        const [flat] = await readFx([c]);
        c.dispose();
        return sample(flat!);
      },
      dispose,
    };
  };
  const tfSetup = () => {
    const a = tf.tensor2d(data().a, [n, n]);
    const b = tf.tensor2d(data().b, [n, n]);
    return {
      run: async () => {
        const c = tf.matMul(a, b);
        const flat = await c.data();
        c.dispose();
        return sample(flat as Float32Array);
      },
      dispose: () => [a, b].forEach((t) => t.dispose()),
    };
  };
  const jaxSetup = (jit: boolean) => async (ctx: Context) => {
    await useJaxDevice(ctx.backend, `an interpreted ${n}³ matmul; W2 (far fewer flops) takes 32 s per iteration there`);
    const np = jax.numpy;
    const a = np.array(data().a).reshape([n, n]);
    const b = np.array(data().b).reshape([n, n]);
    const { step, dispose } = jaxVariant((x: jax.numpy.Array, y: jax.numpy.Array) => np.matmul(x, y), jit, [a, b]);
    return { run: async () => sample(await (step(a.ref, b.ref) as jax.numpy.Array).data()), dispose };
  };
  return {
    id: `W6-${n}`,
    title: `matmul ${n}×${n} @ ${n}×${n} (GFLOP/s = 2n³ / median)`,
    how: n === 512 ? '"fluxion eager" is `fx.matmul`, "TF.js" is `tf.matMul` called directly: the same kernel, so their ratio is fluxion\'s per-call overhead.' : undefined,
    reference,
    derive: (ms) => `${((2 * n ** 3) / (ms * 1e6)).toFixed(2)} GFLOP/s`,
    skip:
      n > 512
        ? { cpu: `2.1 GFLOP per iteration at tfjs-cpu's ≤ 0.9 GFLOP/s is ≥ 2.4 s per call (7 s on the loaded machine in development); fluxion's per-call overhead on cpu is measured at 512` }
        : undefined,
    impls: everyImpl(fxSetup, tfSetup, jaxSetup),
  };
}

export const w6: Workload[] = [make(512), make(1024)];
