/**
 * The score-function (REINFORCE) estimator and the log-densities it needs.
 *
 * For E_{x∼p_θ}[f(x)], the pathwise (reparameterization) gradient needs x to
 * be a differentiable function of θ; discrete samples are not. The score
 * function identity ∇_θ E[f(x)] = E[f(x) ∇_θ log p_θ(x)] needs only
 * log p_θ(x). {@link scoreFunction} builds a surrogate whose value is f(x)
 * and whose gradient is that estimate, so it composes with `fx.grad`.
 */
import type { Shape } from '../typelevel/index.js';
import type { AnyTensor, Tensor } from '../lib/core/tensor.js';
import * as op from './ops.js';

/**
 * A surrogate for the score-function estimator: its value is `value`
 * (f(x), per sample), and its gradient is `∇value + (value - baseline) ·
 * ∇logProb`, the REINFORCE estimate (plus the direct dependence of f on the
 * parameters). `logProb` is log p_θ(x) of the sample x (which must not carry
 * a gradient itself: discrete samples never do; `fx.stopGradient` others).
 * A baseline (a constant, e.g. a running mean of f) reduces the variance
 * without biasing the estimate. Average the result over samples.
 * @example
 * ```ts
 * const loss = fx.mean(scoreFunction(f(x), logProb.bernoulli(x, p)));
 * ```
 * @public
 */
export function scoreFunction<S extends Shape>(value: Tensor<S, 'float32'>, logProb: Tensor<S, 'float32'>, options: { baseline?: Tensor<Shape, 'float32'> | number } = {}): Tensor<S, 'float32'> {
  const v = value as AnyTensor;
  const lp = logProb as AnyTensor;
  let weight = op.stopGradient(v);
  const b = options.baseline;
  if (b !== undefined) weight = op.sub(weight, typeof b === 'number' ? b : op.stopGradient(b as AnyTensor));
  // logProb - stopGradient(logProb) is 0 in value and ∇logProb in gradient.
  return op.add(v, op.mul(weight, op.sub(lp, op.stopGradient(lp)))) as never;
}

const LOG_SQRT_2PI = 0.9189385332046727;

/**
 * Log-densities (log-probabilities for discrete distributions), elementwise,
 * differentiable w.r.t. the parameters.
 * @public
 */
export const logProb = {
  /** log N(x; mean, std²). */
  normal<S extends Shape>(x: Tensor<S, 'float32'>, mean: Tensor<Shape, 'float32'> | number = 0, std: Tensor<Shape, 'float32'> | number = 1): Tensor<S, 'float32'> {
    const z = op.div(op.sub(x as AnyTensor, mean as AnyTensor), std as AnyTensor);
    const logStd = typeof std === 'number' ? Math.log(std) : op.log(std as AnyTensor);
    return op.sub(op.sub(op.mul(-0.5, op.mul(z, z)), logStd), LOG_SQRT_2PI) as never;
  },
  /** log p(x) for x ∼ Bernoulli(p): x·log p + (1-x)·log(1-p). */
  bernoulli<S extends Shape>(x: Tensor<S, 'bool'>, p: Tensor<Shape, 'float32'> | number): Tensor<S, 'float32'> {
    const xf = op.cast(x as AnyTensor, 'float32');
    const pt = p as AnyTensor;
    const logP = typeof p === 'number' ? Math.log(p) : op.log(pt);
    const log1mP = typeof p === 'number' ? Math.log1p(-p) : op.log1p(op.neg(pt));
    return op.add(op.mul(xf, logP), op.mul(op.sub(1, xf), log1mP)) as never;
  },
  /** log softmax(logits)[x] along the last axis: x holds category indices (int32). */
  categorical<S extends Shape>(x: Tensor<S, 'int32'>, logits: Tensor<Shape, 'float32'>): Tensor<S, 'float32'> {
    const depth = logits.shape[logits.rank - 1]!;
    const table = op.logSoftmax(logits as AnyTensor, -1);
    // A gather rather than Σ oneHot·table: reductions over a short last axis are slow on webgpu.
    if (logits.rank === 1) return op.take(table, x as AnyTensor) as never;
    const n = x.size;
    const rows = op.reshape(op.broadcastTo(table, [...x.shape, depth]), [n * depth]);
    const flat = op.add(op.mul(op.arange(n), depth), op.reshape(x as AnyTensor, [n]));
    return op.reshape(op.take(rows, flat), x.shape as number[]) as never;
  },
};
