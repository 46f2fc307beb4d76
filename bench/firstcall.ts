/**
 * One first-call measurement in this fresh process (spawned by
 * bench/workloads/firstcall.ts): `tsx bench/firstcall.ts <mlp|transformer> <fluxion|jax-js>`.
 * After the imports, the backend and the inputs are ready (not timed), it
 * times `jit(valueAndGrad(loss))` called once with every output read back:
 * tracing, optimization, compilation and the first run. Prints one JSON
 * line: wall ms, the CPU ms this process used meanwhile (steadier on a
 * shared machine), and the loss.
 */
import * as fx from '../lib/index.js';
import { readFx } from './data.js';
import { initJax, jax, readJax } from './peers.js';
import { fxLoss, fxMlpInputs, jaxMlpInputs, jaxMlpLoss } from './workloads/w1-mlp.js';
import { fxIds, fxTransformerLoss, fxTransformerParams, inParamOrder, jaxIds, jaxTransformerLoss, jaxTransformerParams, makeJaxMask, PARAMS } from './workloads/w9-transformer.js';

const [model, framework] = process.argv.slice(2) as ['mlp' | 'transformer', 'fluxion' | 'jax-js'];
let ms: number;
let loss: number;
let c0 = process.cpuUsage();
if (framework === 'fluxion') {
  await fx.setBackend('wasm');
  if (model === 'mlp') {
    const [p, x, y] = fxMlpInputs();
    c0 = process.cpuUsage();
    const t0 = performance.now();
    const [v, g] = fx.jit(fx.valueAndGrad(fxLoss))(p, x, y);
    const out = await readFx([v, g.w1, g.b1, g.w2, g.b2, g.w3, g.b3]);
    ms = performance.now() - t0;
    loss = out[0]![0]!;
  } else {
    const p = fxTransformerParams();
    const [ids, next] = fxIds();
    c0 = process.cpuUsage();
    const t0 = performance.now();
    const [v, g] = fx.jit(fx.valueAndGrad(fxTransformerLoss))(p, ids, next);
    const out = await readFx([v, ...inParamOrder<fx.Tensor>(g as never)]);
    ms = performance.now() - t0;
    loss = out[0]![0]!;
  }
} else {
  await initJax();
  jax.defaultDevice('wasm');
  type A = jax.numpy.Array;
  if (model === 'mlp') {
    const [p, x, y] = jaxMlpInputs();
    c0 = process.cpuUsage();
    const t0 = performance.now();
    const [v, g] = jax.jit(jax.valueAndGrad(jaxMlpLoss))(p, x, y) as [A, Record<string, A>];
    const out = await readJax([v, g.w1!, g.b1!, g.w2!, g.b2!, g.w3!, g.b3!]);
    ms = performance.now() - t0;
    loss = out[0]![0]!;
  } else {
    makeJaxMask();
    const p = jaxTransformerParams();
    const [ids, next] = jaxIds();
    c0 = process.cpuUsage();
    const t0 = performance.now();
    const [v, g] = jax.jit(jax.valueAndGrad(jaxTransformerLoss))(p, ids, next) as [A, Record<string, A>];
    const out = await readJax([v, ...PARAMS.map(([name]) => g[name]!)]);
    ms = performance.now() - t0;
    loss = out[0]![0]!;
  }
}
const cpu = process.cpuUsage(c0);
console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, loss }));
// jax-js keeps handles open.
setTimeout(() => process.exit(0), 10).unref();
