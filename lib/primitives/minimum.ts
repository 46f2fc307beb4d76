/**
 * `minimum`: elementwise smaller of a and b with broadcasting. Derivative:
 * the tangent of the operand that is selected; at ties a = b each operand gets
 * half (JAX's convention), so the derivative of minimum(x, x) is 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { BinaryOp } from '../core/signatures.js';
import type { AnyTensor } from '../core/tensor.js';
import { apply1, binaryPrimitive, coerce, type TensorLike } from './define.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';
import { propagatingNaN, selectedOperandJvp } from './maximum.js';

export const minimumPrimitive: Primitive = binaryPrimitive('minimum', propagatingNaN(tf.minimum), { lowering: numericLowering(([a, b]) => sc.min(a!, b!)), jvp: selectedOperandJvp });

/**
 * Elementwise smaller of `a` and `b` with NumPy broadcasting (float32 or
 * int32). The derivative follows the selected operand; where a = b each
 * operand receives half of it (JAX's convention; see docs/conventions.md).
 * @example
 * ```ts
 * fx.minimum(fx.tensor([1, 5]), fx.tensor([2, 3])); // [1, 3]
 * ```
 * @public
 */
export const minimum: BinaryOp<'float32' | 'int32'> = ((a: TensorLike, b: TensorLike): AnyTensor =>
  apply1(minimumPrimitive, coerce('minimum', a, b))) as never;
