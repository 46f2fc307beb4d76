/**
 * Memory blowup, measured. `memoryProfile(f)(...args)` linearizes `f` as
 * reverse mode does and lists what the backward pass must keep: every
 * residual with its bytes, shape and the primitive that made it, largest
 * first, with a hint to `checkpoint` the segments that dominate.
 */
import { installObserver } from '../core/hooks.js';
import { flatten, unflatten } from '../core/pytree.js';
import { openScope } from '../core/scope.js';
import { showAval, type Tensor } from '../core/tensor.js';
import { linearizeFlat } from '../transforms/linearize.js';
import { collectLoops, type LoopCheckpoint } from '../control/loopReport.js';

/** One value the backward pass keeps. @public */
export interface Residual {
  readonly bytes: number;
  readonly shape: readonly number[];
  /** The primitive whose output it is (`input` for arguments, `constant` otherwise). */
  readonly producedBy: string;
}

/** The report of `memoryProfile`. @public */
export interface MemoryProfile {
  /** Residuals, largest first. */
  readonly residuals: readonly Residual[];
  /** Their total size. */
  readonly totalBytes: number;
  /**
   * The `scan`/`fori` loops `f` ran (outermost ones), with what their checkpoint
   * policy keeps at the peak of the backward pass: checkpointed carries and
   * steps of residuals (`residuals` lists only what the forward pass stores,
   * not what a checkpointed segment stores while it is recomputed).
   */
  readonly loops: readonly LoopCheckpoint[];
  /** A readable summary with the largest producers and the checkpoint hint. */
  toString(): string;
}

/**
 * Profiles the residuals reverse mode stores for `f` at `args`.
 * @example
 * ```ts
 * console.log(fx.memoryProfile(loss)(params, batch).toString());
 * ```
 * @public
 */
export function memoryProfile<Args extends readonly unknown[]>(f: (...args: Args) => unknown): (...args: Args) => MemoryProfile {
  return (...args) => {
    const close = openScope();
    const producers = new WeakMap<object, string>();
    const uninstall = installObserver({
      evaluated(prim, _inputs, outputs) {
        for (const o of outputs) producers.set(o, prim.name);
      },
    });
    try {
      const [leaves, def] = flatten(args);
      const inputs = new Set<object>(leaves);
      const [{ linear }, loops] = collectLoops(() => linearizeFlat((xs) => flatten((f as unknown as (...a: unknown[]) => unknown)(...unflatten<unknown[]>(def, xs)))[0], leaves));
      const residuals: Residual[] = linear.constValues.map((c: Tensor) => ({
        bytes: c.size * 4,
        shape: c.shape,
        producedBy: inputs.has(c) ? 'input' : (producers.get(c) ?? 'constant'),
      }));
      linear._release();
      residuals.sort((a, b) => b.bytes - a.bytes);
      const totalBytes = residuals.reduce((s, r) => s + r.bytes, 0);
      const byProducer = new Map<string, number>();
      for (const r of residuals) byProducer.set(r.producedBy, (byProducer.get(r.producedBy) ?? 0) + r.bytes);
      const top = [...byProducer].sort((a, b) => b[1] - a[1]).slice(0, 5);
      return {
        residuals,
        totalBytes,
        loops,
        toString: () =>
          [
            `reverse mode keeps ${residuals.length} residuals, ${totalBytes} bytes in all`,
            ...top.map(([p, b]) => `  ${p}: ${b} bytes (${((100 * b) / Math.max(1, totalBytes)).toFixed(1)}%)`),
            ...residuals.slice(0, 5).map((r) => `  largest: ${showAval({ shape: r.shape, dtype: 'float32' })} from ${r.producedBy}`),
            ...loops.map((l) => `  loop of ${l.length} steps, checkpoint ${l.policy}: at most ${l.storedCarries} carries (${l.storedCarries * l.carryBytes} bytes) and ${l.residualSteps} steps of residuals kept at once, ${l.evaluationsPerStep} forward evaluations per step`),
            'To store less, wrap the segments that make the largest residuals in fx.checkpoint: their intermediates are then recomputed in the backward pass.',
          ].join('\n'),
      };
    } finally {
      uninstall();
      close([]);
    }
  };
}
