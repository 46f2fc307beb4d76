/**
 * The conformance matrix's spec table: for every primitive in the registry
 * (`lib/primitives/*.ts`), how to build inputs of each input class, its
 * float64 reference (plain JS, `host.ts`), and — for elementwise primitives —
 * its analytic partial derivatives (the others are differentiated by central
 * finite differences of the reference). `conformance.test.ts` runs every
 * primitive × class × path on every backend against these.
 *
 * Adding a primitive: add an entry keyed by its `name` below (the matrix
 * fails, naming the primitive, until there is one). A failing case that is a
 * known, tracked defect goes into `knownFailures` with a one-line reason.
 *
 * Not part of the public API.
 */
import type { Dtype } from '../../../typelevel/index.js';
import type { Params } from '../../core/primitive.js';
import type { AnyTensor, Tensor } from '../../core/tensor.js';
import { closeOver, type ScanBody } from '../../control/scanPrimitive.js';
import { add } from '../../primitives/add.js';
import { mul } from '../../primitives/mul.js';
import { tanh } from '../../primitives/tanh.js';
import {
  SPECIAL,
  at,
  awayFromZero,
  broadcastShape,
  choleskyDense,
  detDense,
  erf,
  host,
  integers,
  lanes,
  map,
  matmul2,
  matrices,
  permute,
  ravel,
  reduce,
  size,
  solveDense,
  uniform,
  unravel,
  type HostArray,
} from './host.js';

/** The input classes of the matrix. */
export const INPUT_CLASSES = ['ordinary', 'size1', 'empty', 'special', 'large', 'int32', 'bool'] as const;
export type InputClass = (typeof INPUT_CLASSES)[number];

/**
 * The paths every case runs through: eager evaluation, `jit`, `vmap` (a batch
 * of two: the input and a variation of it), `jvp` and `grad` (a `vjp` with a
 * random cotangent) at order 1, `grad` inside `jit`, and `checkGrads` at
 * order 2 (ordinary class only).
 */
export const PATHS = ['eager', 'jit', 'vmap', 'jvp', 'grad', 'jitGrad', 'grad2'] as const;
export type PathName = (typeof PATHS)[number];

/** One case: the inputs (exact float32/int32/bool values) and the primitive's params. */
export interface Case {
  readonly inputs: readonly HostArray[];
  readonly params?: Params;
}

/** How the matrix tests one primitive. */
export interface PrimitiveSpec {
  /** The cases of each class that applies (a class left out is not applicable). */
  readonly cases: Partial<Record<InputClass, Case | readonly Case[]>>;
  /** The float64 reference: one host array per output; throws where the primitive must throw. */
  readonly ref: (inputs: readonly HostArray[], params: Params) => HostArray[];
  /**
   * Analytic partial derivative of the (single, elementwise) output with
   * respect to input `i`, at the output's shape; without it the matrix uses
   * central finite differences of `ref`.
   */
  readonly partial?: (inputs: readonly HostArray[], params: Params, i: number) => HostArray;
  /** The derivative is zero everywhere (`stopGradient`). */
  readonly zeroDerivative?: boolean;
  /** Which inputs are differentiated (default: every float32 input). */
  readonly diff?: readonly number[];
  /**
   * The classes whose derivatives are checked (default ordinary, size1,
   * empty, and large where `partial` is given: finite differences in float64
   * lose small terms next to 1e30-sized ones).
   */
  readonly derivClasses?: readonly InputClass[];
  /** Relative tolerance of values (default 1e-5) and derivatives (default 1e-4). */
  readonly rtol?: number;
  readonly gradRtol?: number;
  /** Absolute tolerance, relative to max(1, the largest |expected| in the tensor) (default 1e-6; derivatives 1e-5). */
  readonly atol?: number;
  /**
   * Looser tolerances on one backend, for values and derivatives alike (the
   * larger of these and the defaults applies). Only for documented backend
   * accuracy, e.g. WGSL's sin/cos: absolute error 2^-11 on [-π, π].
   */
  readonly backendTolerance?: Partial<Record<'cpu' | 'wasm' | 'webgpu', { readonly rtol?: number; readonly atol?: number }>>;
  /** The second entry of a vmap batch from a case input (default: 0.5·x + 0.25 for float32, the same values otherwise). */
  readonly vary?: (x: HostArray, i: number) => HostArray;
  /** Paths that do not apply to this primitive, with the reason. */
  readonly skip?: Partial<Record<PathName, string>>;
  /** Backends the primitive does not run on by design (it throws a BackendError there), with the reason. */
  readonly unsupportedOn?: Partial<Record<'cpu' | 'wasm' | 'webgpu', string>>;
}

// ------------------------------------------------------------------ families

const f32 = (shape: readonly number[], data: readonly number[]): HostArray => host(shape, 'float32', data);
const i32 = (shape: readonly number[], data: readonly number[]): HostArray => host(shape, 'int32', data);
const bool = (shape: readonly number[], data: readonly number[]): HostArray => host(shape, 'bool', data);

interface UnaryOptions {
  /** Range of ordinary inputs (and |x| ≥ 0.1 unless `gap` is 0). */
  readonly range: readonly [number, number];
  readonly gap?: number;
  readonly large: readonly number[];
  /** Accepts int32 (the reference is then applied to integers). */
  readonly int?: boolean;
  readonly special?: readonly number[];
}

/** An elementwise unary primitive: `fn` in float64, `d` its derivative. */
function unary(fn: (x: number) => number, d: ((x: number) => number) | null, o: UnaryOptions, extra: Partial<PrimitiveSpec> = {}): PrimitiveSpec {
  const [lo, hi] = o.range;
  return {
    cases: {
      ordinary: { inputs: [awayFromZero([2, 3], lo, hi, o.gap ?? 0.1, 11)] },
      size1: { inputs: [awayFromZero([], lo, hi, o.gap ?? 0.1, 12)] },
      empty: { inputs: [f32([0, 3], [])] },
      special: { inputs: [f32([(o.special ?? SPECIAL).length], o.special ?? SPECIAL)] },
      large: { inputs: [f32([o.large.length], o.large)] },
      ...(o.int ? { int32: { inputs: [integers([2, 3], -5, 6, 13)] } } : {}),
    },
    ref: ([x]) => [map([x!], x!.dtype, fn)],
    ...(d ? { partial: ([x]) => map([x!], 'float32', d) } : { zeroDerivative: true }),
    ...extra,
  };
}

interface BinaryOptions {
  readonly a: readonly [number, number];
  readonly b: readonly [number, number];
  readonly gap?: number;
  readonly large: readonly [readonly number[], readonly number[]];
  readonly dtypes: readonly Dtype[];
  readonly out?: Dtype;
}

/** Every pair of special values, as two flat operands. */
const specialPairs = (): [HostArray, HostArray] => {
  const a: number[] = [];
  const b: number[] = [];
  for (const x of SPECIAL) for (const y of SPECIAL) a.push(x), b.push(y);
  return [f32([a.length], a), f32([b.length], b)];
};

/** An elementwise binary primitive with broadcasting; `da`, `db` its partials. */
function binary(fn: (a: number, b: number) => number, partials: [(a: number, b: number) => number, (a: number, b: number) => number] | null, o: BinaryOptions): PrimitiveSpec {
  const out = o.out;
  const gap = o.gap ?? 0;
  return {
    cases: {
      ordinary: [
        { inputs: [awayFromZero([2, 3], ...o.a, gap, 21), awayFromZero([3], ...o.b, gap, 22)] },
        { inputs: [awayFromZero([2, 1], ...o.a, gap, 23), awayFromZero([1, 3], ...o.b, gap, 24)] },
      ],
      size1: { inputs: [awayFromZero([1], ...o.a, gap, 25), awayFromZero([], ...o.b, gap, 26)] },
      empty: [{ inputs: [f32([0, 3], []), awayFromZero([3], ...o.b, gap, 27)] }, { inputs: [f32([2, 0], []), f32([1, 0], [])] }],
      special: { inputs: specialPairs() },
      large: { inputs: [f32([o.large[0].length], o.large[0]), f32([o.large[1].length], o.large[1])] },
      ...(o.dtypes.includes('int32') ? { int32: { inputs: [integers([2, 3], -6, 7, 28), integers([3], -6, 7, 29)] } } : {}),
      ...(o.dtypes.includes('bool') ? { bool: { inputs: [integers([2, 3], 0, 2, 30, 'bool'), integers([3], 0, 2, 31, 'bool')] } } : {}),
    },
    ref: ([a, b]) => [map([a!, b!], out ?? a!.dtype, (x, y) => (a!.dtype === 'int32' && !out ? intOp(fn)(x, y) : fn(x, y)))],
    ...(partials ? { partial: ([a, b], _p, i) => map([a!, b!], 'float32', partials[i]!) } : {}),
  };
}

/** int32 arithmetic wraps like the hardware (two's complement). */
const intOp = (fn: (a: number, b: number) => number) => (a: number, b: number) => fn(a, b) | 0;

const comparison = (fn: (a: number, b: number) => boolean, dtypes: readonly Dtype[]): PrimitiveSpec =>
  binary((a, b) => (fn(a, b) ? 1 : 0), null, { a: [-2, 2], b: [-2, 2], large: [[1e30, -3e38, 3e38], [1e30, 3e38, 3e38]], dtypes, out: 'bool' });

interface ReduceParams extends Params {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

/** A reduction over `axes`: `fn` of one slice. */
function reduction(fn: (slice: number[]) => number, ints = true): PrimitiveSpec {
  const rp = (axes: number[], keepDims = false): ReduceParams => ({ axes, keepDims });
  return {
    cases: {
      ordinary: [
        { inputs: [uniform([2, 3], -2, 2, 41)], params: rp([1]) },
        { inputs: [uniform([2, 3], -2, 2, 42)], params: rp([0], true) },
        { inputs: [uniform([2, 2, 2], -2, 2, 43)], params: rp([0, 2]) },
      ],
      size1: [
        { inputs: [uniform([1, 3], -2, 2, 44)], params: rp([0]) },
        { inputs: [uniform([], -2, 2, 45)], params: rp([]) },
      ],
      empty: [
        { inputs: [f32([2, 0], [])], params: rp([1]) },
        { inputs: [f32([0, 3], [])], params: rp([1]) },
        { inputs: [f32([0, 3], [])], params: rp([0, 1]) },
      ],
      special: { inputs: [f32([4, 3], [NaN, 1, 2, Infinity, -Infinity, 0, -0, 0, -1, 2, Infinity, 3])], params: rp([1]) },
      // No partial sum or product of a row overflows in any order except where the result does.
      large: [
        { inputs: [f32([2, 3], [3e38, 3e38, -1e30, 1e20, 1e10, -1e-20])], params: rp([1]) },
        // A long reduction: 1e8 then 8191 ones. Adding the ones one by one to 1e8 in float32 loses every one
        // (the spacing there is 8); pairwise or wider accumulation keeps them.
        { inputs: [f32([8192], [1e8, ...new Array<number>(8191).fill(1)])], params: rp([0]) },
      ],
      ...(ints ? { int32: { inputs: [integers([2, 3], -5, 6, 46)], params: rp([1]) } } : {}),
    },
    ref: ([x], p) => [reduce(x!, (p as ReduceParams).axes, (p as ReduceParams).keepDims, x!.dtype, (s) => (x!.dtype === 'int32' ? fn(s) | 0 : fn(s)))],
    atol: 1e-5,
  };
}

/** NaN-propagating max/min of a slice; an empty slice is an error (NumPy). */
const extremum = (pick: (a: number, b: number) => number, what: string) => (s: number[]) => {
  if (s.length === 0) throw new Error(`${what} of an empty slice`);
  return s.reduce((m, v) => (Number.isNaN(m) || Number.isNaN(v) ? NaN : pick(m, v)));
};

/** argmax/argmin: first position of the extremum; a NaN counts as the extremum (first NaN). */
function argReduction(better: (a: number, b: number) => boolean, what: string): PrimitiveSpec {
  return {
    cases: {
      ordinary: [
        { inputs: [uniform([2, 3], -2, 2, 51)], params: { axis: 1, keepDims: false } },
        { inputs: [uniform([3, 2], -2, 2, 52)], params: { axis: 0, keepDims: true } },
      ],
      size1: { inputs: [uniform([1, 3], -2, 2, 53)], params: { axis: 0, keepDims: false } },
      empty: [
        { inputs: [f32([2, 0], [])], params: { axis: 1, keepDims: false } },
        { inputs: [f32([0, 3], [])], params: { axis: 1, keepDims: false } },
      ],
      special: { inputs: [f32([4, 3], [1, NaN, NaN, Infinity, -Infinity, Infinity, 0, -0, 0, 2, 2, -1])], params: { axis: 1, keepDims: false } },
      large: { inputs: [f32([2, 3], [3e38, -3e38, 1e30, 1e-30, -1e30, 1e30])], params: { axis: 1, keepDims: false } },
      int32: { inputs: [i32([2, 3], [3, -1, 3, 0, 0, -7])], params: { axis: 1, keepDims: false } },
    },
    ref: ([x], p) => {
      const axis = p.axis as number;
      const slices = reduce(x!, [axis], p.keepDims as boolean, 'int32', (s) => {
        if (s.length === 0) throw new Error(`${what} of an empty axis`);
        let best = 0;
        for (let i = 0; i < s.length; i++) {
          if (Number.isNaN(s[best]!)) break;
          if (Number.isNaN(s[i]!) || better(s[i]!, s[best]!)) best = i;
        }
        return best;
      });
      return [slices];
    },
  };
}

// -------------------------------------------------------------- references

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
/** sign with NaN → NaN and ±0 → 0 (NumPy). */
const sign = (x: number) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0);
/** NumPy maximum/minimum: NaN propagates. */
const maximum = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
const minimum = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));

/** C's (and NumPy's, JAX's) pow: 1^y = 1 and (−1)^±Inf = 1 even for NaN y, where JS's Math.pow gives NaN. */
const powC = (a: number, b: number) => (a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b));

/** float → int32 as NumPy/JAX on the host: truncate, saturate, NaN → 0. */
function castValue(v: number, from: Dtype, to: Dtype): number {
  if (to === 'bool') return v !== 0 ? 1 : 0; // NaN != 0, so NaN → true
  if (to === 'int32' && from === 'float32') {
    if (Number.isNaN(v)) return 0;
    return Math.max(-2147483648, Math.min(2147483647, Math.trunc(v)));
  }
  return v;
}

/** Ascending stable sort with NaN last; returns [values, positions] of one lane. */
function sortLane(lane: number[]): [number[], number[]] {
  const order = lane.map((_, i) => i);
  order.sort((i, j) => {
    const a = lane[i]!;
    const b = lane[j]!;
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? i - j : 1) : -1;
    return a < b ? -1 : a > b ? 1 : i - j;
  });
  return [order.map((i) => lane[i]!), order];
}

function sortRef([x]: readonly HostArray[]): HostArray[] {
  const axis = x!.shape.length - 1;
  if (axis < 0) throw new Error('sort of a scalar');
  return [lanes(x!, axis, x!.dtype, (l) => sortLane(l)[0]), lanes(x!, axis, 'int32', (l) => sortLane(l)[1])];
}

/** Top k descending (NaN counts as largest, as in JAX's top_k), ties: lower index first. */
function topkRef([x]: readonly HostArray[], { k }: Params): HostArray[] {
  const axis = x!.shape.length - 1;
  const lane = (l: number[]) => {
    const order = l.map((_, i) => i);
    order.sort((i, j) => {
      const a = l[i]!;
      const b = l[j]!;
      if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? i - j : -1) : 1;
      return a > b ? -1 : a < b ? 1 : i - j;
    });
    return order.slice(0, k as number);
  };
  return [lanes(x!, axis, x!.dtype, (l) => lane(l).map((i) => l[i]!), k as number), lanes(x!, axis, 'int32', lane, k as number)];
}

function cumsumRef([x]: readonly HostArray[], p: Params): HostArray[] {
  const { axis, exclusive, reverse } = p as { axis: number; exclusive: boolean; reverse: boolean };
  return [
    lanes(x!, axis, x!.dtype, (l) => {
      const src = reverse ? l.slice().reverse() : l;
      let acc = 0;
      const out = src.map((v) => {
        const before = acc;
        acc = x!.dtype === 'int32' ? (acc + v) | 0 : acc + v;
        return exclusive ? before : acc;
      });
      return reverse ? out.reverse() : out;
    }),
  ];
}

function gatherRef([x, indices]: readonly HostArray[], p: Params): HostArray[] {
  const axis = p.axis as number;
  const d = x!.shape[axis]!;
  for (const i of indices!.data) if (i < 0 || i >= d) throw new Error(`index ${i} out of range`);
  const shape = [...x!.shape.slice(0, axis), ...indices!.shape, ...x!.shape.slice(axis + 1)];
  const r = indices!.shape.length;
  const data = Array.from({ length: size(shape) }, (_, k) => {
    const idx = unravel(k, shape);
    const which = ravel(idx.slice(axis, axis + r), indices!.shape);
    const src = [...idx.slice(0, axis), indices!.data[which]!, ...idx.slice(axis + r)];
    return x!.data[ravel(src, x!.shape)]!;
  });
  return [host(shape, x!.dtype, data)];
}

function scatterRef([indices, updates]: readonly HostArray[], p: Params): HostArray[] {
  const shape = p.shape as number[];
  const axis = p.axis as number;
  for (const i of indices!.data) if (i < 0 || i >= shape[axis]!) throw new Error(`index ${i} out of range`);
  const out = new Array<number>(size(shape)).fill(0);
  const r = indices!.shape.length;
  for (let k = 0; k < updates!.data.length; k++) {
    const idx = unravel(k, updates!.shape);
    const which = ravel(idx.slice(axis, axis + r), indices!.shape);
    const dst = [...idx.slice(0, axis), indices!.data[which]!, ...idx.slice(axis + r)];
    out[ravel(dst, shape)]! += updates!.data[k]!;
  }
  return [host(shape, updates!.dtype, out)];
}

function lastWriteMaskRef([indices]: readonly HostArray[], p: Params): HostArray[] {
  const g = p.groupAxes as number;
  const groups = size(indices!.shape.slice(0, g));
  const n = size(indices!.shape.slice(g));
  const out: number[] = [];
  for (let b = 0; b < groups; b++) {
    const lane = indices!.data.slice(b * n, (b + 1) * n);
    lane.forEach((v, i) => out.push(lane.indexOf(v, i + 1) === -1 ? 1 : 0));
  }
  return [host(indices!.shape, 'float32', out)];
}

function padRef([x]: readonly HostArray[], p: Params): HostArray[] {
  const paddings = p.paddings as [number, number][];
  const shape = x!.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const data = Array.from({ length: size(shape) }, (_, k) => {
    const idx = unravel(k, shape).map((v, i) => v - paddings[i]![0]);
    return idx.every((v, i) => v >= 0 && v < x!.shape[i]!) ? x!.data[ravel(idx, x!.shape)]! : (p.value as number);
  });
  return [host(shape, x!.dtype, data)];
}

function sliceRef([x]: readonly HostArray[], p: Params): HostArray[] {
  const begin = p.begin as number[];
  const shape = (p.size as number[]).map((s, i) => (s === -1 ? x!.shape[i]! - begin[i]! : s));
  const data = Array.from({ length: size(shape) }, (_, k) => x!.data[ravel(unravel(k, shape).map((v, i) => v + begin[i]!), x!.shape)]!);
  return [host(shape, x!.dtype, data)];
}

function concatRef(xs: readonly HostArray[], p: Params): HostArray[] {
  const axis = p.axis as number;
  const shape = xs[0]!.shape.slice();
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis]!, 0);
  const data = Array.from({ length: size(shape) }, (_, k) => {
    const idx = unravel(k, shape);
    let i = 0;
    while (idx[axis]! >= xs[i]!.shape[axis]!) idx[axis]! -= xs[i++]!.shape[axis]!;
    return xs[i]!.data[ravel(idx, xs[i]!.shape)]!;
  });
  return [host(shape, xs[0]!.dtype, data)];
}

/** Batched matmul with broadcast batch axes. */
function matmulRef([a, b]: readonly HostArray[]): HostArray[] {
  const [m, k] = a!.shape.slice(-2) as [number, number];
  const n = b!.shape[b!.shape.length - 1]!;
  if (b!.shape[b!.shape.length - 2] !== k) throw new Error('matmul inner dims differ');
  const batch = broadcastShape(a!.shape.slice(0, -2), b!.shape.slice(0, -2));
  const out: number[] = [];
  for (let t = 0; t < size(batch); t++) {
    const idx = unravel(t, batch);
    const pick = (x: HostArray, r: number, c: number) => {
      const bs = x.shape.slice(0, -2);
      const lead = idx.length - bs.length;
      const bi = ravel(bs.map((d, i) => (d === 1 ? 0 : idx[lead + i]!)), bs);
      return x.data.slice(bi * r * c, (bi + 1) * r * c);
    };
    out.push(...matmul2(pick(a!, m, k), pick(b!, k, n), m, k, n));
  }
  return [host([...batch, m, n], 'float32', out)];
}

/** Batched `[..., n, n]` × `[..., n, k]` with a per-matrix solver. */
function rhsRef(a: HostArray, b: HostArray, solveOne: (m: number[], r: number[], n: number, k: number) => number[]): HostArray {
  const n = a.shape[a.shape.length - 1]!;
  const k = b.shape[b.shape.length - 1]!;
  const batch = size(a.shape.slice(0, -2));
  const out: number[] = [];
  for (let t = 0; t < batch; t++) out.push(...solveOne(a.data.slice(t * n * n, (t + 1) * n * n) as number[], b.data.slice(t * n * k, (t + 1) * n * k) as number[], n, k));
  return host(b.shape, 'float32', out);
}

function triangularSolveRef([a, b]: readonly HostArray[], p: Params): HostArray[] {
  const lower = p.lower as boolean;
  const transposeA = p.transposeA as boolean;
  return [
    rhsRef(a!, b!, (m, r, n, k) => {
      // Only the named triangle of `a` is read.
      const t = Array.from({ length: n * n }, (_, q) => {
        const i = Math.floor(q / n);
        const j = q % n;
        return (lower ? j <= i : j >= i) ? m[q]! : 0;
      });
      const eff = transposeA ? Array.from({ length: n * n }, (_, q) => t[(q % n) * n + Math.floor(q / n)]!) : t;
      return solveDense(eff, r, n, k);
    }),
  ];
}

/** Calls `visit(xIndex, filterIndex, outIndex)` for every product term of an NHWC convolution. */
function convTerms(x: readonly number[], f: readonly number[], p: Params, visit: (xi: number, fi: number, yi: number) => void): number[] {
  const [n, h, w, c] = x as [number, number, number, number];
  const [kh, kw, , co] = f as [number, number, number, number];
  const [sh, sw] = p.strides as [number, number];
  const same = p.padding === 'same';
  const oh = same ? Math.ceil(h / sh) : Math.ceil((h - kh + 1) / sh);
  const ow = same ? Math.ceil(w / sw) : Math.ceil((w - kw + 1) / sw);
  const top = same ? Math.floor(Math.max((oh - 1) * sh + kh - h, 0) / 2) : 0;
  const left = same ? Math.floor(Math.max((ow - 1) * sw + kw - w, 0) / 2) : 0;
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let fy = 0; fy < kh; fy++)
          for (let fx = 0; fx < kw; fx++) {
            const iy = oy * sh + fy - top;
            const ix = ox * sw + fx - left;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let ci = 0; ci < c; ci++)
              for (let o = 0; o < co; o++) visit(((b * h + iy) * w + ix) * c + ci, ((fy * kw + fx) * c + ci) * co + o, ((b * oh + oy) * ow + ox) * co + o);
          }
  return [n, oh, ow, co];
}

function conv2dRef([x, f]: readonly HostArray[], p: Params): HostArray[] {
  const terms: [number, number, number][] = [];
  const shape = convTerms(x!.shape, f!.shape, p, (xi, fi, yi) => terms.push([xi, fi, yi]));
  const y = new Array<number>(size(shape)).fill(0);
  for (const [xi, fi, yi] of terms) y[yi]! += x!.data[xi]! * f!.data[fi]!;
  return [host(shape, 'float32', y)];
}

function conv2dBackpropInputRef([dy, f]: readonly HostArray[], p: Params): HostArray[] {
  const xShape = p.inputShape as number[];
  const dx = new Array<number>(size(xShape)).fill(0);
  convTerms(xShape, f!.shape, p, (xi, fi, yi) => (dx[xi]! += dy!.data[yi]! * f!.data[fi]!));
  return [host(xShape, 'float32', dx)];
}

function conv2dBackpropFilterRef([x, dy]: readonly HostArray[], p: Params): HostArray[] {
  const fShape = p.filterShape as number[];
  const df = new Array<number>(size(fShape)).fill(0);
  convTerms(x!.shape, fShape, p, (xi, fi, yi) => (df[fi]! += x!.data[xi]! * dy!.data[yi]!));
  return [host(fShape, 'float32', df)];
}

/** A well-conditioned `[..., n, n]` matrix: random plus n on the diagonal. */
function wellConditioned(batch: readonly number[], n: number, seed: number, spd = false): HostArray {
  const r = uniform([...batch, n, n], -1, 1, seed);
  const data = r.data.map((v, q) => {
    const i = Math.floor(q / n) % n;
    const j = q % n;
    const base = spd ? (v + r.data[q - (i * n + j) + j * n + i]!) / 2 : v;
    return base + (i === j ? n + 1 : 0);
  });
  return f32([...batch, n, n], data);
}

const square = (shape: readonly number[]) => shape.length >= 2 && shape[shape.length - 1] === shape[shape.length - 2];

function linalgUnary(f: (m: number[], n: number) => number[], outShape: (n: number) => readonly number[], spd = false): PrimitiveSpec {
  return {
    cases: {
      ordinary: [{ inputs: [wellConditioned([], 3, 61, spd)] }, { inputs: [wellConditioned([2], 2, 62, spd)] }],
      size1: { inputs: [f32([1, 1], [1.7])] },
      empty: [{ inputs: [f32([0, 0], [])] }, { inputs: [f32([0, 2, 2], [])] }],
      large: { inputs: [f32([2, 2], [3e18, 1e18, 1e18, 2e18])] },
    },
    ref: ([a]) => {
      if (!square(a!.shape)) throw new Error('not square');
      return [matrices(a!, f, outShape)];
    },
    derivClasses: ['ordinary', 'size1', 'empty'],
    rtol: 2e-5,
    gradRtol: 5e-4,
    atol: 1e-5,
  };
}

function invDense(m: number[], n: number): number[] {
  const eye = Array.from({ length: n * n }, (_, q) => (Math.floor(q / n) === q % n ? 1 : 0));
  return solveDense(m, eye, n, n);
}

/** The decompositions and expm run in float64 on the host: on webgpu they throw a BackendError by design. */
const DECOMPOSITION_HOST_ONLY = 'runs in float64 on the host (cpu, wasm); webgpu throws a BackendError by design (lib/primitives/decompositionKernels.ts)';

/** The n×n identity, flat. */
const identity = (n: number): number[] => Array.from({ length: n * n }, (_, q) => (Math.floor(q / n) === q % n ? 1 : 0));

/**
 * exp(A) of a flat n×n matrix in float64, independent of the primitive's
 * Padé kernel: scaling (‖A/2ˢ‖₁ ≤ 1/2), a Taylor series to 30 terms, then s
 * squarings.
 */
function expmDense(a: readonly number[], n: number): number[] {
  let norm = 0;
  for (let j = 0; j < n; j++) {
    let col = 0;
    for (let i = 0; i < n; i++) col += Math.abs(a[i * n + j]!);
    norm = Math.max(norm, col);
  }
  const s = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const scaled = a.map((v) => v / 2 ** s);
  let term = identity(n);
  let sum = identity(n);
  for (let k = 1; k <= 30; k++) {
    term = matmul2(term, scaled, n, n, n).map((v) => v / k);
    sum = sum.map((v, q) => v + term[q]!);
  }
  for (let k = 0; k < s; k++) sum = matmul2(sum, sum, n, n, n);
  return sum;
}

/** The Fréchet derivative L(A, E) in float64: the upper-right block of exp([[A, E], [0, A]]). */
function expmFrechetDense(a: readonly number[], e: readonly number[], n: number): number[] {
  const big = new Array<number>(4 * n * n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      big[i * 2 * n + j] = a[i * n + j]!;
      big[i * 2 * n + n + j] = e[i * n + j]!;
      big[(n + i) * 2 * n + n + j] = a[i * n + j]!;
    }
  }
  const x = expmDense(big, 2 * n);
  return Array.from({ length: n * n }, (_, q) => x[Math.floor(q / n) * 2 * n + n + (q % n)]!);
}

// ------------------------------------------------------------------ the table

const triangular = (n: number, lower: boolean, seed: number): HostArray => {
  const r = uniform([n, n], -1, 1, seed);
  return f32(
    [n, n],
    r.data.map((v, q) => {
      const i = Math.floor(q / n);
      const j = q % n;
      if (i === j) return 2 + Math.abs(v);
      return (lower ? j < i : j > i) ? v : 9; // the other triangle holds junk the solve must ignore
    }),
  );
};

/** WGSL's sin/cos promise an absolute error of 2^-11 on [-π, π] (WGSL spec, "Floating point accuracy"); tan is their quotient. */
const WGSL_TRIG = { atol: 2 ** -11 };

/**
 * The spec of every primitive in the registry, keyed by the primitive's
 * `name`. Classes: `ordinary` (random, away from kinks), `size1` (size-1 or
 * rank-0), `empty` (a zero-length axis), `special` (NaN, ±Inf, ±0),
 * `large` (magnitudes near the float32 limits), `int32` / `bool` (where the
 * primitive accepts them).
 */
// ------------------------------------------------------------------ loops

/** The scan body of the matrix, per carry shape: consts [w], carry [c], per step [x]; returns [tanh(c·w + x), c·x]. Staged on first use. */
const scanBodies = new Map<string, ScanBody>();
function scanBody(shape: readonly number[]): ScanBody {
  const key = shape.join(',');
  let body = scanBodies.get(key);
  if (!body) {
    const aval = { shape, dtype: 'float32' as const };
    const closed = closeOver(([w, c, x]) => {
      const [wt, ct, xt] = [w, c, x] as AnyTensor[];
      return [tanh(add(mul(ct!, wt!), xt!) as Tensor<number[], 'float32'>), mul(ct!, xt!)] as Tensor[];
    }, [aval, aval, aval]);
    closed.release();
    scanBodies.set(key, (body = closed.body));
  }
  return body;
}

/** A scan case: w and c0 of `shape`, `length` steps of x. */
function scanCase(shape: readonly number[], length: number, reverse: boolean, seed: number): Case {
  return {
    inputs: [uniform(shape, 0.5, 1.5, seed), uniform(shape, -1, 1, seed + 1), uniform([length, ...shape], -1, 1, seed + 2)],
    params: { body: scanBody(shape), numConsts: 1, numCarry: 1, length, reverse },
  };
}

/** The scan of the matrix's body in float64: the final carry and the stacked c·x. */
function scanRef([w, c0, xs]: readonly HostArray[], p: Params): HostArray[] {
  const n = p.length as number;
  const d = w!.data.length;
  let c = c0!.data.slice() as number[];
  const ys = new Array<number>(n * d).fill(0);
  for (let step = 0; step < n; step++) {
    const i = p.reverse ? n - 1 - step : step;
    const next = c.map((cj, j) => {
      const x = xs!.data[i * d + j]!;
      ys[i * d + j] = cj * x;
      return Math.tanh(cj * w!.data[j]! + x);
    });
    c = next;
  }
  return [host(w!.shape, 'float32', c), host(xs!.shape, 'float32', ys)];
}

export const specs: Readonly<Record<string, PrimitiveSpec>> = {
  // ---- elementwise unary
  abs: unary(Math.abs, sign, { range: [-3, 3], large: [1e30, -1e30, 3e38, -3e38], int: true }),
  neg: unary((x) => -x, () => -1, { range: [-3, 3], large: [1e30, -1e30, 3e38, -3e38], int: true }),
  sign: unary(sign, () => 0, { range: [-3, 3], large: [1e30, -1e30, 3e38, -3e38, 1e-30], int: true }),
  square: unary((x) => x * x, (x) => 2 * x, { range: [-3, 3], large: [1e15, -1e19, 3e38, 1e-30], int: true }),
  exp: unary(Math.exp, Math.exp, { range: [-3, 3], gap: 0, large: [80, -80, 88, -120, 1e4, -1e4] }),
  expm1: unary(Math.expm1, Math.exp, { range: [-2, 2], gap: 0, large: [80, -80, 88, -1e4, 1e-30] }),
  log: unary(Math.log, (x) => 1 / x, { range: [0.1, 5], large: [1e30, 3e38, 1e-30, 1e20] }),
  log1p: unary(Math.log1p, (x) => 1 / (1 + x), { range: [-0.9, 5], gap: 0, large: [1e30, 3e38, 1e-30, -1e-30] }),
  sqrt: unary(Math.sqrt, (x) => 0.5 / Math.sqrt(x), { range: [0.1, 5], large: [1e30, 3e38, 1e-30, 1e20] }),
  rsqrt: unary((x) => 1 / Math.sqrt(x), (x) => -0.5 / (x * Math.sqrt(x)), { range: [0.1, 5], large: [1e30, 3e38, 1e-30, 1e20] }),
  sin: unary(Math.sin, Math.cos, { range: [-3, 3], gap: 0, large: [100, -1000, 1e4, 1e-30] }, { rtol: 2e-5, backendTolerance: { webgpu: WGSL_TRIG } }),
  cos: unary(Math.cos, (x) => -Math.sin(x), { range: [-3, 3], gap: 0, large: [100, -1000, 1e4, 1e-30] }, { rtol: 2e-5, backendTolerance: { webgpu: WGSL_TRIG } }),
  tan: unary(Math.tan, (x) => 1 + Math.tan(x) ** 2, { range: [-1.3, 1.3], gap: 0, large: [100, -1000, 1e-30] }, { rtol: 2e-5, backendTolerance: { webgpu: { rtol: 1e-3, atol: WGSL_TRIG.atol } } }),
  // asin's derivative 1/√(1 − x²) is read at |x| ≤ 0.99: nearer ±1, float32 rounding of 1 − x² alone exceeds the derivative tolerance.
  asin: unary(Math.asin, (x) => 1 / Math.sqrt(1 - x * x), { range: [-0.95, 0.95], gap: 0, large: [1e-30, -1e-20, 0.99, -0.99, 2, -1e30] }, { rtol: 2e-5, backendTolerance: { webgpu: { rtol: 1e-3, atol: 1e-4 } } }),
  atan: unary(Math.atan, (x) => 1 / (1 + x * x), { range: [-4, 4], gap: 0, large: [1e30, -3e38, 1e10, -100, 1e-30] }, { rtol: 2e-5, backendTolerance: { webgpu: { rtol: 1e-3, atol: 1e-4 } } }),
  sinh: unary(Math.sinh, Math.cosh, { range: [-3, 3], gap: 0, large: [1e-30, -1e-7, 80, -80, 89, -89.4, 100, -1e4] }),
  cosh: unary(Math.cosh, Math.sinh, { range: [-3, 3], gap: 0, large: [1e-30, 80, -80, 89, -89.4, 100, -1e4] }),
  tanh: unary(Math.tanh, (x) => 1 - Math.tanh(x) ** 2, { range: [-3, 3], gap: 0, large: [20, -20, 100, -100, 1e4, -1e4, 1e-30] }),
  sigmoid: unary(sigmoid, (x) => sigmoid(x) * sigmoid(-x), { range: [-5, 5], gap: 0, large: [20, -20, 100, -100, 1e4, -1e4] }),
  softplus: unary(softplus, sigmoid, { range: [-5, 5], gap: 0, large: [20, -20, 100, -100, 1e4, -1e4] }),
  relu: unary((x) => Math.max(x, 0), (x) => (x > 0 ? 1 : 0), { range: [-3, 3], large: [1e30, -1e30, 3e38, -3e38] }),
  erf: unary(erf, (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), { range: [-2.5, 2.5], gap: 0, large: [5, -5, 100, -1e4, 1e-30, -1e-20, 1e-10, 1e-3, -2e-3, 1e-2, 5e-5] }),
  stopGradient: unary((x) => x, null, { range: [-3, 3], large: [1e30, -3e38] }, { skip: { grad2: 'checkGrads differentiates the values by finite differences, which see the identity; the derivative is zero by definition' }, cases: { ordinary: { inputs: [uniform([2, 3], -3, 3, 71)] }, empty: { inputs: [f32([0, 3], [])] }, special: { inputs: [f32([SPECIAL.length], SPECIAL)] }, int32: { inputs: [integers([3], -4, 4, 72)] } } }),

  // ---- elementwise binary
  add: binary((a, b) => a + b, [() => 1, () => 1], { a: [-3, 3], b: [-3, 3], large: [[3e38, -3e38, 1e30, 3e38], [3e38, -3e38, -1e30, -3e38]], dtypes: ['float32', 'int32'] }),
  sub: binary((a, b) => a - b, [() => 1, () => -1], { a: [-3, 3], b: [-3, 3], large: [[3e38, -3e38, 1e30, 3e38], [-3e38, 3e38, 1e30, 3e38]], dtypes: ['float32', 'int32'] }),
  mul: binary((a, b) => a * b, [(_a, b) => b, (a) => a], { a: [-3, 3], b: [-3, 3], large: [[1e20, 1e-20, 3e38, 1e19], [1e20, 1e-20, 0.5, -1e19]], dtypes: ['float32', 'int32'] }),
  div: binary((a, b) => a / b, [(_a, b) => 1 / b, (a, b) => -a / (b * b)], { a: [-3, 3], b: [-3, 3], gap: 0.2, large: [[3e38, 1e-30, 1e30, 1], [1e-10, 1e30, 1e30, 3e38]], dtypes: ['float32'] }),
  maximum: binary(maximum, [(a, b) => (a > b ? 1 : 0), (a, b) => (b > a ? 1 : 0)], { a: [-3, 3], b: [-3, 3], large: [[3e38, -3e38, 1e30], [-3e38, 3e38, 1e-30]], dtypes: ['float32', 'int32'] }),
  minimum: binary(minimum, [(a, b) => (a < b ? 1 : 0), (a, b) => (b < a ? 1 : 0)], { a: [-3, 3], b: [-3, 3], large: [[3e38, -3e38, 1e30], [-3e38, 3e38, 1e-30]], dtypes: ['float32', 'int32'] }),
  pow: binary(powC, [(a, b) => b * Math.pow(a, b - 1), (a, b) => Math.pow(a, b) * Math.log(a)], { a: [0.3, 2.5], b: [-2, 2], large: [[1e10, 1e-10, 2, 1e30], [3, 3, 100, 0.5]], dtypes: ['float32'] }),
  // atan2(y, x): y is the first operand. Away from the origin (gap), where both partials are 0/0.
  atan2: {
    ...binary(Math.atan2, [(y, x) => x / (x * x + y * y), (y, x) => -y / (x * x + y * y)], {
      a: [-3, 3],
      b: [-3, 3],
      gap: 0.2,
      large: [[1e30, -3e38, 3e38, 1e20, 5, -1e-30], [1e30, 1e10, -3e38, -1, 1e-30, -2]],
      dtypes: ['float32'],
    }),
    rtol: 2e-5,
    backendTolerance: { webgpu: { rtol: 1e-3, atol: 1e-4 } },
  },
  equal: comparison((a, b) => a === b, ['float32', 'int32', 'bool']),
  notEqual: comparison((a, b) => a !== b, ['float32', 'int32', 'bool']),
  less: comparison((a, b) => a < b, ['float32', 'int32']),
  lessEqual: comparison((a, b) => a <= b, ['float32', 'int32']),
  greater: comparison((a, b) => a > b, ['float32', 'int32']),
  greaterEqual: comparison((a, b) => a >= b, ['float32', 'int32']),

  where: {
    cases: {
      ordinary: { inputs: [bool([2, 3], [1, 0, 0, 1, 1, 0]), uniform([2, 3], -2, 2, 81), uniform([3], -2, 2, 82)] },
      size1: { inputs: [bool([], [0]), uniform([1], -2, 2, 83), uniform([], -2, 2, 84)] },
      empty: { inputs: [bool([0, 3], []), f32([0, 3], []), uniform([3], -2, 2, 85)] },
      special: { inputs: [bool([7], [1, 0, 1, 0, 1, 0, 1]), f32([7], SPECIAL), f32([7], [...SPECIAL].reverse())] },
      large: { inputs: [bool([3], [1, 0, 1]), f32([3], [3e38, 1e30, -3e38]), f32([3], [-3e38, -1e30, 1e-30])] },
      int32: { inputs: [bool([3], [1, 0, 1]), i32([3], [1, -2, 3]), i32([3], [7, 8, 9])] },
      bool: { inputs: [bool([3], [1, 0, 1]), bool([3], [1, 1, 0]), bool([3], [0, 0, 1])] },
    },
    ref: ([c, a, b]) => [map([c!, a!, b!], a!.dtype, (cv, av, bv) => (cv ? av : bv))],
    partial: ([c, a, b], _p, i) => map([c!, a!, b!], 'float32', (cv) => (i === 1 ? (cv ? 1 : 0) : cv ? 0 : 1)),
    diff: [1, 2],
    vary: (x, i) => (i === 0 ? map([x], 'bool', (v) => (v ? 0 : 1)) : x.dtype === 'float32' ? map([x], 'float32', (v) => 0.5 * v + 0.25) : x),
  },

  clip: {
    cases: {
      ordinary: { inputs: [f32([2, 3], [-2.5, -0.3, 0.4, 1.7, 0.9, -1.2])], params: { lo: -1, hi: 1 } },
      size1: { inputs: [f32([], [0.5])], params: { lo: -1, hi: 1 } },
      empty: { inputs: [f32([0, 3], [])], params: { lo: -1, hi: 1 } },
      special: { inputs: [f32([7], SPECIAL)], params: { lo: -0.5, hi: 0.5 } },
      large: { inputs: [f32([4], [3e38, -3e38, 1e30, 5])], params: { lo: -1e30, hi: 1e30 } },
      int32: { inputs: [i32([5], [-5, -1, 0, 2, 9])], params: { lo: -1.5, hi: 2.5 } },
    },
    ref: ([x], p) => {
      // The bounds are float32 scalars on the device (int32 bounds round inward).
      const lo = x!.dtype === 'int32' ? Math.ceil(p.lo as number) : Math.fround(p.lo as number);
      const hi = x!.dtype === 'int32' ? Math.floor(p.hi as number) : Math.fround(p.hi as number);
      return [map([x!], x!.dtype, (v) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v, lo), hi)))];
    },
    partial: ([x], p) => map([x!], 'float32', (v) => (v >= Math.fround(p.lo as number) && v <= Math.fround(p.hi as number) ? 1 : 0)),
  },

  cast: {
    cases: {
      ordinary: [
        { inputs: [uniform([2, 3], -3, 3, 91)], params: { dtype: 'float32' } },
        { inputs: [f32([6], [-2.7, -1.2, -0.5, 0.5, 1.5, 2.9])], params: { dtype: 'int32' } },
        { inputs: [f32([4], [-2.7, 0, 0.5, -0])], params: { dtype: 'bool' } },
      ],
      size1: { inputs: [f32([], [3.9])], params: { dtype: 'int32' } },
      empty: [{ inputs: [f32([0, 3], [])], params: { dtype: 'int32' } }, { inputs: [f32([0], [])], params: { dtype: 'float32' } }],
      special: [
        { inputs: [f32([7], SPECIAL)], params: { dtype: 'int32' } },
        { inputs: [f32([7], SPECIAL)], params: { dtype: 'bool' } },
      ],
      large: { inputs: [f32([6], [3e9, -3e9, 2147483520, -2147483648, 1e30, -3e38])], params: { dtype: 'int32' } },
      int32: [
        { inputs: [i32([4], [-7, 0, 3, 2147483647])], params: { dtype: 'float32' } },
        { inputs: [i32([4], [-7, 0, 3, 1])], params: { dtype: 'bool' } },
      ],
      bool: [
        { inputs: [bool([3], [1, 0, 1])], params: { dtype: 'float32' } },
        { inputs: [bool([3], [1, 0, 1])], params: { dtype: 'int32' } },
      ],
    },
    ref: ([x], p) => [map([x!], p.dtype as Dtype, (v) => castValue(v, x!.dtype, p.dtype as Dtype))],
    partial: ([x]) => map([x!], 'float32', () => 1),
  },

  // ---- loops: the scan primitive (lib/control/scanPrimitive.ts) with a fixed body, forward and reverse
  scan: {
    get cases() {
      return {
        ordinary: [scanCase([3], 4, false, 131), scanCase([3], 3, true, 134)],
        size1: scanCase([], 1, false, 137),
        empty: scanCase([2], 0, false, 140),
      };
    },
    ref: scanRef,
  },

  // ---- reductions and scans
  sum: reduction((s) => s.reduce((a, b) => a + b, 0)),
  prod: reduction((s) => s.reduce((a, b) => a * b, 1)),
  max: reduction(extremum(Math.max, 'max')),
  min: reduction(extremum(Math.min, 'min')),
  argmax: argReduction((a, b) => a > b, 'argmax'),
  argmin: argReduction((a, b) => a < b, 'argmin'),
  cumsum: {
    cases: {
      ordinary: [
        { inputs: [uniform([2, 3], -2, 2, 101)], params: { axis: 1, exclusive: false, reverse: false } },
        { inputs: [uniform([3, 2], -2, 2, 102)], params: { axis: 0, exclusive: true, reverse: true } },
      ],
      size1: { inputs: [uniform([1], -2, 2, 103)], params: { axis: 0, exclusive: false, reverse: false } },
      empty: { inputs: [f32([0, 3], [])], params: { axis: 0, exclusive: false, reverse: false } },
      special: { inputs: [f32([7], SPECIAL)], params: { axis: 0, exclusive: false, reverse: false } },
      large: { inputs: [f32([4], [3e38, 3e38, -1e30, 1])], params: { axis: 0, exclusive: false, reverse: true } },
      int32: { inputs: [integers([2, 3], -5, 6, 104)], params: { axis: 1, exclusive: false, reverse: false } },
    },
    ref: cumsumRef,
    atol: 1e-5,
  },
  sort: {
    cases: {
      ordinary: [{ inputs: [uniform([2, 4], -2, 2, 111)] }, { inputs: [uniform([5], -2, 2, 112)] }],
      size1: { inputs: [uniform([1], -2, 2, 113)] },
      empty: [{ inputs: [f32([2, 0], [])] }, { inputs: [f32([0, 3], [])] }],
      special: { inputs: [f32([8], [NaN, 1, -Infinity, Infinity, -0, 0, NaN, -1])] },
      large: { inputs: [f32([4], [3e38, -3e38, 1e30, -1e-30])] },
      int32: { inputs: [i32([6], [3, -1, 3, 2147483647, -2147483648, 0])] },
    },
    ref: sortRef,
  },
  topk: {
    cases: {
      ordinary: [{ inputs: [uniform([2, 4], -2, 2, 121)], params: { k: 2 } }, { inputs: [uniform([5], -2, 2, 122)], params: { k: 5 } }],
      size1: { inputs: [uniform([1], -2, 2, 123)], params: { k: 1 } },
      empty: [{ inputs: [f32([0, 3], [])], params: { k: 2 } }, { inputs: [uniform([2, 3], -2, 2, 124)], params: { k: 0 } }],
      special: { inputs: [f32([6], [1, -Infinity, Infinity, -0, 0, 1])], params: { k: 5 } },
      large: { inputs: [f32([4], [3e38, -3e38, 1e30, -1e-30])], params: { k: 3 } },
      int32: { inputs: [i32([6], [3, -1, 3, 2147483647, -2147483648, 0])], params: { k: 4 } },
    },
    ref: topkRef,
  },

  // ---- structural
  reshape: {
    cases: {
      ordinary: { inputs: [uniform([2, 3], -2, 2, 131)], params: { shape: [3, 1, 2] } },
      size1: { inputs: [uniform([1, 1], -2, 2, 132)], params: { shape: [] } },
      empty: { inputs: [f32([0, 3], [])], params: { shape: [3, 0, 2] } },
      special: { inputs: [f32([7], SPECIAL)], params: { shape: [7, 1] } },
      int32: { inputs: [integers([2, 2], -5, 5, 133)], params: { shape: [4] } },
      bool: { inputs: [bool([2, 2], [1, 0, 0, 1])], params: { shape: [4] } },
    },
    ref: ([x], p) => [host(p.shape as number[], x!.dtype, x!.data)],
  },
  transpose: {
    cases: {
      ordinary: { inputs: [uniform([2, 3, 2], -2, 2, 141)], params: { perm: [2, 0, 1] } },
      size1: { inputs: [uniform([1, 1], -2, 2, 142)], params: { perm: [1, 0] } },
      empty: { inputs: [f32([0, 3], [])], params: { perm: [1, 0] } },
      special: { inputs: [f32([1, 7], SPECIAL)], params: { perm: [1, 0] } },
      int32: { inputs: [integers([2, 3], -5, 5, 143)], params: { perm: [1, 0] } },
      bool: { inputs: [bool([2, 2], [1, 0, 0, 0])], params: { perm: [1, 0] } },
    },
    ref: ([x], p) => [permute(x!, p.perm as number[])],
  },
  broadcastTo: {
    cases: {
      ordinary: [{ inputs: [uniform([3], -2, 2, 151)], params: { shape: [2, 3] } }, { inputs: [uniform([2, 1], -2, 2, 152)], params: { shape: [2, 2, 3] } }],
      size1: { inputs: [uniform([], -2, 2, 153)], params: { shape: [1] } },
      empty: [{ inputs: [f32([0, 1], [])], params: { shape: [0, 3] } }, { inputs: [uniform([1, 3], -2, 2, 154)], params: { shape: [0, 3] } }],
      special: { inputs: [f32([7], SPECIAL)], params: { shape: [2, 7] } },
      int32: { inputs: [integers([3], -5, 5, 155)], params: { shape: [2, 3] } },
      bool: { inputs: [bool([2, 1], [1, 0])], params: { shape: [2, 2] } },
    },
    ref: ([x], p) => {
      const shape = p.shape as number[];
      return [host(shape, x!.dtype, Array.from({ length: size(shape) }, (_, k) => at(x!, unravel(k, shape))))];
    },
  },
  slice: {
    cases: {
      ordinary: [{ inputs: [uniform([3, 4], -2, 2, 161)], params: { begin: [1, 1], size: [2, 2] } }, { inputs: [uniform([3, 4], -2, 2, 162)], params: { begin: [0, 2], size: [3, -1] } }],
      size1: { inputs: [uniform([3], -2, 2, 163)], params: { begin: [2], size: [1] } },
      empty: [{ inputs: [uniform([3, 4], -2, 2, 164)], params: { begin: [1, 0], size: [0, 4] } }, { inputs: [f32([0, 2], [])], params: { begin: [0, 1], size: [0, 1] } }],
      special: { inputs: [f32([7], SPECIAL)], params: { begin: [1], size: [5] } },
      int32: { inputs: [integers([4], -5, 5, 165)], params: { begin: [1], size: [2] } },
      bool: { inputs: [bool([3], [1, 0, 1])], params: { begin: [1], size: [2] } },
    },
    ref: sliceRef,
  },
  pad: {
    cases: {
      ordinary: [{ inputs: [uniform([2, 3], -2, 2, 171)], params: { paddings: [[1, 0], [0, 2]], value: 0 } }, { inputs: [uniform([2], -2, 2, 172)], params: { paddings: [[2, 1]], value: 1.5 } }],
      size1: { inputs: [uniform([1], -2, 2, 173)], params: { paddings: [[0, 1]], value: 0 } },
      empty: [{ inputs: [f32([0, 2], [])], params: { paddings: [[1, 1], [0, 0]], value: 3 } }, { inputs: [f32([0, 2], [])], params: { paddings: [[0, 0], [1, 0]], value: 0 } }],
      special: { inputs: [f32([7], SPECIAL)], params: { paddings: [[1, 1]], value: NaN } },
      int32: { inputs: [integers([3], -5, 5, 174)], params: { paddings: [[1, 1]], value: 7 } },
    },
    ref: padRef,
  },
  concat: {
    cases: {
      ordinary: [
        { inputs: [uniform([2, 3], -2, 2, 181), uniform([1, 3], -2, 2, 182)], params: { axis: 0 } },
        { inputs: [uniform([2, 1], -2, 2, 183), uniform([2, 2], -2, 2, 184), uniform([2, 1], -2, 2, 185)], params: { axis: 1 } },
      ],
      size1: { inputs: [uniform([1], -2, 2, 186)], params: { axis: 0 } },
      empty: [{ inputs: [f32([0, 3], []), uniform([2, 3], -2, 2, 187)], params: { axis: 0 } }, { inputs: [f32([0, 3], []), f32([0, 1], [])], params: { axis: 1 } }],
      special: { inputs: [f32([7], SPECIAL), f32([2], [NaN, -0])], params: { axis: 0 } },
      int32: { inputs: [integers([2], -5, 5, 188), integers([3], -5, 5, 189)], params: { axis: 0 } },
      bool: { inputs: [bool([2], [1, 0]), bool([1], [1])], params: { axis: 0 } },
    },
    ref: concatRef,
  },
  gather: {
    cases: {
      ordinary: [
        { inputs: [uniform([3, 4], -2, 2, 191), i32([3], [2, 0, 2])], params: { axis: 1 } },
        { inputs: [uniform([3, 2], -2, 2, 192), i32([2, 2], [1, 0, 2, 1])], params: { axis: 0 } },
      ],
      size1: { inputs: [uniform([1], -2, 2, 193), i32([], [0])], params: { axis: 0 } },
      empty: [{ inputs: [uniform([3, 2], -2, 2, 194), i32([0], [])], params: { axis: 0 } }, { inputs: [f32([0, 2], []), i32([1], [1])], params: { axis: 1 } }],
      special: [{ inputs: [f32([7], SPECIAL), i32([4], [0, 1, 4, 0])], params: { axis: 0 } }, { inputs: [uniform([3], -2, 2, 195), i32([2], [1, 3])], params: { axis: 0 } }],
      int32: { inputs: [integers([4], -5, 5, 196), i32([2], [3, 3])], params: { axis: 0 } },
    },
    ref: gatherRef,
    diff: [0],
  },
  scatter: {
    cases: {
      ordinary: [
        { inputs: [i32([3], [2, 0, 2]), uniform([2, 3], -2, 2, 201)], params: { shape: [2, 4], axis: 1 } },
        { inputs: [i32([2, 2], [1, 0, 2, 1]), uniform([2, 2, 2], -2, 2, 202)], params: { shape: [3, 2], axis: 0 } },
      ],
      size1: { inputs: [i32([], [0]), uniform([], -2, 2, 203)], params: { shape: [1], axis: 0 } },
      empty: [{ inputs: [i32([0], []), f32([0, 2], [])], params: { shape: [3, 2], axis: 0 } }, { inputs: [i32([1], [1]), f32([0, 1], [])], params: { shape: [0, 2], axis: 1 } }],
      special: [{ inputs: [i32([3], [1, 1, 0]), f32([3], [Infinity, -Infinity, NaN])], params: { shape: [2], axis: 0 } }, { inputs: [i32([1], [2]), f32([1], [1])], params: { shape: [2], axis: 0 } }],
      int32: { inputs: [i32([3], [1, 1, 0]), i32([3], [4, -2, 7])], params: { shape: [3], axis: 0 } },
    },
    ref: scatterRef,
    diff: [1],
  },
  oneHot: {
    cases: {
      ordinary: { inputs: [i32([2, 2], [0, 2, 1, 2])], params: { depth: 3 } },
      size1: { inputs: [i32([], [1])], params: { depth: 1 } },
      empty: [{ inputs: [i32([0], [])], params: { depth: 3 } }, { inputs: [i32([2], [0, 1])], params: { depth: 0 } }],
      special: { inputs: [i32([3], [-1, 3, 1])], params: { depth: 3 } },
    },
    ref: ([x], p) => {
      const depth = p.depth as number;
      return [host([...x!.shape, depth], 'float32', x!.data.flatMap((v) => Array.from({ length: depth }, (_, j) => (j === v ? 1 : 0))))];
    },
  },
  lastWriteMask: {
    cases: {
      ordinary: [{ inputs: [i32([5], [3, 1, 3, 0, 1])], params: { groupAxes: 0 } }, { inputs: [i32([2, 3], [1, 1, 0, 2, 0, 2])], params: { groupAxes: 1 } }],
      size1: { inputs: [i32([1], [4])], params: { groupAxes: 0 } },
      empty: [{ inputs: [i32([0], [])], params: { groupAxes: 0 } }, { inputs: [i32([0, 3], [])], params: { groupAxes: 1 } }],
      int32: { inputs: [i32([4], [-2147483648, 2147483647, -2147483648, 0])], params: { groupAxes: 0 } },
    },
    ref: lastWriteMaskRef,
  },

  // ---- linear algebra and convolution
  matmul: {
    cases: {
      ordinary: [
        { inputs: [uniform([2, 3], -2, 2, 211), uniform([3, 2], -2, 2, 212)] },
        { inputs: [uniform([2, 2, 3], -2, 2, 213), uniform([3, 1], -2, 2, 214)] },
        { inputs: [uniform([2, 1, 2, 2], -2, 2, 215), uniform([3, 2, 2], -2, 2, 216)] },
      ],
      size1: { inputs: [uniform([1, 1], -2, 2, 217), uniform([1, 1], -2, 2, 218)] },
      empty: [{ inputs: [f32([2, 0], []), f32([0, 3], [])] }, { inputs: [f32([0, 3], []), uniform([3, 2], -2, 2, 219)] }],
      special: { inputs: [f32([2, 2], [NaN, 1, Infinity, 0]), f32([2, 2], [1, 0, 0, 1])] },
      large: { inputs: [f32([2, 2], [1e20, 1e19, 3e38, -3e38]), f32([2, 2], [1e18, 1, 1, 1])] },
    },
    ref: matmulRef,
    atol: 1e-5,
  },
  solve: {
    cases: {
      ordinary: [{ inputs: [wellConditioned([], 3, 221), uniform([3, 2], -2, 2, 222)] }, { inputs: [wellConditioned([2], 2, 223), uniform([2, 2, 1], -2, 2, 224)] }],
      size1: { inputs: [f32([1, 1], [1.7]), f32([1, 1], [-0.6])] },
      empty: [{ inputs: [f32([0, 0], []), f32([0, 2], [])] }, { inputs: [wellConditioned([], 2, 225), f32([2, 0], [])] }],
    },
    ref: ([a, b]) => [rhsRef(a!, b!, (m, r, n, k) => solveDense(m, r, n, k))],
    derivClasses: ['ordinary', 'size1', 'empty'],
    rtol: 2e-5,
    gradRtol: 5e-4,
    atol: 1e-5,
  },
  triangularSolve: {
    cases: {
      ordinary: [
        { inputs: [triangular(3, true, 231), uniform([3, 2], -2, 2, 232)], params: { lower: true, transposeA: false } },
        { inputs: [triangular(3, false, 233), uniform([3, 1], -2, 2, 234)], params: { lower: false, transposeA: true } },
      ],
      size1: { inputs: [f32([1, 1], [1.7]), f32([1, 1], [-0.6])], params: { lower: true, transposeA: false } },
      empty: { inputs: [f32([0, 0], []), f32([0, 2], [])], params: { lower: true, transposeA: false } },
    },
    ref: triangularSolveRef,
    derivClasses: ['ordinary', 'size1', 'empty'],
    rtol: 2e-5,
    gradRtol: 5e-4,
    atol: 1e-5,
  },
  inv: linalgUnary(invDense, (n) => [n, n]),
  det: linalgUnary((m, n) => [detDense(m, n)], () => []),
  logdet: linalgUnary((m, n) => [2 * choleskyDense(m, n).reduce((s, v, q) => (Math.floor(q / n) === q % n ? s + Math.log(v) : s), 0)], () => [], true),
  cholesky: linalgUnary(choleskyDense, (n) => [n, n], true),
  conv2d: {
    cases: {
      ordinary: [
        { inputs: [uniform([1, 3, 3, 1], -2, 2, 241), uniform([2, 2, 1, 2], -2, 2, 242)], params: { strides: [1, 1], padding: 'valid' } },
        { inputs: [uniform([2, 4, 3, 2], -2, 2, 243), uniform([3, 2, 2, 1], -2, 2, 244)], params: { strides: [2, 1], padding: 'same' } },
      ],
      size1: { inputs: [uniform([1, 1, 1, 1], -2, 2, 245), uniform([1, 1, 1, 1], -2, 2, 246)], params: { strides: [1, 1], padding: 'valid' } },
      empty: [
        { inputs: [f32([0, 3, 3, 1], []), uniform([2, 2, 1, 2], -2, 2, 247)], params: { strides: [1, 1], padding: 'valid' } },
        { inputs: [uniform([1, 2, 2, 1], -2, 2, 248), f32([1, 1, 1, 0], [])], params: { strides: [1, 1], padding: 'same' } },
      ],
      special: { inputs: [f32([1, 2, 2, 1], [NaN, 1, Infinity, 0]), f32([1, 1, 1, 1], [2])], params: { strides: [1, 1], padding: 'valid' } },
    },
    ref: conv2dRef,
    atol: 1e-5,
  },
  conv2dBackpropInput: {
    cases: {
      ordinary: [
        { inputs: [uniform([1, 2, 2, 2], -2, 2, 251), uniform([2, 2, 1, 2], -2, 2, 252)], params: { strides: [1, 1], padding: 'valid', inputShape: [1, 3, 3, 1] } },
        { inputs: [uniform([2, 2, 3, 1], -2, 2, 253), uniform([3, 2, 2, 1], -2, 2, 254)], params: { strides: [2, 1], padding: 'same', inputShape: [2, 4, 3, 2] } },
      ],
      size1: { inputs: [uniform([1, 1, 1, 1], -2, 2, 255), uniform([1, 1, 1, 1], -2, 2, 256)], params: { strides: [1, 1], padding: 'valid', inputShape: [1, 1, 1, 1] } },
      empty: { inputs: [f32([0, 2, 2, 2], []), uniform([2, 2, 1, 2], -2, 2, 257)], params: { strides: [1, 1], padding: 'valid', inputShape: [0, 3, 3, 1] } },
      special: { inputs: [f32([1, 2, 2, 1], [NaN, 1, Infinity, 0]), f32([1, 1, 1, 1], [2])], params: { strides: [1, 1], padding: 'valid', inputShape: [1, 2, 2, 1] } },
    },
    ref: conv2dBackpropInputRef,
    atol: 1e-5,
  },
  conv2dBackpropFilter: {
    cases: {
      ordinary: [
        { inputs: [uniform([1, 3, 3, 1], -2, 2, 261), uniform([1, 2, 2, 2], -2, 2, 262)], params: { strides: [1, 1], padding: 'valid', filterShape: [2, 2, 1, 2] } },
        { inputs: [uniform([2, 4, 3, 2], -2, 2, 263), uniform([2, 2, 3, 1], -2, 2, 264)], params: { strides: [2, 1], padding: 'same', filterShape: [3, 2, 2, 1] } },
      ],
      size1: { inputs: [uniform([1, 1, 1, 1], -2, 2, 265), uniform([1, 1, 1, 1], -2, 2, 266)], params: { strides: [1, 1], padding: 'valid', filterShape: [1, 1, 1, 1] } },
      empty: { inputs: [f32([0, 3, 3, 1], []), f32([0, 2, 2, 2], [])], params: { strides: [1, 1], padding: 'valid', filterShape: [2, 2, 1, 2] } },
      special: { inputs: [f32([1, 2, 2, 1], [NaN, 1, Infinity, 0]), f32([1, 2, 2, 1], [1, 1, 1, 1])], params: { strides: [1, 1], padding: 'valid', filterShape: [1, 1, 1, 1] } },
    },
    ref: conv2dBackpropFilterRef,
    atol: 1e-5,
  },
  expm: {
    cases: {
      ordinary: [{ inputs: [uniform([3, 3], -1, 1, 271)] }, { inputs: [uniform([2, 2, 2], -1.5, 1.5, 272)] }, { inputs: [uniform([3, 3], -3, 3, 273)] }],
      size1: { inputs: [f32([1, 1], [0.7])] },
      empty: [{ inputs: [f32([0, 0], [])] }, { inputs: [f32([0, 2, 2], [])] }],
    },
    ref: ([a]) => {
      if (!square(a!.shape)) throw new Error('not square');
      return [matrices(a!, expmDense, (n) => [n, n])];
    },
    derivClasses: ['ordinary', 'size1', 'empty'],
    rtol: 2e-5,
    gradRtol: 5e-4,
    atol: 1e-5,
    unsupportedOn: { webgpu: DECOMPOSITION_HOST_ONLY },
  },
  expmFrechet: {
    cases: {
      ordinary: [{ inputs: [uniform([3, 3], -1, 1, 281), uniform([3, 3], -1, 1, 282)] }, { inputs: [uniform([2, 2, 2], -1.5, 1.5, 283), uniform([2, 2, 2], -1, 1, 284)] }],
      size1: { inputs: [f32([1, 1], [0.7]), f32([1, 1], [-1.3])] },
      empty: [{ inputs: [f32([0, 0], []), f32([0, 0], [])] }, { inputs: [f32([0, 2, 2], []), f32([0, 2, 2], [])] }],
    },
    ref: ([a, e]) => {
      if (!square(a!.shape) || a!.shape.join() !== e!.shape.join()) throw new Error('not square, or a and e differ in shape');
      const n = a!.shape[a!.shape.length - 1]!;
      const count = size(a!.shape) / Math.max(1, n * n);
      const out: number[] = [];
      for (let b = 0; b < count; b++) {
        const m = (x: HostArray) => x.data.slice(b * n * n, (b + 1) * n * n) as number[];
        out.push(...expmFrechetDense(m(a!), m(e!), n));
      }
      return [f32(a!.shape, out)];
    },
    derivClasses: ['ordinary', 'size1', 'empty'],
    rtol: 2e-5,
    gradRtol: 5e-4,
    atol: 1e-5,
    unsupportedOn: { webgpu: DECOMPOSITION_HOST_ONLY },
  },
  luPivotsToPermutation: {
    cases: {
      ordinary: [
        { inputs: [i32([3], [2, 2, 2])], params: { size: 3 } },
        { inputs: [i32([2, 2], [3, 1, 0, 2])], params: { size: 4 } },
      ],
      size1: { inputs: [i32([1], [0])], params: { size: 1 } },
      empty: [{ inputs: [i32([0], [])], params: { size: 2 } }, { inputs: [i32([0, 2], [])], params: { size: 3 } }],
    },
    ref: ([p], params) => {
      const m = params.size as number;
      const k = p!.shape[p!.shape.length - 1]!;
      if (k > m) throw new Error('more pivots than rows');
      const count = k === 0 ? size(p!.shape.slice(0, -1)) : size(p!.shape) / k;
      const out: number[] = [];
      for (let b = 0; b < count; b++) {
        const perm = Array.from({ length: m }, (_, i) => i);
        for (let j = 0; j < k; j++) {
          const q = p!.data[b * k + j]!;
          [perm[j], perm[q]] = [perm[q]!, perm[j]!];
        }
        out.push(...perm);
      }
      return [i32([...p!.shape.slice(0, -1), m], out)];
    },
    unsupportedOn: { webgpu: DECOMPOSITION_HOST_ONLY },
  },
};

// Defects on the numerics branch's list (empty tensors; NaN in maximum/sign/sort).
const EMPTY_BUFFER_WEBGPU = 'numerics/empty tensors: on webgpu a reduction over an empty axis (sum, min, and the sum in every unbroadcast gradient) asks for a zero-size buffer: "TypeError: no overload matched for createBuffer"';
const EMPTY_LINALG_WEBGPU = 'numerics/empty tensors: on webgpu the linalg kernels read a 0×0 matrix with "TypeError: vals.subarray is not a function"';
// Defects on the dtypes branch's list.
// Found by this matrix, on no other list.
const NEW_CONV_NAN_WASM = 'NEW: tfjs-wasm (XNNPACK) conv2d turns a NaN input into -Infinity (NaN · 2 → -Inf), also under jit and vmap';

const NEW_ARG_VMAP_WEBGPU = 'NEW: vmap of argmax/argmin on webgpu gives wrong positions, some of them float bit patterns read as int32 (1059702745)';
const NEW_TRIG_LARGE_WEBGPU = 'NEW: on webgpu sin/cos of 1e4 are off by 7e-4 (sin(1e4) = -0.30490 vs -0.30561): WGSL bounds their error on [-π, π] only';
const NEW_POW_INF_WEBGPU = 'NEW: on webgpu pow(-Infinity, Infinity) is -Infinity (C/NumPy: Infinity)';
const NEW_SIGMOID_NAN_WEBGPU = 'NEW: on webgpu sigmoid(NaN) is 0, should be NaN';
const NEW_ATAN2_NEG_ZERO_WEBGPU = 'NEW: on webgpu atan2(0, -0) is 0, should be π (C/NumPy/JAX; WGSL atan2 does not see the sign of a zero x)';

/**
 * Cases that fail today for a tracked reason, keyed
 * `primitive/class/path/backend` (backend `*` = every backend). The matrix
 * passes such a case only while it still fails, so an entry that starts
 * passing must be deleted (the test says so). One line each, with the defect.
 */
export const knownFailures: Readonly<Record<string, string>> = {
  'argmax/ordinary/vmap/webgpu': NEW_ARG_VMAP_WEBGPU,
  'argmax/size1/vmap/webgpu': NEW_ARG_VMAP_WEBGPU,
  'argmin/ordinary/vmap/webgpu': NEW_ARG_VMAP_WEBGPU,
  'argmin/size1/vmap/webgpu': NEW_ARG_VMAP_WEBGPU,
  'atan2/special/eager/webgpu': NEW_ATAN2_NEG_ZERO_WEBGPU,
  'atan2/special/jit/webgpu': NEW_ATAN2_NEG_ZERO_WEBGPU,
  'atan2/special/vmap/webgpu': NEW_ATAN2_NEG_ZERO_WEBGPU,
  'conv2d/special/eager/wasm': NEW_CONV_NAN_WASM,
  'conv2d/special/jit/wasm': NEW_CONV_NAN_WASM,
  'conv2d/special/vmap/wasm': NEW_CONV_NAN_WASM,
  'cos/large/grad/webgpu': NEW_TRIG_LARGE_WEBGPU,
  'cos/large/jitGrad/webgpu': NEW_TRIG_LARGE_WEBGPU,
  'det/empty/eager/webgpu': EMPTY_LINALG_WEBGPU,
  'det/empty/grad/webgpu': EMPTY_LINALG_WEBGPU,
  'det/empty/jit/webgpu': EMPTY_LINALG_WEBGPU,
  'det/empty/jitGrad/webgpu': EMPTY_LINALG_WEBGPU,
  'det/empty/jvp/webgpu': EMPTY_LINALG_WEBGPU,
  'det/empty/vmap/webgpu': EMPTY_LINALG_WEBGPU,
  'logdet/empty/eager/webgpu': EMPTY_BUFFER_WEBGPU,
  'logdet/empty/grad/webgpu': EMPTY_BUFFER_WEBGPU,
  'logdet/empty/jit/webgpu': EMPTY_BUFFER_WEBGPU,
  'logdet/empty/jvp/webgpu': EMPTY_BUFFER_WEBGPU,
  'logdet/empty/vmap/webgpu': EMPTY_BUFFER_WEBGPU,
  'pow/special/eager/webgpu': NEW_POW_INF_WEBGPU,
  'pow/special/jit/webgpu': NEW_POW_INF_WEBGPU,
  'pow/special/vmap/webgpu': NEW_POW_INF_WEBGPU,
  'sigmoid/special/eager/webgpu': NEW_SIGMOID_NAN_WEBGPU,
  'sigmoid/special/jit/webgpu': NEW_SIGMOID_NAN_WEBGPU,
  'sigmoid/special/vmap/webgpu': NEW_SIGMOID_NAN_WEBGPU,
  'sin/large/eager/webgpu': NEW_TRIG_LARGE_WEBGPU,
  'sin/large/jit/webgpu': NEW_TRIG_LARGE_WEBGPU,
  'sin/large/vmap/webgpu': NEW_TRIG_LARGE_WEBGPU,
};

/** Primitives the matrix does not cover, with the reason (call-like primitives whose body is a user function). */
export const notInMatrix: Readonly<Record<string, string>> = {
  eigh: 'eigenvectors are defined up to sign (and rotation within repeated eigenvalues), so an elementwise comparison with a reference, and finite differences across a sign flip, are meaningless; lib/primitives/eigh.test.ts checks A·V = V·Λ, VᵀV = I and the derivatives against float64 references',
  svd: 'singular vectors are defined up to a joint sign per pair (and rotation within repeated singular values), so an elementwise comparison is meaningless; lib/primitives/svd.test.ts and lib/linalg/accuracy.test.ts check U·Σ·Vᵀ = A, orthogonality and the derivatives against float64 references',
  qr: "Q and R are defined up to the signs of R's diagonal (a Householder convention the reference would have to copy), so an elementwise comparison is meaningless; lib/primitives/qr.test.ts checks Q·R = A, QᵀQ = I, R upper triangular and the derivatives",
  lu: 'partial pivoting makes the three outputs (packed LU, int32 pivots, int32 permutation) piecewise: an elementwise reference must copy the kernel\'s choice on near-ties and finite differences break at a pivot switch; lib/linalg/functions.test.ts checks P·A = L·U and checkGrads to order 2',
};
