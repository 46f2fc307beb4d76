/**
 * Numerical kernels of the linear-algebra primitives (solve, triangularSolve,
 * cholesky, inv, det, logdet). tfjs-core 4.22 has none, so fluxion brings two
 * implementations of each, over matrices in the last two axes with any
 * leading batch axes:
 *
 * - host: read the values synchronously, compute in float64 JavaScript
 *   (LU with partial pivoting, Cholesky, substitution), write float32 back.
 *   Used on cpu and wasm, where a synchronous read is a cheap copy.
 * - device: a loop over the matrix size of tfjs ops (O(n) kernel launches,
 *   float32 arithmetic; Gauss-Jordan with partial pivoting, outer-product
 *   Cholesky, row-by-row substitution). Used on webgpu, which in Node has no
 *   synchronous readback at all (`dataSync` needs `OffscreenCanvas`), and in a
 *   browser would stall the GPU on every read.
 *
 * Conventions shared by both, so every backend agrees:
 * - a singular matrix (a zero pivot) gives non-finite solutions and inverses
 *   (Inf/NaN) and a determinant of exactly 0; no error is thrown (the device
 *   path cannot look at values without a readback).
 * - a matrix that is not positive definite gives a Cholesky factor (and
 *   logdet) made entirely of NaN.
 * - triangular solves read only the selected triangle (diagonal included).
 *
 * These functions work on TensorFlow.js tensors and run inside a primitive's
 * `impl` (itself inside `tf.tidy`); they know nothing of tracing.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Whether the kernels run as tfjs ops on the device (webgpu) rather than on the host. */
export function useDeviceKernels(): boolean {
  return tf.getBackend() === 'webgpu';
}

// ---------------------------------------------------------------------------
// Host kernels (float64)
// ---------------------------------------------------------------------------

/** Batch count and matrix size of a `[...B, n, m]` shape. */
export function batchOf(shape: readonly number[]): number {
  return shape.slice(0, -2).reduce((p, d) => p * d, 1);
}

function read(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync() as Float32Array);
}

export function write(values: Float64Array, shape: readonly number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(values), shape as number[], 'float32');
}

interface LU {
  /** Row-major n×n: unit-lower L below the diagonal, U on and above it. */
  readonly lu: Float64Array;
  /** Row i of the factored matrix is row perm[i] of the input. */
  readonly perm: Int32Array;
  /** Determinant of the permutation (±1). */
  readonly sign: number;
}

/** LU factorization with partial pivoting of one n×n matrix at `offset`. A zero pivot column is left as is (LAPACK getrf). */
/** Swaps rows `j` and `p` of the row-major `rows × n` matrix `lu`, and entries `j` and `p` of `perm` (partial pivoting). */
export function swapRows(lu: Float64Array, perm: Int32Array, n: number, j: number, p: number): void {
  for (let c = 0; c < n; c++) {
    const t = lu[j * n + c]!;
    lu[j * n + c] = lu[p * n + c]!;
    lu[p * n + c] = t;
  }
  const t = perm[j]!;
  perm[j] = perm[p]!;
  perm[p] = t;
}

function luFactor(a: Float64Array, offset: number, n: number): LU {
  const lu = a.slice(offset, offset + n * n);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  for (let j = 0; j < n; j++) {
    let p = j;
    let best = Math.abs(lu[j * n + j]!);
    for (let i = j + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + j]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== j) {
      swapRows(lu, perm, n, j, p);
      sign = -sign;
    }
    const pivot = lu[j * n + j]!;
    if (pivot === 0) continue;
    for (let i = j + 1; i < n; i++) {
      const f = (lu[i * n + j]! /= pivot);
      if (f === 0) continue;
      for (let c = j + 1; c < n; c++) lu[i * n + c]! -= f * lu[j * n + c]!;
    }
  }
  return { lu, perm, sign };
}

/** Solves (P⁻¹LU) X = B for one n×k right-hand side at `offset` of `b`, into `out`. */
function luSolveInto({ lu, perm }: LU, b: Float64Array, offset: number, n: number, k: number, out: Float64Array): void {
  const x = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) x[i * k + c] = b[offset + perm[i]! * k + c]!;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const l = lu[i * n + j]!;
      if (l !== 0) for (let c = 0; c < k; c++) x[i * k + c]! -= l * x[j * k + c]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let j = i + 1; j < n; j++) {
      const u = lu[i * n + j]!;
      if (u !== 0) for (let c = 0; c < k; c++) x[i * k + c]! -= u * x[j * k + c]!;
    }
    const d = lu[i * n + i]!;
    for (let c = 0; c < k; c++) x[i * k + c]! /= d;
  }
  out.set(x, offset);
}

/** A X = B on the host; `b` null means B = I (the inverse). */
function hostSolve(a: tf.Tensor, b: tf.Tensor | null): tf.Tensor {
  const n = a.shape[a.rank - 1]!;
  const count = batchOf(a.shape);
  const av = read(a);
  const k = b ? b.shape[b.rank - 1]! : n;
  const bv = b ? read(b) : identities(count, n);
  const out = new Float64Array(count * n * k);
  for (let m = 0; m < count; m++) luSolveInto(luFactor(av, m * n * n, n), bv, m * n * k, n, k, out);
  return write(out, b ? b.shape : a.shape);
}

function identities(count: number, n: number): Float64Array {
  const v = new Float64Array(count * n * n);
  for (let m = 0; m < count; m++) for (let i = 0; i < n; i++) v[m * n * n + i * n + i] = 1;
  return v;
}

function hostDet(a: tf.Tensor): tf.Tensor {
  const n = a.shape[a.rank - 1]!;
  const count = batchOf(a.shape);
  const av = read(a);
  const out = new Float64Array(count);
  for (let m = 0; m < count; m++) {
    const { lu, sign } = luFactor(av, m * n * n, n);
    let d = sign;
    for (let i = 0; i < n; i++) d *= lu[i * n + i]!;
    // A zero pivot makes the product exactly 0; keep it 0 rather than −0.
    out[m] = d === 0 ? 0 : d;
  }
  return write(out, a.shape.slice(0, -2));
}

/** Lower Cholesky factors of (A + Aᵀ)/2, in float64; a non-positive pivot makes that factor all NaN. */
function hostCholeskyValues(a: tf.Tensor): Float64Array {
  const n = a.shape[a.rank - 1]!;
  const count = batchOf(a.shape);
  const av = read(a);
  const out = new Float64Array(count * n * n);
  for (let m = 0; m < count; m++) {
    const o = m * n * n;
    const sym = (i: number, j: number) => 0.5 * (av[o + i * n + j]! + av[o + j * n + i]!);
    for (let j = 0; j < n; j++) {
      let s = sym(j, j);
      for (let p = 0; p < j; p++) s -= out[o + j * n + p]! ** 2;
      if (!(s > 0)) {
        out.fill(NaN, o, o + n * n);
        break;
      }
      const d = Math.sqrt(s);
      out[o + j * n + j] = d;
      for (let i = j + 1; i < n; i++) {
        let v = sym(i, j);
        for (let p = 0; p < j; p++) v -= out[o + i * n + p]! * out[o + j * n + p]!;
        out[o + i * n + j] = v / d;
      }
    }
  }
  return out;
}

function hostTriangularSolve(a: tf.Tensor, b: tf.Tensor, lower: boolean, transposeA: boolean): tf.Tensor {
  const n = a.shape[a.rank - 1]!;
  const k = b.shape[b.rank - 1]!;
  const count = batchOf(a.shape);
  const av = read(a);
  const bv = read(b);
  const out = new Float64Array(bv.length);
  // op(A) is lower triangular when exactly one of (upper, transposed) holds.
  const effLower = lower !== transposeA;
  for (let m = 0; m < count; m++) {
    const oa = m * n * n;
    const ob = m * n * k;
    const t = (i: number, j: number) => (transposeA ? av[oa + j * n + i]! : av[oa + i * n + j]!);
    for (let step = 0; step < n; step++) {
      const i = effLower ? step : n - 1 - step;
      const d = t(i, i);
      for (let c = 0; c < k; c++) {
        let s = bv[ob + i * k + c]!;
        if (effLower) for (let j = 0; j < i; j++) s -= t(i, j) * out[ob + j * k + c]!;
        else for (let j = i + 1; j < n; j++) s -= t(i, j) * out[ob + j * k + c]!;
        out[ob + i * k + c] = s / d;
      }
    }
  }
  return write(out, b.shape);
}

// ---------------------------------------------------------------------------
// Device kernels (tfjs ops, float32)
// ---------------------------------------------------------------------------

/** [n] float32 with a 1 at `j`. */
function unit(n: number, j: number): tf.Tensor {
  const v = new Float32Array(n);
  v[j] = 1;
  return tf.tensor1d(v);
}

/** [n] float32: 1 where index >= j. */
function fromIndex(n: number, j: number): tf.Tensor {
  return tf.tensor1d(Float32Array.from({ length: n }, (_, i) => (i >= j ? 1 : 0)));
}

/** Column j of [..., n, w] as [..., n]. */
function column(m: tf.Tensor, j: number): tf.Tensor {
  const begin = m.shape.map(() => 0);
  const size = m.shape.slice();
  begin[m.rank - 1] = j;
  size[m.rank - 1] = 1;
  return tf.squeeze(tf.slice(m, begin, size), [m.rank - 1]);
}

/** Row i of [..., n, w] as [..., 1, w]. */
function row(m: tf.Tensor, i: number): tf.Tensor {
  const begin = m.shape.map(() => 0);
  const size = m.shape.slice();
  begin[m.rank - 2] = i;
  size[m.rank - 2] = 1;
  return tf.slice(m, begin, size);
}

/** Swaps the last two axes. */
function swapLast(x: tf.Tensor): tf.Tensor {
  const perm = [...Array(x.rank).keys()];
  perm.push(perm.splice(-2, 1)[0]!);
  return tf.transpose(x, perm);
}

/**
 * Gauss-Jordan elimination with partial pivoting on [A | B]: returns
 * X = A⁻¹B (B = I when null) and det A, over leading batch axes.
 */
function deviceGaussJordan(a: tf.Tensor, b: tf.Tensor | null): { x: tf.Tensor; det: tf.Tensor } {
  const n = a.shape[a.rank - 1]!;
  const batch = a.shape.slice(0, -2);
  const rhs = b ?? tf.broadcastTo(tf.eye(n), a.shape);
  let m = tf.concat([a, rhs], -1);
  let det = tf.ones(batch);
  let singular = tf.zeros(batch, 'bool');
  for (let j = 0; j < n; j++) {
    const next = tf.tidy(() => {
      const below = fromIndex(n, j);
      const col = column(m, j);
      // Rows above j are already pivots: rank them below any candidate.
      const candidates = tf.sub(tf.mul(tf.abs(col), below), tf.sub(1, below));
      // One-hot of the pivot row by comparison (tf.oneHot's output misbehaves in later webgpu kernels);
      // the reshape fixes tfjs-webgpu's argMax of a vector, which has shape [1] instead of [].
      const p = tf.reshape(tf.argMax(candidates, -1), [...batch, 1]);
      const ep = tf.cast(tf.equal(p, tf.range(0, n, 1, 'int32')), 'float32'); // [..., n]
      const ej = unit(n, j);
      const rowJ = row(m, j); // [..., 1, w]
      const rowP = tf.matMul(tf.expandDims(ep, -2), m); // [..., 1, w]
      const diff = tf.sub(rowP, rowJ);
      // Swap rows j and p (p = j changes nothing).
      const swapped = tf.add(m, tf.sub(tf.mul(tf.reshape(ej, [n, 1]), diff), tf.mul(tf.expandDims(ep, -1), diff)));
      const moved = tf.sub(1, tf.sum(tf.mul(ep, ej), -1)); // 1 where p ≠ j
      const pivot = tf.squeeze(column(row(swapped, j), j), [-1]); // [...]
      const newDet = tf.mul(tf.mul(det, tf.sub(1, tf.mul(2, moved))), pivot);
      const newSingular = tf.logicalOr(singular, tf.equal(pivot, 0));
      const normalized = tf.div(rowP, tf.reshape(pivot, [...batch, 1, 1]));
      const factors = tf.mul(column(swapped, j), tf.sub(1, ej)); // [..., n], 0 at row j
      const eliminated = tf.sub(swapped, tf.mul(tf.expandDims(factors, -1), normalized));
      const result = tf.add(eliminated, tf.mul(tf.reshape(ej, [n, 1]), tf.sub(normalized, rowP)));
      return [result, newDet, newSingular];
    });
    tf.dispose([m, det, singular]);
    [m, det, singular] = next as [tf.Tensor, tf.Tensor, tf.Tensor];
  }
  const begin = m.shape.map(() => 0);
  begin[m.rank - 1] = n;
  const size = m.shape.slice();
  size[m.rank - 1] = rhs.shape[rhs.rank - 1]!;
  // A zero pivot: say so explicitly (NaN solution, zero determinant) instead of trusting x/0 on the GPU.
  return { x: nanWhere(singular, tf.slice(m, begin, size)), det: tf.where(singular, tf.zerosLike(det), det) };
}

/**
 * Outer-product Cholesky of (A + Aᵀ)/2, with a flag per matrix for a
 * non-positive pivot. The flag is tracked explicitly rather than by letting
 * NaN propagate: WGSL lets GPU compilers assume finite math, so 0·NaN may
 * come out as 0 on webgpu.
 */
function deviceCholeskyParts(a: tf.Tensor): { l: tf.Tensor; failed: tf.Tensor } {
  const n = a.shape[a.rank - 1]!;
  let rest = tf.mul(0.5, tf.add(a, swapLast(a)));
  let l = tf.zerosLike(a);
  let failed = tf.zeros(a.shape.slice(0, -2), 'bool');
  for (let j = 0; j < n; j++) {
    const next = tf.tidy(() => {
      const pivot = column(row(rest, j), j); // [..., 1]
      const d = tf.sqrt(pivot);
      const col = tf.div(tf.mul(column(rest, j), fromIndex(n, j)), d); // [..., n]; rows < j are 0
      const outer = tf.mul(tf.expandDims(col, -1), tf.expandDims(col, -2));
      const bad = tf.logicalOr(failed, tf.logicalNot(tf.greater(tf.squeeze(pivot, [-1]), 0)));
      return [tf.add(l, tf.mul(tf.expandDims(col, -1), unit(n, j))), tf.sub(rest, outer), bad];
    });
    tf.dispose([l, rest, failed]);
    [l, rest, failed] = next as [tf.Tensor, tf.Tensor, tf.Tensor];
  }
  return { l, failed };
}

/** Replaces the matrices (or values) flagged in `failed` ([...B]) of `x` ([...B, ...]) by NaN. */
function nanWhere(failed: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const cond = tf.reshape(failed, [...failed.shape, ...x.shape.slice(failed.rank).map(() => 1)]);
  return tf.where(tf.broadcastTo(cond, x.shape), tf.fill(x.shape, NaN), x);
}

/** Cholesky on the device; a non-positive pivot makes that factor all NaN, as on the host. */
function deviceCholesky(a: tf.Tensor): tf.Tensor {
  const { l, failed } = deviceCholeskyParts(a);
  return nanWhere(failed, l);
}

function deviceTriangularSolve(a: tf.Tensor, b: tf.Tensor, lower: boolean, transposeA: boolean): tf.Tensor {
  const n = a.shape[a.rank - 1]!;
  const effLower = lower !== transposeA;
  const mask = effLower ? tf.linalg.bandPart(tf.ones([n, n]), -1, 0) : tf.linalg.bandPart(tf.ones([n, n]), 0, -1);
  const t = tf.mul(transposeA ? swapLast(a) : a, mask);
  let x = tf.zerosLike(b);
  for (let step = 0; step < n; step++) {
    const i = effLower ? step : n - 1 - step;
    const next = tf.tidy(() => {
      const rowI = row(t, i); // [..., 1, n]
      const tii = column(rowI, i); // [..., 1]
      const xi = tf.div(tf.sub(row(b, i), tf.matMul(rowI, x)), tf.expandDims(tii, -1)); // [..., 1, k]
      return tf.add(x, tf.mul(tf.reshape(unit(n, i), [n, 1]), xi));
    });
    x.dispose();
    x = next;
  }
  return x;
}

// ---------------------------------------------------------------------------
// Entry points: pick the host or the device kernel
// ---------------------------------------------------------------------------

/** X with A X = B (A [..., n, n], B [..., n, k]). */
export function solveKernel(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return useDeviceKernels() ? deviceGaussJordan(a, b).x : hostSolve(a, b);
}

/** A⁻¹ (A [..., n, n]). */
export function invKernel(a: tf.Tensor): tf.Tensor {
  return useDeviceKernels() ? deviceGaussJordan(a, null).x : hostSolve(a, null);
}

/** det A (A [..., n, n] → [...]). */
export function detKernel(a: tf.Tensor): tf.Tensor {
  return useDeviceKernels() ? deviceGaussJordan(a, null).det : hostDet(a);
}

/** Lower L with L Lᵀ = (A + Aᵀ)/2. */
export function choleskyKernel(a: tf.Tensor): tf.Tensor {
  return useDeviceKernels() ? deviceCholesky(a) : write(hostCholeskyValues(a), a.shape);
}

/** log det of (A + Aᵀ)/2 for SPD A, as 2·Σ log Lᵢᵢ (NaN when not positive definite). */
export function logdetKernel(a: tf.Tensor): tf.Tensor {
  const n = a.shape[a.rank - 1]!;
  if (useDeviceKernels()) {
    const { l, failed } = deviceCholeskyParts(a);
    const diag = tf.sum(tf.mul(l, tf.eye(n)), -1);
    return nanWhere(failed, tf.mul(2, tf.sum(tf.log(diag), -1)));
  }
  const l = hostCholeskyValues(a);
  const count = batchOf(a.shape);
  const out = new Float64Array(count);
  for (let m = 0; m < count; m++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.log(l[m * n * n + i * n + i]!);
    out[m] = 2 * s;
  }
  return write(out, a.shape.slice(0, -2));
}

/** X with op(A) X = B, A triangular (only that triangle is read), op(A) = A or Aᵀ. */
export function triangularSolveKernel(a: tf.Tensor, b: tf.Tensor, lower: boolean, transposeA: boolean): tf.Tensor {
  return useDeviceKernels() ? deviceTriangularSolve(a, b, lower, transposeA) : hostTriangularSolve(a, b, lower, transposeA);
}

/** The device kernels by name, for tests that compare them with the host kernels on any backend. @internal */
export const deviceKernels = {
  solve: (a: tf.Tensor, b: tf.Tensor) => deviceGaussJordan(a, b).x,
  inv: (a: tf.Tensor) => deviceGaussJordan(a, null).x,
  det: (a: tf.Tensor) => deviceGaussJordan(a, null).det,
  cholesky: deviceCholesky,
  triangularSolve: deviceTriangularSolve,
};

/** The host kernels by name (see `deviceKernels`). @internal */
export const hostKernels = {
  solve: (a: tf.Tensor, b: tf.Tensor) => hostSolve(a, b),
  inv: (a: tf.Tensor) => hostSolve(a, null),
  det: hostDet,
  cholesky: (a: tf.Tensor) => write(hostCholeskyValues(a), a.shape),
  triangularSolve: hostTriangularSolve,
};
