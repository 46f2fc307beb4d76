/** `greaterEqual`: elementwise a >= b with broadcasting, as a `bool` tensor. NoDiff: no tangent flows through it. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { ComparisonOp } from '../core/comparisonSignature.js';
import type { AnyTensor } from '../core/tensor.js';
import { apply1, binaryPrimitive, coerce, type TensorLike } from './define.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';

export const greaterEqualPrimitive: Primitive = binaryPrimitive('greaterEqual', tf.greaterEqual, { lowering: numericLowering(([a, b]) => sc.ge(a!, b!)), dtypes: ['float32', 'int32'], outDtype: 'bool' });

/**
 * Elementwise `a >= b` with NumPy broadcasting; the result is `bool`, so no
 * derivative flows through it (use it with `fx.where` to select values).
 * @example
 * ```ts
 * fx.greaterEqual(fx.tensor([1, 2, 3]), 2); // [false, true, true] (bool)
 * ```
 * @public
 */
export const greaterEqual: ComparisonOp<'float32' | 'int32'> = ((a: TensorLike, b: TensorLike): AnyTensor =>
  apply1(greaterEqualPrimitive, coerce('greaterEqual', a, b))) as never;
