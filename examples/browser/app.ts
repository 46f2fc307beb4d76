/**
 * The browser example: trains a 1-16-1 tanh network to fit sin(1.5 x) live,
 * on webgpu when the browser has it (falling back to wasm, then cpu), and
 * plots the loss curve and the fit as it goes. The final state is written to
 * `data-*` attributes of <body> (read by browser.test.ts):
 * `data-backend`, `data-first-loss`, `data-last-loss`, `data-steps`,
 * `data-ms` and `data-done` (or `data-error` if something threw). URL options:
 * `?backend=webgpu|wasm|cpu` forces a backend, `?steps=N` sets the step count.
 *
 * Build with `npx tsx examples/browser/build.ts`, then serve
 * `examples/browser/` and open index.html.
 */
import './wasmPaths.js';
import * as fx from '../../lib/index.js';

const query = new URLSearchParams(location.search);
/** Training steps: `?steps=N` (default 200). */
const STEPS = Math.max(1, Number(query.get('steps') ?? 200) || 200);
const N = 64;
const LR = 0.2;
const PLOT_EVERY = 10;

const $ = (id: string) => document.getElementById(id)!;
const status = (text: string) => ($('status').textContent = text);

async function pickBackend(): Promise<fx.BackendName> {
  const requested = query.get('backend') as fx.BackendName | null; // `?backend=wasm` forces one
  const order: fx.BackendName[] = requested ? [requested] : ['webgpu', 'wasm', 'cpu'];
  for (const name of order) {
    try {
      await fx.setBackend(name);
      return name;
    } catch (e) {
      console.warn(`fluxion: ${name} unavailable: ${(e as Error).message}`);
    }
  }
  throw new Error(`no backend among ${order.join(', ')} could start`);
}

// A deterministic pseudo-random generator: every run starts from the same weights.
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
type Batch = fx.Tensor<[64, 1], 'float32'>;

function predict(p: Params, x: Batch): Batch {
  const hidden = fx.tanh(fx.add(fx.matmul(x, p.w1), p.b1));
  return fx.add(fx.matmul(hidden, p.w2), p.b2);
}
function loss(p: Params, x: Batch, y: Batch): fx.Tensor<[], 'float32'> {
  const err = fx.sub(predict(p, x), y);
  return fx.mul(fx.sum(fx.mul(err, err)), 1 / N);
}
const lossAndGrad = fx.valueAndGrad(loss);
// One training step (loss, gradient and the SGD update) compiled by fx.jit.
const trainStep = fx.jit((p: Params, x: Batch, y: Batch) => {
  const [value, g] = lossAndGrad(p, x, y);
  const next: Params = {
    w1: fx.sub(p.w1, fx.mul(g.w1, LR)),
    b1: fx.sub(p.b1, fx.mul(g.b1, LR)),
    w2: fx.sub(p.w2, fx.mul(g.w2, LR)),
    b2: fx.sub(p.b2, fx.mul(g.b2, LR)),
  };
  return [value, next] as const;
});

// ------------------------------------------------------------ plots (inline SVG)
const W = 360;
const H = 220;
const PAD = 30;
function polyline(values: ArrayLike<number>, xs: ArrayLike<number>, xRange: [number, number], yRange: [number, number]): string {
  const sx = (v: number) => PAD + ((v - xRange[0]) / (xRange[1] - xRange[0])) * (W - 2 * PAD);
  const sy = (v: number) => H - PAD - ((v - yRange[0]) / (yRange[1] - yRange[0] || 1)) * (H - 2 * PAD);
  return Array.from({ length: values.length }, (_, i) => `${sx(xs[i]!).toFixed(1)},${sy(values[i]!).toFixed(1)}`).join(' ');
}
function drawLoss(losses: number[]): void {
  const logs = losses.map((l) => Math.log10(Math.max(l, 1e-12)));
  const lo = Math.floor(Math.min(...logs));
  const hi = Math.ceil(Math.max(...logs));
  $('loss-line').setAttribute('points', polyline(logs, logs.map((_, i) => i + 1), [1, STEPS], [lo, hi]));
  $('loss-hi').textContent = `1e${hi}`;
  $('loss-lo').textContent = `1e${lo}`;
}
function drawFit(xs: Float32Array, target: Float32Array, fitted: Float32Array): void {
  $('fit-target').setAttribute('points', polyline(target, xs, [-2, 2], [-1.2, 1.2]));
  $('fit-net').setAttribute('points', polyline(fitted, xs, [-2, 2], [-1.2, 1.2]));
}

async function main(): Promise<void> {
  const body = document.body;
  const backend = await pickBackend();
  body.dataset.backend = backend;
  $('backend').textContent = backend;
  status('training…');

  const x = fx.reshape(fx.linspace(-2, 2, N), [N, 1]) as Batch;
  const y = fx.scope(() => fx.sin(fx.mul(x, 1.5)));
  const xs = (await x.data()) as Float32Array;
  const target = (await y.data()) as Float32Array;
  let params: Params = { w1: init([1, 16], 1), b1: init([16], 0.5), w2: init([16, 1], 0.5), b2: init([1], 0.1) };

  const losses: number[] = [];
  let pending: fx.Tensor<[], 'float32'>[] = [];
  const started = performance.now();
  for (let step = 1; step <= STEPS; step++) {
    const [value, next] = trainStep(params, x, y) as unknown as [fx.Tensor<[], 'float32'>, Params];
    for (const t of Object.values(params)) t.dispose();
    params = next;
    pending.push(value);
    if (step % PLOT_EVERY === 0 || step === STEPS) {
      // Read the losses of the last few steps at once (asynchronously: webgpu
      // has no synchronous readback), so the GPU is not stalled at every step.
      for (const v of await Promise.all(pending.map((t) => t.data()))) losses.push(v[0]!);
      for (const t of pending) t.dispose();
      pending = [];
      body.dataset.firstLoss = String(losses[0]);
      drawLoss(losses);
      const fitted = fx.scope(() => predict(params, x));
      drawFit(xs, target, (await fitted.data()) as Float32Array);
      fitted.dispose();
      status(`step ${step}/${STEPS}  ${((performance.now() - started) / 1000).toFixed(1)} s  loss ${losses[losses.length - 1]!.toExponential(3)}`);
      await new Promise((r) => requestAnimationFrame(r)); // let the page repaint
    }
  }
  const ms = performance.now() - started;
  body.dataset.lastLoss = String(losses[losses.length - 1]);
  body.dataset.steps = String(STEPS);
  body.dataset.ms = ms.toFixed(0);
  status(`done: ${STEPS} steps in ${(ms / 1000).toFixed(2)} s, loss ${losses[0]!.toExponential(3)} → ${losses[losses.length - 1]!.toExponential(3)} (jit: ${trainStep.stats().traces} trace, ${trainStep.stats().cacheHits} cache hits)`);
  for (const t of [x, y, ...Object.values(params)]) t.dispose();
  body.dataset.done = 'true';
}

main().catch((e: unknown) => {
  console.error(e);
  document.body.dataset.error = String((e as Error).message ?? e);
  status(`error: ${(e as Error).message ?? e}`);
  document.body.dataset.done = 'true';
});
