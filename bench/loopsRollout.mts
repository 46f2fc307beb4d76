/**
 * One measurement of the loops bench (`bench/loops.ts` runs each in a fresh
 * process): the damped spring rollout of 100 particles, `jit(grad(sim))`.
 *
 *   node --expose-gc --import tsx bench/loopsRollout.mts <steps> [backend] [mode]
 *
 * mode `staged` (default): `fx.fori`, staged as one `scan` equation;
 * `unrolled`: the same body reading the index as a JS number, which makes
 * `jit` trace every iteration (the code before loops were primitives);
 * `all`, `every:K`, `binomial`: `fx.scan` over a per-step dt sequence with
 * that checkpoint policy, adding what reverse mode stores (`memoryProfile`
 * and `jit(...).stats().peakBytes`).
 * Prints one JSON line: first call (trace + compile + run), steady state (best
 * of further calls), RSS growth over the first call.
 */
import * as fx from '../lib/index.js';
type V = fx.Tensor<[100], 'float32'>;
type S = fx.Tensor<[], 'float32'>;
type State = { x: V; v: V };
const n = Number(process.argv[2] ?? 100);
const backend = process.argv[3] ?? 'wasm';
const mode = process.argv[4] ?? 'staged';
await fx.setBackend(backend as never);
const dt = 0.01;
const init = () => ({ x: fx.ones([100]) as V, v: fx.zeros([100]) as V });
const step = (k: V, s: State, h: number | S): State => {
  const a = fx.sub(fx.mul(fx.neg(k), s.x), fx.mul(0.1, s.v));
  const v = fx.add(s.v, fx.mul(a, h as S));
  return { x: fx.add(s.x, fx.mul(v, h as S)), v };
};
const policy: fx.ScanOptions['checkpoint'] | undefined =
  mode === 'all' || mode === 'binomial' ? mode : mode.startsWith('every:') ? { every: Number(mode.slice(6)) } : undefined;
const sim = (k: V) => {
  let end: State;
  if (policy) end = fx.scan((s: State, h: S) => [step(k, s, h), null] as unknown as [State, null], init(), fx.full([n], dt), { checkpoint: policy })[0];
  else if (mode === 'unrolled') end = fx.fori(0, n, (i, s: State) => step(k, s, dt + 0 * i), init());
  else end = fx.fori(0, n, (_i, s: State) => step(k, s, dt), init());
  return fx.sum(fx.mul(end.x, end.x));
};
const k = fx.linspace(1, 10, 100) as V;
const g = fx.jit(fx.grad(sim));
global.gc?.();
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const out = g(k);
const g0 = out.dataSync()[0];
const first = performance.now() - t0;
global.gc?.();
const rss1 = process.memoryUsage().rss;
out.dispose();
// Steady state: the best of further calls (fewer for long runs).
const repeats = n >= 100_000 || policy ? 3 : n >= 10_000 ? 10 : 30;
let steady = Infinity;
for (let r = 0; r < repeats; r++) {
  const t1 = performance.now();
  g(k).dispose();
  steady = Math.min(steady, performance.now() - t1);
}
const result: Record<string, unknown> = { n, backend, mode, firstMs: Math.round(first), steadyMs: Math.round(steady * 10) / 10, usPerStep: Math.round((steady / n) * 1e3 * 100) / 100, rssDeltaMB: Math.round((rss1 - rss0) / 1e6), g0 };
if (policy) {
  result.peakBytes = g.stats().peakBytes;
  const profile = fx.memoryProfile(fx.jit(sim))(k);
  const loop = profile.loops[0];
  Object.assign(result, { residualBytes: profile.totalBytes, storedCarries: loop?.storedCarries, residualSteps: loop?.residualSteps, carryBytes: loop?.carryBytes, levels: loop?.levels, evaluationsPerStep: loop?.evaluationsPerStep });
}
console.log(JSON.stringify(result));
setTimeout(() => process.exit(0), 50).unref();
