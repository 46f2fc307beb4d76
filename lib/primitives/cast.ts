/**
 * `cast`: converts the dtype. A cast to `float32` from `float32` is the
 * identity; any cast through `int32`/`bool` cuts the derivative (zero tangent).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dtype, Shape } from '../../typelevel/index.js';
import { DtypeError } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1 } from './define.js';

export interface CastParams extends Record<string, unknown> {
  readonly dtype: Dtype;
}

const dtypes: readonly Dtype[] = ['float32', 'int32', 'bool'];

export const castPrimitive: Primitive<CastParams> = definePrimitive({
  name: 'cast',
  abstractEval([x], { dtype }) {
    if (!dtypes.includes(dtype)) throw new DtypeError('cast', `unknown dtype ${JSON.stringify(dtype)}; expected one of ${dtypes.join(', ')}`);
    return { shape: x!.shape, dtype };
  },
  // A cast to bool is `x != 0` (tfjs's Cast to bool keeps the value on some backends).
  impl: ([x], { dtype }) => (dtype === 'bool' && x!.dtype !== 'bool' ? tf.notEqual(x!, tf.scalar(0, x!.dtype)) : tf.cast(x!, dtype)),
  jvp([x], [t], params) {
    const y = apply1(castPrimitive, [x!], params);
    return [y, t && x!.dtype === 'float32' && params.dtype === 'float32' ? t : null];
  },
  transpose: (ct) => [ct],
  batch: ([x], [d], params) => [apply1(castPrimitive, [x!], params), d!],
  showParams: ({ dtype }) => `dtype=${dtype}`,
});

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
  if (x.dtype === dtype) return x as Tensor<S, D>;
  return apply1(castPrimitive, [x], { dtype });
}
