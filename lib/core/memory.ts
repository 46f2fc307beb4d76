/**
 * The public memory API: `scope` (like `tf.tidy`, but async functions work
 * too) and `memory()` (live tensors and bytes).
 */
import * as tf from '@tensorflow/tfjs-core';
import { flatten } from './pytree.js';
import { openScope, type Releasable } from './scope.js';

function reachable(result: unknown): Set<Releasable> {
  const keep = new Set<Releasable>();
  for (const t of flatten(result)[0]) t._reach(keep);
  return keep;
}

/**
 * Runs `fn` and disposes every tensor made inside it except those in the
 * returned pytree (which move to the enclosing scope). Async functions are
 * awaited; tensors made by other code running while this one awaits are
 * attributed to this scope.
 * @example
 * ```ts
 * const loss = fx.scope(() => fx.sum(fx.mul(x, x))); // intermediates freed
 * ```
 * @public
 */
export function scope<R>(fn: () => R): R {
  const close = openScope();
  let result: R;
  try {
    result = fn();
  } catch (e) {
    close([]);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        close(reachable(value));
        return value;
      },
      (e: unknown) => {
        close([]);
        throw e;
      },
    ) as R;
  }
  close(reachable(result));
  return result;
}

/** Live memory on the current backend. @public */
export interface MemoryInfo {
  /** Number of live tensors. */
  readonly tensors: number;
  /** Bytes held by live tensors. */
  readonly bytes: number;
}

/**
 * Live tensors and bytes now (every fluxion tensor is one TensorFlow.js tensor).
 * @example
 * ```ts
 * const before = fx.memory().tensors;
 * ```
 * @public
 */
export function memory(): MemoryInfo {
  const m = tf.memory();
  return { tensors: m.numTensors, bytes: m.numBytes };
}
