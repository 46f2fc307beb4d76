/**
 * The optimizer's algebraic rewrites, as a table over the scalar-op algebra
 * (lib/core/scalar.ts): a rule matches expression nodes, never primitive
 * names, so it applies to every primitive whose lowering produces the
 * pattern. Each rule says whether it is IEEE-exact — bit-identical to the
 * original for every input, NaN, ±Infinity, ±0, denormals and overflow
 * included. `jit` runs only the exact rules (rewrites.test.ts checks each
 * claim on those classes, and shows a counterexample for each inexact one).
 */
import { sc, type Scalar } from '../core/scalar.js';

/** One rewrite: the replacement of a matching node, or `undefined`. */
export interface Rule {
  readonly name: string;
  readonly exact: boolean;
  /** Why an inexact rule is not exact (the counterexample class). */
  readonly because?: string;
  /** An expression over float32 `x` (arg 0) and `y` (arg 1) this rule rewrites (its test instance). */
  readonly example: (x: Scalar, y: Scalar) => Scalar;
  apply(e: Scalar): Scalar | undefined;
}

const isLit = (e: Scalar | undefined, v: number): boolean => e?.op === 'lit' && Object.is(e.value, v);
/** `e` without a `round32` around it (a float32 primitive result between two primitives). */
const unrounded = (e: Scalar): Scalar => (e.op === 'round32' ? e.args[0]! : e);
const same = (a: Scalar, b: Scalar): boolean => a === b || (a.op === 'arg' && b.op === 'arg' && a.index === b.index && a.dtype === b.dtype);

/** Either operand order of a binary node: the operand that is not the literal `v`. */
function other(e: Scalar, op: Scalar['op'], v: number, sides: 'both' | 'right'): Scalar | undefined {
  if (e.op !== op) return undefined;
  const [a, b] = e.args as [Scalar, Scalar];
  if (isLit(b, v)) return a;
  if (sides === 'both' && isLit(a, v)) return b;
  return undefined;
}

export const RULES: readonly Rule[] = [
  { name: 'x·1 → x', example: (x) => sc.mul(x, sc.lit(1)), exact: true, apply: (e) => other(e, 'mul', 1, 'both') },
  { name: 'x + (−0) → x', example: (x) => sc.add(sc.lit(-0), x), exact: true, apply: (e) => other(e, 'add', -0, 'both') },
  { name: 'x − 0 → x', example: (x) => sc.sub(x, sc.lit(0)), exact: true, apply: (e) => other(e, 'sub', 0, 'right') },
  { name: 'x / 1 → x', example: (x) => sc.div(x, sc.lit(1)), exact: true, apply: (e) => other(e, 'div', 1, 'right') },
  { name: '−(−x) → x', example: (x) => sc.neg(sc.neg(x)), exact: true, apply: (e) => (e.op === 'neg' && e.args[0]!.op === 'neg' ? e.args[0]!.args[0] : undefined) },
  { name: 'select(c, x, x) → x', example: (x, y) => sc.select(sc.lt(x, y), x, x), exact: true, apply: (e) => (e.op === 'select' && same(e.args[1]!, e.args[2]!) ? e.args[1] : undefined) },
  { name: 'round32(round32(x)) → round32(x)', example: (x, y) => sc.round32(sc.round32(sc.mul(x, y))), exact: true, apply: (e) => (e.op === 'round32' && e.args[0]!.op === 'round32' ? e.args[0] : undefined) },
  { name: 'x + 0 → x', example: (x) => sc.add(x, sc.lit(0)), exact: false, because: '−0 + 0 is +0', apply: (e) => other(e, 'add', 0, 'both') },
  { name: 'x·0 → 0', example: (x) => sc.mul(x, sc.lit(0)), exact: false, because: 'NaN·0 and ∞·0 are NaN; −1·0 is −0', apply: (e) => (other(e, 'mul', 0, 'both') ? sc.lit(0, e.dtype) : undefined) },
  { name: 'x − x → 0', example: (x) => sc.sub(x, x), exact: false, because: '∞ − ∞ and NaN − NaN are NaN', apply: (e) => (e.op === 'sub' && same(e.args[0]!, e.args[1]!) ? sc.lit(0, e.dtype) : undefined) },
  { name: 'log(exp(x)) → x', example: (x) => sc.log(sc.round32(sc.exp(x))), exact: false, because: 'float32 exp overflows to ∞ above 88.7', apply: (e) => (e.op === 'log' && unrounded(e.args[0]!).op === 'exp' ? unrounded(e.args[0]!).args[0] : undefined) },
  { name: 'exp(log(x)) → x', example: (x) => sc.exp(sc.log(x)), exact: false, because: 'log of a negative x is NaN', apply: (e) => (e.op === 'exp' && e.args[0]!.op === 'log' ? e.args[0]!.args[0] : undefined) },
];

/** `e` with `rules` applied bottom-up until none matches (exact rules only by default). */
export function simplifyScalar(e: Scalar, rules: readonly Rule[] = RULES.filter((r) => r.exact)): Scalar {
  const memo = new Map<Scalar, Scalar>();
  const go = (n: Scalar): Scalar => {
    const hit = memo.get(n);
    if (hit) return hit;
    const args = n.args.map(go);
    let out: Scalar = args.every((a, i) => a === n.args[i]) ? n : { ...n, args };
    for (let changed = true; changed; ) {
      changed = false;
      for (const r of rules) {
        const next = r.apply(out);
        if (next && next !== out) {
          out = next;
          changed = true;
        }
      }
    }
    memo.set(n, out);
    return out;
  };
  return go(e);
}
