/** `mean`: the average over axes, a composite of `sum` and a division by the element count. */
import type { Checked, Reduce, ReduceResult, Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { div } from '../primitives/div.js';
import { requireDtype } from '../primitives/define.js';
import { reduceAxes, sum } from '../primitives/sum.js';
import { scoped } from '../core/memory.js';

/**
 * The average over `axis` (a number, a list, or all axes when omitted),
 * keeping reduced axes as size 1 when `keepDims`: `sum / count`. The mean of
 * zero elements is NaN.
 * @example
 * ```ts
 * fx.mean(fx.tensor([[1, 2], [3, 4]]), 0); // [2, 3]
 * ```
 * @public
 */
export function mean<S extends Shape, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S, 'float32'>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, 'float32'> {
  return scoped(() => {
    requireDtype('mean', 'x', x, ['float32']);
    const axes = reduceAxes('mean', x.rank, axis);
    const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
    return div(sum(x as AnyTensor, axes, keepDims ?? false), count) as never;
  });
}
