/**
 * Damped spring rollout of 100 particles through `fx.fori`: first-call time
 * (trace + compile + run) and RSS growth of `jit(grad(sim))`, and the second
 * call (best of thirty). `node --expose-gc --import tsx bench/loopsRollout.mts <steps> [cpu|wasm]`.
 */
import * as fx from '../lib/index.js';
type V = fx.Tensor<[100], 'float32'>;
const n = Number(process.argv[2] ?? 100);
const backend = process.argv[3] ?? 'cpu';
await fx.setBackend(backend as never);
const dt = 0.01;
const sim = (k: V) => {
  const end = fx.fori(0, n, (_i, s: { x: V; v: V }) => {
    const a = fx.sub(fx.mul(fx.neg(k), s.x), fx.mul(0.1, s.v));
    const v = fx.add(s.v, fx.mul(a, dt));
    return { x: fx.add(s.x, fx.mul(v, dt)), v };
  }, { x: fx.ones([100]) as V, v: fx.zeros([100]) as V });
  return fx.sum(fx.mul(end.x, end.x));
};
const k = fx.linspace(1, 10, 100) as V;
const g = fx.jit(fx.grad(sim));
global.gc?.();
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const out = g(k);
out.dataSync();
const first = performance.now() - t0;
const rss1 = process.memoryUsage().rss;
// Steady state: the best of thirty further calls.
let second = Infinity;
for (let r = 0; r < 30; r++) {
  const t1 = performance.now();
  g(k).dataSync();
  second = Math.min(second, performance.now() - t1);
}
console.log(JSON.stringify({ n, backend, firstMs: Math.round(first), secondMs: Math.round(second), rssDeltaMB: Math.round((rss1 - rss0) / 1e6), rssMB: Math.round(rss1 / 1e6), g0: out.dataSync()[0] }));
