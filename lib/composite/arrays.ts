/**
 * Array manipulation of the NumPy/JAX surface, as composites of structural
 * primitives (`reshape`, `broadcastTo`, `transpose`, `slice`, `concat`,
 * `take`, `where`), so each inherits their derivative, batching and
 * compilation rules: `flip`, `roll`, `split`, `tile`, `repeat`, `append`,
 * `takeAlongAxis`, `vstack`/`hstack`/`dstack`, `meshgrid`, `triu`/`tril`,
 * `diagonal`, `diag`, `trace`, `diff`. Index sets that depend only on shapes
 * (reversals, diagonals, masks) are built on the host as constants.
 */
import type { Dim, Dtype, Shape } from '../../typelevel/index.js';
import { tensor } from '../core/creation.js';
import { ShapeError, showShape } from '../core/errors.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { broadcastTo } from '../primitives/broadcastTo.js';
import { concat } from '../primitives/concat.js';
import { broadcastShapes, normalizeAxis } from '../primitives/define.js';
import { take } from '../primitives/gather.js';
import { reshape } from '../primitives/reshape.js';
import { slice } from '../primitives/slice.js';
import { takeAlongLastAxis } from '../primitives/sort.js';
import { sub } from '../primitives/sub.js';
import { sum } from '../primitives/sum.js';
import { transpose } from '../primitives/transpose.js';
import { where } from '../primitives/where.js';
import { scoped } from '../core/memory.js';

/** A bool `[n, m]` constant, true where column − row ≤ k (the lower triangle with diagonal k). */
export function lowerTriangleMask(n: number, m: number, k: number): AnyTensor {
  const values: boolean[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) values.push(j - i <= k);
  return tensor(values, [n, m], 'bool');
}

/** An int32 constant of the given values. */
function indexConstant(values: readonly number[]): AnyTensor {
  return tensor(values as number[], [values.length], 'int32');
}

/** The permutation that moves `axes` (in order) to the end. */
function moveToEnd(rank: number, axes: readonly number[]): number[] {
  return [...[...Array(rank).keys()].filter((i) => !axes.includes(i)), ...axes];
}

function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

function axisList(op: string, rank: number, axis: number | readonly number[] | undefined): number[] {
  const list = axis === undefined ? [...Array(rank).keys()] : typeof axis === 'number' ? [axis] : axis;
  return list.map((a) => normalizeAxis(op, a, rank));
}

// ---------------------------------------------------------------- reordering

/**
 * Reverses the order of elements along `axis` (a number, a list, or every
 * axis when omitted), as `jnp.flip`. Linear: the derivative flips back.
 * @example
 * ```ts
 * fx.flip(fx.tensor([[1, 2], [3, 4]]), 1); // [[2, 1], [4, 3]]
 * ```
 * @public
 */
export function flip<S extends Shape, D extends Dtype>(x: Tensor<S, D>, axis?: number | readonly number[]): Tensor<S, D> {
  return scoped(() => {
    let out = x as AnyTensor;
    for (const a of axisList('flip', x.rank, axis)) {
      const n = x.shape[a]!;
      if (n > 1) out = take(out, indexConstant([...Array(n).keys()].reverse()), a as never);
    }
    return out as never;
  });
}

/**
 * Shifts elements along `axis` by `shift` places, wrapping around
 * (`jnp.roll`); negative shifts go left. With no axis the tensor is rolled
 * as if flattened; a list of shifts pairs with a list of axes.
 * @example
 * ```ts
 * fx.roll(fx.tensor([1, 2, 3, 4]), 1);  // [4, 1, 2, 3]
 * ```
 * @public
 */
export function roll<S extends Shape, D extends Dtype>(x: Tensor<S, D>, shift: number | readonly number[], axis?: number | readonly number[]): Tensor<S, D> {
  return scoped(() => {
    if (axis === undefined) {
      if (typeof shift !== 'number') throw new ShapeError('roll', 'a list of shifts needs a list of axes');
      return reshape(roll(reshape(x as AnyTensor, [x.size]), shift, 0), x.shape) as never;
    }
    const axes = axisList('roll', x.rank, axis);
    const shifts = typeof shift === 'number' ? axes.map(() => shift) : shift;
    if (shifts.length !== axes.length) throw new ShapeError('roll', `${shifts.length} shifts for ${axes.length} axes`);
    let out = x as AnyTensor;
    axes.forEach((a, i) => {
      const n = x.shape[a]!;
      if (!Number.isInteger(shifts[i])) throw new ShapeError('roll', `shift must be an integer, got ${shifts[i]}`);
      const s = n === 0 ? 0 : ((shifts[i]! % n) + n) % n;
      if (s === 0) return;
      const shape = out.shape as number[];
      const begin = (b: number) => shape.map((_, j) => (j === a ? b : 0));
      const size = (z: number) => shape.map((d, j) => (j === a ? z : d));
      out = concat([slice(out, begin(n - s), size(s)), slice(out, begin(0), size(n - s))] as AnyTensor[], a as never) as AnyTensor;
    });
    return out as never;
  });
}

// ---------------------------------------------------------------- splitting and joining

/**
 * Splits `x` along `axis` (default 0), as `jnp.split`: a number `n` gives `n`
 * equal parts (the axis must divide evenly); a list of indices gives the
 * parts between those positions (`[2, 5]` → `[:2]`, `[2:5]`, `[5:]`).
 * @example
 * ```ts
 * fx.split(fx.tensor([1, 2, 3, 4, 5, 6]), 3);   // [[1, 2], [3, 4], [5, 6]]
 * fx.split(fx.tensor([1, 2, 3, 4, 5]), [1, 3]); // [[1], [2, 3], [4, 5]]
 * ```
 * @public
 */
export function split<S extends Shape, D extends Dtype>(x: Tensor<S, D>, sections: number | readonly number[], axis = 0): Tensor<number[], D>[] {
  const a = normalizeAxis('split', axis, x.rank);
  const n = x.shape[a]!;
  let cuts: number[];
  if (typeof sections === 'number') {
    if (!Number.isInteger(sections) || sections <= 0 || n % sections !== 0) {
      throw new ShapeError('split', `cannot split axis ${a} of size ${n} (x ${showShape(x.shape)}) into ${sections} equal parts`);
    }
    cuts = [...Array(sections - 1).keys()].map((i) => ((i + 1) * n) / sections);
  } else {
    if (!sections.every(Number.isInteger)) throw new ShapeError('split', `indices must be integers, got ${JSON.stringify(sections)}`);
    cuts = sections.map((c) => Math.min(n, Math.max(0, c < 0 ? c + n : c)));
  }
  const bounds = [0, ...cuts, n];
  return bounds.slice(0, -1).map((start, i) => {
    const stop = Math.max(start, bounds[i + 1]!);
    return slice(x as AnyTensor, x.shape.map((_, j) => (j === a ? start : 0)), x.shape.map((d, j) => (j === a ? stop - start : d)));
  });
}

/**
 * Repeats the whole of `x` `reps` times along each axis (`jnp.tile`); a
 * shorter `reps` applies to the trailing axes, a longer one adds leading axes.
 * @example
 * ```ts
 * fx.tile(fx.tensor([1, 2]), 2);           // [1, 2, 1, 2]
 * fx.tile(fx.tensor([[1, 2]]), [2, 1]);    // [[1, 2], [1, 2]]
 * ```
 * @public
 */
export function tile<S extends Shape, D extends Dtype>(x: Tensor<S, D>, reps: number | readonly number[]): Tensor<number[], D> {
  return scoped(() => {
    const r = typeof reps === 'number' ? [reps] : [...reps];
    if (!r.every((v) => Number.isInteger(v) && v >= 0)) throw new ShapeError('tile', `reps must be non-negative integers, got ${JSON.stringify(reps)}`);
    const rank = Math.max(r.length, x.rank);
    const shape = [...Array<number>(rank - x.rank).fill(1), ...x.shape];
    const full = [...Array<number>(rank - r.length).fill(1), ...r];
    // [d0, d1] → [1, d0, 1, d1] → broadcast [r0, d0, r1, d1] → [r0·d0, r1·d1]
    const spread = reshape(x as AnyTensor, shape.flatMap((d) => [1, d]));
    const big = broadcastTo(spread, shape.flatMap((d, i) => [full[i]!, d]));
    return reshape(big, shape.map((d, i) => d * full[i]!));
  });
}

/**
 * Repeats each element `repeats` times along `axis` (`jnp.repeat`); with no
 * axis the tensor is flattened first. `repeats` may be a list with one count
 * per element along the axis (host numbers).
 * @example
 * ```ts
 * fx.repeat(fx.tensor([1, 2]), 2);             // [1, 1, 2, 2]
 * fx.repeat(fx.tensor([1, 2, 3]), [0, 1, 2]);   // [2, 3, 3]
 * ```
 * @public
 */
export function repeat<S extends Shape, D extends Dtype>(x: Tensor<S, D>, repeats: number | readonly number[], axis?: number): Tensor<number[], D> {
  return scoped(() => {
    if (axis === undefined) return repeat(reshape(x as AnyTensor, [x.size]), repeats, 0);
    const a = normalizeAxis('repeat', axis, x.rank);
    const n = x.shape[a]!;
    if (typeof repeats === 'number') {
      if (!Number.isInteger(repeats) || repeats < 0) throw new ShapeError('repeat', `repeats must be a non-negative integer, got ${repeats}`);
      const withAxis = [...x.shape.slice(0, a + 1), 1, ...x.shape.slice(a + 1)];
      const spread = broadcastTo(reshape(x as AnyTensor, withAxis), withAxis.map((d, i) => (i === a + 1 ? repeats : d)));
      return reshape(spread, x.shape.map((d, i) => (i === a ? d * repeats : d)));
    }
    if (!Array.isArray(repeats) || repeats.length !== n || !repeats.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new ShapeError('repeat', `repeats must be ${n} non-negative integers (one per element of axis ${a} of x ${showShape(x.shape)}), got ${JSON.stringify(repeats)}`);
    }
    const idx = repeats.flatMap((c, i) => Array<number>(c).fill(i));
    return take(x as AnyTensor, indexConstant(idx), a as never);
  });
}

/**
 * `x` followed by `values` along `axis` (`jnp.append`); with no axis both
 * are flattened first.
 * @example
 * ```ts
 * fx.append(fx.tensor([1, 2]), fx.tensor([3])); // [1, 2, 3]
 * ```
 * @public
 */
export function append<D extends Dtype>(x: Tensor<Shape, D>, values: Tensor<Shape, NoInfer<D>>, axis?: number): Tensor<number[], D> {
  return scoped(() => {
    if (axis === undefined) return concat([reshape(x as AnyTensor, [x.size]), reshape(values as AnyTensor, [values.size])] as AnyTensor[], 0 as never) as never;
    return concat([x, values] as AnyTensor[], normalizeAxis('append', axis, x.rank) as never) as never;
  });
}

/** At least 2-D, as `jnp.atleast_2d`: `[]` → `[1, 1]`, `[n]` → `[1, n]`. */
function atleast2d(x: AnyTensor): AnyTensor {
  return x.rank >= 2 ? x : reshape(x, x.rank === 0 ? [1, 1] : [1, x.shape[0]!]);
}

/**
 * Stacks along the first axis after making each input at least 2-D (a vector
 * becomes a row), as `jnp.vstack`.
 * @example
 * ```ts
 * fx.vstack([fx.tensor([1, 2]), fx.tensor([3, 4])]); // [[1, 2], [3, 4]]
 * ```
 * @public
 */
export function vstack<D extends Dtype>(xs: readonly Tensor<Shape, D>[]): Tensor<number[], D> {
  return scoped(() => {
    if (xs.length === 0) throw new ShapeError('vstack', 'needs at least one tensor');
    return concat(xs.map((x) => atleast2d(x as AnyTensor)), 0 as never) as never;
  });
}

/**
 * Joins along the second axis, or the first for vectors, as `jnp.hstack`.
 * @example
 * ```ts
 * fx.hstack([fx.tensor([1, 2]), fx.tensor([3])]);       // [1, 2, 3]
 * fx.hstack([fx.tensor([[1], [2]]), fx.tensor([[3], [4]])]); // [[1, 3], [2, 4]]
 * ```
 * @public
 */
export function hstack<D extends Dtype>(xs: readonly Tensor<Shape, D>[]): Tensor<number[], D> {
  if (xs.length === 0) throw new ShapeError('hstack', 'needs at least one tensor');
  const ys = xs.map((x) => (x.rank === 0 ? reshape(x as AnyTensor, [1]) : (x as AnyTensor)));
  return concat(ys, (ys[0]!.rank === 1 ? 0 : 1) as never) as never;
}

/**
 * Joins along the third axis after making each input at least 3-D
 * (`[n]` → `[1, n, 1]`, `[m, n]` → `[m, n, 1]`), as `jnp.dstack`.
 * @example
 * ```ts
 * fx.dstack([fx.tensor([1, 2]), fx.tensor([3, 4])]); // [[[1, 3], [2, 4]]]
 * ```
 * @public
 */
export function dstack<D extends Dtype>(xs: readonly Tensor<Shape, D>[]): Tensor<number[], D> {
  return scoped(() => {
    if (xs.length === 0) throw new ShapeError('dstack', 'needs at least one tensor');
    const at3 = (x: AnyTensor): AnyTensor => (x.rank >= 3 ? x : x.rank === 0 ? reshape(x, [1, 1, 1]) : x.rank === 1 ? reshape(x, [1, x.shape[0]!, 1]) : reshape(x, [...x.shape, 1]));
    return concat(xs.map((x) => at3(x as AnyTensor)), 2 as never) as never;
  });
}

/**
 * Gathers from `x` along `axis` at `indices` (int32, same rank as `x`; the
 * other axes broadcast), as `jnp.take_along_axis`: `out[i, j] = x[i,
 * indices[i, j]]` for axis 1. Pairs with `argsort`/`topk` indices. The
 * derivative scatter-adds back to the gathered positions.
 * @example
 * ```ts
 * fx.takeAlongAxis(fx.tensor([[10, 20, 30]]), fx.tensor([[2, 0]], 'int32'), 1); // [[30, 10]]
 * ```
 * @public
 */
export function takeAlongAxis<D extends Dtype>(x: Tensor<Shape, D>, indices: Tensor<Shape, 'int32'>, axis: number): Tensor<number[], D> {
  return scoped(() => {
    if (indices.dtype !== 'int32') throw new ShapeError('takeAlongAxis', `indices must be int32, got ${indices.dtype}`);
    if (indices.rank !== x.rank) {
      throw new ShapeError('takeAlongAxis', `indices ${showShape(indices.shape)} must have the rank of x ${showShape(x.shape)}`);
    }
    const a = normalizeAxis('takeAlongAxis', axis, x.rank);
    const perm = moveToEnd(x.rank, [a]);
    const xm = transpose(x as AnyTensor, perm);
    const im = transpose(indices as AnyTensor, perm);
    const lead = broadcastShapes('takeAlongAxis', xm.shape.slice(0, -1), im.shape.slice(0, -1));
    const xb = broadcastTo(xm, [...lead, xm.shape[xm.rank - 1]!]);
    const ib = broadcastTo(im, [...lead, im.shape[im.rank - 1]!]);
    return transpose(takeAlongLastAxis(xb, ib), inverse(perm));
  });
}

/**
 * Coordinate grids from 1-D coordinate vectors, as `jnp.meshgrid`: with
 * `indexing: 'xy'` (the default) the first two output axes are swapped
 * (`[len(y), len(x), …]`), with `'ij'` they follow the inputs' order.
 * @example
 * ```ts
 * const [gx, gy] = fx.meshgrid([fx.tensor([1, 2, 3]), fx.tensor([4, 5])]); // each [2, 3]
 * ```
 * @public
 */
export function meshgrid<D extends Dtype>(xs: readonly Tensor<[Dim], D>[], options?: { readonly indexing?: 'xy' | 'ij' }): Tensor<number[], D>[] {
  return scoped(() => {
    const indexing = options?.indexing ?? 'xy';
    if (indexing !== 'xy' && indexing !== 'ij') throw new ShapeError('meshgrid', `indexing must be 'xy' or 'ij', got ${JSON.stringify(indexing)}`);
    xs.forEach((x, i) => {
      if (x.rank !== 1) throw new ShapeError('meshgrid', `input ${i} must be 1-D, got shape ${showShape(x.shape)}`);
    });
    const sizes = xs.map((x) => x.shape[0]!);
    const order = [...sizes.keys()];
    if (indexing === 'xy' && xs.length >= 2) [order[0], order[1]] = [1, 0];
    const outShape = order.map((i) => sizes[i]!);
    return xs.map((x, i) => {
      const at = order.indexOf(i);
      const shape = outShape.map((d, j) => (j === at ? d : 1));
      return broadcastTo(reshape(x as AnyTensor, shape), outShape);
    });
  });
}

// ---------------------------------------------------------------- triangles and diagonals

function checkMatrix(op: string, x: AnyTensor): void {
  if (x.rank < 2) throw new ShapeError(op, `x must have rank >= 2 (a matrix or a batch of matrices), got shape ${showShape(x.shape)}`);
}

/**
 * The lower triangle of the last two axes: elements above diagonal `k` set
 * to 0 (`jnp.tril`; `k > 0` keeps more, `k < 0` less).
 * @example
 * ```ts
 * fx.tril(fx.tensor([[1, 2], [3, 4]])); // [[1, 0], [3, 4]]
 * ```
 * @public
 */
export function tril<S extends Shape, D extends Dtype>(x: Tensor<S, D>, k = 0): Tensor<S, D> {
  return scoped(() => {
    checkMatrix('tril', x as AnyTensor);
    const [n, m] = x.shape.slice(-2) as [number, number];
    return where(lowerTriangleMask(n, m, k), x as AnyTensor, 0) as never;
  });
}

/**
 * The upper triangle of the last two axes: elements below diagonal `k` set
 * to 0 (`jnp.triu`).
 * @example
 * ```ts
 * fx.triu(fx.tensor([[1, 2], [3, 4]])); // [[1, 2], [0, 4]]
 * ```
 * @public
 */
export function triu<S extends Shape, D extends Dtype>(x: Tensor<S, D>, k = 0): Tensor<S, D> {
  return scoped(() => {
    checkMatrix('triu', x as AnyTensor);
    const [n, m] = x.shape.slice(-2) as [number, number];
    return where(lowerTriangleMask(n, m, k - 1), 0, x as AnyTensor) as never;
  });
}

/**
 * Diagonal `offset` of the matrices spanned by `axis1` and `axis2` (defaults
 * 0, 1), as `jnp.diagonal`: those axes are removed and the diagonal becomes
 * the last axis.
 * @example
 * ```ts
 * fx.diagonal(fx.tensor([[1, 2], [3, 4]]));    // [1, 4]
 * fx.diagonal(fx.tensor([[1, 2], [3, 4]]), 1); // [2]
 * ```
 * @public
 */
export function diagonal<S extends Shape, D extends Dtype>(x: Tensor<S, D>, offset = 0, axis1 = 0, axis2 = 1): Tensor<number[], D> {
  return scoped(() => {
    checkMatrix('diagonal', x as AnyTensor);
    const a1 = normalizeAxis('diagonal', axis1, x.rank);
    const a2 = normalizeAxis('diagonal', axis2, x.rank);
    if (a1 === a2) throw new ShapeError('diagonal', `axis1 and axis2 must differ, both are ${a1}`);
    if (!Number.isInteger(offset)) throw new ShapeError('diagonal', `offset must be an integer, got ${offset}`);
    const moved = transpose(x as AnyTensor, moveToEnd(x.rank, [a1, a2]));
    const [n, m] = moved.shape.slice(-2) as [number, number];
    const length = Math.max(0, offset >= 0 ? Math.min(n, m - offset) : Math.min(n + offset, m));
    const rowStart = offset >= 0 ? 0 : -offset;
    const colStart = offset >= 0 ? offset : 0;
    const flatIdx = [...Array(length).keys()].map((i) => (rowStart + i) * m + colStart + i);
    const lead = moved.shape.slice(0, -2);
    const rows = reshape(moved, [...lead, n * m]);
    return take(rows, indexConstant(flatIdx), lead.length as never);
  });
}

/**
 * For a vector: the square matrix with `v` on diagonal `k` (`jnp.diag`),
 * of size `n + |k|`; for a matrix: its diagonal `k` (see {@link diagonal}).
 * @example
 * ```ts
 * fx.diag(fx.tensor([1, 2]));             // [[1, 0], [0, 2]]
 * fx.diag(fx.tensor([[1, 2], [3, 4]]));   // [1, 4]
 * ```
 * @public
 */
export function diag<D extends Dtype>(v: Tensor<Shape, D>, k = 0): Tensor<number[], D> {
  return scoped(() => {
    if (!Number.isInteger(k)) throw new ShapeError('diag', `k must be an integer, got ${k}`);
    if (v.rank === 2) return diagonal(v, k);
    if (v.rank !== 1) throw new ShapeError('diag', `v must be 1-D or 2-D, got shape ${showShape(v.shape)}`);
    const n = v.shape[0]! + Math.abs(k);
    const vp = k === 0 ? (v as AnyTensor) : (concat([v as AnyTensor, zerosLike(v as AnyTensor, Math.abs(k))] as AnyTensor[], 0 as never) as AnyTensor);
    // k ≥ 0: out[i, i + k] = v[i] (v down the rows); k < 0: out[j − k, j] = v[j] (v along the columns).
    const spread = broadcastTo(reshape(vp, k >= 0 ? [n, 1] : [1, n]), [n, n]);
    const mask = tensor(
      [...Array(n * n).keys()].map((p) => Math.floor(p / n) + k === p % n),
      [n, n],
      'bool',
    );
    return where(mask, spread, 0) as never;
  });
}

/** `count` zeros of `x`'s dtype, as a constant. */
function zerosLike(x: AnyTensor, count: number): AnyTensor {
  return tensor(Array<number | boolean>(count).fill(x.dtype === 'bool' ? false : 0) as number[], [count], x.dtype);
}

/**
 * The sum of diagonal `offset` (`jnp.trace`), over `axis1`, `axis2`
 * (defaults 0, 1). Linear: its gradient is the diagonal pattern.
 * @example
 * ```ts
 * fx.trace(fx.tensor([[1, 2], [3, 4]])); // 5
 * ```
 * @public
 */
export function trace<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>, offset = 0, axis1 = 0, axis2 = 1): Tensor<number[], D> {
  return scoped(() => {
    const d = diagonal(x, offset, axis1, axis2) as AnyTensor;
    return sum(d, d.rank - 1);
  });
}

/**
 * The `n`-th discrete difference along `axis` (default -1), as `jnp.diff`:
 * `out[i] = x[i + 1] − x[i]`, applied `n` times (default 1); the axis
 * shrinks by `n`.
 * @example
 * ```ts
 * fx.diff(fx.tensor([1, 4, 9, 16])); // [3, 5, 7]
 * ```
 * @public
 */
export function diff<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>, n = 1, axis = -1): Tensor<number[], D> {
  return scoped(() => {
    const a = normalizeAxis('diff', axis, x.rank);
    if (!Number.isInteger(n) || n < 0) throw new ShapeError('diff', `n must be a non-negative integer, got ${n}`);
    let out = x as AnyTensor;
    for (let i = 0; i < n; i++) {
      const len = out.shape[a]!;
      if (len === 0) break;
      const shape = out.shape as number[];
      const begin = (b: number) => shape.map((_, j) => (j === a ? b : 0));
      const size = shape.map((d, j) => (j === a ? len - 1 : d));
      out = sub(slice(out, begin(1), size), slice(out, begin(0), size));
    }
    return out as never;
  });
}

