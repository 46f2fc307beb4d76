import { expect, it } from 'vitest';
import * as fx from '../lib/index.js';
import { describeEachBackend, expectClose } from '../lib/testing/backends.js';
import { Eff, random, runRandom } from './index.js';

type F32<S extends number[]> = fx.Tensor<S, 'float32'>;

/** A linear-Gaussian VAE: encoder q(z|x) = N(Wμ x + bμ, exp(Ws x + bs)²), decoder x̂ = z·Wd + bd, p(x|z) = N(x̂, I). */
interface Params {
  wMu: F32<[2, 4]>;
  bMu: F32<[2]>;
  wS: F32<[2, 4]>;
  bS: F32<[2]>;
  wD: F32<[2, 4]>;
  bD: F32<[4]>;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** The ELBO estimated with `samples` reparameterized draws z = μ + σ·ε. */
const elbo = (p: Params, x: F32<[4]>, samples: number) =>
  Eff.gen(function* () {
    const mu = fx.add(fx.sum(fx.mul(p.wMu, x), 1), p.bMu);
    const logStd = fx.add(fx.sum(fx.mul(p.wS, x), 1), p.bS);
    const std = fx.exp(logStd);
    const z = yield* random.normal([samples, 2], mu, std); // reparameterized
    const residual = fx.sub(x, fx.add(fx.matmul(z, p.wD), p.bD));
    const logLik = fx.sub(fx.mul(fx.sum(fx.mul(residual, residual)), -0.5 / samples), 2 * LOG_2PI);
    const kl = fx.mul(fx.sum(fx.sub(fx.add(fx.mul(std, std), fx.mul(mu, mu)), fx.add(fx.mul(logStd, 2), 1))), 0.5);
    return fx.sub(logLik, kl) as F32<[]>;
  });

describeEachBackend('VAE-style ELBO (reparameterized Gaussian)', () => {
  const key = fx.random.key(3);
  const params = (): Params => ({
    wMu: fx.tensor([[0.2, -0.1, 0.3, 0.05], [-0.3, 0.2, 0.1, 0.4]]),
    bMu: fx.tensor([0.1, -0.2]),
    wS: fx.tensor([[0.05, 0.1, -0.1, 0.02], [0.1, -0.05, 0.03, 0.04]]),
    bS: fx.tensor([-0.5, -0.2]),
    wD: fx.tensor([[0.5, -0.3, 0.2, 0.1], [0.1, 0.4, -0.2, 0.3]]),
    bD: fx.tensor([0.1, 0, -0.1, 0.2]),
  });
  const x = fx.tensor([1, -0.5, 0.25, 2]);

  it('the ELBO gradient (grad of the program) matches finite differences of the same draws', async () => {
    const p = params();
    const keys = Object.keys(p).sort() as (keyof Params)[];
    const asFunction = (...leaves: fx.Tensor[]) => {
      const q = Object.fromEntries(keys.map((k, i) => [k, leaves[i]])) as unknown as Params;
      return runRandom(elbo(q, x, 8), key);
    };
    // Finite differences w.r.t. the encoder weights (through the sample z) and the decoder weights.
    const checked = ['wMu', 'wS', 'wD'] as const;
    const partial = (...ws: fx.Tensor[]) => asFunction(...keys.map((k) => (checked.includes(k as never) ? ws[checked.indexOf(k as never)]! : p[k])));
    const report = await fx.checkGradsAsync(partial, checked.map((k) => p[k]), { order: 1, modes: ['rev'] });
    expect(report.checks.length).toBe(checked.length);
    // The effect program's gradient is the gradient of that same function.
    const g = runRandom(fx.grad((q: Params) => elbo(q, x, 8))(p), key);
    const pure = fx.grad((...leaves: fx.Tensor[]) => asFunction(...leaves) as F32<[]>, { argnums: [0, 1, 2, 3, 4, 5] })(...keys.map((k) => p[k]));
    for (const [i, k] of keys.entries()) await expectClose(g[k], await pure[i]!.array(), 1e-4);
  }, 300_000);

  it('with many samples, the pathwise gradient converges to the analytic gradient of the expected ELBO', async () => {
    const p = params();
    const g = runRandom(fx.grad((q: Params) => elbo(q, x, 4000))(p), key);
    // E over ε of the ELBO, linear decoder: -½‖x - μ·Wd - bd‖² - ½ Σⱼ σⱼ²‖Wd[j]‖² - KL, so
    //   ∂/∂bμ = Wd·r̄ - μ, ∂/∂bs_j = -σⱼ²‖Wd[j]‖² - σⱼ² + 1  (r̄ = x - μ·Wd - bd).
    const [xs, wMu, bMu, wS, bS, wD, bD] = await Promise.all([x, p.wMu, p.bMu, p.wS, p.bS, p.wD, p.bD].map((t) => t.array()));
    const xv = xs as number[];
    const mu = [0, 1].map((j) => (wMu as number[][])[j]!.reduce((s, w, i) => s + w * xv[i]!, 0) + (bMu as number[])[j]!);
    const sigma = [0, 1].map((j) => Math.exp((wS as number[][])[j]!.reduce((s, w, i) => s + w * xv[i]!, 0) + (bS as number[])[j]!));
    const W = wD as number[][];
    const r = xv.map((xi, i) => xi - mu[0]! * W[0]![i]! - mu[1]! * W[1]![i]! - (bD as number[])[i]!);
    const dMu = [0, 1].map((j) => W[j]!.reduce((s, w, i) => s + w * r[i]!, 0) - mu[j]!);
    const dLogStd = [0, 1].map((j) => -(sigma[j]! ** 2) * W[j]!.reduce((s, w) => s + w * w, 0) - sigma[j]! ** 2 + 1);
    await expectClose(g.bMu, dMu, 0.03);
    await expectClose(g.bS, dLogStd, 0.03);
    // The encoder weights get the same signal times the input: ∂/∂Wμ = (∂/∂bμ) xᵀ.
    await expectClose(g.wMu, dMu.map((d) => xv.map((xi) => d * xi)), 0.06);
  });
});
