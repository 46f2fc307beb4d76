/**
 * W4: the Hessian of f(x) = sum(tanh(A x)) + ½|x|², x ∈ R^64 (A is 64×64).
 * Exact: H = Aᵀ diag(−2 tanh(u)(1 − tanh²(u))) A + I with u = A x.
 *
 * TF.js has no Hessian; the closest it offers is reverse-over-reverse: row i
 * is grad(x ↦ ⟨grad f(x), e_i⟩), 64 nested `tf.grad` calls. TF.js 4.22
 * registers tanh's gradient as dy·(1 − y²) with y the saved *output*, which
 * the outer tape treats as a constant, so the second derivative of tanh is
 * silently dropped and TF.js returns H = I.
 * Output: H (64×64).
 */
import * as fx from '../../lib/index.js';
import { fxTensor, fxVariant, normal, readFx, uniform } from '../data.js';
import { everyImpl, type Context, type Workload } from '../harness.js';
import { jax, jaxVariant, readJax, readTf, tf, useJaxDevice } from '../peers.js';

const N = 64;
let cached: { a: Float32Array; x: Float32Array } | undefined;
const data = () => (cached ??= { a: normal(N * N, 4, 2 / Math.sqrt(N)), x: uniform(N, 5, -1, 1) });

function reference(): Float64Array[] {
  const { a, x } = data();
  const s = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let u = 0;
    for (let j = 0; j < N; j++) u += a[i * N + j]! * x[j]!;
    const t = Math.tanh(u);
    s[i] = -2 * t * (1 - t * t);
  }
  const h = new Float64Array(N * N);
  for (let p = 0; p < N; p++) {
    for (let q = 0; q < N; q++) {
      let v = p === q ? 1 : 0;
      for (let i = 0; i < N; i++) v += a[i * N + p]! * s[i]! * a[i * N + q]!;
      h[p * N + q] = v;
    }
  }
  return [h];
}

type M = fx.Tensor<[64, 64], 'float32'>;
type V = fx.Tensor<[64], 'float32'>;

function fxSetup(jit: boolean) {
  return () => {
    const a = fxTensor(data().a, [N, N]) as unknown as M;
    const x = fxTensor(data().x, [N]) as unknown as V;
    const f = (v: V) => fx.add(fx.sum(fx.tanh(fx.dot(a, v))), fx.mul(fx.sum(fx.mul(v, v)), 0.5));
    const { step, dispose } = fxVariant(fx.hessian(f), jit, [a, x]);
    return { run: () => fx.scope(async () => readFx([step(x)])), dispose };
  };
}

function tfSetup() {
  const a = tf.tensor2d(data().a, [N, N]);
  const x = tf.tensor1d(data().x);
  const f = (v: tf.Tensor): tf.Scalar => tf.add(tf.sum(tf.tanh(tf.matMul(a, tf.reshape(v, [N, 1])))), tf.mul(tf.sum(tf.mul(v, v)), 0.5));
  const basis = Array.from({ length: N }, (_, i) => tf.tensor1d(Float32Array.from({ length: N }, (_, j) => (i === j ? 1 : 0))));
  const rows = basis.map((e) => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(v), e))));
  return {
    run: async () => readTf([tf.tidy(() => tf.stack(rows.map((row) => row(x))))]),
    dispose: () => [a, x, ...basis].forEach((t) => t.dispose()),
  };
}

function jaxSetup(jit: boolean) {
  return async (ctx: Context) => {
    await useJaxDevice(ctx.backend, 'one iteration took 14–20 s (jit) and 1.5–2.2 s (eager) there in development');
    const np = jax.numpy;
    const a = np.array(data().a).reshape([N, N]);
    const x = np.array(data().x);
    const f = (v: jax.numpy.Array) => np.tanh(np.matmul(a.ref, v.ref)).sum().add(v.ref.mul(v).sum().mul(0.5));
    const { step, dispose } = jaxVariant(jax.hessian(f), jit, [a, x]);
    return { run: async () => readJax([step(x.ref) as jax.numpy.Array]), dispose };
  };
}

export const w4: Workload = {
  id: 'W4',
  title: 'Hessian of sum(tanh(A x)) + ½|x|², x ∈ R^64',
  how: 'fluxion `fx.hessian`, jax-js `hessian` (jacfwd of grad); TF.js has no Hessian, so 64 reverse-over-reverse rows `grad(x ↦ ⟨grad f(x), e_i⟩)`.',
  reference,
  impls: everyImpl(fxSetup, tfSetup, jaxSetup),
  expectedWrong: {
    tfjs: "TF.js 4.22's tanh gradient uses the saved output y as a constant, so grad-of-grad drops tanh's curvature (returns I)",
  },
};
