/**
 * The scalar-op algebra: the small language in which a primitive file
 * declares its compiled form. An elementwise primitive is one expression over
 * its operands' scalars; a reduction is an initial value and a combining
 * expression. `lib/compile/` translates these ops — never a primitive's name —
 * into a generated JS loop, a wasm SIMD kernel or a WGSL kernel, so a new
 * elementwise primitive is one new file that lowers on every emitter.
 *
 * Semantics every emitter keeps (docs/conventions.md, "Compiled kernels"):
 *
 * | op | dtypes | meaning |
 * | --- | --- | --- |
 * | `add` `sub` `mul` `neg` `abs` | float32, int32 | IEEE float64 math on float32 values, rounded to float32 where a primitive's result is read; int32 wraps modulo 2³² |
 * | `div` `sqrt` `floor` | float32 | IEEE |
 * | `min` `max` | float32, int32 | NaN if either operand is NaN; −0 < +0 (`Math.min`/`Math.max`) |
 * | `exp` `expm1` `log` `log1p` `sin` `cos` `tan` `tanh` `erf` `atan` | float32 | within 2 float32 ulp (lib/compile/fastmath.ts's table) |
 * | `pow` | float32 | C's pow: 1 for a base of 1 (any exponent) and for (−1)^±∞ |
 * | `lt` `le` `gt` `ge` `eq` `ne` | any (same on both sides) → bool | IEEE: NaN compares unequal to everything |
 * | `and` `or` `not` | bool | logic |
 * | `select(c, a, b)` | c bool | `c ? a : b` |
 * | `cast(x, to)` | any → any | float→int32 truncates toward 0 and saturates (NaN → 0); →bool is x ≠ 0; bool→number is 0/1 |
 * | `round32` | float32 | rounds a float64 intermediate to float32 (`Math.fround`); inserted by the compiler where one primitive's result feeds another, as a float32 kernel stores it |
 *
 * Expressions are immutable DAGs: a node used twice is computed once by
 * every emitter (shared by object identity).
 *
 * @example
 * ```ts
 * // softplus(x) = max(x, 0) + log1p(e^−|x|)
 * const lowering = elementwise(([x]) => sc.add(sc.max(x!, sc.lit(0)), sc.log1p(sc.exp(sc.neg(sc.abs(x!))))));
 * ```
 */
import type { Dtype } from '../../typelevel/index.js';

/** The ops of the algebra (see the table above). */
export type ScalarOp =
  | 'arg'
  | 'lit'
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'neg'
  | 'abs'
  | 'min'
  | 'max'
  | 'floor'
  | 'sqrt'
  | 'exp'
  | 'expm1'
  | 'log'
  | 'log1p'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'tanh'
  | 'erf'
  | 'atan'
  | 'pow'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'eq'
  | 'ne'
  | 'and'
  | 'or'
  | 'not'
  | 'select'
  | 'cast'
  | 'round32';

/** One node of a scalar expression: an operand (`arg`), a literal (`lit`) or an op over earlier nodes. */
export interface Scalar {
  readonly op: ScalarOp;
  readonly dtype: Dtype;
  readonly args: readonly Scalar[];
  /** `lit`: the value (a float32 literal keeps its float64 value; see `sc.lit`). */
  readonly value?: number;
  /** `arg`: which operand of the equation. */
  readonly index?: number;
}

/** Ops defined on float32 only. */
export const FLOAT_OPS: ReadonlySet<ScalarOp> = new Set(['div', 'sqrt', 'floor', 'exp', 'expm1', 'log', 'log1p', 'sin', 'cos', 'tan', 'tanh', 'erf', 'atan', 'pow']);
/** Ops computed by a polynomial or library call rather than a few instructions (a lone one is worth a generated loop). */
export const TRANSCENDENTAL_OPS: ReadonlySet<ScalarOp> = new Set(['exp', 'expm1', 'log', 'log1p', 'sin', 'cos', 'tan', 'tanh', 'erf', 'atan', 'pow']);

class AlgebraError extends Error {
  override readonly name = 'AlgebraError';
}

function node(op: ScalarOp, dtype: Dtype, args: readonly Scalar[]): Scalar {
  return { op, dtype, args };
}

function numeric(op: ScalarOp, args: readonly Scalar[]): Scalar {
  const dtype = args[0]!.dtype;
  if (!args.every((a) => a.dtype === dtype)) throw new AlgebraError(`${op}: operands of different dtypes (${args.map((a) => a.dtype).join(', ')})`);
  if (dtype === 'bool' || (dtype === 'int32' && FLOAT_OPS.has(op))) throw new AlgebraError(`${op} is not defined on ${dtype}`);
  return node(op, dtype, args);
}

function compare(op: ScalarOp, a: Scalar, b: Scalar): Scalar {
  if (a.dtype !== b.dtype) throw new AlgebraError(`${op}: operands of different dtypes (${a.dtype}, ${b.dtype})`);
  return node(op, 'bool', [a, b]);
}

function logic(op: ScalarOp, args: readonly Scalar[]): Scalar {
  if (!args.every((a) => a.dtype === 'bool')) throw new AlgebraError(`${op} takes bool operands`);
  return node(op, 'bool', args);
}

/** Builders of scalar expressions (each checks its operands' dtypes). */
export const sc = {
  /** The `index`-th operand of the equation, of dtype `dtype`. */
  arg: (index: number, dtype: Dtype): Scalar => ({ op: 'arg', dtype, args: [], index }),
  /**
   * A literal. A float32 literal keeps its float64 value (π, ln 2 in an
   * expression computed in float64); round a user's bound with
   * `Math.fround` first where a float32 kernel would.
   */
  lit: (value: number, dtype: Dtype = 'float32'): Scalar => ({
    op: 'lit',
    dtype,
    args: [],
    value: dtype === 'float32' ? value : dtype === 'bool' ? (value ? 1 : 0) : value | 0,
  }),
  add: (a: Scalar, b: Scalar) => numeric('add', [a, b]),
  sub: (a: Scalar, b: Scalar) => numeric('sub', [a, b]),
  mul: (a: Scalar, b: Scalar) => numeric('mul', [a, b]),
  div: (a: Scalar, b: Scalar) => numeric('div', [a, b]),
  neg: (a: Scalar) => numeric('neg', [a]),
  abs: (a: Scalar) => numeric('abs', [a]),
  min: (a: Scalar, b: Scalar) => numeric('min', [a, b]),
  max: (a: Scalar, b: Scalar) => numeric('max', [a, b]),
  floor: (a: Scalar) => numeric('floor', [a]),
  sqrt: (a: Scalar) => numeric('sqrt', [a]),
  exp: (a: Scalar) => numeric('exp', [a]),
  expm1: (a: Scalar) => numeric('expm1', [a]),
  log: (a: Scalar) => numeric('log', [a]),
  log1p: (a: Scalar) => numeric('log1p', [a]),
  sin: (a: Scalar) => numeric('sin', [a]),
  cos: (a: Scalar) => numeric('cos', [a]),
  tan: (a: Scalar) => numeric('tan', [a]),
  tanh: (a: Scalar) => numeric('tanh', [a]),
  erf: (a: Scalar) => numeric('erf', [a]),
  atan: (a: Scalar) => numeric('atan', [a]),
  pow: (a: Scalar, b: Scalar) => numeric('pow', [a, b]),
  lt: (a: Scalar, b: Scalar) => compare('lt', a, b),
  le: (a: Scalar, b: Scalar) => compare('le', a, b),
  gt: (a: Scalar, b: Scalar) => compare('gt', a, b),
  ge: (a: Scalar, b: Scalar) => compare('ge', a, b),
  eq: (a: Scalar, b: Scalar) => compare('eq', a, b),
  ne: (a: Scalar, b: Scalar) => compare('ne', a, b),
  and: (a: Scalar, b: Scalar) => logic('and', [a, b]),
  or: (a: Scalar, b: Scalar) => logic('or', [a, b]),
  not: (a: Scalar) => logic('not', [a]),
  /** `c ? a : b`. */
  select(c: Scalar, a: Scalar, b: Scalar): Scalar {
    if (c.dtype !== 'bool') throw new AlgebraError(`select: the condition must be bool, got ${c.dtype}`);
    if (a.dtype !== b.dtype) throw new AlgebraError(`select: branches of different dtypes (${a.dtype}, ${b.dtype})`);
    return node('select', a.dtype, [c, a, b]);
  },
  /** `x` as `to` (a no-op when it already is). */
  cast: (x: Scalar, to: Dtype): Scalar => (x.dtype === to ? x : node('cast', to, [x])),
  /** `x` rounded to float32 (the compiler inserts it between primitives of one loop). */
  round32(x: Scalar): Scalar {
    if (x.dtype !== 'float32') throw new AlgebraError(`round32 takes float32, got ${x.dtype}`);
    return node('round32', 'float32', [x]);
  },
  /** `x` is NaN. */
  isNaN: (x: Scalar): Scalar => compare('ne', x, x),
} as const;

/** The operands of an equation as `arg` nodes with their dtypes. */
export function argsOf(dtypes: readonly Dtype[]): Scalar[] {
  return dtypes.map((d, i) => sc.arg(i, d));
}

/** Every node of `roots` once, operands before their users. */
export function topoOrder(roots: readonly Scalar[]): Scalar[] {
  const seen = new Set<Scalar>();
  const out: Scalar[] = [];
  const visit = (e: Scalar) => {
    if (seen.has(e)) return;
    seen.add(e);
    for (const a of e.args) visit(a);
    out.push(e);
  };
  roots.forEach(visit);
  return out;
}

/**
 * Whether the value of `e` is exactly one of its float32 operands or
 * literals (a choice, a sign change, a bound): it needs no rounding to
 * float32, since no new value is computed.
 */
export function isExactChoice(e: Scalar): boolean {
  switch (e.op) {
    case 'arg':
      return true;
    case 'lit':
      return e.dtype !== 'float32' || Number.isNaN(e.value) || Math.fround(e.value!) === e.value;
    case 'neg':
    case 'abs':
      return isExactChoice(e.args[0]!);
    case 'min':
    case 'max':
      return e.args.every(isExactChoice);
    case 'select':
      return isExactChoice(e.args[1]!) && isExactChoice(e.args[2]!);
    case 'round32':
      return true;
    default:
      return e.dtype !== 'float32';
  }
}

/** Whether `e` uses an op of `ops` anywhere. */
export function usesAny(e: Scalar, ops: ReadonlySet<ScalarOp>): boolean {
  return topoOrder([e]).some((n) => ops.has(n.op));
}

/** A stable text of `e` (shader cache keys, tests). */
export function showScalar(e: Scalar): string {
  if (e.op === 'arg') return `x${e.index}:${e.dtype}`;
  if (e.op === 'lit') return `${Object.is(e.value, -0) ? '-0' : e.value}:${e.dtype}`;
  return `${e.op}${e.op === 'cast' ? `<${e.dtype}>` : ''}(${e.args.map(showScalar).join(',')})`;
}

/**
 * Replaces the `arg` nodes of `e` by `operands` (to inline one primitive's
 * expression into a group's): the result shares the operands' nodes.
 */
export function substitute(e: Scalar, operands: readonly Scalar[]): Scalar {
  const memo = new Map<Scalar, Scalar>();
  const go = (n: Scalar): Scalar => {
    const hit = memo.get(n);
    if (hit) return hit;
    const out = n.op === 'arg' ? operands[n.index!]! : n.args.length === 0 ? n : { ...n, args: n.args.map(go) };
    memo.set(n, out);
    return out;
  };
  return go(e);
}
