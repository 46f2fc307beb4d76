/**
 * `Eff<E, A>`: a program that computes an `A` and may perform the effects in
 * its row `E` (a union of `'Random' | 'State' | 'IO'`). A program is a
 * description: nothing happens until handlers run it (`runRandom`,
 * `runState`, `runIO`), and the same program can be run again.
 *
 * The module follows fp-ts's shape: the data type, constructors, pipeable
 * combinators (`map`, `chain`, `ap`, …), type-class instances (`Functor`,
 * `Applicative`, `Monad`) and generator do-notation (`gen`).
 *
 * Rows: the row is a union of string literals carried as a phantom type, so
 * combining programs unions their rows (`chain` widens, like fp-ts's
 * `chainW`), a handler removes its member with `Exclude`, and "no effects
 * left" is `never`. Unions are what TypeScript infers for `yield*` in a
 * generator, which is what makes `gen`'s row inference work.
 *
 * Running: an interpreter walks the program with an explicit continuation
 * stack (deep `chain`s and long generator loops do not grow the JS stack) and
 * a chain of handlers. Random and State operations are synchronous; I/O
 * operations may be asynchronous, and only then does a run return a promise.
 */
import type { Applicative2 } from 'fp-ts/lib/Applicative.js';
import type { Apply2 } from 'fp-ts/lib/Apply.js';
import type { Chain2 } from 'fp-ts/lib/Chain.js';
import type { Functor2 } from 'fp-ts/lib/Functor.js';
import type { Monad2 } from 'fp-ts/lib/Monad.js';
import type { Pointed2 } from 'fp-ts/lib/Pointed.js';
import { EFFECT_PROGRAM, type EffectProgramTag } from '../lib/core/effectHook.js';
import { TransformError, withArticle } from '../lib/core/errors.js';

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** The effects a program may perform. @public */
export type Effect = 'Random' | 'State' | 'IO';

/**
 * A program that computes an `A` and may perform the effects in `E`.
 * Build with `of`, the effect operations (`random.normal`, `state.ref`,
 * `io.log`, …), `chain`/`map` or `gen`; run with the handlers.
 * @example
 * ```ts
 * const prog: Eff<'Random', Tensor<[3], 'float32'>> = random.normal([3]);
 * ```
 * @public
 */
export interface Eff<E extends Effect, A> {
  /** The tag the transformations (`fx.grad`, …) recognise; carries the row and value types. */
  readonly [EFFECT_PROGRAM]: EffectProgramTag<E, A>;
  /** `yield*` in `gen` runs this program and gives its value. */
  [Symbol.iterator](): Generator<Eff<E, A>, A, unknown>;
}

/** The row of a program type. @public */
export type RowOf<P> = P extends Eff<infer E, unknown> ? E : never;

/** The value type of a program type. @public */
export type ValueOf<P> = P extends Eff<Effect, infer A> ? A : never;

/**
 * What a handler of `H` gives for a program of row `E`: the plain value when
 * no effect is left, otherwise a program of the remaining row.
 * @public
 */
export type Handled<E extends Effect, H extends Effect, A> = [Exclude<E, H>] extends [never] ? A : Eff<Exclude<E, H>, A>;

/** @internal */
export type Node =
  | { readonly kind: 'pure'; readonly value: unknown }
  | { readonly kind: 'perform'; readonly effect: Effect; readonly op: (handler: never) => unknown }
  | { readonly kind: 'chain'; readonly source: EffImpl; readonly f: (a: unknown) => unknown }
  | { readonly kind: 'suspend'; readonly thunk: () => unknown }
  | { readonly kind: 'handle'; readonly handler: HandlerSpec }
  | { readonly kind: 'context'; readonly body: (run: (program: unknown) => unknown) => unknown };

/**
 * How a handler runs: `make` builds its state for one run (so a program can
 * be run twice); `finish` turns the inner result into the handled value and
 * releases what the handler holds.
 * @internal
 */
export interface HandlerSpec {
  readonly effect: Effect;
  readonly inner: EffImpl;
  make(): unknown;
  /** Called once the inner program ended (with its value, or `undefined` after an error), to release resources. */
  finish?(state: unknown, result: Done | undefined): void;
  /** I/O: the handled value is a promise of the inner value (the run may be asynchronous). */
  readonly wrapInPromise?: boolean;
}

/** The one implementation of `Eff`; a node of the program tree. @internal */
export class EffImpl implements Eff<Effect, unknown> {
  declare readonly [EFFECT_PROGRAM]: EffectProgramTag<Effect, unknown>;
  /** Set when the program has been used as a program (so a `runIO` result does not start itself). */
  _claimed = false;
  constructor(readonly node: Node) {}

  *[Symbol.iterator](): Generator<Eff<Effect, unknown>, unknown, unknown> {
    return yield this;
  }

  toString(): string {
    return `Eff(${this.node.kind})`;
  }
}

const tag: EffectProgramTag<Effect, unknown> = {
  deferWith: (body) => new EffImpl({ kind: 'context', body }),
};
Object.defineProperty(EffImpl.prototype, EFFECT_PROGRAM, { value: tag, enumerable: false });

/** True for programs. @public */
export function isEff(x: unknown): x is Eff<Effect, unknown> {
  return x instanceof EffImpl;
}

/** The implementation of a program (marks it as used as a program). @internal */
export function toImpl(x: unknown, what = 'a program'): EffImpl {
  if (!(x instanceof EffImpl)) {
    throw new globalThis.TypeError(`expected ${what} (an Eff), got ${describe(x)}`);
  }
  x._claimed = true;
  return x;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'an object';
  return typeof x;
}

function make<E extends Effect, A>(node: Node): Eff<E, A> {
  return new EffImpl(node) as unknown as Eff<E, A>;
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A program that performs no effect and gives `a`.
 * @example
 * ```ts
 * const three: Eff<never, number> = of(3);
 * ```
 * @public
 */
export const of = <A>(a: A): Eff<never, A> => make({ kind: 'pure', value: a });

/**
 * A program whose construction is delayed until it runs (each run calls `thunk` again).
 * @example
 * ```ts
 * const later = defer(() => of(Date.now()));
 * ```
 * @public
 */
export const defer = <E extends Effect, A>(thunk: () => Eff<E, A>): Eff<E, A> => make({ kind: 'suspend', thunk });

/**
 * One effect operation: `op` receives the handler of `effect` when the program runs.
 * @internal
 */
export function perform<E extends Effect, A, H>(effect: E, op: (handler: H) => A): Eff<E, A> {
  return make({ kind: 'perform', effect, op: op as (handler: never) => unknown });
}

/**
 * An asynchronous operation (I/O): the program continues when `op`'s promise settles.
 * @internal
 */
export function performAsync<E extends Effect, A, H>(effect: E, op: (handler: H) => Promise<A>): Eff<E, A> {
  return make({ kind: 'perform', effect, op: op as (handler: never) => unknown });
}

/** A program run under a handler. @internal */
export function handle<E extends Effect, A>(spec: HandlerSpec): Eff<E, A> {
  return make({ kind: 'handle', handler: spec });
}

// -------------------------------------------------------------------------------------
// do notation
// -------------------------------------------------------------------------------------

/**
 * Generator do-notation: inside the generator, `yield* prog` runs `prog` and
 * gives its value. The row of the result is the union of the rows of every
 * program yielded. The generator runs afresh on every run of the program.
 * @example
 * ```ts
 * const prog = gen(function* () {
 *   const x = yield* random.normal([3]);   // Random
 *   const r = yield* state.ref(x);          // State
 *   return yield* r.get();
 * }); // Eff<'Random' | 'State', Tensor<[3], 'float32'>>
 * ```
 * @public
 */
export function gen<Y extends Eff<Effect, unknown>, R>(body: () => Generator<Y, R, unknown>): Eff<RowOf<Y>, R> {
  return make({
    kind: 'suspend',
    thunk: () => {
      const it = body();
      const step = (input: unknown): EffImpl => {
        const r = it.next(input);
        if (r.done) return new EffImpl({ kind: 'pure', value: r.value });
        return new EffImpl({ kind: 'chain', source: toImpl(r.value, 'a program after yield* (write yield*, not yield)'), f: step });
      };
      return step(undefined);
    },
  });
}

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

/**
 * Sequential composition: run `ma`, then the program `f` builds from its
 * value. The rows are unioned.
 * @example
 * ```ts
 * pipe(random.normal([3]), chain((x) => state.ref(x))); // Eff<'Random' | 'State', Ref<…>>
 * ```
 * @public
 */
export const chain =
  <A, E2 extends Effect, B>(f: (a: A) => Eff<E2, B>) =>
  <E1 extends Effect>(ma: Eff<E1, A>): Eff<E1 | E2, B> =>
    make({ kind: 'chain', source: toImpl(ma), f: f as (a: unknown) => unknown });

/**
 * Same as `chain` (fp-ts 2.16's name); also callable data-first: `flatMap(ma, f)`.
 * @example
 * ```ts
 * flatMap(of(2), (n) => of(n + 1));
 * ```
 * @public
 */
export function flatMap<A, E2 extends Effect, B>(f: (a: A) => Eff<E2, B>): <E1 extends Effect>(ma: Eff<E1, A>) => Eff<E1 | E2, B>;
/** @public */
export function flatMap<E1 extends Effect, A, E2 extends Effect, B>(ma: Eff<E1, A>, f: (a: A) => Eff<E2, B>): Eff<E1 | E2, B>;
export function flatMap(...args: unknown[]): unknown {
  if (args.length >= 2) return chain(args[1] as (a: unknown) => Eff<Effect, unknown>)(args[0] as Eff<Effect, unknown>);
  return chain(args[0] as (a: unknown) => Eff<Effect, unknown>);
}

/**
 * Applies a function to the value.
 * @example
 * ```ts
 * pipe(random.normal([3]), map((x) => fx.sum(x)));
 * ```
 * @public
 */
export const map =
  <A, B>(f: (a: A) => B) =>
  <E extends Effect>(fa: Eff<E, A>): Eff<E, B> =>
    make({ kind: 'chain', source: toImpl(fa), f: (a) => new EffImpl({ kind: 'pure', value: f(a as A) }) });

/**
 * Applies the function computed by `fab` to the value computed by `fa`
 * (`fab` runs first).
 * @example
 * ```ts
 * pipe(of((n: number) => n + 1), ap(of(2))); // 3
 * ```
 * @public
 */
export const ap =
  <E2 extends Effect, A>(fa: Eff<E2, A>) =>
  <E1 extends Effect, B>(fab: Eff<E1, (a: A) => B>): Eff<E1 | E2, B> =>
    pipe2(fab, (f) => pipe2(fa, (a) => of(f(a))));

function pipe2<E1 extends Effect, A, E2 extends Effect, B>(ma: Eff<E1, A>, f: (a: A) => Eff<E2, B>): Eff<E1 | E2, B> {
  return chain(f)(ma);
}

/**
 * Runs `f` for its effects and keeps the first value.
 * @example
 * ```ts
 * pipe(random.normal([3]), tap((x) => io.log(x)));
 * ```
 * @public
 */
export const tap =
  <A, E2 extends Effect>(f: (a: A) => Eff<E2, unknown>) =>
  <E1 extends Effect>(ma: Eff<E1, A>): Eff<E1 | E2, A> =>
    pipe2(ma, (a) => pipe2(f(a), () => of(a)));

/** Alias of {@link tap} (fp-ts's older name). @public */
export const chainFirst = tap;

/**
 * Runs a program that computes a program, then that program.
 * @example
 * ```ts
 * flatten(of(of(1))); // Eff<never, number>
 * ```
 * @public
 */
export const flatten = <E1 extends Effect, E2 extends Effect, A>(mma: Eff<E1, Eff<E2, A>>): Eff<E1 | E2, A> => pipe2(mma, (ma) => ma);

/**
 * Runs the programs in order and collects their values.
 * @example
 * ```ts
 * all([random.normal([2]), random.uniform([2])]); // Eff<'Random', [Tensor, Tensor]>
 * ```
 * @public
 */
export function all<const T extends readonly Eff<Effect, unknown>[]>(programs: T): Eff<RowOf<T[number]>, { -readonly [K in keyof T]: ValueOf<T[K]> }> {
  const list = programs.map((p) => toImpl(p));
  return defer(() => {
    const out: unknown[] = [];
    let prog: Eff<Effect, unknown> = of(undefined);
    for (const p of list) prog = pipe2(prog, () => pipe2(p as unknown as Eff<Effect, unknown>, (v) => of(out.push(v))));
    return pipe2(prog, () => of(out));
  }) as never;
}

/**
 * Runs `f` on every element in order and collects the values.
 * @example
 * ```ts
 * traverseArray((n: number) => random.normal([n]))([1, 2]);
 * ```
 * @public
 */
export const traverseArray =
  <A, E extends Effect, B>(f: (a: A, i: number) => Eff<E, B>) =>
  (as: readonly A[]): Eff<E, B[]> =>
    all(as.map(f)) as unknown as Eff<E, B[]>;

/** A program of `{}`, to start a `bind` chain. @public */
export const Do: Eff<never, {}> = of({});

/**
 * Gives the value a name in a record (to start a `bind` chain).
 * @example
 * ```ts
 * pipe(random.normal([3]), bindTo('x'));
 * ```
 * @public
 */
export const bindTo =
  <N extends string>(name: N) =>
  <E extends Effect, A>(fa: Eff<E, A>): Eff<E, { readonly [K in N]: A }> =>
    map((a: A) => ({ [name]: a }) as { readonly [K in N]: A })(fa);

/**
 * Adds the value of a program built from the record so far.
 * @example
 * ```ts
 * pipe(Do, bind('x', () => random.normal([3])), bind('r', ({ x }) => state.ref(x)));
 * ```
 * @public
 */
export const bind =
  <N extends string, A, E2 extends Effect, B>(name: Exclude<N, keyof A>, f: (a: A) => Eff<E2, B>) =>
  <E1 extends Effect>(ma: Eff<E1, A>): Eff<E1 | E2, { readonly [K in keyof A | N]: K extends keyof A ? A[K] : B }> =>
    pipe2(ma, (a) => pipe2(f(a), (b) => of({ ...a, [name]: b }) as never));

// -------------------------------------------------------------------------------------
// instances
// -------------------------------------------------------------------------------------

/** @public */
export const URI = 'fluxion/Eff';
/** @public */
export type URI = typeof URI;

// (The specifier has no `.js`: augmentations resolve it as a module name, and fp-ts has no exports map.)
declare module 'fp-ts/lib/HKT' {
  interface URItoKind2<E, A> {
    readonly [URI]: Eff<Extract<E, Effect>, A>;
  }
}

const _map: Functor2<URI>['map'] = (fa, f) => map(f)(fa as never) as never;
const _ap: Apply2<URI>['ap'] = (fab, fa) => ap(fa as never)(fab as never) as never;
const _chain: Chain2<URI>['chain'] = (ma, f) => chain(f as never)(ma as never) as never;

/** @public */
export const Functor: Functor2<URI> = { URI, map: _map };
/** @public */
export const Pointed: Pointed2<URI> = { URI, of: of as Pointed2<URI>['of'] };
/** @public */
export const Apply: Apply2<URI> = { URI, map: _map, ap: _ap };
/** @public */
export const Applicative: Applicative2<URI> = { URI, map: _map, ap: _ap, of: of as Pointed2<URI>['of'] };
/** @public */
export const Chain: Chain2<URI> = { URI, map: _map, ap: _ap, chain: _chain };
/** @public */
export const Monad: Monad2<URI> = { URI, map: _map, ap: _ap, of: of as Pointed2<URI>['of'], chain: _chain };

// -------------------------------------------------------------------------------------
// interpreter
// -------------------------------------------------------------------------------------

/** The handlers in force: innermost first. @internal */
export interface Context {
  readonly effect: Effect;
  readonly state: unknown;
  readonly parent: Context | undefined;
}

/**
 * How a run treats I/O. `run`: perform it. `probe`: a handler is trying the
 * program to see whether it completes without other handlers; any I/O
 * operation stops the probe (it must not happen twice).
 * @internal
 */
export type Mode = 'run' | 'probe';

/** Raised when an operation has no handler (or, in a probe, when I/O would start). @internal */
export class Unhandled extends Error {
  constructor(
    readonly effect: Effect,
    /** The probe stopped at I/O (a handler for it exists further out). */
    readonly atIO: boolean,
  ) {
    super(
      `the program performed ${withArticle(effect)} operation, but no handler for ${effect} is running it: ` +
        `run it with ${effect === 'Random' ? 'runRandom(prog, key)' : effect === 'State' ? 'runState(prog)' : 'runIO(prog)'}`,
    );
    this.name = 'UnhandledEffectError';
  }
}

/** A finished run. @internal */
export interface Done {
  readonly value: unknown;
}

function lookup(ctx: Context | undefined, effect: Effect): Context | undefined {
  for (let c = ctx; c; c = c.parent) if (c.effect === effect) return c;
  return undefined;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as PromiseLike<unknown>).then === 'function';
}

function asImpl(x: unknown): EffImpl {
  return toImpl(x, 'a program from chain/gen');
}

/**
 * Runs a program under the handlers `ctx`. Returns the value synchronously
 * unless an I/O operation is asynchronous; then a promise of it.
 * @internal
 */
export function interpret(program: EffImpl, ctx: Context | undefined, mode: Mode): Done | Promise<Done> {
  return loop(program, [], ctx, mode);
}

function loop(start: EffImpl, stack: ((a: unknown) => unknown)[], ctx: Context | undefined, mode: Mode): Done | Promise<Done> {
  let current = start;
  for (;;) {
    const node = current.node;
    switch (node.kind) {
      case 'pure': {
        const k = stack.pop();
        if (!k) return { value: node.value };
        current = asImpl(k(node.value));
        break;
      }
      case 'chain':
        stack.push(node.f);
        current = node.source;
        break;
      case 'suspend':
        current = asImpl(node.thunk());
        break;
      case 'perform': {
        const h = lookup(ctx, node.effect);
        if (!h) throw new Unhandled(node.effect, false);
        if (node.effect === 'IO') {
          if (mode === 'probe') throw new Unhandled('IO', true);
          // I/O operations return promises: continue when they settle.
          const result = (node.op as (s: unknown) => unknown)(h.state);
          if (isThenable(result)) return Promise.resolve(result).then((v) => loop(new EffImpl({ kind: 'pure', value: v }), stack, ctx, mode));
          current = new EffImpl({ kind: 'pure', value: result });
          break;
        }
        current = new EffImpl({ kind: 'pure', value: (node.op as (s: unknown) => unknown)(h.state) });
        break;
      }
      case 'handle': {
        const r = runHandler(node.handler, ctx, mode);
        if (r instanceof Promise) return r.then((d) => loop(new EffImpl({ kind: 'pure', value: d.value }), stack, ctx, mode));
        current = new EffImpl({ kind: 'pure', value: r.value });
        break;
      }
      case 'context': {
        const value = node.body((program) => runSync(toImpl(program), ctx, mode));
        current = new EffImpl({ kind: 'pure', value });
        break;
      }
    }
  }
}

/** Runs a program that must not suspend (inside a differentiated function). */
function runSync(program: EffImpl, ctx: Context | undefined, mode: Mode): unknown {
  const r = interpret(program, ctx, mode);
  if (r instanceof Promise) {
    r.catch(() => undefined);
    throw new TransformError('I/O cannot be differentiated: an effect program ran asynchronous I/O inside grad/vjp/jvp');
  }
  return r.value;
}

function runHandler(spec: HandlerSpec, ctx: Context | undefined, mode: Mode): Done | Promise<Done> {
  const state = spec.make();
  const inner: Context = { effect: spec.effect, state, parent: ctx };
  const finish = (result: Done | undefined) => spec.finish?.(state, result);
  let r: Done | Promise<Done>;
  try {
    r = interpret(spec.inner, inner, mode);
  } catch (e) {
    finish(undefined);
    if (spec.wrapInPromise && !(e instanceof Unhandled)) return { value: Promise.reject(e) };
    throw e;
  }
  if (r instanceof Promise) {
    const settled = r.then(
      (d) => {
        finish(d);
        return d;
      },
      (e: unknown) => {
        finish(undefined);
        throw e;
      },
    );
    if (spec.wrapInPromise) return { value: settled.then((d) => d.value) };
    return settled;
  }
  finish(r);
  return spec.wrapInPromise ? { value: Promise.resolve(r.value) } : r;
}

/**
 * Runs a program with no handlers: for programs whose row is empty.
 * @example
 * ```ts
 * run(of(3)); // 3
 * ```
 * @public
 */
export function run<A>(program: Eff<never, A>): A {
  if (!isEff(program)) return program as A;
  const r = interpret(toImpl(program), undefined, 'run');
  if (r instanceof Promise) throw new Error('run: the program suspended on I/O; use runIO');
  return r.value as A;
}

/**
 * What every handler does: try the program under this one handler (a
 * probe); if it completes, give the value; if it needs another handler,
 * give the handled program, to be run by the handlers outside. A probe stops
 * before any I/O, and re-running is deterministic (random streams come from
 * the key), so the probe's work is simply redone later.
 * @internal
 */
export function applyHandler(spec: HandlerSpec): unknown {
  const program = new EffImpl({ kind: 'handle', handler: spec });
  let r: Done | Promise<Done>;
  try {
    r = interpret(program, undefined, 'probe');
  } catch (e) {
    if (e instanceof Unhandled) return e.atIO ? promiseLike(program) : program;
    throw e;
  }
  // A probe never suspends: it stops before any I/O.
  return (r as Done).value;
}

/**
 * A handled program that is also a promise of its value: what a handler
 * gives when I/O is involved. Awaiting it (or `then`) runs it; if nothing uses
 * it as a program by the next microtask, it starts by itself, like a promise.
 * @internal
 */
export function promiseLike(program: EffImpl): EffImpl {
  let started: Promise<unknown> | undefined;
  const start = () => {
    if (!started) {
      try {
        const r = interpret(program, undefined, 'run');
        started = r instanceof Promise ? r.then((d) => d.value) : Promise.resolve(r.value);
      } catch (e) {
        started = Promise.reject(e);
      }
    }
    return started;
  };
  const p = program as EffImpl & PromiseLike<unknown> & { catch: unknown; finally: unknown };
  Object.assign(p, {
    then: (ok?: (v: unknown) => unknown, err?: (e: unknown) => unknown) => start().then(ok, err),
    catch: (err?: (e: unknown) => unknown) => start().catch(err),
    finally: (f?: () => void) => start().finally(f),
  });
  Object.defineProperty(p, Symbol.toStringTag, { value: 'Promise' });
  queueMicrotask(() => {
    if (!program._claimed) void start().catch(() => undefined);
  });
  return program;
}
