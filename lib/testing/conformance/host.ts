/**
 * Host arrays for the conformance matrix: plain JS n-d arrays holding float64
 * numbers, and the small helpers the float64 reference implementations in
 * `specs.ts` are written with (broadcasting, reductions, index arithmetic,
 * deterministic inputs). Not part of the public API.
 */
import type { Dtype } from '../../../typelevel/index.js';

/** A row-major n-d array on the host; `bool` values are 0/1, `int32` integral. */
export interface HostArray {
  readonly shape: readonly number[];
  readonly dtype: Dtype;
  readonly data: readonly number[];
}

export const size = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/** Row-major strides of `shape`. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** The multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i]! + idx[i]!;
  return flat;
}

let roundFloats = true;

/**
 * Runs `f` with float32 rounding of host arrays turned off, so a reference
 * computes in plain float64 (finite differences of a rounded reference would
 * only see float32 steps).
 */
export function inFloat64<T>(f: () => T): T {
  const before = roundFloats;
  roundFloats = false;
  try {
    return f();
  } finally {
    roundFloats = before;
  }
}

/** Rounds a float64 to what a tensor of the given dtype stores (float32 rounding is off inside `inFloat64`). */
export function store(value: number, dtype: Dtype): number {
  if (dtype === 'float32') return roundFloats ? Math.fround(value) : value;
  if (dtype === 'bool') return value ? 1 : 0;
  return value | 0;
}

export function host(shape: readonly number[], dtype: Dtype, data: readonly number[]): HostArray {
  if (data.length !== size(shape)) throw new Error(`host array: ${data.length} values for shape [${shape.join(',')}]`);
  return { shape: [...shape], dtype, data: data.map((v) => store(v, dtype)) };
}

/** Deterministic values in [lo, hi), rounded to float32 (so the reference sees exactly the tensor's values). */
export function uniform(shape: readonly number[], lo: number, hi: number, seed = 1): HostArray {
  const next = rng(seed);
  return host(shape, 'float32', Array.from({ length: size(shape) }, () => lo + (hi - lo) * next()));
}

/** Like `uniform` but |x| ≥ gap: keeps inputs away from kinks at 0 (abs, relu, sign, …). */
export function awayFromZero(shape: readonly number[], lo: number, hi: number, gap = 0.1, seed = 1): HostArray {
  const next = rng(seed);
  return host(
    shape,
    'float32',
    Array.from({ length: size(shape) }, () => {
      for (;;) {
        const v = lo + (hi - lo) * next();
        if (Math.abs(v) >= gap) return v;
      }
    }),
  );
}

/** Deterministic integers in [lo, hi). */
export function integers(shape: readonly number[], lo: number, hi: number, seed = 1, dtype: Dtype = 'int32'): HostArray {
  const next = rng(seed);
  return host(shape, dtype, Array.from({ length: size(shape) }, () => lo + Math.floor((hi - lo) * next())));
}

/** A small deterministic generator in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let s = (seed * 0x9e3779b9) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The special float values every elementwise op meets in the `special` class. */
export const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1];

/** NumPy broadcasting of shapes. */
export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const di = s[s.length - rank + i] ?? 1;
      if (di !== 1) {
        if (d !== 1 && d !== di) throw new Error(`reference: cannot broadcast [${shapes.map((x) => x.join(',')).join('] with [')}]`);
        d = di;
      }
    }
    out.push(d);
  }
  return out;
}

/** The value of `x` at the multi-index `idx` of a (broadcast) output of rank ≥ x's. */
export function at(x: HostArray, idx: readonly number[]): number {
  const lead = idx.length - x.shape.length;
  let flat = 0;
  for (let i = 0; i < x.shape.length; i++) flat = flat * x.shape[i]! + (x.shape[i] === 1 ? 0 : idx[lead + i]!);
  return x.data[flat]!;
}

/** Elementwise map with broadcasting. */
export function map(xs: readonly HostArray[], dtype: Dtype, f: (...v: number[]) => number): HostArray {
  const shape = broadcastShape(...xs.map((x) => x.shape));
  const data = Array.from({ length: size(shape) }, (_, k) => {
    const idx = unravel(k, shape);
    return f(...xs.map((x) => at(x, idx)));
  });
  return host(shape, dtype, data);
}

/**
 * Reduction over `axes` with a function of the reduced slice (in row-major
 * order); `f` may throw (an empty slice of max, say).
 */
export function reduce(x: HostArray, axes: readonly number[], keepDims: boolean, dtype: Dtype, f: (slice: number[]) => number): HostArray {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Array<number>(size(kept)).fill(0);
  const slices = out.map(() => [] as number[]);
  for (let k = 0; k < x.data.length; k++) {
    const idx = unravel(k, x.shape).map((v, i) => (axes.includes(i) ? 0 : v));
    slices[ravel(idx, kept)]!.push(x.data[k]!);
  }
  // An empty input still has its output slices (each empty).
  const data = slices.map(f);
  const shape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  return host(shape, dtype, data);
}

/** Applies `f` to each 1-d lane along `axis`, replacing it (same length or `outLen`). */
export function lanes(x: HostArray, axis: number, dtype: Dtype, f: (lane: number[]) => number[], outLen = x.shape[axis]!): HostArray {
  const shape = x.shape.slice();
  shape[axis] = outLen;
  const data = new Array<number>(size(shape)).fill(0);
  const other = x.shape.map((d, i) => (i === axis ? 1 : d));
  for (let k = 0; k < size(other); k++) {
    const base = unravel(k, other);
    const lane = Array.from({ length: x.shape[axis]! }, (_, j) => {
      const idx = base.slice();
      idx[axis] = j;
      return x.data[ravel(idx, x.shape)]!;
    });
    f(lane).forEach((v, j) => {
      const idx = base.slice();
      idx[axis] = j;
      data[ravel(idx, shape)] = v;
    });
  }
  return host(shape, dtype, data);
}

/** Transposes with `perm` (NumPy `transpose`). */
export function permute(x: HostArray, perm: readonly number[]): HostArray {
  const shape = perm.map((p) => x.shape[p]!);
  const data = Array.from({ length: size(shape) }, (_, k) => {
    const idx = unravel(k, shape);
    const src = new Array<number>(perm.length);
    perm.forEach((p, i) => (src[p] = idx[i]!));
    return x.data[ravel(src, x.shape)]!;
  });
  return host(shape, x.dtype, data);
}

/** Stacks equal-shaped arrays along a new leading axis. */
export function stack(xs: readonly HostArray[]): HostArray {
  return host([xs.length, ...xs[0]!.shape], xs[0]!.dtype, xs.flatMap((x) => x.data));
}

/** Entry `i` of a stacked array. */
export function unstack(x: HostArray, i: number): HostArray {
  const n = size(x.shape.slice(1));
  return host(x.shape.slice(1), x.dtype, x.data.slice(i * n, (i + 1) * n));
}

/** Square matrices of a `[..., n, n]` array, mapped by `f` (each a row-major n·n list). */
export function matrices(a: HostArray, f: (m: number[], n: number) => number[], outShape: (n: number) => readonly number[]): HostArray {
  const n = a.shape[a.shape.length - 1]!;
  const batch = a.shape.slice(0, -2);
  const out: number[] = [];
  for (let b = 0; b < size(batch); b++) out.push(...f(a.data.slice(b * n * n, (b + 1) * n * n) as number[], n));
  return host([...batch, ...outShape(n)], 'float32', out);
}

/** Dense float64 matrix product of row-major `m×k` and `k×n`. */
export function matmul2(a: readonly number[], b: readonly number[], m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let l = 0; l < k; l++) out[i * n + j]! += a[i * k + l]! * b[l * n + j]!;
  return out;
}

/** LU with partial pivoting in float64: [lu, perm, sign], or null when singular. */
export function lu(m: readonly number[], n: number): { lu: number[]; perm: number[]; sign: number } | null {
  const a = m.slice();
  const perm = [...Array(n).keys()];
  let sign = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[p * n + c]!)) p = r;
    if (a[p * n + c] === 0) return null;
    if (p !== c) {
      for (let j = 0; j < n; j++) [a[c * n + j], a[p * n + j]] = [a[p * n + j]!, a[c * n + j]!];
      [perm[c], perm[p]] = [perm[p]!, perm[c]!];
      sign = -sign;
    }
    for (let r = c + 1; r < n; r++) {
      const f = (a[r * n + c]! /= a[c * n + c]!);
      for (let j = c + 1; j < n; j++) a[r * n + j]! -= f * a[c * n + j]!;
    }
  }
  return { lu: a, perm, sign };
}

/** Solves A X = B (B row-major n×k) in float64 with partial pivoting. */
export function solveDense(a: readonly number[], b: readonly number[], n: number, k: number): number[] {
  const f = lu(a, n);
  if (!f) return b.map(() => NaN);
  const x = new Array<number>(n * k).fill(0);
  for (let c = 0; c < k; c++) {
    const y = Array.from({ length: n }, (_, i) => b[f.perm[i]! * k + c]!);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) y[i]! -= f.lu[i * n + j]! * y[j]!;
    for (let i = n - 1; i >= 0; i--) {
      for (let j = i + 1; j < n; j++) y[i]! -= f.lu[i * n + j]! * y[j]!;
      y[i]! /= f.lu[i * n + i]!;
    }
    y.forEach((v, i) => (x[i * k + c] = v));
  }
  return x;
}

export function detDense(a: readonly number[], n: number): number {
  const f = lu(a, n);
  if (!f) return 0;
  let d = f.sign;
  for (let i = 0; i < n; i++) d *= f.lu[i * n + i]!;
  return d;
}

/** Cholesky factor (lower) of the symmetric part, NaN when not positive definite. */
export function choleskyDense(m: readonly number[], n: number): number[] {
  const a = Array.from({ length: n * n }, (_, k) => (m[k]! + m[(k % n) * n + Math.floor(k / n)]!) / 2);
  const l = new Array<number>(n * n).fill(0);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 0)) return l.map(() => NaN);
    l[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/** erf in float64: Maclaurin series for |x| < 3, the continued-fraction tail beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let total = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      total += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * total;
  }
  // erfc(x) = exp(-x²)/(x√π) · 1/(1 + 1/(2x²)/(1 + 2/(2x²)/(1 + …))) (Lentz-free backward evaluation).
  let f = 0;
  for (let k = 60; k >= 1; k--) f = (k / 2) / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}
