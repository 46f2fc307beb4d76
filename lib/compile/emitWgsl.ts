/**
 * The WGSL emitter: translates scalar-op expressions (lib/core/scalar.ts)
 * into WGSL statements over `f32` values for generated webgpu kernels.
 * WGSL computes in float32 with the GPU's builtins (`exp`, `log`, `sin`…,
 * whose accuracy WGSL bounds loosely: docs/backends.md); the helpers below
 * keep the algebra's special values where the builtins do not (NaN wins in
 * min/max, C's pow, accurate expm1/log1p near 0, tanh without overflow).
 *
 * Safety: the source holds only the fixed translations and helpers below,
 * internal local names, and literals written as their float32 bit patterns
 * (`bitcast<f32>(0x…u)`), never a number's text.
 */
import type { Scalar } from '../core/scalar.js';
import { topoOrder } from '../core/scalar.js';

/** Helper functions every generated shader carries. */
export const WGSL_HELPERS: readonly string[] = [
  // A function call is not a constant expression: WGSL rejects a NaN or an infinity written as one.
  'fn fxBits(b : u32) -> f32 { return bitcast<f32>(b); }',
  'fn fxIsNan(v : f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }',
  // GPU builtins need not propagate NaN (SwiftShader's log(NaN) is 89.1): NaN in, NaN out.
  'fn fxGuard(r : f32, a : f32) -> f32 { return select(r, a, fxIsNan(a)); }',
  // log of a negative number is NaN, of 0 −∞ (a GPU's log2-based builtin need not say so).
  'fn fxLog(a : f32) -> f32 { if (fxIsNan(a) || a < 0.0) { return fxBits(0x7fc00000u); } if (a == 0.0) { return fxBits(0xff800000u); } if (a > 3.4028234e38) { return a; } return log(a); }',
  // tanh as tfjs-webgpu writes it: WGSL's builtin overflows for large |x| on some drivers.
  'fn fxTanh(a : f32) -> f32 { let e2x = exp(-2.0 * abs(a)); return sign(a) * (1.0 - e2x) / (1.0 + e2x); }',
  'fn fxMin(a : f32, b : f32) -> f32 { if (fxIsNan(a) || fxIsNan(b)) { return fxBits(0x7fc00000u); } return min(a, b); }',
  'fn fxMax(a : f32, b : f32) -> f32 { if (fxIsNan(a) || fxIsNan(b)) { return fxBits(0x7fc00000u); } return max(a, b); }',
  // Kahan: (u − 1)·x / log u with u = e^x is accurate near 0, where e^x − 1 cancels.
  'fn fxExpm1(a : f32) -> f32 { let u = exp(a); if (u == 1.0 || fxIsNan(u)) { return a; } let m = u - 1.0; if (m == -1.0 || abs(a) >= 0.5) { return m; } return m * a / log(u); }',
  'fn fxLog1p(a : f32) -> f32 { let u = 1.0 + a; if (u == 1.0 || fxIsNan(u)) { return a; } let l = fxLog(u); if (abs(a) >= 0.5 || u <= 0.0) { return l; } return l * a / (u - 1.0); }',
  // Abramowitz–Stegun 7.1.26 (absolute error 1.5e-7), as tfjs-webgpu's erf.
  'fn fxErf(a : f32) -> f32 { let x = abs(a); let t = 1.0 / (1.0 + 0.3275911 * x); let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-x * x); if (fxIsNan(a)) { return a; } return select(-y, y, a >= 0.0); }',
  // C's pow: 1 for a base of 1 or an exponent of 0; a negative base only to an integer power.
  'fn fxPow(a : f32, b : f32) -> f32 { if (a == 1.0 || b == 0.0) { return 1.0; } if (fxIsNan(a) || fxIsNan(b)) { return fxBits(0x7fc00000u); } if (a == -1.0 && abs(b) > 3.4e38) { return 1.0; } let r = pow(abs(a), b); if (a >= 0.0) { return r; } if (floor(b) != b) { return fxBits(0x7fc00000u); } if (floor(b * 0.5) != b * 0.5) { return -r; } return r; }',
];

/** A literal as its float32 bit pattern (or a bool). */
function literal(e: Scalar): string {
  if (e.dtype === 'bool') return e.value ? 'true' : 'false';
  const bits = new Uint32Array(Float32Array.of(e.value!).buffer)[0]!;
  return Number.isFinite(e.value) ? `bitcast<f32>(0x${bits.toString(16)}u)` : `fxBits(0x${bits.toString(16)}u)`;
}

/** Builtins whose NaN result is not guaranteed: wrapped in `fxGuard`. */
const GUARDED: ReadonlySet<Scalar['op']> = new Set(['floor', 'sqrt', 'exp', 'expm1', 'sin', 'cos', 'tan', 'tanh', 'atan']);

const CALLS: Readonly<Partial<Record<Scalar['op'], string>>> = {
  abs: 'abs',
  floor: 'floor',
  sqrt: 'sqrt',
  exp: 'exp',
  expm1: 'fxExpm1',
  log: 'fxLog',
  log1p: 'fxLog1p',
  sin: 'sin',
  cos: 'cos',
  tan: 'tan',
  tanh: 'fxTanh',
  erf: 'fxErf',
  atan: 'atan',
  min: 'fxMin',
  max: 'fxMax',
  pow: 'fxPow',
};
const INFIX: Readonly<Partial<Record<Scalar['op'], string>>> = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
  eq: '==',
  ne: '!=',
  and: '&&',
  or: '||',
};

/** Whether the WGSL emitter translates every node of `e` (float32 and bool values only). */
export function wgslSupports(e: Scalar): boolean {
  return topoOrder([e]).every((n) => n.dtype !== 'int32' && (n.op !== 'cast' || n.args[0]!.dtype !== 'int32'));
}

function translate(e: Scalar, a: readonly string[]): string {
  // x != x may be folded to false by a shader compiler: NaN tests read the bits.
  if ((e.op === 'ne' || e.op === 'eq') && e.args[0] === e.args[1] && e.args[0]!.dtype === 'float32') return e.op === 'ne' ? `fxIsNan(${a[0]})` : `(!fxIsNan(${a[0]}))`;
  const call = CALLS[e.op];
  if (call) return GUARDED.has(e.op) ? `fxGuard(${call}(${a[0]}), ${a[0]})` : `${call}(${a.join(', ')})`;
  const infix = INFIX[e.op];
  if (infix) return `(${a[0]} ${infix} ${a[1]})`;
  switch (e.op) {
    case 'neg':
      return `(-${a[0]})`;
    case 'not':
      return `(!${a[0]})`;
    case 'select':
      return `select(${a[2]}, ${a[1]}, ${a[0]})`;
    case 'round32':
      return a[0]!;
    case 'cast':
      if (e.dtype === 'bool') return `(${a[0]} != 0.0)`;
      return `select(0.0, 1.0, ${a[0]})`;
    default:
      throw new Error(`fluxion internal error: the WGSL emitter has no translation of '${e.op}'`);
  }
}

/** `let` statements computing `roots` (each node once) and the WGSL expression of each root. */
export function emitWgsl(roots: readonly Scalar[], operand: (index: number) => string, indent: string): { lines: string[]; values: string[] } {
  const name = new Map<Scalar, string>();
  const lines: string[] = [];
  topoOrder(roots).forEach((n, i) => {
    if (n.op === 'arg') return void name.set(n, operand(n.index!));
    if (n.op === 'lit') return void name.set(n, literal(n));
    lines.push(`${indent}let v${i} = ${translate(n, n.args.map((x) => name.get(x)!))};`);
    name.set(n, `v${i}`);
  });
  return { lines, values: roots.map((r) => name.get(r)!) };
}
