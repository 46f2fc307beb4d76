/**
 * Linear-algebra functions built from the decomposition primitives (`lu`,
 * `svd`) and ordinary ops: `lu`, `luFactor`, `luSolve`, `slogdet`, `norm`,
 * `matrixPower`, `multiDot`, `pinv`, `lstsq`. Each is a plain function of
 * differentiable ops (its derivative is the composition of theirs), except
 * `pinv`, which carries JAX's custom rule (Golub–Pereyra) so that its
 * derivative does not go through the singular vectors.
 */
import type { Dim, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import * as ops from '../ops.js';
import { arange } from '../core/creation.js';
import { scope } from '../core/memory.js';
import { block, diagPart, eyeOf, mm, mT, permutationMatrix, tril, triu } from '../primitives/decompositionCommon.js';
import { checkMatrix, luPrimitive, unpackLu } from '../primitives/lu.js';
import { pivotsToPermutation } from '../primitives/luPivotsToPermutation.js';
import { svdPrimitive } from '../primitives/svd.js';
import { triangularSolvePrimitive } from '../primitives/triangularSolve.js';
import { prod } from '../primitives/prod.js';
import { min } from '../primitives/min.js';
import { customJvp } from '../transforms/custom.js';
import { checkSquare } from '../primitives/linalgCommon.js';
import type { MinDim } from '../primitives/svd.js';

type T = AnyTensor;
// Untyped views of the typed ops: these functions check shapes themselves.
const add = (a: T, b: T | number): T => ops.add(a as never, b as never) as T;
const sub = (a: T | number, b: T | number): T => ops.sub(a as never, b as never) as T;
const mul = (a: T, b: T | number): T => ops.mul(a as never, b as never) as T;
const div = (a: T | number, b: T | number): T => ops.div(a as never, b as never) as T;
const abs = (a: T): T => ops.abs(a as never) as T;
const sum = (a: T, axis?: number | number[], keep = false): T => ops.sum(a as never, axis as never, keep as never) as T;
const amax = (a: T, axis?: number | number[], keep = false): T => ops.max(a as never, axis as never, keep as never) as T;
const amin = (a: T, axis?: number | number[], keep = false): T => min(a as never, axis as never, keep as never) as T;
const reshape = (a: T, shape: readonly number[]): T => ops.reshape(a as never, shape as never) as T;
const transpose = (a: T, perm: readonly number[]): T => ops.transpose(a as never, perm as never) as T;
const where = (c: T, a: T | number, b: T | number): T => ops.where(c as never, a as never, b as never) as T;
const greater = (a: T, b: T | number): T => ops.greater(a as never, b as never) as T;
const triSolve = (a: T, b: T, lower: boolean, transposeA: boolean): T => bind(triangularSolvePrimitive, [a, b], { lower, transposeA })[0]!;

// ---------------------------------------------------------------------------
// LU
// ---------------------------------------------------------------------------

/**
 * LU decomposition with partial pivoting, SciPy's `lu`: `[p, l, u]` with
 * `a = p · l · u`, `p` a permutation matrix `[..., m, m]`, `l` unit lower
 * triangular `[..., m, k]`, `u` upper triangular `[..., k, n]`
 * (k = min(m, n)). float64 on cpu and wasm. Derivative: JAX's LU rule
 * (docs/linalg.md); `p` is piecewise constant.
 * @example
 * ```ts
 * const [p, l, u] = fx.linalg.lu(fx.tensor([[1, 2], [3, 4]])); // p = [[0, 1], [1, 0]], u = [[3, 4], [0, 2/3]]
 * ```
 * @public
 */
export function lu<Bt extends Dim[], M extends Dim, N extends Dim>(
  a: Tensor<[...Bt, M, N], 'float32'>,
): [Tensor<[...Bt, M, M], 'float32'>, Tensor<[...Bt, M, MinDim<M, N>], 'float32'>, Tensor<[...Bt, MinDim<M, N>, N], 'float32'>] {
  // Intermediates (e.g. the unused outputs of a primitive) are freed; the result is kept.
  return scope(() => {
    checkMatrix('lu', a);
    const [packed, , perm] = bind(luPrimitive, [a]) as [T, T, T];
    const [m, n] = a.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    const l = add(tril(block(packed, 0, 0, m, k), -1), eyeOf(m, k));
    const u = triu(block(packed, 0, 0, k, n));
    return [mT(permutationMatrix(perm)) as never, l as never, u as never];
  });
}

/**
 * LU factorization in packed form, SciPy's/JAX's `lu_factor`: `[lu, piv]`,
 * `lu` holding unit-lower L below the diagonal and U on and above it, `piv`
 * the LAPACK row interchanges (int32: row j was swapped with row `piv[j]`).
 * Use it with `luSolve` to solve many right-hand sides with one
 * factorization. Differentiable in `lu` (JAX's LU rule).
 * @example
 * ```ts
 * const [lu, piv] = fx.linalg.luFactor(fx.tensor([[1, 2], [3, 4]])); // piv = [1, 1]
 * ```
 * @public
 */
export function luFactor<Bt extends Dim[], M extends Dim, N extends Dim>(
  a: Tensor<[...Bt, M, N], 'float32'>,
): [Tensor<[...Bt, M, N], 'float32'>, Tensor<[...Bt, MinDim<M, N>], 'int32'>] {
  // Intermediates (e.g. the unused outputs of a primitive) are freed; the result is kept.
  return scope(() => {
    checkMatrix('luFactor', a);
    const [packed, piv] = bind(luPrimitive, [a]);
    return [packed as never, piv as never];
  });
}

/**
 * Solves `a · x = b` (or `aᵀ · x = b` with `trans: 1`) from `luFactor(a)`,
 * SciPy's `lu_solve`: `b` `[..., n]` or `[..., n, k]`. Differentiable in `lu`
 * and `b` (through triangular solves and the permutation).
 * @example
 * ```ts
 * const f = fx.linalg.luFactor(fx.tensor([[2, 0], [0, 4]]));
 * fx.linalg.luSolve(f, fx.tensor([2, 4])); // [1, 1]
 * ```
 * @public
 */
export function luSolve<S extends Shape>(factor: readonly [Tensor<Shape, 'float32'>, Tensor<Shape, 'int32'>], b: Tensor<S, 'float32'>, options: { readonly trans?: 0 | 1 } = {}): Tensor<S, 'float32'> {
  // Intermediates (e.g. the unused outputs of a primitive) are freed; the result is kept.
  return scope(() => {
    const [packed, piv] = factor as unknown as [T, T];
    const n = checkSquare('luSolve', 'lu', packed);
    const vector = b.rank === packed.rank - 1;
    const rhsShape = vector ? [...b.shape, 1] : b.shape;
    if (rhsShape.length !== packed.rank || rhsShape[rhsShape.length - 2] !== n || !packed.shape.slice(0, -2).every((d: number, i: number) => d === rhsShape[i])) {
      throw new ShapeError('luSolve', `b must be [${[...packed.shape.slice(0, -2), n].join(', ')}] or [${[...packed.shape.slice(0, -2), n].join(', ')}, k] to match lu ${showShape(packed.shape)}, got ${showShape(b.shape)}`);
    }
    const rhs = vector ? reshape(b, rhsShape) : (b as T);
    const p = permutationMatrix(pivotsToPermutation(piv, n));
    const { l, u } = unpackLu(packed);
    let x: T;
    if ((options.trans ?? 0) === 0) {
      // a = pᵀ·l·u: x = u⁻¹·l⁻¹·(p·b)
      x = triSolve(u, triSolve(l, mm(p, rhs), true, false), false, false);
    } else {
      // aᵀ = uᵀ·lᵀ·p: x = pᵀ·l⁻ᵀ·u⁻ᵀ·b
      x = mm(mT(p), triSolve(l, triSolve(u, rhs, false, true), true, true));
    }
    return (vector ? reshape(x, b.shape) : x) as never;
  });
}

/**
 * Sign and natural log of the absolute value of the determinant, NumPy's
 * `slogdet`: `[sign, logabsdet]` (`[..., n, n]` → `[...]` each), from an LU
 * factorization in float64, so it neither overflows nor underflows where
 * `det` would. A singular matrix gives sign 0 and logabsdet −∞. Derivative
 * of logabsdet: tr(a⁻¹·da) (through the LU rule); sign has none.
 * @example
 * ```ts
 * const [sign, logabsdet] = fx.linalg.slogdet(fx.tensor([[0, 2], [3, 0]])); // -1, log 6
 * ```
 * @public
 */
export function slogdet<Bt extends Dim[], N extends Dim>(a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>): [Tensor<Bt, 'float32'>, Tensor<Bt, 'float32'>] {
  // Intermediates (e.g. the unused outputs of a primitive) are freed; the result is kept.
  return scope(() => {
    const n = checkSquare('slogdet', 'a', a);
    const [packed, piv] = bind(luPrimitive, [a]) as [T, T];
    const d = diagPart(packed);
    const swaps = ops.cast(ops.notEqual(piv as never, arange(n) as never) as never, 'float32') as T;
    const parity = prod(sub(1, mul(swaps, 2)) as never, -1 as never) as T;
    const sign = mul(prod(ops.sign(d as never) as never, -1 as never) as T, parity);
    return [ops.stopGradient(sign as never) as never, sum(ops.log(abs(d) as never) as T, -1) as never];
  });
}

// ---------------------------------------------------------------------------
// norm
// ---------------------------------------------------------------------------

/** The order of a vector norm (`p`, `±Infinity`) or a matrix norm (`'fro'`, `'nuc'`, `±1`, `±2`, `±Infinity`). @public */
export type NormOrd = number | 'fro' | 'nuc';

/**
 * Vector and matrix norms, NumPy's `linalg.norm(x, ord, axis, keepdims)`.
 * With `axis` a number (or `x` 1-D): the vector norm, ord 2 (default),
 * 1, ±∞ (max/min |x|), 0 (count of non-zeros, no derivative) or any p
 * ((Σ|x|ᵖ)^(1/p)). With `axis` a pair (or `x` 2-D): the matrix norm, `'fro'`
 * (default), `'nuc'` (sum of singular values), 2 / −2 (largest / smallest
 * singular value), 1 / −1 (max / min column sum of |x|), ±∞ (max / min row
 * sum). No axis and no ord on an N-D `x`: the 2-norm of all entries.
 * Derivatives are those of the composition (the 2-norm of a zero vector has
 * none: NaN, as JAX; singular-value norms use the svd rule).
 * @example
 * ```ts
 * fx.linalg.norm(fx.tensor([3, 4])); // 5
 * fx.linalg.norm(fx.tensor([[1, -2], [3, 4]]), 1); // 6
 * ```
 * @public
 */
export function norm(x: Tensor<Shape, 'float32'>, ord?: NormOrd, axis?: number | readonly [number, number], keepDims = false): Tensor<Shape, 'float32'> {
  // Intermediates (e.g. the unused outputs of a primitive) are freed; the result is kept.
  return scope(() => {
    const t = x as T;
    const r = t.rank;
    const normAxis = (ax: number) => {
      if (!Number.isInteger(ax) || ax < -r || ax >= r) throw new ShapeError('norm', `axis ${ax} is out of range for x ${showShape(t.shape)}`);
      return ax < 0 ? ax + r : ax;
    };
    if (axis === undefined) {
      if (ord === undefined) {
        const all = [...Array(r).keys()];
        return ops.sqrt(sum(mul(t, t), all, keepDims) as never) as never;
      }
      if (r === 1) return vectorNorm(t, ord, 0, keepDims) as never;
      if (r === 2) return matrixNorm(t, ord, 0, 1, keepDims) as never;
      throw new ShapeError('norm', `x ${showShape(t.shape)} has ${r} axes: give an axis (a number for a vector norm, a pair for a matrix norm) with ord ${String(ord)}`);
    }
    if (typeof axis === 'number') return vectorNorm(t, ord ?? 2, normAxis(axis), keepDims) as never;
    const [a0, a1] = [normAxis(axis[0]), normAxis(axis[1])];
    if (a0 === a1) throw new ShapeError('norm', `the two axes of a matrix norm must differ, got [${axis.join(', ')}]`);
    return matrixNorm(t, ord ?? 'fro', a0, a1, keepDims) as never;
  });
}

function vectorNorm(x: T, ord: NormOrd, axis: number, keep: boolean): T {
  if (typeof ord !== 'number') throw new ShapeError('norm', `ord ${JSON.stringify(ord)} is a matrix norm: give a pair of axes (or a 2-D x)`);
  if (ord === Infinity) return amax(abs(x), axis, keep);
  if (ord === -Infinity) return amin(abs(x), axis, keep);
  if (ord === 0) return sum(ops.cast(ops.notEqual(x as never, 0 as never) as never, 'float32') as T, axis, keep);
  if (ord === 1) return sum(abs(x), axis, keep);
  if (ord === 2) return ops.sqrt(sum(mul(x, x), axis, keep) as never) as T;
  return ops.pow(sum(ops.pow(abs(x) as never, ord as never) as T, axis, keep) as never, (1 / ord) as never) as T;
}

function matrixNorm(x: T, ord: NormOrd, a0: number, a1: number, keep: boolean): T {
  const r = x.rank;
  // Move the two axes last: [..., rows, cols].
  const rest = [...Array(r).keys()].filter((i) => i !== a0 && i !== a1);
  const m = transpose(x, [...rest, a0, a1]);
  let out: T;
  if (ord === 'fro') out = ops.sqrt(sum(mul(m, m), [-2, -1]) as never) as T;
  else if (ord === 'nuc') out = sum(svdValues(m), -1);
  else if (ord === 2) out = amax(svdValues(m), -1);
  else if (ord === -2) out = amin(svdValues(m), -1);
  else if (ord === 1) out = amax(sum(abs(m), -2), -1);
  else if (ord === -1) out = amin(sum(abs(m), -2), -1);
  else if (ord === Infinity) out = amax(sum(abs(m), -1), -1);
  else if (ord === -Infinity) out = amin(sum(abs(m), -1), -1);
  else throw new ShapeError('norm', `ord ${String(ord)} is not a matrix norm (use 'fro', 'nuc', ±1, ±2 or ±Infinity)`);
  if (!keep) return out;
  const shape = x.shape.map((d: number, i: number) => (i === a0 || i === a1 ? 1 : d));
  return reshape(out, shape);
}

function svdValues(m: T): T {
  return bind(svdPrimitive, [m], { fullMatrices: false, computeUv: false })[0]!;
}

// ---------------------------------------------------------------------------
// matrixPower, multiDot
// ---------------------------------------------------------------------------

/**
 * `a` raised to the integer power `n` (NumPy's `matrix_power`), by repeated
 * squaring: n = 0 gives the identity, n < 0 the power of `inv(a)`.
 * Derivative: that of the products (and of `inv`).
 * @example
 * ```ts
 * fx.linalg.matrixPower(fx.tensor([[1, 1], [0, 1]]), 3); // [[1, 3], [0, 1]]
 * ```
 * @public
 */
export function matrixPower<Bt extends Dim[], N extends Dim>(a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>, n: number): Tensor<[...Bt, N, N], 'float32'> {
  // Intermediates (e.g. the unused outputs of a primitive) are freed; the result is kept.
  return scope(() => {
    const size = checkSquare('matrixPower', 'a', a);
    if (!Number.isInteger(n)) throw new ShapeError('matrixPower', `the exponent must be an integer, got ${n}`);
    if (n === 0) return ops.broadcastTo(eyeOf(size) as never, a.shape as never) as never;
    let base: T = n < 0 ? (ops.inv(a as never) as T) : a;
    let k = Math.abs(n);
    let result: T | null = null;
    while (k > 0) {
      if (k & 1) result = result ? mm(result, base) : base;
      k >>= 1;
      if (k > 0) base = mm(base, base);
    }
    return result as never;
  });
}

/**
 * The product of a chain of matrices in the cheapest order (NumPy's
 * `multi_dot`, by dynamic programming over the shapes). The first argument
 * may be a vector (a row), the last a vector (a column); the result drops
 * those axes.
 * @example
 * ```ts
 * fx.linalg.multiDot([fx.ones([10, 100]), fx.ones([100, 5]), fx.ones([5])]); // [10]: computed as A·(B·c)
 * ```
 * @public
 */
export function multiDot(arrays: readonly Tensor<Shape, 'float32'>[]): Tensor<Shape, 'float32'> {
  // Intermediates (e.g. the unused outputs of a primitive) are freed; the result is kept.
  return scope(() => {
    const xs = arrays as readonly T[];
    if (xs.length < 2) throw new ShapeError('multiDot', `expects at least 2 arrays, got ${xs.length}`);
    const firstVector = xs[0]!.rank === 1;
    const lastVector = xs[xs.length - 1]!.rank === 1;
    const mats = xs.map((x, i) => {
      if (i === 0 && firstVector) return reshape(x, [1, x.shape[0]!]);
      if (i === xs.length - 1 && lastVector) return reshape(x, [x.shape[0]!, 1]);
      if (x.rank !== 2) throw new ShapeError('multiDot', `argument ${i} must be a matrix (the first and last may be vectors), got ${showShape(x.shape)}`);
      return x;
    });
    for (let i = 0; i + 1 < mats.length; i++) {
      if (mats[i]!.shape[1] !== mats[i + 1]!.shape[0]) {
        throw new ShapeError('multiDot', `arguments ${i} ${showShape(xs[i]!.shape)} and ${i + 1} ${showShape(xs[i + 1]!.shape)} do not chain (inner dims ${mats[i]!.shape[1]} and ${mats[i + 1]!.shape[0]} differ)`);
      }
    }
    const dims = [mats[0]!.shape[0]!, ...mats.map((x) => x.shape[1]!)];
    const count = mats.length;
    const cost = Array.from({ length: count }, () => new Array<number>(count).fill(0));
    const split = Array.from({ length: count }, () => new Array<number>(count).fill(0));
    for (let len = 1; len < count; len++) {
      for (let i = 0; i + len < count; i++) {
        const j = i + len;
        cost[i]![j] = Infinity;
        for (let k = i; k < j; k++) {
          const c = cost[i]![k]! + cost[k + 1]![j]! + dims[i]! * dims[k + 1]! * dims[j + 1]!;
          if (c < cost[i]![j]!) {
            cost[i]![j] = c;
            split[i]![j] = k;
          }
        }
      }
    }
    const chain = (i: number, j: number): T => (i === j ? mats[i]! : mm(chain(i, split[i]![j]!), chain(split[i]![j]! + 1, j)));
    const out = chain(0, count - 1);
    const shape = [...(firstVector ? [] : [dims[0]!]), ...(lastVector ? [] : [dims[count]!])];
    return (firstVector || lastVector ? reshape(out, shape) : out) as never;
  });
}

// ---------------------------------------------------------------------------
// pinv, lstsq
// ---------------------------------------------------------------------------

const EPS32 = 2 ** -23;

/** V·diag(s⁺)·Uᵀ with s⁺ = 1/s where s > rtol·max(s), else 0. */
function pinvValue(a: T, rtol: number): T {
  const [u, s, vh] = bind(svdPrimitive, [a], { fullMatrices: false, computeUv: true }) as [T, T, T];
  const keep = greater(s, mul(amax(s, -1, true), rtol));
  const sInv = where(keep, div(1, where(keep, s, 1)), 0);
  return mm(mul(mT(vh), reshape(sInv, [...sInv.shape.slice(0, -1), 1, sInv.shape[sInv.rank - 1]!])), mT(u));
}

const pinvByTolerance = new Map<number, (a: T) => T>();

function pinvWithRule(rtol: number): (a: T) => T {
  let f = pinvByTolerance.get(rtol);
  if (f) return f;
  // Golub & Pereyra (1973), JAX's _pinv_jvp: the derivative of the pseudo-inverse at fixed rank.
  const g: (a: T) => T = customJvp(
    (a: T) => pinvValue(a, rtol),
    ([a], [da]) => {
      const p = g(a);
      const [m, n] = a.shape.slice(-2) as [number, number];
      let dp = mm(mm(mul(p, -1), da), p);
      dp = add(dp, mm(mm(mm(p, mT(p)), mT(da)), sub(eyeOf(m), mm(a, p))));
      dp = add(dp, mm(mm(mm(sub(eyeOf(n), mm(p, a)), mT(da)), mT(p)), p));
      return [p, dp];
    },
  );
  f = g;
  pinvByTolerance.set(rtol, f);
  return f;
}

/** Options of `pinv`. @public */
export interface PinvOptions {
  /** Singular values at or below `rtol · max(s)` count as zero (default JAX's: 10 · max(m, n) · ε₃₂). */
  readonly rtol?: number;
}

/**
 * The Moore–Penrose pseudo-inverse `[..., n, m]` of `a` `[..., m, n]`, from
 * the SVD: singular values at or below `rtol · max(s)` are treated as zero.
 * Derivative: Golub–Pereyra's formula at fixed rank (JAX's custom rule),
 * −p·da·p + p·pᵀ·daᵀ·(I − a·p) + (I − p·a)·daᵀ·pᵀ·p, which needs no singular
 * vectors and so is finite for repeated singular values.
 * @example
 * ```ts
 * fx.linalg.pinv(fx.tensor([[1, 0], [0, 0]])); // [[1, 0], [0, 0]]
 * ```
 * @public
 */
export function pinv<Bt extends Dim[], M extends Dim, N extends Dim>(a: Tensor<[...Bt, M, N], 'float32'>, options: PinvOptions = {}): Tensor<[...Bt, N, M], 'float32'> {
  // Intermediates (e.g. the unused outputs of a primitive) are freed; the result is kept.
  return scope(() => {
    checkMatrix('pinv', a);
    const [m, n] = a.shape.slice(-2) as [number, number];
    return pinvWithRule(options.rtol ?? 10 * Math.max(m, n) * EPS32)(a) as never;
  });
}

/** Options of `lstsq`. @public */
export interface LstsqOptions {
  /** Singular values at or below `rcond · max(s)` count as zero (default JAX's: ε₃₂ · max(m, n)). */
  readonly rcond?: number;
}

/**
 * Least-squares solution of `a · x ≈ b` (NumPy's/JAX's `lstsq`):
 * `[x, residuals, rank, s]`. `a` is `[m, n]`, `b` `[m]` or `[m, k]`.
 * Rank-deficient or under-determined systems give the **minimum-norm**
 * solution, as NumPy: `x = pinv(a) · b` with singular values at or below
 * `rcond · max(s)` dropped. `residuals` is ‖b − a·x‖² per column, always
 * computed (JAX's convention; NumPy returns an empty array when rank < n or
 * m ≤ n). `rank` (int32) and `s` (the singular values) have no derivative.
 * Derivative of `x`: through `pinv`'s rule.
 * @example
 * ```ts
 * const [x] = fx.linalg.lstsq(fx.tensor([[1, 0], [0, 1], [1, 1]]), fx.tensor([1, 1, 3])); // [4/3, 4/3]
 * ```
 * @public
 */
export function lstsq<M extends Dim, N extends Dim, K extends Dim[]>(
  a: Tensor<[M, N], 'float32'>,
  b: Tensor<[NoInfer<M>, ...K], 'float32'>,
  options: LstsqOptions = {},
): [Tensor<[N, ...K], 'float32'>, Tensor<K, 'float32'>, Tensor<[], 'int32'>, Tensor<[MinDim<M, N>], 'float32'>] {
  // Intermediates (e.g. the unused outputs of a primitive) are freed; the result is kept.
  return scope(() => {
    const at = a as T;
    const bt = b as T;
    checkMatrix('lstsq', at);
    if (at.rank !== 2) throw new ShapeError('lstsq', `a must be a matrix [m, n], got ${showShape(at.shape)}`);
    const [m, n] = at.shape as [number, number];
    if ((bt.rank !== 1 && bt.rank !== 2) || bt.shape[0] !== m) {
      throw new ShapeError('lstsq', `b must be [${m}] or [${m}, k] to match a ${showShape(at.shape)}, got ${showShape(bt.shape)}`);
    }
    const rcond = options.rcond ?? EPS32 * Math.max(m, n);
    const x = mm(pinvWithRule(rcond)(at), bt.rank === 1 ? reshape(bt, [m, 1]) : bt);
    const xOut = bt.rank === 1 ? reshape(x, [n]) : x;
    const fit = bt.rank === 1 ? reshape(mm(at, x), [m]) : mm(at, x);
    const resid = sub(bt, fit);
    const residuals = sum(mul(resid, resid), 0);
    const s = ops.stopGradient(svdValues(at) as never) as T;
    const rank = sum(ops.cast(greater(s, mul(amax(s, -1, true), rcond)) as never, 'int32') as T);
    return [xOut as never, residuals as never, rank as never, s as never];
  });
}
