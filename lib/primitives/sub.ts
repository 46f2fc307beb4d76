/** `sub`: elementwise a − b with broadcasting. Linear in both operands. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { BinaryOp } from '../core/signatures.js';
import { apply1, binaryPrimitive, coerce, LinearInput, unbroadcast, type TensorLike } from './define.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';
import { broadcastTo } from './broadcastTo.js';
import { neg } from './neg.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';

export const subPrimitive: Primitive = binaryPrimitive('sub', tf.sub, { lowering: numericLowering(([a, b]) => sc.sub(a!, b!)),
  jvp: (_a, _b, ta, tb, y) => (ta && tb ? sub(ta, tb) : ta ? broadcastTo(ta, y.shape) : broadcastTo(neg(tb!), y.shape)),
  transpose: (ct, a, b) => [
    a instanceof LinearInput ? unbroadcast(ct, a.aval.shape) : null,
    b instanceof LinearInput ? unbroadcast(neg(ct), b.aval.shape) : null,
  ],
});

/**
 * Elementwise difference with NumPy broadcasting.
 * @example
 * ```ts
 * fx.sub(fx.tensor([3, 4]), 1); // [2, 3]
 * ```
 * @public
 */
export const sub: BinaryOp<'float32' | 'int32'> = ((a: TensorLike, b: TensorLike): Tensor =>
  apply1(subPrimitive, coerce('sub', a, b))) as never;
