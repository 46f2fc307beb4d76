/**
 * Renders bench/RESULTS.md from one run's measurements: machine and
 * versions, one table per backend (medians and fluxion/peer ratios), the
 * correctness checks, memory, the long SGD loop, type-check cost, kernel
 * counts and the notes on where fluxion is behind.
 */
import { IMPLS, maxRelDiff, type BackendName, type ImplName, type Measurement, type Policy, type Workload } from './harness.js';
import type { MemoryResult } from './workloads/w7-memory.js';
import type { SgdLoopResult } from './workloads/sgd-loop.js';
import type { TypecheckResult } from './workloads/w8-typecheck.js';
import type { KernelCounts } from './workloads/kernels.js';
import { behindNotes, targetSection } from './notes.js';

export interface WorkloadResult {
  readonly workload: Workload;
  readonly measurements: Measurement[];
  readonly tolerance?: number;
  readonly skipped?: string;
  /** Max relative difference of each peer's outputs to fluxion eager's. */
  readonly cross?: Partial<Record<ImplName, number>>;
}

/** Compares every implementation's outputs with fluxion eager's, or fluxion jit's where eager is not run (before the outputs are dropped). */
export function crossDiffs(measurements: readonly Measurement[]): Partial<Record<ImplName, number>> {
  const baseImpl = measurements.find((m) => m.impl === 'fluxion eager')?.outputs ? 'fluxion eager' : 'fluxion jit';
  const base = measurements.find((m) => m.impl === baseImpl)?.outputs;
  const out: Partial<Record<ImplName, number>> = {};
  if (!base) return out;
  for (const m of measurements) if (m.outputs && m.impl !== baseImpl) out[m.impl] = maxRelDiff(m.outputs, base);
  return out;
}

export interface BackendResult {
  readonly backend: BackendName;
  /** webgpu: the adapter's vendor and architecture. */
  readonly adapter?: string;
  readonly unavailable?: string;
  readonly workloads: WorkloadResult[];
}

export interface ReportInput {
  readonly quick: boolean;
  readonly policy: Policy;
  readonly machine: string;
  readonly versions: Record<string, string>;
  readonly date: string;
  readonly uptimeStart: string;
  readonly uptimeEnd: string;
  readonly totalSeconds: number;
  readonly budgetSeconds: number;
  readonly results: BackendResult[];
  readonly memory: MemoryResult[];
  readonly kernels: KernelCounts[];
  readonly sgd?: SgdLoopResult;
  readonly types?: TypecheckResult;
  readonly jaxWebgpu: string;
  readonly tfGradLoadMs: number;
  /** Observations about fluxion made while running (feed the notes). */
  readonly observed?: Observed;
  /** Set when the report was re-rendered from a saved run (`--render`), with the time of rendering. */
  readonly rerendered?: string;
}

/** Facts noticed while running the workloads. */
export interface Observed {
  /** tfjs's IS_TEST flag was on after `fx.setBackend('cpu')` (it turns on per-kernel leak checks). */
  readonly isTestLeftOn?: boolean;
  /** tfjs's "synchronously reading data from GPU" warnings printed during the webgpu phase. */
  readonly syncGpuReadWarnings?: number;
}

const SHORT: Record<ImplName, string> = {
  'fluxion eager': 'fluxion eager',
  'fluxion jit': 'fluxion jit',
  tfjs: 'TF.js',
  'jax-js jit': 'jax-js jit',
  'jax-js eager': 'jax-js eager',
};

/** The ratios reported: fluxion column / peer column. */
export const RATIOS: readonly [ImplName, ImplName][] = [
  ['fluxion eager', 'tfjs'],
  ['fluxion jit', 'tfjs'],
  ['fluxion jit', 'jax-js jit'],
  ['fluxion eager', 'jax-js eager'],
  ['fluxion jit', 'fluxion eager'],
];

const get = (r: WorkloadResult, impl: ImplName) => r.measurements.find((m) => m.impl === impl);

export function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

export function ratio(r: WorkloadResult, a: ImplName, b: ImplName): number | undefined {
  const x = get(r, a);
  const y = get(r, b);
  if (x?.medianMs === undefined || y?.medianMs === undefined) return undefined;
  return x.medianMs / y.medianMs;
}

function cell(r: WorkloadResult, impl: ImplName, policy: Policy): string {
  const m = get(r, impl);
  if (!m) return '—';
  if (m.unavailable) return 'n/a¹';
  if (m.error) return 'error²';
  const n = m.iterations !== policy.iterations ? ` (n=${m.iterations})` : '';
  const wrong = r.workload.expectedWrong?.[impl] && !(m.relErr! <= (r.tolerance ?? 1e-3)) ? ' ✗' : '';
  return `${ms(m.medianMs!)}${n}${wrong}`;
}

function ratioCell(r: WorkloadResult, a: ImplName, b: ImplName): string {
  const q = ratio(r, a, b);
  if (q === undefined) return '—';
  const s = q >= 10 ? q.toFixed(0) : q >= 1 ? q.toFixed(2) : q.toFixed(2);
  return q > 1.1 ? `**${s}×**` : `${s}×`;
}

const sci = (x: number | undefined) => (x === undefined ? '—' : !Number.isFinite(x) ? '∞' : x === 0 ? '0' : x.toExponential(1));

function backendSection(b: BackendResult, policy: Policy): string[] {
  const software = /swiftshader|llvmpipe/i.test(b.adapter ?? '');
  const title =
    b.backend === 'webgpu'
      ? `webgpu (Node, \`webgpu\` package = Dawn; adapter: ${b.adapter ?? 'unknown'}${software ? ' — a software rasterizer on the CPU, not a GPU: these timings say nothing about GPU speed' : ''})`
      : b.backend;
  const out = [`### ${title}`, ''];
  if (b.unavailable) return [...out, `Not available: ${b.unavailable}`, ''];
  out.push(
    `Medians in ms per iteration (value and gradient computed and read back to the host). Ratios are fluxion / peer: below 1× fluxion is faster, **bold** where fluxion is more than 10% slower.`,
    '',
    `| workload | ${IMPLS.map((i) => SHORT[i]).join(' | ')} | ${RATIOS.map(([a, c]) => `${a.replace('fluxion ', '')} / ${SHORT[c].replace('fluxion ', '')}`).join(' | ')} |`,
    `| --- | ${IMPLS.map(() => '---:').join(' | ')} | ${RATIOS.map(() => '---:').join(' | ')} |`,
  );
  const notes: string[] = [];
  for (const r of b.workloads) {
    if (r.skipped) {
      out.push(`| ${r.workload.id} | skipped: ${r.skipped} |`);
      continue;
    }
    out.push(`| ${r.workload.id} | ${IMPLS.map((i) => cell(r, i, policy)).join(' | ')} | ${RATIOS.map(([a, c]) => ratioCell(r, a, c)).join(' | ')} |`);
    for (const m of r.measurements) {
      if (m.unavailable && m.unavailable !== 'not implemented') notes.push(`${r.workload.id} ${SHORT[m.impl]}: n/a — ${m.unavailable}`);
      if (m.error) notes.push(`${r.workload.id} ${SHORT[m.impl]}: error — ${m.error}`);
    }
  }
  out.push('');
  if (notes.length) {
    // One line per distinct reason, naming every cell it applies to.
    const byReason = new Map<string, string[]>();
    for (const n of notes) {
      const [cellName, reason] = n.split(/: (?=n\/a — |error — )/) as [string, string];
      byReason.set(reason, [...(byReason.get(reason) ?? []), cellName]);
    }
    out.push('¹ n/a and ² errors:', '', ...[...byReason].map(([reason, cells]) => `- ${cells.join(', ')}: ${reason}`), '');
  }
  // Correctness: against the float64 reference and across frameworks.
  out.push(
    `Correctness (max |difference| / max |reference| over every output; tolerance ${sci(b.workloads.find((r) => r.tolerance)?.tolerance)} for fluxion):`,
    '',
    `| workload | ${IMPLS.map((i) => `${SHORT[i]} vs float64`).join(' | ')} | TF.js vs fluxion | jax-js jit vs fluxion | fluxion |`,
    `| --- | ${IMPLS.map(() => '---:').join(' | ')} | ---: | ---: | --- |`,
  );
  for (const r of b.workloads) {
    if (r.skipped) continue;
    const cross = (impl: ImplName) => sci(r.cross?.[impl]);
    const tol = r.tolerance ?? 1e-3;
    const fluxionOk = (['fluxion eager', 'fluxion jit'] as const).every((i) => {
      const m = get(r, i);
      return m && !m.error && (m.unavailable || m.relErr! <= tol);
    });
    const errs = IMPLS.map((i) => {
      const m = get(r, i);
      if (!m || m.relErr === undefined) return '—';
      const wrong = m.relErr > tol ? ' ✗' : '';
      return `${sci(m.relErr)}${wrong}`;
    });
    out.push(`| ${r.workload.id} | ${errs.join(' | ')} | ${cross('tfjs')} | ${cross('jax-js jit')} | ${fluxionOk ? 'matches' : '**FAILS**'} |`);
  }
  const wrongNotes = b.workloads.flatMap((r) =>
    Object.entries(r.workload.expectedWrong ?? {})
      .filter(([impl]) => {
        const m = get(r, impl as ImplName);
        return m?.relErr !== undefined && m.relErr > (r.tolerance ?? 1e-3);
      })
      .map(([impl, why]) => `- ✗ ${r.workload.id} ${SHORT[impl as ImplName]}: wrong result (rel. diff ${sci(get(r, impl as ImplName)!.relErr)}): ${why}.`),
  );
  if (wrongNotes.length) out.push('', ...wrongNotes);
  // First calls: tracing and compilation (jit), or the cold first run.
  out.push(
    '',
    'First call (ms; includes tracing and compiling for the jit columns):',
    '',
    `| workload | ${IMPLS.map((i) => SHORT[i]).join(' | ')} |`,
    `| --- | ${IMPLS.map(() => '---:').join(' | ')} |`,
  );
  for (const r of b.workloads) {
    if (r.skipped) continue;
    out.push(`| ${r.workload.id} | ${IMPLS.map((i) => {
      const w = get(r, i)?.warmupMs?.[0];
      return w === undefined ? '—' : ms(w);
    }).join(' | ')} |`);
  }
  // Derived numbers (GFLOP/s).
  const derived = b.workloads.filter((r) => r.workload.derive && !r.skipped);
  if (derived.length) {
    out.push('', 'Matmul throughput (2n³ / median; the median includes reading the n×n product back):', '', `| workload | ${IMPLS.map((i) => SHORT[i]).join(' | ')} |`, `| --- | ${IMPLS.map(() => '---:').join(' | ')} |`);
    for (const r of derived) {
      out.push(`| ${r.workload.id} | ${IMPLS.map((i) => {
        const m = get(r, i);
        return m?.medianMs !== undefined ? r.workload.derive!(m.medianMs) : '—';
      }).join(' | ')} |`);
    }
  }
  out.push('');
  return out;
}

function memorySection(memory: readonly MemoryResult[]): string[] {
  if (!memory.length) return [];
  const out = [
    '## W7: peak memory of W5\'s reverse pass, with and without `fx.checkpoint`',
    '',
    'Residuals: what `fx.memoryProfile` says reverse mode keeps for the backward pass. Peak: the tfjs engine\'s peak of live bytes during one value-and-grad call (`tf.profile`, above what was live before; fluxion and TF.js share the engine). jit peak: `fx.jit(valueAndGrad(f)).stats().peakBytes`, the compiled program\'s peak of intermediates. jax-js exposes no allocation statistics.',
    '',
    '| backend | variant | residuals | residual bytes | peak bytes (eager) | jit peak bytes | ms per grad (eager) | grad rel. diff to no-checkpoint |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const m of memory) {
    if (m.error || !m.rows) {
      out.push(`| ${m.backend} | error: ${m.error} | | | | | | |`);
      continue;
    }
    for (const r of m.rows) {
      out.push(
        `| ${m.backend} | ${r.label} | ${r.residuals ?? '—'} | ${kb(r.residualBytes)} | ${kb(r.peakBytes)} | ${kb(r.jitPeakBytes)} | ${r.ms === undefined ? '—' : ms(r.ms)} | ${sci(r.relDiff)} |`,
      );
    }
  }
  out.push('');
  return out;
}

const kb = (b: number | undefined) => (b === undefined ? '—' : b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

function kernelSection(kernels: readonly KernelCounts[]): string[] {
  if (!kernels.length) return [];
  const out = [
    '## Where the time goes (wasm): kernels per iteration',
    '',
    'Two extra iterations of each implementation under `tf.profile`, the faster kept (fluxion and TF.js dispatch tfjs kernels; jax-js generates its own wasm and is not visible here). "in kernels" is the sum of the profiled kernel times; the rest of that iteration\'s wall time is spent outside kernels — tracing, rule evaluation, wrappers, dispatch, readback, and tf.profile\'s own bookkeeping — shown per kernel.',
    '',
    '| workload | implementation | kernels | ms in kernels | wall ms (profiled) | outside kernels, per kernel | median ms (timed) | top kernels (count) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const k of kernels) {
    const over = Math.max(0, k.wallMs - k.kernelMs) / Math.max(1, k.kernels);
    out.push(
      `| ${k.workload} | ${SHORT[k.impl]} | ${k.kernels} | ${ms(k.kernelMs)} | ${ms(k.wallMs)} | ${(over * 1000).toFixed(0)} µs | ${k.medianMs === undefined ? '—' : ms(k.medianMs)} | ${k.top} |`,
    );
  }
  out.push('');
  return out;
}

/** One line per workload: its title and, where the implementations differ, how. */
function WORKLOAD_LIST(r: ReportInput): string[] {
  const seen = new Map<string, Workload>();
  for (const b of r.results) for (const w of b.workloads) seen.set(w.workload.id, w.workload);
  const lines = [...seen.values()].map((w) => `- **${w.id}**: ${w.title}.${w.how ? ` ${w.how}` : ''}`);
  lines.push(
    '- **W7**: peak memory of W5\'s reverse pass with and without `fx.checkpoint` (below).',
    '- **W8**: type-check cost (below).',
    '- **SGD loop**: 10,000 eager training steps, `fx.memory()` at step 1 and at the last step (below).',
    '- **Adam loop** and **first call in a fresh process** (issue 21): 200 jitted Adam steps of W1\'s MLP against jax-js, and `jit(valueAndGrad)` of W1 and W9 traced, compiled and run once in fresh processes (below, after the notes).',
  );
  return lines;
}

export function renderReport(r: ReportInput): string {
  const out: string[] = [];
  out.push(
    '# fluxion benchmarks',
    '',
    `Generated by \`npm run bench${r.quick ? ' -- --quick' : ''}\` (bench/run.ts) on ${r.date}; the whole run took ${r.totalSeconds.toFixed(0)} s.${r.quick ? ' **Quick mode: few iterations, for development only.**' : ''}${r.rerendered ? ` (Text re-rendered from that run's saved numbers on ${r.rerendered} with \`--render\`; no number changed.)` : ''}`,
    '',
    '## Machine and versions',
    '',
    `- Machine: ${r.machine}`,
    `- Load at start: \`${r.uptimeStart}\``,
    `- Load at end: \`${r.uptimeEnd}\``,
    '  (the machine is shared; with a load average above the core count every timing is inflated, ratios less so since all columns ran interleaved in one process)',
    `- Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
    '## Method',
    '',
    `- One process; per backend, every workload runs fluxion eager, fluxion jit (\`fx.jit\` of the transformed function), TF.js autodiff (\`tf.valueAndGrads\`/\`tf.grad\` on the same tfjs-core engine and backend) and jax-js (\`jit(valueAndGrad(f))\` and eager \`valueAndGrad(f)\`, on its matching device).`,
    `- Interleaved: per workload all implementations are set up together and each round times every one of them once, so a change in the shared machine's load hits every column alike.`,
    `- Warm-up: at least ${r.policy.warmup} calls (the first traces/compiles), then more while the warm-up has taken under ${r.policy.warmupBudgetMs} ms (at most ${r.policy.maxWarmup} calls), so that V8 has optimized the JavaScript a fast program runs (fluxion eager's W3 step on wasm: 0.89 ms median over calls 1–100, 0.30 ms from call 400; TF.js's 0.86 → 0.46 ms); warm-up calls are interleaved across implementations like the timed ones; then ${r.policy.iterations} timed iterations; an implementation whose median iteration is over 1 s stops after at least ${r.policy.minSlowIterations} iterations once it has used its share of the run's time budget (at most ${(r.policy.slowBudgetMs / 1000).toFixed(0)} s; shown as n=…). A slow implementation's first call counts as its warm-up. The median is reported; the run keeps to a ${r.budgetSeconds} s budget, and a workload that no longer fits in its backend's share is reported as skipped.`,
    '- Every iteration reads every output (value and all gradients) back to the host with `await data()`, so no backend can defer work past the timer.',
    '- Correctness: every output is compared with a float64 host reference (max |difference| / max |reference|), and the frameworks with each other.',
    `- TF.js gradients: tfjs-core's bundle has no gradient functions; \`@tensorflow/tfjs-core/dist/register_all_gradients.js\` is loaded through \`createRequire\` (CommonJS resolution, compiled by tsx; ${ms(r.tfGradLoadMs)} ms), registering into the same global registry (see bench/peers.ts).`,
    `- jax-js runs single-threaded in Node (its wasm worker pool needs a global \`Worker\`). Its webgpu device: ${r.jaxWebgpu}.`,
    '',
    '## Workloads',
    '',
    ...WORKLOAD_LIST(r),
    '',
    '## Results per backend',
    '',
  );
  for (const b of r.results) out.push(...backendSection(b, r.policy));
  out.push(...memorySection(r.memory));
  if (r.sgd) {
    const s = r.sgd;
    out.push(
      '## 10,000-step SGD loop (issue 4): memory stays flat',
      '',
      `A 1-32-1 tanh MLP fitting sin(1.5x) on 64 points, eager \`fx.valueAndGrad\` + SGD, one \`fx.scope\` per step, on ${s.backend}:`,
      '',
      '| | after step 1 | after step ' + s.steps.toLocaleString('en-US') + ' |',
      '| --- | ---: | ---: |',
      `| live tensors (\`fx.memory().tensors\`) | ${s.tensorsAfterStep1} | ${s.tensorsAfterLast} |`,
      `| live bytes | ${s.bytesAfterStep1} | ${s.bytesAfterLast} |`,
      `| loss | ${s.lossAfterStep1.toPrecision(4)} | ${s.lossAfterLast.toPrecision(4)} |`,
      '',
      `${s.tensorsAfterLast === s.tensorsAfterStep1 ? 'Flat: no tensor leaked' : `**Not flat: ${s.tensorsAfterLast - s.tensorsAfterStep1} tensors leaked**`} over ${s.steps.toLocaleString('en-US')} steps (${ms(s.msPerStep)} ms per step${s.concurrentWithTypecheck ? ', measured while W8\'s compiler ran beside it' : ''}).`,
      '',
    );
  }
  if (r.types) {
    out.push(
      '## W8: type-check cost',
      '',
      'The compiler\'s cost of fluxion\'s type-level shapes, measured by `npm run bench:types` (bench/typecheck.ts, which fails above its own CPU-time budget); TF.js and jax-js have no comparable type-level checking, so there is no peer column.',
      '',
      '| what | wall time (this harness) | exit |',
      '| --- | ---: | --- |',
    );
    for (const t of r.types.runs) out.push(`| ${t.label} | ${(t.wallMs / 1000).toFixed(1)} s | ${t.ok ? '0' : 'non-zero: over its budget or a type error, see its output'} |`);
    out.push('');
    for (const t of r.types.runs) if (t.detail) out.push(`${t.label}:`, '', '```', t.detail, '```', '');
  }
  out.push(...kernelSection(r.kernels));
  out.push(...targetSection(r.results));
  out.push(...behindNotes(r.results, r.kernels, r.memory, r.observed ?? {}));
  return out.join('\n') + '\n';
}
