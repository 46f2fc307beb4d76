/**
 * ONNX forms of the matrix decompositions, as `Loop`s over the columns
 * (ONNX's standard opset has no factorization or solve): the same
 * algorithms as the device kernels of lib/primitives/linalgKernels.ts
 * (Gauss-Jordan with partial pivoting, outer-product Cholesky, substitution),
 * written once per equation whatever n, over static batch axes.
 */
import type { Dtype } from '../../typelevel/index.js';
import { castTo, filled, type OnnxBuilder } from './forms.js';
import { OnnxDataType } from './proto.js';
import { jacobiRounds } from '../primitives/decompositionKernels.js';

/** A loop carry: its value in the outer graph and its type. */
interface Carry {
  readonly value: string;
  readonly dtype: Dtype | 'int64' | 'float64';
  readonly shape: readonly number[];
}

/** A `Loop` of `n` steps (a number, or an int64 scalar value) over `carries`; `body(b, step, carried)` returns the next carries. Returns the final ones. */
export function loop(g: OnnxBuilder, n: number | string, carries: readonly Carry[], body: (b: OnnxBuilder, step: string, carried: string[]) => string[]): string[] {
  const step = { name: g.fresh(), dtype: 'int64' as const, shape: [] };
  const condIn = { name: g.fresh(), dtype: 'bool' as const, shape: [] };
  const ins = carries.map((c) => ({ name: g.fresh(), dtype: c.dtype, shape: c.shape }));
  const outs = [{ name: g.fresh(), dtype: 'bool' as const, shape: [] }, ...carries.map((c) => ({ name: g.fresh(), dtype: c.dtype, shape: c.shape }))];
  const graph = g.graph([step, condIn, ...ins], outs, (b) => [condIn.name, ...body(b, step.name, ins.map((i) => i.name))]);
  return g.ops('Loop', [typeof n === 'number' ? g.int(n) : n, '', ...carries.map((c) => c.value)], carries.length, { body: graph });
}

/**
 * A `Loop` of at most `maxTrips` steps that runs while `cond` (a bool scalar
 * value) holds; `body` returns the condition for the next step and the next
 * carries. Returns the final carries.
 */
function loopWhile(
  g: OnnxBuilder,
  maxTrips: number,
  cond: string,
  carries: readonly Carry[],
  body: (b: OnnxBuilder, carried: string[]) => { cond: string; next: string[] },
): string[] {
  const step = { name: g.fresh(), dtype: 'int64' as const, shape: [] };
  const condIn = { name: g.fresh(), dtype: 'bool' as const, shape: [] };
  const ins = carries.map((c) => ({ name: g.fresh(), dtype: c.dtype, shape: c.shape }));
  const outs = [{ name: g.fresh(), dtype: 'bool' as const, shape: [] }, ...carries.map((c) => ({ name: g.fresh(), dtype: c.dtype, shape: c.shape }))];
  const graph = g.graph([step, condIn, ...ins], outs, (b) => {
    const r = body(b, ins.map((i) => i.name));
    return [r.cond, ...r.next];
  });
  return g.ops('Loop', [g.int(maxTrips), cond, ...carries.map((c) => c.value)], carries.length, { body: graph });
}

/** The d×d identity repeated over `batch` leading axes: [...batch, d, d], float32 or float64. */
function identity(g: OnnxBuilder, d: number, batch: readonly number[], dtype: 'float32' | 'float64' = 'float32'): string {
  const eye = g.op('EyeLike', [filled(g, [d, d], 'float32')], dtype === 'float64' ? { dtype: { int: OnnxDataType.DOUBLE } } : {});
  return g.op('Expand', [eye, g.ints([...batch, d, d])]);
}

/** Whether any entry of a bool value holds along its last axis ([..., k] → [...] bool). */
const anyAlongLast = (b: OnnxBuilder, flags: string) =>
  b.op('Greater', [b.op('ReduceMax', [b.op('Cast', [flags], castTo('int32'))], { axes: { ints: [-1] }, keepdims: { int: 0 } }), b.scalar(0, 'int32')]);

/** `[0, 1, …, n − 1]` as int64. */
const range = (g: OnnxBuilder, n: number) => g.ints([...Array(n).keys()]);
/** 1 at position j (an int64 scalar value) of n, else 0, as float32 [n]. */
const unit = (b: OnnxBuilder, n: number, j: string) => b.op('Cast', [b.op('Equal', [range(b, n), j])], castTo('float32'));
/** 1 at positions ≥ j of n, else 0, as float32 [n]. */
const fromIndex = (b: OnnxBuilder, n: number, j: string) => b.op('Cast', [b.op('GreaterOrEqual', [range(b, n), j])], castTo('float32'));
/** Row j of [..., n, w] as [..., 1, w]. */
const row = (b: OnnxBuilder, m: string, rank: number, j: string) => b.op('Unsqueeze', [b.op('Gather', [m, j], { axis: { int: rank - 2 } }), b.ints([rank - 2])]);
/** Column j of [..., n, w] as [..., n]. */
const column = (b: OnnxBuilder, m: string, rank: number, j: string) => b.op('Gather', [m, j], { axis: { int: rank - 1 } });
/** Swaps the last two axes. */
export function swapLast(g: OnnxBuilder, x: string, rank: number): string {
  const perm = [...Array(rank).keys()];
  perm.push(perm.splice(-2, 1)[0]!);
  return g.op('Transpose', [x], { perm: { ints: perm } });
}

/** NaN where `failed` ([...B], bool) holds, over x [...B, ...rest]. */
export function nanWhere(g: OnnxBuilder, failed: string, batchRank: number, x: string, xRank: number, outputs?: readonly string[]): string {
  const cond = xRank > batchRank ? g.op('Unsqueeze', [failed, g.ints([...Array(xRank - batchRank).keys()].map((k) => batchRank + k))]) : failed;
  const inputs = [cond, g.scalar(NaN, 'float32'), x];
  if (outputs) {
    g.node('Where', inputs, outputs);
    return outputs[0]!;
  }
  return g.op('Where', inputs);
}

/** X with op(A)·X = B for triangular A (only its triangle read), A [..., n, n], B [..., n, k]. */
export function triangularSolveOnnx(g: OnnxBuilder, a: string, b: string, shapeA: readonly number[], shapeB: readonly number[], lower: boolean, transposeA: boolean): string {
  const rank = shapeA.length;
  const n = shapeA[rank - 1]!;
  const effLower = lower !== transposeA;
  const r = range(g, n);
  const rows = g.op('Unsqueeze', [r, g.ints([1])]);
  const mask = g.op('Cast', [g.op(effLower ? 'GreaterOrEqual' : 'LessOrEqual', [rows, r])], castTo('float32'));
  const t = g.op('Mul', [transposeA ? swapLast(g, a, rank) : a, mask]);
  const [x] = loop(g, n, [{ value: filled(g, shapeB, 'float32'), dtype: 'float32', shape: shapeB }], (s, step, [x]) => {
    const i = effLower ? step : s.op('Sub', [s.int(n - 1), step]);
    const rowI = row(s, t, rank, i); // [..., 1, n]
    const tii = s.op('Gather', [rowI, i], { axis: { int: rank - 1 } }); // [..., 1]
    const xi = s.op('Div', [s.op('Sub', [row(s, b, rank, i), s.op('MatMul', [rowI, x!])]), s.op('Unsqueeze', [tii, s.ints([rank - 1])])]); // [..., 1, k]
    return [s.op('Add', [x!, s.op('Mul', [s.op('Unsqueeze', [unit(s, n, i), s.ints([1])]), xi])])];
  });
  return x!;
}

/**
 * Gauss-Jordan elimination with partial pivoting on [A | B] (B = I when
 * null): X = A⁻¹B and det A, NaN solutions and zero determinant for a zero
 * pivot. A [..., n, n] with n ≥ 1.
 */
export function gaussJordanOnnx(g: OnnxBuilder, a: string, shapeA: readonly number[], b: string | null, k: number): { x: string; det: string } {
  const rank = shapeA.length;
  const n = shapeA[rank - 1]!;
  const batch = shapeA.slice(0, -2);
  const rhs = b ?? identity(g, n, batch);
  const w = n + k;
  const m0 = g.op('Concat', [a, rhs], { axis: { int: rank - 1 } });
  const carries: Carry[] = [
    { value: m0, dtype: 'float32', shape: [...batch, n, w] },
    { value: filled(g, batch, 'float32', 1), dtype: 'float32', shape: batch },
    { value: filled(g, batch, 'bool', 0), dtype: 'bool', shape: batch },
  ];
  const [m, det, singular] = loop(g, n, carries, (s, j, [m, det, singular]) => {
    const f = (v: number) => s.scalar(v, 'float32');
    const below = fromIndex(s, n, j);
    const col = column(s, m!, rank, j); // [..., n]
    // Rows above j are already pivots: rank them below any candidate.
    const candidates = s.op('Sub', [s.op('Mul', [s.op('Abs', [col]), below]), s.op('Sub', [f(1), below])]);
    const p = s.op('ArgMax', [candidates], { axis: { int: -1 }, keepdims: { int: 1 }, select_last_index: { int: 0 } }); // [..., 1]
    const isP = s.op('Equal', [p, range(s, n)]); // [..., n] bool
    const ep = s.op('Cast', [isP], castTo('float32'));
    const ej = unit(s, n, j);
    const isJColumn = s.op('Unsqueeze', [s.op('Equal', [range(s, n), j]), s.ints([1])]); // [n, 1] bool
    const rowJ = row(s, m!, rank, j); // [..., 1, w]
    const rowP = s.op('MatMul', [s.op('Unsqueeze', [ep, s.ints([rank - 2])]), m!]); // [..., 1, w]
    // Swap rows j and p by selection (p = j changes nothing; no additive update, which cancels for large entries).
    const swapped = s.op('Where', [isJColumn, rowP, s.op('Where', [s.op('Unsqueeze', [isP, s.ints([rank - 1])]), rowJ, m!])]);
    const moved = s.op('Sub', [f(1), s.op('ReduceSum', [s.op('Mul', [ep, ej]), s.ints([-1])], { keepdims: { int: 0 } })]); // [...]
    const pivot = s.op('Gather', [s.op('Gather', [swapped, j], { axis: { int: rank - 2 } }), j], { axis: { int: rank - 2 } }); // [...]
    const newDet = s.op('Mul', [s.op('Mul', [det!, s.op('Sub', [f(1), s.op('Mul', [f(2), moved])])]), pivot]);
    const newSingular = s.op('Or', [singular!, s.op('Equal', [pivot, f(0)])]);
    const normalized = s.op('Div', [rowP, s.op('Unsqueeze', [pivot, s.ints([rank - 2, rank - 1])])]);
    const factors = s.op('Mul', [column(s, swapped, rank, j), s.op('Sub', [f(1), ej])]); // [..., n], 0 at row j
    const eliminated = s.op('Sub', [swapped, s.op('Mul', [s.op('Unsqueeze', [factors, s.ints([rank - 1])]), normalized])]);
    return [s.op('Where', [isJColumn, normalized, eliminated]), newDet, newSingular];
  });
  const x = g.op('Slice', [m!, g.ints([n]), g.ints([w]), g.ints([rank - 1])]);
  return { x: nanWhere(g, singular!, batch.length, x, rank), det: g.op('Where', [singular!, g.scalar(0, 'float32'), det!]) };
}

/** Outer-product Cholesky of (A + Aᵀ)/2 with a flag per matrix for a non-positive pivot. A [..., n, n], n ≥ 1. */
export function choleskyPartsOnnx(g: OnnxBuilder, a: string, shapeA: readonly number[]): { l: string; failed: string } {
  const rank = shapeA.length;
  const n = shapeA[rank - 1]!;
  const batch = shapeA.slice(0, -2);
  const carries: Carry[] = [
    { value: g.op('Mul', [g.scalar(0.5, 'float32'), g.op('Add', [a, swapLast(g, a, rank)])]), dtype: 'float32', shape: shapeA },
    { value: filled(g, shapeA, 'float32'), dtype: 'float32', shape: shapeA },
    { value: filled(g, batch, 'bool', 0), dtype: 'bool', shape: batch },
  ];
  const [, l, failed] = loop(g, n, carries, (s, j, [rest, l, failed]) => {
    const pivot = s.op('Gather', [s.op('Gather', [rest!, j], { axis: { int: rank - 2 } }), j], { axis: { int: rank - 2 } }); // [...]
    const d = s.op('Unsqueeze', [s.op('Sqrt', [pivot]), s.ints([rank - 2])]); // [..., 1]
    const col = s.op('Div', [s.op('Mul', [column(s, rest!, rank, j), fromIndex(s, n, j)]), d]); // [..., n]; rows < j are 0
    const colColumn = s.op('Unsqueeze', [col, s.ints([rank - 1])]); // [..., n, 1]
    const outer = s.op('Mul', [colColumn, s.op('Unsqueeze', [col, s.ints([rank - 2])])]);
    const bad = s.op('Or', [failed!, s.op('Not', [s.op('Greater', [pivot, s.scalar(0, 'float32')])])]);
    return [s.op('Sub', [rest!, outer]), s.op('Add', [l!, s.op('Mul', [colColumn, unit(s, n, j)])]), bad];
  });
  return { l: l!, failed: failed! };
}

/**
 * exp(A) for A [..., n, n] (n ≥ 1) by scaling and squaring with the [7/7]
 * Padé approximant (Higham 2005, single precision: θ₇ = 3.9257): A is
 * scaled by 2⁻ˢ with s = ⌈log₂(‖A‖₁/θ₇)⌉ (the largest over the batch; 0 for
 * a non-finite norm, at most 64), R = (V − U)⁻¹(V + U) by Gauss-Jordan, then
 * s squarings in a `Loop` whose trip count is s.
 */
export function expmOnnx(g: OnnxBuilder, a: string, shapeA: readonly number[]): string {
  const rank = shapeA.length;
  const n = shapeA[rank - 1]!;
  const f = (v: number) => g.scalar(v, 'float32');
  const theta = 3.925724783138660;
  const columnSums = g.op('ReduceSum', [g.op('Abs', [a]), g.ints([rank - 2])], { keepdims: { int: 0 } });
  const norm = g.op('ReduceMax', [columnSums], { keepdims: { int: 0 } }); // the largest 1-norm of the batch
  const raw = g.op('Ceil', [g.op('Div', [g.op('Log', [g.op('Div', [norm, f(theta)])]), f(Math.LN2)])]);
  const finite = g.op('Not', [g.op('Or', [g.op('IsNaN', [norm]), g.op('IsInf', [norm])])]);
  const sFloat = g.op('Where', [finite, g.op('Clip', [raw, f(0), f(64)]), f(0)]);
  const scaled = g.op('Mul', [a, g.op('Pow', [f(2), g.op('Neg', [sFloat])])]);
  const eye = identity(g, n, shapeA.slice(0, -2));
  const mm = (x: string, y: string) => g.op('MatMul', [x, y]);
  const a2 = mm(scaled, scaled);
  const a4 = mm(a2, a2);
  const a6 = mm(a4, a2);
  // The [7/7] Padé coefficients divided by b₀ = 17297280 (the ratio (V + U)/(V − U) is unchanged; entries stay near 1).
  const b = [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1].map((c) => c / 17297280);
  const sum = (terms: [number, string][]) => terms.map(([c, m]) => g.op('Mul', [f(c), m])).reduce((x, y) => g.op('Add', [x, y]));
  const u = mm(scaled, sum([[b[7]!, a6], [b[5]!, a4], [b[3]!, a2], [b[1]!, eye]]));
  const v = sum([[b[6]!, a6], [b[4]!, a4], [b[2]!, a2], [b[0]!, eye]]);
  const r = gaussJordanOnnx(g, g.op('Sub', [v, u]), shapeA, g.op('Add', [v, u]), n).x;
  const steps = g.op('Cast', [sFloat], castTo('int64'));
  const [squared] = loop(g, steps, [{ value: r, dtype: 'float32', shape: shapeA }], (q, _step, [x]) => [q.op('MatMul', [x!, x!])]);
  return squared!;
}

/**
 * QR by Householder reflections as LAPACK's geqrf (the host kernel's
 * convention: H = I − τvvᵀ, v₀ = 1, β = −sign(α)‖x‖, τ = 0 for a column
 * already zero below the diagonal), as a `Loop` over the k = min(m, n)
 * columns that also accumulates Q = H₀H₁…; returns Q [..., m, qcols] and
 * R [..., qcols, n] (qcols = m when complete, else k).
 */
export function qrOnnx(g: OnnxBuilder, a: string, shapeA: readonly number[], complete: boolean): { q: string; r: string } {
  const rank = shapeA.length;
  const [m, n] = shapeA.slice(-2) as [number, number];
  const batch = shapeA.slice(0, -2);
  const k = Math.min(m, n);
  const qcols = complete ? m : k;
  const eye = identity(g, m, batch);
  const carries: Carry[] = [
    { value: a, dtype: 'float32', shape: shapeA },
    { value: eye, dtype: 'float32', shape: [...batch, m, m] },
  ];
  const [r, q] = loop(g, k, carries, (s, j, [r, q]) => {
    const f = (v: number) => s.scalar(v, 'float32');
    const x = column(s, r!, rank, j); // [..., m]
    const strictlyBelow = s.op('Cast', [s.op('Greater', [range(s, m), j])], castTo('float32'));
    const tail = s.op('Mul', [x, strictlyBelow]);
    const xnorm2 = s.op('ReduceSum', [s.op('Mul', [tail, tail]), s.ints([-1])], { keepdims: { int: 1 } }); // [..., 1]
    const alpha = s.op('Gather', [x, j], { axis: { int: rank - 2 } }); // [...]
    const alpha1 = s.op('Unsqueeze', [alpha, s.ints([rank - 2])]); // [..., 1]
    const norm = s.op('Sqrt', [s.op('Add', [s.op('Mul', [alpha1, alpha1]), xnorm2])]);
    const beta = s.op('Where', [s.op('GreaterOrEqual', [alpha1, f(0)]), s.op('Neg', [norm]), norm]);
    const zero = s.op('Equal', [xnorm2, f(0)]);
    const tau = s.op('Where', [zero, f(0), s.op('Div', [s.op('Sub', [beta, alpha1]), beta])]); // [..., 1]
    const scaledTail = s.op('Where', [zero, f(0), s.op('Div', [tail, s.op('Sub', [alpha1, beta])])]);
    const v = s.op('Add', [unit(s, m, j), scaledTail]); // [..., m], zero above j
    const vRow = s.op('Unsqueeze', [v, s.ints([rank - 2])]); // [..., 1, m]
    const vColumn = s.op('Unsqueeze', [v, s.ints([rank - 1])]); // [..., m, 1]
    const tau2 = s.op('Unsqueeze', [tau, s.ints([rank - 1])]); // [..., 1, 1]
    const applied = s.op('Sub', [r!, s.op('Mul', [tau2, s.op('MatMul', [vColumn, s.op('MatMul', [vRow, r!])])])]);
    // Exact zeros below the diagonal of column j (as the host kernel writes them).
    const belowInColumn = s.op('And', [s.op('Unsqueeze', [s.op('Greater', [range(s, m), j]), s.ints([1])]), s.op('Equal', [range(s, n), j])]); // [m, n]
    const rNext = s.op('Where', [belowInColumn, f(0), applied]);
    const qNext = s.op('Sub', [q!, s.op('Mul', [tau2, s.op('MatMul', [s.op('MatMul', [q!, vColumn]), vRow])])]);
    return [rNext, qNext];
  });
  const qOut = g.op('Slice', [q!, g.ints([0]), g.ints([qcols]), g.ints([rank - 1])]);
  const rows = g.op('Unsqueeze', [range(g, qcols), g.ints([1])]);
  const upper = g.op('LessOrEqual', [rows, range(g, n)]); // [qcols, n]
  const rTop = qcols <= m ? g.op('Slice', [r!, g.ints([0]), g.ints([qcols]), g.ints([rank - 2])]) : r!;
  return { q: qOut, r: g.op('Where', [upper, rTop, g.scalar(0, 'float32')]) };
}

/**
 * LU with partial pivoting as the host kernel (LAPACK's getrf: the first
 * row of largest |entry| at or below the diagonal, no elimination under a
 * zero pivot), as a `Loop` over the k = min(m, n) columns: the packed LU
 * [..., m, n], the int32 pivots [..., k] and the permutation [..., m].
 */
export function luOnnx(g: OnnxBuilder, a: string, shapeA: readonly number[]): { lu: string; pivots: string; perm: string } {
  const rank = shapeA.length;
  const [m, n] = shapeA.slice(-2) as [number, number];
  const batch = shapeA.slice(0, -2);
  const k = Math.min(m, n);
  const rowsOf = (b: OnnxBuilder) => b.op('Cast', [range(b, m)], castTo('int32'));
  const carries: Carry[] = [
    { value: a, dtype: 'float32', shape: shapeA },
    { value: filled(g, [...batch, k], 'int32'), dtype: 'int32', shape: [...batch, k] },
    { value: g.op('Expand', [rowsOf(g), g.ints([...batch, m])]), dtype: 'int32', shape: [...batch, m] },
  ];
  const [lu, pivots, perm] = loop(g, k, carries, (s, j, [lu, pivots, perm]) => {
    const f = (v: number) => s.scalar(v, 'float32');
    const rows = range(s, m);
    const col = column(s, lu!, rank, j); // [..., m]
    const candidates = s.op('Where', [s.op('GreaterOrEqual', [rows, j]), s.op('Abs', [col]), f(-1)]);
    const p = s.op('ArgMax', [candidates], { axis: { int: -1 }, keepdims: { int: 1 }, select_last_index: { int: 0 } }); // [..., 1] int64
    const isP = s.op('Equal', [rows, p]); // [..., m]
    const isJ = s.op('Equal', [rows, j]); // [m]
    const isJColumn = s.op('Unsqueeze', [isJ, s.ints([1])]);
    const rowJ = row(s, lu!, rank, j);
    const rowP = s.op('MatMul', [s.op('Unsqueeze', [s.op('Cast', [isP], castTo('float32')), s.ints([rank - 2])]), lu!]);
    const swapped = s.op('Where', [isJColumn, rowP, s.op('Where', [s.op('Unsqueeze', [isP, s.ints([rank - 1])]), rowJ, lu!])]);
    const pAt = s.op('GatherElements', [perm!, s.op('Cast', [p], castTo('int32'))], { axis: { int: rank - 2 } });
    const jAt = s.op('Unsqueeze', [s.op('Gather', [perm!, j], { axis: { int: rank - 2 } }), s.ints([rank - 2])]);
    const permNext = s.op('Where', [isJ, pAt, s.op('Where', [isP, jAt, perm!])]);
    const pivotsNext = s.op('Where', [s.op('Equal', [range(s, k), j]), s.op('Cast', [p], castTo('int32')), pivots!]);
    const pivotRow = row(s, swapped, rank, j); // [..., 1, n]
    const pivot = s.op('Gather', [s.op('Gather', [swapped, j], { axis: { int: rank - 2 } }), j], { axis: { int: rank - 2 } }); // [...]
    const eliminate = s.op('Not', [s.op('Equal', [pivot, f(0)])]); // [...]
    const below = s.op('And', [s.op('Greater', [rows, j]), s.op('Unsqueeze', [eliminate, s.ints([rank - 2])])]); // [..., m]
    const factors = s.op('Where', [below, s.op('Div', [column(s, swapped, rank, j), s.op('Unsqueeze', [pivot, s.ints([rank - 2])])]), f(0)]); // [..., m]
    const right = s.op('Cast', [s.op('Greater', [range(s, n), j])], castTo('float32')); // [n]: columns after j
    const updated = s.op('Sub', [swapped, s.op('Mul', [s.op('Unsqueeze', [factors, s.ints([rank - 1])]), s.op('Mul', [pivotRow, right])])]);
    const inColumn = s.op('And', [s.op('Unsqueeze', [below, s.ints([rank - 1])]), s.op('Equal', [range(s, n), j])]); // [..., m, n]
    return [s.op('Where', [inColumn, s.op('Unsqueeze', [factors, s.ints([rank - 1])]), updated]), pivotsNext, permNext];
  });
  return { lu: lu!, pivots: pivots!, perm: perm! };
}

/** A float64 scalar constant. */
const f64 = (g: OnnxBuilder, v: number) =>
  g.op('ConstantOfShape', [g.ints([])], { value: { tensor: { dims: [1], dataType: OnnxDataType.DOUBLE, raw: new Uint8Array(Float64Array.of(v).buffer) } } });
/** An int64 constant of a static shape from row-major values. */
const intMatrix = (g: OnnxBuilder, values: readonly number[], shape: readonly number[]) => g.op('Reshape', [g.ints(values), g.ints(shape)]);

/** Whether any entry of a bool value holds, as a bool scalar. */
const anyOf = (b: OnnxBuilder, flags: string) =>
  anyAlongLast(b, b.op('Reshape', [flags, b.ints([-1])]));

/** Entries `from` to `to` of an axis. */
const sliceAxis = (b: OnnxBuilder, x: string, from: number, to: number, axis: number) => b.op('Slice', [x, b.ints([from]), b.ints([to]), b.ints([axis])]);

/**
 * The Jacobi rotation (c, s) that zeroes a pair, from θ = num / (2·den), as
 * the host kernels compute it: t = sign(θ)/(|θ| + √(θ² + 1)) (0.5/θ beyond
 * 1e150), c = 1/√(t² + 1), s = t·c.
 */
function jacobiRotation(b: OnnxBuilder, num: string, den: string): { c: string; sn: string } {
  const theta = b.op('Div', [num, b.op('Mul', [f64(b, 2), den])]);
  const absTheta = b.op('Abs', [theta]);
  const sign = b.op('Where', [b.op('Less', [theta, f64(b, 0)]), f64(b, -1), f64(b, 1)]);
  const t = b.op('Where', [
    b.op('Greater', [absTheta, f64(b, 1e150)]),
    b.op('Div', [f64(b, 0.5), theta]),
    b.op('Div', [sign, b.op('Add', [absTheta, b.op('Sqrt', [b.op('Add', [b.op('Mul', [theta, theta]), f64(b, 1)])])])]),
  ]);
  const c = b.op('Div', [f64(b, 1), b.op('Sqrt', [b.op('Add', [b.op('Mul', [t, t]), f64(b, 1)])])]);
  return { c, sn: b.op('Mul', [t, c]) };
}

/**
 * The pairs of one round rotated along `axis` of x (in pair order: the first
 * h entries are the p's, the next h the q's): p ← c·p − s·q, q ← s·p + c·q,
 * unchanged where `keep`.
 */
function rotatePairs(b: OnnxBuilder, x: string, axis: number, h: number, c: string, sn: string, keep: string): string {
  const p = sliceAxis(b, x, 0, h, axis);
  const q = sliceAxis(b, x, h, 2 * h, axis);
  const p2 = b.op('Where', [keep, p, b.op('Sub', [b.op('Mul', [c, p]), b.op('Mul', [sn, q])])]);
  const q2 = b.op('Where', [keep, q, b.op('Add', [b.op('Mul', [sn, p]), b.op('Mul', [c, q])])]);
  return b.op('Concat', [p2, q2], { axis: { int: axis } });
}

/**
 * Eigenvalues (ascending) and eigenvectors (columns) of (A + Aᵀ)/2, A
 * [..., n, n] float32 (n ≥ 1), in the host kernel's convention
 * (decompositionKernels.ts) and with its operations: Jacobi rotations in
 * float64, a round of N/2 disjoint pairs at a time (N = n rounded up to
 * even; the padding index is never rotated), the same rotation formula and
 * the same per-matrix stopping rule (off-diagonal mass ≤ ε²·10⁻⁴·‖A‖², at
 * most 100 sweeps), eigenvalues sorted ascending (the lower index first on
 * ties), each eigenvector's largest-magnitude component made positive, then
 * rounded to float32 once. Only the sums of the stopping test are added in
 * another order. A NaN or infinite entry propagates as on the host.
 */
export function eighOnnx(g: OnnxBuilder, a: string, shapeA: readonly number[]): { w: string; v: string } {
  const rank = shapeA.length;
  const n = shapeA[rank - 1]!;
  const batch = shapeA.slice(0, -2);
  const N = n + (n % 2);
  const h = N / 2;
  const [rowAxis, colAxis] = [rank - 2, rank - 1];
  const a64 = g.op('Cast', [a], castTo('float64'));
  const sym = g.op('Mul', [f64(g, 0.5), g.op('Add', [a64, swapLast(g, a64, rank)])]);
  const s0 = N === n ? sym : g.op('Pad', [sym, g.ints([...batch.map(() => 0), 0, 0, ...batch.map(() => 0), 1, 1])]);
  const v0 = identity(g, N, batch, 'float64');
  const rounds = jacobiRounds(N);
  const perms = intMatrix(g, rounds.flat(), [N - 1, N]);
  const inverses = intMatrix(g, rounds.flatMap((perm) => perm.map((_, k) => perm.indexOf(k))), [N - 1, N]);
  const upper = g.op('Cast', [intMatrix(g, [...Array(N * N).keys()].map((k) => (k % N > Math.floor(k / N) ? 1 : 0)), [N, N])], castTo('bool'));
  // Entries picked by index, never by multiplying with a 0/1 mask: 0·∞ is NaN.
  const flat = (b: OnnxBuilder, x: string) => b.op('Reshape', [x, b.ints([...batch, N * N])]);
  const diagonalIndices = g.ints([...Array(N).keys()].map((i) => i * (N + 1)));
  const pairIndices = g.ints([...Array(h).keys()].map((i) => i * N + h + i));
  // Positions (i, h + i) and (h + i, i) of a permuted matrix: the rotated pairs' off-diagonal entries, set to 0.
  const pairEntries = g.op('Cast', [intMatrix(g, [...Array(N * N).keys()].map((k) => (Math.abs((k % N) - Math.floor(k / N)) === h ? 1 : 0)), [N, N])], castTo('bool'));
  const offOf = (b: OnnxBuilder, s: string) => b.op('ReduceSum', [b.op('Where', [upper, b.op('Mul', [s, s]), f64(b, 0)]), b.ints([rowAxis, colAxis])], { keepdims: { int: 0 } });
  const frob = g.op('ReduceSum', [g.op('Mul', [s0, s0]), g.ints([rowAxis, colAxis])], { keepdims: { int: 0 } });
  const tol = g.op('Mul', [frob, f64(g, 2.220446049250313e-16 ** 2 * 1e-4)]);
  // The host's test before each sweep: stop once off ≤ tol or off = 0 (a NaN off-diagonal keeps going).
  const going = (b: OnnxBuilder, s: string) => {
    const off = offOf(b, s);
    return b.op('Not', [b.op('Or', [b.op('LessOrEqual', [off, tol]), b.op('Equal', [off, f64(b, 0)])])]);
  };
  const active0 = going(g, s0);
  const [sEnd, vEnd] = loopWhile(
    g,
    100,
    anyOf(g, active0),
    [
      { value: s0, dtype: 'float64', shape: [...batch, N, N] },
      { value: v0, dtype: 'float64', shape: [...batch, N, N] },
      { value: active0, dtype: 'bool', shape: batch },
    ],
    (sw, [s, v, active]) => {
      const idle = sw.op('Not', [active!]);
      const [s1, v1] = loop(
        sw,
        N - 1,
        [
          { value: s!, dtype: 'float64', shape: [...batch, N, N] },
          { value: v!, dtype: 'float64', shape: [...batch, N, N] },
        ],
        (b, r, [s, v]) => {
          const perm = b.op('Gather', [perms, r], { axis: { int: 0 } });
          const inverse = b.op('Gather', [inverses, r], { axis: { int: 0 } });
          const sp = b.op('Gather', [b.op('Gather', [s!, perm], { axis: { int: rowAxis } }), perm], { axis: { int: colAxis } });
          const diag = b.op('Gather', [flat(b, sp), diagonalIndices], { axis: { int: rank - 2 } }); // [..., N]
          const app = sliceAxis(b, diag, 0, h, rank - 2);
          const aqq = sliceAxis(b, diag, h, N, rank - 2);
          const apq = b.op('Gather', [flat(b, sp), pairIndices], { axis: { int: rank - 2 } }); // [..., h]
          const { c, sn } = jacobiRotation(b, b.op('Sub', [aqq, app]), apq);
          // A pair with apq = 0, or any pair of a matrix that has converged, is left as it is (as the host skips it).
          const keep = b.op('Or', [b.op('Equal', [apq, f64(b, 0)]), b.op('Unsqueeze', [idle, b.ints([rank - 2])])]); // [..., h]
          const asColumn = (x: string) => b.op('Unsqueeze', [x, b.ints([rowAxis])]); // [..., 1, h]
          const asRow = (x: string) => b.op('Unsqueeze', [x, b.ints([colAxis])]); // [..., h, 1]
          // S ← Jᵀ S J: columns first, then rows, as the host; then the pairs' entries are exactly 0.
          const cols = rotatePairs(b, sp, colAxis, h, asColumn(c), asColumn(sn), asColumn(keep));
          const rows = rotatePairs(b, cols, rowAxis, h, asRow(c), asRow(sn), asRow(keep));
          const zeroed = b.op('Where', [b.op('And', [pairEntries, b.op('Not', [b.op('Concat', [asRow(keep), asRow(keep)], { axis: { int: rowAxis } })])]), f64(b, 0), rows]);
          const sNext = b.op('Gather', [b.op('Gather', [zeroed, inverse], { axis: { int: rowAxis } }), inverse], { axis: { int: colAxis } });
          const vp = b.op('Gather', [v!, perm], { axis: { int: colAxis } });
          const vNext = b.op('Gather', [rotatePairs(b, vp, colAxis, h, asColumn(c), asColumn(sn), asColumn(keep)), inverse], { axis: { int: colAxis } });
          return [sNext, vNext];
        },
      );
      const stillGoing = sw.op('And', [active!, going(sw, s1!)]);
      return { cond: anyOf(sw, stillGoing), next: [s1!, v1!, stillGoing] };
    },
  );
  const diag = g.op('Gather', [flat(g, sEnd!), diagonalIndices], { axis: { int: rank - 2 } });
  const w64 = N === n ? diag : sliceAxis(g, diag, 0, n, rank - 2);
  const vN = N === n ? vEnd! : sliceAxis(g, sliceAxis(g, vEnd!, 0, n, rowAxis), 0, n, colAxis);
  const [sorted, order] = g.ops('TopK', [w64, g.ints([n])], 2, { axis: { int: -1 }, largest: { int: 0 }, sorted: { int: 1 } });
  const columns = g.op('GatherElements', [vN, g.op('Expand', [g.op('Unsqueeze', [order!, g.ints([rowAxis])]), g.ints([...batch, n, n])])], { axis: { int: colAxis } });
  // Each column's largest-magnitude entry (the first on ties) made positive.
  const at = g.op('ArgMax', [g.op('Abs', [columns])], { axis: { int: rowAxis }, keepdims: { int: 1 }, select_last_index: { int: 0 } });
  const lead = g.op('GatherElements', [columns, at], { axis: { int: rowAxis } });
  const signs = g.op('Where', [g.op('Less', [lead, f64(g, 0)]), f64(g, -1), f64(g, 1)]);
  return { w: g.op('Cast', [sorted!], castTo('float32')), v: g.op('Cast', [g.op('Mul', [columns, signs])], castTo('float32')) };
}

/**
 * One-sided (Hestenes) Jacobi of float64 A [...B, m, n] with m ≥ n ≥ 1, in
 * the host kernel's convention (`jacobiSvdTall`, decompositionKernels.ts):
 * column pairs rotated a round-robin round at a time (n rounded up to even,
 * a zero padding column never rotated) until a sweep rotates nothing (per
 * matrix, at most 100 sweeps); σ = the column norms, descending (the lower
 * index first on ties); each column of V made to have a positive
 * largest-magnitude entry and the same flips applied to U = A·V/σ; columns
 * of U with σ = 0 (or NaN), and the extra `ucols − n` of a full U, completed
 * from the unit vectors e₀, e₁, … by Gram–Schmidt (twice; the first
 * candidate whose remainder has norm > ½). Returns float64 U [..., m,
 * ucols], σ [..., n] and V [..., n, n] (no U for `ucols` null).
 */
function svdTallOnnx(g: OnnxBuilder, a: string, batch: readonly number[], m: number, n: number, ucols: number | null): { u: string; s: string; v: string } {
  const rank = batch.length + 2;
  const [rowAxis, colAxis] = [rank - 2, rank - 1];
  const N = n + (n % 2);
  const h = N / 2;
  const a0 = N === n ? a : g.op('Pad', [a, g.ints([...batch.map(() => 0), 0, 0, ...batch.map(() => 0), 0, 1])]);
  const v0 = identity(g, N, batch, 'float64');
  const rounds = jacobiRounds(N);
  const perms = intMatrix(g, rounds.flat(), [N - 1, N]);
  const inverses = intMatrix(g, rounds.flatMap((perm) => perm.map((_, k) => perm.indexOf(k))), [N - 1, N]);
  const columnSums = (b: OnnxBuilder, x: string) => b.op('ReduceSum', [x, b.ints([rowAxis])], { keepdims: { int: 0 } });
  const allTrue = filled(g, batch, 'bool', 1);
  const [aEnd, vEnd] = loopWhile(
    g,
    100,
    anyOf(g, allTrue),
    [
      { value: a0, dtype: 'float64', shape: [...batch, m, N] },
      { value: v0, dtype: 'float64', shape: [...batch, N, N] },
      { value: allTrue, dtype: 'bool', shape: batch },
    ],
    (sw, [a, v, active]) => {
      const idle = sw.op('Unsqueeze', [sw.op('Not', [active!]), sw.ints([rank - 2])]); // [..., 1]
      const [a1, v1, rotatedAny] = loop(
        sw,
        N - 1,
        [
          { value: a!, dtype: 'float64', shape: [...batch, m, N] },
          { value: v!, dtype: 'float64', shape: [...batch, N, N] },
          { value: filled(sw, batch, 'bool', 0), dtype: 'bool', shape: batch },
        ],
        (b, r, [a, v, rotated]) => {
          const perm = b.op('Gather', [perms, r], { axis: { int: 0 } });
          const inverse = b.op('Gather', [inverses, r], { axis: { int: 0 } });
          const ap = b.op('Gather', [a!, perm], { axis: { int: colAxis } });
          const p = sliceAxis(b, ap, 0, h, colAxis);
          const q = sliceAxis(b, ap, h, N, colAxis);
          const alpha = columnSums(b, b.op('Mul', [p, p])); // [..., h]
          const beta = columnSums(b, b.op('Mul', [q, q]));
          const gamma = columnSums(b, b.op('Mul', [p, q]));
          const negligible = b.op('LessOrEqual', [b.op('Abs', [gamma]), b.op('Mul', [f64(b, 2.220446049250313e-16), b.op('Sqrt', [b.op('Mul', [alpha, beta])])])]);
          const skip = b.op('Or', [b.op('Or', [b.op('Equal', [gamma, f64(b, 0)]), negligible]), idle]); // [..., h]
          const { c, sn } = jacobiRotation(b, b.op('Sub', [beta, alpha]), gamma);
          const asColumn = (x: string) => b.op('Unsqueeze', [x, b.ints([rowAxis])]); // [..., 1, h]
          const aNext = b.op('Gather', [rotatePairs(b, ap, colAxis, h, asColumn(c), asColumn(sn), asColumn(skip)), inverse], { axis: { int: colAxis } });
          const vp = b.op('Gather', [v!, perm], { axis: { int: colAxis } });
          const vNext = b.op('Gather', [rotatePairs(b, vp, colAxis, h, asColumn(c), asColumn(sn), asColumn(skip)), inverse], { axis: { int: colAxis } });
          return [aNext, vNext, b.op('Or', [rotated!, anyAlongLast(b, b.op('Not', [skip]))])];
        },
      );
      const stillGoing = sw.op('And', [active!, rotatedAny!]);
      return { cond: anyOf(sw, stillGoing), next: [a1!, v1!, stillGoing] };
    },
  );
  const aN = N === n ? aEnd! : sliceAxis(g, aEnd!, 0, n, colAxis);
  const vN = N === n ? vEnd! : sliceAxis(g, sliceAxis(g, vEnd!, 0, n, rowAxis), 0, n, colAxis);
  const norms = g.op('Sqrt', [columnSums(g, g.op('Mul', [aN, aN]))]); // [..., n]
  const [s, order] = g.ops('TopK', [norms, g.ints([n])], 2, { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } });
  const byOrder = (x: string, rows: number) => g.op('GatherElements', [x, g.op('Expand', [g.op('Unsqueeze', [order!, g.ints([rowAxis])]), g.ints([...batch, rows, n])])], { axis: { int: colAxis } });
  const vSorted = byOrder(vN, n);
  const at = g.op('ArgMax', [g.op('Abs', [vSorted])], { axis: { int: rowAxis }, keepdims: { int: 1 }, select_last_index: { int: 0 } });
  const lead = g.op('GatherElements', [vSorted, at], { axis: { int: rowAxis } });
  const signs = g.op('Where', [g.op('Less', [lead, f64(g, 0)]), f64(g, -1), f64(g, 1)]); // [..., 1, n]
  const v = g.op('Mul', [vSorted, signs]);
  if (ucols === null) return { u: '', s: s!, v };
  const positive = g.op('Greater', [s!, f64(g, 0)]); // [..., n]; false for 0 and NaN
  const scaled = g.op('Div', [g.op('Mul', [byOrder(aN, m), signs]), g.op('Unsqueeze', [s!, g.ints([rowAxis])])]);
  const uFirst = g.op('Where', [g.op('Unsqueeze', [positive, g.ints([rowAxis])]), scaled, f64(g, 0)]);
  const extra = ucols - n;
  const u0 = extra > 0 ? g.op('Concat', [uFirst, g.op('Cast', [filled(g, [...batch, m, extra], 'float32')], castTo('float64'))], { axis: { int: colAxis } }) : uFirst;
  const filled0 = extra > 0 ? g.op('Concat', [positive, filled(g, [...batch, extra], 'bool', 0)], { axis: { int: rank - 2 } }) : positive;
  const u = completeColumnsOnnx(g, u0, filled0, batch, m, ucols);
  return { u, s: s!, v };
}

/**
 * Fills the columns of float64 U [...B, m, cols] whose `filled` [...B, cols]
 * is false, in order, with unit vectors orthogonal to every filled column:
 * the first eₜ (t from the last one taken + 1) whose remainder after two
 * Gram–Schmidt passes has norm > ½, normalized (the host's `completeBasis`).
 */
function completeColumnsOnnx(g: OnnxBuilder, u: string, filledCols: string, batch: readonly number[], m: number, cols: number): string {
  const rank = batch.length + 2;
  const [rowAxis, colAxis] = [rank - 2, rank - 1];
  const eyeM = identity(g, m, batch, 'float64');
  const [uEnd] = loop(
    g,
    cols,
    [
      { value: u, dtype: 'float64', shape: [...batch, m, cols] },
      { value: filledCols, dtype: 'bool', shape: [...batch, cols] },
      { value: g.op('Cast', [filled(g, batch, 'int32')], castTo('int64')), dtype: 'int64', shape: batch },
    ],
    (b, j, [u, isFilled, next]) => {
      const q = b.op('Mul', [u!, b.op('Unsqueeze', [b.op('Cast', [isFilled!], castTo('float64')), b.ints([rowAxis])])]);
      const qt = swapLast(b, q, rank);
      const once = (x: string) => b.op('Sub', [x, b.op('MatMul', [q, b.op('MatMul', [qt, x])])]);
      const x = once(once(eyeM)); // [..., m, m]: the remainders of e₀ … e_{m−1}
      const norms = b.op('Sqrt', [b.op('ReduceSum', [b.op('Mul', [x, x]), b.ints([rowAxis])], { keepdims: { int: 0 } })]); // [..., m]
      const ok = b.op('And', [b.op('Greater', [norms, f64(b, 0.5)]), b.op('GreaterOrEqual', [range(b, m), b.op('Unsqueeze', [next!, b.ints([rank - 2])])])]);
      const t = b.op('ArgMax', [b.op('Cast', [ok], castTo('int32'))], { axis: { int: -1 }, keepdims: { int: 1 }, select_last_index: { int: 0 } }); // [..., 1]
      const found = anyAlongLast(b, ok);
      const column = b.op('Div', [
        b.op('GatherElements', [x, b.op('Expand', [b.op('Unsqueeze', [t, b.ints([rowAxis])]), b.ints([...batch, m, 1])])], { axis: { int: colAxis } }),
        b.op('Unsqueeze', [b.op('GatherElements', [norms, t], { axis: { int: rank - 2 } }), b.ints([rowAxis])]),
      ]); // [..., m, 1]
      const jFilled = b.op('Gather', [isFilled!, j], { axis: { int: rank - 2 } }); // [...]
      const write = b.op('And', [b.op('Not', [jFilled]), found]); // [...]
      const isJ = b.op('Equal', [range(b, cols), j]); // [cols]
      const target = b.op('And', [b.op('Unsqueeze', [write, b.ints([rank - 2])]), isJ]); // [..., cols]
      return [
        b.op('Where', [b.op('Unsqueeze', [target, b.ints([rowAxis])]), column, u!]),
        b.op('Or', [isFilled!, target]),
        b.op('Where', [write, b.op('Add', [b.op('Squeeze', [t, b.ints([rank - 2])]), b.int(1)]), next!]),
      ];
    },
  );
  return uEnd!;
}

/**
 * SVD of A [..., m, n] float32 in the host kernel's convention (`jacobiSvd`):
 * one-sided Jacobi in float64 on A, on Aᵀ when m < n (then U and V trade
 * places); U [..., m, full ? m : k], σ [..., k] descending, Vᵀ [..., full ? n
 * : k, n], k = min(m, n), rounded to float32 once. An empty A (k = 0) has
 * the identity as its full factors.
 */
export function svdOnnx(g: OnnxBuilder, a: string, shapeA: readonly number[], full: boolean, computeUv: boolean): { u: string; s: string; vt: string } {
  const rank = shapeA.length;
  const batch = shapeA.slice(0, -2);
  const [m, n] = shapeA.slice(-2) as [number, number];
  const k = Math.min(m, n);
  const f32 = (x: string) => (x ? g.op('Cast', [x], castTo('float32')) : '');
  if (k === 0) {
    return { u: full ? identity(g, m, batch) : filled(g, [...batch, m, 0], 'float32'), s: filled(g, [...batch, 0], 'float32'), vt: full ? identity(g, n, batch) : filled(g, [...batch, 0, n], 'float32') };
  }
  const a64 = g.op('Cast', [a], castTo('float64'));
  if (m >= n) {
    const r = svdTallOnnx(g, a64, batch, m, n, computeUv ? (full ? m : n) : null);
    return { u: f32(r.u), s: f32(r.s), vt: computeUv ? f32(swapLast(g, r.v, rank)) : '' };
  }
  const r = svdTallOnnx(g, swapLast(g, a64, rank), batch, n, m, computeUv ? (full ? n : m) : null);
  return { u: computeUv ? f32(r.v) : '', s: f32(r.s), vt: computeUv ? f32(swapLast(g, r.u, rank)) : '' };
}
