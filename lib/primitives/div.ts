/** `div`: elementwise a / b with broadcasting (float32). Linear in `a`. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { BinaryOp } from '../core/signatures.js';
import { apply1, binaryPrimitive, coerce, LinearInput, unbroadcast, type TensorLike } from './define.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { broadcastTo } from './broadcastTo.js';
import { sub } from './sub.js';
import { mul } from './mul.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { TransformError } from '../core/errors.js';

export const divPrimitive: Primitive = binaryPrimitive('div', tf.div, { lowering: floatLowering(([a, b]) => sc.div(a!, b!)),
  dtypes: ['float32'],
  jvp(_a, b, ta, tb, y) {
    // d(a/b) = ta/b − y·tb/b
    const da = ta ? div(ta, b) : null;
    const db = tb ? div(mul(y, tb), b) : null;
    return da && db ? sub(da, db) : da ? broadcastTo(da, y.shape) : broadcastTo(mul(db!, -1), y.shape);
  },
  transpose(ct, a, b) {
    if (b instanceof LinearInput) throw new TransformError('div: the divisor is linear, so the program is not linear');
    return [a instanceof LinearInput ? unbroadcast(div(ct, b), a.aval.shape) : null, null];
  },
});

/**
 * Elementwise quotient with NumPy broadcasting (float32).
 * @example
 * ```ts
 * fx.div(fx.tensor([1, 2]), 2); // [0.5, 1]
 * ```
 * @public
 */
export const div: BinaryOp<'float32'> = ((a: TensorLike, b: TensorLike): Tensor =>
  apply1(divPrimitive, coerce('div', a, b))) as never;
