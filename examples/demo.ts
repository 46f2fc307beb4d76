/**
 * `npm run demo`: a tour of fluxion in a few seconds.
 *
 * - typed tensors (shapes are part of the type; a shape mismatch is a
 *   compile-time error, and its runtime twin a `ShapeError`),
 * - the backend in use (`wasm` by default; `FLUXION_BACKEND=cpu|webgpu` to change),
 * - a small two-layer network fitted with `fx.valueAndGrad` and SGD,
 * - a Hessian,
 * - memory that stays flat across training steps thanks to `fx.scope`.
 */
import * as fx from '../lib/index.js';
import { PALETTE, Panel, Svg, extent, lossPanel } from './common/svg.js';
import { writeOut } from './common/cli.js';

const line = (title: string) => console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`);

// ------------------------------------------------------------ typed tensors
line('typed tensors');
console.log('backend:', fx.getBackend());

const a = fx.tensor([[1, 2, 3], [4, 5, 6]]); //   Tensor<[2, 3], 'float32'>
const b = fx.ones([3, 2]); //                      Tensor<[3, 2], 'float32'>
const c = fx.matmul(a, b); //                      Tensor<[2, 2], 'float32'>
console.log(`a: shape [${a.shape}] ${a.dtype}`, await a.array());
console.log(`a @ ones([3, 2]): shape [${c.shape}]`, await c.array());

// Inner dims 3 and 4 differ: the type checker rejects this call, so the demo
// silences it to show the runtime twin of the same rule.
try {
  fx.scope(() => {
    // @ts-expect-error: matmul needs b's first dim to be 3 (a is [2, 3])
    fx.matmul(a, fx.ones([4, 2]));
  });
} catch (e) {
  console.log(`${(e as Error).name}: ${(e as Error).message}`);
}
fx.scope(() => {
  const idx = fx.tensor([0, 1, 2], 'int32'); // Tensor<[3], 'int32'>: not differentiable
  console.log(`int32 tensor: shape [${idx.shape}] ${idx.dtype}`);
});

// ------------------------------------------------------------ a gradient: fit sin with a tiny MLP
line('fit y = sin(1.5 x) with a 1-16-1 tanh network (valueAndGrad + SGD)');

// A deterministic pseudo-random generator, so every run prints the same numbers.
let seed = 42;
const random = () => ((seed = (seed * 1664525 + 1013904223) % 4294967296) / 4294967296) * 2 - 1;

function init<const S extends fx.Shape>(shape: S, scale: number): fx.Tensor<S, 'float32'> {
  const n = shape.reduce((p, d) => p * d, 1);
  return fx.scope(() => fx.reshape(fx.tensor(Array.from({ length: n }, () => random() * scale)), shape));
}

type Params = {
  w1: fx.Tensor<[1, 16], 'float32'>;
  b1: fx.Tensor<[16], 'float32'>;
  w2: fx.Tensor<[16, 1], 'float32'>;
  b2: fx.Tensor<[1], 'float32'>;
};

const N = 64;
const x = fx.reshape(fx.linspace(-2, 2, N), [N, 1]); // Tensor<[64, 1], 'float32'>
const y = fx.sin(fx.mul(x, 1.5));

function predict(p: Params, input: fx.Tensor<[64, 1], 'float32'>): fx.Tensor<[64, 1], 'float32'> {
  const hidden = fx.tanh(fx.add(fx.matmul(input, p.w1), p.b1)); // [64, 16]
  return fx.add(fx.matmul(hidden, p.w2), p.b2); //                 [64, 1]
}

function loss(p: Params, input: fx.Tensor<[64, 1], 'float32'>, target: fx.Tensor<[64, 1], 'float32'>): fx.Tensor<[], 'float32'> {
  const err = fx.sub(predict(p, input), target);
  return fx.mul(fx.sum(fx.mul(err, err)), 1 / N); // mean squared error
}

function sgd(p: Params, g: Params, lr: number): Params {
  return {
    w1: fx.sub(p.w1, fx.mul(g.w1, lr)),
    b1: fx.sub(p.b1, fx.mul(g.b1, lr)),
    w2: fx.sub(p.w2, fx.mul(g.w2, lr)),
    b2: fx.sub(p.b2, fx.mul(g.b2, lr)),
  };
}

let params: Params = { w1: init([1, 16], 1), b1: init([16], 0.5), w2: init([16, 1], 0.5), b2: init([1], 0.1) };
const lossAndGrad = fx.valueAndGrad(loss); // gradient with respect to argument 0: the params pytree
const memoryAtStep: number[] = [];
const started = performance.now();

const losses: number[] = [];
for (let step = 0; step <= 50; step++) {
  // Every intermediate of the step (forward values, residuals, gradients) is
  // freed when the scope ends; only the returned pytree survives.
  const [value, next] = fx.scope(() => {
    const [l, grads] = lossAndGrad(params, x, y);
    return [l, sgd(params, grads, 0.3)] as const;
  });
  for (const t of Object.values(params)) t.dispose();
  params = next;
  losses.push((await value.data())[0]!); // asynchronous read: works on every backend, webgpu included
  if (step % 10 === 0) {
    memoryAtStep.push(fx.memory().tensors);
    console.log(`step ${String(step).padStart(2)}  loss ${(await value.array()).toFixed(5)}  live tensors ${fx.memory().tensors}`);
  }
  value.dispose();
}
console.log(`50 steps in ${(performance.now() - started).toFixed(0)} ms`);

// A picture of the fit: the loss curve and the fitted function against the target.
{
  const xs = (await x.data()) as Float32Array;
  const target = (await y.data()) as Float32Array;
  const fitted = fx.scope(() => predict(params, x));
  const fit = (await fitted.data()) as Float32Array;
  fitted.dispose();
  const svg = new Svg(760, 300);
  lossPanel(svg, 40, 30, 300, 220, losses);
  const panel = new Panel(svg, 420, 30, 300, 220, [-2, 2], extent([...target, ...fit]));
  panel.frame('fit of sin(1.5 x)', 'x', 'y');
  panel.series(Array.from(xs), Array.from(target), PALETTE[0]!, 2);
  panel.series(Array.from(xs), Array.from(fit), PALETTE[1]!, 2, '5 3');
  panel.legend([['target', PALETTE[0]!], ['network', PALETTE[1]!]]);
  console.log(`picture: ${writeOut('demo.svg', svg.toString())}`);
}

// ------------------------------------------------------------ a Hessian
line('Hessian of the Rosenbrock function at (1, 1)');
const rosenbrock = (v: fx.Tensor<[2], 'float32'>): fx.Tensor<[], 'float32'> => {
  const v0 = fx.sum(fx.slice(v, [0], [1]));
  const v1 = fx.sum(fx.slice(v, [1], [1]));
  const d = fx.sub(v1, fx.mul(v0, v0));
  const e = fx.sub(1, v0);
  return fx.add(fx.mul(e, e), fx.mul(fx.mul(d, d), 100));
};
// `await t.array()` reads values on every backend (webgpu has no synchronous readback).
await fx.scope(async () => {
  const at = fx.tensor([1, 1]);
  console.log('f(1, 1)      =', await rosenbrock(at).array());
  console.log('grad f(1, 1) =', await fx.grad(rosenbrock)(at).array());
  console.log('hessian      =', await fx.hessian(rosenbrock)(at).array(), '(exact: [[802, -400], [-400, 200]])');
});

// ------------------------------------------------------------ memory
line('memory');
const flat = memoryAtStep.every((m) => m === memoryAtStep[0]);
console.log(`live tensors at steps 0, 10, …, 50: ${memoryAtStep.join(', ')} (${flat ? 'flat' : 'NOT flat'})`);
console.log('fx.memory() now:', fx.memory());
if (!flat) process.exitCode = 1;
