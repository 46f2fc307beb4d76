import { expect, it } from 'vitest';
import * as fx from '../lib/index.js';
import { describeEachBackend, expectClose } from '../lib/testing/backends.js';
import { Eff, runState, state } from './index.js';

type F32<S extends number[]> = fx.Tensor<S, 'float32'>;

/**
 * A damped spring integrated for `steps` steps (semi-implicit Euler), with
 * position and velocity in references: the state is threaded by the handler.
 */
const spring = (stiffness: F32<[]>, damping: F32<[]>, x0: F32<[2]>, steps = 100, dt = 0.05) =>
  Eff.gen(function* () {
    const pos = yield* state.ref(x0, 'pos');
    const vel = yield* state.ref(fx.zeros([2]) as F32<[2]>, 'vel');
    for (let i = 0; i < steps; i++) {
      const p = yield* pos.get();
      const v = yield* vel.update((v) => fx.sub(v, fx.mul(fx.add(fx.mul(p, stiffness), fx.mul(v, damping)), dt)));
      yield* pos.update((p) => fx.add(p, fx.mul(v, dt)));
    }
    const p = yield* pos.get();
    const v = yield* vel.get();
    return fx.add(fx.sum(fx.mul(p, p)), fx.mul(fx.sum(fx.mul(v, v)), 0.1));
  });

describeEachBackend('State', () => {
  it("functionalized aliasing: y = x; y[0] = y[0] * 2; sum(y) has gradient [2, 1, 1] and leaves x unchanged", async () => {
    const x = fx.tensor([3, 4, 5]);
    const aliasing = (x: F32<[3]>) =>
      Eff.gen(function* () {
        const y = yield* state.ref(x); // y = x
        yield* y.update((v) => fx.at(v, 0).set(fx.mul(fx.at(v, 0).get(), 2))); // y[0] = y[0] * 2
        return fx.sum(yield* y.get());
      });
    await expectClose(runState(aliasing(x)), 15);
    await expectClose(runState(fx.grad(aliasing)(x)), [2, 1, 1]);
    await expectClose(x, [3, 4, 5]);
  });

  it('gradients flow through set and update: d/dx of (r := x; r := r·r; r := r + x) is 2x + 1', async () => {
    const f = (x: F32<[2]>) =>
      Eff.gen(function* () {
        const r = yield* state.ref(x);
        yield* r.set(fx.mul(yield* r.get(), yield* r.get()));
        const out = yield* r.update((v) => fx.add(v, x));
        return fx.sum(out);
      });
    await expectClose(runState(fx.grad(f)(fx.tensor([1.5, -2]))), [4, -3]);
  });

  it('a stateful simulation of 100 steps: gradient w.r.t. stiffness, damping and start matches finite differences', async () => {
    const k = fx.scalar(2);
    const c = fx.scalar(0.3);
    const x0 = fx.tensor([1, -0.5]);
    const loss = (k: fx.Tensor, c: fx.Tensor, x0: fx.Tensor) => runState(spring(k as F32<[]>, c as F32<[]>, x0 as F32<[2]>));
    // The handler inside: a plain function, checked against float64 finite differences.
    const report = await fx.checkGradsAsync(loss, [k, c, x0], { order: 1, modes: ['rev'] });
    expect(report.checks.length).toBe(3);
    // The handler outside: grad of the effect program gives a program of the gradients, and the same numbers.
    const viaEff = runState(fx.grad(spring, { argnums: [0, 1, 2] })(k, c, x0));
    const viaPure = fx.grad(loss as (k: F32<[]>, c: F32<[]>, x0: F32<[2]>) => F32<[]>, { argnums: [0, 1, 2] })(k, c, x0);
    for (let i = 0; i < 3; i++) await expectClose(viaEff[i]!, await viaPure[i]!.array(), 1e-4);
  }, 300_000);

  it('forward mode through state: jvp of the simulation agrees with the gradient', async () => {
    const k = fx.scalar(1.5);
    const c = fx.scalar(0.2);
    const x0 = fx.tensor([0.5, 1]);
    const [, tangent] = runState(fx.jvp((k: F32<[]>) => spring(k, c, x0, 100), [k], [fx.scalar(1)]));
    const g = runState(fx.grad((k: F32<[]>) => spring(k, c, x0, 100))(k));
    await expectClose(tangent, await g.array(), 1e-3);
  });

  it('a reference made outside grad cannot carry a differentiated value out of it', () => {
    const prog = Eff.gen(function* () {
      const outside = yield* state.ref(fx.scalar(0), 'outside');
      const inner = (x: F32<[]>) =>
        Eff.gen(function* () {
          yield* outside.set(fx.mul(x, x));
          return fx.mul(x, 3);
        });
      return yield* fx.grad(inner)(fx.scalar(2));
    });
    expect(() => runState(prog)).toThrow(/outside was made outside the transformation .* the derivative cannot flow out through the reference/);
  });

  it('reading a reference made outside grad treats its value as a constant', async () => {
    const prog = Eff.gen(function* () {
      const scale = yield* state.ref(fx.scalar(5) as F32<[]>, 'scale');
      const inner = (x: F32<[]>) =>
        Eff.gen(function* () {
          return fx.mul(x, yield* scale.get());
        });
      const g = yield* fx.grad(inner)(fx.scalar(2));
      yield* scale.set(fx.scalar(7));
      return [g, yield* scale.get()] as const;
    });
    const [g, s] = runState(prog);
    await expectClose(g, 5);
    await expectClose(s, 7);
  });

  it('a constant stored inside grad in a reference made outside it outlives the transformation', async () => {
    const prog = Eff.gen(function* () {
      const outside = yield* state.ref(fx.scalar(0) as F32<[]>, 'outside');
      const inner = (x: F32<[]>) =>
        Eff.gen(function* () {
          yield* outside.set(fx.scalar(42));
          return fx.mul(x, x);
        });
      const g = yield* fx.grad(inner)(fx.scalar(3));
      return [g, yield* outside.get()] as const;
    });
    const [g, stored] = runState(prog);
    await expectClose(g, 6);
    await expectClose(stored, 42);
  });

  it('a run frees nothing the result still needs, and leaks nothing else', async () => {
    const x = fx.tensor([1, 2]);
    const before = fx.memory().tensors;
    const out = fx.scope(() => runState(spring(fx.scalar(1), fx.scalar(0.1), x as F32<[2]>, 10)));
    await expectClose(out, await fx.scope(() => runState(spring(fx.scalar(1), fx.scalar(0.1), x as F32<[2]>, 10))).array());
    out.dispose();
    expect(fx.memory().tensors).toBeLessThanOrEqual(before + 1);
  });
});
