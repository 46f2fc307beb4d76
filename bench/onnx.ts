/**
 * The ONNX target (issue #23) against fluxion's default jit, same process:
 * W1 (784-512-512-10 MLP, batch 128, loss + 6 gradients) and W2 (elementwise
 * gradient, n = 1e6). Medians of timed runs after warm-up, outputs read back
 * each time. Run: npx tsx bench/onnx.ts [--backend=wasm] [--runs=30]
 */
import * as fx from '../lib/index.js';
import { normal, uniform } from './data.js';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
await fx.setBackend(arg('backend', 'wasm') as 'wasm');
const RUNS = Number(arg('runs', '30'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(label: string, run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  const first = performance.now() - t0;
  for (let i = 0; i < 3; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  const m = median(times);
  console.log(`${label.padEnd(44)} median ${m.toFixed(2).padStart(7)} ms   first call ${first.toFixed(0).padStart(5)} ms`);
  return m;
}

const read = (xs: fx.Tensor[]) => Promise.all(xs.map((x) => x.data()));

// W1
const B = 128;
const D = [784, 512, 512, 10];
const t = (data: Float32Array, shape: number[]) => fx.tensor(data, shape as never) as fx.Tensor;
const p = {
  w1: t(normal(D[0]! * D[1]!, 20, 1 / Math.sqrt(D[0]!)), [D[0]!, D[1]!]),
  b1: t(normal(D[1]!, 30, 0.1), [D[1]!]),
  w2: t(normal(D[1]! * D[2]!, 21, 1 / Math.sqrt(D[1]!)), [D[1]!, D[2]!]),
  b2: t(normal(D[2]!, 31, 0.1), [D[2]!]),
  w3: t(normal(D[2]! * D[3]!, 22, 1 / Math.sqrt(D[2]!)), [D[2]!, D[3]!]),
  b3: t(normal(D[3]!, 32, 0.1), [D[3]!]),
};
const x = t(uniform(B * D[0]!, 1, 0, 1), [B, D[0]!]);
const labels = new Float32Array(B * 10);
for (let i = 0; i < B; i++) labels[i * 10 + (i % 10)] = 1;
const y = t(labels, [B, 10]);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F: any = fx;
const loss = (q: typeof p, xb: fx.Tensor, yb: fx.Tensor) => {
  const h1 = F.tanh(F.add(F.matmul(xb, q.w1), q.b1));
  const h2 = F.tanh(F.add(F.matmul(h1, q.w2), q.b2));
  const z = F.add(F.matmul(h2, q.w3), q.b3);
  return F.neg(F.mean(F.sum(F.mul(yb, F.logSoftmax(z, 1)), 1)));
};
const vg = fx.valueAndGrad(loss);
const w1 = (step: typeof vg) => () =>
  fx.scope(async () => {
    const [v, g] = step(p, x, y);
    return read([v, g.w1, g.b1, g.w2, g.b2, g.w3, g.b3]);
  });
console.log(`backend ${fx.getBackend()}, ${(await import('node:os')).availableParallelism()} cores`);
const w1Default = await time('W1 fluxion jit (default)', w1(fx.jit(vg)));
const w1Onnx = await time('W1 fluxion jit target onnx', w1(fx.jit(vg, { target: 'onnx' })));
// W2
const chain = (v: fx.Tensor): fx.Tensor => F.sum(F.add(F.mul(F.sin(v), F.exp(F.neg(F.mul(v, v)))), F.mul(F.tanh(v), v)));
const xs = t(uniform(1e6, 5, -3, 3), [1e6]);
const w2 = (step: (v: fx.Tensor) => unknown) => () => fx.scope(async () => read([step(xs) as fx.Tensor]));
const w2Default = await time('W2 fluxion jit (default)', w2(fx.jit(fx.grad(chain))));
const w2Onnx = await time('W2 fluxion jit target onnx', w2(fx.jit(fx.grad(chain), { target: 'onnx' })));
console.log(`ONNX target / default jit: W1 ${(w1Onnx / w1Default).toFixed(2)}×, W2 ${(w2Onnx / w2Default).toFixed(2)}×`);
