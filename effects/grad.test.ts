import { expect, it } from 'vitest';
import * as fx from '../lib/index.js';
import { describeEachBackend, expectClose } from '../lib/testing/backends.js';
import { Eff, io, isEff, random, runIO, runRandom, runState, state } from './index.js';

type F32<S extends number[]> = fx.Tensor<S, 'float32'>;

describeEachBackend('Differentiating effect programs', () => {
  const key = fx.random.key(11);
  const noisyCube = (x: F32<[]>) =>
    Eff.gen(function* () {
      const eps = yield* random.normal([6]);
      const y = fx.add(eps, x);
      return fx.sum(fx.mul(fx.mul(y, y), y)); // Σ (x + ε)³
    });

  it('grad of a program gives a program of the gradient; the draws happen inside the linearization', async () => {
    const x = fx.scalar(0.5);
    const g = fx.grad(noisyCube)(x);
    expect(isEff(g)).toBe(true);
    const eps = await runRandom(random.normal([6]), key).data();
    const want = Array.from(eps).reduce((s, e) => s + 3 * (0.5 + e) ** 2, 0);
    await expectClose(runRandom(g, key), want, 1e-4);
    // Same key, handler inside: the same number.
    await expectClose(fx.grad((x: F32<[]>) => runRandom(noisyCube(x), key))(x), want, 1e-4);
  });

  it('valueAndGrad (with and without aux), vjp and jvp accept programs too', async () => {
    const x = fx.scalar(0.5);
    const eps = Array.from(await runRandom(random.normal([6]), key).data());
    const value = eps.reduce((s, e) => s + (0.5 + e) ** 3, 0);
    const slope = eps.reduce((s, e) => s + 3 * (0.5 + e) ** 2, 0);

    const [v, g] = runRandom(fx.valueAndGrad(noisyCube)(x), key);
    await expectClose(v, value, 1e-4);
    await expectClose(g, slope, 1e-4);

    const withAux = (x: F32<[]>) =>
      Eff.gen(function* () {
        const out = yield* noisyCube(x);
        return [out, { doubled: fx.mul(out, 2) }] as [F32<[]>, { doubled: F32<[]> }];
      });
    const [[v2, aux], g2] = runRandom(fx.valueAndGrad(withAux, { hasAux: true })(x), key);
    await expectClose(v2, value, 1e-4);
    await expectClose(aux.doubled, 2 * value, 1e-4);
    await expectClose(g2, slope, 1e-4);

    const [out, pullback] = runRandom(fx.vjp(noisyCube, x), key);
    await expectClose(out, value, 1e-4);
    await expectClose(pullback(fx.scalar(2))[0], 2 * slope, 1e-4);

    const [out3, tangent] = runRandom(fx.jvp(noisyCube, [x], [fx.scalar(3)]), key);
    await expectClose(out3, value, 1e-4);
    await expectClose(tangent, 3 * slope, 1e-4);
  });

  it('second derivatives: grad of grad of a program', async () => {
    const x = fx.scalar(0.25);
    const second = fx.grad((x: F32<[]>) => fx.grad(noisyCube)(x))(x);
    const eps = Array.from(await runRandom(random.normal([6]), key).data());
    await expectClose(runRandom(second, key), eps.reduce((s, e) => s + 6 * (0.25 + e), 0), 1e-3);
  });

  it('programs with Random and State: handlers in either order give the same gradient', async () => {
    const f = (w: F32<[3]>) =>
      Eff.gen(function* () {
        const acc = yield* state.ref(fx.scalar(0) as F32<[]>);
        for (let i = 0; i < 4; i++) {
          const z = yield* random.normal([3], w, 0.5);
          yield* acc.update((a) => fx.add(a, fx.sum(fx.tanh(z))));
        }
        return yield* acc.get();
      });
    const w = fx.tensor([0.1, -0.4, 0.8]);
    const a = runState(runRandom(fx.grad(f)(w), key));
    const b = runRandom(runState(fx.grad(f)(w)), key);
    await expectClose(a, await b.array(), 1e-6);
    await fx.checkGradsAsync((w: fx.Tensor) => runState(runRandom(f(w as F32<[3]>), key)), [w], { order: 2 });
  });

  it('gradients w.r.t. a pytree of parameters come back in its structure', async () => {
    const params = { mean: fx.tensor([0.5, -1]), logStd: fx.tensor([0, 0.3]) };
    const f = (p: { mean: F32<[2]>; logStd: F32<[2]> }) =>
      Eff.gen(function* () {
        const z = yield* random.normal([2], p.mean, fx.exp(p.logStd));
        return fx.sum(z);
      });
    const g = runRandom(fx.grad(f)(params), key);
    const eps = Array.from(await runRandom(random.normal([2]), key).data());
    await expectClose(g.mean, [1, 1]);
    await expectClose(g.logStd, eps.map((e, i) => e * Math.exp([0, 0.3][i]!)), 1e-4);
  });

  it('I/O under grad, forced past the types, fails at run time with the same message', async () => {
    const withIO = ((x: F32<[]>) =>
      Eff.gen(function* () {
        yield* io.log('inside');
        return fx.mul(x, x);
      })) as unknown as (x: F32<[]>) => Eff<never, F32<[]>>;
    const g = fx.grad(withIO)(fx.scalar(1));
    await expect(runIO(g, { log: () => undefined })).rejects.toThrow(/I\/O cannot be differentiated/);
  });
});
