import { describe, it, expect } from 'vitest';
import { rng } from '../testing/random.js';
import { fcos, ferf, fexp, fexpm1, flog, flog1p, fsin, ftan, ftanh } from './fastmath.js';

// Deterministic samples: mulberry32, so a failure reproduces.
const random = rng;

/** `count` float32 values with |x| log-uniform in [lo, hi], each sign with probability `negative` of being negative. */
function samples(lo: number, hi: number, negative: number, count = 200_000, seed = 1): Float64Array {
  const next = random(seed);
  const out = new Float64Array(count);
  const a = Math.log(lo);
  const b = Math.log(hi);
  for (let i = 0; i < count; i++) {
    const magnitude = Math.exp(a + (b - a) * next());
    out[i] = Math.fround(next() < negative ? -magnitude : magnitude);
  }
  return out;
}

// erf has no Math.*: Maclaurin series below 3 (cancellation costs < 1e-12 there), Lentz's
// continued fraction for erfc from 3 (converged to double precision in 60 terms).
function erfReference(x: number): number {
  const ax = Math.abs(x);
  if (Number.isNaN(x) || x === 0) return x;
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 27) return Math.sign(x);
  let fraction = ax;
  for (let n = 60; n >= 1; n--) fraction = ax + n / 2 / fraction;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / fraction;
  return Math.sign(x) * (1 - erfc);
}


/** Relative error with an absolute floor of 1e-30 on the denominator; 0 for two equal values (Infinity, ±0 with the same sign), Infinity for NaN or a sign-of-zero mismatch. */
function error(actual: number, expected: number): number {
  if (Object.is(actual, expected)) return 0;
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return Infinity;
  if (actual === 0 && expected === 0) return Infinity;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-30);
}

interface Worst {
  readonly float32: number;
  readonly float64: number;
  readonly at: number;
}

/** Largest error over inputs after Math.fround of both sides, and of the float64 result itself. */
function worst(fast: (x: number) => number, exact: (x: number) => number, inputs: ArrayLike<number>): Worst {
  let float32 = 0;
  let float64 = 0;
  let at = NaN;
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i]!;
    const actual = fast(x);
    const expected = exact(x);
    const e32 = error(Math.fround(actual), Math.fround(expected));
    if (e32 > float32) {
      float32 = e32;
      at = x;
    }
    // Beyond float32 range the float64 value is free to differ (see fexp's clamp).
    if (Math.abs(expected) < 3.5e38) float64 = Math.max(float64, error(actual, expected));
  }
  return { float32, float64, at };
}

// 2 float32 ulp, as the spec promises.
const FLOAT32_BOUND = 3e-7;

const F32_MIN_DENORMAL = 1.401298464324817e-45;
const F32_MAX = 3.4028234663852886e38;
const HALF_PI = Math.PI / 2;

const SPECIALS = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  F32_MIN_DENORMAL,
  -F32_MIN_DENORMAL,
  1e-40,
  -1e-40,
  1.1754943508222875e-38,
  F32_MAX,
  -F32_MAX,
  1e300,
  -1e300,
  Number.MIN_VALUE,
  // e^x at the float32 overflow and underflow thresholds, and around float64's.
  88.72283172607422,
  88.72283935546875,
  88.7228468,
  -87.33654022216797,
  -103.27892303466797,
  -103.97207708,
  -104,
  709.5,
  -745.2,
  -1,
  -0.5,
  1,
  0.5,
  // Multiples of π/2 in float32, where sin or cos is tiny and needs the three-constant reduction.
  ...[1, 2, 3, 4, 5, 10, 100, 1001, 12345, 98765, 636600].flatMap((k) => [Math.fround(k * HALF_PI), Math.fround(-k * HALF_PI)]),
  // Float32 neighbours of π/2 and π.
  1.5707963705062866,
  1.5707962512969971,
  3.1415927410125732,
  3.1415925025939941,
  // The largest float32 multiple-of-π/2 neighbourhood checked, the fallback boundary and beyond it.
  999999.9375,
  1e6,
  1000000.0625,
  16777216,
  1e20,
];

interface Case {
  readonly name: string;
  readonly fast: (x: number) => number;
  readonly exact: (x: number) => number;
  readonly inputs: Float64Array;
  /** Bound on the float64 result's own relative error: a few times what was measured, so that a wrong coefficient shows. */
  readonly float64Bound: number;
}

const wide = (lo: number, hi: number): Float64Array => samples(lo, hi, 0.5);
const cases: Case[] = [
  { name: 'fexp', fast: fexp, exact: Math.exp, inputs: wide(1e-45, 120), float64Bound: 2e-8 },
  { name: 'fexpm1', fast: fexpm1, exact: Math.expm1, inputs: wide(1e-45, 120), float64Bound: 4e-8 },
  { name: 'flog', fast: flog, exact: Math.log, inputs: samples(1e-45, F32_MAX, 0), float64Bound: 1e-9 },
  {
    name: 'flog1p',
    fast: flog1p,
    exact: Math.log1p,
    inputs: Float64Array.from([...samples(1e-45, F32_MAX, 0, 100_000, 2), ...samples(1e-45, 1, 1, 100_000, 3)]),
    float64Bound: 4e-9,
  },
  { name: 'fsin', fast: fsin, exact: Math.sin, inputs: wide(1e-45, 2e6), float64Bound: 2e-8 },
  { name: 'fcos', fast: fcos, exact: Math.cos, inputs: wide(1e-45, 2e6), float64Bound: 2e-8 },
  { name: 'ftan', fast: ftan, exact: Math.tan, inputs: wide(1e-45, 2e6), float64Bound: 2e-8 },
  { name: 'ftanh', fast: ftanh, exact: Math.tanh, inputs: wide(1e-45, 1e4), float64Bound: 4e-8 },
  { name: 'ferf', fast: ferf, exact: erfReference, inputs: wide(1e-45, 1e4), float64Bound: 4e-8 },
];

describe('fastmath: float32-accurate fast transcendentals', () => {
  for (const { name, fast, exact, inputs, float64Bound } of cases) {
    describe(name, () => {
      it('is within 2 float32 ulp of Math.* on 200,000 float32 values log-uniform over the domain, both signs', () => {
        const { float32, float64, at } = worst(fast, exact, inputs);
        expect(float32, `worst at x = ${at}`).toBeLessThanOrEqual(FLOAT32_BOUND);
        expect(float64).toBeLessThanOrEqual(float64Bound);
      });

      it('gives special values exactly as Math.* does, and float32 accuracy at thresholds and multiples of π/2', () => {
        for (const x of SPECIALS) {
          const actual = Math.fround(fast(x));
          const expected = Math.fround(exact(x));
          const special = !Number.isFinite(expected) || expected === 0;
          if (special) expect(actual, `${name}(${Object.is(x, -0) ? '-0' : x})`).toBe(expected);
          else expect(error(actual, expected), `${name}(${x}) = ${actual}, exact ${expected}`).toBeLessThanOrEqual(FLOAT32_BOUND);
        }
      });
    });
  }

  it('sin and cos of float32 multiples of π/2 keep their relative accuracy (reduction error would show as huge relative error)', () => {
    const next = random(7);
    let worstError = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = Math.fround(Math.floor(next() * 600_000) * HALF_PI);
      worstError = Math.max(worstError, error(Math.fround(fsin(x)), Math.fround(Math.sin(x))));
      worstError = Math.max(worstError, error(Math.fround(fcos(x)), Math.fround(Math.cos(x))));
    }
    expect(worstError).toBeLessThanOrEqual(FLOAT32_BOUND);
  });
});
