/**
 * `min`: the smallest element over axes. Derivative: the tangent at the
 * minimum, split equally between tied minima (`Σ t · mask / count` with
 * `mask = (x == min)`); rules shared with `max` (see max.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, Reduce, ReduceResult, Shape } from '../../typelevel/index.js';
import type { Primitive } from '../core/primitive.js';
import type { Tensor } from '../core/tensor.js';
import { apply1 } from './define.js';
import { extremumPrimitive } from './max.js';
import { reduceAxes, type ReduceParams } from './sum.js';

export const minPrimitive: Primitive<ReduceParams> = extremumPrimitive('min', (x, axes, keepDims) => tf.min(x, axes, keepDims));

/**
 * The smallest element over `axis` (a number, a list, or all axes when
 * omitted), keeping reduced axes as size 1 when `keepDims`. Derivative: the
 * tangent at the minimum; tied minima share it equally.
 * @example
 * ```ts
 * fx.min(fx.tensor([[1, 5], [7, 2]]), 0); // [1, 2]
 * ```
 * @public
 */
export function min<S extends Shape, D extends Exclude<Dtype, 'bool'>, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S, D>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, D> {
  return apply1(minPrimitive, [x], { axes: reduceAxes('min', x.rank, axis), keepDims: keepDims ?? false });
}
