/**
 * `lastWriteMask`: for an int32 index tensor, a float32 mask of the same
 * shape that is 1 at the last occurrence (row-major order) of each index
 * value and 0 at earlier repeats. `at(x, idx).set(v)` uses it to give
 * "last write wins" (NumPy's rule for `x[idx] = v`) on every backend, where
 * tfjs's own `tensorScatterUpdate` leaves the order of repeated writes
 * undefined on webgpu. Computed on the device: a stable descending sort
 * (tfjs `topk` puts equal values in ascending position order) marks the last
 * element of each run of equal values. NoDiff (int32 input).
 *
 * `groupAxes` leading axes hold independent index sets (used by `vmap`: each
 * example has its own repeats).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import { sizeOf, type AnyTensor } from '../core/tensor.js';
import { moveBatchToFront } from './batching.js';
import { apply1, requireDtype } from './define.js';
import { kernelOnly } from '../core/lowering.js';

export interface LastWriteMaskParams extends Record<string, unknown> {
  /** How many leading axes separate independent index sets (0: one set). */
  readonly groupAxes: number;
}

export const lastWriteMaskPrimitive: Primitive<LastWriteMaskParams> = definePrimitive({
  lowering: kernelOnly('a scatter bookkeeping mask: tfjs kernel'),
  name: 'lastWriteMask',
  abstractEval([indices]) {
    requireDtype('lastWriteMask', 'indices', indices!, ['int32']);
    return { shape: indices!.shape, dtype: 'float32' };
  },
  impl([indices], { groupAxes }) {
    const shape = indices!.shape;
    const groups = sizeOf(shape.slice(0, groupAxes));
    const n = sizeOf(shape.slice(groupAxes));
    if (n <= 1 || groups === 0) return tf.ones(shape, 'float32');
    // Per group, descending by value; equal values keep ascending positions, so a run's last element is its last write.
    const { values, indices: order } = tf.topk(tf.reshape(indices!, [groups, n]), n, true);
    const differs = tf.notEqual(tf.slice(values, [0, 0], [groups, n - 1]), tf.slice(values, [0, 1], [groups, n - 1]));
    const runEnds = tf.where(tf.concat([differs, tf.ones([groups, 1], 'bool')], 1), tf.scalar(1, 'float32'), tf.scalar(0, 'float32'));
    const rows = tf.broadcastTo(tf.reshape(tf.range(0, groups, 1, 'int32'), [groups, 1]), [groups, n]);
    const where = tf.reshape(tf.stack([rows, order], 2), [groups * n, 2]);
    return tf.reshape(tf.scatterND(where, tf.reshape(runEnds, [groups * n]), [groups, n]), shape);
  },
  jvp: ([indices], _tangents, params) => [apply1(lastWriteMaskPrimitive, [indices!], params), null],
  batch: ([indices], [d], { groupAxes }) => [apply1(lastWriteMaskPrimitive, [moveBatchToFront(indices!, d!)], { groupAxes: groupAxes + 1 }), 0],
  showParams: ({ groupAxes }) => (groupAxes ? `groupAxes=${groupAxes}` : ''),
});

/** 1 where an index is the last occurrence of its value, 0 at earlier repeats (float32, NoDiff). */
export function lastWriteMask(indices: AnyTensor): AnyTensor {
  return apply1(lastWriteMaskPrimitive, [indices], { groupAxes: 0 });
}
