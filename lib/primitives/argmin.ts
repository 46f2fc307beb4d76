/**
 * `argmin`: the position of the smallest element along one axis, as int32.
 * NoDiff; ties resolve to the first position; a NaN counts as the smallest
 * (NumPy); no axis = over the flattened tensor. Shares its rules with `argmax` (see argmax.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, Reduce, ReduceResult, Shape } from '../../typelevel/index.js';
import type { Primitive } from '../core/primitive.js';
import type { Tensor } from '../core/tensor.js';
import { argReduce, argReducePrimitive, type ArgReduceParams } from './argmax.js';

export const argminPrimitive: Primitive<ArgReduceParams> = argReducePrimitive('argmin', (x, axis, keepDims) => tf.min(x, axis, keepDims));

/**
 * The int32 position of the smallest element along `axis` (one axis; none =
 * the flat position over all elements), keeping the axis as size 1 when
 * `keepDims`. Ties give the first position. NoDiff: no gradient flows back.
 * @example
 * ```ts
 * fx.argmin(fx.tensor([3, 1, 1])); // 1 (int32)
 * ```
 * @public
 */
export function argmin<S extends Shape, D extends Exclude<Dtype, 'bool'>, const A extends number | undefined = undefined, K extends boolean = false>(
  x: Tensor<S, D>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, 'int32'> {
  return argReduce(argminPrimitive, x, axis, keepDims ?? false);
}
