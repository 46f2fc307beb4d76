/**
 * Window geometry and patch extraction shared by `conv`, `convTranspose` and
 * the pooling functions (`reduceWindow`, `maxPool`, `avgPool`): padding
 * schemes as JAX's `padtype_to_pads`, interior (dilation) padding, and the
 * strided windows of a tensor as a list of slices. Everything is built from
 * `pad`, `slice`, `reshape` and `concat`, which are linear with transposes, so
 * functions made from these patches differentiate to any order and map under
 * `vmap` without rules of their own.
 */
import { ShapeError } from '../core/errors.js';
import type { AnyTensor } from '../core/tensor.js';
import { pad } from '../primitives/pad.js';
import { reshape } from '../primitives/reshape.js';
import { slice } from '../primitives/slice.js';

type T = AnyTensor;
const shapeOf = (t: T): number[] => [...t.shape] as number[];

/** A padding scheme: `'VALID'`, `'SAME'` (extra element after), `'SAME_LOWER'` (extra before), or explicit `[low, high]` pairs per spatial axis. @public */
export type WindowPadding = 'VALID' | 'SAME' | 'SAME_LOWER' | readonly (readonly [number, number])[];

/** `[low, high]` per axis for a padding scheme (JAX's `padtype_to_pads`); `window` is the dilated window size. */
export function resolvePadding(op: string, padding: WindowPadding, inputs: readonly number[], window: readonly number[], strides: readonly number[]): [number, number][] {
  if (typeof padding === 'string') {
    const kind = padding.toUpperCase();
    if (kind === 'VALID') return inputs.map(() => [0, 0]);
    if (kind !== 'SAME' && kind !== 'SAME_LOWER') throw new ShapeError(op, `padding must be 'VALID', 'SAME', 'SAME_LOWER' or [low, high] pairs, got ${JSON.stringify(padding)}`);
    return inputs.map((n, i) => {
      const out = Math.ceil(n / strides[i]!);
      const total = Math.max((out - 1) * strides[i]! + window[i]! - n, 0);
      const low = kind === 'SAME' ? Math.floor(total / 2) : Math.ceil(total / 2);
      return [low, total - low];
    });
  }
  if (!Array.isArray(padding) || padding.length !== inputs.length || !padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))) {
    throw new ShapeError(op, `explicit padding must be ${inputs.length} pair(s) [low, high] of non-negative integers, got ${JSON.stringify(padding)}`);
  }
  return padding.map(([lo, hi]) => [lo, hi]);
}

/** Normalizes a number or a list to one positive integer per axis. */
export function perAxis(op: string, name: string, value: number | readonly number[] | undefined, count: number, fallback = 1): number[] {
  const list = value === undefined ? Array(count).fill(fallback) : typeof value === 'number' ? Array(count).fill(value) : [...value];
  if (list.length !== count || !list.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new ShapeError(op, `${name} must be a positive integer or ${count} of them, got ${JSON.stringify(value)}`);
  }
  return list;
}

/**
 * `x` viewed as `[outer, n, inner]` around `axis`, `f` applied, and the
 * result viewed back with the new length of `axis`. Keeping every pad and
 * slice at rank ≤ 4 (also their transposes, and under vmap) stays inside
 * what every tfjs backend supports, also with a vmap batch axis added
 * (tfjs-webgpu's pad fails above rank 4).
 */
function alongAxis(x: T, axis: number, f: (view: T) => T): T {
  const shape = shapeOf(x);
  const outer = shape.slice(0, axis).reduce((p, v) => p * v, 1);
  const inner = shape.slice(axis + 1).reduce((p, v) => p * v, 1);
  const y = f(reshape(x, [outer, shape[axis]!, inner]) as T);
  return reshape(y, [...shape.slice(0, axis), y.shape[1]!, ...shape.slice(axis + 1)]) as T;
}

/** Inserts `factor − 1` zeros between neighbours along `axis` (XLA's interior padding, for lhs dilation). */
export function dilate(x: T, axis: number, factor: number): T {
  if (factor === 1) return x;
  return alongAxis(x, axis, (v) => {
    const [outer, n, inner] = shapeOf(v) as [number, number, number];
    // Rows of [outer·n, inner] padded with (factor − 1)·inner zeros are, read as [outer, n·factor, inner],
    // each element followed by factor − 1 zero elements.
    const padded = pad(reshape(v, [outer * n, inner]) as never, [[0, 0], [0, (factor - 1) * inner]] as never) as T;
    return slice(reshape(padded, [outer, n * factor, inner]) as never, [0, 0, 0] as never, [outer, (n - 1) * factor + 1, inner] as never) as T;
  });
}

/** Pads the listed axes with `[low, high]` of `value`. */
export function padAxes(x: T, axes: readonly number[], pads: readonly (readonly [number, number])[], value = 0): T {
  let y = x;
  axes.forEach((a, i) => {
    const [lo, hi] = pads[i]!;
    if (lo === 0 && hi === 0) return;
    y = alongAxis(y, a, (v) => pad(v as never, [[0, 0], [lo, hi], [0, 0]] as never, value) as T);
  });
  return y;
}

/** Elements start, start + s, …, start + (count − 1)·s along `axis`. */
function strided(x: T, axis: number, start: number, count: number, stride: number): T {
  return alongAxis(x, axis, (v) => {
    const [outer, , inner] = shapeOf(v) as [number, number, number];
    const y = slice(v as never, [0, start, 0] as never, [outer, (count - 1) * stride + 1, inner] as never) as T;
    if (stride === 1) return y;
    // Pad to count·stride, fold the axis into [count, stride], keep index 0 of the stride axis.
    const padded = pad(y as never, [[0, 0], [0, stride - 1], [0, 0]] as never) as T;
    // Read as [outer·count, stride·inner], the first inner columns of each row are the kept elements.
    const first = slice(reshape(padded, [outer * count, stride * inner]) as never, [0, 0] as never, [outer * count, inner] as never) as T;
    return reshape(first, [outer, count, inner]) as T;
  });
}

/**
 * The windows of an (already padded) `x`: one tensor per window offset, in
 * row-major order of the offsets, each with `outs[i]` elements along
 * `axes[i]` (element o taken at o·stride + offset·dilation).
 */
export function windowSlices(x: T, axes: readonly number[], window: readonly number[], strides: readonly number[], dilation: readonly number[], outs: readonly number[]): T[] {
  let parts = [x];
  axes.forEach((axis, i) => {
    const next: T[] = [];
    for (const p of parts) for (let k = 0; k < window[i]!; k++) next.push(strided(p, axis, k * dilation[i]!, outs[i]!, strides[i]!));
    parts = next;
  });
  return parts;
}

/** Output length of a window of (dilated) size `window` over `n` padded elements. */
export function windowCount(op: string, n: number, window: number, stride: number): number {
  const out = Math.floor((n - window) / stride) + 1;
  if (!(out >= 1)) throw new ShapeError(op, `a window of size ${window} does not fit in ${n} (padded) elements`);
  return out;
}
