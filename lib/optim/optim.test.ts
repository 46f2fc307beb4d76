import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
type Params = { w: fx.Tensor<[2], 'float32'>; b: fx.Tensor<[], 'float32'> };

const params = (): Params => ({ w: fx.tensor([1, -2]), b: fx.scalar(0.5) });
const gradsA = (): Params => ({ w: fx.tensor([0.5, -0.1]), b: fx.scalar(2) });
const gradsB = (): Params => ({ w: fx.tensor([0.2, 0.3]), b: fx.scalar(-1) });

/** Adam(W) in float64 on the host, the reference for the tensor version. */
function adamReference(p: number[], gs: number[][], lr: number, wd = 0, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  let m = p.map(() => 0);
  let v = p.map(() => 0);
  let x = p.slice();
  gs.forEach((g, k) => {
    const t = k + 1;
    m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
    v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! ** 2);
    x = x.map((xi, i) => xi - lr * (m[i]! / (1 - b1 ** t) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps) + wd * xi));
  });
  return x;
}

describeEachBackend('optimizers', () => {
  it('sgd: p ← p − lr·g, with the step counted in the state', async () => {
    const opt = fx.optim.sgd({ learningRate: 0.1 });
    const s0 = opt.init(params());
    await expectClose(s0.step, 0);
    const [p1, s1] = opt.update(gradsA(), s0, params());
    await expectClose(p1.w, [0.95, -1.99]);
    await expectClose(p1.b, 0.3);
    await expectClose(s1.step, 1);
  });

  it('momentum: v ← βv + g, p ← p − lr·v (and Nesterov p ← p − lr·(g + βv)), two steps by hand', async () => {
    const opt = fx.optim.momentum({ learningRate: 0.1, beta: 0.5 });
    let p = params();
    let s = opt.init(p);
    await expectClose(s.velocity.w, [0, 0]);
    [p, s] = opt.update(gradsA(), s, p);
    [p, s] = opt.update(gradsB(), s, p);
    // v1 = gA; v2 = 0.5·gA + gB; p2 = p0 − 0.1·(v1 + v2)
    await expectClose(s.velocity.w, [0.45, 0.25]);
    await expectClose(p.w, [1 - 0.1 * (0.5 + 0.45), -2 - 0.1 * (-0.1 + 0.25)]);
    await expectClose(p.b, 0.5 - 0.1 * (2 + 0));
    const nesterov = fx.optim.momentum({ learningRate: 0.1, beta: 0.5, nesterov: true });
    const [q] = nesterov.update(gradsA(), nesterov.init(params()), params());
    // v1 = gA; p1 = p0 − 0.1·(gA + 0.5·gA)
    await expectClose(q.w, [1 - 0.1 * 0.75, -2 + 0.1 * 0.15]);
  });

  it('adam: the first step moves each parameter by lr·sign(g); two steps match a float64 reference', async () => {
    const opt = fx.optim.adam({ learningRate: 0.1 });
    let p = params();
    let s = opt.init(p);
    [p, s] = opt.update(gradsA(), s, p);
    await expectClose(p.w, [0.9, -1.9], 1e-5);
    await expectClose(p.b, 0.4, 1e-5);
    await expectClose(s.mu.w, [0.05, -0.01]);
    await expectClose(s.nu.w, [0.00025, 0.00001]);
    [p, s] = opt.update(gradsB(), s, p);
    await expectClose(s.step, 2);
    await expectClose(p.w, adamReference([1, -2], [[0.5, -0.1], [0.2, 0.3]], 0.1), 1e-5);
    await expectClose(p.b, adamReference([0.5], [[2], [-1]], 0.1), 1e-5);
  });

  it('adamw adds decoupled weight decay lr·λ·p to the adam step', async () => {
    const opt = fx.optim.adamw({ learningRate: 0.1, weightDecay: 0.5 });
    let p = params();
    let s = opt.init(p);
    [p, s] = opt.update(gradsA(), s, p);
    await expectClose(p.w, [1 - 0.1 * (1 + 0.5), -2 - 0.1 * (-1 - 1)], 1e-5);
    [p, s] = opt.update(gradsB(), s, p);
    await expectClose(p.w, adamReference([1, -2], [[0.5, -0.1], [0.2, 0.3]], 0.1, 0.5), 1e-5);
  });

  it('takes the learning rate from a schedule of the step count', async () => {
    const opt = fx.optim.sgd({ learningRate: fx.optim.exponentialDecay(1, 0.5, 1) });
    let p = params();
    let s = opt.init(p);
    [p, s] = opt.update(gradsA(), s, p); // lr 1
    [p, s] = opt.update(gradsA(), s, p); // lr 0.5
    await expectClose(p.w, [1 - 1.5 * 0.5, -2 + 1.5 * 0.1]);
  });

  it('update is pure: inputs are neither changed nor freed', async () => {
    const opt = fx.optim.adam({ learningRate: 0.1 });
    const p = params();
    const g = gradsA();
    const s = opt.init(p);
    const [p1, s1] = opt.update(g, s, p);
    expect(p1.w).not.toBe(p.w);
    expect(s1.mu).not.toBe(s.mu);
    await expectClose(p.w, [1, -2]);
    await expectClose(g.w, [0.5, -0.1]);
    await expectClose(s.mu.w, [0, 0]);
    await expectClose(s.step, 0);
  });

  it('a training loop in fx.scope plus optim.dispose keeps memory flat', async () => {
    const opt = fx.optim.adam({ learningRate: 0.05 });
    const loss = (q: Params) => fx.add(fx.sum(fx.square(fx.sub(q.w, fx.tensor([3, 4])))), fx.square(q.b));
    let p = params();
    let s = opt.init(p);
    const counts: number[] = [];
    for (let i = 0; i < 300; i++) {
      const [np, ns] = fx.scope(() => opt.update(fx.grad(loss)(p), s, p));
      fx.optim.dispose(p, s);
      [p, s] = [np, ns];
      if (i % 100 === 99) counts.push(fx.memory().tensors);
    }
    expect(new Set(counts).size).toBe(1);
    await expectClose(p.w, [3, 4], 2e-2);
    await expectClose(p.b, 0, 2e-2);
  });

  it('a jitted training step traces once although the step count changes', async () => {
    const opt = fx.optim.adam({ learningRate: fx.optim.cosineDecay(0.1, 10) });
    const loss = (q: Params) => fx.sum(fx.square(q.w));
    const step = fx.jit((q: Params, st: fx.optim.AdamState<Params>) => opt.update(fx.grad(loss)(q), st, q));
    let p = params();
    let s = opt.init(p);
    for (let i = 0; i < 3; i++) [p, s] = step(p, s) as [Params, fx.optim.AdamState<Params>];
    expect(step.stats().traces).toBe(1);
    await expectClose(s.step, 3);
  });

  it('rejects grads or state whose structure differs from the params', () => {
    const opt = fx.optim.adam({ learningRate: 0.1 });
    const s = opt.init(params());
    expect(() => opt.update({ w: fx.ones([3]), b: fx.scalar(1) } as unknown as Params, s, params())).toThrow(/shape error in optim.adam.update: grads leaf 1 has shape \[3\] but the parameter has \[2\]/);
    expect(() => opt.update({ w: fx.ones([2]) } as unknown as Params, s, params())).toThrow(/grads has 1 tensors but params have 2/);
    expect(() => opt.update(gradsA(), {} as never, params())).toThrow();
  });
});

describeEachBackend('gradient clipping', () => {
  it('globalNorm is the L2 norm over every leaf', async () => {
    await expectClose(fx.optim.globalNorm({ a: fx.tensor([3]), b: [fx.tensor([[4]])] }), 5);
  });

  it('clipByGlobalNorm rescales to the max norm only when above it', async () => {
    const [c, norm] = fx.optim.clipByGlobalNorm({ a: fx.tensor([3]), b: fx.tensor([4]) }, 1);
    await expectClose(norm, 5);
    await expectClose(c.a, 0.6);
    await expectClose(c.b, 0.8);
    const [same] = fx.optim.clipByGlobalNorm({ a: fx.tensor([0.3]) }, 1);
    await expectClose(same.a, 0.3);
  });

  it('the clipNorm option clips before the update', async () => {
    const opt = fx.optim.sgd({ learningRate: 1, clipNorm: 1 });
    const [p] = opt.update({ w: fx.tensor([3, 4]) }, opt.init({ w: fx.zeros([2]) }), { w: fx.zeros([2]) });
    await expectClose(p.w, [-0.6, -0.8]);
  });
});

describeEachBackend('learning-rate schedules', () => {
  it('constant', async () => {
    expect(fx.optim.constant(0.3)(1000)).toBe(0.3);
    await expectClose(fx.optim.constant(0.3)(fx.scalar(7)), 0.3);
  });

  it('exponentialDecay: init · rate^(step/decaySteps), optionally in stairs', async () => {
    const s = fx.optim.exponentialDecay(0.1, 0.5, 100);
    expect(s(0)).toBeCloseTo(0.1, 12);
    expect(s(200)).toBeCloseTo(0.025, 12);
    expect(s(50)).toBeCloseTo(0.1 * Math.SQRT1_2, 12);
    await expectClose(s(fx.scalar(50)), 0.1 * Math.SQRT1_2, 1e-4);
    const stairs = fx.optim.exponentialDecay(0.1, 0.5, 100, { staircase: true });
    expect(stairs(150)).toBeCloseTo(0.05, 12);
    await expectClose(stairs(fx.scalar(150)), 0.05, 1e-5);
    await expectClose(stairs(fx.scalar(99)), 0.1, 1e-5);
  });

  it('cosineDecay: half a cosine from init to alpha·init, then flat', async () => {
    const s = fx.optim.cosineDecay(0.1, 100, { alpha: 0.1 });
    expect(s(0)).toBeCloseTo(0.1, 12);
    expect(s(50)).toBeCloseTo(0.1 * (0.9 * 0.5 + 0.1), 12);
    expect(s(100)).toBeCloseTo(0.01, 12);
    expect(s(500)).toBeCloseTo(0.01, 12);
    await expectClose(s(fx.scalar(25)), 0.1 * (0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.1), 1e-4);
    await expectClose(s(fx.scalar(500)), 0.01, 1e-4);
  });

  it('reject non-positive periods', () => {
    expect(() => fx.optim.cosineDecay(0.1, 0)).toThrow(/decaySteps must be a positive number, got 0/);
    expect(() => fx.optim.exponentialDecay(0.1, -1, 10)).toThrow(/rate must be a positive number/);
  });
});

describe('optim types', () => {
  it('state is a typed pytree shaped like the params', () => {
    const opt = fx.optim.adam({ learningRate: 1e-3 });
    const s = opt.init({ w: fx.zeros([2, 3]) });
    const mu: fx.Tensor<[2, 3], 'float32'> = s.mu.w;
    expect(mu.shape).toEqual([2, 3]);
  });
});
