/** `mean`: the average over axes, a composite of `sum` and a division by the element count. */
import type { Checked, Reduce, ReduceResult, Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { div } from '../primitives/div.js';
import { cast } from '../primitives/cast.js';
import { reduceAxes, sum } from '../primitives/sum.js';
import { scoped } from '../core/memory.js';

/**
 * The average over `axis` (a number, a list, or all axes when omitted),
 * keeping reduced axes as size 1 when `keepDims`: `sum / count`. The mean of
 * zero elements is NaN. int32 and bool inputs are cast to float32 first, and
 * the result is float32 (as `jnp.mean`).
 * @example
 * ```ts
 * fx.mean(fx.tensor([[1, 2], [3, 4]]), 0); // [2, 3]
 * ```
 * @public
 */
export function mean<S extends Shape, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, 'float32'> {
  return scoped(() => {
    const axes = reduceAxes('mean', x.rank, axis);
    const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
    return div(sum(toFloat(x as AnyTensor), axes, keepDims ?? false), count) as never;
  });
}

/** `x` as float32: int32 and bool are cast (as JAX promotes them in `mean`, `var`, `std`). */
export function toFloat(x: AnyTensor): AnyTensor {
  return x.dtype === 'float32' ? x : cast(x, 'float32');
}
