/**
 * Window reductions: `reduceWindow` (JAX's `lax.reduce_window` for sum, max
 * and min), and the pooling layers `maxPool` and `avgPool` built on it
 * (Flax's `nn.max_pool` / `nn.avg_pool` conventions: channels-last, window
 * over the spatial axes). The windows are strided slices of the padded input
 * (see windows.ts), stacked on a new last axis and reduced. A max (min)
 * window takes the value at the first maximal (minimal) offset, so its
 * adjoint is XLA's select-and-scatter: the whole cotangent goes to that one
 * element (the first in window order on ties).
 */
import { ShapeError, showShape } from '../core/errors.js';
import { scope } from '../core/memory.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import type { Dim } from '../../typelevel/index.js';
import { concat } from '../primitives/concat.js';
import { requireDtype } from '../primitives/define.js';
import { div } from '../primitives/div.js';
import { argmax } from '../primitives/argmax.js';
import { argmin } from '../primitives/argmin.js';
import { equal } from '../primitives/equal.js';
import { where } from '../primitives/where.js';
import { arange, ones } from '../core/creation.js';
import { reshape } from '../primitives/reshape.js';
import { sum } from '../primitives/sum.js';
import { slice } from '../primitives/slice.js';
import { padAxes, perAxis, resolvePadding, windowCount, windowSlices, type WindowPadding } from './windows.js';

type T = AnyTensor;
const shapeOf = (t: T): number[] => [...t.shape] as number[];

/** A shape with every dim replaced by `number` (window counts depend on sizes, strides and padding). @public */
export type WindowedShape<S extends readonly Dim[]> = { [K in keyof S]: number };

/** Options of `reduceWindow`. @public */
export interface ReduceWindowOptions {
  /** Strides per axis (default 1). */
  readonly strides?: number | readonly number[];
  /** `'VALID'` (default), `'SAME'`, `'SAME_LOWER'` or `[low, high]` per axis; padded elements are the reduction's identity (0, −∞, +∞). */
  readonly padding?: WindowPadding | 'valid' | 'same';
  /** Window dilation per axis (default 1). */
  readonly windowDilation?: number | readonly number[];
}

const identity = { sum: 0, max: -Infinity, min: Infinity } as const;

/**
 * Reduces every window of `x` with `op` (`'sum'`, `'max'` or `'min'`), JAX's
 * `lax.reduce_window` with the monoid's identity as init: `windowDimensions`
 * gives the window size along every axis of `x` (1 for axes not pooled).
 * Differentiable to any order (sum: linear; max/min: select-and-scatter,
 * the cotangent goes to the first extremal element of each window).
 * @example
 * ```ts
 * fx.reduceWindow(fx.tensor([1, 3, 2, 5]), 'max', [2]); // [3, 3, 5]
 * ```
 * @public
 */
export function reduceWindow<S extends Dim[]>(x: Tensor<S, 'float32'>, op: 'sum' | 'max' | 'min', windowDimensions: readonly number[], options: ReduceWindowOptions = {}): Tensor<WindowedShape<S>, 'float32'> {
  requireDtype('reduceWindow', 'x', x, ['float32']);
  if (op !== 'sum' && op !== 'max' && op !== 'min') throw new ShapeError('reduceWindow', `op must be 'sum', 'max' or 'min', got ${JSON.stringify(op)}`);
  const r = x.rank;
  if (windowDimensions.length !== r) throw new ShapeError('reduceWindow', `windowDimensions must give one size per axis of x ${showShape(x.shape)}, got ${JSON.stringify(windowDimensions)}`);
  const window = perAxis('reduceWindow', 'windowDimensions', windowDimensions, r);
  const strides = perAxis('reduceWindow', 'strides', options.strides, r);
  const dil = perAxis('reduceWindow', 'windowDilation', options.windowDilation, r);
  const eff = window.map((w, i) => (w - 1) * dil[i]! + 1);
  const pads = resolvePadding('reduceWindow', (options.padding ?? 'VALID') as WindowPadding, x.shape, eff, strides);
  const outs = shapeOf(x).map((n, i) => windowCount('reduceWindow', n + pads[i]![0] + pads[i]![1], eff[i]!, strides[i]!));
  return scope(() => {
    if (op === 'sum' && pads.every(([lo, hi]) => lo === 0 && hi === 0) && window.every((w, i) => strides[i] === w && dil[i] === 1)) {
      return sumTiles(x, window, outs);
    }
    const axes = [...Array(r).keys()];
    const padded = padAxes(x, axes, pads, identity[op]);
    // [P, K]: every output position by the window offsets (row-major). Two axes keep every backend's kernels
    // within their rank limits (tfjs-webgpu has no rank-5 where/argmax).
    const positions = outs.reduce((p, v) => p * v, 1);
    const parts = windowSlices(padded, axes, window, strides, dil, outs).map((p) => reshape(p, [positions, 1]));
    const stacked = concat(parts as never, -1 as never) as T;
    let reduced: T;
    if (op === 'sum') reduced = sum(stacked as never, -1 as never) as T;
    else {
      // Select-and-scatter: the value at the first extremal offset (XLA's select with ≥ / ≤ keeps the first),
      // so the cotangent goes to that one element only.
      const at = (op === 'max' ? argmax : argmin)(stacked as never, -1 as never, true as never) as T;
      const chosen = equal(arange(parts.length) as never, at as never) as T;
      reduced = sum(where(chosen as never, stacked as never, 0 as never) as never, -1 as never) as T;
    }
    return reshape(reduced, outs);
  }) as never;
}

/** Options of `maxPool` and `avgPool`. @public */
/**
 * Sums over windows that tile `x` (stride = window, no padding, no dilation):
 * per windowed axis, a reshape to `[before, out, window, after]` and a sum over
 * the window, instead of one strided slice per window offset and a concat
 * (rank 4 at most, which every backend's kernels take). Elements past the last
 * whole window are sliced off first.
 */
function sumTiles(x: T, window: readonly number[], outs: readonly number[]): T {
  let y = x;
  const shape = outs.map((o, i) => o * window[i]!);
  if (shape.some((n, i) => n !== x.shape[i])) y = slice(y as never, shape.map(() => 0) as never, shape as never) as T;
  for (let i = 0; i < shape.length; i++) {
    const w = window[i]!;
    if (w === 1) continue;
    const before = outs.slice(0, i).reduce((p, v) => p * v, 1);
    const after = shape.slice(i + 1).reduce((p, v) => p * v, 1);
    y = sum(reshape(y, [before, outs[i]!, w, after]) as never, 2 as never) as T;
    shape[i] = outs[i]!;
  }
  return reshape(y, [...outs]);
}

export interface PoolOptions {
  /** Strides per spatial axis (default: 1). */
  readonly strides?: number | readonly number[];
  /** `'VALID'` (default), `'SAME'`, `'SAME_LOWER'` or `[low, high]` per spatial axis. */
  readonly padding?: WindowPadding | 'valid' | 'same';
}

function spatialWindow(op: string, x: T, windowShape: readonly number[], options: PoolOptions): { window: number[]; reduce: ReduceWindowOptions } {
  const d = x.rank - 2;
  if (d < 1) throw new ShapeError(op, `x must be [N, ...spatial, C] with at least one spatial axis, got ${showShape(x.shape)}`);
  if (windowShape.length !== d) throw new ShapeError(op, `windowShape must have ${d} sizes (the spatial axes of x ${showShape(x.shape)}), got ${JSON.stringify(windowShape)}`);
  const strides = perAxis(op, 'strides', options.strides, d);
  const padding = options.padding ?? 'VALID';
  return {
    window: [1, ...windowShape, 1],
    reduce: {
      strides: [1, ...strides, 1],
      padding: typeof padding === 'string' ? padding : [[0, 0], ...padding, [0, 0]],
    },
  };
}

/**
 * Max pooling over the spatial axes of a channels-last `x`
 * `[N, ...spatial, C]` (Flax's `max_pool`): windows of `windowShape`,
 * `strides` (default 1), `padding` (default `'VALID'`; padded elements are
 * −∞). The gradient goes to each window's maximum (the first one on ties, as
 * XLA's select-and-scatter).
 * @example
 * ```ts
 * fx.maxPool(fx.ones([1, 4, 4, 3]), [2, 2], { strides: 2 }); // [1, 2, 2, 3]
 * ```
 * @public
 */
export function maxPool<N extends Dim, Sp extends Dim[], C extends Dim>(x: Tensor<[N, ...Sp, C], 'float32'>, windowShape: readonly number[], options: PoolOptions = {}): Tensor<[N, ...WindowedShape<Sp>, C], 'float32'> {
  const { window, reduce } = spatialWindow('maxPool', x, windowShape, options);
  return reduceWindow(x, 'max', window, reduce) as never;
}

/**
 * Average pooling over the spatial axes of a channels-last `x`
 * `[N, ...spatial, C]` (Flax's `avg_pool`): the window sum divided by the
 * window size, or, with `countIncludePad: false`, by the number of real
 * (unpadded) elements in the window. Linear, so differentiable to any order.
 * @example
 * ```ts
 * fx.avgPool(fx.ones([1, 4, 4, 3]), [2, 2], { strides: 2 }); // all ones, [1, 2, 2, 3]
 * ```
 * @public
 */
export function avgPool<N extends Dim, Sp extends Dim[], C extends Dim>(
  x: Tensor<[N, ...Sp, C], 'float32'>,
  windowShape: readonly number[],
  options: PoolOptions & { readonly countIncludePad?: boolean } = {},
): Tensor<[N, ...WindowedShape<Sp>, C], 'float32'> {
  const { window, reduce } = spatialWindow('avgPool', x, windowShape, options);
  return scope(() => {
    const total = reduceWindow(x, 'sum', window, reduce) as T;
    if (options.countIncludePad ?? true) return div(total as never, windowShape.reduce((p, v) => p * v, 1) as never) as T;
    const counts = reduceWindow(ones(shapeOf(x).map((v, i) => (i === 0 || i === x.rank - 1 ? 1 : v)) as never) as never, 'sum', window, reduce) as T;
    return div(total as never, counts as never) as T;
  }) as never;
}
