/** `add`: elementwise a + b with broadcasting. Linear in both operands. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { BinaryOp } from '../core/signatures.js';
import { apply1, binaryPrimitive, coerce, LinearInput, unbroadcast, type TensorLike } from './define.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';
import { broadcastTo } from './broadcastTo.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';

export const addPrimitive: Primitive = binaryPrimitive('add', tf.add, { lowering: numericLowering(([a, b]) => sc.add(a!, b!)),
  jvp: (_a, _b, ta, tb, y) => (ta && tb ? add(ta, tb) : broadcastTo(ta ?? tb!, y.shape)),
  transpose: (ct, a, b) => [
    a instanceof LinearInput ? unbroadcast(ct, a.aval.shape) : null,
    b instanceof LinearInput ? unbroadcast(ct, b.aval.shape) : null,
  ],
});

/**
 * Elementwise sum with NumPy broadcasting.
 * @example
 * ```ts
 * fx.add(fx.ones([2, 3]), fx.tensor([1, 2, 3])); // Tensor<[2, 3], 'float32'>
 * ```
 * @public
 */
export const add: BinaryOp<'float32' | 'int32'> = ((a: TensorLike, b: TensorLike): Tensor =>
  apply1(addPrimitive, coerce('add', a, b))) as never;
