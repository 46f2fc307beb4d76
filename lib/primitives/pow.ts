/**
 * `pow`: elementwise a^b with broadcasting (float32). Derivatives:
 * ∂/∂a = b·a^(b−1) (taken as 0 where b = 0, so a^0 has derivative 0 even at
 * a = 0), ∂/∂b = log(a)·a^b (taken as 0 where a = 0), JAX's conventions.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { BinaryOp } from '../core/signatures.js';
import type { AnyTensor } from '../core/tensor.js';
import { apply1, binaryPrimitive, coerce, type TensorLike } from './define.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { add } from './add.js';
import { broadcastTo } from './broadcastTo.js';
import { equal } from './equal.js';
import { log } from './log.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { where } from './where.js';

/** tfjs's pow, with C's values where tfjs-cpu follows JS's Math.pow: 1^b = 1 (b NaN too) and (−1)^±Infinity = 1. */
function powKernel(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const y = tf.pow(a, b);
  if (a.dtype !== 'float32') return y;
  const one = tf.logicalOr(tf.equal(a, 1), tf.logicalAnd(tf.equal(a, -1), tf.equal(tf.abs(b), Infinity)));
  return tf.where(one, tf.onesLike(y), y);
}

export const powPrimitive: Primitive = binaryPrimitive('pow', powKernel, { lowering: floatLowering(([a, b]) => sc.pow(a!, b!)),
  dtypes: ['float32'],
  jvp(a, b, ta, tb, y) {
    // where(b == 0, 0, …) avoids 0·0^(−1) = NaN for a^0 at a = 0.
    const da = ta ? mul(ta, where(equal(b, 0), 0, mul(b, pow(a, sub(b, 1))))) : null;
    // where(a == 0, 1, a) makes log finite: d/db 0^b is taken as 0.
    const db = tb ? mul(tb, mul(log(where(equal(a, 0), 1, a)), y)) : null;
    const t = da && db ? add(da, db) : (da ?? db)!;
    return broadcastTo(t, y.shape);
  },
});

/**
 * Elementwise power a^b with NumPy broadcasting (float32; NaN for a < 0 with a
 * non-integer b). Derivatives: ∂/∂a = b·a^(b−1), ∂/∂b = log(a)·a^b, with
 * JAX's conventions at a = 0: ∂/∂b is 0 there, and ∂/∂a of a^0 is 0. For
 * a < 0, ∂/∂b is NaN (log of a negative number). See docs/conventions.md.
 * @example
 * ```ts
 * fx.pow(fx.tensor([2, 3]), 2); // [4, 9]
 * ```
 * @public
 */
export const pow: BinaryOp<'float32'> = ((a: TensorLike, b: TensorLike): AnyTensor =>
  apply1(powPrimitive, coerce('pow', a, b))) as never;
