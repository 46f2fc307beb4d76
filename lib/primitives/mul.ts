/** `mul`: elementwise a · b with broadcasting. Linear in each operand separately. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { BinaryOp } from '../core/signatures.js';
import { apply1, binaryPrimitive, coerce, LinearInput, unbroadcast, type TensorLike } from './define.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';
import { broadcastTo } from './broadcastTo.js';
import { add } from './add.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { TransformError } from '../core/errors.js';

export const mulPrimitive: Primitive = binaryPrimitive('mul', tf.mul, { lowering: numericLowering(([a, b]) => sc.mul(a!, b!)),
  jvp(a, b, ta, tb, y) {
    const da = ta ? mul(ta, b) : null;
    const db = tb ? mul(a, tb) : null;
    return da && db ? add(da, db) : broadcastTo((da ?? db)!, y.shape);
  },
  transpose(ct, a, b) {
    if (a instanceof LinearInput && b instanceof LinearInput) {
      throw new TransformError('mul: cannot transpose a product of two linear values (the program is not linear)');
    }
    return [
      a instanceof LinearInput ? unbroadcast(mul(ct, b as AnyTensor), a.aval.shape) : null,
      b instanceof LinearInput ? unbroadcast(mul(a as AnyTensor, ct), b.aval.shape) : null,
    ];
  },
});

/**
 * Elementwise product with NumPy broadcasting.
 * @example
 * ```ts
 * fx.mul(fx.tensor([1, 2]), 3); // [3, 6]
 * ```
 * @public
 */
export const mul: BinaryOp<'float32' | 'int32'> = ((a: TensorLike, b: TensorLike): Tensor =>
  apply1(mulPrimitive, coerce('mul', a, b))) as never;
