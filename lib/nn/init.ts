/**
 * Parameter initializers. Each takes an explicit PRNG key (`fx.random.key`,
 * `fx.random.split`), so initialization is reproducible and independent of
 * any global seed, and returns a fresh float32 tensor of the requested shape.
 *
 * Fan-in and fan-out follow the usual conventions: a `[in, out]` matrix has
 * fan-in `in` and fan-out `out`; a convolution filter `[kh, kw, in, out]`
 * multiplies both by the receptive field `kh·kw`.
 */
import type { Dim, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { tensor, zeros } from '../core/creation.js';
import { scope } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import { reshape } from '../primitives/reshape.js';
import { split, type Key } from '../random/keys.js';
import { normalValues, uniformValues } from './sample.js';
import type { Conv2dParams, DenseParams, LayerNormParams } from './layers.js';

/** A function from a key and a shape to a fresh tensor of that shape. @public */
export type Initializer = <const S extends Shape>(key: Key, shape: S) => Tensor<S, 'float32'>;

function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(op, `a shape is a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/**
 * Fan-in and fan-out of a weight shape: `[n]` → (n, n); `[in, out]` → (in,
 * out); `[...receptive, in, out]` → (in·r, out·r) with r the product of the
 * leading dims.
 * @example
 * ```ts
 * fx.nn.fans([3, 3, 16, 32]); // [144, 288]
 * ```
 * @public
 */
export function fans(shape: readonly number[]): [fanIn: number, fanOut: number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  const receptive = shape.slice(0, -2).reduce((p, d) => p * d, 1);
  return [shape[shape.length - 2]! * receptive, shape[shape.length - 1]! * receptive];
}

function fromValues<S extends Shape>(values: Float32Array, shape: S): Tensor<S, 'float32'> {
  return scope(() => reshape(tensor(values), shape as never)) as unknown as Tensor<S, 'float32'>;
}

function sized(op: string, shape: readonly number[]): number {
  checkShape(op, shape);
  return shape.reduce((p, d) => p * d, 1);
}

/**
 * Uniform on `[low, high)`.
 * @example
 * ```ts
 * fx.nn.uniform(fx.random.key(0), [2, 3], -1, 1);
 * ```
 * @public
 */
export function uniform<const S extends Shape>(key: Key, shape: S, low = 0, high = 1): Tensor<S, 'float32'> {
  const n = sized('nn.uniform', shape);
  const u = uniformValues(key, n);
  for (let i = 0; i < n; i++) u[i] = low + (high - low) * u[i]!;
  return fromValues(u, shape);
}

/**
 * Normal with mean `mean` and standard deviation `std`.
 * @example
 * ```ts
 * fx.nn.normal(fx.random.key(0), [4], 0, 0.1);
 * ```
 * @public
 */
export function normal<const S extends Shape>(key: Key, shape: S, mean = 0, std = 1): Tensor<S, 'float32'> {
  const n = sized('nn.normal', shape);
  const z = normalValues(key, n);
  for (let i = 0; i < n; i++) z[i] = mean + std * z[i]!;
  return fromValues(z, shape);
}

/**
 * Glorot (Xavier) uniform: U(−l, l) with l = √(6 / (fanIn + fanOut)), which
 * keeps activations' and gradients' variance roughly constant across
 * tanh/sigmoid layers (Glorot & Bengio, 2010).
 * @example
 * ```ts
 * const w = fx.nn.glorotUniform(fx.random.key(0), [784, 100]); // Tensor<[784, 100], 'float32'>
 * ```
 * @public
 */
export function glorotUniform<const S extends Shape>(key: Key, shape: S): Tensor<S, 'float32'> {
  const [fanIn, fanOut] = fans(shape);
  const limit = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
  return uniform(key, shape, -limit, limit);
}

/**
 * Glorot (Xavier) normal: N(0, σ²) with σ = √(2 / (fanIn + fanOut)) (not
 * truncated).
 * @example
 * ```ts
 * const w = fx.nn.glorotNormal(fx.random.key(0), [4, 3]);
 * ```
 * @public
 */
export function glorotNormal<const S extends Shape>(key: Key, shape: S): Tensor<S, 'float32'> {
  const [fanIn, fanOut] = fans(shape);
  return normal(key, shape, 0, Math.sqrt(2 / Math.max(1, fanIn + fanOut)));
}

/**
 * He (Kaiming) normal: N(0, σ²) with σ = √(2 / fanIn), for ReLU layers (He et
 * al., 2015); not truncated.
 * @example
 * ```ts
 * const w = fx.nn.heNormal(fx.random.key(0), [3, 3, 1, 8]);
 * ```
 * @public
 */
export function heNormal<const S extends Shape>(key: Key, shape: S): Tensor<S, 'float32'> {
  const [fanIn] = fans(shape);
  return normal(key, shape, 0, Math.sqrt(2 / Math.max(1, fanIn)));
}

/**
 * He (Kaiming) uniform: U(−l, l) with l = √(6 / fanIn).
 * @example
 * ```ts
 * const w = fx.nn.heUniform(fx.random.key(0), [16, 16]);
 * ```
 * @public
 */
export function heUniform<const S extends Shape>(key: Key, shape: S): Tensor<S, 'float32'> {
  const [fanIn] = fans(shape);
  const limit = Math.sqrt(6 / Math.max(1, fanIn));
  return uniform(key, shape, -limit, limit);
}

/** Another name for `fx.nn.glorotUniform`. @public */
export const xavierUniform: typeof glorotUniform = glorotUniform;
/** Another name for `fx.nn.glorotNormal`. @public */
export const xavierNormal: typeof glorotNormal = glorotNormal;

/** Options of the layer initializers. @public */
export interface InitOptions {
  /** Initializer of the weights (default `fx.nn.glorotUniform`). */
  readonly init?: Initializer;
}

/**
 * Parameters of a dense layer `[inputs] → [outputs]`: weights from `init`
 * (default Glorot uniform), zero bias.
 * @example
 * ```ts
 * const p = fx.nn.denseInit(fx.random.key(0), 4, 16); // { w: Tensor<[4, 16]>, b: Tensor<[16]> }
 * ```
 * @public
 */
export function denseInit<const I extends Dim, const O extends Dim>(key: Key, inputs: I, outputs: O, options: InitOptions = {}): DenseParams<I, O> {
  const init = options.init ?? glorotUniform;
  return { w: init(key, [inputs, outputs] as [I, O]), b: zeros([outputs] as [O]) };
}

/**
 * Parameters of a 2-D convolution with a `[kh, kw, in, out]` filter (default
 * He normal, the usual choice before a ReLU) and zero bias.
 * @example
 * ```ts
 * const p = fx.nn.conv2dInit(fx.random.key(0), [3, 3, 1, 8]);
 * ```
 * @public
 */
export function conv2dInit<const KH extends Dim, const KW extends Dim, const C extends Dim, const CO extends Dim>(
  key: Key,
  filterShape: [KH, KW, C, CO],
  options: InitOptions = {},
): Conv2dParams<KH, KW, C, CO> {
  if (filterShape.length !== 4) throw new ShapeError('nn.conv2dInit', `filter shape must be [height, width, inChannels, outChannels], got ${showShape(filterShape)}`);
  const init = options.init ?? heNormal;
  return { w: init(key, filterShape), b: zeros([filterShape[3]] as [CO]) };
}

/**
 * Parameters of a layer norm over `features`: scale 1, bias 0.
 * @example
 * ```ts
 * const p = fx.nn.layerNormInit(16); // { scale: ones([16]), bias: zeros([16]) }
 * ```
 * @public
 */
export function layerNormInit<const F extends Dim>(features: F): LayerNormParams<F> {
  checkShape('nn.layerNormInit', [features]);
  return { scale: fromValues(new Float32Array(features).fill(1), [features] as [F]), bias: zeros([features] as [F]) };
}

/**
 * Parameters of an MLP with the given layer sizes, one key per layer (split
 * from `key`): `mlpInit(k, [4, 16, 3])` gives two dense layers 4→16→3.
 * @example
 * ```ts
 * const layers = fx.nn.mlpInit(fx.random.key(0), [4, 16, 3]);
 * ```
 * @public
 */
export function mlpInit(key: Key, sizes: readonly number[], options: InitOptions = {}): DenseParams[] {
  if (sizes.length < 2) throw new ShapeError('nn.mlpInit', `needs at least an input and an output size, got ${JSON.stringify(sizes)}`);
  checkShape('nn.mlpInit', sizes);
  const keys = split(key, sizes.length - 1);
  return keys.map((k, i) => denseInit(k, sizes[i]!, sizes[i + 1]!, options));
}
