/**
 * `max`: the largest element over axes. Its derivative is the tangent at the
 * position of the maximum; where several elements tie for the maximum, the
 * tangent is split equally between them: with `mask = (x == max)` and
 * `count = Σ mask`, the output tangent is `Σ t · mask / count`. (That is the
 * average of the one-sided derivatives, and what JAX does.) A NaN anywhere in
 * a reduced slice makes its maximum, and its tangent, NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, Reduce, ReduceResult, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1, requireDtype } from './define.js';
import { moveBatchToFront } from './batching.js';
import { broadcastTo } from './broadcastTo.js';
import { cast } from './cast.js';
import { div } from './div.js';
import { equalPrimitive } from './equal.js';
import { mul } from './mul.js';
import { reshape } from './reshape.js';
import { reduceAxes, reducedShape, sum, type ReduceParams } from './sum.js';
import { sc } from '../core/scalar.js';
import { extremumForm } from '../onnx/forms.js';

/**
 * The primitive of `max` or `min` (`kernel` is `tf.max` or `tf.min`): both
 * pass the tangent to the elements equal to the result, ties split equally.
 */
export function extremumPrimitive(name: string, kernel: (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor): Primitive<ReduceParams> {
  const prim: Primitive<ReduceParams> = definePrimitive({
    // NaN wins, as in tfjs's max/min.
    lowering: {
      kind: 'reduce',
      init: name === 'max' ? -Infinity : Infinity,
      combine: (acc, x) => sc.select(sc.or(name === 'max' ? sc.gt(x, acc) : sc.lt(x, acc), sc.isNaN(x)), x, acc),
    },
    name,
    onnx: extremumForm(name === 'max' ? 'ReduceMax' : 'ReduceMin'),
    abstractEval([x], { axes, keepDims }) {
      requireDtype(name, 'x', x!, ['float32', 'int32']);
      const empty = axes.find((a) => x!.shape[a] === 0);
      if (empty !== undefined) {
        throw new ShapeError(name, `axis ${empty} of x ${showShape(x!.shape)} is empty: the ${name} of no elements is undefined (sum and prod have identities, ${name} has none)`);
      }
      return { shape: reducedShape(x!.shape, axes, keepDims), dtype: x!.dtype };
    },
    // Reshape to the declared shape (tfjs-webgpu's reductions do not all honour keepDims).
    impl([x], { axes, keepDims }) {
      const shape = reducedShape(x!.shape, axes, keepDims);
      const y = tf.reshape(kernel(x!, axes as number[], false), shape);
      // A NaN in a slice makes its extremum NaN. tfjs-cpu's and tfjs-wasm's kernels do this (measured,
      // NaN first, middle or last); WGSL's max/min leave NaN unspecified, so elsewhere it is made explicit.
      const backend = tf.getBackend();
      if (backend === 'cpu' || backend === 'wasm' || x!.dtype !== 'float32') return y;
      // The NaN flag as a max of 0/1 floats, the same reduction kernel as the value's.
      // (A float32 0/1 made by a select: reducing a cast bool tensor made tfjs-webgpu build an i32 transpose shader
      // for f32 output, which fails and poisons its cached pipeline for every later transpose.)
      const flags = tf.where(tf.isNaN(x!), tf.onesLike(x!), tf.zerosLike(x!));
      const hasNaN = tf.reshape(tf.max(flags, axes as number[]), shape);
      return tf.where(tf.greater(hasNaN, 0), tf.fill(shape, NaN), y);
    },
    jvp([x], [t], params) {
      const y = apply1(prim, [x!], params);
      if (!t) return [y, null];
      const { axes, keepDims } = params;
      const kept = keepDims ? y : reshape(y, reducedShape(x!.shape, axes, true));
      // The mask depends on primals only (NoDiff), so the tangent map stays linear in t.
      const mask = cast(apply1(equalPrimitive, [x!, broadcastTo(kept, x!.shape)]), 'float32');
      const share = div(mask, sum(mask, axes as number[], true));
      return [y, sum(mul(t, share), axes as number[], keepDims)];
    },
    batch: ([x], [d], { axes, keepDims }) => [apply1(prim, [moveBatchToFront(x!, d!)], { axes: axes.map((a) => a + 1), keepDims }), 0],
    showParams: ({ axes, keepDims }) => `axes=[${axes.join(',')}]${keepDims ? ', keepDims' : ''}`,
  });
  return prim;
}

export const maxPrimitive: Primitive<ReduceParams> = extremumPrimitive('max', (x, axes, keepDims) => tf.max(x, axes, keepDims));

/**
 * The largest element over `axis` (a number, a list, or all axes when
 * omitted), keeping reduced axes as size 1 when `keepDims`. Derivative: the
 * tangent at the maximum; tied maxima share it equally.
 * @example
 * ```ts
 * fx.max(fx.tensor([[1, 5], [7, 2]]), 1); // [5, 7]
 * ```
 * @public
 */
export function max<S extends Shape, D extends Exclude<Dtype, 'bool'>, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S, D>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, D> {
  return apply1(maxPrimitive, [x], { axes: reduceAxes('max', x.rank, axis), keepDims: keepDims ?? false });
}

/** Internal: `max` on untyped tensors. */
export function maxOf(x: AnyTensor, axis?: number | readonly number[], keepDims = false): AnyTensor {
  return apply1(maxPrimitive, [x], { axes: reduceAxes('max', x.rank, axis), keepDims });
}
