/**
 * The `State` effect: mutable references, functionalized. `state.ref(init)`
 * makes a reference holding `init`; `ref.get()`, `ref.set(v)`,
 * `ref.update(f)` read and write it. Nothing is mutated in place: the handler
 * (`runState`) keeps a table from each reference to its current value and
 * threads it through the program, so a write is a new value, and
 * differentiating a program that writes references differentiates the
 * chain of values (the derivative of `update(f)` is the derivative of `f`).
 *
 * Writing one element is `ref.update((x) => fx.at(x, i).set(v))`: the
 * functional update, whose adjoint is a gather/scatter.
 */
import { TransformError } from '../lib/core/errors.js';
import { flatten } from '../lib/core/pytree.js';
import { registerInScope, type Releasable } from '../lib/core/scope.js';
import { ConcreteTensor } from '../lib/core/tensor.js';
import { Tracer, traceDepth } from '../lib/core/trace.js';
import { applyHandler, isEff, perform, toImpl, type Eff, type Effect, type Handled } from './Eff.js';

/**
 * A reference made by `state.ref(init)`: its operations are programs with
 * the `State` effect. A reference belongs to the run of `runState` that made
 * it.
 * @public
 */
export interface Ref<T> {
  /** The current value. */
  get(): Eff<'State', T>;
  /** Replaces the value. */
  set(value: T): Eff<'State', void>;
  /** Replaces the value by `f(value)` and gives the new value. */
  update(f: (value: T) => T): Eff<'State', T>;
  /** A name for messages. */
  readonly name: string;
}

interface Cell {
  value: unknown;
  /** The number of transformations active when the reference was made. */
  readonly depth: number;
}

/** The handler's table: one cell per reference made in this run. */
class Store {
  readonly cells = new Map<RefImpl<unknown>, Cell>();

  cell(ref: RefImpl<unknown>, op: string): Cell {
    const c = this.cells.get(ref);
    if (!c) {
      throw new Error(`state: ${ref.name}.${op}() used a reference made by another run of runState; a reference lives only in the run that made it`);
    }
    return c;
  }

  write(ref: RefImpl<unknown>, cell: Cell, value: unknown): void {
    checkEscape(ref, cell, value);
    // Keep the value alive while the reference holds it (an enclosing transformation's scope may end first).
    retain(value);
    release(cell.value);
    cell.value = value;
  }

  /**
   * Drops the holds on the values. A held tensor the result still reaches,
   * whose only owner is this table (the scope that made it has ended, e.g. a
   * transformation's), passes to the current scope instead of being freed.
   */
  releaseAll(result: unknown): void {
    const reached = new Set<Releasable>();
    for (const t of flatten(result)[0]) t._reach(reached);
    for (const c of this.cells.values()) {
      for (const t of flatten(c.value)[0]) {
        if (t instanceof ConcreteTensor && t._refs === 1 && reached.has(t)) registerInScope(t);
        else t._release();
      }
    }
    this.cells.clear();
  }
}

function retain(value: unknown): void {
  for (const t of flatten(value)[0]) t._retain();
}

function release(value: unknown): void {
  for (const t of flatten(value)[0]) t._release();
}

/**
 * A reference made outside `fx.grad`/`jvp` cannot carry a value being
 * differentiated inside it out of the transformation: the derivative would
 * be lost silently. Say so instead.
 */
function checkEscape(ref: RefImpl<unknown>, cell: Cell, value: unknown): void {
  for (const t of flatten(value)[0]) {
    if (t instanceof Tracer && t._trace.main.level > cell.depth) {
      throw new TransformError(
        `state: ${ref.name} was made outside the transformation (grad/vjp/jvp/jit) that is running now, and set to a value that ` +
          'depends on its inputs; the derivative cannot flow out through the reference. Make the reference inside the differentiated program, or return the value.',
      );
    }
  }
}

let refCount = 0;

class RefImpl<T> implements Ref<T> {
  readonly name: string;
  constructor(name?: string) {
    this.name = name ?? `ref#${++refCount}`;
  }
  get(): Eff<'State', T> {
    return perform('State', (s: Store) => s.cell(this as RefImpl<unknown>, 'get').value as T);
  }
  set(value: T): Eff<'State', void> {
    return perform('State', (s: Store) => {
      s.write(this as RefImpl<unknown>, s.cell(this as RefImpl<unknown>, 'set'), value);
    });
  }
  update(f: (value: T) => T): Eff<'State', T> {
    return perform('State', (s: Store) => {
      const cell = s.cell(this as RefImpl<unknown>, 'update');
      const next = f(cell.value as T);
      s.write(this as RefImpl<unknown>, cell, next);
      return next;
    });
  }
  toString(): string {
    return `Ref(${this.name})`;
  }
}

/**
 * A new reference holding `init` (a tensor, a pytree of tensors, or any value).
 * @example
 * ```ts
 * const r = yield* state.ref(fx.zeros([3]));
 * ```
 * @public
 */
export function ref<T>(init: T, name?: string): Eff<'State', Ref<T>> {
  return perform('State', (s: Store) => {
    const r = new RefImpl<T>(name);
    const cell: Cell = { value: undefined, depth: traceDepth() };
    s.cells.set(r as RefImpl<unknown>, cell);
    s.write(r as RefImpl<unknown>, cell, init);
    return r;
  });
}

/**
 * Handles `State`: runs the program with a fresh table of references, each
 * starting at the value it was made with. Gives the value when no other
 * effect is left in the row, otherwise the program with State handled.
 * @example
 * ```ts
 * const y = runState(gen(function* () { const r = yield* state.ref(1); yield* r.update((v) => v + 1); return yield* r.get(); })); // 2
 * ```
 * @public
 */
export function runState<E extends Effect, A>(program: Eff<E, A>): Handled<E, 'State', A> {
  // A finished value (a program that completed under an earlier handler) passes through.
  if (!isEff(program)) return program as never;
  const inner = toImpl(program, 'a program to run');
  return applyHandler({
    effect: 'State',
    inner,
    make: () => new Store(),
    finish: (store, result) => (store as Store).releaseAll(result?.value),
  }) as never;
}
