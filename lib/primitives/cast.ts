/**
 * `cast`: converts the dtype. A cast to `float32` from `float32` is the
 * identity; any cast through `int32`/`bool` cuts the derivative (zero tangent).
 * float32 → int32 truncates toward zero and saturates (NaN → 0, ±Inf and
 * out-of-range values → the int32 bounds), on every backend, eager and jit.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dtype, Shape } from '../../typelevel/index.js';
import { DtypeError } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1 } from './define.js';
import { freshHandle } from '../core/alias.js';
import { elementwise } from '../core/lowering.js';
import { sc } from '../core/scalar.js';

export interface CastParams extends Record<string, unknown> {
  readonly dtype: Dtype;
}

const dtypes: readonly Dtype[] = ['float32', 'int32', 'bool'];

export const castPrimitive: Primitive<CastParams> = definePrimitive({
  lowering: elementwise(([x], { dtype }) => sc.cast(x!, dtype)),
  name: 'cast',
  abstractEval([x], { dtype }) {
    if (!dtypes.includes(dtype)) throw new DtypeError('cast', `unknown dtype ${JSON.stringify(dtype)}; expected one of ${dtypes.join(', ')}`);
    return { shape: x!.shape, dtype };
  },
  // A cast to bool is `x != 0` (tfjs's Cast to bool keeps the value on some backends).
  impl([x], { dtype }) {
    if (dtype === 'bool' && x!.dtype !== 'bool') return tf.notEqual(x!, tf.scalar(0, x!.dtype));
    if (dtype === 'int32' && x!.dtype === 'float32') return saturatingToInt32(x!);
    // bool → float32 on webgpu as a select: tfjs-webgpu's cast keeps the bool's i32 storage, and a later
    // transpose of it (inside a reduction over leading axes) compiles an i32-into-f32 shader that fails and
    // poisons tfjs's cached pipeline for every later transpose (the conformance matrix found wrong max/min/sum).
    if (dtype === 'float32' && x!.dtype === 'bool' && tf.getBackend() === 'webgpu') {
      return tf.where(x!, tf.ones(x!.shape, 'float32'), tf.zeros(x!.shape, 'float32'));
    }
    return tf.cast(x!, dtype);
  },
  jvp([x], [t], params) {
    const y = apply1(castPrimitive, [x!], params);
    return [y, t && x!.dtype === 'float32' && params.dtype === 'float32' ? t : null];
  },
  transpose: (ct) => [ct],
  batch: ([x], [d], params) => [apply1(castPrimitive, [x!], params), d!],
  showParams: ({ dtype }) => `dtype=${dtype}`,
});

/**
 * float32 → int32 that saturates, identically on every backend (tfjs's own
 * cast wraps on cpu, and differs between backends for NaN and out-of-range
 * values): NaN → 0, x ≥ 2³¹ (and +Inf) → 2147483647, x ≤ −2³¹ (and −Inf) →
 * −2147483648, otherwise truncation toward zero. The clip bound 2147483520 is
 * the largest float32 below 2³¹, so the kernel's cast never overflows.
 */
function saturatingToInt32(x: tf.Tensor): tf.Tensor {
  const truncated = tf.cast(tf.clipByValue(x, -2147483648, 2147483520), 'int32');
  const high = tf.where(tf.greaterEqual(x, tf.scalar(2147483648)), tf.fill(x.shape, 2147483647, 'int32'), truncated);
  return tf.where(tf.isNaN(x), tf.zerosLike(high), high);
}

/**
 * Converts to `dtype`. Casting a float to `int32` or `bool` makes a NoDiff
 * value: no gradient flows back through it.
 * @example
 * ```ts
 * fx.cast(fx.tensor([1.7, -2.2]), 'int32'); // [1, -2]
 * ```
 * @public
 */
export function cast<S extends Shape, D extends Dtype>(x: Tensor<S>, dtype: D): Tensor<S, D> {
  // Same dtype: a fresh handle on the same data (a result never aliases its input).
  if (x.dtype === dtype) return freshHandle(x) as Tensor<S, D>;
  return apply1(castPrimitive, [x], { dtype });
}
