/**
 * The types that connect `Eff` to the differentiation transformations.
 *
 * `fx.grad`, `fx.valueAndGrad`, `fx.vjp` and `fx.jvp` (in `lib/`, a layer
 * below) have one overload for functions that return an effect program. They
 * recognise it structurally (the `EFFECT_PROGRAM` tag) and name their result
 * through the `EffectPrograms` registry, which this module fills in with
 * `Eff` (the way fp-ts's `URItoKind` works), so `lib/` never imports
 * `effects/`:
 *
 * - `fx.grad(f)` with `f: (...args) => Eff<E, Scalar>` gives
 *   `(...args) => Eff<E, grads>`;
 * - a row with `'IO'` is rejected with "I/O cannot be differentiated: …".
 */
import type { Eff, Effect } from './Eff.js';

declare module '../lib/core/effectHook.js' {
  interface EffectPrograms<E, A> {
    readonly program: Eff<Extract<E, Effect>, A>;
  }
}

/** The effects a differentiated program may have: everything but I/O. @public */
export type DifferentiableRow = Exclude<Effect, 'IO'>;

/**
 * What `fx.grad(f)` gives for `f: (...args: P) => Eff<E, Scalar>`: a function
 * from the same arguments to a program of the gradients `G`.
 * @public
 */
export type EffGrad<P extends readonly unknown[], E extends DifferentiableRow, G> = (...args: P) => Eff<E, G>;
