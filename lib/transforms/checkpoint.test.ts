import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type V = fx.Tensor<[4], 'float32'>;

const block = (x: V) => fx.tanh(fx.mul(fx.sin(x), fx.exp(fx.mul(x, 0.3))));

describeEachBackend('checkpoint', () => {
  const x = () => fx.tensor([0.1, -0.4, 0.9, 1.3]);

  it('gives the same values and derivatives as the plain function, in every mode', async () => {
    const f = (v: V) => fx.sum(block(block(v)));
    const g = (v: V) => fx.sum(fx.checkpoint(block)(fx.checkpoint(block)(v)));
    await expectClose(g(x()), (await f(x()).array()) as number, 1e-5);
    const want = (await fx.grad(f)(x()).array()) as number[];
    await expectClose(fx.grad(g)(x()), want, 1e-4);
    await expectClose(fx.jit(fx.grad(g))(x()), want, 1e-4);
    await expectClose(fx.jvp(g, [x()], [fx.ones([4])])[1], want.reduce((a, b) => a + b), 1e-4);
    await expectClose(fx.hessian(g)(x()), (await fx.hessian(f)(x()).array()) as number[][], 1e-3);
    await fx.checkGradsAsync(g as never, [x()], { order: 2 });
  });

  it('the backward pass recomputes: the linearized program stores only the inputs', () => {
    // A JS loop, unrolled when staged (a staged fx.fori would be one scan equation holding its residuals stacked).
    const deep = (v: V) => {
      let c = v;
      for (let i = 0; i < 20; i++) c = block(c);
      return c;
    };
    const ckpt = fx.checkpoint(deep);
    const plain = fx.makeIR(fx.grad((v: V) => fx.sum(deep(v))))(fx.zeros([4])).toString();
    const remat = fx.makeIR(fx.grad((v: V) => fx.sum(ckpt(v))))(fx.zeros([4])).toString();
    // Plain reverse mode keeps residuals of all 20 blocks; checkpointed reverse mode replays f in its transpose.
    expect(remat).toMatch(/checkpointLinear|checkpoint\[/);
    expect(plain.split('\n').length).toBeGreaterThan(100);
  });
});

describe('checkpoint memory', () => {
  it('reverse mode through a checkpointed segment holds fewer residuals', () => {
    const deep = (v: fx.Tensor<[256], 'float32'>) => fx.fori(0, 30, (_i, c: fx.Tensor<[256], 'float32'>) => fx.tanh(fx.mul(fx.sin(c), 1.1)), v);
    const x = fx.ones([256]);
    const residuals = (f: (v: fx.Tensor<[256], 'float32'>) => fx.Tensor) => {
      const before = fx.memory().tensors;
      const [, pullback] = fx.vjp(f, x);
      const held = fx.memory().tensors - before;
      pullback.dispose();
      return held;
    };
    const plain = residuals((v) => fx.sum(deep(v)));
    const remat = residuals((v) => fx.sum(fx.checkpoint(deep)(v)));
    expect(remat).toBeLessThan(plain / 5);
  });
});

describe('checkpoint with pytree arguments under jit', () => {
  it('jit of a hessian through a checkpointed step on an object state', async () => {
    type S = fx.Tensor<[], 'float32'>;
    type St = { x: S; v: S };
    const step = fx.checkpoint((k: S, s: St): St => ({ x: fx.add(s.x, fx.mul(s.v, 0.1)), v: fx.sub(s.v, fx.mul(fx.mul(k, s.x), 0.1)) }));
    const plainStep = (k: S, s: St): St => ({ x: fx.add(s.x, fx.mul(s.v, 0.1)), v: fx.sub(s.v, fx.mul(fx.mul(k, s.x), 0.1)) });
    const rollout = (stepFn: typeof plainStep) => (k: S) => {
      let s: St = { x: fx.scalar(1) as S, v: fx.scalar(0) as S };
      for (let i = 0; i < 3; i++) s = stepFn(k, s);
      return fx.square(s.x);
    };
    const want = (await fx.hessian(rollout(plainStep))(fx.scalar(2)).array()) as number;
    await expectClose(fx.jit((k: S) => fx.hessian(rollout(step))(k))(fx.scalar(2)), want, 1e-4);
  });
});
