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
import { add } from './add.js';
import { broadcastTo } from './broadcastTo.js';
import { equal } from './equal.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { where } from './where.js';

export const minimumPrimitive: Primitive = binaryPrimitive('minimum', tf.minimum, {
  jvp(a, b, ta, tb, y) {
    // Weight of a: 1 where a alone is selected, ½ at a tie, 0 where b is selected.
    const weightA = where(equal(a, y), where(equal(b, y), 0.5, 1), 0);
    const da = ta ? mul(ta, weightA) : null;
    const db = tb ? mul(tb, sub(1, weightA)) : null;
    const t = da && db ? add(da, db) : (da ?? db)!;
    return broadcastTo(t, y.shape);
  },
});

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
