/**
 * `argmax`: the position of the largest element along one axis, as int32.
 * NoDiff: its tangent is always a symbolic zero. Ties resolve to the first
 * (lowest) position, on every backend; a NaN counts as the largest (NumPy).
 * With no axis the tensor is flattened first (NumPy), so the result indexes
 * the flat, row-major order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, Reduce, ReduceResult, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { moveBatchToFront } from './batching.js';
import { apply1, normalizeAxis, requireDtype } from './define.js';
import { reshape } from './reshape.js';
import { reducedShape } from './sum.js';
import { scoped } from '../core/memory.js';
import { kernelOnly } from '../core/lowering.js';
import { argReduceForm } from '../onnx/forms.js';

export interface ArgReduceParams extends Record<string, unknown> {
  /** The (non-negative) axis searched. */
  readonly axis: number;
  /** Whether the searched axis stays as size 1. */
  readonly keepDims: boolean;
}

/**
 * The primitive of `argmax` or `argmin`; `extremum` is `tf.max` or `tf.min`.
 * Computed as the smallest position holding the extremum (or a NaN), not with
 * `tf.argMax`: tfjs-webgpu's parallel argMax returns an arbitrary tied
 * position, and this way every backend gives the first one. A slice with a
 * NaN gives the position of its first NaN (NumPy's rule).
 */
export function argReducePrimitive(name: string, extremum: (x: tf.Tensor, axis: number, keepDims: boolean) => tf.Tensor): Primitive<ArgReduceParams> {
  const prim: Primitive<ArgReduceParams> = definePrimitive({
  lowering: kernelOnly('an index reduction (first index on ties): tfjs kernel'),
    name,
    onnx: argReduceForm(name === 'argmax' ? 'ArgMax' : 'ArgMin'),
    abstractEval([x], { axis, keepDims }) {
      requireDtype(name, 'x', x!, ['float32', 'int32']);
      if (!(axis >= 0 && axis < x!.shape.length)) throw new ShapeError(name, `axis ${axis} is out of range for x of shape ${showShape(x!.shape)}`);
      if (x!.shape[axis] === 0) throw new ShapeError(name, `axis ${axis} of x ${showShape(x!.shape)} is empty: there is no position to return`);
      return { shape: reducedShape(x!.shape, [axis], keepDims), dtype: 'int32' };
    },
    impl([x], { axis, keepDims }) {
      const n = x!.shape[axis]!;
      const kept = reducedShape(x!.shape, [axis], true);
      let hit = tf.equal(x!, tf.reshape(extremum(x!, axis, false), kept));
      if (x!.dtype === 'float32') hit = tf.logicalOr(hit, tf.isNaN(x!));
      const positions = tf.reshape(tf.range(0, n, 1, 'int32'), x!.shape.map((d, i) => (i === axis ? d : 1)));
      const first = tf.min(tf.where(hit, positions, tf.scalar(n, 'int32')), axis);
      return tf.reshape(first, reducedShape(x!.shape, [axis], keepDims));
    },
    jvp: ([x], _tangents, params) => [apply1(prim, [x!], params), null],
    batch: ([x], [d], { axis, keepDims }) => [apply1(prim, [moveBatchToFront(x!, d!)], { axis: axis + 1, keepDims }), 0],
    showParams: ({ axis, keepDims }) => `axis=${axis}${keepDims ? ', keepDims' : ''}`,
  });
  return prim;
}

/** Applies `argmax`/`argmin` with the public conventions (no axis = over the flattened tensor). */
export function argReduce(prim: Primitive<ArgReduceParams>, x: AnyTensor, axis: number | undefined, keepDims: boolean): AnyTensor {
  if (axis === undefined) {
    // A scope frees the flattened handle (reshape never aliases its input, even to the same shape).
    return scoped(() => {
      const flat = apply1(prim, [reshape(x, [x.size])], { axis: 0, keepDims: false });
      return keepDims ? reshape(flat, x.shape.map(() => 1)) : flat;
    });
  }
  return apply1(prim, [x], { axis: normalizeAxis(prim.name, axis, x.rank), keepDims });
}

export const argmaxPrimitive: Primitive<ArgReduceParams> = argReducePrimitive('argmax', (x, axis, keepDims) => tf.max(x, axis, keepDims));

/**
 * The int32 position of the largest element along `axis` (one axis; none =
 * the flat position over all elements), keeping the axis as size 1 when
 * `keepDims`. Ties give the first position. NoDiff: no gradient flows back.
 * @example
 * ```ts
 * fx.argmax(fx.tensor([[1, 5, 5], [7, 0, 2]]), 1); // [1, 0] (int32)
 * ```
 * @public
 */
export function argmax<S extends Shape, D extends Exclude<Dtype, 'bool'>, const A extends number | undefined = undefined, K extends boolean = false>(
  x: Tensor<S, D>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, 'int32'> {
  return argReduce(argmaxPrimitive, x, axis, keepDims ?? false);
}
