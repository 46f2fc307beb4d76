/** `sign`: elementwise −1, 0 or 1 (float32 or int32). Piecewise constant: its derivative is 0 everywhere (symbolic zero). */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';

/**
 * sign from comparisons: sign(NaN) is NaN (JAX, NumPy; tfjs's kernel gives 0), ±0 give +0 (as tfjs's), and
 * tiny values give ±1 (tfjs-wasm's Sign gives 0 for 0 < |x| < ~1e-6; found by the conformance matrix).
 */
function signKernel(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32') return tf.sign(x);
  const zeroOrNaN = tf.where(tf.isNaN(x), x, tf.zerosLike(x));
  return tf.where(tf.greater(x, 0), tf.onesLike(x), tf.where(tf.less(x, 0), tf.fill(x.shape, -1), zeroOrNaN));
}

export const signPrimitive: Primitive = unaryPrimitive('sign', signKernel, null, numericLowering(([x]) => sc.select(sc.gt(x!, sc.lit(0, x!.dtype)), sc.lit(1, x!.dtype), sc.select(sc.lt(x!, sc.lit(0, x!.dtype)), sc.lit(-1, x!.dtype), sc.select(sc.isNaN(x!), x!, sc.lit(0, x!.dtype))))), ['float32', 'int32']);

/**
 * Elementwise sign: −1 for negative, 0 for zero, 1 for positive (float32 or
 * int32; NaN gives 0, as in TensorFlow.js). Its derivative is 0 everywhere,
 * including at 0 (see docs/conventions.md).
 * @example
 * ```ts
 * fx.sign(fx.tensor([-2, 0, 3])); // [-1, 0, 1]
 * ```
 * @public
 */
export function sign<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>): Tensor<S, D> {
  return apply1(signPrimitive, [x]);
}
