/**
 * `npm run bench:onnx`: the ONNX target (issue #23) against fluxion's
 * default jit and jax-js jit, same process, wasm backend (jax-js on its wasm
 * device):
 * - W1 (784-512-512-10 MLP, batch 128, loss + 6 gradients) with the ONNX
 *   target at 1 and 2 intra-op threads, against a hand-written ONNX graph of
 *   the same step (Gemm with transposes, fused softmax gradient) run by
 *   onnxruntime-node at 1 and 2 threads;
 * - W2 (elementwise gradient, n = 1e6) and W9 (transformer step): ONNX
 *   target against jax-js jit;
 * - W3 and W5 (tiny programs): `target: 'auto'` (the planner) against the
 *   default jit;
 * - first call (trace + lower + session + first run, every output read) of
 *   the W1 and W9 steps in fresh processes: ONNX target against jax-js jit;
 * - the planner's crossover rows (ONNX_MIN_WORK): an 8-op elementwise chain
 *   and `tanh(x·w)` at growing sizes, default jit against the ONNX target.
 * Each variant's median over `--runs` timed calls (outputs read back) is
 * taken in `--rounds` interleaved rounds, after the main harness's warm-up
 * (interleaved, ≥ 2 calls and ≥ 1 s per variant); each timed block starts
 * with 2 untimed calls; the W1 ONNX Runtime group runs in 3 fresh processes.
 * The tables give the median of the round medians and their range. Prints the section and
 * writes it into bench/RESULTS.md between the `onnx` markers (kept by
 * `npm run bench`). Options: --runs=20 --rounds=7 --first-calls=3
 * --scaling-processes=3 --no-write. Internal: --only=scaling measures the W1
 * ONNX Runtime group in this process and prints its rows as JSON.
 * --firstcall=mlp|transformer runs one first-call measurement.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import * as fx from '../lib/index.js';
import { handWrittenW1 } from './onnxW1Graph.js';
import { readFx } from './data.js';
import { FULL, maxRelDiff, type Context, type Runner, type Workload } from './harness.js';
import { data as w1Data, fxLoss, fxMlpInputs } from './workloads/w1-mlp.js';
import { w1 } from './workloads/w1-mlp.js';
import { w2 } from './workloads/w2-elementwise.js';
import { w3 } from './workloads/w3-branch.js';
import { w5 } from './workloads/w5-spring.js';
import { fxIds, fxTransformerLoss, fxTransformerParams, inParamOrder, w9 } from './workloads/w9-transformer.js';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const RUNS = Number(arg('runs', '20'));
/**
 * Interleaved rounds per group. Every group's bar is one its ratio comes near on this machine (W1's thread
 * scaling, W2 and W9 at 0.3× jax-js, W3 and W5 at 1×), and the host's other load comes and goes over seconds.
 */
const ROUNDS = Number(arg('rounds', '7'));
const FIRST_CALLS = Number(arg('first-calls', '3'));
/** Fresh processes the ONNX Runtime W1 group (thread scaling) is measured in. */
const SCALING_PROCESSES = Number(arg('scaling-processes', '3'));
await fx.setBackend('wasm');

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// ---------------------------------------------------------------- first-call child process
const firstCall = arg('firstcall', '');
if (firstCall) {
  const t0 = performance.now();
  let loss: number;
  if (firstCall === 'mlp') {
    const [p, x, y] = fxMlpInputs();
    const t = performance.now();
    const [v, g] = fx.jit(fx.valueAndGrad(fxLoss), { target: 'onnx' })(p, x, y);
    loss = (await readFx([v, g.w1, g.b1, g.w2, g.b2, g.w3, g.b3]))[0]![0]!;
    console.log(JSON.stringify({ ms: performance.now() - t, loss }));
  } else {
    const p = fxTransformerParams();
    const [ids, next] = fxIds();
    const t = performance.now();
    const [v, g] = fx.jit(fx.valueAndGrad(fxTransformerLoss), { target: 'onnx' })(p, ids, next);
    loss = (await readFx([v, ...inParamOrder<fx.Tensor>(g as never)]))[0]![0]!;
    console.log(JSON.stringify({ ms: performance.now() - t, loss }));
  }
  void t0;
  process.exit(0);
}

// ---------------------------------------------------------------- measuring
interface Variant {
  readonly label: string;
  readonly setup: () => Promise<Runner> | Runner;
  /** float64 reference outputs to check against (max |diff| / max |ref| per output). */
  readonly reference?: readonly ArrayLike<number>[];
  readonly referenceOutputs?: number;
}
interface Row {
  readonly label: string;
  /** Per round: the median wall ms of a call, and the median CPU ms this process used in it (all threads). */
  readonly ms: number[];
  readonly cpu: number[];
  /** The fastest single call over all rounds (wall ms): the least disturbed by other processes. */
  best: number;
  relErr?: number;
  error?: string;
}

async function measure(variants: readonly Variant[], runs = RUNS, rounds = ROUNDS): Promise<Row[]> {
  const rows: Row[] = variants.map((v) => ({ label: v.label, ms: [], cpu: [], best: Infinity }));
  const runners: (Runner | undefined)[] = [];
  for (const [i, v] of variants.entries()) {
    try {
      const r = await v.setup();
      runners.push(r);
      const out = await r.run();
      if (v.reference) rows[i]!.relErr = maxRelDiff(v.referenceOutputs === undefined ? out : out.slice(0, v.referenceOutputs), v.reference);
    } catch (e) {
      runners.push(undefined);
      rows[i]!.error = (e as Error).message.split('\n')[0];
    }
  }
  await warmUp(runners);
  for (let round = 0; round < rounds; round++) {
    // Each round starts one variant later: no variant always runs first (after another group's work).
    for (let k = 0; k < runners.length; k++) {
      const i = (k + round) % runners.length;
      const r = runners[i];
      if (!r) continue;
      // The block's first calls are untimed: they take what the previous variant left (its garbage, cold caches).
      for (let k = 0; k < SETTLE; k++) await r.run();
      const times: number[] = [];
      const cpu: number[] = [];
      for (let k = 0; k < runs; k++) {
        const c = process.cpuUsage();
        const t = performance.now();
        await r.run();
        times.push(performance.now() - t);
        const u = process.cpuUsage(c);
        cpu.push((u.user + u.system) / 1000);
      }
      rows[i]!.ms.push(median(times));
      rows[i]!.cpu.push(median(cpu));
      rows[i]!.best = Math.min(rows[i]!.best, ...times);
    }
  }
  for (const r of runners) r?.dispose?.();
  for (const row of rows) console.error(`${row.label.padEnd(48)} ${row.error ?? show(row)}  rounds: ${row.ms.map((m) => m.toFixed(2)).join(' ')}`);
  return rows;
}

/** Untimed calls at the start of each timed block. */
const SETTLE = 2;

/**
 * The main harness's warm-up (FULL in bench/harness.ts): at least `warmup` calls per variant, then more
 * while its warm-up has taken under `warmupBudgetMs` (at most `maxWarmup` calls), interleaved across the
 * variants so that none has cooled down again by the time the timed rounds start.
 */
async function warmUp(runners: readonly (Runner | undefined)[]): Promise<void> {
  const spent = runners.map(() => 0);
  const calls = runners.map(() => 0);
  const done = (i: number) => !runners[i] || calls[i]! >= FULL.maxWarmup || (calls[i]! >= FULL.warmup && spent[i]! >= FULL.warmupBudgetMs);
  while (runners.some((_, i) => !done(i))) {
    for (const [i, r] of runners.entries()) {
      if (done(i)) continue;
      const t = performance.now();
      await r!.run();
      spent[i]! += performance.now() - t;
      calls[i]!++;
    }
  }
}

const show = (row: Row) => (row.ms.length ? `${median(row.ms).toFixed(2)} (${Math.min(...row.ms).toFixed(2)}–${Math.max(...row.ms).toFixed(2)})` : row.error ?? 'n/a');
const bestRatio = (a: Row, b: Row) => (Number.isFinite(a.best) && Number.isFinite(b.best) ? `${(a.best / b.best).toFixed(2)}×` : 'n/a');
const cpuRatio = (a: Row, b: Row) => (a.cpu.length && b.cpu.length ? `${(median(a.cpu) / median(b.cpu)).toFixed(2)}×` : 'n/a');
const ratio = (a: Row, b: Row) => (a.ms.length && b.ms.length ? median(a.ms) / median(b.ms) : NaN);
/** The ratio of round medians, with its range over rounds. */
const ratioCell = (a: Row, b: Row) => {
  if (!a.ms.length || !b.ms.length) return 'n/a';
  const per = a.ms.map((x, i) => x / b.ms[i]!);
  return `${ratio(a, b).toFixed(2)}× (${Math.min(...per).toFixed(2)}–${Math.max(...per).toFixed(2)}; best ${bestRatio(a, b)})`;
};

const ctx: Context = { backend: 'wasm', quick: false };
/**
 * Each workload's float64 reference, computed once and shared by its variants. Computed and held once per
 * variant (six for W1), the W1 rows' process ran its garbage collector's marking threads through half a core
 * during the timed calls, which took the second ONNX Runtime thread's core: the 2-thread step measured
 * 1.0–1.1× faster than 1 thread in that process, 1.35–1.43× with one reference.
 */
const references = new Map<Workload, Float64Array[]>();
const referenceOf = (w: Workload): Float64Array[] => references.get(w) ?? references.set(w, w.reference()).get(w)!;
/** A workload's factory run with `target` as the default jit target (its setup calls `fx.jit(f)`). */
function withTarget(w: Workload, impl: 'fluxion jit' | 'jax-js jit', target: fx.JitTarget, label: string): Variant {
  const reference = referenceOf(w);
  return {
    label,
    reference,
    referenceOutputs: w.referenceOutputs,
    setup: async () => {
      const previous = fx.setDefaultJitTarget(target);
      try {
        return await w.impls[impl]!(ctx);
      } finally {
        fx.setDefaultJitTarget(previous);
      }
    },
  };
}

// ---------------------------------------------------------------- W1: hand-written ONNX graph
type OrtModule = {
  InferenceSession: { create(bytes: Uint8Array, options: object): Promise<{ run(feeds: object): Promise<Record<string, { data: Float32Array }>>; release(): Promise<void> }> };
  Tensor: new (type: string, data: Float32Array, dims: number[]) => object;
};
const ort = createRequire(import.meta.url)('onnxruntime-node') as OrtModule;

function handW1(threads: number): Variant {
  return {
    label: `W1 hand-written ONNX graph, ORT ${threads} thread${threads > 1 ? 's' : ''}`,
    reference: referenceOf(w1),
    setup: async () => {
      const d = w1Data();
      const session = await ort.InferenceSession.create(handWrittenW1(), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
      const t = (a: Float32Array, dims: number[]) => new ort.Tensor('float32', a, dims);
      const feeds = { x: t(d.x, [128, 784]), y: t(d.y, [128, 10]), w1: t(d.w[0]!, [784, 512]), b1: t(d.b[0]!, [512]), w2: t(d.w[1]!, [512, 512]), b2: t(d.b[1]!, [512]), w3: t(d.w[2]!, [512, 10]), b3: t(d.b[2]!, [10]) };
      return {
        run: async () => {
          const r = await session.run(feeds);
          // ONNX Runtime's outputs are new arrays each run: the caller's own without another copy (see onnxW1).
          return ['loss', 'gw1', 'gb1', 'gw2', 'gb2', 'gw3', 'gb3'].map((k) => r[k]!.data);
        },
        dispose: () => void session.release(),
      };
    },
  };
}

function onnxW1(threads: number): Variant {
  return {
    label: `W1 fluxion jit, target 'onnx', ${threads} thread${threads > 1 ? 's' : ''}`,
    reference: referenceOf(w1),
    setup: () => {
      const [p, x, y] = fxMlpInputs();
      const step = fx.jit(fx.valueAndGrad(fxLoss), { target: 'onnx', threads });
      return {
        run: () =>
          fx.scope(async () => {
            const [v, g] = step(p, x, y);
            // One copy out of the wasm heap per output: `data()` returns the caller's own array on every backend
            // (docs/conventions.md), so the second copy readFx makes for the main bench's peers is left out here, as
            // for the hand-written graph's outputs (2.6 MB per step, serial work beside the threaded graph).
            return Promise.all([v, g.w1, g.b1, g.w2, g.b2, g.w3, g.b3].map((t) => t.data() as Promise<Float32Array>));
          }),
        dispose: () => step.clear(),
      };
    },
  };
}

// ---------------------------------------------------------------- crossover rows
async function crossover(): Promise<string[]> {
  const F = fx as unknown as Record<string, (...a: unknown[]) => fx.Tensor>;
  const chain = (v: fx.Tensor) => F.add!(F.mul!(F.sin!(v), F.exp!(F.neg!(F.mul!(v, v)))), F.mul!(F.tanh!(v), v));
  const mm = (x: fx.Tensor, w: fx.Tensor) => F.tanh!(F.matmul!(x, w));
  const lines = ['| program | work units | default jit ms | ONNX target ms | ONNX / default | planner (`auto`) picks |', '| --- | ---: | ---: | ---: | ---: | --- |'];
  const cases: [string, (target: 'default' | 'onnx' | 'auto') => { run(): unknown; work(): number; target(): string; clear(): void }][] = [
    ...[4096, 65536, 262144, 1048576].map((n): (typeof cases)[number] => [
      `8-op elementwise chain, n = ${n}`,
      (target) => {
        const x = fx.ones([n]) as fx.Tensor;
        const f = fx.jit(chain, { target });
        return { run: () => fx.scope(() => void f(x).dataSync()), work: () => f.stats().programs?.[0]?.segments.reduce((s, g) => s + g.work, 0) ?? NaN, target: () => f.stats().programs?.[0]?.target ?? '', clear: () => f.clear() };
      },
    ]),
    ...[32, 64, 128, 256].map((m): (typeof cases)[number] => [
      `tanh(x·w), ${m}×${m}`,
      (target) => {
        const x = fx.ones([m, m]) as fx.Tensor;
        const w = fx.ones([m, m]) as fx.Tensor;
        const f = fx.jit(mm, { target });
        return { run: () => fx.scope(() => void f(x, w).dataSync()), work: () => f.stats().programs?.[0]?.segments.reduce((s, g) => s + g.work, 0) ?? NaN, target: () => f.stats().programs?.[0]?.target ?? '', clear: () => f.clear() };
      },
    ]),
  ];
  for (const [label, make] of cases) {
    const made = { default: make('default'), onnx: make('onnx'), auto: make('auto') };
    const rows = await measure(
      (['default', 'onnx'] as const).map((t) => ({ label: `${label} (${t})`, setup: () => ({ run: async () => (made[t].run(), []) }) })),
      Math.max(RUNS, 30),
    );
    made.auto.run();
    lines.push(`| ${label} | ${made.onnx.work().toExponential(1)} | ${show(rows[0]!)} | ${show(rows[1]!)} | ${ratioCell(rows[1]!, rows[0]!)} | ${made.auto.target()} |`);
    for (const m of Object.values(made)) m.clear();
  }
  return lines;
}

// ---------------------------------------------------------------- first calls
function firstCalls(): string[] {
  const spawn = (args: string[]) => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 24 });
    return JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number; loss: number };
  };
  const lines = ['| model | fluxion ONNX target ms | fluxion default jit ms | jax-js jit ms | ONNX / jax-js | losses (ONNX, default, jax-js) |', '| --- | ---: | ---: | ---: | ---: | --- |'];
  for (const model of ['mlp', 'transformer'] as const) {
    const onnx: number[] = [];
    const dflt: number[] = [];
    const jaxMs: number[] = [];
    let losses: number[] = [];
    for (let i = 0; i < FIRST_CALLS; i++) {
      const a = spawn(['bench/onnx.ts', `--firstcall=${model}`]);
      const b = spawn(['bench/firstcall.ts', model, 'fluxion']);
      const c = spawn(['bench/firstcall.ts', model, 'jax-js']);
      onnx.push(a.ms);
      dflt.push(b.ms);
      jaxMs.push(c.ms);
      losses = [a.loss, b.loss, c.loss];
      console.error(`first call ${model}: onnx ${a.ms.toFixed(0)} default ${b.ms.toFixed(0)} jax-js ${c.ms.toFixed(0)}`);
    }
    const cell = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
    lines.push(`| ${model === 'mlp' ? 'W1 MLP' : 'W9 transformer'} | ${cell(onnx)} | ${cell(dflt)} | ${cell(jaxMs)} | ${(median(onnx) / median(jaxMs)).toFixed(2)}× | ${losses.map((l) => l.toPrecision(6)).join(', ')} |`);
  }
  return lines;
}

// ---------------------------------------------------------------- the section
const started = loadavg().map((l) => l.toFixed(2)).join(', ');
const ortVersion = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
console.error(`wasm backend, ${availableParallelism()} cores, onnxruntime-node ${ortVersion}, load ${started}`);

// Thread scaling is measured among the ONNX Runtime variants alone: interleaved with jax-js's W1 (20 ms of
// allocation per call), the garbage collector's marking threads ran through the ORT calls that followed and took
// the second thread's core (fluxion's 2-thread step measured 1.0–1.1× faster than 1 thread beside jax-js,
// 1.35–1.43× without it, 1-thread CPU per call 10 ms against 6 ms wall). jax-js is compared in a group of its own.
const scalingVariants = (): Variant[] => [handW1(1), handW1(2), onnxW1(1), onnxW1(2)];
if (arg('only', '') === 'scaling') {
  const rows = await measure(scalingVariants(), RUNS, ROUNDS);
  const [h1, h2, o1, o2] = rows as [Row, Row, Row, Row];
  console.error(`hand-written 2 threads / 1 thread ${ratio(h1, h2).toFixed(2)}×; ONNX target ${ratio(o1, o2).toFixed(2)}× (per round ${o1.ms.map((m, i) => (m / o2.ms[i]!).toFixed(2)).join(' ')})`);
  console.log(JSON.stringify(rows));
  process.exit(0);
}
/**
 * The ONNX Runtime W1 group, in SCALING_PROCESSES fresh processes: on this shared machine a 2-thread
 * process is sometimes slow for its whole life (the same step measured 3.1–3.3 ms in most processes and
 * 4.1–4.9 ms in about one in four, the hand-written graph likewise), so one process decides nothing.
 * Each variant's rounds are pooled over the processes; round k of one variant is compared with round k of another.
 */
function scalingRows(): Row[] {
  const perProcess = Array.from({ length: SCALING_PROCESSES }, () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/onnx.ts', '--only=scaling', `--runs=${RUNS}`, `--rounds=${ROUNDS}`], {
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as (Omit<Row, 'best'> & { best: number | null })[];
  });
  return perProcess[0]!.map((row, i) => {
    const all = perProcess.map((rows) => rows[i]!);
    const errs = all.map((r) => r.relErr).filter((e): e is number => e !== undefined);
    return {
      label: row.label,
      ms: all.flatMap((r) => r.ms),
      cpu: all.flatMap((r) => r.cpu),
      best: Math.min(...all.map((r) => r.best ?? Infinity)),
      ...(errs.length ? { relErr: Math.max(...errs) } : {}),
      ...(all.some((r) => r.error) ? { error: all.find((r) => r.error)!.error } : {}),
    };
  });
}
// Thread scaling is measured among the ONNX Runtime variants alone: interleaved with jax-js's W1 (20 ms of
// allocation per call), the garbage collector's marking threads ran through the ORT calls that followed and took
// the second thread's core (fluxion's 2-thread step measured 1.0–1.1× faster than 1 thread beside jax-js,
// 1.35–1.43× without it, 1-thread CPU per call 10 ms against 6 ms wall). jax-js is compared in a group of its own.
const [hand1, hand2, onnx1, onnx2] = scalingRows() as [Row, Row, Row, Row];
const [onnx2Beside, w1Default, w1Jax] = (await measure([
  onnxW1(2),
  withTarget(w1, 'fluxion jit', 'default', 'W1 fluxion jit (default target)'),
  withTarget(w1, 'jax-js jit', 'default', 'W1 jax-js jit'),
], RUNS, ROUNDS)) as [Row, Row, Row];
const bigRows = await measure([
  withTarget(w2, 'fluxion jit', 'onnx', "W2 fluxion jit, target 'onnx'"),
  withTarget(w2, 'fluxion jit', 'default', 'W2 fluxion jit (default target)'),
  withTarget(w2, 'jax-js jit', 'default', 'W2 jax-js jit'),
  withTarget(w9, 'fluxion jit', 'onnx', "W9 fluxion jit, target 'onnx'"),
  withTarget(w9, 'fluxion jit', 'default', 'W9 fluxion jit (default target)'),
  withTarget(w9, 'jax-js jit', 'default', 'W9 jax-js jit'),
], Math.max(5, Math.round(RUNS / 2)));
const [w2Onnx, w2Default, w2Jax, w9Onnx, w9Default, w9Jax] = bigRows as [Row, Row, Row, Row, Row, Row];
const smallRows = await measure([
  withTarget(w3, 'fluxion jit', 'auto', "W3 fluxion jit, target 'auto'"),
  withTarget(w3, 'fluxion jit', 'default', 'W3 fluxion jit (default target)'),
  withTarget(w5, 'fluxion jit', 'auto', "W5 fluxion jit, target 'auto'"),
  withTarget(w5, 'fluxion jit', 'default', 'W5 fluxion jit (default target)'),
], RUNS * 2, ROUNDS);
const [w3Auto, w3Default, w5Auto, w5Default] = smallRows as [Row, Row, Row, Row];
const cross = await crossover();
const first = FIRST_CALLS > 0 ? firstCalls() : ['(not run: --first-calls=0)'];
const ended = loadavg().map((l) => l.toFixed(2)).join(', ');

const cell = (row: Row) => `${show(row)}${Number.isFinite(row.best) ? `, best ${row.best.toFixed(2)}` : ''}${row.cpu.length ? `, CPU ${median(row.cpu).toFixed(2)}` : ''}${row.relErr !== undefined ? ` · ${row.relErr.toExponential(1)}` : ''}`;
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const section = [
  "## ONNX Runtime as a jit target (issue 23): `npm run bench:onnx`, wasm",
  '',
  `onnxruntime-node ${ortVersion} (CPU execution provider), ${availableParallelism()} cores, same process as fluxion's default jit and jax-js jit (its wasm device). ` +
    `Each cell: the median over ${ROUNDS} interleaved rounds (for the ONNX Runtime W1 group, ${ROUNDS} in each of ${SCALING_PROCESSES} fresh processes, pooled; each round starts one variant later) of the median of ${RUNS} timed calls (after the main harness's interleaved warm-up, and ${SETTLE} untimed calls at the start of each block; outputs read back: one copy of each into an array the caller owns), and the range of the round medians, in wall ms; then the fastest single call (\`best\`, the least disturbed by other processes); then the CPU ms the process used per call (all threads: steadier than wall time on a shared machine for 1-thread variants); after \`·\`, the max relative difference to the float64 reference. ` +
    `The W1 rows are two groups: the ONNX Runtime variants (hand-written graph and ONNX target, 1 and 2 threads), then the ONNX target with 2 threads beside fluxion's default jit and jax-js jit; interleaved with jax-js's W1, the garbage collector's threads took the second ORT thread's core (bench/onnx.ts). ` +
    `Load average ${started} at the start, ${ended} at the end: on a shared machine, read the ranges.`,
  '',
  '| workload | variant | ms | ratio (of medians; range over rounds; ratio of best calls) | target | met (medians) |',
  '| --- | --- | ---: | ---: | --- | --- |',
  `| W1 step | ONNX target, 1 thread | ${cell(onnx1)} | ${ratioCell(onnx1, hand1)} of the hand-written graph (1 thread); CPU ${cpuRatio(onnx1, hand1)} | ≤ 1.3× | ${verdict(ratio(onnx1, hand1) <= 1.3)} |`,
  `| W1 step | ONNX target, 2 threads | ${cell(onnx2)} | ${ratioCell(onnx1, onnx2)} faster than 1 thread | ≥ 1.4× | ${verdict(ratio(onnx1, onnx2) >= 1.4)} |`,
  `| W1 step | ONNX target, 2 threads vs jax-js jit (measured beside it) | ${cell(onnx2Beside)} | ${ratioCell(onnx2Beside, w1Jax)} | ≤ 0.3× | ${verdict(ratio(onnx2Beside, w1Jax) <= 0.3)} |`,
  `| W1 step | hand-written ONNX graph, 1 / 2 threads | ${cell(hand1)} / ${cell(hand2)} | ${ratioCell(hand1, hand2)} | | |`,
  `| W1 step | fluxion default jit / jax-js jit | ${cell(w1Default)} / ${cell(w1Jax)} | | | |`,
  `| W2 grad | ONNX target vs jax-js jit | ${cell(w2Onnx)} / ${cell(w2Jax)} | ${ratioCell(w2Onnx, w2Jax)} | ≤ 0.3× | ${verdict(ratio(w2Onnx, w2Jax) <= 0.3)} |`,
  `| W2 grad | fluxion default jit | ${cell(w2Default)} | ${ratioCell(w2Onnx, w2Default)} (ONNX / default) | | |`,
  `| W9 transformer step | ONNX target vs jax-js jit | ${cell(w9Onnx)} / ${cell(w9Jax)} | ${ratioCell(w9Onnx, w9Jax)} | ≤ 0.3× | ${verdict(ratio(w9Onnx, w9Jax) <= 0.3)} |`,
  `| W9 transformer step | fluxion default jit | ${cell(w9Default)} | ${ratioCell(w9Onnx, w9Default)} (ONNX / default) | | |`,
  `| W3 (10 elements) | \`'auto'\` vs default jit | ${cell(w3Auto)} / ${cell(w3Default)} | ${ratioCell(w3Auto, w3Default)} | no slower (≤ ~1.1×) | ${verdict(ratio(w3Auto, w3Default) <= 1.1)} |`,
  `| W5 (spring, 200 steps) | \`'auto'\` vs default jit | ${cell(w5Auto)} / ${cell(w5Default)} | ${ratioCell(w5Auto, w5Default)} | no slower (≤ ~1.1×) | ${verdict(ratio(w5Auto, w5Default) <= 1.1)} |`,
  '',
  `First call in a fresh process (trace + optimize + lower + ONNX Runtime session, or jax-js's trace + compile, then the first run with every output read back; loading onnxruntime-node, which happens on the first ONNX compile, is included), wasm, ${FIRST_CALLS} processes per cell, median (range):`,
  '',
  ...first,
  '',
  "The planner's crossover (`ONNX_MIN_WORK` = 1e6 work units and `ONNX_MIN_WORK_PER_EQUATION` = 1e4, lib/onnx/plan.ts; W5 above is the per-equation rule's case): one program per row, default jit against the ONNX target, and what `target: 'auto'` picks:",
  '',
  ...cross,
  '',
].join('\n');
console.log(section);
if (!process.argv.includes('--no-write')) {
  const path = 'bench/RESULTS.md';
  const text = readFileSync(path, 'utf8');
  const [begin, end] = ['<!-- onnx -->', '<!-- /onnx -->'];
  const block = `${begin}\n${section}\n${end}`;
  writeFileSync(path, text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${text.trimEnd()}\n\n${block}\n`);
}
setTimeout(() => process.exit(0), 100).unref();
