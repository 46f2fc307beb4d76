/**
 * Memory scopes. Every concrete tensor made while a scope is open is owned by
 * it; when the scope ends it releases everything it owns except what the
 * result reaches, which moves to the enclosing scope. Traced programs
 * (linearized functions, pullbacks) hold their own references to the
 * constants they captured, so those outlive the scope that made them until
 * the program is released.
 */

/** Something a scope can release when it ends. */
export interface Releasable {
  _release(): void;
}

/** Something that reaches concrete tensors (a tensor, a tracer, a pytree leaf). */
export interface Retainable extends Releasable {
  _retain(): void;
}

class Scope {
  readonly owned = new Set<Releasable>();
}

const scopes: Scope[] = [];

/** Called by every new concrete tensor (and every traced program). */
export function registerInScope(r: Releasable): void {
  scopes[scopes.length - 1]?.owned.add(r);
}

/** Opens a scope; returns a function that closes it, keeping `keep`. */
export function openScope(): (keep: Iterable<Releasable>) => void {
  const scope = new Scope();
  scopes.push(scope);
  return (keep) => {
    // Async scopes may close out of order; remove this one wherever it is.
    const at = scopes.lastIndexOf(scope);
    if (at >= 0) scopes.splice(at, 1);
    const parent = scopes[at - 1];
    for (const k of keep) {
      if (scope.owned.delete(k)) parent?.owned.add(k);
    }
    for (const r of scope.owned) r._release();
  };
}
