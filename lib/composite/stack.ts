/** `stack`: joins same-shaped tensors along a new axis; a composite of `expandDims` and `concat`. */
import type { Checked, Dtype, Shape, Stack, StackResult } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { concat } from '../primitives/concat.js';
import { sameShape } from '../primitives/define.js';
import { expandDims, insertionAxis } from './expandDims.js';
import { scoped } from '../core/memory.js';

/**
 * Stacks tensors of one shape along a new axis `axis` (default 0): stacking
 * `n` tensors of shape `S` at axis 0 gives `[n, ...S]`. Shapes must agree
 * exactly (a `ShapeError` names the first that differs).
 * @example
 * ```ts
 * fx.stack([fx.tensor([1, 2]), fx.tensor([3, 4])]); // [[1, 2], [3, 4]]
 * ```
 * @public
 */
export function stack<const T extends readonly [Tensor<Shape, Dtype>, ...Tensor<Shape, Dtype>[]]>(
  xs: T & Checked<StackResult<{ [K in keyof T]: T[K]['shape'] }, 0>>,
  axis?: 0,
): Tensor<Stack<{ [K in keyof T]: T[K]['shape'] }, 0>, T[0]['dtype']>;
/**
 * Stacks along an explicit `axis` (in `[-(rank+1), rank]`). A separate overload: an optional
 * `axis?: A` with a default would make the compiler's subtype-based first pass pick `[number, ...S]`.
 * @public
 */
export function stack<const T extends readonly [Tensor<Shape, Dtype>, ...Tensor<Shape, Dtype>[]], const A extends number>(
  xs: T & Checked<StackResult<{ [K in keyof T]: T[K]['shape'] }, A>>,
  axis: A,
): Tensor<Stack<{ [K in keyof T]: T[K]['shape'] }, A>, T[0]['dtype']>;
/** @public */
export function stack<S extends Shape, D extends Dtype>(xs: readonly Tensor<S, D>[], axis?: 0): Tensor<[number, ...S], D>;
/** @public */
export function stack<S extends Shape, D extends Dtype>(xs: readonly Tensor<S, D>[], axis: number): Tensor<number[], D>;
export function stack(xs: readonly AnyTensor[], axis = 0): AnyTensor {
  return scoped(() => {
    if (xs.length === 0) throw new ShapeError('stack', 'needs at least one tensor');
    const first = xs[0]!;
    xs.forEach((x, i) => {
      if (!sameShape(x.shape, first.shape)) {
        throw new ShapeError('stack', `tensor ${i} has shape ${showShape(x.shape)} but tensor 0 has shape ${showShape(first.shape)}; stacked tensors must have one shape`);
      }
    });
    const at = insertionAxis('stack', axis, first.shape);
    return concat(xs.map((x) => expandDims(x, at)), at);
  });
}
