/**
 * The timing and comparison core of `npm run bench`: every implementation of
 * a workload is a `Runner` whose `run()` computes the values and gradients
 * and reads every one of them back to the host (so asynchronous backends
 * cannot hide work), and `measure` times it after a warm-up.
 */

/** The backends compared; every peer runs on the matching one. */
export type BackendName = 'cpu' | 'wasm' | 'webgpu';

/** The columns of the tables. */
export const IMPLS = ['fluxion eager', 'fluxion jit', 'tfjs', 'jax-js jit', 'jax-js eager'] as const;
export type ImplName = (typeof IMPLS)[number];

/** One prepared implementation: `run` does one iteration, read back. */
export interface Runner {
  run(): Promise<Float32Array[]>;
  dispose?(): void;
}

/** Thrown by a factory when an implementation cannot run here; the message is the reason. */
export class Unavailable extends Error {
  override readonly name = 'Unavailable';
}

/** What the harness hands a workload's factories. */
export interface Context {
  readonly backend: BackendName;
  readonly quick: boolean;
}

export type Factory = (ctx: Context) => Promise<Runner> | Runner;

/** All five columns: fluxion eager and jit, TF.js, jax-js jit and eager, from one setup per framework. */
export function everyImpl(fxSetup: (jit: boolean) => Factory, tfSetup: Factory, jaxSetup: (jit: boolean) => Factory): Record<ImplName, Factory> {
  return { 'fluxion eager': fxSetup(false), 'fluxion jit': fxSetup(true), tfjs: tfSetup, 'jax-js jit': jaxSetup(true), 'jax-js eager': jaxSetup(false) };
}

/** A timed workload: a float64 reference and one factory per implementation. */
export interface Workload {
  readonly id: string;
  readonly title: string;
  /** How the implementations express it, where they differ (one or two sentences for RESULTS.md). */
  readonly how?: string;
  /** The float64 host reference of the outputs, in `run()`'s order. */
  reference(): Float64Array[];
  /**
   * How many of `run()`'s outputs the reference covers (default all): a reference may check only the
   * first outputs (e.g. a loss) when the rest are compared across frameworks instead.
   */
  readonly referenceOutputs?: number;
  /** Timed iterations for a heavy workload (default the policy's); never more than the policy's. */
  readonly iterations?: number;
  /** Largest accepted relative difference to the reference (default 1e-3; webgpu gets 1e-2). */
  readonly tolerance?: number;
  readonly impls: Partial<Record<ImplName, Factory>>;
  /** A reason per implementation that is not applicable on every backend. */
  readonly notApplicable?: Partial<Record<ImplName, string>>;
  /** Extra per-result text (e.g. GFLOP/s from a median). */
  readonly derive?: (medianMs: number) => string;
  /** Known-wrong peers: accepted to differ from the reference, with the reason reported. */
  readonly expectedWrong?: Partial<Record<ImplName, string>>;
  /** Backends this workload skips, with the reason. */
  readonly skip?: Partial<Record<BackendName, string>>;
}

/** The outcome of timing one implementation. */
export interface Measurement {
  readonly impl: ImplName;
  readonly medianMs?: number;
  readonly minMs?: number;
  readonly iterations?: number;
  readonly warmupMs?: number[];
  /** Max relative difference to the float64 reference. */
  readonly relErr?: number;
  readonly outputs?: Float32Array[];
  /** Why it did not run (n/a) or how it failed. */
  readonly unavailable?: string;
  readonly error?: string;
}

/** Iteration policy: ≥ 20 timed iterations, fewer only when one takes > 1 s. */
export interface Policy {
  /** Warm-up calls: at least `warmup`, then more while they took under `warmupBudgetMs` in all (at most `maxWarmup`). */
  readonly warmup: number;
  readonly warmupBudgetMs: number;
  readonly maxWarmup: number;
  readonly iterations: number;
  /** Time allowed for the timed iterations of one slow implementation. */
  readonly slowBudgetMs: number;
  /** Minimum iterations of a slow implementation. */
  readonly minSlowIterations: number;
}

export const FULL: Policy = { warmup: 2, warmupBudgetMs: 1000, maxWarmup: 1000, iterations: 20, slowBudgetMs: 6000, minSlowIterations: 3 };
export const QUICK: Policy = { warmup: 1, warmupBudgetMs: 0, maxWarmup: 1, iterations: 5, slowBudgetMs: 2000, minSlowIterations: 2 };

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Relative difference of `got` to `want`: the largest elementwise error over
 * the largest magnitude of `want`, per output, worst output.
 */
export function maxRelDiff(got: readonly ArrayLike<number>[], want: readonly ArrayLike<number>[]): number {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let k = 0; k < got.length; k++) {
    const a = got[k]!;
    const b = want[k]!;
    if (a.length !== b.length) return Infinity;
    let scale = 0;
    for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
    let err = 0;
    for (let i = 0; i < b.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      if (!(d <= err)) err = Number.isNaN(d) ? Infinity : d;
    }
    worst = Math.max(worst, err / Math.max(scale, 1e-30));
  }
  return worst;
}

const now = () => performance.now();

/** Gives the event loop (and a shared machine) a breath between implementations. */
const pause = () => new Promise<void>((r) => setTimeout(r, 0));

/** Reads the tfjs engine's live-tensor count (fluxion and TF.js share the engine). */
export type TensorCounter = () => number;

interface Slot {
  readonly impl: ImplName;
  readonly runner: Runner;
  readonly warmupMs: number[];
  readonly samples: number[];
  outputs: Float32Array[];
  leaked: number;
  error?: string;
  done: boolean;
}

/**
 * Warms up and times every implementation of a workload, interleaved: each
 * round runs every implementation once, so a change in the machine's load
 * (it is shared) hits all columns alike instead of whichever ran at the time.
 * Each implementation gets `policy.iterations` timed runs; one whose median
 * iteration is over 1 s stops early once it has run `minSlowIterations` times
 * and used `slowBudgetMs`. Live tensors are counted around every run of the
 * tfjs-based implementations (outside the timer): a run must leave none.
 */
export async function measureWorkload(
  w: Workload,
  ctx: Context,
  policy: Policy,
  reference: Float64Array[],
  tensors: TensorCounter,
  log: (m: Measurement) => void = () => {},
): Promise<Measurement[]> {
  const results = new Map<ImplName, Measurement>();
  const slots: Slot[] = [];
  for (const impl of IMPLS) {
    const factory = w.impls[impl];
    if (!factory) {
      results.set(impl, { impl, unavailable: w.notApplicable?.[impl] ?? 'not implemented' });
      continue;
    }
    try {
      const runner = await factory(ctx);
      slots.push({ impl, runner, warmupMs: [], samples: [], outputs: [], leaked: 0, done: false });
    } catch (e) {
      results.set(impl, e instanceof Unavailable ? { impl, unavailable: e.message } : { impl, error: `setup failed: ${(e as Error).message}` });
    }
  }
  const tracked = (impl: ImplName) => impl !== 'jax-js jit' && impl !== 'jax-js eager';
  // Leaks are counted on timed runs only: a first (warm-up) call may cache what it traced, e.g. jit's constants.
  const once = async (slot: Slot, countLeaks: boolean): Promise<number> => {
    const before = tracked(slot.impl) ? tensors() : 0;
    const t0 = now();
    slot.outputs = await slot.runner.run();
    const dt = now() - t0;
    if (countLeaks && tracked(slot.impl)) slot.leaked = Math.max(slot.leaked, tensors() - before);
    return dt;
  };
  const guard = async (slot: Slot, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      const err = e as Error;
      slot.error = `${err.name}: ${err.message.split('\n')[0]}`;
      slot.done = true;
    }
  };
  // Warm-up: a slow implementation is warm after its first call (traced, compiled, caches filled). A fast
  // one is called until V8 has optimized the code it runs (its steady state, which the timed calls measure;
  // first calls are measured in fresh processes): fluxion eager's W3 step on wasm took 0.89 ms over calls
  // 1–100 and 0.30 ms from call 400 on, TF.js's 0.86 and 0.46 ms. Warm-up calls are interleaved like the
  // timed ones: with each implementation's warm-up run in one block, the first ones warmed had slowed down
  // again by the time the timed rounds came (W3 on wasm: fluxion eager 0.86–1.63 ms against TF.js's
  // 0.68–1.20, 1.3×; interleaved: 0.67 against 0.81–0.83, 0.8×).
  const warm = (slot: Slot) => {
    const n = slot.warmupMs.length;
    const spent = slot.warmupMs.reduce((a, b) => a + b, 0);
    return slot.done || n >= policy.maxWarmup || (n >= policy.warmup && spent >= policy.warmupBudgetMs) || (n > 0 && slot.warmupMs[0]! > policy.slowBudgetMs / 2);
  };
  while (slots.some((s) => !warm(s))) {
    for (const slot of slots) {
      if (warm(slot)) continue;
      await guard(slot, async () => {
        slot.warmupMs.push(await once(slot, false));
      });
    }
  }
  const start = now();
  for (let round = 0; slots.some((s) => !s.done); round++) {
    for (const slot of slots) {
      if (slot.done) continue;
      await pause();
      await guard(slot, async () => {
        slot.samples.push(await once(slot, true));
      });
      const slow = median(slot.samples) > 1000;
      if (slot.samples.length >= policy.iterations || (slow && slot.samples.length >= policy.minSlowIterations && now() - start > policy.slowBudgetMs)) slot.done = true;
    }
  }
  for (const slot of slots) {
    let m: Measurement;
    if (slot.error) m = { impl: slot.impl, error: slot.error };
    else {
      // Judged on the outputs of the last timed iteration.
      m = {
        impl: slot.impl,
        medianMs: median(slot.samples),
        minMs: Math.min(...slot.samples),
        iterations: slot.samples.length,
        warmupMs: slot.warmupMs,
        relErr: maxRelDiff(w.referenceOutputs === undefined ? slot.outputs : slot.outputs.slice(0, w.referenceOutputs), reference),
        outputs: slot.outputs,
        ...(slot.leaked > 0 ? { error: `each run left ${slot.leaked} live tensor(s) behind` } : {}),
      };
    }
    try {
      slot.runner.dispose?.();
    } catch {
      // a failed dispose must not hide the measurement
    }
    results.set(slot.impl, m);
  }
  const ordered = IMPLS.map((i) => results.get(i)!);
  ordered.forEach(log);
  return ordered;
}
