/**
 * `logSoftmax`: `x - logsumexp(x)` over axes (default the last), computed as
 * `(x - m) - log Σ exp(x - m)` with a gradient-stopped maximum `m`, so it is
 * finite where `log(softmax(x))` would underflow to `-Infinity`
 * (`[-1000, 0]` → `[-1000, 0]`).
 */
import type { Checked, ReduceResult, Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { requireDtype } from '../primitives/define.js';
import { exp } from '../primitives/exp.js';
import { log } from '../primitives/log.js';
import { sub } from '../primitives/sub.js';
import { reduceAxes, sum } from '../primitives/sum.js';
import { stableShift } from './logsumexp.js';
import { scoped } from '../core/memory.js';

/**
 * The logarithm of `softmax(x, axis)`, computed stably (default axis -1; a
 * list normalizes over several axes jointly). The result has `x`'s shape; its
 * derivative is `1 - softmax` on the diagonal, `-softmax` off it.
 * @example
 * ```ts
 * fx.logSoftmax(fx.tensor([-1000, 0])); // [-1000, 0]
 * ```
 * @public
 */
export function logSoftmax<S extends Shape, const A extends number | readonly number[] = -1>(x: Tensor<S, 'float32'>, axis?: (A & Checked<ReduceResult<S, A>>) | null): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('logSoftmax', 'x', x, ['float32']);
    const axes = reduceAxes('logSoftmax', x.rank, axis === null ? undefined : ((axis ?? -1) as number | number[]));
    const shifted = sub(x as AnyTensor, stableShift(x, axes));
    return sub(shifted, log(sum(exp(shifted), axes, true))) as never;
  });
}
