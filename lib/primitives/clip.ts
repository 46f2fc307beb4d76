/**
 * `clip`: elementwise clamp of x to [lo, hi] (JS numbers, kept as params).
 * Derivative: 1 for lo ≤ x ≤ hi, 0 outside. The bounds themselves count as
 * inside (PyTorch's `clamp` convention): a value sitting exactly on a bound,
 * e.g. after a projection step, still gets a gradient and can move back in.
 * NaN stays NaN on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '../../typelevel/index.js';
import { definePrimitive, type Primitive } from '../core/primitive.js';
import type { Tensor } from '../core/tensor.js';
import { apply1, requireDtype } from './define.js';
import { greater } from './greater.js';
import { less } from './less.js';
import { where } from './where.js';
import { elementwise } from '../core/lowering.js';
import { elementwiseBatch } from './batching.js';
import { sc } from '../core/scalar.js';

/** Parameters of `clip`: the bounds, lo ≤ hi (either may be infinite). */
export interface ClipParams extends Record<string, unknown> {
  readonly lo: number;
  readonly hi: number;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export const clipPrimitive: Primitive<ClipParams> = definePrimitive<ClipParams>({
  lowering: elementwise(([x], { lo, hi }) => {
    if (typeof lo !== 'number' || typeof hi !== 'number') return undefined;
    if (x!.dtype === 'float32') {
      // x < lo ? lo : x > hi ? hi : x — NaN passes through; the bounds are float32 constants.
      const l = sc.lit(Math.fround(lo));
      const h = sc.lit(Math.fround(hi));
      return sc.select(sc.lt(x!, l), l, sc.select(sc.gt(x!, h), h, x!));
    }
    if (x!.dtype !== 'int32') return undefined;
    // int32 bounds round inward to the int32 range.
    return sc.min(sc.max(x!, sc.lit(Math.max(Math.ceil(lo), INT32_MIN), 'int32')), sc.lit(Math.min(Math.floor(hi), INT32_MAX), 'int32'));
  }),
  name: 'clip',
  abstractEval([x]) {
    requireDtype('clip', 'x', x!, ['float32', 'int32']);
    return { shape: x!.shape, dtype: x!.dtype };
  },
  impl([x], { lo, hi }) {
    if (x!.dtype === 'float32') {
      const clipped = tf.clipByValue(x!, lo, hi);
      // NaN stays NaN (as in NumPy, JAX and tfjs-cpu); tfjs-wasm's kernel would map it to lo.
      return tf.getBackend() === 'wasm' ? tf.where(tf.isNaN(x!), x!, clipped) : clipped;
    }
    // tfjs-wasm's ClipByValue returns garbage for int32, so clamp with
    // maximum/minimum; the bounds round inward to the int32 range.
    const l = tf.scalar(Math.max(Math.ceil(lo), INT32_MIN), 'int32');
    const h = tf.scalar(Math.min(Math.floor(hi), INT32_MAX), 'int32');
    return tf.minimum(tf.maximum(x!, l), h);
  },
  jvp([x], [t], params) {
    const y = apply1(clipPrimitive, [x!], params);
    if (!t) return [y, null];
    // Strictly outside the bounds the output is constant; on the bounds the tangent passes.
    return [y, where(less(x!, params.lo), 0, where(greater(x!, params.hi), 0, t))];
  },
  showParams: ({ lo, hi }) => `lo=${lo}, hi=${hi}`,
});
clipPrimitive.batch = elementwiseBatch(clipPrimitive as Primitive);

/**
 * Clamps each element of `x` to [lo, hi] (float32 or int32; for int32 the
 * bounds round inward). Derivative: 1 where lo ≤ x ≤ hi, 0 where x < lo or
 * x > hi; on a bound the derivative is 1 (PyTorch's convention; JAX's
 * `lax.clamp` gives 0 there; see docs/conventions.md). Throws a `RangeError`
 * when lo > hi or a bound is NaN.
 * @example
 * ```ts
 * fx.clip(fx.tensor([-2, 0.5, 3]), 0, 1); // [0, 0.5, 1]
 * ```
 * @public
 */
export function clip<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>, lo: number, hi: number): Tensor<S, D> {
  if (typeof lo !== 'number' || typeof hi !== 'number' || Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
    throw new RangeError(`clip: the bounds must be numbers with lo ≤ hi, got lo = ${String(lo)}, hi = ${String(hi)}`);
  }
  return apply1(clipPrimitive, [x], { lo, hi });
}
