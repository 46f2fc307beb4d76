/**
 * `fluxion/effects`: the effect system. A program `Eff<E, A>` computes an
 * `A` and may perform the effects in its row `E ⊆ 'Random' | 'State' | 'IO'`;
 * the row is a union type inferred from what the program uses (also through
 * generator do-notation, `Eff.gen`). Handlers remove effects from the row:
 * `runRandom(prog, key)`, `runState(prog)`, `runIO(prog)` give the value
 * when no effect is left and a program of the remaining row otherwise.
 *
 * - `random`: samplers (`normal`, `uniform`, `bernoulli`, `categorical`,
 *   `gumbel`, `truncatedNormal`) with counter-based keys, identical on every
 *   backend; `scoreFunction` and `logProb` for the REINFORCE estimator.
 * - `state`: references (`ref`, `get`, `set`, `update`), functionalized.
 * - `io`: `log`, `read`/`write` through io-ts codecs, `save`/`load` of parameters.
 * - Codecs: `TensorCodec(shape, dtype)`, `codecOf(pytree)`.
 * - Differentiation: `fx.grad`, `fx.valueAndGrad`, `fx.vjp`, `fx.jvp` accept
 *   functions that return programs without `'IO'`, and give programs; the
 *   handlers then run the program inside the transformation, so sampling and
 *   state updates are differentiated. `'IO'` under `grad` does not compile.
 *
 * Module shape after fp-ts: the data type, constructors, pipeable
 * combinators and type-class instances (`Functor`, `Applicative`, `Monad`).
 * See docs/effects.md.
 * @packageDocumentation
 */
import * as core from './Eff.js';
import type { Eff as EffProgram, Effect } from './Eff.js';

export {
  of,
  defer,
  gen,
  map,
  chain,
  flatMap,
  ap,
  tap,
  chainFirst,
  flatten,
  all,
  traverseArray,
  Do,
  bind,
  bindTo,
  run,
  isEff,
  URI,
  Functor,
  Pointed,
  Apply,
  Applicative,
  Chain,
  Monad,
  type Effect,
  type RowOf,
  type ValueOf,
  type Handled,
} from './Eff.js';

/** A program with effects `E` computing an `A` (see the module notes). @public */
export type Eff<E extends Effect, A> = EffProgram<E, A>;

/**
 * The `Eff` companion: `Eff.gen(function* () { … })`, `Eff.of`, `Eff.map`, … (the same functions as the named exports).
 * @public
 */
export const Eff = {
  gen: core.gen,
  of: core.of,
  defer: core.defer,
  map: core.map,
  chain: core.chain,
  flatMap: core.flatMap,
  ap: core.ap,
  tap: core.tap,
  all: core.all,
  run: core.run,
  is: core.isEff,
} as const;

export * as random from './random.js';
export * as state from './state.js';
export * as io from './io.js';
export { runRandom, keyed, type Param } from './random.js';
export { keyedMore, type CategoricalOptions, type ChoiceOptions } from './distributions.js';
export { runState, type Ref } from './state.js';
export { runIO, type IOOptions, type Source, type Target } from './io.js';
export { scoreFunction, logProb } from './score.js';
export {
  TensorCodec,
  TensorCodecType,
  codecOf,
  formatErrors,
  decodeOrThrow,
  prefetch,
  DecodeError,
  type CodecDim,
  type DecodedShape,
  type TensorCodecOptions,
  type CodecOf,
} from './codec.js';
export type { DifferentiableRow, EffGrad } from './gradTypes.js';
export { key, split, fold, bits, type Key } from '../lib/random/keys.js';
