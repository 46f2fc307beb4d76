/**
 * ONNX forms of the matrix decompositions, as `Loop`s over the columns
 * (ONNX's standard opset has no factorization or solve): the same
 * algorithms as the device kernels of lib/primitives/linalgKernels.ts
 * (Gauss-Jordan with partial pivoting, outer-product Cholesky, substitution),
 * written once per equation whatever n, over static batch axes.
 */
import type { Dtype } from '../../typelevel/index.js';
import { castTo, filled, type OnnxBuilder } from './forms.js';

/** A loop carry: its value in the outer graph and its type. */
interface Carry {
  readonly value: string;
  readonly dtype: Dtype;
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
  const rhs = b ?? g.op('Expand', [g.op('EyeLike', [filled(g, [n, n], 'float32')]), g.ints(shapeA)]);
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
  const eye = g.op('Expand', [g.op('EyeLike', [filled(g, [n, n], 'float32')]), g.ints(shapeA)]);
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
  const eye = g.op('Expand', [g.op('EyeLike', [filled(g, [m, m], 'float32')]), g.ints([...batch, m, m])]);
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
