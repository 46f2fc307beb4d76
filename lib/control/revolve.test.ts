import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';
import { beta, countAdvances, minAdvances, revolvePlan, revolveStats, walkSchedule } from './revolve.js';

type S = fx.Tensor<[], 'float32'>;
type Q = fx.Tensor<[3], 'float32'>;

describe('revolve schedule', () => {
  it("Griewank–Walther's minimum r·l − β(s + 1, r − 1) equals a brute-force optimum over every split, and the schedule attains it", () => {
    // t(l, s): the fewest chunk advances reversing l chunks from a stored carry with s snapshots (that one included).
    const memo = new Map<string, number>();
    const best = (l: number, s: number): number => {
      if (l === 1) return 0;
      if (s === 0) return Infinity;
      const key = `${l},${s}`;
      let t = memo.get(key);
      if (t === undefined) {
        t = Infinity;
        for (let m = 1; m < l; m++) t = Math.min(t, m + best(l - m, s - 1) + best(m, s));
        memo.set(key, t);
      }
      return t;
    };
    for (let s = 1; s <= 6; s++) {
      for (let l = 1; l <= 40; l++) {
        expect(minAdvances(l, s), `l=${l} s=${s}`).toBe(best(l, s));
        // The schedule walked chunk by chunk advances exactly that many chunks and reverses each chunk once.
        let advanced = 0;
        const reversed: number[] = [];
        walkSchedule(0, l, s, (a) => (a.kind === 'advance' ? (advanced += a.to - a.from) : reversed.push(a.chunk)));
        expect(advanced).toBe(best(l, s));
        expect(reversed).toEqual(Array.from({ length: l }, (_, i) => l - 1 - i));
      }
    }
    // β(s, r) = C(s + r, s): β(3, 2) = 10, β(39, 2) = 820.
    expect(beta(3, 2)).toBe(10);
    expect(beta(39, 2)).toBe(820);
    // One snapshot: l(l − 1)/2 advances.
    expect(minAdvances(10, 1)).toBe(45);
  });
});

// A nonlinear rollout with a per-step input and a per-step output; the loss reads both the final carry and the outputs.
const seq = (n: number) => fx.mul(fx.sin(fx.linspace(0, 7, n)), 0.1);
const loss = (policy: fx.ScanOptions['checkpoint']) => (q: Q, xs: fx.Tensor<[number], 'float32'>) => {
  const [c, ys] = fx.scan((c: Q, x: S) => [fx.tanh(fx.add(fx.mul(c, q), x)), fx.sum(fx.mul(c, c))] as [Q, S], fx.ones([3]) as Q, xs, { checkpoint: policy });
  return fx.add(fx.sum(c), fx.mul(fx.sum(ys), 0.01)) as S;
};

describeEachBackend("scan { checkpoint: 'binomial' } (revolve)", () => {
  const q = fx.tensor([0.9, -0.7, 1.1]) as Q;
  for (const n of [1, 2, 17, 1000, 4099]) {
    it(`n = ${n}: jit(grad) and eager grad (w.r.t. the closed-over weight and the sequence) equal storing all to float32 rounding`, async () => {
      const xs = seq(n) as fx.Tensor<[number], 'float32'>;
      const g = (policy: fx.ScanOptions['checkpoint']) => fx.grad(loss(policy), { argnums: [0, 1] });
      const [wq, wx] = g('all')(q, xs);
      const want = [(await wq.array()) as number[], (await wx.array()) as number[]];
      for (const run of [fx.jit(g('binomial')), g('binomial')]) {
        const [gq, gx] = run(q, xs);
        await expectClose(gq, want[0], 1e-5);
        await expectClose(gx, want[1], 1e-5);
      }
    });
  }

  it('the backward pass follows the schedule: the advances binomialSchedule counts, at most 40 carries alive', async () => {
    const n = 4099;
    const xs = seq(n) as fx.Tensor<[number], 'float32'>;
    const g = fx.jit(fx.grad(loss('binomial')));
    g(q, xs).dispose();
    Object.assign(revolveStats, { advancedSteps: 0, reversedSteps: 0, peakCarries: 0 });
    g(q, xs).dispose();
    const plan = revolvePlan(n);
    expect(revolveStats.advancedSteps).toBe(countAdvances(n, plan.chunk, plan.snapshots).total);
    expect(revolveStats.reversedSteps).toBe(n);
    expect(revolveStats.peakCarries).toBe(fx.binomialSchedule(n).storedCarries);
    expect(revolveStats.peakCarries).toBeLessThanOrEqual(40);
    // Evaluations per step: the forward pass, the advances and the linearization of each chunk.
    expect(fx.binomialSchedule(n).evaluationsPerStep).toBeCloseTo(2 + revolveStats.advancedSteps / n, 2);
  });

  it('the program does not grow with the trip count: one revolveScan equation', () => {
    const text = (n: number) => fx.makeIR((w: Q) => loss('binomial')(w, seq(n) as fx.Tensor<[number], 'float32'>))(q).toString();
    expect(text(100_000).split('\n').filter((l) => /= revolveScan\[/.test(l))).toHaveLength(1);
    const grad = (n: number) => fx.makeIR(fx.grad((w: Q) => loss('binomial')(w, seq(n) as fx.Tensor<[number], 'float32'>)))(q).toString().split('\n').length;
    expect(grad(100_000)).toBe(grad(1000));
  });

  it('grad of grad through a revolve scan (eager and under jit) equals that of storing all', async () => {
    const xs = seq(300) as fx.Tensor<[number], 'float32'>;
    const h = (policy: fx.ScanOptions['checkpoint']) => (w: S) => fx.sum(fx.grad((v: Q) => loss(policy)(v, xs))(fx.mul(q, w) as Q)) as S;
    const want = await (fx.grad(h('all'))(fx.scalar(1.3) as S) as S).array();
    await expectClose(fx.grad(h('binomial'))(fx.scalar(1.3) as S), want, 1e-4);
    await expectClose(fx.jit(fx.grad(h('binomial')))(fx.scalar(1.3) as S), want, 1e-4);
  });

  it('vmap of grad, grad of vmap and jvp through a revolve scan equal storing all', async () => {
    const xs = seq(100) as fx.Tensor<[number], 'float32'>;
    const f = (policy: fx.ScanOptions['checkpoint']) => (w: S) =>
      fx.sum(fx.scan((c: S, x: S) => [fx.tanh(fx.add(fx.mul(c, w), x)), c] as [S, S], fx.scalar(1) as S, xs, { checkpoint: policy })[1]) as S;
    const ws = fx.tensor([0.5, 0.9, 1.2]);
    const want = (await fx.vmap(fx.grad(f('all')))(ws).array()) as number[];
    await expectClose(fx.vmap(fx.grad(f('binomial')))(ws), want, 1e-5);
    await expectClose(fx.jit(fx.vmap(fx.grad(f('binomial'))))(ws), want, 1e-5);
    const ofVmap = (policy: fx.ScanOptions['checkpoint']) => fx.grad((w: S) => fx.sum(fx.vmap(f(policy))(fx.mul(ws, w))) as S);
    await expectClose(fx.jit(ofVmap('binomial'))(fx.scalar(1) as S), await ofVmap('all')(fx.scalar(1) as S).array(), 1e-5);
    const [, t] = fx.jvp(f('binomial'), [fx.scalar(0.7) as S], [fx.scalar(1) as S]);
    await expectClose(t, await fx.grad(f('all'))(fx.scalar(0.7) as S).array(), 1e-5);
  });

  it('repeated jit(grad) calls hold no tensors between calls', () => {
    const xs = seq(500) as fx.Tensor<[number], 'float32'>;
    const g = fx.jit(fx.grad(loss('binomial')));
    g(q, xs).dispose();
    const before = fx.memory().tensors;
    for (let i = 0; i < 3; i++) g(q, xs).dispose();
    expect(fx.memory().tensors).toBe(before);
  });
});
