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

/** A timed workload: a float64 reference and one factory per implementation. */
export interface Workload {
  readonly id: string;
  readonly title: string;
  /** The float64 host reference of the outputs, in `run()`'s order. */
  reference(): Float64Array[];
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
  readonly warmup: number;
  readonly iterations: number;
  /** Time allowed for the timed iterations of one slow implementation. */
  readonly slowBudgetMs: number;
  /** Minimum iterations of a slow implementation. */
  readonly minSlowIterations: number;
}

export const FULL: Policy = { warmup: 2, iterations: 20, slowBudgetMs: 6000, minSlowIterations: 3 };
export const QUICK: Policy = { warmup: 1, iterations: 5, slowBudgetMs: 2000, minSlowIterations: 2 };

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

/** Warms up and times one implementation. */
export async function measure(impl: ImplName, factory: Factory, ctx: Context, policy: Policy, reference: Float64Array[]): Promise<Measurement> {
  let runner: Runner;
  try {
    runner = await factory(ctx);
  } catch (e) {
    if (e instanceof Unavailable) return { impl, unavailable: e.message };
    return { impl, error: `setup failed: ${(e as Error).message}` };
  }
  try {
    const warmupMs: number[] = [];
    let outputs: Float32Array[] = [];
    for (let i = 0; i < policy.warmup; i++) {
      const t0 = now();
      outputs = await runner.run();
      warmupMs.push(now() - t0);
      // A slow implementation is warm after its first call (traced, compiled, caches filled).
      if (warmupMs[0]! > policy.slowBudgetMs / 2) break;
    }
    const last = warmupMs[warmupMs.length - 1]!;
    const iterations = last > 1000 ? Math.max(policy.minSlowIterations, Math.min(policy.iterations, Math.floor(policy.slowBudgetMs / last))) : policy.iterations;
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      await pause();
      const t0 = now();
      outputs = await runner.run();
      samples.push(now() - t0);
    }
    // Compared after timing: the outputs of the last timed iteration are the ones judged.
    const relErr = maxRelDiff(outputs, reference);
    return { impl, medianMs: median(samples), minMs: Math.min(...samples), iterations, warmupMs, relErr, outputs };
  } catch (e) {
    const err = e as Error;
    return { impl, error: `${err.name}: ${err.message.split('\n')[0]}` };
  } finally {
    try {
      runner.dispose?.();
    } catch {
      // a failed dispose must not hide the measurement
    }
  }
}
