/**
 * Fast float32-accurate transcendental functions for generated CPU kernels.
 *
 * Fused kernels compute in float64 JS numbers and store into a
 * `Float32Array`, so a function only needs float32 accuracy: each result
 * here is within 2 float32 ulp of the exact value once rounded with
 * `Math.fround`, and special values (NaN, ±Infinity, ±0, overflow,
 * underflow) come out as `Math.*` gives them. Each export is a small plain
 * function V8 inlines into a hot loop: no allocation, no closures, only
 * module-level constant tables.
 *
 * Measured here (2-core AMD EPYC VM shared with other work, Node 20): loops over a
 * 1,000,000-element `Float32Array` writing a `Float32Array`, best of 5 passes, inputs uniform in
 * [−10, 10] (exp, expm1, sin, cos, tan), [−5, 5] (tanh, erf), log-uniform in
 * [1e-3, 1e3] (log) and uniform in [−0.9, 10] (log1p) — see temp/fastmath-bench.ts. "rel. error"
 * is the largest error of the float64 result against the float64 reference, before float32
 * rounding, over 200,000 float32 inputs log-uniform over the domain with both signs; after
 * `Math.fround` of both, every function is within 1 float32 ulp (≤ 1.2e-7).
 *
 * | function | rel. error | ns/element `Math.*` | ns/element fast |
 * | --- | --- | --- | --- |
 * | fexp | 5.3e-9 | 24.3 | 9.3 |
 * | fexpm1 | 1.7e-8 | 31.3 | 10.1 |
 * | flog | 0 (is `Math.log`) | 19.4 | table version 10.8: not used |
 * | flog1p | 8.0e-10 | 26.4 | 14.7 |
 * | fsin | 3.8e-9 | 34.5 | 15.0 |
 * | fcos | 3.8e-9 | 34.9 | 15.1 |
 * | ftan | 3.9e-9 | 38.6 | 19.5 |
 * | ftanh | 7.2e-9 | 38.5 | 8.4 |
 * | ferf | 1.5e-8 (vs a series / continued fraction) | no `Math.erf` | 27.5 |
 *
 * Any `if` in these functions costs about 3 ns/element in V8 (it stops the loop's typed-array
 * checks from being shared), and a data-dependent `?:` choosing between two values mispredicts on
 * mixed signs: hence clamps by ternary and arithmetic quadrant choice in sin/cos.
 *
 * @example
 * ```ts
 * import { fexp, ftanh } from './fastmath.js';
 * const out = new Float32Array(input.length);
 * for (let i = 0; i < input.length; i++) out[i] = ftanh(input[i]!) * fexp(-input[i]!);
 * ```
 */

// Adding 1.5·2^52 rounds a double below 2^51 to an integer (ties to even) without a call.
const ROUND_MAGIC = 6755399441055744;

const LOG2E = 1.4426950408889634;
const LN2 = 0.6931471805599453;
// Cody–Waite split of ln 2 (fdlibm): LN2_HI has 32 significant bits, so n·LN2_HI is exact for |n| < 2^21.
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;

// 2^k for k in [POW2_MIN, POW2_MAX]: exp's scaling and log's mantissa extraction read it.
const POW2_MIN = -1076;
const POW2_MAX = 1023;
const POW2 = new Float64Array(POW2_MAX - POW2_MIN + 1);
for (let k = POW2_MIN; k <= POW2_MAX; k++) POW2[k - POW2_MIN] = 2 ** k;

// e^r − 1 ≈ r·(1 + r·(E2 + r·(E3 + …))) on |r| ≤ ln2/2: near-minimax (Lawson) fit of the relative
// error of e^r − 1, 1.3e-8.
const E2 = 0.49999998151116903;
const E3 = 0.16666543490823985;
const E4 = 0.04166720042368499;
const E5 = 0.00836653815083267;
const E6 = 0.001388251813987669;

// Below EXP_LOW, x is clamped and the table's 2^−1076 = 0 gives 0 (expm1: −1). Above, n is capped
// at 1023 instead, so that 2^n stays finite: r then grows with x and the polynomial overflows to
// Infinity by itself (from x ≈ 709.8 on; between 709.4 and 709.8, far beyond float32, r is outside
// the fitted range and the float64 result is off by up to 1e-5). Ternaries, because V8 runs them
// faster than a guard with a Math.exp fallback. NaN fails both tests and flows through as NaN.
const EXP_LOW = -746;
const N_HIGH = 1023;

/** e^x: n = round(x·log2 e), r = x − n·ln 2 (two-constant split), degree-6 polynomial (Estrin), times 2^n from a table. */
export function fexp(x: number): number {
  x = x < EXP_LOW ? EXP_LOW : x;
  let n = x * LOG2E + ROUND_MAGIC - ROUND_MAGIC;
  n = n > N_HIGH ? N_HIGH : n;
  const r = x - n * LN2_HI - n * LN2_LO;
  const r2 = r * r;
  const q = r + r2 * (E2 + r * E3 + r2 * (E4 + r * E5 + r2 * E6));
  return POW2[(n | 0) - POW2_MIN]! * (1 + q);
}

/** e^x − 1: the reduction of {@link fexp}, then 2^n·q − (1 − 2^n), which is q itself (exact, sign of zero kept) when n = 0. */
export function fexpm1(x: number): number {
  x = x < EXP_LOW ? EXP_LOW : x;
  let n = x * LOG2E + ROUND_MAGIC - ROUND_MAGIC;
  n = n > N_HIGH ? N_HIGH : n;
  const r = x - n * LN2_HI - n * LN2_LO;
  const r2 = r * r;
  // r·(1 + …) rather than r + r²·…: keeps expm1(−0) = −0.
  const q = r * (1 + r * (E2 + r * E3 + r2 * (E4 + r * E5 + r2 * E6)));
  const scale = POW2[(n | 0) - POW2_MIN]!;
  return scale * q - (1 - scale);
}

// log(1 + f) = 2·atanh(s), s = f/(2 + f), |s| ≤ 0.1716 for f in [√½ − 1, √2 − 1]:
// 2s + s³·(L1 + L2·s² + L3·s⁴), near-minimax relative error 8e-10.
const L1 = 0.6666677611319651;
const L2 = 0.39977570208650803;
const L3 = 0.29871048784668797;
const SQRT_HALF_MINUS_1 = -0.2928932188134524;
const SQRT2_MINUS_1 = 0.41421356237309515;

/** log(1 + f) for f in [√½ − 1, √2 − 1], relative error 8e-10, no rounding of 1 + f; keeps the sign of a zero f. */
function log1pKernel(f: number): number {
  const s = f / (2 + f);
  const z = s * s;
  return s * (2 + z * (L1 + z * (L2 + z * L3)));
}

// Reading a double's high word needs a byte view; this scratch cell is written and read within one
// call, with nothing in between, so it carries no state from one call to the next.
const BITS_F64 = new Float64Array(1);
const BITS_I32 = new Int32Array(BITS_F64.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

// log x = e·ln 2 + log c_j + log1p(m/c_j − 1) with c_j = 1 + j/128 the nearest table point to the
// mantissa m: |m/c_j − 1| ≤ 1/256, where a degree-4 Taylor polynomial has relative error 5e-11.
// c_0 = 1 makes the result exact relative to itself next to x = 1, where log x → 0.
const LOG_TABLE_SIZE = 128;
const INV_C = new Float64Array(LOG_TABLE_SIZE);
const LOG_C = new Float64Array(LOG_TABLE_SIZE);
for (let j = 0; j < LOG_TABLE_SIZE; j++) {
  INV_C[j] = 1 / (1 + j / LOG_TABLE_SIZE);
  // log of the rounded reciprocal, so that m·INV_C[j] − 1 and LOG_C[j] describe the same split.
  LOG_C[j] = -Math.log(INV_C[j]!);
}
// Half a table step in the high word's mantissa field: rounds m to the nearest c_j, and m just
// under 2 to c_0 of the next binade.
const HALF_STEP = 0x1000;
const THIRD = 1 / 3;

/** log x: exponent and 7 mantissa bits from the high word, m·(1/c_j) − 1 from tables, degree-4 log1p polynomial. */
function tableLog(x: number): number {
  BITS_F64[0] = x;
  const high = BITS_I32[HIGH_WORD]!;
  // One unsigned test sends negatives, ±0, double denormals, Infinity and NaN to Math.log.
  if ((high - 0x00100000) >>> 0 >= 0x7fe00000) return Math.log(x);
  const rounded = high + HALF_STEP;
  const e = (rounded >> 20) - 1023;
  const j = (rounded >> 13) & (LOG_TABLE_SIZE - 1);
  // x·2^−e is exact; r is exact too for j = 0 (Sterbenz).
  const r = x * POW2[-e - POW2_MIN]! * INV_C[j]! - 1;
  return e * LN2 + LOG_C[j]! + r * (1 + r * (-0.5 + r * (THIRD - 0.25 * r)));
}

/**
 * log x: `Math.log` itself. The table version above (relative error 9e-12) measured 10.8 ns/element
 * against Math.log's 19.4 — 1.8×, short of the 2× that would justify a second log; flog1p uses it.
 */
export const flog: (x: number) => number = Math.log;

/** log(1 + x): the kernel of {@link flog} directly on x when 1 + x is in [√½, √2) (no rounding of 1 + x), else the table log of 1 + x. */
export function flog1p(x: number): number {
  if (x > SQRT_HALF_MINUS_1 && x < SQRT2_MINUS_1) return log1pKernel(x);
  return tableLog(1 + x);
}

const TWO_OVER_PI = 0.6366197723675814;
// Cody–Waite split of π/2 (fdlibm's pio2_1, pio2_2, pio2_3): 33 significant bits each, so k·PIO2_n
// is exact for |k| < 2^20 and the reduced argument keeps its relative accuracy even next to a multiple of π/2.
const PIO2_1 = 1.57079632673412561417e0;
const PIO2_2 = 6.07710050630396597660e-11;
const PIO2_3 = 2.02226624871116645580e-21;
// Above this |x|, k reaches 2^20 and the split stops being exact: Math.sin/Math.cos take over.
const TRIG_LIMIT = 1e6;

// sin r ≈ r·(1 + z·(S1 + z·(S2 + z·S3))), z = r², |r| ≤ π/4: near-minimax relative error 3.8e-9.
const S1 = -0.16666654609381065;
const S2 = 0.008332160750994962;
const S3 = -0.00019515281684452657;
// cos r ≈ 1 + z·(C1 + z·(C2 + z·(C3 + z·C4))), |r| ≤ π/4: near-minimax relative error 6.4e-11.
const C1 = -0.49999999694470165;
const C2 = 0.04166662035647217;
const C3 = -0.0013886681627093694;
const C4 = 2.438356534168601e-5;

/** sin x: k = round(x·2/π), r = x − k·π/2 (three-constant split), sin or cos polynomial of r chosen by k mod 4. */
export function fsin(x: number): number {
  // ±0 too: the branch-free choice below would turn −0 into +0.
  const ax = Math.abs(x);
  if (!(ax <= TRIG_LIMIT && ax > 0)) return Math.sin(x);
  const k = x * TWO_OVER_PI + ROUND_MAGIC - ROUND_MAGIC;
  const r = x - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
  const z = r * r;
  const sin = r * (1 + z * (S1 + z * (S2 + z * S3)));
  const cos = 1 + z * (C1 + z * (C2 + z * (C3 + z * C4)));
  const quadrant = k & 3;
  // Quadrants 1 and 3 take cos, 2 and 3 negate; arithmetic rather than branches, which random signs mispredict.
  const odd = quadrant & 1;
  return (sin + odd * (cos - sin)) * (1 - (quadrant & 2));
}

/** cos x: the reduction of {@link fsin}, the quadrant shifted by one. */
export function fcos(x: number): number {
  const ax = Math.abs(x);
  if (!(ax <= TRIG_LIMIT)) return Math.cos(x);
  const k = x * TWO_OVER_PI + ROUND_MAGIC - ROUND_MAGIC;
  const r = x - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
  const z = r * r;
  const sin = r * (1 + z * (S1 + z * (S2 + z * S3)));
  const cos = 1 + z * (C1 + z * (C2 + z * (C3 + z * C4)));
  const quadrant = (k + 1) & 3;
  const odd = quadrant & 1;
  return (sin + odd * (cos - sin)) * (1 - (quadrant & 2));
}

/** Where {@link fsincos} leaves cos x. */
export const SINCOS = new Float64Array(1);

/**
 * sin x and cos x from one reduction (a loop needing both, such as the
 * derivative of sin, pays for one): returns sin x and leaves cos x in
 * `SINCOS[0]`. Same method and accuracy as {@link fsin} and {@link fcos}.
 */
export function fsincos(x: number): number {
  const ax = Math.abs(x);
  if (!(ax <= TRIG_LIMIT && ax > 0)) {
    SINCOS[0] = Math.cos(x);
    return Math.sin(x);
  }
  const k = x * TWO_OVER_PI + ROUND_MAGIC - ROUND_MAGIC;
  const r = x - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
  const z = r * r;
  const sin = r * (1 + z * (S1 + z * (S2 + z * S3)));
  const cos = 1 + z * (C1 + z * (C2 + z * (C3 + z * C4)));
  const qs = k & 3;
  const qc = (k + 1) & 3;
  SINCOS[0] = (sin + (qc & 1) * (cos - sin)) * (1 - (qc & 2));
  return (sin + (qs & 1) * (cos - sin)) * (1 - (qs & 2));
}

/** tan x: the reduction of {@link fsin}; sin r / cos r for even k, −cos r / sin r for odd k. */
export function ftan(x: number): number {
  const ax = Math.abs(x);
  if (!(ax <= TRIG_LIMIT && ax > 0)) return Math.tan(x);
  const k = x * TWO_OVER_PI + ROUND_MAGIC - ROUND_MAGIC;
  const r = x - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
  const z = r * r;
  const sin = r * (1 + z * (S1 + z * (S2 + z * S3)));
  const cos = 1 + z * (C1 + z * (C2 + z * (C3 + z * C4)));
  return (k & 1) === 0 ? sin / cos : -cos / sin;
}

// tanh x ≈ x·P(x²)/Q(x²) on |x| ≤ 10 (degrees 4 and 5 in x²): near-minimax fit of the relative
// error, 5.2e-9 (Lawson's reweighting of the linearized error (P − f·Q)/(f·Q), f = tanh(x)/x, on
// 6,000 points against mpmath). Both polynomials have positive coefficients, so Q has no pole.
// |x| is clamped to 10, where 1 − tanh 10 = 4e-9 is below float32's
// resolution, so large |x| and ±Infinity give ±1 after rounding; NaN passes the ternaries unchanged
// and ±0 keeps its sign. No exp and no branch: 2× faster than e/(e + 2) with e = expm1(2x).
const TANH_CLAMP = 10;
const TP0 = 0.9999999993291142;
const TP1 = 0.13751208899706316;
const TP2 = 0.003964942006926353;
const TP3 = 3.0640457906658356e-5;
const TP4 = 4.743688779978994e-8;
const TQ1 = 0.4708454120799783;
const TQ2 = 0.027580098666095062;
const TQ3 = 0.0004128572656809967;
const TQ4 = 1.5439723562498883e-6;
const TQ5 = 6.707733812838512e-10;

/** ftanh's clamp and coefficients (P from x⁰ up, Q from x² up), for kernels that compute it the same way (simd.ts). */
export const TANH = { clamp: TANH_CLAMP, p: [TP0, TP1, TP2, TP3, TP4], q: [TQ1, TQ2, TQ3, TQ4, TQ5] } as const;

/** tanh x: a rational function of x on |x| ≤ 10, relative-accurate down to denormals. */
export function ftanh(x: number): number {
  x = x > TANH_CLAMP ? TANH_CLAMP : x;
  x = x < -TANH_CLAMP ? -TANH_CLAMP : x;
  const z = x * x;
  return (x * (TP0 + z * (TP1 + z * (TP2 + z * (TP3 + z * TP4))))) / (1 + z * (TQ1 + z * (TQ2 + z * (TQ3 + z * (TQ4 + z * TQ5)))));
}

// erf x ≈ x·P(x²) on |x| < 0.9: near-minimax relative error 1.2e-8.
const ERF_SPLIT = 0.9;
const P0 = 1.128379153804758;
const P1 = -0.3761252329427288;
const P2 = 0.1128214093499387;
const P3 = -0.026778912353221454;
const P4 = 0.005011967029559139;
const P5 = -0.0006090378764036022;
// erf x ≈ 1 − e^T(x) on 0.9 ≤ x < 4, T fitted to log erfc x weighted by erfc x: absolute error 1.6e-9.
const ERF_SATURATION = 4;
const T0 = -0.00017749611787682584;
const T1 = -1.1277495561104227;
const T2 = -0.6370597643782729;
const T3 = -0.10403734927257452;
const T4 = 0.02227708184867927;
const T5 = -0.0030556061791257028;
const T6 = 0.00019718157691073213;

/** erf x: odd polynomial below |x| = 0.9, 1 − exp(polynomial) up to 4, ±1 beyond (float32 erf rounds to ±1 from 3.92). */
export function ferf(x: number): number {
  const ax = Math.abs(x);
  if (ax < ERF_SPLIT) {
    const z = x * x;
    return x * (P0 + z * (P1 + z * (P2 + z * (P3 + z * (P4 + z * P5)))));
  }
  if (ax < ERF_SATURATION) {
    const tail = fexp(T0 + ax * (T1 + ax * (T2 + ax * (T3 + ax * (T4 + ax * (T5 + ax * T6))))));
    return x > 0 ? 1 - tail : tail - 1;
  }
  return x > 0 ? 1 : x < 0 ? -1 : x;
}
