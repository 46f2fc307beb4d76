import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { expectClose } from '../testing/backends.js';
import { describeSolver } from './testing.js';

type S = fx.Tensor<[], 'float32'>;

// dy/dt = −k·y: y(T) = y0·e^{−kT}, dy(T)/dk = −T·y0·e^{−kT}, dy(T)/dy0 = e^{−kT}.
const decay = (y: S, _t: S, k: S) => fx.mul(fx.neg(k), y);
const [k, y0] = [0.7, 2];
const times = [0, 0.5, 1, 2];
const exact = times.map((T) => y0 * Math.exp(-k * T));
const dByK = times.map((T) => -T * y0 * Math.exp(-k * T));
const dByY0 = times.map((T) => Math.exp(-k * T));

// Lotka–Volterra: y = [prey, predator], p = [α, β, δ, γ].
type Y2 = fx.Tensor<[2], 'float32'>;
type P4 = fx.Tensor<[4], 'float32'>;
const lotkaVolterra = (y: Y2, _t: S, p: P4) => {
  const [prey, pred] = [fx.slice(y, [0], [1]), fx.slice(y, [1], [1])];
  const [alpha, beta, delta, gamma] = [0, 1, 2, 3].map((i) => fx.slice(p, [i], [1]));
  const meet = fx.mul(prey, pred);
  return fx.concat([fx.sub(fx.mul(alpha!, prey), fx.mul(beta!, meet)), fx.sub(fx.mul(delta!, meet), fx.mul(gamma!, pred))], 0);
};

// Harmonic oscillator as a pytree state: pos'' = −ω²·pos; from pos = 1, vel = 0: pos(t) = cos(ωt).
interface Osc {
  pos: S;
  vel: S;
}
const oscillator = (y: Osc, _t: S, w: S) => ({ pos: y.vel, vel: fx.mul(fx.neg(fx.mul(w, w)), y.pos) });

describeSolver(
  'odeint',
  () => {
    for (const adjoint of [false, true]) {
      const solve = (kk: S) => fx.odeint(decay, fx.scalar(y0), times, kk, { adjoint });

      it(`dy/dt = −k·y (adjoint: ${adjoint}): y(T) = y0·e^{−kT} at every time in ts`, async () => {
        const ys = solve(fx.scalar(k));
        expect(ys.shape).toEqual([4]);
        await expectClose(ys, exact, 1e-4);
      });

      it(`dy/dt = −k·y (adjoint: ${adjoint}): d y(T)/dk = −T·y0·e^{−kT} and d y(T)/dy0 = e^{−kT} in reverse mode`, async () => {
        await expectClose(fx.jacrev(solve)(fx.scalar(k)), dByK, 1e-3);
        await expectClose(fx.jacrev((v: S) => fx.odeint(decay, v, times, fx.scalar(k), { adjoint }))(fx.scalar(y0)), dByY0, 1e-3);
        const [, pullback] = fx.vjp(solve, fx.scalar(k));
        // One reverse pass with all outputs weighted: Σ_T dy(T)/dk.
        await expectClose(pullback(fx.ones([4]))[0], dByK.reduce((s, d) => s + d, 0), 1e-3);
      });

      it(`Lotka–Volterra (adjoint: ${adjoint}): gradients with respect to y0 and params match finite differences`, async () => {
        const f = (start: Y2, p: P4) => fx.odeint(lotkaVolterra, start, [0, 0.5, 1], p, { adjoint });
        const modes = adjoint ? (['rev'] as const) : (['fwd', 'rev'] as const);
        const report = await fx.checkGradsAsync(f as never, [fx.tensor([1, 0.5]), fx.tensor([1.5, 1, 1, 3])], { order: 1, modes, rtol: 3e-2, atol: 3e-3 });
        expect(report.checks.length).toBe(2 * modes.length);
      });

      it(`harmonic oscillator with a {pos, vel} state (adjoint: ${adjoint}): d pos(T)/dω = −T·sin(ωT)`, async () => {
        const w = 1.3;
        const ts = [0, 1, 2.5];
        const pos = (wv: S) => fx.odeint(oscillator, { pos: fx.scalar(1), vel: fx.scalar(0) }, ts, wv, { adjoint }).pos;
        await expectClose(pos(fx.scalar(w)), ts.map((t) => Math.cos(w * t)), 1e-4);
        await expectClose(fx.jacrev(pos)(fx.scalar(w)), ts.map((t) => -t * Math.sin(w * t)), 1e-3);
      });
    }

    it('adjoint: false works in forward mode (jvp, jacfwd)', async () => {
      const solve = (kk: S) => fx.odeint(decay, fx.scalar(y0), times, kk);
      await expectClose(fx.jvp(solve, [fx.scalar(k)], [fx.scalar(1)])[1], dByK, 1e-3);
      await expectClose(fx.jacfwd(solve)(fx.scalar(k)), dByK, 1e-3);
    });

    it('adjoint: true refuses forward mode and says to use adjoint: false', () => {
      const solve = (kk: S) => fx.odeint(decay, fx.scalar(y0), times, kk, { adjoint: true });
      expect(() => fx.jvp(solve, [fx.scalar(k)], [fx.scalar(1)])).toThrow(/reverse mode only.*adjoint: false/);
    });

    it('integrates backwards in time for decreasing ts (also with the adjoint)', async () => {
      const ts = [2, 1, 0];
      // y(2) = y0, so y(t) = y0·e^{−k(t−2)} and dy(t)/dk = −(t−2)·y(t).
      const want = ts.map((t) => y0 * Math.exp(-k * (t - 2)));
      for (const adjoint of [false, true]) {
        const solve = (kk: S) => fx.odeint(decay, fx.scalar(y0), ts, kk, { adjoint });
        await expectClose(solve(fx.scalar(k)), want, 1e-4);
        await expectClose(fx.jacrev(solve)(fx.scalar(k)), ts.map((t, i) => -(t - 2) * want[i]!), 1e-3);
      }
    });

    it('the adjoint method holds far less memory between the forward and the backward pass', () => {
      // 64 independent decays over a long horizon: the stored-steps pullback keeps every step's residuals.
      const rates = fx.linspace(0.5, 2, 64);
      const start = fx.ones([64]);
      const held = (adjoint: boolean) =>
        fx.scope(() => {
          const before = fx.memory();
          const [, pullback] = fx.vjp((r: fx.Tensor<[64], 'float32'>) => fx.odeint((y: fx.Tensor<[64], 'float32'>, _t: S, rr: fx.Tensor<[64], 'float32'>) => fx.mul(fx.neg(rr), y), start, [0, 1, 2, 3], r, { adjoint }), rates);
          const after = fx.memory();
          pullback.dispose();
          return { tensors: after.tensors - before.tensors, bytes: after.bytes - before.bytes };
        });
      const stored = held(false);
      const adjointHeld = held(true);
      console.info(`odeint memory held by the pullback: stored steps ${stored.bytes} B in ${stored.tensors} tensors; adjoint ${adjointHeld.bytes} B in ${adjointHeld.tensors} tensors`);
      expect(adjointHeld.bytes * 10).toBeLessThan(stored.bytes);
      expect(adjointHeld.tensors * 10).toBeLessThan(stored.tensors);
    });

    it('frees its steps: no tensors left after scoped derivatives', () => {
      const solve = (adjoint: boolean) => (kk: S) => fx.sum(fx.odeint(decay, fx.scalar(y0), times, kk, { adjoint }));
      fx.scope(() => fx.grad(solve(true))(fx.scalar(k)));
      const before = fx.memory().tensors;
      fx.scope(() => {
        fx.grad(solve(false))(fx.scalar(k));
        fx.grad(solve(true))(fx.scalar(k));
        fx.jvp(solve(false), [fx.scalar(k)], [fx.scalar(1)]);
      });
      expect(fx.memory().tensors).toBe(before);
    });

    it('rejects bad times, too many steps and jit, with messages that say why', () => {
      const run = (ts: number[], options: fx.OdeintOptions = {}) => fx.odeint(decay, fx.scalar(1), ts, fx.scalar(1), options);
      expect(() => run([0, 2, 1])).toThrow(/strictly increasing/);
      expect(() => run([0, 100], { maxSteps: 3 })).toThrow(fx.SolverError);
      expect(() => fx.jit((kk: S) => fx.odeint(decay, fx.scalar(1), [0, 1], kk))(fx.scalar(1))).toThrow(/odeint.*cannot run inside jit/);
      // The adjoint only accounts for params: a closure over a differentiated value is refused.
      const closure = (kk: S) => fx.sum(fx.odeint((y: S) => fx.mul(fx.neg(kk), y), fx.scalar(1), [0, 1], {}, { adjoint: true }));
      expect(() => fx.grad(closure)(fx.scalar(1))).toThrow(/closes over it.*params/);
    });
  },
  () => fx.odeint(decay, fx.scalar(y0), times, fx.scalar(k)),
);

describe('odeint types', () => {
  it('stacks each state tensor on a leading axis of length ts.length', () => {
    const ys: fx.Tensor<[3], 'float32'> = fx.odeint((y, _t, kk) => fx.mul(fx.neg(kk), y), fx.scalar(1), [0, 1, 2], fx.scalar(0.5));
    const tree: { pos: fx.Tensor<[2], 'float32'>; vel: fx.Tensor<[2], 'float32'> } = fx.odeint(oscillator, { pos: fx.scalar(1), vel: fx.scalar(0) }, [0, 1], fx.scalar(1));
    expect(ys.shape).toEqual([3]);
    expect(tree.pos.shape).toEqual([2]);
  });
});
