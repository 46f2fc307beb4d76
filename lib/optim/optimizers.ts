/**
 * Optimizers as pairs of pure functions over pytrees:
 * `init(params) → state` and `update(grads, state, params) → [newParams,
 * newState]`. The state is a typed pytree (a step count and, per optimizer,
 * moment estimates shaped like the params), so it can be saved, inspected,
 * passed through `fx.jit` or differentiated like any other value.
 *
 * `update` allocates new tensors and never frees its inputs: free the old
 * params, state and grads yourself (`fx.optim.dispose(params, state)`), or
 * run the step inside `fx.scope`, which keeps only what it returns.
 */
import { ShapeError, DtypeError, showShape } from '../core/errors.js';
import { zeros, zerosLike } from '../core/creation.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { Tensor, type AnyTensor } from '../core/tensor.js';
import type { GradOf } from '../transforms/types.js';
import type { TypeError } from '../../typelevel/index.js';
import { add } from '../primitives/add.js';
import { sub } from '../primitives/sub.js';
import { mul } from '../primitives/mul.js';
import { div } from '../primitives/div.js';
import { exp } from '../primitives/exp.js';
import { sqrt } from '../primitives/sqrt.js';
import { square } from '../primitives/square.js';
import { maximum } from '../primitives/maximum.js';
import { sum } from '../primitives/sum.js';
import type { LearningRate } from './schedules.js';
import { scoped } from '../core/memory.js';


type Scalar = Tensor<[], 'float32'>;

/** The state of `fx.optim.sgd`: the number of updates made. @public */
export interface SgdState {
  /** Updates made so far (float32 scalar, so a jitted step does not retrace). */
  step: Scalar;
}

/** The state of `fx.optim.momentum`: the step count and a velocity shaped like the params. @public */
export interface MomentumState<P> {
  step: Scalar;
  /** Exponentially weighted sum of past gradients, one tensor per parameter. */
  velocity: P;
}

/** The state of `fx.optim.adam` and `fx.optim.adamw`: step count, first and second moments. @public */
export interface AdamState<P> {
  step: Scalar;
  /** First-moment (mean) estimate of the gradients. */
  mu: P;
  /** Second-moment (uncentred variance) estimate of the gradients. */
  nu: P;
}

/** Each optimizer's state for params of type `P` (a type-level map). @public */
export interface OptimizerStates<P> {
  sgd: SgdState;
  momentum: MomentumState<P>;
  adam: AdamState<P>;
}

/** The state an optimizer of kind `K` keeps for params `P`. @public */
export type OptimizerState<K extends keyof OptimizerStates<unknown>, P> = OptimizerStates<P>[K];

/** The keys of `G` (grads) that `P` (params) lacks and that hold tensors, recursively (`never` when none). */
type ExtraLeafKeys<G, P> = G extends Tensor
  ? never
  : G extends (...args: never[]) => unknown
    ? never
    : G extends object
      ? { [K in keyof G]-?: K extends keyof P ? ExtraLeafKeys<G[K], P[K]> : HoldsTensor<G[K]> extends true ? K : never }[keyof G]
      : never;

/** True when a value type is a tensor or a pytree that may hold one. */
type HoldsTensor<T> = T extends Tensor ? true : T extends (...args: never[]) => unknown ? false : T extends object ? true : false;

/**
 * `unknown` when a grads pytree has no tensor leaves beyond the params'
 * (the runtime requires the same leaves), otherwise the error that makes
 * `update` fail to compile.
 * @public
 */
export type CheckGradsStructure<G, P> = [ExtraLeafKeys<G, P>] extends [never]
  ? unknown
  : TypeError<`optimizer update: grads have tensors under ${ExtraLeafKeys<G, P> & string} that params lack; grads must have the structure of params`>;

/**
 * An optimizer: `init` makes the state for a params pytree, `update` takes
 * one step. Both are pure: `update` returns new tensors and leaves its inputs
 * alone (free them, or run the step in `fx.scope`).
 * @public
 */
export interface Optimizer<K extends keyof OptimizerStates<unknown>> {
  /** `'sgd'`, `'momentum'`, `'adam'` or `'adamw'`. */
  readonly name: string;
  /** The initial state for `params` (zero moments, step 0). */
  init<P>(params: P): OptimizerState<K, P>;
  /** One step: the new params and the new state. */
  update<P, G extends NoInfer<P> | GradOf<NoInfer<P>>>(grads: G & CheckGradsStructure<G, P>, state: OptimizerState<K, NoInfer<P>>, params: P): [P, OptimizerState<K, P>];
}

/** Options every optimizer takes. @public */
export interface CommonOptions {
  /** A number or a schedule of the step count (see `fx.optim.cosineDecay`, …). */
  readonly learningRate: LearningRate;
  /** Rescale the gradients first so that their global L2 norm is at most this (see `fx.optim.clipByGlobalNorm`). */
  readonly clipNorm?: number;
}

/** The leaves of a pytree that must match `like` leaf for leaf. */
function leavesLike(op: string, what: string, tree: unknown, like: readonly AnyTensor[]): AnyTensor[] {
  const [leaves] = flatten(tree);
  if (leaves.length !== like.length) {
    throw new ShapeError(op, `${what} has ${leaves.length} tensors but params have ${like.length}: they must have the same structure`);
  }
  leaves.forEach((t, i) => {
    const p = like[i]!;
    if (t.dtype !== 'float32') throw new DtypeError(op, `${what} leaf ${i} is ${t.dtype}; optimizers work on float32 tensors`);
    if (t.rank !== p.rank || t.shape.some((d, j) => d !== p.shape[j])) {
      throw new ShapeError(op, `${what} leaf ${i} has shape ${showShape(t.shape)} but the parameter has ${showShape(p.shape)}`);
    }
  });
  return leaves as AnyTensor[];
}

function paramLeaves(op: string, params: unknown): [AnyTensor[], TreeDef] {
  const [leaves, def] = flatten(params);
  leaves.forEach((t, i) => {
    if (t.dtype !== 'float32') throw new DtypeError(op, `params leaf ${i} is ${t.dtype}; only float32 parameters can be optimized`);
  });
  return [leaves as AnyTensor[], def];
}

function checkStep(op: string, state: unknown): Scalar {
  const step = (state as { step?: unknown } | null)?.step;
  if (!(step instanceof Tensor) || step.rank !== 0) throw new ShapeError(op, 'state.step must be a scalar tensor: pass the state made by init (or the last update)');
  return step as Scalar;
}

function learningRateAt(lr: LearningRate, step: Scalar): number | Scalar {
  return typeof lr === 'number' ? lr : lr(step);
}

/**
 * The global L2 norm of a pytree of tensors: `√(Σ_leaves Σ x²)`.
 * @example
 * ```ts
 * fx.optim.globalNorm({ a: fx.tensor([3]), b: fx.tensor([4]) }); // 5
 * ```
 * @public
 */
export function globalNorm(tree: unknown): Scalar {
  return scoped(() => {
    const [leaves] = flatten(tree);
    if (leaves.length === 0) return zeros([]) as Scalar;
    let total = sum(square(leaves[0] as AnyTensor) as AnyTensor) as AnyTensor;
    for (const t of leaves.slice(1)) total = add(total, sum(square(t as AnyTensor) as AnyTensor) as AnyTensor) as AnyTensor;
    return sqrt(total) as Scalar;
  });
}

/**
 * Rescales a gradient pytree so that its global norm is at most `maxNorm`
 * (unchanged when already below): `g · maxNorm / max(norm, maxNorm)`.
 * Returns the clipped pytree and the norm before clipping.
 * @example
 * ```ts
 * const [clipped, norm] = fx.optim.clipByGlobalNorm(grads, 1);
 * ```
 * @public
 */
export function clipByGlobalNorm<G>(grads: G, maxNorm: number): [G, Scalar] {
  return scoped(() => {
    if (!(maxNorm > 0)) throw new RangeError(`optim.clipByGlobalNorm: maxNorm must be positive, got ${maxNorm}`);
    const [leaves, def] = flatten(grads);
    const norm = globalNorm(grads);
    const factor = div(maxNorm, maximum(norm, maxNorm)) as AnyTensor;
    return [unflatten<G>(def, leaves.map((g) => mul(g as AnyTensor, factor))), norm];
  });
}

function clipped(grads: AnyTensor[], clipNorm: number | undefined): AnyTensor[] {
  if (clipNorm === undefined) return grads;
  return clipByGlobalNorm(grads, clipNorm)[0];
}

/** Runs each `update` in a scope, so its intermediates are freed and only the new params and state survive. */
function withScopedUpdate<K extends keyof OptimizerStates<unknown>>(opt: Optimizer<K>): Optimizer<K> {
  // Untyped inside: re-checking update's generic signature here instantiates the pytree checks without bound.
  const update = opt.update.bind(opt) as (grads: unknown, state: unknown, params: unknown) => never;
  return { ...opt, update: ((grads: unknown, state: unknown, params: unknown) => scoped(() => update(grads, state, params))) as Optimizer<K>['update'] };
}

/**
 * Stochastic gradient descent: `p ← p − lr · g`.
 * @example
 * ```ts
 * const opt = fx.optim.sgd({ learningRate: 0.1 });
 * let state = opt.init(params);
 * [params, state] = opt.update(grads, state, params);
 * ```
 * @public
 */
export function sgd(options: CommonOptions): Optimizer<'sgd'> {
  const op = 'optim.sgd.update';
  return withScopedUpdate<'sgd'>({
    name: 'sgd',
    init: () => ({ step: zeros([]) as Scalar }),
    update(grads, state, params) {
      const [p, def] = paramLeaves(op, params);
      const g = leavesLike(op, 'grads', grads, p);
      const step = checkStep(op, state);
      const lr = learningRateAt(options.learningRate, step);
      const gc = clipped(g, options.clipNorm);
      const next = p.map((pi, i) => sub(pi, mul(gc[i]!, lr as AnyTensor) as AnyTensor) as AnyTensor);
      return [unflatten(def, next), { step: add(step, 1) as Scalar }];
    },
  });
}

/** Options of `fx.optim.momentum`. @public */
export interface MomentumOptions extends CommonOptions {
  /** Decay of the velocity (default 0.9). */
  readonly beta?: number;
  /** Nesterov's look-ahead variant (default false). */
  readonly nesterov?: boolean;
}

/**
 * SGD with momentum (heavy ball): `v ← β·v + g`, `p ← p − lr·v` (or
 * `p ← p − lr·(g + β·v)` with `nesterov`), as in PyTorch and optax.
 * @example
 * ```ts
 * const opt = fx.optim.momentum({ learningRate: 0.05, beta: 0.9 });
 * ```
 * @public
 */
export function momentum(options: MomentumOptions): Optimizer<'momentum'> {
  const op = 'optim.momentum.update';
  const beta = options.beta ?? 0.9;
  return withScopedUpdate<'momentum'>({
    name: 'momentum',
    init(params) {
      const [p, def] = paramLeaves('optim.momentum.init', params);
      return { step: zeros([]) as Scalar, velocity: unflatten(def, p.map((t) => zerosLike(t))) };
    },
    update(grads, state, params) {
      const [p, def] = paramLeaves(op, params);
      const g = clipped(leavesLike(op, 'grads', grads, p), options.clipNorm);
      const v = leavesLike(op, 'state.velocity', state.velocity, p);
      const step = checkStep(op, state);
      const lr = learningRateAt(options.learningRate, step) as AnyTensor;
      const velocity = v.map((vi, i) => add(mul(vi, beta) as AnyTensor, g[i]!) as AnyTensor);
      const next = p.map((pi, i) => {
        const direction = options.nesterov ? (add(g[i]!, mul(velocity[i]!, beta) as AnyTensor) as AnyTensor) : velocity[i]!;
        return sub(pi, mul(direction, lr) as AnyTensor) as AnyTensor;
      });
      return [unflatten(def, next), { step: add(step, 1) as Scalar, velocity: unflatten(def, velocity) }];
    },
  });
}

/** Options of `fx.optim.adam`. @public */
export interface AdamOptions extends CommonOptions {
  /** Decay of the first moment (default 0.9). */
  readonly beta1?: number;
  /** Decay of the second moment (default 0.999). */
  readonly beta2?: number;
  /** Added to the root of the second moment (default 1e-8). */
  readonly eps?: number;
}

/** Options of `fx.optim.adamw`. @public */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay coefficient (default 1e-2). */
  readonly weightDecay?: number;
}

function adamFamily(name: 'adam' | 'adamw', options: AdamWOptions, weightDecay: number): Optimizer<'adam'> {
  const op = `optim.${name}.update`;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  const [logBeta1, logBeta2] = [Math.log(beta1), Math.log(beta2)];
  return withScopedUpdate<'adam'>({
    name,
    init(params) {
      const [p, def] = paramLeaves(`optim.${name}.init`, params);
      return { step: zeros([]) as Scalar, mu: unflatten(def, p.map((t) => zerosLike(t))), nu: unflatten(def, p.map((t) => zerosLike(t))) };
    },
    update(grads, state, params) {
      const [p, def] = paramLeaves(op, params);
      const g = clipped(leavesLike(op, 'grads', grads, p), options.clipNorm);
      const m = leavesLike(op, 'state.mu', state.mu, p);
      const v = leavesLike(op, 'state.nu', state.nu, p);
      const step = checkStep(op, state);
      const lr = learningRateAt(options.learningRate, step) as AnyTensor;
      const t = add(step, 1) as Scalar;
      // Bias corrections 1 − β^t, with β^t = exp(t·log β) so t may be a tensor.
      const correction1 = sub(1, exp(mul(t, logBeta1) as AnyTensor) as AnyTensor) as AnyTensor;
      const correction2 = sub(1, exp(mul(t, logBeta2) as AnyTensor) as AnyTensor) as AnyTensor;
      const mu = m.map((mi, i) => add(mul(mi, beta1) as AnyTensor, mul(g[i]!, 1 - beta1) as AnyTensor) as AnyTensor);
      const nu = v.map((vi, i) => add(mul(vi, beta2) as AnyTensor, mul(square(g[i]!) as AnyTensor, 1 - beta2) as AnyTensor) as AnyTensor);
      const next = p.map((pi, i) => {
        const mHat = div(mu[i]!, correction1) as AnyTensor;
        const vHat = div(nu[i]!, correction2) as AnyTensor;
        let direction = div(mHat, add(sqrt(vHat) as AnyTensor, eps) as AnyTensor) as AnyTensor;
        // Decoupled weight decay (Loshchilov & Hutter): shrink p directly, not through the moments.
        if (weightDecay !== 0) direction = add(direction, mul(pi, weightDecay) as AnyTensor) as AnyTensor;
        return sub(pi, mul(direction, lr) as AnyTensor) as AnyTensor;
      });
      return [unflatten(def, next), { step: t, mu: unflatten(def, mu), nu: unflatten(def, nu) }];
    },
  });
}

/**
 * Adam (Kingma & Ba, 2015): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
 * `p ← p − lr · m̂ / (√v̂ + ε)` with bias-corrected `m̂ = m / (1−β₁ᵗ)`,
 * `v̂ = v / (1−β₂ᵗ)` and `t` the 1-based step.
 * @example
 * ```ts
 * const opt = fx.optim.adam({ learningRate: 1e-3 });
 * ```
 * @public
 */
export function adam(options: AdamOptions): Optimizer<'adam'> {
  return adamFamily('adam', options, 0);
}

/**
 * AdamW (Loshchilov & Hutter, 2019): Adam plus decoupled weight decay,
 * `p ← p − lr · (m̂ / (√v̂ + ε) + λ·p)`.
 * @example
 * ```ts
 * const opt = fx.optim.adamw({ learningRate: 1e-3, weightDecay: 1e-2 });
 * ```
 * @public
 */
export function adamw(options: AdamWOptions): Optimizer<'adam'> {
  return adamFamily('adamw', options, options.weightDecay ?? 1e-2);
}

/**
 * Frees every tensor in the given pytrees (each once), such as the params
 * and state an update replaced. Leaves already freed are skipped.
 * @example
 * ```ts
 * const [nextParams, nextState] = opt.update(grads, state, params);
 * fx.optim.dispose(params, state, grads);
 * ```
 * @public
 */
export function dispose(...trees: unknown[]): void {
  const seen = new Set<Tensor>();
  for (const t of flatten(trees)[0]) {
    if (seen.has(t)) continue;
    seen.add(t);
    if (!t.isDisposed) t.dispose();
  }
}
