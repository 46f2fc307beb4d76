/**
 * `logsumexp`: `log Σ exp(x)` over axes, computed stably. The maximum `m` is
 * subtracted before `exp` and added back after `log`; `m` goes through
 * `stopGradient`, so the derivative is exactly `softmax(x)` (the `m` terms
 * cancel in value and are never differentiated): finite at `[1000, 1000]`
 * (gradient `[0.5, 0.5]`) and `[-1000, 0]` (gradient `[0, 1]`). Slices whose
 * maximum is not finite are shifted by 0 instead, so an all `-Infinity`
 * slice gives `-Infinity` (not NaN) and a `+Infinity` entry gives `+Infinity`.
 */
import type { Checked, Reduce, ReduceResult, Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { zerosLike } from '../core/creation.js';
import { abs } from '../primitives/abs.js';
import { add } from '../primitives/add.js';
import { requireDtype } from '../primitives/define.js';
import { equal } from '../primitives/equal.js';
import { exp } from '../primitives/exp.js';
import { less } from '../primitives/less.js';
import { log } from '../primitives/log.js';
import { maxOf } from '../primitives/max.js';
import { reshape } from '../primitives/reshape.js';
import { stopGradient } from '../primitives/stopGradient.js';
import { sub } from '../primitives/sub.js';
import { reduceAxes, reducedShape, sum } from '../primitives/sum.js';
import { where } from '../primitives/where.js';
import { scoped } from '../core/memory.js';

/**
 * The constant shift used by the stable reductions: the maximum over `axes`
 * (kept as size-1 axes) where it is finite, 0 elsewhere; never differentiated.
 */
export function stableShift(x: AnyTensor, axes: readonly number[]): AnyTensor {
  // An empty slice has no maximum (max throws there): no shift is needed, as there is nothing to exponentiate.
  if (axes.some((a) => x.shape[a] === 0)) return zerosLike({ shape: reducedShape(x.shape, axes, true), dtype: 'float32' });
  const m = stopGradient(maxOf(x, axes, true));
  return where(less(abs(m), Infinity), m, 0);
}

/** `log Σ exp(x)` over `axes` (normalized), keeping them as size-1 axes. */
export function logsumexpKept(x: AnyTensor, axes: readonly number[]): AnyTensor {
  // Over an empty slice: log(0) = −Infinity, as JAX (max, which has no identity, is skipped).
  if (axes.some((a) => x.shape[a] === 0)) return log(sum(exp(x), axes as number[], true));
  const m = stopGradient(maxOf(x, axes, true));
  const shift = where(less(abs(m), Infinity), m, 0);
  const y = add(log(sum(exp(sub(x, shift)), axes as number[], true)), shift);
  // An all -Infinity slice is -Infinity exactly (webgpu's log(0) is about -88, not -Infinity).
  return where(equal(m, -Infinity), -Infinity, y);
}

/**
 * `log Σ exp(x)` over `axis` (a number, a list, or all axes when omitted),
 * keeping reduced axes as size 1 when `keepDims`. Stable for large and very
 * negative inputs; its gradient is `softmax(x)` over the same axes.
 * @example
 * ```ts
 * fx.logsumexp(fx.tensor([1000, 1000])); // 1000.6931…
 * ```
 * @public
 */
export function logsumexp<S extends Shape, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S, 'float32'>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, 'float32'> {
  return scoped(() => {
    requireDtype('logsumexp', 'x', x, ['float32']);
    const axes = reduceAxes('logsumexp', x.rank, axis);
    const kept = logsumexpKept(x, axes);
    return (keepDims ? kept : reshape(kept, reducedShape(x.shape, axes, false))) as never;
  });
}
