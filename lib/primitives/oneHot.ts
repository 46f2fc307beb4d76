/**
 * `oneHot`: int32 class indices to float32 one-hot vectors along a new last
 * axis. NoDiff in its input (indices have no derivative); an index outside
 * `[0, depth)` gives a row of zeros (TensorFlow's and JAX's rule).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dim, Shape } from '../../typelevel/index.js';
import { ShapeError } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1, requireDtype } from './define.js';
import { kernelOnly } from '../core/lowering.js';
import { castTo, reshapeTo, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';

export interface OneHotParams extends Record<string, unknown> {
  readonly depth: number;
}

export const oneHotPrimitive: Primitive<OneHotParams> = definePrimitive({
  lowering: kernelOnly('an index expansion: tfjs kernel'),
  name: 'oneHot',
  onnx: oneHotOnnx,
  abstractEval([indices], { depth }) {
    requireDtype('oneHot', 'indices', indices!, ['int32']);
    return { shape: [...indices!.shape, depth], dtype: 'float32' };
  },
  // Not tf.oneHot on webgpu: its output breaks tfjs-webgpu's transpose kernel. tfjs-wasm ignores a float32
  // dtype (hence the cast), and its broadcasting `equal` + `where` took 15 ms for [16, 64] × 64 (W9)
  // against 0.05 ms for its OneHot kernel; indices outside [0, depth) give zero rows in both.
  impl([indices], { depth }) {
    if (tf.getBackend() === 'wasm' && depth >= 2) return tf.cast(tf.oneHot(indices!, depth), 'float32'); // tf.oneHot needs depth >= 2
    const hit = tf.equal(tf.expandDims(indices!, -1), tf.range(0, depth, 1, 'int32'));
    return tf.where(hit, tf.scalar(1, 'float32'), tf.scalar(0, 'float32'));
  },
  jvp: ([indices], _tangents, params) => [apply1(oneHotPrimitive, [indices!], params), null],
  // The new axis is last, so a batch axis of the indices stays where it is.
  batch: ([indices], [d], params) => [apply1(oneHotPrimitive, [indices!], params), d!],
  showParams: ({ depth }) => `depth=${depth}`,
});

/**
 * One-hot float32 vectors: `out[..., k]` is 1 where `indices[...] == k`, else
 * 0; the result has shape `[...indices.shape, depth]`. Indices outside
 * `[0, depth)` give all-zero rows. `indices` are NoDiff.
 * @example
 * ```ts
 * fx.oneHot(fx.tensor([0, 2], 'int32'), 3); // [[1, 0, 0], [0, 0, 1]]
 * ```
 * @public
 */
export function oneHot<S extends Shape, const N extends Dim>(indices: Tensor<S, 'int32'>, depth: N): Tensor<[...S, N], 'float32'> {
  if (!Number.isInteger(depth) || depth < 1) throw new ShapeError('oneHot', `depth must be a positive integer, got ${depth}`);
  return apply1(oneHotPrimitive, [indices as AnyTensor], { depth });
}

/** ONNX: `indices[..., None] == arange(depth)` as float32 (out-of-range indices give zero rows, as fluxion). */
function oneHotOnnx(g: OnnxBuilder, eq: OnnxEquation<OneHotParams>): void {
  const column = reshapeTo(g, eq.inputs[0]!, [...eq.inAvals[0]!.shape, 1]);
  const classes = g.op('Cast', [g.ints([...Array(eq.params.depth).keys()])], castTo('int32'));
  g.node('Cast', [g.op('Equal', [column, classes])], eq.outputs, castTo('float32'));
}
