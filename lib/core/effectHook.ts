/**
 * The seam between the transformations (this layer) and effect programs
 * (`Eff` in `fluxion/effects`, a layer above). The runtime never imports the
 * effects layer: it recognises an effect program by the {@link EFFECT_PROGRAM}
 * symbol, and asks the program itself for a deferred program that runs a
 * computation under whatever handlers will run it (`deferWith`).
 *
 * Types follow the same rule: `Eff` registers itself in
 * {@link EffectPrograms} (like fp-ts's `URItoKind`), so a transformation can
 * name "an effect program of row E and value A" without importing it.
 */
import type { TypeError } from '../../typelevel/index.js';

/** The property that marks an effect program (a registered symbol, so copies of the library agree). @public */
export const EFFECT_PROGRAM: unique symbol = Symbol.for('fluxion.effectProgram');

/**
 * What an effect program offers the transformations at run time, and its row
 * `E` and value `A` as phantom types.
 * @public
 */
export interface EffectProgramTag<E, A> {
  /**
   * A program with the same effects that, when handlers run it, calls `body`
   * with `run`: a function that runs an effect program synchronously under
   * those same handlers and returns its value.
   */
  deferWith(body: (run: (program: unknown) => unknown) => unknown): unknown;
  /** Phantom: the effect row. Never set. */
  readonly _row?: () => E;
  /** Phantom: the value type. Never set. */
  readonly _value?: () => A;
}

/** Any effect program, structurally. @public */
export interface EffectProgramLike<E = unknown, A = unknown> {
  readonly [EFFECT_PROGRAM]: EffectProgramTag<E, A>;
}

/**
 * Registry filled in by `fluxion/effects` (`program: Eff<E, A>`); empty when
 * the effects layer is not loaded.
 * @public
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export interface EffectPrograms<E, A> {}

/** The effect program type of row `E` and value `A` (`Eff<E, A>` once `fluxion/effects` is loaded). @public */
export type EffectProgramOf<E, A> = EffectPrograms<E, A> extends { readonly program: infer P } ? P : EffectProgramLike<E, A>;

/** The row of an effect program type (never for other types). @public */
export type EffectRowOf<R> = R extends EffectProgramLike<infer E, unknown> ? E : never;

/** The value type of an effect program type (`R` itself for other types). @public */
export type EffectValueOf<R> = R extends EffectProgramLike<unknown, infer A> ? A : R;

/**
 * `unknown` when an effect row may be differentiated (it has no `'IO'`);
 * otherwise an error type whose text the compiler shows. A row erased to
 * `unknown` (a program annotated `EffectProgramLike<unknown, …>`) is an
 * error too: it may hide `'IO'`.
 * @public
 */
export type CheckNoIO<E> = unknown extends E
  ? TypeError<'cannot differentiate an effect program whose row is unknown (EffectProgramLike<unknown, …>): it may hide IO; type it with its row, such as Eff<"Random", …>'>
  : 'IO' extends E
  ? TypeError<'I/O cannot be differentiated: this program has the IO effect in its row; do the I/O outside grad/vjp/jvp (read data first, or runIO around the result)'>
  : unknown;

/** True when `x` is an effect program. */
export function isEffectProgram(x: unknown): x is EffectProgramLike {
  return typeof x === 'object' && x !== null && EFFECT_PROGRAM in x;
}

/**
 * Runs `compute(f)`. If `f` turns out to return an effect program (seen on
 * its first call, which is then abandoned), returns instead a program that,
 * when its handlers run it, runs `compute` again with `f`'s programs run
 * under those handlers — so random draws and state updates happen inside the
 * transformation and are differentiated.
 */
export function withEffectPrograms<F extends (...args: never[]) => unknown, R>(f: F, compute: (g: F) => R): R {
  const found: { program?: EffectProgramLike } = {};
  const probe = ((...args: never[]) => {
    const out = f(...args);
    if (isEffectProgram(out)) {
      found.program = out;
      throw found;
    }
    return out;
  }) as F;
  try {
    return compute(probe);
  } catch (e) {
    if (e !== found || !found.program) throw e;
    return found.program[EFFECT_PROGRAM].deferWith((run) =>
      compute(((...args: never[]) => {
        const out = f(...args);
        return isEffectProgram(out) ? run(out) : out;
      }) as F),
    ) as R;
  }
}

/**
 * `unknown` when `F` returns an effect program that may be differentiated;
 * `never` when it returns `any` (left to the plain overloads); the I/O error
 * type when its row has `'IO'`.
 * @public
 */
export type CheckEffectful<F> = F extends (...args: never[]) => infer R ? (0 extends 1 & R ? never : CheckNoIO<EffectRowOf<R>>) : never;

/**
 * For the plain overloads of `vjp`/`jvp`: `unknown` unless `Out` is an
 * effect program with `'IO'` in its row (then the I/O error type); `any` passes.
 * @public
 */
export type CheckResultNoIO<Out> = 0 extends 1 & Out ? unknown : CheckNoIO<EffectRowOf<Out>>;
