/**
 * The samplers added to `random` for the rest of `jax.random`: chisquare,
 * t (studentT), f, loggamma, generalizedNormal, wald, binomial, multinomial,
 * orthogonal. Moments against the distributions' closed forms with
 * tolerances from the sample size (k standard errors of the sample mean and
 * of the sample variance, from the known fourth moment), key determinism,
 * and derivatives (pathwise by finite differences where reparameterized;
 * expectation identities for the implicit gamma-based ones).
 */
import { describe, expect, it } from 'vitest';
import * as fx from '../lib/index.js';
import { keyedMore, logGamma } from './distributions.js';
import { waldCdf, waldSampleDerivative } from './hostMath.js';
import { random, runRandom } from './index.js';

type AnyT = fx.Tensor<fx.Shape, fx.Dtype>;
type F = fx.Tensor<[], 'float32'>;
const N = 20000;
const key = fx.random.key(19);
const values = (t: unknown) => Array.from((t as AnyT).dataSync() as ArrayLike<number>);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
};
const gammaFn = (x: number) => Math.exp(logGamma(x));

/**
 * Sample mean within k standard errors of `m` (SE √(v/n)) and sample variance
 * within k standard errors of `v` (SE √((μ4 − v²)/n), μ4 the central fourth moment).
 */
function expectMoments(name: string, xs: number[], m: number, v: number, mu4: number, k = 5): void {
  const n = xs.length;
  expect(Math.abs(mean(xs) - m), `${name}: mean ${mean(xs)} vs ${m}`).toBeLessThan(k * Math.sqrt(v / n));
  expect(Math.abs(variance(xs) - v), `${name}: variance ${variance(xs)} vs ${v}`).toBeLessThan(k * Math.sqrt((mu4 - v * v) / n));
}

describe('moments of the new continuous samplers', () => {
  it('chisquare, t, f, generalizedNormal, wald', () => {
    for (const df of [1, 3, 12]) {
      const v = 2 * df;
      expectMoments(`chisquare(${df})`, values(keyedMore.chisquare(key, [N], df)), df, v, v * v * (3 + 12 / df));
    }
    // t with ν = 9: variance ν/(ν−2), excess kurtosis 6/(ν−4).
    const nu = 9;
    const vt = nu / (nu - 2);
    expectMoments('t(9)', values(keyedMore.t(key, [N], nu)), 0, vt, vt * vt * (3 + 6 / (nu - 4)));
    // f(d1, d2): mean d2/(d2−2), variance 2 d2² (d1 + d2 − 2) / (d1 (d2 − 2)² (d2 − 4)); the mean only (its fourth moment needs d2 > 8 and is long).
    const [d1, d2] = [5, 12];
    const vf = (2 * d2 * d2 * (d1 + d2 - 2)) / (d1 * (d2 - 2) ** 2 * (d2 - 4));
    const fs = values(keyedMore.f(key, [N], d1, d2));
    expect(Math.abs(mean(fs) - d2 / (d2 - 2))).toBeLessThan(5 * Math.sqrt(vf / N));
    expect(Math.min(...fs)).toBeGreaterThan(0);
    // generalized normal: E|x|^r = Γ((r+1)/p) / Γ(1/p).
    for (const p of [0.8, 1.5, 2, 4]) {
      const abs = (r: number) => gammaFn((r + 1) / p) / gammaFn(1 / p);
      expectMoments(`generalizedNormal(${p})`, values(keyedMore.generalizedNormal(key, [N], p)), 0, abs(2), abs(4));
    }
    // wald IG(μ, 1): variance μ³, excess kurtosis 15μ.
    for (const mu of [0.5, 2]) {
      const vw = mu ** 3;
      expectMoments(`wald(${mu})`, values(keyedMore.wald(key, [N], mu)), mu, vw, vw * vw * (3 + 15 * mu));
    }
  });

  it('loggamma has the log-gamma cumulants ψ(a), ψ′(a), and stays finite where gamma underflows', () => {
    // Cumulants of log G, G ~ gamma(a): κ1 = ψ(a), κ2 = ψ′(a), κ4 = ψ‴(a); μ4 = κ4 + 3κ2².
    const psi = (a: number) => (logGamma(a + 1e-5) - logGamma(a - 1e-5)) / 2e-5;
    const trigamma = (a: number) => (logGamma(a + 1e-3) - 2 * logGamma(a) + logGamma(a - 1e-3)) / 1e-6;
    for (const [a, k4] of [[2, Math.PI ** 4 / 15 - 6], [5, 0.0544]] as const) {
      // ψ‴(5) = π⁴/15 − 6(1 + 1/2⁴ + 1/3⁴ + 1/4⁴) = 0.05440…
      const k2 = trigamma(a);
      expectMoments(`loggamma(${a})`, values(keyedMore.loggamma(key, [N], a)), psi(a), k2, k4 + 3 * k2 * k2);
    }
    // a = 0.01: most gamma samples underflow float32 (x ~ e^{−100}); loggamma's do not. ψ(0.01) = −100.5608, ψ′(0.01) = 10001.62.
    const ys = values(keyedMore.loggamma(key, [N], 0.01));
    expect(ys.every(Number.isFinite)).toBe(true);
    expect(Math.abs(mean(ys) + 100.5608)).toBeLessThan(5 * Math.sqrt(10001.62 / N));
    const g = values(keyedMore.gamma(key, [N], 0.01));
    expect(g.filter((x) => x === 0).length).toBeGreaterThan(N / 4);
    // Same words: loggamma is log(gamma) for one key wherever gamma is representable.
    const lg = values(keyedMore.loggamma(key, [200], 2.5));
    const gg = values(keyedMore.gamma(key, [200], 2.5));
    lg.forEach((y, i) => expect(Math.abs(y - Math.log(gg[i]!))).toBeLessThan(1e-5 * Math.max(1, Math.abs(y))));
  });
});

describe('the new discrete samplers and orthogonal', () => {
  it('binomial: float32 counts with mean np, variance np(1−p), for the inversion and BTRS regimes', () => {
    for (const [n, p] of [[10, 0.3], [40, 0.05], [1000, 0.3], [100, 0.9], [7, 1], [0, 0.5]] as const) {
      const t = keyedMore.binomial(key, n, p, [N]) as AnyT;
      expect(t.dtype).toBe('float32');
      const xs = values(t);
      expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x <= n)).toBe(true);
      const v = n * p * (1 - p);
      if (v === 0) {
        expect(new Set(xs)).toEqual(new Set([n * p]));
        continue;
      }
      // Binomial central fourth moment: v (1 + 3 (n − 2) p q).
      expectMoments(`binomial(${n}, ${p})`, xs, n * p, v, v * (1 + 3 * (n - 2) * p * (1 - p)));
    }
    // P(X = k) for a small case against the pmf.
    const xs = values(keyedMore.binomial(key, 4, 0.35, [N]));
    for (let k = 0; k <= 4; k++) {
      const pmf = Math.exp(logGamma(5) - logGamma(k + 1) - logGamma(5 - k)) * 0.35 ** k * 0.65 ** (4 - k);
      expect(Math.abs(xs.filter((x) => x === k).length / N - pmf)).toBeLessThan(5 * Math.sqrt((pmf * (1 - pmf)) / N));
    }
    // Tensor parameters broadcast to the default shape.
    expect((keyedMore.binomial(key, fx.tensor([[3], [5]]), fx.tensor([0.2, 0.5, 0.8])) as AnyT).shape).toEqual([2, 3]);
    expect(() => keyedMore.binomial(key, 2.5, 0.5, [3])).toThrow(/random.binomial: n must be a non-negative integer, got 2.5/);
    expect(() => keyedMore.binomial(key, 3, 1.5, [3])).toThrow(/random.binomial: p must be in \[0, 1\], got 1.5/);
  });

  it('multinomial: counts sum to n, mean n·p, variance n·p(1−p), covariance −n·p_i·p_j', () => {
    const p = [0.2, 0.3, 0.5];
    const n = 12;
    const rows = (keyedMore.multinomial(key, n, fx.tensor(p), [N / 2]) as AnyT).arraySync() as number[][];
    expect(rows.every((r) => r.reduce((s, x) => s + x, 0) === n)).toBe(true);
    for (let j = 0; j < 3; j++) {
      const v = n * p[j]! * (1 - p[j]!);
      const col = rows.map((r) => r[j]!);
      expect(Math.abs(mean(col) - n * p[j]!)).toBeLessThan(5 * Math.sqrt(v / rows.length));
      expect(Math.abs(variance(col) / v - 1)).toBeLessThan(0.06);
    }
    const c01 = mean(rows.map((r) => (r[0]! - n * p[0]!) * (r[1]! - n * p[1]!)));
    expect(Math.abs(c01 + n * p[0]! * p[1]!)).toBeLessThan(0.1);
    // Batched p and n.
    const b = keyedMore.multinomial(key, fx.tensor([5, 0]), fx.tensor([[0.5, 0.5], [0.1, 0.9]])) as AnyT;
    expect(b.shape).toEqual([2, 2]);
    const bv = b.arraySync() as number[][];
    expect(bv[0]![0]! + bv[0]![1]!).toBe(5);
    expect(bv[1]).toEqual([0, 0]);
  });

  it('orthogonal: QᵀQ = I, and Haar moments (Q₀₀² ~ Beta(½, (n−1)/2); E[det] = 0)', () => {
    const n = 4;
    const count = 4000;
    const qs = (keyedMore.orthogonal(key, n, [count]) as AnyT).arraySync() as number[][][];
    expect(qs.length).toBe(count);
    for (const q of qs.slice(0, 50)) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const d = q.reduce((s, row) => s + row[i]! * row[j]!, 0);
          expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-6);
        }
      }
    }
    const q00 = qs.map((q) => q[0]![0]! ** 2);
    const v = (2 * (n - 1)) / (n * n * (n + 2));
    expect(Math.abs(mean(q00) - 1 / n)).toBeLessThan(5 * Math.sqrt(v / count));
    const q23 = qs.map((q) => q[2]![3]!);
    expect(Math.abs(mean(q23))).toBeLessThan(5 * Math.sqrt(1 / n / count));
    // det = ±1 with equal probability: the sign of a 4×4 determinant by elimination.
    const det = (a: number[][]) => {
      const m = a.map((r) => [...r]);
      let d = 1;
      for (let c = 0; c < n; c++) {
        let piv = c;
        for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
        if (piv !== c) {
          [m[c], m[piv]] = [m[piv]!, m[c]!];
          d = -d;
        }
        d *= m[c]![c]!;
        for (let r = c + 1; r < n; r++) {
          const f = m[r]![c]! / m[c]![c]!;
          for (let k = c; k < n; k++) m[r]![k]! -= f * m[c]![k]!;
        }
      }
      return d;
    };
    const dets = qs.map(det);
    expect(dets.every((d) => Math.abs(Math.abs(d) - 1) < 1e-5)).toBe(true);
    expect(Math.abs(mean(dets))).toBeLessThan(5 / Math.sqrt(count));
    expect((keyedMore.orthogonal(key, 3) as AnyT).shape).toEqual([3, 3]);
  });
});

describe('keys: the new samplers are deterministic functions of the key', () => {
  it('same key, same draws; another key, other draws; runRandom uses the handler key', () => {
    const draws: [string, (k: fx.random.Key) => unknown][] = [
      ['chisquare', (k) => keyedMore.chisquare(k, [6], 2)],
      ['t', (k) => keyedMore.t(k, [6], 3)],
      ['f', (k) => keyedMore.f(k, [6], 2, 3)],
      ['loggamma', (k) => keyedMore.loggamma(k, [6], 0.5)],
      ['generalizedNormal', (k) => keyedMore.generalizedNormal(k, [6], 3)],
      ['wald', (k) => keyedMore.wald(k, [6], 1)],
      ['binomial', (k) => keyedMore.binomial(k, 50, 0.4, [6])],
      ['multinomial', (k) => keyedMore.multinomial(k, 50, fx.tensor([0.25, 0.75]), [3])],
      ['orthogonal', (k) => keyedMore.orthogonal(k, 3)],
    ];
    for (const [name, draw] of draws) {
      const a = values(draw(fx.random.key(5)));
      expect(values(draw(fx.random.key(5))), name).toEqual(a);
      expect(values(draw(fx.random.key(6))), name).not.toEqual(a);
    }
    const k = fx.random.key(9);
    const k0 = fx.random.fold(k, 0);
    expect(values(runRandom(random.chisquare([4], 3), k))).toEqual(values(keyedMore.chisquare(k0, [4], 3)));
    expect(values(runRandom(random.t([4], 3), k))).toEqual(values(keyedMore.t(k0, [4], 3)));
    expect(values(runRandom(random.studentT([4], 3), k))).toEqual(values(keyedMore.t(k0, [4], 3)));
    expect(values(runRandom(random.f([4], 3, 5), k))).toEqual(values(keyedMore.f(k0, [4], 3, 5)));
    expect(values(runRandom(random.loggamma([4], 3), k))).toEqual(values(keyedMore.loggamma(k0, [4], 3)));
    expect(values(runRandom(random.generalizedNormal([4], 3), k))).toEqual(values(keyedMore.generalizedNormal(k0, [4], 3)));
    expect(values(runRandom(random.wald([4], 3), k))).toEqual(values(keyedMore.wald(k0, [4], 3)));
    expect(values(runRandom(random.binomial(9, 0.5, [4]), k))).toEqual(values(keyedMore.binomial(k0, 9, 0.5, [4])));
    expect(values(runRandom(random.multinomial(9, fx.tensor([0.5, 0.5])), k))).toEqual(values(keyedMore.multinomial(k0, 9, fx.tensor([0.5, 0.5]))));
    expect(values(runRandom(random.orthogonal(2, [2]), k))).toEqual(values(keyedMore.orthogonal(k0, 2, [2])));
  });
});

describe('derivatives of the new samplers', () => {
  it('implicit reparameterization: d E[χ²_df]/d df = 1, d E[t²]/d ν = −2/(ν−2)², d E[F]/d d2 = −2/(d2−2)², d E[log G]/d a = ψ′(a)', () => {
    const k = fx.random.key(23);
    const dChi = fx.grad((df: F) => fx.mean(keyedMore.chisquare(k, [N], df) as fx.Tensor<[number], 'float32'>))(fx.scalar(4));
    expect(Math.abs(dChi.item() - 1)).toBeLessThan(0.04);
    const dT = fx.grad((nu: F) => {
      const x = keyedMore.t(k, [N], nu) as fx.Tensor<[number], 'float32'>;
      return fx.mean(fx.mul(x, x));
    })(fx.scalar(8));
    expect(Math.abs(dT.item() + 2 / 36)).toBeLessThan(0.015);
    const dF = fx.grad((d2: F) => fx.mean(keyedMore.f(k, [N], 6, d2) as fx.Tensor<[number], 'float32'>))(fx.scalar(10));
    expect(Math.abs(dF.item() + 2 / 64)).toBeLessThan(0.01);
    for (const a of [0.3, 3]) {
      const dL = fx.grad((t: F) => fx.mean(keyedMore.loggamma(k, [N], t) as fx.Tensor<[number], 'float32'>))(fx.scalar(a));
      const trigamma = (logGamma(a + 1e-3) - 2 * logGamma(a) + logGamma(a - 1e-3)) / 1e-6;
      expect(Math.abs(dL.item() / trigamma - 1), `a = ${a}`).toBeLessThan(0.05);
    }
  });
});

describe('wald: implicit reparameterization in its mean', () => {
  it("dx/dμ = −(∂F/∂μ)/p matches the inverse CDF's derivative at fixed u, and d E[x]/d μ = 1", () => {
    for (const mu of [0.3, 1.5, 4]) {
      const [x, dxdm] = fx.valueAndGrad((m: fx.Tensor<[1], 'float32'>) => fx.sum(keyedMore.wald(fx.random.key(13), [1], m) as fx.Tensor<[1], 'float32'>))(fx.tensor([mu]));
      const xv = x.item();
      const u = waldCdf(mu, xv);
      // x(μ ± h) solving F(x; μ ± h) = u, by bisection in log x; central difference.
      const solve = (m: number) => {
        let lo = Math.log(xv) - 20;
        let hi = Math.log(xv) + 20;
        for (let i = 0; i < 200; i++) {
          const mid = (lo + hi) / 2;
          if (waldCdf(m, Math.exp(mid)) < u) lo = mid;
          else hi = mid;
        }
        return Math.exp((lo + hi) / 2);
      };
      const h = 1e-4 * mu;
      const fd = (solve(mu + h) - solve(mu - h)) / (2 * h);
      expect(Math.abs(dxdm.item() - fd), `mu = ${mu}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
      expect(waldSampleDerivative(mu, xv)).toBeGreaterThan(0);
    }
    // The CDF itself against a numerical integral of the density, so the check above tests against the right F.
    const density = (m: number, x: number) => Math.exp(-((x - m) ** 2) / (2 * m * m * x)) / Math.sqrt(2 * Math.PI * x ** 3);
    let integral = 0;
    const step = 1e-4;
    for (let x = step / 2; x < 2; x += step) integral += density(1.5, x) * step;
    expect(Math.abs(integral - waldCdf(1.5, 2))).toBeLessThan(1e-6);
    const d = fx.grad((m: F) => fx.mean(keyedMore.wald(fx.random.key(8), [N], m) as fx.Tensor<[number], 'float32'>))(fx.scalar(1.5));
    // E[x] = μ: its derivative is 1; the estimator's spread is about sd(dx/dμ)/√N.
    expect(Math.abs(d.item() - 1)).toBeLessThan(0.05);
  });
});
