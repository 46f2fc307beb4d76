/** `notEqual`: elementwise a != b with broadcasting, as a `bool` tensor. NoDiff: no tangent flows through it. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { ComparisonOp } from '../core/comparisonSignature.js';
import type { AnyTensor } from '../core/tensor.js';
import { apply1, binaryPrimitive, coerce, type TensorLike } from './define.js';
import { sc } from '../core/scalar.js';
import { sameDtypeLowering } from '../core/lowering.js';

export const notEqualPrimitive: Primitive = binaryPrimitive('notEqual', tf.notEqual, { lowering: sameDtypeLowering(['float32', 'int32', 'bool'], ([a, b]) => sc.ne(a!, b!)), dtypes: ['float32', 'int32', 'bool'], outDtype: 'bool' });

/**
 * Elementwise `a != b` with NumPy broadcasting; the result is `bool`, so no
 * derivative flows through it (use it with `fx.where` to select values).
 * @example
 * ```ts
 * fx.notEqual(fx.tensor([1, 2, 3]), 2); // [true, false, true] (bool)
 * ```
 * @public
 */
export const notEqual: ComparisonOp<'float32' | 'int32' | 'bool'> = ((a: TensorLike, b: TensorLike): AnyTensor =>
  apply1(notEqualPrimitive, coerce('notEqual', a, b))) as never;
