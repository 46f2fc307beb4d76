/**
 * The public memory API: `scope` (like `tf.tidy`, but async functions work
 * too) and `memory()` (live tensors and bytes).
 */
import { flatten } from './pytree.js';
import { openScope, runInScope, type Releasable } from './scope.js';
import { liveTensors, Tensor } from './tensor.js';

function reachable(result: unknown): Set<Releasable> {
  if (result instanceof Tensor) {
    const keep = new Set<Releasable>();
    result._reach(keep);
    return keep;
  }
  const keep = new Set<Releasable>();
  for (const t of flatten(result)[0]) t._reach(keep);
  return keep;
}

/**
 * Runs `fn` and disposes every tensor made inside it except those in the
 * returned pytree (which move to the enclosing scope). Async functions are
 * awaited; in Node each async scope owns only the tensors made by its own
 * code (concurrent scopes in `Promise.all` stay apart, through
 * `AsyncLocalStorage`). Where the platform cannot tell them apart (the
 * browser), starting a second async scope while one is pending throws
 * `ScopeError`.
 * @example
 * ```ts
 * const loss = fx.scope(() => fx.sum(fx.mul(x, x))); // intermediates freed
 * ```
 * @public
 */
export function scope<R>(fn: () => R): R {
  return runInScope(fn, reachable);
}

/**
 * Runs `fn` in an internal scope: what it makes and does not return is freed
 * (how eager composites and loops avoid leaking intermediates). @internal
 */
export function scoped<R>(fn: () => R): R {
  // Synchronous only (no AsyncLocalStorage round trip): composites never return promises.
  const close = openScope();
  let result: R;
  try {
    result = fn();
  } catch (e) {
    close([]);
    throw e;
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
 * Live fluxion tensors and bytes now. Only tensors fluxion made count: other
 * TensorFlow.js users in the same process do not change it. `bytes` counts
 * each data buffer once (a reshape shares its input's buffer).
 * @example
 * ```ts
 * const before = fx.memory().tensors;
 * ```
 * @public
 */
export function memory(): MemoryInfo {
  return liveTensors();
}
