/**
 * `matmul`: matrix product over the last two axes, batch axes broadcast.
 * Linear in each operand. The transpose rule uses an explicit `transpose`
 * followed by a plain product: on tfjs-wasm 4.22 `matMul(…, transposeA)` is
 * ~20× slower than transpose + plain matMul (784×128×512: 87 ms vs 4 ms).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dim, Shape } from '../../typelevel/index.js';
import { ShapeError, TransformError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { add } from './add.js';
import { apply1, broadcastShapes, LinearInput, requireDtype, unbroadcast } from './define.js';
import { transpose } from './transpose.js';
import { batchedWithRank } from './batching.js';

/** The runtime twin of the `matmul` signature: `[...B, M, K] @ [...B, K, N] → [...B, M, N]`. */
export function matmulShape(a: readonly number[], b: readonly number[]): number[] {
  if (a.length < 2 || b.length < 2) {
    throw new ShapeError('matmul', `operands need rank >= 2, got a ${showShape(a)} and b ${showShape(b)} (use fx.dot for vectors)`);
  }
  const [m, k] = a.slice(-2) as [number, number];
  const [k2, n] = b.slice(-2) as [number, number];
  if (k !== k2) throw new ShapeError('matmul', `inner dims ${k} and ${k2} differ (a ${showShape(a)}, b ${showShape(b)})`);
  const batch = broadcastShapes('matmul', a.slice(0, -2), b.slice(0, -2));
  return [...batch, m, n];
}

/** Swaps the last two axes. */
function mT(x: AnyTensor): AnyTensor {
  const perm = [...Array(x.rank).keys()];
  perm.push(perm.splice(-2, 1)[0]!);
  return transpose(x, perm);
}

export const matmulPrimitive: Primitive = definePrimitive({
  name: 'matmul',
  abstractEval([a, b]) {
    requireDtype('matmul', 'a', a!, ['float32']);
    requireDtype('matmul', 'b', b!, ['float32']);
    return { shape: matmulShape(a!.shape, b!.shape), dtype: 'float32' };
  },
  impl: ([a, b]) => tf.matMul(a!, b!),
  jvp([a, b], [ta, tb]) {
    const y = apply1(matmulPrimitive, [a!, b!]);
    const da = ta ? apply1(matmulPrimitive, [ta, b!]) : null;
    const db = tb ? apply1(matmulPrimitive, [a!, tb]) : null;
    return [y, da && db ? add(da, db) : (da ?? db)];
  },
  batch([a, b], [da, db]) {
    // Batched operands get the batch axis first and the rank of the wider example, so batch axes line up.
    const rank = Math.max(a!.rank - (da === null ? 0 : 1), b!.rank - (db === null ? 0 : 1));
    const align = (x: AnyTensor, d: number | null) => (d === null ? x : batchedWithRank(x, d, rank));
    return [apply1(matmulPrimitive, [align(a!, da!), align(b!, db!)]), 0];
  },
  transpose(ct, [a, b]) {
    if (a instanceof LinearInput && b instanceof LinearInput) {
      throw new TransformError('matmul: cannot transpose a product of two linear values (the program is not linear)');
    }
    return [
      a instanceof LinearInput ? unbroadcast(apply1(matmulPrimitive, [ct, mT(b as AnyTensor)]), a.aval.shape) : null,
      b instanceof LinearInput ? unbroadcast(apply1(matmulPrimitive, [mT(a as AnyTensor), ct]), b.aval.shape) : null,
    ];
  },
});

/**
 * Matrix product over the last two axes; leading (batch) axes of `a` carry
 * through. The inner dims must agree: `[B, 784] @ [100, 10]` is a compile-time
 * error when the dims are literals.
 * @example
 * ```ts
 * fx.matmul(fx.zeros([5, 784]), fx.zeros([784, 10])); // Tensor<[5, 10], 'float32'>
 * ```
 * @public
 */
export function matmul<Bt extends Dim[], M extends Dim, K extends Dim, N extends Dim>(
  a: Tensor<[...Bt, M, K], 'float32'>,
  b: Tensor<[NoInfer<K>, N], 'float32'> | Tensor<[...NoInfer<Bt>, NoInfer<K>, N], 'float32'>,
): Tensor<[...Bt, M, N], 'float32'> {
  return apply1(matmulPrimitive, [a, b as Tensor]);
}
