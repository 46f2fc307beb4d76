import { describe, expect, it } from 'vitest';
import * as fx from '../lib/index.js';
import { describeEachBackend } from '../lib/testing/backends.js';
import { gammaP, keyedMore, logGamma } from './distributions.js';
import { random, runRandom } from './index.js';

type AnyT = fx.Tensor<fx.Shape, fx.Dtype>;
const N = 20000;
const key = fx.random.key(7);
const values = (t: unknown) => Array.from((t as AnyT).dataSync() as ArrayLike<number>);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
};
/** |a − b| within `k` standard errors of a mean of N draws with variance `v`. */
const withinSe = (a: number, b: number, v: number, k = 4) => expect(Math.abs(a - b)).toBeLessThan(k * Math.sqrt(v / N) + 1e-9);

describe('host special functions (float64)', () => {
  it('log Γ matches known values; P(a, x) matches closed forms', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(100)).toBeCloseTo(359.1342053695754, 9);
    for (const x of [0.1, 1, 3, 10, 40]) expect(gammaP(1, x)).toBeCloseTo(1 - Math.exp(-x), 13); // exponential CDF
    for (const x of [0.5, 2, 7, 25]) expect(gammaP(2, x)).toBeCloseTo(1 - Math.exp(-x) * (1 + x), 13);
  });
});

describe('continuous samplers: moments against the distributions', () => {
  it('exponential, laplace, logistic, rayleigh, lognormal, maxwell, pareto, weibullMin, triangular', () => {
    const cases: [string, AnyT, number, number][] = [
      ['exponential rate 2', keyedMore.exponential(key, [N], 2) as AnyT, 0.5, 0.25],
      ['laplace(1, 2)', keyedMore.laplace(key, [N], 1, 2) as AnyT, 1, 8],
      ['logistic(0, 1)', keyedMore.logistic(key, [N]) as AnyT, 0, Math.PI ** 2 / 3],
      ['rayleigh(2)', keyedMore.rayleigh(key, [N], 2) as AnyT, 2 * Math.sqrt(Math.PI / 2), ((4 - Math.PI) / 2) * 4],
      ['lognormal(0, 0.5)', keyedMore.lognormal(key, [N], 0, 0.5) as AnyT, Math.exp(0.125), (Math.exp(0.25) - 1) * Math.exp(0.25)],
      ['maxwell', keyedMore.maxwell(key, [N]) as AnyT, 2 * Math.sqrt(2 / Math.PI), 3 - 8 / Math.PI],
      ['pareto(5)', keyedMore.pareto(key, [N], 5) as AnyT, 5 / 4, 5 / (16 * 3)],
      ['weibullMin(2, 1.5)', keyedMore.weibullMin(key, [N], 2, 1.5) as AnyT, 2 * Math.exp(logGamma(1 + 1 / 1.5)), 4 * (Math.exp(logGamma(1 + 2 / 1.5)) - Math.exp(2 * logGamma(1 + 1 / 1.5)))],
      ['triangular(0, 1, 3)', keyedMore.triangular(key, [N], 0, 1, 3) as AnyT, 4 / 3, (0 + 1 + 9 - 0 - 0 - 3) / 18],
      ['doubleSidedMaxwell(1, 2)', keyedMore.doubleSidedMaxwell(key, [N], 1, 2) as AnyT, 1, 4 * 3],
    ];
    for (const [name, t, m, v] of cases) {
      const xs = values(t);
      expect(xs.length, name).toBe(N);
      withinSe(mean(xs), m, v);
      expect(Math.abs(variance(xs) / v - 1), name).toBeLessThan(0.1);
    }
  });

  it('cauchy has the right quartiles (no mean): ±scale around loc', () => {
    const xs = values(keyedMore.cauchy(key, [N], 3, 2)).sort((a, b) => a - b);
    expect(Math.abs(xs[N / 4]! - 1)).toBeLessThan(0.1);
    expect(Math.abs(xs[(3 * N) / 4]! - 5)).toBeLessThan(0.1);
  });

  it('gamma, beta and dirichlet have their means and variances', () => {
    for (const a of [0.3, 1, 2.5, 40]) {
      const xs = values(keyedMore.gamma(key, [N], a, 2));
      withinSe(mean(xs), 2 * a, 4 * a);
      expect(Math.abs(variance(xs) / (4 * a) - 1)).toBeLessThan(0.12);
    }
    const b = values(keyedMore.beta(key, [N], 2, 5));
    withinSe(mean(b), 2 / 7, (2 * 5) / (49 * 8));
    const d = keyedMore.dirichlet(key, fx.tensor([1, 2, 3]), [N / 4]) as AnyT;
    expect(d.shape).toEqual([N / 4, 3]);
    const rows = d.arraySync() as number[][];
    for (const r of rows.slice(0, 50)) expect(r.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
    withinSe(mean(rows.map((r) => r[2]!)), 0.5, (0.5 * 0.5) / 7);
  });

  it('multivariateNormal has the given mean and covariance', () => {
    const mu = fx.tensor([1, -1]);
    const cov = fx.tensor([[2, 0.6], [0.6, 1]]);
    const s = (keyedMore.multivariateNormal(key, mu, cov, [N]) as AnyT).arraySync() as number[][];
    const x = s.map((r) => r[0]!);
    const y = s.map((r) => r[1]!);
    withinSe(mean(x), 1, 2);
    withinSe(mean(y), -1, 1);
    const cxy = mean(x.map((v, i) => (v - mean(x)) * (y[i]! - mean(y))));
    expect(Math.abs(cxy - 0.6)).toBeLessThan(0.05);
    expect(Math.abs(variance(x) / 2 - 1)).toBeLessThan(0.05);
  });

  it('ball: inside the unit p-ball; for p = 2 the radius has E[r] = d / (d + 1)', () => {
    for (const [d, p] of [[3, 2], [2, 1], [4, 3]] as const) {
      const pts = (keyedMore.ball(key, d, p, [4000]) as AnyT).arraySync() as number[][];
      const norms = pts.map((v) => v.reduce((s, x) => s + Math.abs(x) ** p, 0) ** (1 / p));
      expect(Math.max(...norms)).toBeLessThanOrEqual(1 + 1e-6);
      if (p === 2) expect(Math.abs(mean(norms) - d / (d + 1))).toBeLessThan(0.02);
    }
  });
});

describe('discrete samplers (int32)', () => {
  it('poisson (small and large rate), geometric, randint, rademacher', () => {
    for (const lam of [0.5, 4, 80]) {
      const t = keyedMore.poisson(key, lam, [N]) as AnyT;
      expect(t.dtype).toBe('int32');
      const xs = values(t);
      withinSe(mean(xs), lam, lam);
      expect(Math.abs(variance(xs) / lam - 1)).toBeLessThan(0.1);
    }
    const g = values(keyedMore.geometric(key, 0.25, [N]));
    expect(Math.min(...g)).toBe(1);
    withinSe(mean(g), 4, 0.75 / 0.0625);
    const r = values(keyedMore.randint(key, [N], -3, 4));
    expect(Math.min(...r)).toBe(-3);
    expect(Math.max(...r)).toBe(3);
    for (let v = -3; v <= 3; v++) expect(Math.abs(r.filter((x) => x === v).length / N - 1 / 7)).toBeLessThan(0.012);
    const s = values(keyedMore.rademacher(key, [N]));
    expect(new Set(s)).toEqual(new Set([-1, 1]));
    withinSe(mean(s), 0, 1);
  });

  it('permutation and choice without replacement give distinct entries; choice with p follows p', () => {
    const perm = values(keyedMore.permutation(key, 50));
    expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(perm).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const pick = values(keyedMore.choice(key, 10, [10], { replace: false }));
    expect(new Set(pick).size).toBe(10);
    const fromTensor = keyedMore.choice(key, fx.tensor([10, 20, 30]), [2, 2]) as AnyT;
    expect(fromTensor.shape).toEqual([2, 2]);
    for (const v of values(fromTensor)) expect([10, 20, 30]).toContain(v);
    const weighted = values(keyedMore.choice(key, 3, [N], { p: fx.tensor([0.2, 0.3, 0.5]) }));
    expect(Math.abs(weighted.filter((x) => x === 2).length / N - 0.5)).toBeLessThan(0.015);
  });

  it('categorical along an axis, and without replacement (Gumbel top-k)', () => {
    const logits = fx.log(fx.tensor([[0.7, 0.1], [0.2, 0.1], [0.1, 0.8]])); // categories on axis 0
    const draws = keyedMore.categorical(key, logits, { axis: 0, shape: [N, 2] }) as AnyT;
    expect(draws.shape).toEqual([N, 2]);
    const rows = draws.arraySync() as number[][];
    expect(Math.abs(rows.filter((r) => r[0] === 0).length / N - 0.7)).toBeLessThan(0.015);
    expect(Math.abs(rows.filter((r) => r[1] === 2).length / N - 0.8)).toBeLessThan(0.015);
    const noReplace = keyedMore.categorical(key, fx.zeros([4, 6]), { shape: [6, 4], replace: false }) as AnyT;
    expect(noReplace.shape).toEqual([6, 4]);
    const cols = noReplace.arraySync() as number[][];
    for (let b = 0; b < 4; b++) expect(new Set(cols.map((r) => r[b])).size).toBe(6);
    expect(() => keyedMore.categorical(key, fx.zeros([3]), { shape: [4], replace: false })).toThrow(/cannot draw 4 categories without replacement from 3/);
  });
});

describeEachBackend('reparameterized gradients of the new samplers', () => {
  it('pathwise gradients of affine samplers match finite differences (same key), orders 1 and 2', async () => {
    const k = fx.random.key(3);
    const s = fx.tensor([0.5, 1.5, 2]);
    for (const f of [
      (p: fx.Tensor<[3], 'float32'>) => keyedMore.laplace(k, [3], p, fx.exp(p)),
      (p: fx.Tensor<[3], 'float32'>) => keyedMore.logistic(k, [3], fx.mul(p, 2), 1.5),
      (p: fx.Tensor<[3], 'float32'>) => keyedMore.lognormal(k, [3], 0, p),
      (p: fx.Tensor<[3], 'float32'>) => keyedMore.rayleigh(k, [3], p),
      (p: fx.Tensor<[3], 'float32'>) => keyedMore.weibullMin(k, [3], 1, fx.add(p, 1)),
      (p: fx.Tensor<[3], 'float32'>) => keyedMore.triangular(k, [3], fx.neg(p), 0, fx.add(p, 1)),
    ]) {
      await fx.checkGradsAsync(f as never, [s], { order: 2 });
    }
  });

});

// Gamma's implicit derivative reads alpha on the host (synchronously): eager cpu/wasm (not webgpu in Node, which cannot read synchronously).
describe('implicit reparameterization of gamma and beta', () => {
  it("gamma's implicit derivative dx/dα = −(∂P/∂α)/p matches the inverse CDF's derivative at fixed u", () => {
    for (const alpha of [0.5, 2, 9]) {
      const a = fx.tensor([alpha]);
      const [x, dxda] = fx.valueAndGrad((t: fx.Tensor<[1], 'float32'>) => fx.sum(keyedMore.gamma(fx.random.key(11), [1], t) as fx.Tensor<[1], 'float32'>))(a);
      const xv = x.item();
      const u = gammaP(alpha, xv);
      // x(α + h) solving P(α + h, x) = u, by bisection; central difference.
      const solve = (al: number) => {
        let lo = 0;
        let hi = 10 * (xv + 1);
        for (let i = 0; i < 200; i++) {
          const mid = (lo + hi) / 2;
          if (gammaP(al, mid) < u) lo = mid;
          else hi = mid;
        }
        return (lo + hi) / 2;
      };
      const h = 1e-4;
      const fd = (solve(alpha + h) - solve(alpha - h)) / (2 * h);
      expect(Math.abs(dxda.item() - fd)).toBeLessThan(2e-4 * Math.max(1, Math.abs(fd)));
    }
  });

  it('the expected gamma sample has gradient 1 in α, and E[beta] = a/(a+b) has gradient b/(a+b)²', () => {
    const g = fx.grad((t: fx.Tensor<[], 'float32'>) => fx.mean(keyedMore.gamma(fx.random.key(5), [N], t) as fx.Tensor<[20000], 'float32'>))(fx.scalar(3));
    expect(Math.abs(g.item() - 1)).toBeLessThan(0.03);
    const gb = fx.grad((t: fx.Tensor<[], 'float32'>) => fx.mean(keyedMore.beta(fx.random.key(5), [N], t, 3) as fx.Tensor<[20000], 'float32'>))(fx.scalar(2));
    expect(Math.abs(gb.item() - 3 / 25)).toBeLessThan(0.01);
  });

});

describeEachBackend('the new samplers as Random programs', () => {
  it('runRandom gives the keyed draws, bit for bit, on every backend', async () => {
    const drawn = runRandom(random.gamma([4], 2), fx.random.key(9));
    const direct = keyedMore.gamma(fx.random.fold(fx.random.key(9), 0), [4], 2) as AnyT;
    expect(Array.from(await drawn.data())).toEqual(Array.from(await direct.data()));
    expect(runRandom(random.permutation(5), fx.random.key(1)).shape).toEqual([5]);
    const lap = runRandom(random.laplace([3], fx.tensor([1, 2, 3]), 0.5), fx.random.key(2));
    expect(lap.shape).toEqual([3]);
  });
});
