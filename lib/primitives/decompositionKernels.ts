/**
 * Host kernels (float64 JavaScript) of the matrix decompositions `eigh`,
 * `svd`, `qr` and `lu`, over matrices in the last two axes with any leading
 * batch axes. tfjs-core 4.22 has no eigen or singular value decomposition, so
 * these read the float32 values synchronously, work in float64 and write
 * float32 back: the results are the float64 decomposition of the float32
 * input, rounded once. On webgpu (no synchronous readback in Node) they throw
 * a clear error instead.
 *
 * Conventions (documented in docs/linalg.md):
 * - eigh: Jacobi on (A + Aᵀ)/2, rotations in round-robin order; eigenvalues ascending; each
 *   eigenvector's largest-magnitude component is positive (the lower index
 *   wins a tie).
 * - svd: one-sided (Hestenes) Jacobi on A (on Aᵀ when m < n), column pairs in
 *   round-robin order; singular values
 *   descending; each right singular vector's (column of V) largest-magnitude
 *   component is positive, u = A v / σ; left vectors of zero singular values
 *   and the extra columns of full U, V complete an orthonormal basis
 *   (Gram–Schmidt against the unit vectors).
 * - qr: Householder reflections as LAPACK's geqrf/orgqr (R's diagonal may be
 *   negative, as NumPy's).
 * - lu: partial pivoting as LAPACK's getrf.
 *
 * These run inside a primitive's `impl`; they know nothing of tracing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../backend/index.js';
import { batchOf, swapRows, write } from './linalgKernels.js';

const EPS = 2.220446049250313e-16;

/** Reads a tensor on the host; on webgpu, a clear error naming the op. */
function read(op: string, t: tf.Tensor): Float64Array {
  if (tf.getBackend() === 'webgpu') {
    throw new BackendError(`${op} has no webgpu kernel yet (it runs in float64 on the host); use the cpu or wasm backend for ${op}`);
  }
  return Float64Array.from(t.dataSync() as Float32Array);
}

// ---------------------------------------------------------------------------
// eigh: Jacobi rotations, round-robin order
// ---------------------------------------------------------------------------

/**
 * The round-robin schedule of parallel Jacobi on N (even) indices: N − 1
 * rounds, each a set of N/2 disjoint pairs (p < q), every pair once per
 * sweep. Round r as a permutation `[p₀ … p_{h−1}, q₀ … q_{h−1}]`, h = N/2.
 */
export function jacobiRounds(N: number): number[][] {
  const h = N / 2;
  const rounds: number[][] = [];
  for (let r = 0; r < N - 1; r++) {
    const pairs: [number, number][] = [[r, N - 1]];
    for (let i = 1; i < h; i++) pairs.push([(r + i) % (N - 1), (r - i + N - 1) % (N - 1)]);
    const ordered = pairs.map(([a, b]): [number, number] => (a < b ? [a, b] : [b, a]));
    rounds.push([...ordered.map(([p]) => p), ...ordered.map(([, q]) => q)]);
  }
  return rounds;
}

/**
 * One plane rotation of a row-major n×n matrix: x_p ← c·x_p − sn·x_q and
 * x_q ← sn·x_p + c·x_q, where x_j[k] = m[j·jStride + k·kStride] (columns:
 * strides 1, n; rows: n, 1).
 */
function rotatePair(m: Float64Array, n: number, p: number, q: number, c: number, sn: number, jStride: number, kStride: number): void {
  for (let k = 0; k < n; k++) {
    const ip = p * jStride + k * kStride;
    const iq = q * jStride + k * kStride;
    const xp = m[ip]!;
    const xq = m[iq]!;
    m[ip] = c * xp - sn * xq;
    m[iq] = sn * xp + c * xq;
  }
}

/**
 * Eigen-decomposition of one symmetric n×n matrix (row-major `a`, read as
 * (A + Aᵀ)/2). Returns ascending eigenvalues `w` and eigenvectors as the
 * columns of row-major `v`. Each sweep applies the rotations in the
 * round-robin order of parallel Jacobi (`jacobiRounds`: n − 1 rounds of
 * disjoint pairs, n rounded up to even and the padding index skipped); within
 * a round every rotation angle is read first, then all columns are rotated,
 * then all rows. The ONNX form (lib/onnx/linalg.ts) runs the same operations
 * a round at a time, so both give the same bits.
 */
export function jacobiEigh(a: Float64Array, n: number): { w: Float64Array; v: Float64Array } {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let frob = 0;
  for (let i = 0; i < n * n; i++) frob += s[i]! * s[i]!;
  const rounds = jacobiRounds(n + (n % 2));
  const h = (n + (n % 2)) / 2;
  const cs = new Float64Array(h);
  const sns = new Float64Array(h);
  const rotated = new Uint8Array(h);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += s[p * n + q]! * s[p * n + q]!;
    if (off <= EPS * EPS * 1e-4 * frob || off === 0) break;
    for (const perm of rounds) {
      for (let i = 0; i < h; i++) {
        const p = perm[i]!;
        const q = perm[h + i]!;
        const apq = q < n ? s[p * n + q]! : 0;
        rotated[i] = apq !== 0 ? 1 : 0;
        if (!rotated[i]) continue;
        const theta = (s[q * n + q]! - s[p * n + p]!) / (2 * apq);
        const t = Math.abs(theta) > 1e150 ? 0.5 / theta : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        cs[i] = 1 / Math.sqrt(t * t + 1);
        sns[i] = t * cs[i]!;
      }
      // S ← Jᵀ S J with J the round's rotations: every column pair, then every row pair; V ← V J.
      for (let i = 0; i < h; i++) if (rotated[i]) rotatePair(s, n, perm[i]!, perm[h + i]!, cs[i]!, sns[i]!, 1, n);
      for (let i = 0; i < h; i++) {
        if (!rotated[i]) continue;
        const p = perm[i]!;
        const q = perm[h + i]!;
        rotatePair(s, n, p, q, cs[i]!, sns[i]!, n, 1);
        s[p * n + q] = 0;
        s[q * n + p] = 0;
        rotatePair(v, n, p, q, cs[i]!, sns[i]!, 1, n);
      }
    }
  }
  const order = [...Array(n).keys()].sort((i, j) => s[i * n + i]! - s[j * n + j]! || i - j);
  const w = Float64Array.from(order, (i) => s[i * n + i]!);
  const sorted = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) sorted[k * n + dst] = v[k * n + src]!;
  });
  fixColumnSigns(sorted, n, n);
  return { w, v: sorted };
}

/** Flips each column of a row-major rows×cols matrix so that its largest-magnitude entry is positive. */
function fixColumnSigns(m: Float64Array, rows: number, cols: number, flip?: (col: number) => void): void {
  for (let j = 0; j < cols; j++) {
    let best = 0;
    let at = 0;
    for (let i = 0; i < rows; i++) {
      const x = Math.abs(m[i * cols + j]!);
      if (x > best) {
        best = x;
        at = i;
      }
    }
    if (m[at * cols + j]! < 0) {
      for (let i = 0; i < rows; i++) m[i * cols + j] = -m[i * cols + j]!;
      flip?.(j);
    }
  }
}

/** Batched eigh of `a` `[..., n, n]`: `[w [..., n], v [..., n, n]]`. */
export function eighKernel(a: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const n = a.shape[a.rank - 1]!;
  const count = batchOf(a.shape);
  const av = read('eigh', a);
  const w = new Float64Array(count * n);
  const v = new Float64Array(count * n * n);
  for (let m = 0; m < count; m++) {
    const r = jacobiEigh(av.subarray(m * n * n, (m + 1) * n * n), n);
    w.set(r.w, m * n);
    v.set(r.v, m * n * n);
  }
  return [write(w, a.shape.slice(0, -1)), write(v, a.shape)];
}

// ---------------------------------------------------------------------------
// svd: one-sided Jacobi
// ---------------------------------------------------------------------------

/**
 * Orthonormal completion: fills the columns of row-major rows×cols `q` whose
 * `filled[j]` is false with unit vectors orthogonal to every other column
 * (Gram–Schmidt, twice, against the unit vectors e₀, e₁, …).
 */
function completeBasis(q: Float64Array, rows: number, cols: number, filled: boolean[]): void {
  let next = 0;
  for (let j = 0; j < cols; j++) {
    if (filled[j]) continue;
    for (; next < rows; next++) {
      const x = new Float64Array(rows);
      x[next] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let c = 0; c < cols; c++) {
          if (!filled[c]) continue;
          let d = 0;
          for (let i = 0; i < rows; i++) d += q[i * cols + c]! * x[i]!;
          for (let i = 0; i < rows; i++) x[i]! -= d * q[i * cols + c]!;
        }
      }
      let norm = 0;
      for (let i = 0; i < rows; i++) norm += x[i]! * x[i]!;
      norm = Math.sqrt(norm);
      if (norm > 0.5) {
        for (let i = 0; i < rows; i++) q[i * cols + j] = x[i]! / norm;
        filled[j] = true;
        next++;
        break;
      }
    }
  }
}

/**
 * SVD of one row-major m×n matrix with m ≥ n: A = U diag(s) Vᵀ, U m×ucols
 * (ucols = n, or m for full U), V n×n, s descending. Each sweep rotates the
 * column pairs in the round-robin order of `jacobiRounds`, as the ONNX form
 * (lib/onnx/linalg.ts) does a round at a time.
 */
function jacobiSvdTall(a: Float64Array, m: number, n: number, ucols: number): { u: Float64Array; s: Float64Array; v: Float64Array } {
  // Work on columns: col[j] is column j of A (length m).
  const col = Array.from({ length: n }, (_, j) => Float64Array.from({ length: m }, (_, i) => a[i * n + j]!));
  const vc = Array.from({ length: n }, (_, j) => {
    const e = new Float64Array(n);
    e[j] = 1;
    return e;
  });
  const rounds = jacobiRounds(n + (n % 2));
  const h = (n + (n % 2)) / 2;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    // The pairs of a round are disjoint: rotating them one after the other is rotating them all at once (the ONNX form).
    for (const perm of rounds) {
      for (let pair = 0; pair < h; pair++) {
        const p = perm[pair]!;
        const q = perm[h + pair]!;
        if (q >= n) continue;
        const up = col[p]!;
        const uq = col[q]!;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          alpha += up[i]! * up[i]!;
          beta += uq[i]! * uq[i]!;
          gamma += up[i]! * uq[i]!;
        }
        if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.abs(zeta) > 1e150 ? 0.5 / zeta : Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        for (let i = 0; i < m; i++) {
          const x = up[i]!;
          const y = uq[i]!;
          up[i] = c * x - sn * y;
          uq[i] = sn * x + c * y;
        }
        const vp = vc[p]!;
        const vq = vc[q]!;
        for (let i = 0; i < n; i++) {
          const x = vp[i]!;
          const y = vq[i]!;
          vp[i] = c * x - sn * y;
          vq[i] = sn * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = col.map((u) => Math.sqrt(u.reduce((acc, x) => acc + x * x, 0)));
  const order = [...Array(n).keys()].sort((i, j) => norms[j]! - norms[i]! || i - j);
  const s = Float64Array.from(order, (j) => norms[j]!);
  const v = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let i = 0; i < n; i++) v[i * n + dst] = vc[src]![i]!;
  });
  const u = new Float64Array(m * ucols);
  const filled = Array.from({ length: ucols }, () => false);
  const flips = new Set<number>();
  fixColumnSigns(v, n, n, (j) => flips.add(j));
  order.forEach((src, dst) => {
    const sigma = s[dst]!;
    if (!(sigma > 0)) return;
    const sign = flips.has(dst) ? -1 : 1;
    for (let i = 0; i < m; i++) u[i * ucols + dst] = (sign * col[src]![i]!) / sigma;
    filled[dst] = true;
  });
  completeBasis(u, m, ucols, filled);
  return { u, s, v };
}

/**
 * SVD of one row-major m×n matrix: U m×(full ? m : k), s (k = min(m, n))
 * descending, Vᵀ (full ? n : k)×n.
 */
export function jacobiSvd(a: Float64Array, m: number, n: number, full: boolean): { u: Float64Array; s: Float64Array; vt: Float64Array } {
  if (m >= n) {
    const { u, s, v } = jacobiSvdTall(a, m, n, full ? m : n);
    const vt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vt[i * n + j] = v[j * n + i]!;
    return { u, s, vt };
  }
  // A = (Aᵀ)ᵀ = (U' S V'ᵀ)ᵀ = V' S U'ᵀ: U = V', Vᵀ = U'ᵀ.
  const at = new Float64Array(n * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) at[j * m + i] = a[i * n + j]!;
  const r = jacobiSvdTall(at, n, m, full ? n : m);
  const vrows = full ? n : m;
  const vt = new Float64Array(vrows * n);
  for (let i = 0; i < vrows; i++) for (let j = 0; j < n; j++) vt[i * n + j] = r.u[j * vrows + i]!;
  return { u: r.v, s: r.s, vt };
}

/** Batched SVD of `a` `[..., m, n]`: `[u, s, vt]`, or `[s]` without `computeUv`. */
export function svdKernel(a: tf.Tensor, fullMatrices: boolean, computeUv: boolean): tf.Tensor[] {
  const [m, n] = a.shape.slice(-2) as [number, number];
  const k = Math.min(m, n);
  const batch = a.shape.slice(0, -2);
  const count = batchOf(a.shape);
  const av = read('svd', a);
  const ucols = fullMatrices ? m : k;
  const vrows = fullMatrices ? n : k;
  const u = new Float64Array(count * m * ucols);
  const s = new Float64Array(count * k);
  const vt = new Float64Array(count * vrows * n);
  for (let b = 0; b < count; b++) {
    const r = jacobiSvd(av.subarray(b * m * n, (b + 1) * m * n), m, n, fullMatrices);
    u.set(r.u, b * m * ucols);
    s.set(r.s, b * k);
    vt.set(r.vt, b * vrows * n);
  }
  const sv = write(s, [...batch, k]);
  if (!computeUv) return [sv];
  return [write(u, [...batch, m, ucols]), sv, write(vt, [...batch, vrows, n])];
}

// ---------------------------------------------------------------------------
// qr: Householder
// ---------------------------------------------------------------------------

/** QR of one row-major m×n matrix: Q m×qcols (qcols = m or k), R qcols×n. */
export function householderQr(a: Float64Array, m: number, n: number, complete: boolean): { q: Float64Array; r: Float64Array } {
  const k = Math.min(m, n);
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const taus: number[] = [];
  for (let j = 0; j < k; j++) {
    // dlarfg: H = I − τ v vᵀ with v₀ = 1 maps x = R[j:, j] to β e₀, β = −sign(x₀)‖x‖.
    let xnorm = 0;
    for (let i = j + 1; i < m; i++) xnorm += r[i * n + j]! ** 2;
    const alpha = r[j * n + j]!;
    const v = new Float64Array(m - j);
    v[0] = 1;
    if (xnorm === 0) {
      vs.push(v);
      taus.push(0);
      continue;
    }
    const norm = Math.hypot(alpha, Math.sqrt(xnorm));
    const beta = alpha >= 0 ? -norm : norm;
    const tau = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) v[i - j] = r[i * n + j]! * scale;
    vs.push(v);
    taus.push(tau);
    // Apply H to R[j:, j:].
    for (let c = j; c < n; c++) {
      let d = 0;
      for (let i = j; i < m; i++) d += v[i - j]! * r[i * n + c]!;
      d *= tau;
      for (let i = j; i < m; i++) r[i * n + c]! -= d * v[i - j]!;
    }
    for (let i = j + 1; i < m; i++) r[i * n + j] = 0;
  }
  const qcols = complete ? m : k;
  // Q = H₀ H₁ … H_{k−1} applied to the first qcols columns of I (orgqr, backwards).
  const q = new Float64Array(m * qcols);
  for (let i = 0; i < Math.min(m, qcols); i++) q[i * qcols + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const v = vs[j]!;
    const tau = taus[j]!;
    if (tau === 0) continue;
    for (let c = 0; c < qcols; c++) {
      let d = 0;
      for (let i = j; i < m; i++) d += v[i - j]! * q[i * qcols + c]!;
      d *= tau;
      for (let i = j; i < m; i++) q[i * qcols + c]! -= d * v[i - j]!;
    }
  }
  const rOut = new Float64Array(qcols * n);
  for (let i = 0; i < Math.min(qcols, m); i++) for (let c = 0; c < n; c++) rOut[i * n + c] = c >= i ? r[i * n + c]! : 0;
  return { q, r: rOut };
}

/** Batched QR of `a` `[..., m, n]`: `[q, r]`. */
export function qrKernel(a: tf.Tensor, complete: boolean): [tf.Tensor, tf.Tensor] {
  const [m, n] = a.shape.slice(-2) as [number, number];
  const k = Math.min(m, n);
  const batch = a.shape.slice(0, -2);
  const count = batchOf(a.shape);
  const av = read('qr', a);
  const qcols = complete ? m : k;
  const q = new Float64Array(count * m * qcols);
  const r = new Float64Array(count * qcols * n);
  for (let b = 0; b < count; b++) {
    const res = householderQr(av.subarray(b * m * n, (b + 1) * m * n), m, n, complete);
    q.set(res.q, b * m * qcols);
    r.set(res.r, b * qcols * n);
  }
  return [write(q, [...batch, m, qcols]), write(r, [...batch, qcols, n])];
}

// ---------------------------------------------------------------------------
// lu: partial pivoting (getrf)
// ---------------------------------------------------------------------------

/**
 * LU with partial pivoting of one row-major m×n matrix, as LAPACK's getrf:
 * `lu` holds unit-lower L below the diagonal and U on and above it; row j was
 * swapped with row `pivots[j]` at step j; row i of P·A is row `perm[i]` of A.
 * A zero pivot column is skipped (U gets a zero on the diagonal).
 */
export function luFactorRect(a: Float64Array, m: number, n: number): { lu: Float64Array; pivots: Int32Array; perm: Int32Array } {
  const k = Math.min(m, n);
  const lu = Float64Array.from(a);
  const pivots = new Int32Array(k);
  const perm = Int32Array.from({ length: m }, (_, i) => i);
  for (let j = 0; j < k; j++) {
    let p = j;
    let best = Math.abs(lu[j * n + j]!);
    for (let i = j + 1; i < m; i++) {
      const x = Math.abs(lu[i * n + j]!);
      if (x > best) {
        best = x;
        p = i;
      }
    }
    pivots[j] = p;
    if (p !== j) swapRows(lu, perm, n, j, p);
    const pivot = lu[j * n + j]!;
    if (pivot === 0) continue;
    for (let i = j + 1; i < m; i++) {
      const f = (lu[i * n + j]! /= pivot);
      if (f === 0) continue;
      for (let c = j + 1; c < n; c++) lu[i * n + c]! -= f * lu[j * n + c]!;
    }
  }
  return { lu, pivots, perm };
}

/** Batched LU of `a` `[..., m, n]`: `[lu [..., m, n], pivots [..., k] int32, permutation [..., m] int32]`. */
export function luKernel(a: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const [m, n] = a.shape.slice(-2) as [number, number];
  const k = Math.min(m, n);
  const batch = a.shape.slice(0, -2);
  const count = batchOf(a.shape);
  const av = read('lu', a);
  const lu = new Float64Array(count * m * n);
  const pivots = new Int32Array(count * k);
  const perm = new Int32Array(count * m);
  for (let b = 0; b < count; b++) {
    const r = luFactorRect(av.subarray(b * m * n, (b + 1) * m * n), m, n);
    lu.set(r.lu, b * m * n);
    pivots.set(r.pivots, b * k);
    perm.set(r.perm, b * m);
  }
  return [write(lu, a.shape), tf.tensor(pivots, [...batch, k], 'int32'), tf.tensor(perm, [...batch, m], 'int32')];
}

/** The permutation (row i of P·A is row perm[i] of A) of LAPACK row interchanges `pivots` `[..., k]`, for m rows. */
export function pivotsToPermutationKernel(pivots: tf.Tensor, m: number): tf.Tensor {
  const k = pivots.shape[pivots.rank - 1]!;
  const count = pivots.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  if (tf.getBackend() === 'webgpu') throw new BackendError('luSolve has no webgpu kernel yet; use the cpu or wasm backend');
  const pv = pivots.dataSync() as Int32Array;
  const out = new Int32Array(count * m);
  for (let b = 0; b < count; b++) {
    const perm = Int32Array.from({ length: m }, (_, i) => i);
    for (let j = 0; j < k; j++) {
      const p = pv[b * k + j]!;
      if (p < 0 || p >= m) throw new RangeError(`luSolve: pivot ${p} at position ${j} is outside [0, ${m})`);
      const t = perm[j]!;
      perm[j] = perm[p]!;
      perm[p] = t;
    }
    out.set(perm, b * m);
  }
  return tf.tensor(out, [...pivots.shape.slice(0, -1), m], 'int32');
}

// ---------------------------------------------------------------------------
// expm: Padé approximation with scaling and squaring (Higham 2005, as SciPy)
// ---------------------------------------------------------------------------

const PADE: Record<number, number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600, 670442572800, 33522128640, 1323241920,
    40840800, 960960, 16380, 182, 1,
  ],
};
/** Higham's θ_m: the largest ‖A‖₁ for which the [m/m] Padé approximant is accurate to float64 unit roundoff. */
const THETA: [number, number][] = [
  [3, 1.495585217958292e-2],
  [5, 2.539398330063230e-1],
  [7, 9.504178996162932e-1],
  [9, 2.097847961257068],
];
const THETA13 = 5.371920351148152;

function matmul64(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const x = a[i * n + k]!;
      if (x === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j]! += x * b[k * n + j]!;
    }
  }
  return c;
}

function norm1(a: Float64Array, n: number): number {
  let best = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(a[i * n + j]!);
    best = Math.max(best, s);
  }
  return best;
}

/** Σ c_k·M_k + c·I for n×n matrices. */
function combine(n: number, terms: [number, Float64Array][], identity: number): Float64Array {
  const out = new Float64Array(n * n);
  for (const [c, m] of terms) for (let i = 0; i < n * n; i++) out[i]! += c * m[i]!;
  for (let i = 0; i < n; i++) out[i * n + i]! += identity;
  return out;
}

/** Solves P X = Q (n×n) by LU with partial pivoting. */
function solve64(p: Float64Array, q: Float64Array, n: number): Float64Array {
  const { lu, perm } = luFactorRect(p, n, n);
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) x[i * n + c] = q[perm[i]! * n + c]!;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) for (let c = 0; c < n; c++) x[i * n + c]! -= lu[i * n + j]! * x[j * n + c]!;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = i + 1; j < n; j++) for (let c = 0; c < n; c++) x[i * n + c]! -= lu[i * n + j]! * x[j * n + c]!;
    for (let c = 0; c < n; c++) x[i * n + c]! /= lu[i * n + i]!;
  }
  return x;
}

/** exp(A) of one row-major n×n float64 matrix (Higham 2005: Padé 3…13, then squaring). */
export function expm64(a: Float64Array, n: number): Float64Array {
  const nrm = norm1(a, n);
  if (!Number.isFinite(nrm)) return new Float64Array(n * n).fill(NaN);
  let degree = 13;
  let s = 0;
  for (const [m, theta] of THETA) {
    if (nrm <= theta) {
      degree = m;
      break;
    }
  }
  let x = a;
  if (degree === 13) {
    s = Math.max(0, Math.ceil(Math.log2(nrm / THETA13)));
    const scale = 2 ** -s;
    x = a.map((v) => v * scale);
  }
  const b = PADE[degree]!;
  const a2 = matmul64(x, x, n);
  let u: Float64Array;
  let v: Float64Array;
  if (degree === 13) {
    const a4 = matmul64(a2, a2, n);
    const a6 = matmul64(a4, a2, n);
    const inner = combine(n, [[b[13]!, a6], [b[11]!, a4], [b[9]!, a2]], 0);
    u = matmul64(x, combine(n, [[1, matmul64(a6, inner, n)], [b[7]!, a6], [b[5]!, a4], [b[3]!, a2]], b[1]!), n);
    const innerV = combine(n, [[b[12]!, a6], [b[10]!, a4], [b[8]!, a2]], 0);
    v = combine(n, [[1, matmul64(a6, innerV, n)], [b[6]!, a6], [b[4]!, a4], [b[2]!, a2]], b[0]!);
  } else {
    const powers = [a2];
    for (let k = 2; 2 * k <= degree; k++) powers.push(matmul64(powers[powers.length - 1]!, a2, n));
    u = matmul64(x, combine(n, powers.map((p, k) => [b[2 * k + 3]!, p] as [number, Float64Array]), b[1]!), n);
    v = combine(n, powers.map((p, k) => [b[2 * k + 2]!, p] as [number, Float64Array]), b[0]!);
  }
  let r = solve64(combine(n, [[1, v], [-1, u]], 0), combine(n, [[1, v], [1, u]], 0), n);
  for (let k = 0; k < s; k++) r = matmul64(r, r, n);
  return r;
}

/** The Fréchet derivative L(A, E) of exp at A in direction E: the upper-right block of exp([[A, E], [0, A]]). */
export function expmFrechet64(a: Float64Array, e: Float64Array, n: number): Float64Array {
  // L is linear in E: scale E to the size of A so it does not change the scaling of the block matrix.
  const ne = norm1(e, n);
  if (ne === 0) return new Float64Array(n * n);
  const c = Math.max(norm1(a, n), 1) / ne;
  const m = 2 * n;
  const big = new Float64Array(m * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      big[i * m + j] = a[i * n + j]!;
      big[(i + n) * m + j + n] = a[i * n + j]!;
      big[i * m + j + n] = c * e[i * n + j]!;
    }
  }
  const r = expm64(big, m);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = r[i * m + j + n]! / c;
  return out;
}

/** Batched exp(A) (`[..., n, n]`). */
export function expmKernel(a: tf.Tensor): tf.Tensor {
  const n = a.shape[a.rank - 1]!;
  const count = batchOf(a.shape);
  const av = read('expm', a);
  const out = new Float64Array(count * n * n);
  for (let b = 0; b < count; b++) out.set(expm64(av.subarray(b * n * n, (b + 1) * n * n), n), b * n * n);
  return write(out, a.shape);
}

/** Batched Fréchet derivative L(A, E) (`[..., n, n]` each). */
export function expmFrechetKernel(a: tf.Tensor, e: tf.Tensor): tf.Tensor {
  const n = a.shape[a.rank - 1]!;
  const count = batchOf(a.shape);
  const av = read('expm', a);
  const ev = read('expm', e);
  const out = new Float64Array(count * n * n);
  for (let b = 0; b < count; b++) out.set(expmFrechet64(av.subarray(b * n * n, (b + 1) * n * n), ev.subarray(b * n * n, (b + 1) * n * n), n), b * n * n);
  return write(out, a.shape);
}
