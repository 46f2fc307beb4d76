/**
 * The `Random` effect: samplers as programs (`random.normal([3])` is an
 * `Eff<'Random', Tensor<[3], 'float32'>>`), and its handler `runRandom(prog,
 * key)`.
 *
 * Randomness is explicit and reproducible: the handler derives the key of
 * draw i as `fold(key, i)` (Threefry-2x32, `fx.random`), the random bits are
 * computed on the host and uploaded, so every backend gets bit-identical
 * samples, and running a program twice with one key gives the same draws.
 *
 * Reparameterized samplers (`normal`, `uniform`, `gumbel`,
 * `truncatedNormal`) are `loc + scale · noise`: differentiable with respect
 * to their parameters, so `fx.grad` of a program that samples gives
 * pathwise gradients. Discrete samplers (`bernoulli`, `categorical`) return
 * `bool`/`int32` tensors (NoDiff); differentiate their expectations with the
 * score-function estimator (`scoreFunction`, `logProb`).
 */
import type { Dim, Shape } from '../typelevel/index.js';
import { ShapeError, showShape } from '../lib/core/errors.js';
import { Tensor, sizeOf, type AnyTensor } from '../lib/core/tensor.js';
import { broadcastShapes } from '../lib/primitives/define.js';
import { bits, fold, isKey, type Key } from '../lib/random/keys.js';
import { applyHandler, isEff, perform, toImpl, type Eff, type Effect, type Handled } from './Eff.js';
import { normalQuantile, openUnit, truncatedNormalFromUnit, unitFloat32 } from './hostMath.js';
import * as op from './ops.js';

/** A distribution parameter: a float32 tensor (broadcast to the sample shape) or a number. @public */
export type Param = Tensor<Shape, 'float32'> | number;

/** The handler's state: the key and how many draws it has made. */
interface RandomState {
  readonly key: Key;
  count: number;
}

function nextKeyOf(h: RandomState): Key {
  return fold(h.key, h.count++);
}

/** A sampling operation: gets a fresh key when the program runs. @internal */
export function draw<A>(sample: (k: Key) => A): Eff<'Random', A> {
  return perform('Random', (h: RandomState) => sample(nextKeyOf(h)));
}

// -------------------------------------------------------------------------------------
// host sampling (keyed, pure)
// -------------------------------------------------------------------------------------

export function checkSampleShape(op: string, shape: unknown): asserts shape is number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`random.${op}`, `the sample shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

function paramShape(p: Param): readonly number[] {
  return typeof p === 'number' ? [] : p.shape;
}

/** Checks that the parameters broadcast to the sample shape (before anything is allocated). */
export function checkParams(name: string, shape: readonly number[], params: Record<string, Param>): void {
  for (const [pname, p] of Object.entries(params)) {
    if (typeof p === 'number') continue;
    if (!(p instanceof Tensor) || p.dtype !== 'float32') {
      throw new ShapeError(`random.${name}`, `${pname} must be a number or a float32 tensor`);
    }
    let b: number[];
    try {
      b = broadcastShapes(`random.${name}`, shape, p.shape);
    } catch {
      throw new ShapeError(`random.${name}`, `${pname} of shape ${showShape(p.shape)} does not broadcast to the sample shape ${showShape(shape)}`);
    }
    if (showShape(b) !== showShape(shape)) {
      throw new ShapeError(`random.${name}`, `${pname} of shape ${showShape(p.shape)} would enlarge the sample shape ${showShape(shape)} to ${showShape(b)}`);
    }
  }
}

export function floats(k: Key, shape: readonly number[], map: (word: number) => number): AnyTensor {
  const n = sizeOf(shape);
  const words = bits(k, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = map(words[i]!);
  return op.hostTensor(out, shape, 'float32');
}

/** `loc + scale · noise`, skipping the ops when the parameters are the defaults. */
export function affine(noise: AnyTensor, loc: Param, scale: Param): AnyTensor {
  let y = noise;
  if (!(typeof scale === 'number' && scale === 1)) y = op.mul(scale, y);
  if (!(typeof loc === 'number' && loc === 0)) y = op.add(loc, y);
  return y;
}

/**
 * Sampling with an explicit key: pure functions, for code that manages keys
 * itself (the effect's samplers call these with keys from the handler).
 * @public
 */
export const keyed = {
  /** Standard normal noise scaled: `mean + std · ε`. */
  normal(k: Key, shape: readonly number[], mean: Param = 0, std: Param = 1): AnyTensor {
    checkSampleShape('normal', shape);
    checkParams('normal', shape, { mean, std });
    return affine(
      floats(k, shape, (w) => normalQuantile(openUnit(w))),
      mean,
      std,
    );
  },
  /** Uniform on [low, high). */
  uniform(k: Key, shape: readonly number[], low: Param = 0, high: Param = 1): AnyTensor {
    checkSampleShape('uniform', shape);
    checkParams('uniform', shape, { low, high });
    const u = floats(k, shape, unitFloat32);
    if (typeof low === 'number' && typeof high === 'number') return low === 0 && high === 1 ? u : affine(u, low, high - low);
    return op.add(low, op.mul(op.sub(high, low), u));
  },
  /** Gumbel(loc, scale): `loc + scale · (-log(-log u))`. */
  gumbel(k: Key, shape: readonly number[], loc: Param = 0, scale: Param = 1): AnyTensor {
    checkSampleShape('gumbel', shape);
    checkParams('gumbel', shape, { loc, scale });
    return affine(
      floats(k, shape, (w) => -Math.log(-Math.log(openUnit(w)))),
      loc,
      scale,
    );
  },
  /** Normal truncated to [lower, upper] in standard units: `mean + std · z`, z ∈ [lower, upper]. */
  truncatedNormal(k: Key, shape: readonly number[], lower: number, upper: number, mean: Param = 0, std: Param = 1): AnyTensor {
    checkSampleShape('truncatedNormal', shape);
    if (!(typeof lower === 'number' && typeof upper === 'number' && lower < upper)) {
      throw new RangeError(`random.truncatedNormal: need lower < upper (numbers, in standard units), got ${lower} and ${upper}`);
    }
    checkParams('truncatedNormal', shape, { mean, std });
    return affine(
      floats(k, shape, (w) => truncatedNormalFromUnit(openUnit(w), lower, upper)),
      mean,
      std,
    );
  },
  /** `true` with probability `p`. */
  bernoulli(k: Key, p: Param, shape?: readonly number[]): AnyTensor {
    const s = shape ?? paramShape(p);
    checkSampleShape('bernoulli', s);
    checkParams('bernoulli', s, { p });
    if (typeof p === 'number') {
      const n = sizeOf(s);
      const words = bits(k, n);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = unitFloat32(words[i]!) < p ? 1 : 0;
      return op.hostTensor(out, s, 'bool');
    }
    return op.less(floats(k, s, unitFloat32), op.stopGradient(p));
  },
  /** Category indices drawn from `softmax(logits)` along the last axis (Gumbel-max). */
  categorical(k: Key, logits: Tensor<Shape, 'float32'>, shape?: readonly number[]): AnyTensor {
    if (!(logits instanceof Tensor) || logits.dtype !== 'float32' || logits.rank === 0) {
      throw new ShapeError('random.categorical', 'logits must be a float32 tensor with the categories on the last axis');
    }
    const depth = logits.shape[logits.rank - 1]!;
    const batch = logits.shape.slice(0, -1);
    const s = shape ?? batch;
    checkSampleShape('categorical', s);
    let full: number[];
    try {
      full = broadcastShapes('random.categorical', [...s, depth], logits.shape);
    } catch {
      full = [];
    }
    if (showShape(full) !== showShape([...s, depth])) {
      throw new ShapeError('random.categorical', `the sample shape ${showShape(s)} must end with the logits' batch shape ${showShape(batch)}`);
    }
    const g = floats(k, [...s, depth], (w) => -Math.log(-Math.log(openUnit(w))));
    return argmaxLast(op.add(op.stopGradient(logits), g));
  },
};

/**
 * The index of the largest entry along the last axis (the first one on
 * ties, like argmax). For a few categories, a running comparison over the
 * slices: reductions over a short last axis are very slow on the webgpu
 * backend (one workgroup per row), elementwise ops are not.
 */
function argmaxLast(z: AnyTensor): AnyTensor {
  const depth = z.shape[z.rank - 1]!;
  if (depth > 32) return op.argmax(z, -1);
  const batch = z.shape.slice(0, -1);
  const column = (j: number) => op.reshape(op.slice(z, [...batch.map(() => 0), j], [...batch.map(() => -1), 1]), batch);
  let best = column(0);
  let index = op.cast(op.mul(best, 0), 'int32');
  for (let j = 1; j < depth; j++) {
    const c = column(j);
    const better = op.greater(c, best);
    index = op.where(better, j, index);
    best = op.maximum(best, c);
  }
  return index;
}

// -------------------------------------------------------------------------------------
// samplers (the Random effect)
// -------------------------------------------------------------------------------------

/**
 * Normal samples `mean + std · ε`, ε standard normal (reparameterized:
 * differentiable w.r.t. `mean` and `std`, which broadcast to `shape`).
 * @example
 * ```ts
 * const z = yield* random.normal([3], mu, sigma);
 * ```
 * @public
 */
export function normal<const S extends Shape>(shape: S, mean: Param = 0, std: Param = 1): Eff<'Random', Tensor<S, 'float32'>> {
  return draw((k) => keyed.normal(k, shape, mean, std)) as never;
}

/**
 * Uniform samples on [low, high) (differentiable w.r.t. `low` and `high`).
 * @example
 * ```ts
 * const u = yield* random.uniform([2, 2]);
 * ```
 * @public
 */
export function uniform<const S extends Shape>(shape: S, low: Param = 0, high: Param = 1): Eff<'Random', Tensor<S, 'float32'>> {
  return draw((k) => keyed.uniform(k, shape, low, high)) as never;
}

/**
 * Gumbel samples `loc + scale · g` (differentiable w.r.t. `loc` and `scale`).
 * @example
 * ```ts
 * const g = yield* random.gumbel([5]);
 * ```
 * @public
 */
export function gumbel<const S extends Shape>(shape: S, loc: Param = 0, scale: Param = 1): Eff<'Random', Tensor<S, 'float32'>> {
  return draw((k) => keyed.gumbel(k, shape, loc, scale)) as never;
}

/**
 * Truncated normal samples `mean + std · z`, with z standard normal
 * conditioned on [lower, upper] (bounds in standard units, as in JAX).
 * Differentiable w.r.t. `mean` and `std`.
 * @example
 * ```ts
 * const w = yield* random.truncatedNormal([784, 100], -2, 2, 0, 0.05);
 * ```
 * @public
 */
export function truncatedNormal<const S extends Shape>(shape: S, lower: number, upper: number, mean: Param = 0, std: Param = 1): Eff<'Random', Tensor<S, 'float32'>> {
  return draw((k) => keyed.truncatedNormal(k, shape, lower, upper, mean, std)) as never;
}

/**
 * Bernoulli samples (`bool`, NoDiff): `true` with probability `p` (a number
 * or a float32 tensor; the sample shape defaults to `p`'s shape).
 * @example
 * ```ts
 * const coin = yield* random.bernoulli(0.5, [10]);
 * ```
 * @public
 */
export function bernoulli<const S extends Shape>(p: number, shape: S): Eff<'Random', Tensor<S, 'bool'>>;
/** @public */
export function bernoulli<S extends Shape>(p: Tensor<S, 'float32'>): Eff<'Random', Tensor<S, 'bool'>>;
/** @public */
export function bernoulli<const S extends Shape>(p: Param, shape: S): Eff<'Random', Tensor<S, 'bool'>>;
export function bernoulli(p: Param, shape?: Shape): Eff<'Random', AnyTensor> {
  return draw((k) => keyed.bernoulli(k, p, shape));
}

/**
 * Category indices (`int32`, NoDiff) drawn from `softmax(logits)` along the
 * last axis, by the Gumbel-max trick. The sample shape defaults to the
 * logits' batch shape (all axes but the last); a given `shape` must end with it.
 * @example
 * ```ts
 * const i = yield* random.categorical(fx.tensor([[0, 1, 2]])); // Tensor<[1], 'int32'>
 * ```
 * @public
 */
export function categorical<B extends Dim[], K extends Dim>(logits: Tensor<[...B, K], 'float32'>): Eff<'Random', Tensor<B, 'int32'>>;
/** @public */
export function categorical<const S extends Shape>(logits: Tensor<Shape, 'float32'>, shape: S): Eff<'Random', Tensor<S, 'int32'>>;
export function categorical(logits: Tensor<Shape, 'float32'>, shape?: Shape): Eff<'Random', AnyTensor> {
  return draw((k) => keyed.categorical(k, logits, shape));
}

/**
 * A fresh key from the handler's stream, for code that takes keys.
 * @example
 * ```ts
 * const k = yield* random.nextKey();
 * ```
 * @public
 */
export function nextKey(): Eff<'Random', Key> {
  return draw((k) => k);
}

// -------------------------------------------------------------------------------------
// handler
// -------------------------------------------------------------------------------------

/**
 * Handles `Random`: runs the program with draws taken from `key` (draw i
 * uses `fold(key, i)`). Gives the value when no other effect is left in the
 * row, otherwise the program with Random handled (run it with the other
 * handlers). The same key gives the same draws.
 * @example
 * ```ts
 * const x = runRandom(random.normal([3]), fx.random.key(0)); // Tensor<[3], 'float32'>
 * ```
 * @public
 */
export function runRandom<E extends Effect, A>(program: Eff<E, A>, key: Key): Handled<E, 'Random', A> {
  if (!isKey(key)) throw new globalThis.TypeError('runRandom: the second argument must be a PRNG key (fx.random.key(seed))');
  // A finished value (a program that completed under an earlier handler) passes through.
  if (!isEff(program)) return program as never;
  const inner = toImpl(program, 'a program to run');
  return applyHandler({ effect: 'Random', inner, make: (): RandomState => ({ key, count: 0 }) }) as never;
}
export { scoreFunction, logProb } from './score.js';
export * from './distributions.js';
