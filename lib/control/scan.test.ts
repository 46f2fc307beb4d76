import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, itExceptWebgpu, expectClose } from '../testing/backends.js';

type S = fx.Tensor<[], 'float32'>;
type V = fx.Tensor<[3], 'float32'>;

/** A scalar's value, read asynchronously (webgpu in Node has no synchronous readback). */
const read = async (t: fx.Tensor) => (await t.data())[0]!;

/** Counts the equations of an IR listing named `name` at the top level (lines starting with the equation). */
const countEq = (ir: string, name: string) => ir.split('\n').filter((l) => new RegExp(`= ${name}\\[`).test(l)).length;

// A damped oscillator rollout: x'' = -k x - c x', semi-implicit Euler, n steps.
const dt = 0.01;
function rollout(n: number) {
  return (p: V) => {
    const [k, c] = [fx.slice(p, [0], [1]), fx.slice(p, [1], [1])];
    const init = { x: fx.slice(p, [2], [1]), v: fx.zeros([1]) };
    const end = fx.fori(0, n, (_i, s: { x: fx.Tensor<[1], 'float32'>; v: fx.Tensor<[1], 'float32'> }) => {
      const a = fx.sub(fx.mul(fx.neg(k), s.x), fx.mul(c, s.v));
      const v = fx.add(s.v, fx.mul(a, dt));
      return { x: fx.add(s.x, fx.mul(v, dt)), v };
    }, init);
    return fx.sum(fx.mul(end.x, end.x)) as S;
  };
}

/** The same rollout in float64 plain JS. */
function rolloutJs(p: number[], n: number): number {
  const [k, c, x0] = p as [number, number, number];
  let x = x0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const a = -k * x - c * v;
    v += a * dt;
    x += v * dt;
  }
  return x * x;
}

describe('scan primitive: staging', () => {
  it('makeIR of fori prints one scan equation with its body, whatever the trip count', () => {
    const ir10 = fx.makeIR(rollout(10))(fx.zeros([3])).toString();
    const ir1000 = fx.makeIR(rollout(1000))(fx.zeros([3])).toString();
    expect(countEq(ir1000, 'scan')).toBe(1);
    // The carry is x and v: the body never reads its index, so the loop keeps no counter.
    expect(ir1000).toMatch(/scan\[length=1000, consts=\d+, carry=2, body=/);
    expect(ir1000.split('\n').length).toBe(ir10.split('\n').length);
  });

  it('a fori body reading its index as a tensor keeps the int32 counter carry, and gets lo, lo + 1, …', async () => {
    const f = (x: S) => fx.fori(3, 7, (i, c: S) => fx.add(fx.mul(c, x), fx.cast(i as unknown as fx.Tensor<[], 'int32'>, 'float32')) as S, fx.scalar(0) as S);
    expect(fx.makeIR(f)(fx.scalar(1)).toString()).toMatch(/scan\[length=4, consts=\d+, carry=2, body=/);
    // c = ((3·x + 4)·x + 5)·x + 6 at x = 2: 56.
    await expectClose(fx.jit(f)(fx.scalar(2) as S), 56);
  });

  it('makeIR of scan: one equation, per-step slices in the body', () => {
    const ir = fx.makeIR((xs: fx.Tensor<[50, 3], 'float32'>) => fx.scan((c: V, x: V) => [fx.add(c, x), fx.sum(x)] as [V, S], fx.zeros([3]) as V, xs)[1])(fx.zeros([50, 3])).toString();
    expect(countEq(ir, 'scan')).toBe(1);
    expect(ir).toMatch(/c:f32\[3\] d:f32\[50\] = scan\[length=50/);
  });

  it('a loop with a concrete init closing over a traced value is staged too', () => {
    const f = (k: V) => fx.fori(0, 200, (_i, x: V) => fx.sub(x, fx.mul(fx.mul(k, x), 0.01)), fx.ones([3]) as V);
    const ir = fx.makeIR(fx.grad((k: V) => fx.sum(f(k))))(fx.ones([3])).toString();
    expect(countEq(ir, 'scan')).toBe(2);
    expect(ir.split('\n').length).toBeLessThan(40);
  });

  it('eager loops stay JavaScript loops: the index is a JS number', () => {
    const seen: string[] = [];
    fx.fori(0, 2, (i, c: S) => (seen.push(typeof i), c), fx.scalar(1) as S);
    fx.grad((x: S) => fx.fori(0, 2, (i, c: S) => (seen.push(typeof i), fx.mul(c, x)), x))(fx.scalar(2) as S);
    expect(seen).toEqual(['number', 'number', 'number', 'number']);
  });

  it('fori whose body reads the index as a JS number is unrolled as before', () => {
    const f = (x: S) => fx.fori(0, 3, (i, c: S) => fx.mul(c, 1 + i), x);
    const ir = fx.makeIR(f)(fx.scalar(1)).toString();
    expect(countEq(ir, 'scan')).toBe(0);
    expect(ir.split('\n').filter((l) => / = mul/.test(l)).length).toBe(3);
  });
});

describeEachBackend('scan primitive', (backend) => {
  const p0 = [4, 0.3, 1.5];
  it('jit: value of a 500-step fori equals the float64 rollout; traced once', async () => {
    const f = fx.jit(rollout(500));
    await expectClose(f(fx.tensor(p0) as V), rolloutJs(p0, 500), 1e-4);
    await expectClose(f(fx.tensor([2, 0.1, -1]) as V), rolloutJs([2, 0.1, -1], 500), 1e-4);
    expect(f.stats().traces).toBe(1);
  });

  it('jit(grad) through a staged fori matches central differences of the float64 rollout', async () => {
    const n = 300;
    const g = fx.jit(fx.grad(rollout(n)));
    const h = 1e-6;
    const fd = p0.map((_, j) => {
      const up = p0.slice();
      const dn = p0.slice();
      up[j]! += h;
      dn[j]! -= h;
      return (rolloutJs(up, n) - rolloutJs(dn, n)) / (2 * h);
    });
    await expectClose(g(fx.tensor(p0) as V), fd, 2e-4);
    expect(countEq(fx.makeIR(fx.grad(rollout(n)))(fx.zeros([3])).toString(), 'scan')).toBe(2);
  });

  it('checkGrads order 2 of a jitted 20-step fori rollout', async () => {
    await fx.checkGradsAsync(fx.jit(rollout(20)) as never, [fx.tensor(p0)], { order: 2 });
  });

  it('jit(jvp) through a staged fori', async () => {
    const f = rollout(200);
    const jv = fx.jit((p: V, t: V) => fx.jvp(f, [p], [t])[1]);
    const g = fx.grad(f)(fx.tensor(p0) as V);
    const t = [0.3, -1, 2];
    const want = ((await g.array()) as number[]).reduce((s, gi, i) => s + gi * t[i]!, 0);
    await expectClose(jv(fx.tensor(p0) as V, fx.tensor(t) as V), want, 1e-4);
  });

  it('scan: cumulative products, values and gradients under jit', async () => {
    const f = (xs: V) => fx.scan((c: S, x: S) => [fx.mul(c, x), fx.mul(c, x)] as [S, S], fx.scalar(1) as S, xs);
    const xs = fx.tensor([2, 3, 4]) as V;
    const [last, partial] = fx.jit(f)(xs);
    await expectClose(last, 24);
    await expectClose(partial, [2, 6, 24]);
    await expectClose(fx.jit(fx.grad((v: V) => f(v)[0]))(xs), [12, 8, 6]);
    await expectClose(fx.jit(fx.grad((v: V) => fx.sum(f(v)[1])))(xs), [1 + 3 + 12, 2 + 8, 6]);
  });

  it('checkGrads order 2 under jit: scan with a closed-over parameter', async () => {
    const f = (w: V, xs: fx.Tensor<[4, 3], 'float32'>) =>
      fx.sum(fx.scan((c: V, x: V) => [fx.tanh(fx.add(fx.mul(c, w), x)), fx.sum(fx.mul(c, c))] as [V, S], fx.ones([3]) as V, xs)[1]) as S;
    const w = fx.tensor([0.5, -0.3, 0.8]) as V;
    const xs = fx.tensor([[0.1, 0.2, 0.3], [-0.2, 0.1, 0.0], [0.3, -0.1, 0.2], [0.0, 0.4, -0.3]]) as fx.Tensor<[4, 3], 'float32'>;
    const report = await fx.checkGradsAsync(fx.jit(f) as never, [w, xs], { order: 2 });
    expect(report.checks.length).toBeGreaterThan(3);
    expect(report.worstRatio).toBeLessThanOrEqual(1);
  });
});

describeEachBackend('scan primitive: carries on the host loop', () => {
  type Q = fx.Tensor<[4], 'float32'>;
  type C = { a: Q; b: Q; c: Q; d: Q; e: Q; p: Q; q: Q; n: fx.Tensor<[], 'int32'> };
  // Carries taken from another carry (a ← b) and two that trade places (p ↔ q), an intermediate that is also a y
  // (b ← a + x), an unchanged carry (c), one intermediate given to two carries (d, e ← 2d + a), an int32 counter;
  // ys: that first intermediate and a carry input.
  const body = (s: C, x: Q): [C, [Q, Q]] => {
    const b = fx.add(s.a, x) as Q;
    const d = fx.add(fx.mul(s.d, 2), s.a) as Q;
    return [{ a: s.b, b, c: s.c, d, e: d, p: s.q, q: s.p, n: fx.add(s.n, 1) as fx.Tensor<[], 'int32'> }, [b, s.d]];
  };
  const start = [[1, 2, 3, 4], [0, -1, 5, 2], [7, 8, 9, 10], [1, 0, -1, 2], [0, 0, 0, 0], [1, 1, 2, 2], [3, 3, 4, 4]];
  const init = (): C => {
    const [a, b, c, d, e, p, q] = start.map((v) => fx.tensor(v) as Q) as [Q, Q, Q, Q, Q, Q, Q];
    return { a, b, c, d, e, p, q, n: fx.scalar(0, 'int32') };
  };
  const xsJs = Array.from({ length: 7 }, (_, i) => [i, -i, 2 * i, 1]);
  /** The loop in plain JS (all values small integers: exact in float32). */
  function reference() {
    let [a, b, c, d, e, p, q] = start as [number[], number[], number[], number[], number[], number[], number[]];
    const y1: number[][] = [];
    const y2: number[][] = [];
    for (const x of xsJs) {
      const nb = a.map((v, i) => v + x[i]!);
      const nd = d.map((v, i) => 2 * v + a[i]!);
      y1.push(nb);
      y2.push(d);
      [a, b, c, d, e, p, q] = [b, nb, c, nd, nd, q, p];
    }
    return [a, b, c, d, e, p, q, 7, y1, y2];
  }
  it('carries swapped, passed through, duplicated or unchanged give the JS loop values under jit, on every call', async () => {
    const f = fx.jit((xs: fx.Tensor<[7, 4], 'float32'>) => {
      const [s, [y1, y2]] = fx.scan(body, init(), xs);
      return [s.a, s.b, s.c, s.d, s.e, s.p, s.q, s.n, y1, y2] as const;
    });
    const want = reference();
    for (let call = 0; call < 3; call++) {
      const got = f(fx.tensor(xsJs) as fx.Tensor<[7, 4], 'float32'>);
      expect(await Promise.all(got.map((t) => t.array()))).toEqual(want);
    }
  });
});

describeEachBackend('whileLoop: reverse mode under jit', (backend) => {
  // Newton's method for √a, to |x² − a| < 1e-6: d√a/da = 1/(2√a). It converges in under 10 steps from 1 for these a:
  // reverse mode runs it as a masked scan of maxIterations steps, kept short here (webgpu dispatches each step).
  const newton = (a: S) =>
    fx.whileLoop(
      (x: S) => fx.greater(fx.abs(fx.sub(fx.mul(x, x), a)), 1e-6),
      (x: S) => fx.mul(fx.add(x, fx.div(a, x)), 0.5),
      fx.scalar(1) as S,
      { maxIterations: 40 },
    );
  const noCondition =
    'a forward whileLoop under jit reads its condition on the host after every step: webgpu in Node has no synchronous readback (tfjs needs OffscreenCanvas, a browser API)';

  it('jit(grad(newton)) returns 1/(2√a)', async () => {
    const g = fx.jit(fx.grad(newton));
    for (const a of [2, 9, 0.25]) await expectClose(g(fx.scalar(a) as S), 1 / (2 * Math.sqrt(a)), 1e-5);
  });

  it('second derivative under jit: d²√a/da² = −1/(4 a^{3/2})', async () => {
    const h = fx.jit(fx.grad(fx.grad(newton)));
    await expectClose(h(fx.scalar(4) as S), -1 / (4 * 8), 1e-4);
  });

  itExceptWebgpu(backend, noCondition)('jit(newton) and checkGrads order 2 of jit(newton)', async () => {
    await expectClose(fx.jit(newton)(fx.scalar(2) as S), Math.SQRT2, 1e-6);
    await fx.checkGradsAsync(fx.jit(newton) as never, [fx.scalar(3)], { order: 2, modes: ['rev'] });
  });

  it('on webgpu in Node, a forward whileLoop under jit is a ReadbackError naming whileLoop and what to use instead', () => {
    if (backend !== 'webgpu') return;
    expect(() => fx.jit(newton)(fx.scalar(2) as S)).toThrow(/whileLoop: a staged loop reads its condition on the host after every step[^]*fx\.fori \/ fx\.scan/);
  });

  it('a loop longer than maxIterations is an error under jit(grad) (NaN on webgpu in Node, where its flag cannot be read)', async () => {
    const slow = (x: S) => fx.whileLoop((v: S) => fx.greater(v, 1), (v: S) => fx.mul(v, 0.5), x, { maxIterations: 3 });
    if (backend === 'webgpu') expect(await read(fx.jit(fx.grad(slow))(fx.scalar(100) as S))).toBeNaN();
    else expect(() => fx.jit(fx.grad(slow))(fx.scalar(100) as S)).toThrow(/whileLoop: the loop was still running after maxIterations = 3 steps/);
    // 6 → 3 → 1.5 → 0.75: three steps, within the limit.
    await expectClose(fx.jit(fx.grad(slow))(fx.scalar(6) as S), 1 / 8);
  });
});

describeEachBackend('scan primitive: vmap and nesting', (backend) => {
  type M = fx.Tensor<[4, 3], 'float32'>;
  // Per-example: a recurrence over 4 steps with a closed-over weight.
  const rnn = (w: V, xs: M) =>
    fx.scan((h: V, x: V) => {
      const next = fx.tanh(fx.add(fx.mul(h, w), x));
      return [next, fx.sum(next)] as [V, S];
    }, fx.zeros([3]) as V, xs);
  const xsBatch = fx.tensor([
    [[0.1, 0.2, 0.3], [-0.2, 0.1, 0.0], [0.3, -0.1, 0.2], [0.0, 0.4, -0.3]],
    [[0.5, -0.2, 0.1], [0.2, 0.2, 0.2], [-0.3, 0.1, 0.4], [0.1, 0.0, -0.1]],
  ]) as fx.Tensor<[2, 4, 3], 'float32'>;
  const w = fx.tensor([0.5, -0.3, 0.8]) as V;

  it('jit(vmap(scan)) equals the per-example loop; one scan equation', async () => {
    const batched = fx.jit(fx.vmap((xs: M) => rnn(w, xs)));
    const [h, ys] = batched(xsBatch as never) as unknown as [fx.Tensor, fx.Tensor];
    for (let b = 0; b < 2; b++) {
      const xb = fx.reshape(fx.slice(xsBatch, [b, 0, 0], [1, 4, 3]), [4, 3]) as M;
      const [hb, yb] = rnn(w, xb);
      await expectClose(fx.reshape(fx.slice(h, [b, 0], [1, 3]), [3]), (await hb.array()) as number[], 1e-5);
      await expectClose(fx.reshape(fx.slice(ys, [b, 0], [1, 4]), [4]), (await yb.array()) as number[], 1e-5);
    }
    const ir = fx.makeIR(fx.vmap((xs: M) => rnn(w, xs)))(xsBatch as never).toString();
    expect(countEq(ir, 'scan')).toBe(1);
  });

  it('vmap over the weight (a batched loop constant) and jit(grad) of a vmapped scan', async () => {
    const ws = fx.tensor([[0.5, -0.3, 0.8], [0.1, 0.2, -0.4]]) as fx.Tensor<[2, 3], 'float32'>;
    const xs = fx.reshape(fx.slice(xsBatch, [0, 0, 0], [1, 4, 3]), [4, 3]) as M;
    const per = fx.jit(fx.vmap((wi: V) => fx.sum(rnn(wi, xs)[1])))(ws as never) as fx.Tensor;
    const want = await Promise.all([0, 1].map((b) => read(fx.sum(rnn(fx.reshape(fx.slice(ws, [b, 0], [1, 3]), [3]) as V, xs)[1]))));
    await expectClose(per, want, 1e-5);
    const total = (wv: fx.Tensor<[2, 3], 'float32'>) => fx.sum(fx.vmap((wi: V) => fx.sum(rnn(wi, xs)[1]))(wv as never) as fx.Tensor<[2], 'float32'>) as S;
    const eager = (await fx.grad(total)(ws).array()) as number[][];
    await expectClose(fx.jit(fx.grad(total))(ws), eager, 1e-4);
  });

  it('grad of grad through a staged scan (jit): d²/dw² matches the eager unrolled loop', async () => {
    const f = (a: S) => {
      const [c] = fx.scan((h: S, x: S) => [fx.sin(fx.add(fx.mul(h, a), x)), h] as [S, S], fx.scalar(0.3) as S, fx.tensor([0.1, 0.5, -0.2, 0.7, 0.4]));
      return c;
    };
    const eager = await read(fx.grad(fx.grad(f))(fx.scalar(0.8) as S));
    await expectClose(fx.jit(fx.grad(fx.grad(f)))(fx.scalar(0.8) as S), eager, 1e-4);
    expect(countEq(fx.makeIR(fx.grad(fx.grad(f)))(fx.scalar(0.8)).toString(), 'scan')).toBeGreaterThan(0);
    await fx.checkGradsAsync(fx.jit(fx.grad(f)) as never, [fx.scalar(0.8)], { order: 2 });
  });

  it('scan inside scan under jit: values and gradient match the eager loops', async () => {
    const f = (a: S) =>
      fx.fori(0, 3, (_i, c: S) => fx.fori(0, 4, (_j, d: S) => fx.add(fx.mul(d, a), 0.1), c), fx.scalar(1) as S);
    const ir = fx.makeIR(f)(fx.scalar(0.9)).toString();
    // One outer scan whose body holds the inner one.
    expect((ir.match(/= scan\[/g) ?? []).length).toBe(2);
    expect(ir).toMatch(/scan\[length=3[^]*scan\[length=4/);
    await expectClose(fx.jit(f)(fx.scalar(0.9) as S), await read(f(fx.scalar(0.9) as S)), 1e-5);
    await expectClose(fx.jit(fx.grad(f))(fx.scalar(0.9) as S), await read(fx.grad(f)(fx.scalar(0.9) as S)), 1e-4);
    await fx.checkGradsAsync(fx.jit(f) as never, [fx.scalar(0.9)], { order: 2 });
  });
});

describeEachBackend('scan primitive: memory', (backend) => {
  it('repeated jit(grad) and jit(jvp) calls through staged loops hold no tensors between calls', () => {
    const p = fx.tensor([4, 0.3, 1.5]) as V;
    const g = fx.jit(fx.grad(rollout(50)));
    const jv = fx.jit((q: V, t: V) => fx.jvp(rollout(50), [q], [t])[1]);
    // Also the loop through the interpreters: grad of a jitted function on concrete values.
    const h = fx.grad(fx.jit(rollout(50)));
    const run = () => {
      g(p).dispose();
      jv(p, p).dispose();
      h(p).dispose();
    };
    run();
    const before = fx.memory().tensors;
    for (let i = 0; i < 3; i++) run();
    expect(fx.memory().tensors).toBe(before);
  });

  it('an error inside a staged body leaves no tensors behind', () => {
    const bad = fx.jit((x: V) => fx.fori(0, 5, (_i, c: V) => fx.matmul(c as never, c as never) as never, x));
    const x = fx.ones([3]) as V;
    const before = fx.memory().tensors;
    expect(() => bad(x)).toThrow(/matmul/);
    expect(fx.memory().tensors).toBe(before);
  });
});

describeEachBackend('scan: checkpoint policies', (backend) => {
  type P = fx.Tensor<[100], 'float32'>;
  const n = 64;
  const xs = fx.linspace(-1, 1, n);
  const loss = (policy: fx.ScanOptions['checkpoint']) => (w: P) => {
    const [c, ys] = fx.scan((c: P, x: S) => {
      const next = fx.add(fx.mul(c, 0.97), fx.mul(fx.sin(fx.mul(c, w)), x));
      return [next, fx.sum(fx.mul(next, next))] as [P, S];
    }, fx.ones([100]) as P, xs, { checkpoint: policy });
    return fx.add(fx.sum(c), fx.sum(ys)) as S;
  };
  const w = fx.linspace(0.5, 1.5, 100) as P;

  it('{ every: 8 } gives the same value and gradient as storing all, with fewer stored bytes', async () => {
    const all = fx.jit(fx.grad(loss('all')));
    const seg = fx.jit(fx.grad(loss({ every: 8 })));
    const want = (await fx.grad(loss('all'))(w).array()) as number[];
    await expectClose(all(w), want, 1e-3);
    await expectClose(seg(w), want, 1e-3);
    await expectClose(fx.jit(loss({ every: 8 }))(w), await read(loss('all')(w)), 1e-4);
    // Residuals: 64 steps x several [100] vectors when all are stored; 8 carries + one 8-step segment otherwise.
    expect(seg.stats().peakBytes).toBeLessThan(all.stats().peakBytes / 2);
    // Eager reverse mode follows the same policy.
    await expectClose(fx.grad(loss({ every: 8 }))(w), want, 1e-3);
  });

  it("'binomial' gives the value and gradient of storing all, eager and under jit, with fewer stored bytes", async () => {
    const want = (await fx.grad(loss('all'))(w).array()) as number[];
    const all = fx.jit(fx.grad(loss('all')));
    const binom = fx.jit(fx.grad(loss('binomial')));
    await expectClose(all(w), want, 1e-3);
    await expectClose(binom(w), want, 1e-3);
    // Recomputed, not approximated: within float32 rounding of the stored-all gradient.
    await expectClose(binom(w), (await all(w).array()) as number[], 1e-5);
    await expectClose(fx.grad(loss('binomial'))(w), want, 1e-3);
    await expectClose(fx.jit(loss('binomial'))(w), await read(loss('all')(w)), 1e-4);
    // 64 steps: 4 checkpointed segments of 16 steps — 4 carries and 16 steps' residuals instead of 64 steps'.
    expect(binom.stats().peakBytes).toBeLessThan(all.stats().peakBytes / 2);
  });

  it("'binomial' on a length with a short last chunk (211 = 13 chunks of 16 steps + 3) and checkGrads order 2 under jit", async () => {
    type Q = fx.Tensor<[3], 'float32'>;
    const xs211 = fx.linspace(-1, 1, 211);
    const f = (policy: fx.ScanOptions['checkpoint']) => (q: Q) => {
      const [c, ys] = fx.scan((c: Q, x: S) => [fx.tanh(fx.add(fx.mul(c, q), x)), fx.sum(c)] as [Q, S], fx.ones([3]) as Q, xs211, { checkpoint: policy });
      return fx.add(fx.sum(fx.mul(c, c)), fx.sum(ys)) as S;
    };
    const q = fx.tensor([0.9, -0.7, 1.1]) as Q;
    const want = (await fx.grad(f('all'))(q).array()) as number[];
    await expectClose(fx.jit(fx.grad(f('binomial')))(q), want, 1e-4);
    await expectClose(fx.grad(f('binomial'))(q), want, 1e-4);
    const [, ys] = fx.jit((v: Q) => fx.scan((c: Q, x: S) => [fx.add(c, x), fx.sum(c)] as [Q, S], v, xs211, { checkpoint: 'binomial' }))(q);
    expect(ys.shape).toEqual([211]);
    expect(fx.binomialSchedule(211)).toMatchObject({ levels: [14], leaf: 16, snapshots: 13, repetitions: 1 });
    await fx.checkGradsAsync(fx.jit(f('binomial')) as never, [q], { order: 2 });
  });

  it('memoryProfile reports what each policy keeps at the peak of the backward pass', () => {
    const report = (policy: fx.ScanOptions['checkpoint']) => fx.memoryProfile(loss(policy))(w).loops;
    expect(report('all')).toEqual([{ policy: 'all', length: 64, storedCarries: 0, residualSteps: 64, carryBytes: 400, levels: [], evaluationsPerStep: 1 }]);
    expect(report({ every: 8 })).toEqual([{ policy: 'every 8', length: 64, storedCarries: 8, residualSteps: 8, carryBytes: 400, levels: [8], evaluationsPerStep: 2 }]);
    // 4 chunks of 16 steps, 3 snapshots: chunks 0-2 recomputed once (revolve with r = 1), 48/64 + 2 evaluations per step.
    expect(report('binomial')).toEqual([{ policy: 'binomial', length: 64, storedCarries: 4, residualSteps: 16, carryBytes: 400, levels: [4], evaluationsPerStep: 2.75 }]);
    // The forward pass of 'binomial' stores only the loop's inputs (and the sequence).
    const residualBytes = (policy: fx.ScanOptions['checkpoint']) => fx.memoryProfile(loss(policy))(w).residuals.filter((r) => r.bytes === 400).length;
    expect(residualBytes('binomial')).toBeLessThan(residualBytes('all') / 4);
    expect(fx.memoryProfile(loss('binomial'))(w).toString()).toMatch(/loop of 64 steps, checkpoint binomial: at most 4 carries \(1600 bytes\) and 16 steps of residuals kept at once, 2.75 forward evaluations per step/);
  });

  it('{ every: k } with k not dividing the length: segments and a plain tail (64 = 12·5 + 4), same gradient', async () => {
    const want = (await fx.jit(fx.grad(loss('all')))(w).array()) as number[];
    await expectClose(fx.jit(fx.grad(loss({ every: 5 })))(w), want, 1e-5);
    await expectClose(fx.grad(loss({ every: 5 }))(w), want, 1e-4);
    expect(fx.memoryProfile(loss({ every: 5 }))(w).loops[0]).toMatchObject({ policy: 'every 5', storedCarries: 12, residualSteps: 5 });
  });

  it('a bad checkpoint policy is a ShapeError naming scan', () => {
    expect(() => loss({ every: 2.5 })(w)).toThrow(/scan: checkpoint.every must be a positive integer, got 2.5/);
    expect(() => loss('some' as never)(w)).toThrow(/scan: checkpoint must be 'all', 'binomial' or \{ every: k \}, got some/);
  });
});

describeEachBackend('fori: checkpoint policies', (backend) => {
  type P = fx.Tensor<[3], 'float32'>;
  type St = { x: fx.Tensor<[50], 'float32'>; v: fx.Tensor<[50], 'float32'> };
  const n = 300;
  const p0 = [4, 0.3, 1.5];
  // The damped oscillator of `rollout` (50 copies: a carry of 400 bytes), optionally forced by 0.5·sin(i·dt) read
  // through the index as a JS number.
  const sim = (policy: fx.ScanOptions['checkpoint'], forced = false) => (p: P) => {
    const [k, c] = [fx.slice(p, [0], [1]), fx.slice(p, [1], [1])];
    const end = fx.fori(
      0,
      n,
      (i, s: St) => {
        const a = fx.sub(fx.mul(fx.neg(k), s.x), fx.mul(c, s.v));
        const v = fx.add(s.v, fx.mul(forced ? fx.add(a, 0.5 * Math.sin(i * dt)) : a, dt));
        return { x: fx.add(s.x, fx.mul(v, dt)), v };
      },
      { x: fx.mul(fx.slice(p, [2], [1]), fx.ones([50])), v: fx.zeros([50]) } as St,
      { checkpoint: policy },
    );
    return fx.div(fx.sum(fx.mul(end.x, end.x)), 50) as S;
  };
  /** The same in float64 plain JS. */
  const simJs = (p: number[], forced: boolean) => {
    const [k, c, x0] = p as [number, number, number];
    let x = x0;
    let v = 0;
    for (let i = 0; i < n; i++) {
      v += (-k * x - c * v + (forced ? 0.5 * Math.sin(i * dt) : 0)) * dt;
      x += v * dt;
    }
    return x * x;
  };
  const central = (forced: boolean) =>
    p0.map((_, j) => {
      const h = 1e-6;
      const up = p0.slice();
      const dn = p0.slice();
      up[j]! += h;
      dn[j]! -= h;
      return (simJs(up, forced) - simJs(dn, forced)) / (2 * h);
    });
  const policies: fx.ScanOptions['checkpoint'][] = [{ every: 17 }, 'binomial'];

  it(
    '{ every: 17 } (300 = 17·17 + 11) and binomial: jit(grad) and eager grad equal central differences of the float64 loop and the stored-all gradient, with fewer stored bytes',
    async () => {
      const want = central(false);
      const all = fx.jit(fx.grad(sim('all')));
      const stored = (await all(fx.tensor(p0) as P).array()) as number[];
      await expectClose(fx.tensor(stored), want, 2e-4);
      for (const policy of policies) {
        const g = fx.jit(fx.grad(sim(policy)));
        await expectClose(g(fx.tensor(p0) as P), want, 2e-4);
        // Recomputed, not approximated: the stored-all gradient to float32 rounding.
        await expectClose(g(fx.tensor(p0) as P), stored, 1e-5);
        await expectClose(fx.grad(sim(policy))(fx.tensor(p0) as P), want, 2e-4);
        await expectClose(fx.jit(sim(policy))(fx.tensor(p0) as P), simJs(p0, false), 1e-4);
        expect(g.stats().peakBytes, JSON.stringify(policy)).toBeLessThan(all.stats().peakBytes / 2);
        // Staged as loops (the program does not grow with the trip count).
        expect(fx.makeIR(fx.grad(sim(policy)))(fx.zeros([3])).toString().split('\n').length).toBeLessThan(120);
      }
    },
  );

  it(
    'a body reading its index as a JS number: checkpointed segments of the unrolled loop, the same gradient, eager and under jit',
    async () => {
      const want = central(true);
      for (const policy of policies) {
        await expectClose(fx.jit(fx.grad(sim(policy, true)))(fx.tensor(p0) as P), want, 2e-4);
        await expectClose(fx.grad(sim(policy, true))(fx.tensor(p0) as P), want, 2e-4);
      }
      // Unrolled into checkpoint calls: 17 segments of 17 steps, then 11 plain steps.
      expect(countEq(fx.makeIR(fx.grad(sim({ every: 17 }, true)))(fx.zeros([3])).toString(), 'checkpoint')).toBeGreaterThanOrEqual(17);
    },
  );

  it('memoryProfile reports the policy of a fori', () => {
    const report = (policy: fx.ScanOptions['checkpoint'], forced = false) => fx.memoryProfile(sim(policy, forced))(fx.tensor(p0) as P).loops;
    expect(report('all')).toEqual([{ policy: 'all', length: 300, storedCarries: 0, residualSteps: 300, carryBytes: 400, levels: [], evaluationsPerStep: 1 }]);
    expect(report({ every: 17 })).toEqual([{ policy: 'every 17', length: 300, storedCarries: 17, residualSteps: 17, carryBytes: 400, levels: [17], evaluationsPerStep: 1.96 }]);
    expect(report({ every: 17 }, true)).toEqual(report({ every: 17 }));
    expect(report('binomial')).toEqual([{ policy: 'binomial', length: 300, ...pick(fx.binomialSchedule(300)), carryBytes: 400 }]);
  });

  it('a bad checkpoint policy is a ShapeError naming fori', () => {
    expect(() => sim({ every: 0 })(fx.tensor(p0) as P)).toThrow(/fori: checkpoint.every must be a positive integer, got 0/);
    expect(() => sim('none' as never)(fx.tensor(p0) as P)).toThrow(/fori: checkpoint must be 'all', 'binomial' or \{ every: k \}, got none/);
  });
});

/** The fields of a binomial schedule that `memoryProfile` reports. */
const pick = (s: fx.BinomialSchedule) => ({ storedCarries: s.storedCarries, residualSteps: s.residualSteps, levels: s.levels, evaluationsPerStep: s.evaluationsPerStep });

describe('binomialSchedule', () => {
  it("revolve over chunks: at most 40 carries, chunks of ≥ 16 steps, repetition number from β(s, r) = C(s + r, s)", () => {
    const C = (a: number, b: number) => { let c = 1; for (let i = 1; i <= b; i++) c = (c * (a - b + i)) / i; return Math.round(c); };
    for (const n of [17, 64, 1000, 4099, 65537, 100_000, 1_000_000]) {
      const s = fx.binomialSchedule(n);
      const chunks = Math.ceil(n / s.leaf);
      expect(s.levels).toEqual([chunks]);
      expect(s.leaf).toBeGreaterThanOrEqual(16);
      expect(chunks).toBeLessThanOrEqual(512);
      expect(s.storedCarries).toBe(s.snapshots + 1);
      expect(s.storedCarries).toBeLessThanOrEqual(40);
      // r is the least with C(s + r, s) ≥ chunks; no step is evaluated more than r + 2 times (forward pass, r recomputations, linearization).
      expect(C(s.snapshots + s.repetitions, s.snapshots)).toBeGreaterThanOrEqual(chunks);
      expect(C(s.snapshots + s.repetitions - 1, s.snapshots)).toBeLessThan(chunks);
      expect(s.forwardPasses).toBeLessThanOrEqual(s.repetitions + 2);
      expect(s.evaluationsPerStep).toBeLessThanOrEqual(s.forwardPasses);
    }
    // 100,000 steps: 511 chunks of 196 steps, 39 snapshots, r = 2 (C(41, 2) = 820 ≥ 511): at most 4 evaluations of any step instead of 8.
    expect(fx.binomialSchedule(100_000)).toEqual({ levels: [511], leaf: 196, storedCarries: 40, residualSteps: 196, forwardPasses: 4, snapshots: 39, repetitions: 2, evaluationsPerStep: 3.92 });
    // 1024 = 64 chunks of 16: revolve's minimum r·l − β(s + 1, r − 1) = 2·64 − C(41, 1) = 87 recomputed chunks: 2 + 87·16/1024 per step.
    expect(fx.binomialSchedule(1024).evaluationsPerStep).toBe(Math.round((2 + (87 * 16) / 1024) * 100) / 100);
    expect(fx.binomialSchedule(16)).toEqual({ levels: [], leaf: 16, storedCarries: 0, residualSteps: 16, forwardPasses: 1, snapshots: 0, repetitions: 0, evaluationsPerStep: 1 });
    expect(() => fx.binomialSchedule(-1)).toThrow(/binomialSchedule: n must be a non-negative integer, got -1/);
  });
});
