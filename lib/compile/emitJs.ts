/**
 * The JS emitter: translates scalar-op expressions (lib/core/scalar.ts) into
 * JavaScript statements for generated host loops. Floats compute in float64
 * with lib/compile/fastmath.ts's functions and round where the expression
 * says (`round32` → `Math.fround`); int32 ops wrap (`| 0`, `Math.imul`);
 * bools are 0/1 numbers, as a `Uint8Array` stores them.
 *
 * Safety: the source holds only the fixed translations below, internal
 * local names, and literals that are integers or ±Infinity; any other number
 * goes through the constants array `k` (never into the source).
 */
import type { Scalar } from '../core/scalar.js';
import { topoOrder } from '../core/scalar.js';

import { fcos, ferf, fexp, fexpm1, flog, flog1p, fsin, fsincos, ftan, ftanh, SINCOS } from './fastmath.js';

/** The functions a generated loop may call, passed to `new Function` by name. */
export const MATH = { fexp, fexpm1, flog, flog1p, fsin, fcos, fsincos, SINCOS, ftan, ftanh, ferf } as const;

/** The JS of one literal: inline when it is an integer or ±Infinity (nothing else reaches the source). */
function literal(value: number, k: (value: number) => string): string {
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Number.isInteger(value) && !Object.is(value, -0) && Math.abs(value) < 2 ** 31) return value < 0 ? `(${value})` : String(value);
  return k(value);
}

const FLOAT_CALLS: Readonly<Partial<Record<Scalar['op'], string>>> = {
  exp: 'fexp',
  expm1: 'fexpm1',
  log: 'flog',
  log1p: 'flog1p',
  sin: 'fsin',
  cos: 'fcos',
  tan: 'ftan',
  tanh: 'ftanh',
  erf: 'ferf',
  atan: 'Math.atan',
  sqrt: 'Math.sqrt',
  floor: 'Math.floor',
  round32: 'Math.fround',
};

const COMPARE: Readonly<Partial<Record<Scalar['op'], string>>> = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '===', ne: '!==' };

/** The JS expression of node `e` over its operands' expressions `a`. */
function translate(e: Scalar, a: readonly string[]): string {
  const int = e.dtype === 'int32';
  const call = FLOAT_CALLS[e.op];
  if (call) return `${call}(${a[0]})`;
  const cmp = COMPARE[e.op];
  if (cmp) return `(${a[0]} ${cmp} ${a[1]} ? 1 : 0)`;
  switch (e.op) {
    case 'add':
      return int ? `((${a[0]} + ${a[1]}) | 0)` : `(${a[0]} + ${a[1]})`;
    case 'sub':
      return int ? `((${a[0]} - ${a[1]}) | 0)` : `(${a[0]} - ${a[1]})`;
    case 'mul':
      return int ? `Math.imul(${a[0]}, ${a[1]})` : `(${a[0]} * ${a[1]})`;
    case 'div':
      return `(${a[0]} / ${a[1]})`;
    case 'neg':
      return int ? `((-${a[0]}) | 0)` : `(-${a[0]})`;
    case 'abs':
      return int ? `(Math.abs(${a[0]}) | 0)` : `Math.abs(${a[0]})`;
    case 'min':
      return `Math.min(${a[0]}, ${a[1]})`;
    case 'max':
      return `Math.max(${a[0]}, ${a[1]})`;
    // C's pow (NumPy, JAX): 1 for a base of 1 (also with a NaN exponent) and for (−1)^±Infinity; JS's Math.pow gives NaN there.
    case 'pow':
      return `(${a[0]} === 1 || (${a[0]} === -1 && (${a[1]} === Infinity || ${a[1]} === -Infinity)) ? 1 : Math.pow(${a[0]}, ${a[1]}))`;
    case 'and':
      return `(${a[0]} & ${a[1]})`;
    case 'or':
      return `(${a[0]} | ${a[1]})`;
    case 'not':
      return `(${a[0]} ^ 1)`;
    case 'select':
      return `(${a[0]} ? ${a[1]} : ${a[2]})`;
    case 'cast':
      return castJs(e.args[0]!.dtype, e.dtype, a[0]!);
    default:
      throw new Error(`fluxion internal error: the JS emitter has no translation of '${e.op}'`);
  }
}

function castJs(from: Scalar['dtype'], to: Scalar['dtype'], a: string): string {
  if (to === 'bool') return `(${a} !== 0 ? 1 : 0)`;
  // float32 → int32 truncates toward zero and saturates (NaN → 0), as the eager cast does
  // (lib/primitives/cast.ts); an Int32Array store alone would wrap modulo 2³².
  if (to === 'int32' && from === 'float32') return `(${a} !== ${a} ? 0 : ${a} >= 2147483647 ? 2147483647 : ${a} <= -2147483648 ? -2147483648 : Math.trunc(${a}))`;
  return a;
}

/**
 * Statements computing `roots` (each node once, as `const <prefix><n>`) and
 * the JS expression of each root. `operand(i)` is the expression of `arg i`;
 * `k` registers a constant. A `sin` and a `cos` of one value share one range
 * reduction (`fsincos`).
 */
export function emitJs(roots: readonly Scalar[], operand: (index: number) => string, k: (value: number) => string, prefix: string): { lines: string[]; values: string[] } {
  const order = topoOrder(roots);
  const name = new Map<Scalar, string>();
  const lines: string[] = [];
  // Values whose sine and cosine are both needed.
  const trig = new Map<Scalar, Set<string>>();
  for (const n of order) if (n.op === 'sin' || n.op === 'cos') (trig.get(n.args[0]!) ?? trig.set(n.args[0]!, new Set()).get(n.args[0]!)!).add(n.op);
  const pairs = new Map<Scalar, string>();
  order.forEach((n, i) => {
    if (n.op === 'arg') return void name.set(n, operand(n.index!));
    if (n.op === 'lit') return void name.set(n, literal(n.value!, k));
    const local = `${prefix}${i}`;
    const a = n.args.map((x) => name.get(x)!);
    if ((n.op === 'sin' || n.op === 'cos') && trig.get(n.args[0]!)!.size === 2) {
      let pair = pairs.get(n.args[0]!);
      if (!pair) {
        pair = `${prefix}${i}`;
        lines.push(`const ${pair}s = fsincos(${a[0]}); const ${pair}c = SINCOS[0];`);
        pairs.set(n.args[0]!, pair);
      }
      lines.push(`const ${local}v = ${pair}${n.op === 'sin' ? 's' : 'c'};`);
      return void name.set(n, `${local}v`);
    } else {
      lines.push(`const ${local} = ${translate(n, a)};`);
    }
    name.set(n, local);
  });
  return { lines, values: roots.map((r) => name.get(r)!) };
}
