/**
 * Memory scopes. Every concrete tensor made while a scope is open is owned by
 * it; when the scope ends it releases everything it owns except what the
 * result reaches, which moves to the enclosing scope. Traced programs
 * (linearized functions, pullbacks) hold their own references to the
 * constants they captured, so those outlive the scope that made them until
 * the program is released.
 *
 * Which scope is current: synchronous scopes form a stack (they open and
 * close within one synchronous run, so nothing else interleaves). Async
 * scopes are carried by `AsyncLocalStorage` in Node, so code resumed after an
 * `await` belongs to the scope that awaited, and concurrent async scopes
 * (`Promise.all`) never own each other's tensors. Platforms without it (the
 * browser) cannot tell whose continuation is running: there a second async
 * scope opened while one is pending throws `ScopeError` instead of mixing
 * ownership.
 */

/** Something a scope can release when it ends. */
export interface Releasable {
  _release(): void;
}

/** Something that reaches concrete tensors (a tensor, a tracer, a pytree leaf). */
export interface Retainable extends Releasable {
  _retain(): void;
}

/** Thrown for async scopes the platform cannot keep apart (see `fx.scope`). @public */
export class ScopeError extends Error {
  override readonly name = 'ScopeError';
}

class Scope {
  readonly owned = new Set<Releasable>();
  open = true;
  constructor(readonly parent: Scope | undefined) {}
}

/** The slice of Node's `AsyncLocalStorage` used here. */
interface AsyncStore {
  getStore(): Scope | undefined;
  run<R>(store: Scope, fn: () => R): R;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
// Loaded only in Node (a dynamic import, so the browser bundle keeps it external and never loads it).
const nodeStore: AsyncStore | undefined = isNode ? new (await import('node:async_hooks')).AsyncLocalStorage<Scope>() : undefined;
let asyncStore: AsyncStore | undefined = nodeStore;

/** Scopes opened by synchronous code that is still running (innermost last). */
const syncStack: Scope[] = [];
/** Without `AsyncLocalStorage`: async scopes whose promise has not settled. */
const pendingAsync: Scope[] = [];

function current(): Scope | undefined {
  // A continuation can outlive its scope (a promise nobody awaited): it then belongs to the nearest scope still open.
  return openAncestor(syncStack[syncStack.length - 1] ?? asyncStore?.getStore() ?? pendingAsync[pendingAsync.length - 1]);
}

/** The nearest scope at or above `s` that is still open. */
function openAncestor(s: Scope | undefined): Scope | undefined {
  while (s && !s.open) s = s.parent;
  return s;
}

/** Called by every new concrete tensor (and every traced program). */
export function registerInScope(r: Releasable): void {
  current()?.owned.add(r);
}

/** Takes `r` out of the current scope, so that its owner (the caller) releases it instead. */
export function disownFromScope(r: Releasable): void {
  current()?.owned.delete(r);
}

/** Opens a synchronous scope; returns a function that closes it, keeping `keep` (moved to the enclosing scope). */
export function openScope(): (keep: Iterable<Releasable>) => void {
  const scope = new Scope(current());
  syncStack.push(scope);
  return (keep) => {
    // Scopes may close out of order (a rolling scope closes the previous step's); remove this one wherever it is.
    const at = syncStack.lastIndexOf(scope);
    if (at >= 0) syncStack.splice(at, 1);
    closeScope(scope, keep);
  };
}

function closeScope(scope: Scope, keep: Iterable<Releasable>): void {
  if (!scope.open) return;
  scope.open = false;
  const parent = openAncestor(scope.parent);
  for (const k of keep) {
    if (scope.owned.delete(k)) parent?.owned.add(k);
  }
  for (const r of scope.owned) r._release();
  scope.owned.clear();
}

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

function overlapError(): ScopeError {
  return new ScopeError(
    'fx.scope: two async scopes overlap, and this platform has no AsyncLocalStorage to tell their tensors apart. ' +
      'Await one async scope before starting another (synchronous fx.scope calls inside an async scope are fine), ' +
      'or run in Node, where concurrent async scopes are isolated.',
  );
}

/**
 * Runs `fn` in a new scope. A synchronous result is kept (moved to the
 * enclosing scope) and the rest released when `fn` returns; a promise result
 * closes the scope when it settles. `keepOf` says what a result reaches.
 */
export function runInScope<R>(fn: () => R, keepOf: (value: unknown) => Iterable<Releasable>): R {
  if (!asyncStore && pendingAsync.length > 0 && isAsyncFunction(fn)) throw overlapError();
  const scope = new Scope(current());
  syncStack.push(scope);
  let result: R;
  try {
    result = asyncStore ? asyncStore.run(scope, fn) : fn();
  } catch (e) {
    closeScope(scope, []);
    throw e;
  } finally {
    const at = syncStack.lastIndexOf(scope);
    if (at >= 0) syncStack.splice(at, 1);
  }
  if (!(result instanceof Promise)) {
    closeScope(scope, keepOf(result));
    return result;
  }
  if (!asyncStore) {
    if (pendingAsync.length > 0) {
      // A promise from a plain function, found only now: keep what it made (hand it up) rather than guess whose it is.
      closeScope(scope, scope.owned);
      throw overlapError();
    }
    pendingAsync.push(scope);
  }
  const settle = () => {
    const at = pendingAsync.lastIndexOf(scope);
    if (at >= 0) pendingAsync.splice(at, 1);
  };
  return result.then(
    (value: unknown) => {
      settle();
      closeScope(scope, keepOf(value));
      return value;
    },
    (e: unknown) => {
      settle();
      closeScope(scope, []);
      throw e;
    },
  ) as R;
}

/**
 * Test hook: run as a platform without `AsyncLocalStorage` (the browser) when
 * `isolated` is false. @internal
 */
export function _setAsyncIsolation(isolated: boolean): void {
  asyncStore = isolated ? nodeStore : undefined;
}
