/** `expandDims`: inserts a size-1 axis; a composite of `reshape` (linear, differentiable). */
import type { Checked, Dtype, ExpandDims, ExpandDimsResult, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { reshape } from '../primitives/reshape.js';

/** Normalizes an insertion position in `[-(rank + 1), rank]` or throws a `ShapeError` naming `op`. */
export function insertionAxis(op: string, axis: number, shape: readonly number[]): number {
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -(rank + 1) || axis > rank) {
    throw new ShapeError(op, `axis ${axis} is out of range [${-(rank + 1)}, ${rank}] for inserting an axis into ${showShape(shape)}`);
  }
  return axis < 0 ? axis + rank + 1 : axis;
}

/**
 * `x` with a new size-1 axis at position `axis` (negative counts from the
 * end: -1 appends). Same elements, so derivatives pass straight through.
 * @example
 * ```ts
 * fx.expandDims(fx.zeros([2, 3]), 0); // Tensor<[1, 2, 3], 'float32'>
 * ```
 * @public
 */
export function expandDims<S extends Shape, D extends Dtype>(x: Tensor<S, D>, axis: 0): Tensor<[1, ...S], D>;
/** @public */
export function expandDims<S extends Shape, D extends Dtype>(x: Tensor<S, D>, axis: -1): Tensor<[...S, 1], D>;
/** @public */
export function expandDims<S extends Shape, D extends Dtype, const A extends number>(x: Tensor<S, D>, axis: A & Checked<ExpandDimsResult<S, A>>): Tensor<ExpandDims<S, A>, D>;
/**
 * Several new size-1 axes at once (as `jnp.expand_dims` with a tuple): each
 * entry of `axes` is a position in the result, whose rank is
 * `x.rank + axes.length` (negative counts from the result's end).
 * @example
 * ```ts
 * fx.expandDims(fx.zeros([3]), [0, 2]); // shape [1, 3, 1]
 * ```
 * @public
 */
export function expandDims<S extends Shape, D extends Dtype>(x: Tensor<S, D>, axes: readonly number[]): Tensor<number[], D>;
export function expandDims(x: AnyTensor, axis: number | readonly number[]): AnyTensor {
  if (typeof axis !== 'number') {
    const rank = x.rank + axis.length;
    const at = axis.map((a) => {
      if (!Number.isInteger(a) || a < -rank || a >= rank) {
        throw new ShapeError('expandDims', `axis ${a} is out of range [${-rank}, ${rank - 1}] for a result of rank ${rank} (x ${showShape(x.shape)} with ${axis.length} new axes)`);
      }
      return a < 0 ? a + rank : a;
    });
    if (new Set(at).size !== at.length) throw new ShapeError('expandDims', `repeated axis in ${JSON.stringify(axis)}`);
    const rest = x.shape.slice();
    const shape = [...Array(rank).keys()].map((i) => (at.includes(i) ? 1 : rest.shift()!));
    return reshape(x, shape);
  }
  const at = insertionAxis('expandDims', axis, x.shape);
  const shape = x.shape.slice();
  shape.splice(at, 0, 1);
  return reshape(x, shape);
}
