/**
 * What a checkpointed loop stores for reverse mode, reported to
 * `memoryProfile` while it runs: `scan` describes its schedule here (how many
 * carries it keeps at once at the peak of the backward pass and how many
 * steps' residuals), and `memoryProfile` lists the reports.
 */

/** The reverse-mode storage of one `scan` (or `fori`) call, as its checkpoint policy schedules it. @public */
export interface LoopCheckpoint {
  /** `'all'`, `'every k'` or `'binomial'`. */
  readonly policy: string;
  /** The trip count. */
  readonly length: number;
  /** Checkpointed carries alive at once at the peak of the backward pass (0 for `'all'`). */
  readonly storedCarries: number;
  /** Steps whose residuals are alive at once at that peak (n for `'all'`, k for `{ every: k }`). */
  readonly residualSteps: number;
  /** Bytes of one carry (all its leaves). */
  readonly carryBytes: number;
  /** The segment counts: `[n/k]` for `{ every: k }`, `[chunks]` for `'binomial'`, `[]` for `'all'`. */
  readonly levels: readonly number[];
  /** Forward evaluations of each step on average in a reverse pass, its linearization included (1 for `'all'`, about 2 for `{ every: k }`). */
  readonly evaluationsPerStep: number;
}

let sink: LoopCheckpoint[] | null = null;
let depth = 0;

/** Records a loop's schedule when a `memoryProfile` is collecting (only the outermost loop of a nest). */
export function reportLoop(info: LoopCheckpoint): void {
  if (sink && depth === 0) sink.push(info);
}

/** Runs `f` with loop reports muted (the inner scans of a checkpointed loop are part of its report). */
export function muted<T>(f: () => T): T {
  depth++;
  try {
    return f();
  } finally {
    depth--;
  }
}

/** Runs `f` collecting the loop reports it makes. */
export function collectLoops<T>(f: () => T): [T, LoopCheckpoint[]] {
  const outer = sink;
  const mine: LoopCheckpoint[] = [];
  sink = mine;
  try {
    return [f(), mine];
  } finally {
    sink = outer;
  }
}
