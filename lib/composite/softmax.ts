/**
 * `softmax`: `exp(x) / Σ exp(x)` over axes (default the last), computed
 * stably by subtracting the (gradient-stopped) maximum first, which changes
 * nothing in value or derivative but keeps `exp` from overflowing.
 */
import type { Checked, ReduceResult, Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { requireDtype } from '../primitives/define.js';
import { div } from '../primitives/div.js';
import { exp } from '../primitives/exp.js';
import { sub } from '../primitives/sub.js';
import { reduceAxes, sum } from '../primitives/sum.js';
import { stableShift } from './logsumexp.js';
import { scoped } from '../core/memory.js';

/**
 * Normalized exponentials over `axis` (default -1, the last axis; a list
 * normalizes over several axes jointly; `null` normalizes over all axes, as JAX's `axis=None`). The result has `x`'s shape and sums
 * to 1 over `axis`. Stable for large inputs (`[1000, 1000]` → `[0.5, 0.5]`).
 * @example
 * ```ts
 * fx.softmax(fx.tensor([[0, Math.log(3)]])); // [[0.25, 0.75]]
 * ```
 * @public
 */
export function softmax<S extends Shape, const A extends number | readonly number[] = -1>(x: Tensor<S, 'float32'>, axis?: (A & Checked<ReduceResult<S, A>>) | null): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('softmax', 'x', x, ['float32']);
    const axes = reduceAxes('softmax', x.rank, axis === null ? undefined : ((axis ?? -1) as number | number[]));
    const e = exp(sub(x as AnyTensor, stableShift(x, axes)));
    return div(e, sum(e, axes, true)) as never;
  });
}
