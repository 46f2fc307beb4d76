import { expect, it } from 'vitest';
import * as fx from '../lib/index.js';
import { describeEachBackend, expectClose } from '../lib/testing/backends.js';
import { Eff, logProb, random, runRandom, scoreFunction } from './index.js';

type F32<S extends number[]> = fx.Tensor<S, 'float32'>;

describeEachBackend('Score-function (REINFORCE) vs reparameterization', () => {
  const key = fx.random.key(99);

  // d/dμ E_{x∼N(μ,1)}[x²] = d/dμ (μ² + 1) = 2μ.
  const mu0 = 0.7;
  const pathwise = (n: number) => (mu: F32<[]>) =>
    Eff.gen(function* () {
      const x = yield* random.normal([n], mu, 1);
      return fx.mean(fx.mul(x, x));
    });
  const score = (n: number, baseline?: number) => (mu: F32<[]>) =>
    Eff.gen(function* () {
      const x = fx.stopGradient(yield* random.normal([n], mu, 1)); // the sample carries no gradient
      const f = fx.mul(x, x);
      return fx.mean(scoreFunction(f, logProb.normal(x, mu, 1), baseline === undefined ? {} : { baseline }));
    });

  it('both estimators converge to the analytic gradient 2μ of E[x²], x ∼ N(μ, 1)', async () => {
    const mu = fx.scalar(mu0);
    const errors: Record<string, number[]> = { pathwise: [], score: [], scoreWithBaseline: [] };
    for (const n of [100, 1000, 50000]) {
      const estimates = {
        pathwise: runRandom(fx.grad(pathwise(n))(mu), key),
        score: runRandom(fx.grad(score(n))(mu), key),
        scoreWithBaseline: runRandom(fx.grad(score(n, 1 + mu0 * mu0))(mu), key),
      };
      for (const [name, g] of Object.entries(estimates)) errors[name]!.push(Math.abs((await g.array()) - 2 * mu0));
    }
    // At 50 000 samples: pathwise std ≈ 2/√n ≈ 0.009, score ≈ 0.03 (4 standard errors allowed).
    expect(errors.pathwise![2]).toBeLessThan(0.04);
    expect(errors.score![2]).toBeLessThan(0.12);
    expect(errors.scoreWithBaseline![2]).toBeLessThan(0.08);
    // Converging: the large-sample error is below the small-sample ones' worst.
    for (const e of Object.values(errors)) expect(e[2]!).toBeLessThan(Math.max(e[0]!, e[1]!) + 1e-3);
  });

  it('the surrogate keeps the value of f: it is an estimate of E[f] too', async () => {
    const v = runRandom(score(50000)(fx.scalar(mu0)), key);
    await expectClose(v, 1 + mu0 * mu0, 0.03);
  });

  it('a discrete sampler: d/dθ E_{b∼Bernoulli(σ(θ))}[(b - 0.3)²] = σ′(θ)·(0.49 - 0.09)', async () => {
    const theta = 0.4;
    const n = 50000;
    const f = (t: F32<[]>) =>
      Eff.gen(function* () {
        const p = fx.sigmoid(t);
        const b = yield* random.bernoulli(fx.broadcastTo(p, [n]) as F32<[number]>);
        const value = fx.square(fx.sub(fx.cast(b, 'float32'), 0.3));
        return fx.mean(scoreFunction(value, logProb.bernoulli(b, p)));
      });
    const s = 1 / (1 + Math.exp(-theta));
    await expectClose(runRandom(fx.grad(f)(fx.scalar(theta)), key), s * (1 - s) * 0.4, 0.01);
  });

  it('logProb.categorical is log softmax(logits)[x], for one distribution and for a batch of them', async () => {
    const logits = [
      [0.2, -0.1, 0.4],
      [1, 0, -1],
    ];
    const x = fx.tensor([[2, 0], [1, 1]], 'int32'); // samples [2 draws, 2 distributions]
    const logSoftmax = (row: number[]) => {
      const z = Math.log(row.reduce((s, l) => s + Math.exp(l), 0));
      return row.map((l) => l - z);
    };
    const want = [
      [logSoftmax(logits[0]!)[2]!, logSoftmax(logits[1]!)[0]!],
      [logSoftmax(logits[0]!)[1]!, logSoftmax(logits[1]!)[1]!],
    ];
    await expectClose(logProb.categorical(x, fx.tensor(logits)), want, 1e-3);
    await expectClose(logProb.categorical(fx.tensor([2, 0], 'int32'), fx.tensor(logits[0]!)), [want[0]![0]!, logSoftmax(logits[0]!)[0]!], 1e-3);
  });

  it('a categorical sampler: the score-function gradient of E[value[i]] w.r.t. the logits is softmax-weighted', async () => {
    const values = [1, -2, 0.5];
    const logits0 = [0.2, -0.1, 0.4];
    const n = 40000;
    const f = (logits: F32<[3]>) =>
      Eff.gen(function* () {
        const i = yield* random.categorical(logits, [n]);
        const value = fx.take(fx.tensor(values), i);
        return fx.mean(scoreFunction(value, logProb.categorical(i, logits)));
      });
    const z = logits0.reduce((s, l) => s + Math.exp(l), 0);
    const p = logits0.map((l) => Math.exp(l) / z);
    const expected = values.reduce((s, v, i) => s + v * p[i]!, 0);
    // ∂/∂l_j Σ p_i v_i = p_j (v_j - E[v])
    await expectClose(runRandom(fx.grad(f)(fx.tensor(logits0) as F32<[3]>), key), p.map((pj, j) => pj * (values[j]! - expected)), 0.03);
  });
});
