/** `less`: elementwise a < b with broadcasting, as a `bool` tensor. NoDiff: no tangent flows through it. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { ComparisonOp } from '../core/comparisonSignature.js';
import type { AnyTensor } from '../core/tensor.js';
import { apply1, binaryPrimitive, coerce, type TensorLike } from './define.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';

export const lessPrimitive: Primitive = binaryPrimitive('less', tf.less, { lowering: numericLowering(([a, b]) => sc.lt(a!, b!)), dtypes: ['float32', 'int32'], outDtype: 'bool' });

/**
 * Elementwise `a < b` with NumPy broadcasting; the result is `bool`, so no
 * derivative flows through it (use it with `fx.where` to select values).
 * @example
 * ```ts
 * fx.less(fx.tensor([1, 2, 3]), 2); // [true, false, false] (bool)
 * ```
 * @public
 */
export const less: ComparisonOp<'float32' | 'int32'> = ((a: TensorLike, b: TensorLike): AnyTensor =>
  apply1(lessPrimitive, coerce('less', a, b))) as never;
