/** `squeeze`: removes size-1 axes; a composite of `reshape` that checks the axes at run time. */
import type { Checked, Dtype, Shape, Squeeze, SqueezeResult } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { normalizeAxis } from '../primitives/define.js';
import { reshape } from '../primitives/reshape.js';

/**
 * `x` without the size-1 axes listed in `axis` (a number or a list; every
 * size-1 axis when omitted). Squeezing an axis whose size is not 1 is a
 * `ShapeError` naming the axis and the shape.
 * @example
 * ```ts
 * fx.squeeze(fx.zeros([1, 3, 1]));    // Tensor<[3]>
 * fx.squeeze(fx.zeros([1, 3, 1]), 0); // Tensor<[3, 1]>
 * ```
 * @public
 */
export function squeeze<S extends Shape, D extends Dtype, const A extends number | readonly number[] | undefined = undefined>(x: Tensor<S, D>, axis?: A & Checked<SqueezeResult<S, A>>): Tensor<Squeeze<S, A>, D> {
  const shape = (x as AnyTensor).shape as readonly number[];
  let axes: number[];
  if (axis === undefined) {
    axes = shape.flatMap((d, i) => (d === 1 ? [i] : []));
  } else {
    axes = (typeof axis === 'number' ? [axis] : [...(axis as readonly number[])]).map((a) => normalizeAxis('squeeze', a, shape.length));
    const twice = axes.find((a, i) => axes.indexOf(a) !== i);
    if (twice !== undefined) throw new ShapeError('squeeze', `axis ${twice} appears twice among the squeezed axes (x ${showShape(shape)})`);
    for (const a of axes) {
      if (shape[a] !== 1) throw new ShapeError('squeeze', `cannot squeeze axis ${a} of x ${showShape(shape)}: its size is ${shape[a]}, not 1`);
    }
  }
  return reshape(x as AnyTensor, shape.filter((_, i) => !axes.includes(i)) as number[]) as never;
}
