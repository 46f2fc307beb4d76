/**
 * The ONNX form of every elementwise primitive, derived from the scalar
 * expression its file declares as its `lowering` (lib/core/scalar.ts): each
 * op of the algebra becomes ONNX nodes, with NumPy broadcasting of the
 * operands done by ONNX's own (the same rule). No primitive needs an ONNX
 * entry of its own for this: a new elementwise primitive exports as soon as
 * it declares its expression.
 *
 * | scalar op | ONNX |
 * | --- | --- |
 * | add sub mul div neg abs sqrt floor exp log sin cos tan tanh erf atan pow | the op of the same name |
 * | min max | `Min`, `Max` (NaN propagates, as fluxion's) |
 * | expm1 | `2t/(1 − t)`, `t = tanh(x/2)` for \|x\| < 0.5, else `Exp(x) − 1`; x's sign on zeros |
 * | log1p | Kahan's `log(u)·x/(u − 1)`, `u = 1 + x` (x where u = 1) |
 * | lt le gt ge eq ne | `Less` `LessOrEqual` `Greater` `GreaterOrEqual` `Equal` `Not(Equal)` |
 * | and or not | `And` `Or` `Not` |
 * | select | `Where` (bool: `Or(And(c, a), And(Not(c), b))`, ONNX Runtime has no bool `Where`); see below for −0 |
 * | cast | `Cast`; float32 → int32 saturating with NaN → 0, → bool as `x ≠ 0` (the algebra's meaning) |
 * | round32 | nothing (ONNX computes in float32 throughout) |
 *
 * ONNX Runtime's `Where` returns +0 for a −0 taken from its first branch
 * (the second keeps it): a float select whose first branch may be −0 is
 * written with the condition negated (as `Xor(c, true)`: ONNX Runtime folds
 * `Where(Not(c), b, a)` back) and the branches swapped when the other
 * branch cannot be −0 (a literal), else the selected value's sign bit
 * is selected separately and applied by a product with ±1.
 */
import type { Dtype } from '../../typelevel/index.js';
import { topoOrder, type Scalar } from '../core/scalar.js';
import { castTo, signBit, type OnnxBuilder, type OnnxEquation } from './forms.js';
import type { OnnxAttributeValue } from './proto.js';

const SAME: Readonly<Partial<Record<Scalar['op'], string>>> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  neg: 'Neg',
  abs: 'Abs',
  min: 'Min',
  max: 'Max',
  floor: 'Floor',
  sqrt: 'Sqrt',
  exp: 'Exp',
  log: 'Log',
  sin: 'Sin',
  cos: 'Cos',
  tan: 'Tan',
  tanh: 'Tanh',
  erf: 'Erf',
  atan: 'Atan',
  pow: 'Pow',
  lt: 'Less',
  le: 'LessOrEqual',
  gt: 'Greater',
  ge: 'GreaterOrEqual',
  eq: 'Equal',
  and: 'And',
  or: 'Or',
  not: 'Not',
};

/** Whether a float32 expression can evaluate to −0 (conservative: true unless its op rules it out). */
function mayBeNegativeZero(e: Scalar): boolean {
  if (e.dtype !== 'float32') return false;
  switch (e.op) {
    case 'lit':
      return Object.is(e.value, -0);
    case 'abs':
    case 'exp':
    case 'cos':
      return false;
    case 'sqrt':
    case 'round32':
      return mayBeNegativeZero(e.args[0]!);
    case 'cast':
      return e.args[0]!.dtype === 'float32';
    case 'select':
      return mayBeNegativeZero(e.args[1]!) || mayBeNegativeZero(e.args[2]!);
    default:
      return true;
  }
}

/** NumPy broadcast of static shapes (the operands of a valid expression broadcast). */
function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
}

/** Adds the final node of a value: into the equation's output when it is the expression's root. */
type Last = (opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttributeValue>>) => string;

/** expm1 without cancellation near 0 (see the module table). */
function expm1(g: OnnxBuilder, x: string, last: Last): string {
  const f = (v: number) => g.scalar(v, 'float32');
  const t = g.op('Tanh', [g.op('Mul', [x, f(0.5)])]);
  const small = g.op('Div', [g.op('Add', [t, t]), g.op('Sub', [f(1), t])]);
  const large = g.op('Sub', [g.op('Exp', [x]), f(1)]);
  const v = g.op('Where', [g.op('Less', [g.op('Abs', [x]), f(0.5)]), small, large]);
  return last('Mul', [g.op('Abs', [v]), g.op('Where', [signBit(g, x), f(-1), f(1)])]);
}

/** log1p without cancellation (Kahan); +Inf stays +Inf; x's sign on zeros. */
function log1p(g: OnnxBuilder, x: string, last: Last): string {
  const f = (v: number) => g.scalar(v, 'float32');
  const u = g.op('Add', [f(1), x]);
  const um1 = g.op('Sub', [u, f(1)]);
  const ratio = g.op('Mul', [g.op('Log', [u]), g.op('Div', [x, um1])]);
  // u = +Inf (x = +Inf): Inf·(Inf/Inf) would be NaN; log(u) is right there.
  const general = g.op('Where', [g.op('IsInf', [u], { detect_negative: { int: 0 } }), g.op('Log', [u]), ratio]);
  const v = g.op('Where', [g.op('Equal', [um1, f(0)]), x, general]);
  return last('Mul', [g.op('Abs', [v]), g.op('Where', [signBit(g, x), f(-1), f(1)])]);
}

/** The algebra's cast: float32 → int32 truncates and saturates (NaN → 0); → bool is x ≠ 0. */
function cast(g: OnnxBuilder, x: string, from: Dtype, to: Dtype, last: Last): string {
  if (to === 'bool') return last('Not', [g.op('Equal', [x, g.scalar(0, from)])]);
  if (from === 'float32' && to === 'int32') {
    // 2147483520 is the largest float32 below 2³¹: the Cast never overflows.
    const truncated = g.op('Cast', [g.op('Clip', [x, g.scalar(-2147483648, 'float32'), g.scalar(2147483520, 'float32')])], castTo('int32'));
    const high = g.op('Where', [g.op('GreaterOrEqual', [x, g.scalar(2147483648, 'float32')]), g.scalar(2147483647, 'int32'), truncated]);
    return last('Where', [g.op('IsNaN', [x]), g.scalar(0, 'int32'), high]);
  }
  return last('Cast', [x], castTo(to));
}

/** `c ? a : b`, keeping a float −0 from either branch (see the module comment). */
function select(g: OnnxBuilder, e: Scalar, c: string, a: string, b: string, last: Last): string {
  const [, ea, eb] = e.args as [Scalar, Scalar, Scalar];
  // ONNX Runtime has no bool Where: (c ∧ a) ∨ (¬c ∧ b).
  const choose = (x: string, y: string, lastOne: Last) => lastOne('Or', [g.op('And', [c, x]), g.op('And', [g.op('Not', [c]), y])]);
  if (e.dtype === 'bool') return choose(a, b, last);
  if (e.dtype !== 'float32' || !mayBeNegativeZero(ea)) return last('Where', [c, a, b]);
  // ¬c as Xor(c, true): ONNX Runtime's optimizer folds Where(Not(c), b, a) back into Where(c, a, b).
  if (!mayBeNegativeZero(eb)) return last('Where', [g.op('Xor', [c, g.scalar(1, 'bool')]), b, a]);
  const v = g.op('Where', [c, a, b]);
  const negative = choose(signBit(g, a), signBit(g, b), (t, i) => g.op(t, i));
  return last('Mul', [g.op('Abs', [v]), g.op('Where', [negative, g.scalar(-1, 'float32'), g.scalar(1, 'float32')])]);
}

/**
 * Writes `eq.outputs[0]` as the scalar expression `expr` of the equation's
 * operands (`arg i` is `eq.inputs[i]`).
 */
export function emitElementwise(g: OnnxBuilder, expr: Scalar, eq: OnnxEquation): void {
  const names = new Map<Scalar, string>();
  const shapes = new Map<Scalar, readonly number[]>();
  const out = eq.outAvals[0]!.shape;
  let written = false;
  for (const e of topoOrder([expr])) {
    const ins = e.args.map((a) => names.get(a)!);
    const shape = e.op === 'arg' ? eq.inAvals[e.index!]!.shape : e.args.reduce<readonly number[]>((s, a) => broadcast(s, shapes.get(a)!), []);
    shapes.set(e, shape);
    // The root's last node writes the output directly (an expression smaller than the result is expanded instead).
    const direct = e === expr && shape.length === out.length && shape.every((d, i) => d === out[i]);
    const last: Last = (opType, inputs, attributes) => {
      if (!direct) return g.op(opType, inputs, attributes);
      g.node(opType, inputs, eq.outputs, attributes);
      written = true;
      return eq.outputs[0]!;
    };
    let name: string;
    const same = SAME[e.op];
    if (e.op === 'arg') name = eq.inputs[e.index!]!;
    else if (e.op === 'lit') name = g.scalar(e.value!, e.dtype);
    else if (same) name = last(same, ins);
    else if (e.op === 'ne') name = last('Not', [g.op('Equal', ins)]);
    else if (e.op === 'expm1') name = expm1(g, ins[0]!, last);
    else if (e.op === 'log1p') name = log1p(g, ins[0]!, last);
    else if (e.op === 'select') name = select(g, e, ins[0]!, ins[1]!, ins[2]!, last);
    else if (e.op === 'cast') name = cast(g, ins[0]!, e.args[0]!.dtype, e.dtype, last);
    else if (e.op === 'round32') name = ins[0]!;
    else throw new Error(`ONNX lowering: no ONNX form for the scalar op '${e.op}'`);
    names.set(e, name);
  }
  if (written) return;
  const result = names.get(expr)!;
  const shape = shapes.get(expr)!;
  if (shape.length === out.length && shape.every((d, i) => d === out[i])) g.node('Identity', [result], eq.outputs);
  else g.node('Expand', [result, g.ints(out)], eq.outputs);
}
