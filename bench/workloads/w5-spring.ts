/**
 * W5: a 1-D mass-spring chain, 100 particles, 200 semi-implicit Euler steps;
 * the gradient of a terminal loss with respect to the 99 spring stiffnesses.
 *
 *     e = x[1:] − x[:−1] − L;  f = k·e;  F = pad(f, [0, 1]) − pad(f, [1, 0])
 *     v ← v + dt·(F − c·v);    x ← x + dt·v
 *     loss = Σ (x_T − target)²
 *
 * Outputs: the loss, then d loss / d k. The program is also W7's subject.
 */
import * as fx from '../../lib/index.js';
import { fxTensor, fxVariant, readFx, uniform } from '../data.js';
import type { Context, Workload } from '../harness.js';
import { jax, jaxVariant, readJax, readTf, tf, useJaxDevice } from '../peers.js';

export const PARTICLES = 100;
export const STEPS = 200;
const S = PARTICLES - 1;
const L = 1;
const DT = 0.01;
const DAMPING = 0.1;

let cached: { k: Float32Array; x0: Float32Array; target: Float32Array } | undefined;
export function springData() {
  if (cached) return cached;
  const noise = uniform(PARTICLES, 7, -0.1, 0.1);
  return (cached = {
    k: uniform(S, 6, 0.5, 1.5),
    x0: Float32Array.from(noise, (n, i) => i * L + n),
    target: Float32Array.from({ length: PARTICLES }, (_, i) => 1.05 * i * L),
  });
}

/** Float64 simulation with forward-mode sensitivities d x / d k_j for all 99 j. */
function reference(): Float64Array[] {
  const { k, x0, target } = springData();
  const x = Float64Array.from(x0);
  const v = new Float64Array(PARTICLES);
  // dx[j][i] = ∂x_i/∂k_j, likewise dv
  const dx = Array.from({ length: S }, () => new Float64Array(PARTICLES));
  const dv = Array.from({ length: S }, () => new Float64Array(PARTICLES));
  const e = new Float64Array(S);
  const F = new Float64Array(PARTICLES);
  const dF = new Float64Array(PARTICLES);
  for (let t = 0; t < STEPS; t++) {
    for (let s = 0; s < S; s++) e[s] = x[s + 1]! - x[s]! - L;
    F.fill(0);
    for (let s = 0; s < S; s++) {
      const f = k[s]! * e[s]!;
      F[s] = F[s]! + f;
      F[s + 1] = F[s + 1]! - f;
    }
    for (let j = 0; j < S; j++) {
      const dxj = dx[j]!;
      const dvj = dv[j]!;
      dF.fill(0);
      for (let s = 0; s < S; s++) {
        const df = k[s]! * (dxj[s + 1]! - dxj[s]!) + (s === j ? e[s]! : 0);
        dF[s] = dF[s]! + df;
        dF[s + 1] = dF[s + 1]! - df;
      }
      for (let i = 0; i < PARTICLES; i++) {
        dvj[i] = dvj[i]! + DT * (dF[i]! - DAMPING * dvj[i]!);
        dxj[i] = dxj[i]! + DT * dvj[i]!;
      }
    }
    for (let i = 0; i < PARTICLES; i++) {
      v[i] = v[i]! + DT * (F[i]! - DAMPING * v[i]!);
      x[i] = x[i]! + DT * v[i]!;
    }
  }
  let loss = 0;
  const g = new Float64Array(S);
  for (let i = 0; i < PARTICLES; i++) {
    const r = x[i]! - target[i]!;
    loss += r * r;
    for (let j = 0; j < S; j++) g[j] = g[j]! + 2 * r * dx[j]![i]!;
  }
  return [Float64Array.of(loss), g];
}

type K = fx.Tensor<[99], 'float32'>;
type P = fx.Tensor<[100], 'float32'>;

/** One Euler step of the chain (fluxion). */
export function fxStep(k: K, x: P, v: P): [P, P] {
  const e = fx.sub(fx.sub(fx.slice(x, [1], [S]), fx.slice(x, [0], [S])), L);
  const f = fx.mul(k, e);
  const force = fx.sub(fx.pad(f, [[0, 1]]), fx.pad(f, [[1, 0]])) as unknown as P;
  const v2 = fx.add(v, fx.mul(fx.sub(force, fx.mul(v, DAMPING)), DT));
  return [fx.add(x, fx.mul(v2, DT)), v2];
}

/** The loss after `STEPS` steps; `segment` > 0 wraps every `segment` steps in `fx.checkpoint`. */
export function fxSimulation(segment = 0) {
  const block = (n: number) => (k: K, x: P, v: P): [P, P] => {
    for (let i = 0; i < n; i++) [x, v] = fxStep(k, x, v);
    return [x, v];
  };
  const seg = segment > 0 ? fx.checkpoint(block(segment)) : undefined;
  return (k: K, x0: P, target: P): fx.Tensor<[], 'float32'> => {
    let x = x0;
    let v = fx.zeros([PARTICLES]) as unknown as P;
    if (seg) for (let t = 0; t < STEPS; t += segment) [x, v] = seg(k, x, v);
    else [x, v] = block(STEPS)(k, x, v);
    const r = fx.sub(x, target);
    return fx.sum(fx.mul(r, r));
  };
}

function fxSetup(jit: boolean) {
  return () => {
    const d = springData();
    const k = fxTensor(d.k, [S]) as unknown as K;
    const x0 = fxTensor(d.x0, [PARTICLES]) as unknown as P;
    const target = fxTensor(d.target, [PARTICLES]) as unknown as P;
    const { step, dispose } = fxVariant(fx.valueAndGrad(fxSimulation()), jit, [k, x0, target]);
    return {
      run: () =>
        fx.scope(async () => {
          const [value, g] = step(k, x0, target);
          return readFx([value, g]);
        }),
      dispose,
    };
  };
}

/** The simulation in TF.js ops (used by W5 and W7). */
export function tfSimulation(x0: tf.Tensor, target: tf.Tensor) {
  return (k: tf.Tensor): tf.Scalar => {
    let x = x0;
    let v: tf.Tensor = tf.zeros([PARTICLES]);
    for (let t = 0; t < STEPS; t++) {
      const e = tf.sub(tf.sub(tf.slice(x, 1, S), tf.slice(x, 0, S)), L);
      const f = tf.mul(k, e);
      const force = tf.sub(tf.pad(f, [[0, 1]]), tf.pad(f, [[1, 0]]));
      v = tf.add(v, tf.mul(tf.sub(force, tf.mul(v, DAMPING)), DT));
      x = tf.add(x, tf.mul(v, DT));
    }
    const r = tf.sub(x, target);
    return tf.sum(tf.mul(r, r));
  };
}

function tfSetup() {
  const d = springData();
  const k = tf.tensor1d(d.k);
  const x0 = tf.tensor1d(d.x0);
  const target = tf.tensor1d(d.target);
  const vg = tf.valueAndGrad(tfSimulation(x0, target));
  return {
    run: async () => {
      const { value, grad } = vg(k);
      return readTf([value, grad]);
    },
    dispose: () => [k, x0, target].forEach((t) => t.dispose()),
  };
}

function jaxSetup(jit: boolean) {
  return async (ctx: Context) => {
    await useJaxDevice(ctx.backend, 'W5 is 100× the op count of W3; W2 already takes 32 s per iteration there');
    const np = jax.numpy;
    const d = springData();
    const k = np.array(d.k);
    const x0 = np.array(d.x0);
    const target = np.array(d.target);
    type A = jax.numpy.Array;
    const loss = (kk: A, xs: A, tg: A) => {
      let x = xs;
      let v = np.zeros([PARTICLES]);
      for (let t = 0; t < STEPS; t++) {
        const e = x.ref.slice([1, PARTICLES]).sub(x.ref.slice([0, S])).sub(L);
        const f = kk.ref.mul(e);
        const force = np.pad(f.ref, [[0, 1]]).sub(np.pad(f, [[1, 0]]));
        v = v.ref.add(force.sub(v.mul(DAMPING)).mul(DT));
        x = x.add(v.ref.mul(DT));
      }
      kk.dispose();
      v.dispose();
      const r = x.sub(tg);
      return r.ref.mul(r).sum();
    };
    const { step, dispose } = jaxVariant(jax.valueAndGrad(loss), jit, [k, x0, target]);
    return { run: async () => readJax(step(k.ref, x0.ref, target.ref) as [A, A]), dispose };
  };
}

export const w5: Workload = {
  id: 'W5',
  title: 'mass-spring chain, 100 particles × 200 Euler steps: loss and grad w.r.t. 99 stiffnesses',
  how: 'The 200 steps are an unrolled TypeScript loop in every framework (jax-js has no `fori_loop`/`scan`); semi-implicit Euler, loss Σ(x_T − target)².',
  reference,
  impls: {
    'fluxion eager': fxSetup(false),
    'fluxion jit': fxSetup(true),
    tfjs: tfSetup,
    'jax-js jit': jaxSetup(true),
  },
  notApplicable: {
    'jax-js eager':
      'not run: eager jax-js valueAndGrad of the 200-step loop took 38–43 s per iteration in development (wasm, loaded machine), too slow for the 10-minute budget; jit is its intended path',
  },
};
