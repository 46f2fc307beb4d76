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
import { castTo, filled, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';

export interface LastWriteMaskParams extends Record<string, unknown> {
  /** How many leading axes separate independent index sets (0: one set). */
  readonly groupAxes: number;
}

export const lastWriteMaskPrimitive: Primitive<LastWriteMaskParams> = definePrimitive({
  lowering: kernelOnly('a scatter bookkeeping mask: tfjs kernel'),
  name: 'lastWriteMask',
  onnx: lastWriteMaskOnnx,
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

/**
 * ONNX, as the impl: a descending `TopK` per group (ties keep the lower
 * position first, by the ONNX spec) marks the last element of each run of
 * equal indices; `ScatterElements` puts the marks back at their positions.
 */
function lastWriteMaskOnnx(g: OnnxBuilder, eq: OnnxEquation<LastWriteMaskParams>): void {
  const shape = eq.inAvals[0]!.shape;
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  const groups = size(shape.slice(0, eq.params.groupAxes));
  const n = size(shape.slice(eq.params.groupAxes));
  if (n <= 1 || groups === 0) return void filled(g, shape, 'float32', 1, eq.outputs);
  const rows = g.op('Reshape', [eq.inputs[0]!, g.ints([groups, n])]);
  const [values, order] = g.ops('TopK', [rows, g.ints([n])], 2, { axis: { int: 1 }, largest: { int: 1 }, sorted: { int: 1 } }) as [string, string];
  const differs = g.op('Not', [g.op('Equal', [g.op('Slice', [values, g.ints([0]), g.ints([n - 1]), g.ints([1])]), g.op('Slice', [values, g.ints([1]), g.ints([n]), g.ints([1])])])]);
  const last = g.op('Expand', [g.scalar(1, 'bool'), g.ints([groups, 1])]);
  const runEnds = g.op('Cast', [g.op('Concat', [differs, last], { axis: { int: 1 } })], castTo('float32'));
  g.node('Reshape', [g.op('ScatterElements', [filled(g, [groups, n], 'float32'), order, runEnds], { axis: { int: 1 } }), g.ints(shape)], eq.outputs);
}
