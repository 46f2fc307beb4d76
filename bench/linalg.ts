/**
 * `npm run bench:linalg`: eigh and svd of n×n matrices (n = 64, 256) in
 * fluxion (`fx.linalg`, wasm backend: float64 Jacobi kernels on the host)
 * and jax-js (`numpy.linalg`, its wasm device), one process, interleaved
 * rounds; medians of wall time with every output read back. Accuracy of each
 * is the relative residual ‖A·V − V·diag(w)‖ / ‖A‖ (eigh) and
 * ‖A − U·diag(s)·Vᵀ‖ / ‖A‖ (svd), computed in float64 on the host. Prints
 * a table and writes it into bench/RESULTS.md between the `linalg` markers.
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as jax from '@jax-js/jax';
import * as fx from '../lib/index.js';

await fx.setBackend('wasm');
await jax.init('wasm');
const np = jax.numpy;

type Mat = number[][];
const matrix = (n: number, seed: number, symmetric: boolean): Mat => {
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Math.sin(seed + 1.3 * i + 0.7 * j * j) + (i === j ? 2 : 0)));
  return symmetric ? a.map((r, i) => r.map((v, j) => (v + a[j]![i]!) / 2)) : a;
};
const norm = (a: Mat) => Math.sqrt(a.flat().reduce((s, v) => s + v * v, 0));
const eighResidual = (a: Mat, w: number[], v: Mat) => {
  const n = a.length;
  const r = a.map((row, i) => w.map((wk, k) => row.reduce((s, x, j) => s + x * v[j]![k]!, 0) - v[i]![k]! * wk));
  return norm(r) / norm(a) / Math.sqrt(n);
};
const svdResidual = (a: Mat, u: Mat, s: number[], vh: Mat) => {
  const r = a.map((row, i) => row.map((x, j) => x - s.reduce((acc, sk, k) => acc + u[i]![k]! * sk * vh[k]![j]!, 0)));
  return norm(r) / norm(a);
};

interface Row { op: string; n: number; fluxionMs: number; jaxMs: number; fluxionErr: number; jaxErr: number }
const rows: Row[] = [];
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

for (const n of [64, 256]) {
  for (const op of ['eigh', 'svd'] as const) {
    const a = matrix(n, n, op === 'eigh');
    const rounds = n === 64 ? 7 : 3;
    const tf: number[] = [];
    const tj: number[] = [];
    let fErr = NaN;
    let jErr = NaN;
    for (let r = 0; r < rounds + 1; r++) {
      // fluxion
      let t0 = performance.now();
      const outs = fx.scope(() => {
        const x = fx.tensor(a.flat(), [n, n]);
        return op === 'eigh' ? fx.linalg.eigh(x) : fx.linalg.svd(x);
      }) as fx.Tensor<number[], 'float32'>[];
      const fv = await Promise.all(outs.map((t) => t.array()));
      if (r > 0) tf.push(performance.now() - t0);
      fErr = op === 'eigh' ? eighResidual(a, fv[0] as number[], fv[1] as Mat) : svdResidual(a, fv[0] as Mat, fv[1] as number[], fv[2] as Mat);
      fx.optim.dispose(outs);
      // jax-js
      t0 = performance.now();
      const x = np.array(a.flat()).reshape([n, n]);
      const res = op === 'eigh' ? np.linalg.eigh(x) : np.linalg.svd(x, { fullMatrices: false });
      const jv = await Promise.all((res as unknown as { data(): Promise<Float32Array>; shape: number[] }[]).map(async (t) => ({ shape: t.shape, data: Array.from(await t.data()) })));
      if (r > 0) tj.push(performance.now() - t0);
      const asMat = (t: { shape: number[]; data: number[] }) => Array.from({ length: t.shape[0]! }, (_, i) => t.data.slice(i * t.shape[1]!, (i + 1) * t.shape[1]!));
      jErr = op === 'eigh' ? eighResidual(a, jv[0]!.data, asMat(jv[1]!)) : svdResidual(a, asMat(jv[0]!), jv[1]!.data, asMat(jv[2]!));
    }
    rows.push({ op, n, fluxionMs: median(tf), jaxMs: median(tj), fluxionErr: fErr, jaxErr: jErr });
    console.log(`${op} ${n}: fluxion ${median(tf).toFixed(1)} ms (residual ${fErr.toExponential(1)}), jax-js ${median(tj).toFixed(1)} ms (residual ${jErr.toExponential(1)})`);
  }
}

const section = [
  '## Linear algebra (issue 20): eigh and svd against jax-js',
  '',
  `wasm backend / jax-js wasm device, one process, rounds interleaved; medians of ${'7 (n = 64) and 3 (n = 256)'} calls, outputs read back (bench/linalg.ts). Load: \`${execSync('uptime').toString().trim()}\`. Residuals in float64 on the host: eigh ‖AV − V·diag(w)‖/(‖A‖√n), svd ‖A − U·diag(s)·Vᵀ‖/‖A‖.`,
  '',
  '| op | n | fluxion ms | jax-js ms | fluxion / jax-js | fluxion residual | jax-js residual |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.op} | ${r.n} | ${r.fluxionMs.toFixed(1)} | ${r.jaxMs.toFixed(1)} | ${(r.fluxionMs / r.jaxMs).toFixed(2)}× | ${r.fluxionErr.toExponential(1)} | ${r.jaxErr.toExponential(1)} |`),
  '',
  "fluxion's decompositions run as float64 one-sided/two-sided Jacobi kernels on the host (the input read back, the factors uploaded as float32): on webgpu in Node they throw a BackendError naming the call (no synchronous readback there).",
  '',
].join('\n');
console.log(section);
const path = 'bench/RESULTS.md';
const text = readFileSync(path, 'utf8');
const [begin, end] = ['<!-- linalg -->', '<!-- /linalg -->'];
const block = `${begin}\n${section}\n${end}`;
writeFileSync(path, text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${text.trimEnd()}\n\n${block}\n`);
setTimeout(() => process.exit(0), 50).unref();
