/**
 * `lastWriteMask`: for an int32 index tensor, a float32 mask of the same
 * shape that is 1 at the last occurrence (row-major order) of each index
 * value and 0 at earlier repeats. `at(x, idx).set(v)` uses it to give
 * "last write wins" (NumPy's rule for `x[idx] = v`) on every backend, where
 * tfjs's own `tensorScatterUpdate` leaves the order of repeated writes
 * undefined on webgpu. Computed on the device: a stable descending sort
 * (tfjs `topk` puts equal values in ascending position order) marks the last
 * element of each run of equal values. NoDiff (int32 input).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor } from '../core/tensor.js';
import { apply1, requireDtype } from './define.js';

export const lastWriteMaskPrimitive: Primitive = definePrimitive({
  name: 'lastWriteMask',
  abstractEval([indices]) {
    requireDtype('lastWriteMask', 'indices', indices!, ['int32']);
    return { shape: indices!.shape, dtype: 'float32' };
  },
  impl([indices]) {
    const n = indices!.size;
    if (n <= 1) return tf.ones(indices!.shape, 'float32');
    // Descending by value; equal values keep ascending positions, so a run's last element is its last write.
    const { values, indices: order } = tf.topk(tf.reshape(indices!, [n]), n, true);
    const runEnds = tf.concat([tf.notEqual(tf.slice(values, 0, n - 1), tf.slice(values, 1, n - 1)), tf.ones([1], 'bool')]);
    const mask = tf.scatterND(tf.reshape(order, [n, 1]), tf.cast(runEnds, 'float32'), [n]);
    return tf.reshape(mask, indices!.shape);
  },
  jvp: ([indices]) => [lastWriteMask(indices!), null],
});

/** 1 where an index is the last occurrence of its value, 0 at earlier repeats (float32, NoDiff). */
export function lastWriteMask(indices: AnyTensor): AnyTensor {
  return apply1(lastWriteMaskPrimitive, [indices]);
}
