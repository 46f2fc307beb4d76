/**
 * `maximum`: elementwise larger of a and b with broadcasting. Derivative:
 * the tangent of the operand that is selected; at ties a = b each operand gets
 * half (JAX's convention), so the derivative of maximum(x, x) is 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { BinaryOp } from '../core/signatures.js';
import type { AnyTensor } from '../core/tensor.js';
import { apply1, binaryPrimitive, coerce, type MaybeZero, type TensorLike } from './define.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';
import { add } from './add.js';
import { broadcastTo } from './broadcastTo.js';
import { equal } from './equal.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { where } from './where.js';

/**
 * The JVP of a selection between `a` and `b` (maximum, minimum): the tangent
 * of the operand equal to the output `y`, split ½–½ at ties.
 */
export function selectedOperandJvp(a: AnyTensor, b: AnyTensor, ta: MaybeZero, tb: MaybeZero, y: AnyTensor): AnyTensor {
  // Weight of a: 1 where a alone is selected, ½ at a tie, 0 where b is selected.
  const weightA = where(equal(a, y), where(equal(b, y), 0.5, 1), 0);
  const da = ta ? mul(ta, weightA) : null;
  const db = tb ? mul(tb, sub(1, weightA)) : null;
  const t = da && db ? add(da, db) : (da ?? db)!;
  return broadcastTo(t, y.shape);
}

/**
 * `kernel` (tf.maximum or tf.minimum) with NaN propagating: a NaN operand
 * gives NaN, as in JAX and NumPy. tfjs-cpu's kernels already do; tfjs-wasm's
 * return the other operand (`maximum(1, NaN) = 1`) and WGSL's max/min leave
 * NaN unspecified, so elsewhere NaN positions are selected explicitly.
 */
export function propagatingNaN(kernel: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): (a: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  return (a, b) => {
    const y = kernel(a, b);
    if (a.dtype !== 'float32' || tf.getBackend() === 'cpu') return y;
    return tf.where(tf.isNaN(a), tf.broadcastTo(a, y.shape), tf.where(tf.isNaN(b), tf.broadcastTo(b, y.shape), y));
  };
}

export const maximumPrimitive: Primitive = binaryPrimitive('maximum', propagatingNaN(tf.maximum), { lowering: numericLowering(([a, b]) => sc.max(a!, b!)), jvp: selectedOperandJvp });

/**
 * Elementwise larger of `a` and `b` with NumPy broadcasting (float32 or
 * int32). The derivative follows the selected operand; where a = b each
 * operand receives half of it (JAX's convention; see docs/conventions.md).
 * @example
 * ```ts
 * fx.maximum(fx.tensor([1, 5]), fx.tensor([2, 3])); // [2, 5]
 * ```
 * @public
 */
export const maximum: BinaryOp<'float32' | 'int32'> = ((a: TensorLike, b: TensorLike): AnyTensor =>
  apply1(maximumPrimitive, coerce('maximum', a, b))) as never;
