/**
 * `npm run bench`: fluxion (eager and jit) side by side with TensorFlow.js
 * autodiff and jax-js, in one process, per backend; writes bench/RESULTS.md.
 *
 *   npm run bench                     full run (≥ 20 timed iterations each)
 *   npm run bench -- --quick          few iterations, short loops; writes temp/bench-quick.md
 *   npm run bench -- --backends=wasm --only=W1,W5 --skip-types --out=temp/x.md
 *
 * Order: cpu, wasm, then the SGD loop and W8 (type-check), then webgpu, whose
 * software adapter here is the slowest. The whole run keeps to a time budget
 * (default 540 s, `--budget=<seconds>`) split into phases (cpu until 33% of
 * it, wasm until 60%, webgpu what is left after SGD and W8, which run side by
 * side): within a phase,
 * implementations slower than 1 s per iteration share the time left (fewer
 * iterations, shown as n=…), cheap workloads run first, and a workload that
 * no longer fits is reported as skipped with that reason.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as fx from '../lib/index.js';
import { FULL, QUICK, measureWorkload, type BackendName, type ImplName, type Measurement, type Policy, type Workload } from './harness.js';
import { initJax, jaxWebgpuReason, probeJaxWebgpu, registerTfGradients, tf, webgpuAdapter } from './peers.js';
import { crossDiffs, renderReport, type BackendResult, type ReportInput, type WorkloadResult } from './report.js';
import { w1 } from './workloads/w1-mlp.js';
import { w2 } from './workloads/w2-elementwise.js';
import { w3 } from './workloads/w3-branch.js';
import { w4 } from './workloads/w4-hessian.js';
import { w5 } from './workloads/w5-spring.js';
import { w6 } from './workloads/w6-matmul.js';
import { w9 } from './workloads/w9-transformer.js';
import { w10 } from './workloads/w10-cnn.js';
import { w11 } from './workloads/w11-tiny.js';
import { w12 } from './workloads/w12-chain.js';
import { memoryWorkload, type MemoryResult } from './workloads/w7-memory.js';
import { sgdLoop, type SgdLoopResult } from './workloads/sgd-loop.js';
import { typecheckCost, type TypecheckResult } from './workloads/w8-typecheck.js';
import { importCost, renderImportSection } from './workloads/import.js';
import { adamLoop, renderAdamSection, type AdamLoopResult } from './workloads/adam-loop.js';
import { firstCallCost, renderFirstCallSection } from './workloads/firstcall.js';
import { kernelCounts, type KernelCounts } from './workloads/kernels.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

const quick = flag('quick');
const basePolicy = quick ? QUICK : FULL;
const selected = (option('backends')?.split(',') ?? ['cpu', 'wasm', 'webgpu']) as BackendName[];
const only = option('only')?.split(',').map((s) => s.toUpperCase());
const outPath = option('out') ?? (quick ? 'temp/bench-quick.md' : 'bench/RESULTS.md');
const budgetSeconds = Number(option('budget') ?? (quick ? 420 : 540));
const sgdSteps = Number(option('sgd-steps') ?? (quick ? 1000 : 10000));
/**
 * Seconds added to the wasm phase (and the whole budget) for issue 21's model workloads (W9–W12), which run
 * after W1–W6 there (about 60 s at a load average of 5); the Adam loop and the fresh-process first calls come
 * on top (about 10 s and 20–40 s).
 */
const modelsSeconds = Number(option('models-budget') ?? 90);
const firstCallRounds = Number(option('first-call-rounds') ?? 3);

const started = performance.now();
const deadline = started + (budgetSeconds + modelsSeconds) * 1000;
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;
const log = (s: string) => console.log(`[${elapsed()}] ${s}`);

const ALL: Workload[] = [w1, w2, w3, w4, w5, ...w6, w9, w10, w11, ...w12];
const wants = (id: string) => !only || only.some((o) => id === o || id.startsWith(`${o}-`));
const workloads = ALL.filter((w) => wants(w.id));
/** webgpu here is a software adapter: the per-op-overhead workloads first, the heaviest last. */
const WEBGPU_ORDER = ['W3', 'W2', 'W6-512', 'W5', 'W6-1024', 'W1', 'W4', 'W11', 'W9', 'W10', ...w12.map((w) => w.id)];

/** Workloads left out on a software WebGPU adapter (SwiftShader), with what they cost there in development. */
const SOFTWARE_WEBGPU_SKIP: Record<string, string> = {
  W4: 'on the SwiftShader adapter one iteration took 30 s (fluxion eager) and 11 s (fluxion jit) in development: 64 Hessian columns of tiny dispatches',
  'W6-1024': 'on the SwiftShader adapter one 1024² matmul took 17–24 s in development (about 0.1 GFLOP/s); W6-512 shows the overhead ratio',
};

/** On a software WebGPU adapter, the time a workload needs at least (it is skipped when less is left). */
const SOFTWARE_WEBGPU_MIN_SECONDS: Record<string, number> = { W1: 120, W5: 45, 'W6-512': 60, W2: 45 };

/** Seconds kept back, inside a phase, for its W7 and kernel counts. */
const reserve = { memory: 10, kernels: 20 };
/** Cheap workloads first, so that a phase that runs out of time drops the heaviest. */
const COST_ORDER = ['W3', 'W4', 'W6-512', 'W5', 'W2', 'W1', 'W6-1024', 'W11', ...w12.map((w) => w.id), 'W10', 'W9'];
const byCost = (ws: readonly Workload[]) => [...ws].sort((a, b) => COST_ORDER.indexOf(a.id) - COST_ORDER.indexOf(b.id));

const renderFrom = option('render');
if (renderFrom) {
  // Re-render a saved run (temp/bench-last.json) with the current report code.
  const saved = JSON.parse(readFileSync(renderFrom, 'utf8')) as ReportInput & { results: (BackendResult & { workloads: (WorkloadResult & { workload: string })[] })[] };
  const input: ReportInput = {
    ...saved,
    rerendered: new Date().toISOString(),
    results: saved.results.map((b) => ({ ...b, workloads: b.workloads.map((r) => ({ ...r, workload: ALL.find((w) => w.id === (r.workload as unknown as string))! })) })),
  };
  writeFileSync(outPath, renderReport(input));
  console.log(`re-rendered ${renderFrom} into ${outPath}`);
  process.exit(0);
}

const uptimeAtStart = uptime();
const gradLoadMs = registerTfGradients();
log(`tfjs gradients registered (${gradLoadMs.toFixed(0)} ms)`);
await initJax();

const references = new Map<string, Float64Array[]>();
const observed: { isTestLeftOn?: boolean; syncGpuReadWarnings?: number } = {};
const results: BackendResult[] = [];
const memory: MemoryResult[] = [];
const kernels: KernelCounts[] = [];
let failures = 0;

async function useBackend(backend: BackendName): Promise<string | undefined> {
  try {
    await fx.setBackend(backend);
  } catch (e) {
    return (e as Error).message;
  }
  // tfjs's IS_TEST flag turns on a per-kernel leak check, which costs time and throws a false leak in
  // TF.js's logSoftmax on wasm. Earlier fluxion versions set it in setBackend('cpu'); turn it off if so
  // (one write first, so the cpu backend's first-use banner stays silent).
  if (tf.env().getBool('IS_TEST')) {
    if (backend === 'cpu') observed.isTestLeftOn = true;
    tf.tensor1d([0]).dispose();
    tf.env().set('IS_TEST', false);
  }
  return undefined;
}

/** Time left until `end`, after `keep` seconds. */
function remainingMs(end: number, keep = 0): number {
  return end - performance.now() - keep * 1000;
}

async function runBackend(backend: BackendName, order: readonly Workload[], end: number): Promise<void> {
  const unavailable = await useBackend(backend);
  if (unavailable) {
    results.push({ backend, unavailable, workloads: [] });
    log(`${backend}: unavailable: ${unavailable}`);
    return;
  }
  if (backend === 'webgpu') await probeJaxWebgpu();
  const software = backend === 'webgpu' && /swiftshader|llvmpipe/i.test(webgpuAdapter());
  const skipReason = (w: Workload) => w.skip?.[backend] ?? (software ? SOFTWARE_WEBGPU_SKIP[w.id] : undefined);
  const ctx = { backend, quick };
  const rows: WorkloadResult[] = [];
  const pending = order.filter((w) => !skipReason(w));
  let left = pending.length;
  for (const w of order) {
    const skipped = skipReason(w);
    if (skipped) {
      rows.push({ workload: w, skipped, measurements: [] });
      continue;
    }
    const needs = (software ? SOFTWARE_WEBGPU_MIN_SECONDS[w.id] : undefined) ?? 5;
    if (remainingMs(end, reserve.memory + reserve.kernels) < needs * 1000) {
      rows.push({ workload: w, skipped: `this backend's share of the ${budgetSeconds + modelsSeconds} s budget was used up before this workload (see the load average)`, measurements: [] });
      left -= 1;
      continue;
    }
    if (!references.has(w.id)) {
      const t0 = performance.now();
      references.set(w.id, w.reference());
      log(`${w.id} float64 reference (${(performance.now() - t0).toFixed(0)} ms)`);
    }
    const reference = references.get(w.id)!;
    // Slow implementations (> 1 s per iteration) share what is left of this backend's time.
    const share = Math.max(0, remainingMs(end, reserve.memory + reserve.kernels)) / Math.max(1, left);
    left -= 1;
    const policy: Policy = {
      ...basePolicy,
      iterations: Math.min(basePolicy.iterations, w.iterations ?? basePolicy.iterations),
      slowBudgetMs: Math.min(basePolicy.slowBudgetMs, Math.max(share, 1000)),
    };
    const measurements = await measureWorkload(w, ctx, policy, reference, () => tf.memory().numTensors, (m) => log(`${backend} ${w.id} ${m.impl}: ${describe(m)}`));
    const tolerance = w.tolerance ?? (backend === 'webgpu' ? 1e-2 : 1e-3);
    for (const m of measurements) {
      if (m.impl.startsWith('fluxion') && (m.error || (m.relErr !== undefined && !(m.relErr <= tolerance)))) failures++;
    }
    // Cross-framework differences are computed now; the outputs themselves are not kept.
    const cross = crossDiffs(measurements);
    rows.push({ workload: w, measurements: measurements.map(({ outputs: _outputs, ...m }) => m), tolerance, cross });
  }
  if (wants('W7') && remainingMs(end, -reserve.memory) > 0) {
    try {
      memory.push(await memoryWorkload(backend, quick));
      log(`${backend} W7 done`);
    } catch (e) {
      memory.push({ backend, error: (e as Error).message });
    }
  }
  if (backend === 'wasm' && wants('KERNELS') && remainingMs(end, -reserve.kernels) > 0) {
    const lookup = (id: string, impl: ImplName) => rows.find((r) => r.workload.id === id)?.measurements.find((m) => m.impl === impl);
    kernels.push(...(await kernelCounts(backend, workloads.filter((w) => /^W[1-5]$/.test(w.id)), lookup)));
    log(`${backend} kernel counts done`);
  }
  // Rows in the canonical order W1…W6, whatever order they ran in.
  rows.sort((a, b) => ALL.indexOf(a.workload) - ALL.indexOf(b.workload));
  results.push({ backend, workloads: rows, adapter: backend === 'webgpu' ? webgpuAdapter() : undefined });
}

let sgd: SgdLoopResult | undefined;
let types: TypecheckResult | undefined;
const phaseEnd: Record<string, number> = { cpu: started + 0.33 * budgetSeconds * 1000, wasm: started + (0.6 * budgetSeconds + modelsSeconds) * 1000 };

for (const backend of selected.filter((b) => b !== 'webgpu')) await runBackend(backend, byCost(workloads), phaseEnd[backend] ?? deadline);

// W8 (a separate tsc process) runs while the SGD loop runs: neither is a timed comparison, and together they
// take about as long as the slower one. The SGD loop's ms/step is therefore measured next to a compiler.
const typesDone = wants('W8') && !flag('skip-types') ? typecheckCost() : undefined;
if (wants('SGD')) {
  const unavailable = await useBackend(selected.includes('wasm') ? 'wasm' : selected[0]!);
  if (!unavailable) {
    sgd = { ...(await sgdLoop(sgdSteps)), concurrentWithTypecheck: !!typesDone };
    log(`SGD loop: ${sgd.steps} steps, tensors ${sgd.tensorsAfterStep1} → ${sgd.tensorsAfterLast}, ${sgd.msPerStep.toFixed(2)} ms/step`);
  }
}
if (typesDone) {
  types = await typesDone;
  log(`W8: ${types.summary}`);
}
// The Adam loop (issue 21) after W8's compiler has finished: it is a timed comparison.
let adam: AdamLoopResult | undefined;
if (wants('ADAM') && selected.includes('wasm') && !(await useBackend('wasm'))) {
  adam = await adamLoop(quick ? 50 : 200);
  log(`Adam loop: ${adam.error ?? `${adam.fluxionMs?.toFixed(2)} ms/step vs jax-js ${adam.jaxMs?.toFixed(2)}, tensors ${adam.tensorsAfterStep1} → ${adam.tensorsAfterLast}`}`);
}

if (selected.includes('webgpu')) {
  const order = WEBGPU_ORDER.map((id) => workloads.find((w) => w.id === id)).filter((w): w is Workload => !!w);
  // Count tfjs's synchronous-GPU-readback warnings (a sync read on webgpu in Node throws after warning).
  const warn = console.warn;
  observed.syncGpuReadWarnings = 0;
  console.warn = (...a: unknown[]) => {
    if (/synchronously reading data from GPU/.test(String(a[0]))) observed.syncGpuReadWarnings!++;
    warn(...a);
  };
  try {
    await runBackend('webgpu', order, deadline);
  } finally {
    console.warn = warn;
  }
}

const input: ReportInput = {
  quick,
  policy: basePolicy,
  machine: machine(),
  versions: versions(),
  date: new Date().toISOString(),
  uptimeStart: uptimeAtStart,
  uptimeEnd: uptime(),
  totalSeconds: (performance.now() - started) / 1000,
  budgetSeconds: budgetSeconds + modelsSeconds,
  results,
  memory,
  kernels,
  sgd,
  types,
  jaxWebgpu: jaxWebgpuReason,
  tfGradLoadMs: gradLoadMs,
  observed,
};
mkdirSync(outPath.replace(/\/[^/]*$/, ''), { recursive: true });
// Import cost (fresh processes, so it runs after everything else in this one).
const importSection = wants('IMPORT') ? renderImportSection(importCost(), uptime()) : undefined;
// Issue 21's extra sections: the Adam loop (measured above) and first calls in fresh processes (now).
const firstCall = wants('FIRSTCALL') && selected.includes('wasm') ? firstCallCost(firstCallRounds, deadline + 60_000) : undefined;
if (firstCall) log(`first calls: ${firstCall.error ?? 'done'}`);
const modelSections = [...(adam ? renderAdamSection(adam) : []), ...(firstCall ? renderFirstCallSection(firstCall, uptime()) : [])].join('\n');
writeFileSync(
  outPath,
  renderReport(input) +
    (modelSections ? `\n<!-- models -->\n${modelSections}\n<!-- /models -->\n` : '') +
    (importSection ? `\n<!-- import-cost -->\n${importSection}\n<!-- /import-cost -->\n` : '') +
    keptSections(),
);
// The raw numbers, so the report can be re-rendered (`--render=temp/bench-last.json`) without re-running.
mkdirSync('temp', { recursive: true });
writeFileSync(
  'temp/bench-last.json',
  JSON.stringify({ ...input, results: input.results.map((b) => ({ ...b, workloads: b.workloads.map((r) => ({ ...r, workload: r.workload.id })) })) }),
);
log(`wrote ${outPath}${failures ? `; ${failures} fluxion result(s) failed the reference check` : ''}`);
process.exitCode = failures ? 1 : 0;
// jax-js and Dawn keep handles open; the results are written.
setTimeout(() => process.exit(process.exitCode), 100).unref();

/**
 * The sections other scripts write (`npm run bench:linalg`, `npm run bench:loops`, `npm run bench:onnx`), not this run,
 * of the report being replaced, kept as they were.
 */
function keptSections(): string {
  let old: string;
  try {
    old = readFileSync(outPath, 'utf8');
  } catch {
    return '';
  }
  return ['linalg', 'loops', 'onnx']
    .map((name) => {
      const a = old.indexOf(`<!-- ${name} -->`);
      const b = old.indexOf(`<!-- /${name} -->`);
      return a >= 0 && b > a ? `\n${old.slice(a, b + `<!-- /${name} -->`.length)}\n` : '';
    })
    .join('');
}

function describe(m: Measurement): string {
  if (m.unavailable) return `n/a (${m.unavailable})`;
  if (m.error) return `ERROR ${m.error}`;
  return `median ${m.medianMs!.toFixed(2)} ms over ${m.iterations}, rel diff to float64 ${m.relErr!.toExponential(1)}`;
}

function uptime(): string {
  try {
    return execSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`;
  }
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}`;
}

function versions(): Record<string, string> {
  const v: Record<string, string> = { node: process.version };
  for (const p of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', '@jax-js/jax', 'webgpu', 'typescript']) {
    try {
      v[p] = (JSON.parse(readFileSync(`node_modules/${p}/package.json`, 'utf8')) as { version: string }).version;
    } catch {
      v[p] = '?';
    }
  }
  try {
    v.fluxion = `git ${execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim()}`;
  } catch {
    v.fluxion = '?';
  }
  return v;
}
