/**
 * Layers as plain functions of a parameter pytree and an input:
 * `dense(params, x)`, `conv2d(params, x)`, `layerNorm(params, x)`,
 * `dropout(key, x, rate)`. Parameters are plain objects of tensors (no
 * classes), so `grad`, optimizers and `fx.scope` treat them like any pytree.
 */
import type { Dim, Shape } from '../../typelevel/index.js';
import { ShapeError, DtypeError, showShape } from '../core/errors.js';
import { tensor } from '../core/creation.js';
import { Tensor, type AnyTensor } from '../core/tensor.js';
import { scope } from '../core/memory.js';
import { add } from '../primitives/add.js';
import { sub } from '../primitives/sub.js';
import { mul } from '../primitives/mul.js';
import { matmul } from '../primitives/matmul.js';
import { reshape } from '../primitives/reshape.js';
import { rsqrt } from '../primitives/rsqrt.js';
import { square } from '../primitives/square.js';
import { conv2d as conv2dOp, type Conv2dPadding } from '../primitives/conv2d.js';
import { mean } from '../composite/mean.js';
import type { Key } from '../random/keys.js';
import { uniformValues } from './sample.js';
import { scoped } from '../core/memory.js';

/** Parameters of a dense layer: `y = x·w + b`. @public */
export interface DenseParams<I extends Dim = number, O extends Dim = number> {
  /** Weights, `[inputs, outputs]`. */
  w: Tensor<[I, O], 'float32'>;
  /** Bias, `[outputs]`. */
  b: Tensor<[O], 'float32'>;
}

/** Parameters of a 2-D convolution (NHWC input, `[kh, kw, in, out]` filter). @public */
export interface Conv2dParams<KH extends Dim = number, KW extends Dim = number, C extends Dim = number, CO extends Dim = number> {
  /** Filter, `[height, width, inChannels, outChannels]`. */
  w: Tensor<[KH, KW, C, CO], 'float32'>;
  /** Bias, `[outChannels]`. */
  b: Tensor<[CO], 'float32'>;
}

/** Parameters of a layer norm over a last axis of `F` features. @public */
export interface LayerNormParams<F extends Dim = number> {
  /** Per-feature gain (initially 1). */
  scale: Tensor<[F], 'float32'>;
  /** Per-feature offset (initially 0). */
  bias: Tensor<[F], 'float32'>;
}

function requireTensor(op: string, name: string, x: unknown): asserts x is AnyTensor {
  if (!(x instanceof Tensor)) throw new DtypeError(op, `${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.dtype !== 'float32') throw new DtypeError(op, `${name} must be float32, got ${x.dtype}`);
}

/**
 * A dense (fully connected) layer, `x·w + b`, over the last axis of `x`. The
 * leading axes (a batch, possibly symbolic) pass through:
 * `Tensor<[B, I]>` → `Tensor<[B, O]>`.
 * @example
 * ```ts
 * const y = fx.nn.dense({ w: fx.ones([4, 3]), b: fx.zeros([3]) }, fx.ones([8, 4])); // Tensor<[8, 3], 'float32'>
 * ```
 * @public
 */
export function dense<B extends Dim, I extends Dim, O extends Dim>(params: DenseParams<I, O>, x: Tensor<[B, NoInfer<I>], 'float32'>): Tensor<[B, O], 'float32'>;
/** @public */
export function dense<L extends Dim[], I extends Dim, O extends Dim>(params: DenseParams<I, O>, x: Tensor<[...L, NoInfer<I>], 'float32'>): Tensor<[...L, O], 'float32'>;
export function dense(params: DenseParams, x: AnyTensor): AnyTensor {
  return scoped(() => {
    const { w, b } = (params ?? {}) as Partial<DenseParams>;
    requireTensor('nn.dense', 'params.w', w);
    requireTensor('nn.dense', 'params.b', b);
    requireTensor('nn.dense', 'x', x);
    if (w.rank !== 2) throw new ShapeError('nn.dense', `params.w must be [inputs, outputs], got ${showShape(w.shape)}`);
    if (b.rank !== 1 || b.shape[0] !== w.shape[1]) throw new ShapeError('nn.dense', `params.b must be [${w.shape[1]}] to match w ${showShape(w.shape)}, got ${showShape(b.shape)}`);
    if (x.rank === 0 || x.shape[x.rank - 1] !== w.shape[0]) {
      throw new ShapeError('nn.dense', `the last axis of x ${showShape(x.shape)} must be w's input size ${w.shape[0]} (w ${showShape(w.shape)})`);
    }
    if (x.rank === 1) return add(reshape(matmul(reshape(x, [1, x.shape[0]]) as AnyTensor, w as AnyTensor), [w.shape[1]]) as AnyTensor, b);
    return add(matmul(x, w as AnyTensor) as AnyTensor, b);
  });
}

/** Options of `fx.nn.conv2d`. @public */
export interface Conv2dOptions {
  /** Stride along height and width (default 1). */
  readonly strides?: number | readonly [number, number];
  /** `'same'` keeps the spatial size at stride 1 (default); `'valid'` uses no padding. */
  readonly padding?: Conv2dPadding;
}

/**
 * A 2-D convolution layer over NHWC input plus a per-channel bias.
 * @example
 * ```ts
 * const y = fx.nn.conv2d({ w: fx.ones([3, 3, 1, 4]), b: fx.zeros([4]) }, fx.ones([2, 8, 8, 1])); // [2, 8, 8, 4]
 * ```
 * @public
 */
export function conv2d<N extends Dim, H extends Dim, W extends Dim, C extends Dim, KH extends Dim, KW extends Dim, CO extends Dim>(
  params: Conv2dParams<KH, KW, C, CO>,
  x: Tensor<[N, H, W, NoInfer<C>], 'float32'>,
  options: Conv2dOptions = {},
): Tensor<[N, number, number, CO], 'float32'> {
  return scoped(() => {
    const { w, b } = (params ?? {}) as Partial<Conv2dParams>;
    requireTensor('nn.conv2d', 'params.w', w);
    requireTensor('nn.conv2d', 'params.b', b);
    requireTensor('nn.conv2d', 'x', x);
    if (w.rank !== 4) throw new ShapeError('nn.conv2d', `params.w must be [height, width, inChannels, outChannels], got ${showShape(w.shape)}`);
    if (b.rank !== 1 || b.shape[0] !== w.shape[3]) throw new ShapeError('nn.conv2d', `params.b must be [${w.shape[3]}] to match w ${showShape(w.shape)}, got ${showShape(b.shape)}`);
    const y = conv2dOp(x as AnyTensor, w as AnyTensor, options.strides ?? 1, options.padding ?? 'same');
    return add(y as AnyTensor, b as AnyTensor) as never;
  });
}

/**
 * Layer normalization over the last axis: `(x − mean) / √(var + eps) · scale
 * + bias`, with the biased variance (as in the original paper and PyTorch).
 * @example
 * ```ts
 * const y = fx.nn.layerNorm(fx.nn.layerNormInit(3), fx.tensor([[1, 2, 3]])); // ≈ [[-1.22, 0, 1.22]]
 * ```
 * @public
 */
export function layerNorm<L extends Dim[], F extends Dim>(params: LayerNormParams<F>, x: Tensor<[...L, NoInfer<F>], 'float32'>, eps = 1e-5): Tensor<[...L, F], 'float32'> {
  return scoped(() => {
    const { scale, bias } = (params ?? {}) as Partial<LayerNormParams>;
    requireTensor('nn.layerNorm', 'params.scale', scale);
    requireTensor('nn.layerNorm', 'params.bias', bias);
    requireTensor('nn.layerNorm', 'x', x);
    const f = x.shape[x.rank - 1];
    if (x.rank === 0 || scale.rank !== 1 || bias.rank !== 1 || scale.shape[0] !== f || bias.shape[0] !== f) {
      throw new ShapeError('nn.layerNorm', `scale ${showShape(scale.shape)} and bias ${showShape(bias.shape)} must both be [${f ?? '?'}], the last axis of x ${showShape(x.shape)}`);
    }
    const centered = sub(x as AnyTensor, mean(x as AnyTensor, -1, true) as AnyTensor) as AnyTensor;
    const variance = mean(square(centered) as AnyTensor, -1, true) as AnyTensor;
    const normalized = mul(centered, rsqrt(add(variance, eps) as AnyTensor) as AnyTensor) as AnyTensor;
    return add(mul(normalized, scale as AnyTensor) as AnyTensor, bias as AnyTensor) as never;
  });
}

/**
 * Inverted dropout: zeroes each element with probability `rate` and scales
 * the survivors by `1 / (1 − rate)`, so the expected value is unchanged. The
 * mask comes from `key` (the same key, the same mask); call it only while
 * training, and pass a fresh key (`fx.random.split`/`fold`) each step.
 * Gradients flow through the kept elements.
 * @example
 * ```ts
 * const h = fx.nn.dropout(fx.random.fold(key, step), x, 0.1);
 * ```
 * @public
 */
export function dropout<S extends Shape>(key: Key, x: Tensor<S, 'float32'>, rate: number): Tensor<S, 'float32'> {
  return scoped(() => {
    requireTensor('nn.dropout', 'x', x);
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`nn.dropout: rate must be in [0, 1), got ${rate}`);
    if (rate === 0) return x;
    const u = uniformValues(key, x.size);
    const keep = 1 / (1 - rate);
    const mask = new Float32Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = u[i]! >= rate ? keep : 0;
    const m = scope(() => reshape(tensor(mask), x.shape as never)) as AnyTensor;
    return mul(x as AnyTensor, m) as never;
  });
}
