/**
 * General convolutions (JAX's `lax.conv_general_dilated` and
 * `lax.conv_transpose`) over 1, 2 or 3 spatial axes, as plain functions of
 * primitives. 1-D and 2-D convolutions with one feature group run as the
 * `conv2d` primitive (1-D with a unit axis; dilations as explicit zeros in
 * the input or the filter, explicit padding as a pad). Grouped and 3-D
 * convolutions run as patches (pad, interior pad for lhs dilation, strided
 * slices for each window offset) contracted with the filter in one
 * group-batched matmul. Both forms are made of linear primitives with
 * transposes, so derivatives of any order and `vmap` follow.
 */
import type { Dim } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { scope } from '../core/memory.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { concat } from '../primitives/concat.js';
import { conv2dPrimitive } from '../primitives/conv2d.js';
import { apply1, requireDtype } from '../primitives/define.js';
import { matmul } from '../primitives/matmul.js';
import { reshape } from '../primitives/reshape.js';
import { slice } from '../primitives/slice.js';
import { transpose } from '../primitives/transpose.js';
import { dilate, padAxes, perAxis, resolvePadding, windowCount, windowSlices, type WindowPadding } from './windows.js';

type T = AnyTensor;
const shapeOf = (t: T): number[] => [...t.shape] as number[];

/** Options of `conv` (JAX's `conv_general_dilated` arguments, camelCase). @public */
export interface ConvOptions {
  /** Window strides per spatial axis (default 1). */
  readonly strides?: number | readonly number[];
  /** `'VALID'` (default), `'SAME'`, `'SAME_LOWER'` or `[low, high]` per spatial axis (case-insensitive strings). */
  readonly padding?: WindowPadding | 'valid' | 'same';
  /** Input dilation per spatial axis (zeros between input elements: a transposed convolution), default 1. */
  readonly lhsDilation?: number | readonly number[];
  /** Filter dilation per spatial axis (atrous convolution), default 1. */
  readonly rhsDilation?: number | readonly number[];
  /** Feature groups G (default 1): the filter is `[...k, Cin/G, Cout]`; G = Cin is a depthwise convolution. */
  readonly featureGroupCount?: number;
  /** `'channelsLast'` (default: `[N, ...spatial, C]`, NHWC) or `'channelsFirst'` (`[N, C, ...spatial]`, NCHW). The filter is always `[...spatial, Cin/G, Cout]` (HWIO). */
  readonly dataFormat?: 'channelsLast' | 'channelsFirst';
}

interface Geometry {
  readonly d: number;
  readonly strides: number[];
  readonly pads: [number, number][];
  readonly lhsDil: number[];
  readonly rhsDil: number[];
  readonly groups: number;
  readonly outs: number[];
}

function geometry(op: string, x: readonly number[], f: readonly number[], o: ConvOptions): Geometry {
  const d = x.length - 2;
  if (d < 1 || d > 3) throw new ShapeError(op, `x must have 1 to 3 spatial axes ([N, ...spatial, C]), got ${showShape(x)}`);
  if (f.length !== d + 2) throw new ShapeError(op, `filter must be [${['k'].concat(Array(d - 1).fill('k')).join(', ')}, Cin/groups, Cout] (rank ${d + 2}) for x ${showShape(x)}, got ${showShape(f)}`);
  const strides = perAxis(op, 'strides', o.strides, d);
  const lhsDil = perAxis(op, 'lhsDilation', o.lhsDilation, d);
  const rhsDil = perAxis(op, 'rhsDilation', o.rhsDilation, d);
  const groups = o.featureGroupCount ?? 1;
  const cin = x[d + 1]!;
  const cout = f[d + 1]!;
  if (!Number.isInteger(groups) || groups < 1 || cin % groups !== 0 || cout % groups !== 0) {
    throw new ShapeError(op, `featureGroupCount ${groups} must divide the input channels ${cin} and the output channels ${cout}`);
  }
  if (f[d] !== cin / groups) {
    throw new ShapeError(op, `the filter ${showShape(f)} must have ${cin / groups} input channels (x has ${cin} channels in ${groups} group(s)), got ${f[d]}`);
  }
  const spatial = x.slice(1, d + 1);
  const window = f.slice(0, d).map((k, i) => (k - 1) * rhsDil[i]! + 1);
  const pads = resolvePadding(op, (o.padding ?? 'VALID') as WindowPadding, spatial, window, strides);
  const outs = spatial.map((n, i) => windowCount(op, (n - 1) * lhsDil[i]! + 1 + pads[i]![0] + pads[i]![1], window[i]!, strides[i]!));
  return { d, strides, pads, lhsDil, rhsDil, groups, outs };
}

/** The conv2d primitive's padding, when the explicit pads are TensorFlow's SAME or VALID ones. */
function tfPadding(spatial: readonly number[], kernel: readonly number[], g: Geometry): 'same' | 'valid' | null {
  if (g.pads.every(([lo, hi]) => lo === 0 && hi === 0)) return 'valid';
  const same = resolvePadding('conv', 'SAME', spatial, kernel, g.strides);
  return same.every(([lo, hi], i) => lo === g.pads[i]![0] && hi === g.pads[i]![1]) ? 'same' : null;
}

/** Channels-last convolution. */
function convChannelsLast(x: T, f: T, g: Geometry): T {
  const { d } = g;
  const spatial = x.shape.slice(1, d + 1);
  const kernel = f.shape.slice(0, d);
  if ((d === 1 || d === 2) && g.groups === 1) {
    // The conv2d primitive (tfjs's kernel and its backprops): dilations become explicit zeros (interior padding
    // of x and of the filter), explicit padding an explicit pad, unless it is TensorFlow's SAME.
    const plain = g.lhsDil.every((v) => v === 1) && g.rhsDil.every((v) => v === 1);
    const tfPad = plain ? tfPadding(spatial, kernel, g) : null;
    let xp = x;
    let fp = f;
    for (let i = 0; i < d; i++) {
      xp = dilate(xp, i + 1, g.lhsDil[i]!);
      fp = dilate(fp, i, g.rhsDil[i]!);
    }
    if (!tfPad) xp = padAxes(xp, [...Array(d).keys()].map((i) => i + 1), g.pads);
    const padding = tfPad ?? 'valid';
    if (d === 2) return apply1(conv2dPrimitive, [xp, fp], { strides: [g.strides[0]!, g.strides[1]!], padding });
    const [n, w, c] = xp.shape as [number, number, number];
    const y = apply1(conv2dPrimitive, [reshape(xp, [n, 1, w, c]), reshape(fp, [1, ...fp.shape])], { strides: [1, g.strides[0]!], padding });
    return reshape(y, [n, y.shape[2]!, y.shape[3]!]);
  }
  // Patches: dilate the input, pad, take one strided slice per window offset.
  let xp = x;
  for (let i = 0; i < d; i++) xp = dilate(xp, i + 1, g.lhsDil[i]!);
  const axes = [...Array(d).keys()].map((i) => i + 1);
  xp = padAxes(xp, axes, g.pads);
  const parts = windowSlices(xp, axes, kernel, g.strides, g.rhsDil, g.outs);
  const n = x.shape[0]!;
  const cin = x.shape[d + 1]!;
  const cout = f.shape[d + 1]!;
  const k = parts.length;
  const positions = n * g.outs.reduce((p, v) => p * v, 1);
  const G = g.groups;
  const cg = cin / G;
  const og = cout / G;
  // [positions, K, G, Cg] → [G, positions, K·Cg]
  const cols = transpose(reshape(concat(parts as never, -1 as never) as T, [positions, k, G, cg]), [2, 0, 1, 3]);
  const lhs = reshape(cols, [G, positions, k * cg]);
  // filter [...k, Cg, Cout] → [K, Cg, G, Og] → [G, K·Cg, Og]
  const rhs = reshape(transpose(reshape(f, [k, cg, G, og]), [2, 0, 1, 3]), [G, k * cg, og]);
  const y = matmul(lhs as never, rhs as never) as T; // [G, positions, Og]
  return reshape(transpose(y, [1, 0, 2]), [n, ...g.outs, cout]);
}

function toChannelsLast(x: T): T {
  const r = x.rank;
  return transpose(x, [0, ...[...Array(r - 2).keys()].map((i) => i + 2), 1]);
}

function toChannelsFirst(x: T): T {
  const r = x.rank;
  return transpose(x, [0, r - 1, ...[...Array(r - 2).keys()].map((i) => i + 1)]);
}

/**
 * General N-D convolution (cross-correlation), JAX's `conv_general_dilated`:
 * `x` `[N, ...spatial, Cin]` (1 to 3 spatial axes; `[N, Cin, ...spatial]`
 * with `dataFormat: 'channelsFirst'`), `filter` `[...k, Cin/G, Cout]`.
 * Options: `strides`, `padding` (`'VALID'` default, `'SAME'`,
 * `'SAME_LOWER'`, or explicit `[low, high]` pairs), `lhsDilation` (a
 * transposed convolution), `rhsDilation` (atrous), `featureGroupCount` G
 * (grouped; G = Cin with Cout = m·Cin is depthwise; output channel o belongs
 * to group ⌊o / (Cout/G)⌋). Differentiable in both arguments to any order;
 * maps under `vmap`.
 * @example
 * ```ts
 * fx.conv(fx.ones([1, 8, 3]), fx.ones([3, 3, 4]), { padding: 'SAME' }); // [1, 8, 4]: a 1-D convolution
 * ```
 * @public
 */
export function conv<N extends Dim, W extends Dim, C extends Dim, K extends Dim, CI extends Dim, CO extends Dim>(
  x: Tensor<[N, W, C], 'float32'>,
  filter: Tensor<[K, CI, CO], 'float32'>,
  options?: ConvOptions & { readonly dataFormat?: 'channelsLast' },
): Tensor<[N, number, CO], 'float32'>;
/** @public */
export function conv<N extends Dim, H extends Dim, W extends Dim, C extends Dim, KH extends Dim, KW extends Dim, CI extends Dim, CO extends Dim>(
  x: Tensor<[N, H, W, C], 'float32'>,
  filter: Tensor<[KH, KW, CI, CO], 'float32'>,
  options?: ConvOptions & { readonly dataFormat?: 'channelsLast' },
): Tensor<[N, number, number, CO], 'float32'>;
/** @public */
export function conv<N extends Dim, D extends Dim, H extends Dim, W extends Dim, C extends Dim, KD extends Dim, KH extends Dim, KW extends Dim, CI extends Dim, CO extends Dim>(
  x: Tensor<[N, D, H, W, C], 'float32'>,
  filter: Tensor<[KD, KH, KW, CI, CO], 'float32'>,
  options?: ConvOptions & { readonly dataFormat?: 'channelsLast' },
): Tensor<[N, number, number, number, CO], 'float32'>;
/** @public */
export function conv<N extends Dim, C extends Dim, W extends Dim, K extends Dim, CI extends Dim, CO extends Dim>(
  x: Tensor<[N, C, W], 'float32'>,
  filter: Tensor<[K, CI, CO], 'float32'>,
  options: ConvOptions & { readonly dataFormat: 'channelsFirst' },
): Tensor<[N, CO, number], 'float32'>;
/** @public */
export function conv<N extends Dim, C extends Dim, H extends Dim, W extends Dim, KH extends Dim, KW extends Dim, CI extends Dim, CO extends Dim>(
  x: Tensor<[N, C, H, W], 'float32'>,
  filter: Tensor<[KH, KW, CI, CO], 'float32'>,
  options: ConvOptions & { readonly dataFormat: 'channelsFirst' },
): Tensor<[N, CO, number, number], 'float32'>;
/** @public */
export function conv<N extends Dim, C extends Dim, D extends Dim, H extends Dim, W extends Dim, KD extends Dim, KH extends Dim, KW extends Dim, CI extends Dim, CO extends Dim>(
  x: Tensor<[N, C, D, H, W], 'float32'>,
  filter: Tensor<[KD, KH, KW, CI, CO], 'float32'>,
  options: ConvOptions & { readonly dataFormat: 'channelsFirst' },
): Tensor<[N, CO, number, number, number], 'float32'>;
export function conv(x: T, filter: T, options: ConvOptions = {}): T {
  requireDtype('conv', 'x', x, ['float32']);
  requireDtype('conv', 'filter', filter, ['float32']);
  const first = options.dataFormat === 'channelsFirst';
  if (options.dataFormat !== undefined && options.dataFormat !== 'channelsLast' && !first) {
    throw new ShapeError('conv', `dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(options.dataFormat)}`);
  }
  const xs = first ? [x.shape[0]!, ...x.shape.slice(2), x.shape[1]!] : x.shape;
  const g = geometry('conv', xs, filter.shape, options);
  return scope(() => {
    const y = convChannelsLast(first ? toChannelsLast(x) : x, filter, g);
    return first ? toChannelsFirst(y) : y;
  }) as never;
}

/** Options of `convTranspose` (JAX's `conv_transpose`). @public */
export interface ConvTransposeOptions {
  /** `'SAME'` (default; output = input·stride), `'VALID'` (input·stride + max(k − stride, 0)) or explicit `[low, high]` pairs of the underlying dilated convolution. */
  readonly padding?: 'SAME' | 'VALID' | 'same' | 'valid' | readonly (readonly [number, number])[];
  /** Filter dilation per spatial axis (default 1). */
  readonly rhsDilation?: number | readonly number[];
  /** Flip the filter's spatial axes and swap its channel axes, so it is the gradient of `conv` with this filter (TensorFlow's `conv2d_transpose`); default false (JAX's default). */
  readonly transposeKernel?: boolean;
  /** As in `conv`. */
  readonly dataFormat?: 'channelsLast' | 'channelsFirst';
}

/** JAX's `_conv_transpose_padding` for one axis (k the dilated kernel size, s the stride). */
function transposePadding(k: number, s: number, padding: string): [number, number] {
  let padLen: number;
  let lo: number;
  if (padding === 'SAME') {
    padLen = k + s - 2;
    lo = s > k - 1 ? k - 1 : Math.ceil(padLen / 2);
  } else {
    padLen = k + s - 2 + Math.max(k - s, 0);
    lo = k - 1;
  }
  return [lo, padLen - lo];
}

/**
 * Transposed convolution, JAX's `lax.conv_transpose`: a convolution of the
 * input dilated by `strides` (zeros between elements), with padding chosen
 * so `'SAME'` gives `input·stride` outputs. `x` `[N, ...spatial, Cin]`,
 * `filter` `[...k, Cin, Cout]` (`[...k, Cout, Cin]` with `transposeKernel`,
 * which also flips it spatially: then it is the adjoint of `conv` with that
 * filter, TensorFlow's `conv2d_transpose`). Differentiable to any order.
 * @example
 * ```ts
 * fx.convTranspose(fx.ones([1, 4, 4, 2]), fx.ones([3, 3, 2, 5]), 2); // [1, 8, 8, 5]
 * ```
 * @public
 */
export function convTranspose<N extends Dim, W extends Dim, C extends Dim, K extends Dim, CI extends Dim, CO extends Dim>(
  x: Tensor<[N, W, C], 'float32'>,
  filter: Tensor<[K, CI, CO], 'float32'>,
  strides: number | readonly number[],
  options?: ConvTransposeOptions & { readonly dataFormat?: 'channelsLast' },
): Tensor<[N, number, number], 'float32'>;
/** @public */
export function convTranspose<N extends Dim, H extends Dim, W extends Dim, C extends Dim, KH extends Dim, KW extends Dim, CI extends Dim, CO extends Dim>(
  x: Tensor<[N, H, W, C], 'float32'>,
  filter: Tensor<[KH, KW, CI, CO], 'float32'>,
  strides: number | readonly number[],
  options?: ConvTransposeOptions & { readonly dataFormat?: 'channelsLast' },
): Tensor<[N, number, number, number], 'float32'>;
/** @public */
export function convTranspose<N extends Dim, D extends Dim, H extends Dim, W extends Dim, C extends Dim, KD extends Dim, KH extends Dim, KW extends Dim, CI extends Dim, CO extends Dim>(
  x: Tensor<[N, D, H, W, C], 'float32'>,
  filter: Tensor<[KD, KH, KW, CI, CO], 'float32'>,
  strides: number | readonly number[],
  options?: ConvTransposeOptions & { readonly dataFormat?: 'channelsLast' },
): Tensor<[N, number, number, number, number], 'float32'>;
/** @public */
export function convTranspose(x: Tensor<Dim[], 'float32'>, filter: Tensor<Dim[], 'float32'>, strides: number | readonly number[], options: ConvTransposeOptions & { readonly dataFormat: 'channelsFirst' }): Tensor<number[], 'float32'>;
export function convTranspose(x: T, filter: T, strides: number | readonly number[], options: ConvTransposeOptions = {}): T {
  const d = x.rank - 2;
  const f0 = filter as T;
  if (f0.rank !== d + 2) throw new ShapeError('convTranspose', `filter must have rank ${d + 2} for x ${showShape(x.shape)}, got ${showShape(f0.shape)}`);
  const s = perAxis('convTranspose', 'strides', strides, d);
  const rhsDil = perAxis('convTranspose', 'rhsDilation', options.rhsDilation, d);
  const kernel = shapeOf(f0).slice(0, d).map((k, i) => (k - 1) * rhsDil[i]! + 1);
  const padding = options.padding ?? 'SAME';
  let pads: readonly (readonly [number, number])[];
  if (typeof padding === 'string') {
    const kind = padding.toUpperCase();
    if (kind !== 'SAME' && kind !== 'VALID') throw new ShapeError('convTranspose', `padding must be 'SAME', 'VALID' or [low, high] pairs, got ${JSON.stringify(padding)}`);
    pads = kernel.map((k, i) => transposePadding(k, s[i]!, kind));
  } else pads = padding;
  return scope(() => {
    let f = f0;
    if (options.transposeKernel) {
      // Flip every spatial axis (reverse by a gather-free trick: slices concatenated backwards) and swap Cin/Cout.
      for (let a = 0; a < d; a++) f = reverseAxis(f, a);
      const perm = [...Array(d).keys(), d + 1, d];
      f = transpose(f, perm);
    }
    return (conv as unknown as (x: T, f: T, o: ConvOptions) => T)(x, f, { strides: 1, padding: pads, lhsDilation: s, rhsDilation: rhsDil, ...(options.dataFormat ? { dataFormat: options.dataFormat } : {}) });
  }) as never;
}

/** Reverses one axis with slices (linear, so differentiable). */
function reverseAxis(x: T, axis: number): T {
  const n = x.shape[axis]!;
  if (n === 1) return x;
  const parts: T[] = [];
  for (let i = n - 1; i >= 0; i--) parts.push(slice(x, shapeOf(x).map((_, j) => (j === axis ? i : 0)) as never, shapeOf(x).map((dd, j) => (j === axis ? 1 : dd)) as never) as T);
  return concat(parts as never, axis as never) as T;
}
