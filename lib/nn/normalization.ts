/**
 * Normalization layers beyond `layerNorm`: `rmsNorm`, `groupNorm` and
 * `batchNorm` (training and inference forms), as plain functions of a
 * parameter pytree and an input, like the layers in `layers.ts`. Channels
 * are the last axis (NHWC, as `fx.nn.conv2d`).
 */
import type { Dim } from '../../typelevel/index.js';
import { DtypeError, ShapeError, showShape } from '../core/errors.js';
import { Tensor, type AnyTensor } from '../core/tensor.js';
import { add } from '../primitives/add.js';
import { mul } from '../primitives/mul.js';
import { reshape } from '../primitives/reshape.js';
import { rsqrt } from '../primitives/rsqrt.js';
import { stopGradient } from '../primitives/stopGradient.js';
import { sub } from '../primitives/sub.js';
import { mean } from '../composite/mean.js';
import { scoped } from '../core/memory.js';

function requireFloat(op: string, name: string, x: unknown): asserts x is AnyTensor {
  if (!(x instanceof Tensor)) throw new DtypeError(op, `${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.dtype !== 'float32') throw new DtypeError(op, `${name} must be float32, got ${x.dtype}`);
}

function requireChannelVector(op: string, name: string, v: AnyTensor, c: number | undefined, x: AnyTensor): void {
  if (v.rank !== 1 || v.shape[0] !== c) throw new ShapeError(op, `${name} ${showShape(v.shape)} must be [${c ?? '?'}], the last axis of x ${showShape(x.shape)}`);
}

/** Parameters of `rmsNorm`: a per-feature scale. @public */
export interface RmsNormParams<F extends Dim = number> {
  readonly scale: Tensor<[F], 'float32'>;
}

/**
 * Root-mean-square normalization over the last axis (Zhang & Sennrich 2019,
 * as Flax's `RMSNorm`): `x / √(mean(x²) + eps) · scale` (no centering, no bias).
 * @example
 * ```ts
 * fx.nn.rmsNorm({ scale: fx.ones([2]) }, fx.tensor([[3, 4]])); // ≈ [[0.8485, 1.1314]]
 * ```
 * @public
 */
export function rmsNorm<L extends Dim[], F extends Dim>(params: RmsNormParams<F>, x: Tensor<[...L, NoInfer<F>], 'float32'>, eps = 1e-6): Tensor<[...L, F], 'float32'> {
  return scoped(() => {
    const op = 'nn.rmsNorm';
    const scale = (params ?? {}).scale as unknown;
    requireFloat(op, 'params.scale', scale);
    requireFloat(op, 'x', x);
    requireChannelVector(op, 'scale', scale, x.shape[x.rank - 1], x as AnyTensor);
    const ms = mean(mul(x as AnyTensor, x as AnyTensor), -1, true) as AnyTensor;
    return mul(mul(x as AnyTensor, rsqrt(add(ms, eps))), scale) as never;
  });
}

/** Parameters of `groupNorm` and `batchNorm`: per-channel scale and bias. @public */
export interface NormParams<C extends Dim = number> {
  readonly scale: Tensor<[C], 'float32'>;
  readonly bias: Tensor<[C], 'float32'>;
}

/**
 * Group normalization (Wu & He 2018) over channels-last input `[N, ..., C]`:
 * the `C` channels are split into `numGroups` groups, and each example's
 * group is normalized over its spatial positions and channels (biased
 * variance), then scaled and shifted per channel.
 * @example
 * ```ts
 * const p = { scale: fx.ones([4]), bias: fx.zeros([4]) };
 * fx.nn.groupNorm(p, fx.ones([2, 8, 8, 4]), 2); // Tensor<[2, 8, 8, 4], 'float32'>
 * ```
 * @public
 */
export function groupNorm<N extends Dim, R extends Dim[], C extends Dim>(
  params: NormParams<C>,
  x: Tensor<[N, ...R, NoInfer<C>], 'float32'>,
  numGroups: number,
  eps = 1e-5,
): Tensor<[N, ...R, C], 'float32'> {
  return scoped(() => {
    const op = 'nn.groupNorm';
    const { scale, bias } = (params ?? {}) as Partial<NormParams>;
    requireFloat(op, 'params.scale', scale);
    requireFloat(op, 'params.bias', bias);
    requireFloat(op, 'x', x);
    if (x.rank < 2) throw new ShapeError(op, `x must be [N, ..., C], got ${showShape(x.shape)}`);
    const c = x.shape[x.rank - 1]!;
    requireChannelVector(op, 'scale', scale, c, x as AnyTensor);
    requireChannelVector(op, 'bias', bias, c, x as AnyTensor);
    if (!Number.isInteger(numGroups) || numGroups <= 0 || c % numGroups !== 0) {
      throw new ShapeError(op, `numGroups ${numGroups} must be a positive divisor of the channel count ${c} (x ${showShape(x.shape)})`);
    }
    const n = x.shape[0]!;
    const grouped = reshape(x as AnyTensor, [n, -1, numGroups, c / numGroups]);
    const axes = [1, 3];
    const centered = sub(grouped, mean(grouped, axes, true) as AnyTensor);
    const variance = mean(mul(centered, centered), axes, true) as AnyTensor;
    const normalized = reshape(mul(centered, rsqrt(add(variance, eps))), x.shape);
    return add(mul(normalized, scale), bias) as never;
  });
}

/** Running statistics of `batchNorm`, per channel. @public */
export interface BatchNormStats<C extends Dim = number> {
  readonly mean: Tensor<[C], 'float32'>;
  readonly var: Tensor<[C], 'float32'>;
}

/** Options of `batchNorm`. @public */
export interface BatchNormOptions {
  /** Normalize with this batch's statistics and update the running ones (default false: use the running statistics). */
  readonly training?: boolean;
  /** Weight of the old running statistics in the update (default 0.99, as Flax). */
  readonly momentum?: number;
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
}

/**
 * Batch normalization (Ioffe & Szegedy 2015) over channels-last input
 * `[N, ..., C]`, as a pure function: returns `{ y, stats }`. With
 * `training: true` it normalizes with the batch's mean and (biased)
 * variance over every axis but the last, and returns running statistics
 * updated as `momentum · old + (1 − momentum) · batch` (not differentiated);
 * otherwise it normalizes with `stats` and returns them unchanged.
 * @example
 * ```ts
 * const p = { scale: fx.ones([3]), bias: fx.zeros([3]) };
 * const s = { mean: fx.zeros([3]), var: fx.ones([3]) };
 * const { y, stats } = fx.nn.batchNorm(p, fx.ones([8, 3]), s, { training: true });
 * ```
 * @public
 */
export function batchNorm<N extends Dim, R extends Dim[], C extends Dim>(
  params: NormParams<C>,
  x: Tensor<[N, ...R, NoInfer<C>], 'float32'>,
  stats: BatchNormStats<NoInfer<C>>,
  options: BatchNormOptions = {},
): { y: Tensor<[N, ...R, C], 'float32'>; stats: BatchNormStats<C> } {
  return scoped(() => {
    const op = 'nn.batchNorm';
    const { scale, bias } = (params ?? {}) as Partial<NormParams>;
    requireFloat(op, 'params.scale', scale);
    requireFloat(op, 'params.bias', bias);
    requireFloat(op, 'x', x);
    requireFloat(op, 'stats.mean', stats?.mean);
    requireFloat(op, 'stats.var', stats?.var);
    if (x.rank < 1) throw new ShapeError(op, `x must be [N, ..., C], got ${showShape(x.shape)}`);
    const c = x.shape[x.rank - 1]!;
    for (const [name, v] of [['scale', scale], ['bias', bias], ['stats.mean', stats.mean], ['stats.var', stats.var]] as const) {
      requireChannelVector(op, name, v as AnyTensor, c, x as AnyTensor);
    }
    const eps = options.eps ?? 1e-5;
    const momentum = options.momentum ?? 0.99;
    const axes = [...Array(x.rank - 1).keys()];
    let m: AnyTensor;
    let v: AnyTensor;
    let next: BatchNormStats = stats as BatchNormStats;
    if (options.training) {
      m = mean(x as AnyTensor, axes) as AnyTensor;
      const centered = sub(x as AnyTensor, m);
      v = mean(mul(centered, centered), axes) as AnyTensor;
      next = {
        mean: add(mul(stats.mean as AnyTensor, momentum), mul(stopGradient(m), 1 - momentum)),
        var: add(mul(stats.var as AnyTensor, momentum), mul(stopGradient(v), 1 - momentum)),
      };
    } else {
      m = stats.mean as AnyTensor;
      v = stats.var as AnyTensor;
    }
    const y = add(mul(mul(sub(x as AnyTensor, m), rsqrt(add(v, eps))), scale), bias);
    return { y: y as never, stats: next as never };
  });
}
