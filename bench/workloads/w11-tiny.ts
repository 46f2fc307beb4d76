/**
 * W11: a tiny program — per-call overhead (issue 21). The value and gradient
 * of 200 elementwise ops on a [4]-vector, each using the previous value once
 * (25 × sin, ·1.8, cos, ·1.9, +0.4, tanh, ·2.2, sin), then `sum`. Outputs:
 * the value, then the gradient.
 *
 * (A first version reused x in every step, `x ← x + 0.1·g(1.3x)`: jax-js's
 * jit did not finish compiling it in minutes and grew to 4 GB — its
 * elementwise fusion seems to inline the expression DAG as a tree.)
 * The work is ~1,000 flops: what is timed is dispatch (eager) or a compiled
 * program's per-call cost (jit).
 */
import * as fx from '../../lib/index.js';
import { fxTensor, fxVariant, readFx } from '../data.js';
import { everyImpl, type Context, type Workload } from '../harness.js';
import { jax, jaxVariant, readJax, readTf, tf, useJaxDevice } from '../peers.js';

/** The 8-op cycle, repeated 25 times: 200 ops, each using the previous value once. */
const CYCLE = [['sin'], ['mul', 1.8], ['cos'], ['mul', 1.9], ['add', 0.4], ['tanh'], ['mul', 2.2], ['sin']] as const;
export const OPS = 200;
const X0 = Float32Array.from([0.3, -0.7, 1.1, -1.6]);

/** Float64 value and forward-mode derivative (the map is elementwise, so dx_i/dx0_i is the gradient). */
function reference(): Float64Array[] {
  let value = 0;
  const grad = new Float64Array(4);
  X0.forEach((x0, i) => {
    let x = x0;
    let dx = 1;
    for (let k = 0; k < OPS; k++) {
      const [op, c] = CYCLE[k % CYCLE.length]! as readonly [string, number?];
      if (op === 'mul') [x, dx] = [x * c!, dx * c!];
      else if (op === 'add') x += c!;
      else if (op === 'sin') [x, dx] = [Math.sin(x), dx * Math.cos(x)];
      else if (op === 'cos') [x, dx] = [Math.cos(x), -dx * Math.sin(x)];
      else [x, dx] = [Math.tanh(x), dx * (1 - Math.tanh(x) ** 2)];
    }
    value += x;
    grad[i] = dx;
  });
  return [Float64Array.of(value), grad];
}

/** Applies the chain with one framework's ops. */
function chain<T>(x: T, ops: { sin(x: T): T; cos(x: T): T; tanh(x: T): T; mul(x: T, c: number): T; add(x: T, c: number): T }): T {
  for (let k = 0; k < OPS; k++) {
    const [op, c] = CYCLE[k % CYCLE.length]! as readonly [string, number?];
    x = op === 'mul' ? ops.mul(x, c!) : op === 'add' ? ops.add(x, c!) : op === 'sin' ? ops.sin(x) : op === 'cos' ? ops.cos(x) : ops.tanh(x);
  }
  return x;
}

type V = fx.Tensor<[4], 'float32'>;

function fxTiny(x: V): fx.Tensor<[], 'float32'> {
  return fx.sum(chain(x, { sin: fx.sin, cos: fx.cos, tanh: fx.tanh, mul: (a, c) => fx.mul(a, c), add: (a, c) => fx.add(a, c) }));
}

function fxSetup(jit: boolean) {
  return () => {
    const x = fxTensor(X0, [4]) as unknown as V;
    const { step, dispose } = fxVariant(fx.valueAndGrad(fxTiny), jit, [x]);
    return {
      run: () =>
        fx.scope(async () => {
          const [v, g] = step(x);
          return readFx([v, g]);
        }),
      dispose,
    };
  };
}

function tfSetup() {
  const x = tf.tensor1d(X0);
  const vg = tf.valueAndGrad((v: tf.Tensor) => tf.sum(chain(v, { sin: tf.sin, cos: tf.cos, tanh: tf.tanh, mul: (a, c) => tf.mul(a, c), add: (a, c) => tf.add(a, c) })));
  return {
    run: async () => {
      const { value, grad } = vg(x);
      return readTf([value, grad]);
    },
    dispose: () => x.dispose(),
  };
}

function jaxSetup(jit: boolean) {
  return async (ctx: Context) => {
    await useJaxDevice(ctx.backend, 'its jit of this program had not returned after 2 minutes in development');
    const np = jax.numpy;
    const x = np.array(X0);
    type A = jax.numpy.Array;
    const f = (v: A) => chain(v, { sin: (a) => np.sin(a), cos: (a) => np.cos(a), tanh: (a) => np.tanh(a), mul: (a, c) => a.mul(c), add: (a, c) => a.add(c) }).sum();
    const { step, dispose } = jaxVariant(jax.valueAndGrad(f), jit, [x]);
    return { run: async () => readJax(step(x.ref) as [A, A]), dispose };
  };
}

export const w11: Workload = {
  id: 'W11',
  title: 'tiny program: value and grad of a chain of 200 elementwise ops (sin, cos, tanh, scale, shift) on a [4]-vector (per-call overhead)',
  reference,
  impls: everyImpl(fxSetup, tfSetup, jaxSetup),
  skip: { webgpu: 'per-call overhead is measured on wasm and cpu; on the SwiftShader adapter W3 shows the dispatch cost' },
};
