import { afterEach, describe, expect, it } from 'vitest';
import * as fx from '../index.js';

type V = fx.Tensor<[3], 'float32'>;

describe('debug.nans: the first primitive that produced NaN/Inf', () => {
  afterEach(() => fx.debug.nans(false));

  it('names the primitive, the pass, the shapes and the input value (eager)', () => {
    fx.debug.nans(true);
    const x = fx.tensor([1, -1, 2]);
    expect(() => fx.sum(fx.log(x))).toThrow(/NaN produced by primitive 'log' in the forward pass: first non-finite output at flat index 1 of f32\[3\]; inputs: f32\[3\] = -1 there/);
  });

  it('propagated NaNs are not blamed on later primitives', () => {
    fx.debug.nans(true);
    try {
      fx.mul(fx.exp(fx.log(fx.tensor([-2]))), 3);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(fx.NaNError);
      expect((e as fx.NaNError).primitive).toBe('log');
    }
  });

  it('reports the backward pass', () => {
    const bad = fx.customVjp(
      (v: V) => fx.mul(v, 2),
      (v: V) => [fx.mul(v, 2), null] as [V, null],
      (_r, g) => [fx.log(fx.neg(fx.abs(g)))],
    );
    fx.debug.nans(true);
    expect(() => fx.grad((v: V) => fx.sum(bad(v)))(fx.tensor([1, 2, 3]))).toThrow(/produced by primitive 'log' in the backward pass/);
  });

  it('reports the equation inside a compiled jit program', () => {
    const g = fx.jit((v: V) => fx.sqrt(fx.sub(v, 2)));
    g(fx.tensor([3, 4, 5])); // compile while values are fine
    fx.debug.nans(true);
    expect(() => g(fx.tensor([3, 1, 5]))).toThrow(/NaN produced by primitive 'sqrt' in the forward pass \(equation 1 of a compiled jit program\)/);
  });

  it('off by default: NaNs flow silently', () => {
    expect(() => fx.log(fx.tensor([-1]))).not.toThrow();
  });
});

describe('gradDiagnostics: why a gradient is zero', () => {
  it('tells structural zeros (with the op that cut them), numerical zeros and fine gradients apart', () => {
    const f = (p: { w: V; u: V; dead: V; b: V }) =>
      fx.add(
        fx.add(fx.sum(fx.cast(fx.argmax(p.w), 'float32')), fx.sum(fx.relu(p.dead))),
        fx.add(fx.sum(fx.mul(p.b, p.b)), fx.sum(fx.cast(fx.greater(p.w, 0), 'float32'))),
      );
    const report = fx.gradDiagnostics(f)({ w: fx.tensor([1, 3, 2]), u: fx.ones([3]), dead: fx.tensor([-1, -2, -3]), b: fx.tensor([1, 0, 0]) });
    const byPath = Object.fromEntries(report.leaves.map((l) => [l.path, l]));
    expect(byPath['argument 0.w']).toMatchObject({ status: 'structural-zero' });
    expect(byPath['argument 0.w']!.cutBy).toEqual(expect.arrayContaining(['argmax', 'greater']));
    expect(byPath['argument 0.u']).toMatchObject({ status: 'structural-zero', cutBy: [] });
    expect(byPath['argument 0.dead']).toMatchObject({ status: 'numerical-zero' });
    expect(byPath['argument 0.b']!.status).toBe('ok');
    expect(byPath['argument 0.b']!.norm).toBeCloseTo(2, 5);
    const text = report.toString();
    expect(text).toMatch(/argument 0\.w f32\[3\]: gradient is structurally zero — cut by .*argmax/);
    expect(text).toMatch(/argument 0\.u f32\[3\]: gradient is structurally zero — the output does not depend on it/);
  });

  it('names stopGradient as the cut', () => {
    const report = fx.gradDiagnostics((x: V) => fx.sum(fx.stopGradient(x)))(fx.ones([3]));
    expect(report.leaves[0]).toMatchObject({ status: 'structural-zero', cutBy: ['stopGradient'] });
  });
});

describe('memoryProfile: what reverse mode stores', () => {
  const deep = (x: fx.Tensor<[64], 'float32'>) => fx.fori(0, 10, (_i, c: fx.Tensor<[64], 'float32'>) => fx.tanh(fx.mul(c, 1.5)), x);

  it('lists residuals by size with the primitive that made them', () => {
    const profile = fx.memoryProfile((x: fx.Tensor<[64], 'float32'>) => fx.sum(deep(x)))(fx.ones([64]));
    expect(profile.residuals.length).toBeGreaterThanOrEqual(10);
    expect(profile.residuals.some((r) => r.producedBy === 'tanh' || r.producedBy === 'mul' || r.producedBy === 'sub')).toBe(true);
    expect(profile.totalBytes).toBe(profile.residuals.reduce((s, r) => s + r.bytes, 0));
    expect(profile.toString()).toMatch(/fx\.checkpoint/);
  });

  it('checkpoint shrinks it to the segment inputs', () => {
    const plain = fx.memoryProfile((x: fx.Tensor<[64], 'float32'>) => fx.sum(deep(x)))(fx.ones([64]));
    const remat = fx.memoryProfile((x: fx.Tensor<[64], 'float32'>) => fx.sum(fx.checkpoint(deep)(x)))(fx.ones([64]));
    expect(remat.totalBytes).toBeLessThan(plain.totalBytes / 4);
  });
});

describe('gradDiagnostics: wrong derivative target', () => {
  it("notes a gradient taken through a solver's unrolled iterations", () => {
    type S = fx.Tensor<[], 'float32'>;
    const solve = (a: S, diff: 'implicit' | 'unrolled') =>
      fx.fixedPoint((x: S, p: S) => fx.cos(fx.mul(p, x)), fx.scalar(0.5) as S, a, diff === 'unrolled' ? { diff, maxIter: 5, tol: 1e-12 } : { diff });
    const unrolled = fx.gradDiagnostics((a: S) => solve(a, 'unrolled'))(fx.scalar(0.8));
    expect(unrolled.notes.join('\n')).toMatch(/through 5 iterations of fixedPoint \(diff: 'unrolled'\): this is the derivative of the algorithm/);
    const implicit = fx.gradDiagnostics((a: S) => solve(a, 'implicit'))(fx.scalar(0.8));
    expect(implicit.notes).toEqual([]);
  });
});
