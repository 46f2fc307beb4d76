/**
 * Each optimizer rewrite (rewrites.ts) on the special-value classes: an
 * exact rule gives the same float32 bits as the expression it replaces for
 * every pair of NaN, ±Infinity, ±0, ±1, extremes, denormals and ordinary
 * values; an inexact rule (never run by `jit`) has a counterexample there.
 */
import { describe, expect, it } from 'vitest';
import { sc, type Scalar } from '../core/scalar.js';
import { emitJs, MATH } from './emitJs.js';
import { RULES, simplifyScalar } from './rewrites.js';

const VALUES = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -2.5, 3e38, -3e38, 1e-40, -1e-40, 88.8, 100, 1e-7];

/** Evaluates a float32 expression as a generated loop would (float64 ops, float32 result). */
function evaluate(e: Scalar): (x: number, y: number) => number {
  const k: number[] = [];
  const { lines, values } = emitJs([e], (i) => (i === 0 ? 'x' : 'y'), (v) => `k[${k.push(v) - 1}]`, 't');
  const names = Object.keys(MATH);
  const make = new Function(...names, 'k', `return (x, y) => {\n${lines.join('\n')}\nreturn Math.fround(${values[0]});\n};`) as (...a: unknown[]) => (x: number, y: number) => number;
  return make(...names.map((n) => MATH[n as keyof typeof MATH]), Float64Array.from(k));
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('optimizer rewrites', () => {
  const x = sc.arg(0, 'float32');
  const y = sc.arg(1, 'float32');
  for (const rule of RULES) {
    it(`${rule.name} is ${rule.exact ? 'IEEE-exact' : `not exact (${rule.because})`}`, () => {
      const before = rule.example(x, y);
      const after = simplifyScalar(before, [rule]);
      expect(after, 'the rule matches its example').not.toBe(before);
      const [f, g] = [evaluate(before), evaluate(after)];
      const differ: string[] = [];
      for (const a of VALUES) for (const b of VALUES) if (!same(f(a, b), g(a, b))) differ.push(`x=${a}, y=${b}: ${f(a, b)} → ${g(a, b)}`);
      if (rule.exact) expect(differ).toEqual([]);
      else expect(differ.length, 'an inexact rule has a counterexample among the special values').toBeGreaterThan(0);
    });
  }

  it('jit runs only the exact rules by default', () => {
    const e = sc.add(sc.mul(x, sc.lit(0)), sc.lit(0));
    expect(simplifyScalar(e)).toBe(e);
    expect(simplifyScalar(sc.neg(sc.neg(sc.mul(x, sc.lit(1)))))).toBe(x);
  });
});
