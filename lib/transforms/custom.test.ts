import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type S = fx.Tensor<[], 'float32'>;
type V = fx.Tensor<[3], 'float32'>;

// log(1 + e^x) with the stable derivative sigmoid(x) as a custom rule.
const softplusJvp = fx.customJvp(
  (x: V) => fx.log(fx.add(fx.exp(x), 1)),
  ([x], [t]) => [fx.log(fx.add(fx.exp(x), 1)), fx.mul(t, fx.div(1, fx.add(fx.exp(fx.neg(x)), 1)))],
);

// The same function with a reverse rule.
const softplusVjp = fx.customVjp(
  (x: V) => fx.log(fx.add(fx.exp(x), 1)),
  (x: V) => [fx.log(fx.add(fx.exp(x), 1)), x] as [V, V],
  (x, g) => [fx.mul(g, fx.div(1, fx.add(fx.exp(fx.neg(x)), 1)))],
);

const sigmoidRef = (v: number) => 1 / (1 + Math.exp(-v));

describeEachBackend('custom rules', () => {
  const x = () => fx.tensor([-1, 0.5, 2]);
  const want = [-1, 0.5, 2].map(sigmoidRef);

  it('customJvp: the rule gives the derivative in forward and reverse mode', async () => {
    await expectClose(fx.jvp(softplusJvp, [x()], [fx.ones([3])])[1], want, 1e-3);
    await expectClose(fx.grad((v: V) => fx.sum(softplusJvp(v)))(x()), want, 1e-3);
  });

  it('customJvp: second order (the rule is differentiated)', async () => {
    const h = fx.hessian((v: V) => fx.sum(softplusJvp(v)))(x());
    const d2 = [-1, 0.5, 2].map((v) => sigmoidRef(v) * (1 - sigmoidRef(v)));
    await expectClose(h, d2.map((d, i) => d2.map((_, j) => (i === j ? d : 0))), 1e-3);
  });

  it('customJvp: the rule is used, not the implementation', async () => {
    // A rule that deliberately differs from the implementation's derivative shows it is the one used.
    const twice = fx.customJvp((v: S) => fx.mul(v, 1), ([v], [t]) => [fx.mul(v, 1), fx.mul(t, 2)]);
    await expectClose(fx.grad(twice)(fx.scalar(3)), 2);
  });

  it('customVjp: bwd gives the gradient; works under jit and nested in grad', async () => {
    await expectClose(fx.grad((v: V) => fx.sum(softplusVjp(v)))(x()), want, 1e-3);
    await expectClose(fx.jit(fx.grad((v: V) => fx.sum(softplusVjp(v))))(x()), want, 1e-3);
    await expectClose(fx.grad(fx.jit((v: V) => fx.sum(softplusVjp(v))))(x()), want, 1e-3);
    const d2 = [-1, 0.5, 2].map((v) => sigmoidRef(v) * (1 - sigmoidRef(v)));
    // grad of (grad · 1): bwd is written with ops, so it is differentiable again.
    await expectClose(fx.grad((v: V) => fx.sum(fx.grad((w: V) => fx.sum(softplusVjp(w)))(v)))(x()), d2, 1e-3);
  });

  it('customVjp under forward mode fails and names the missing rule', () => {
    expect(() => fx.jvp(softplusVjp, [x()], [fx.ones([3])])).toThrow(/customVjp function needs a forward rule.*fx\.customJvp/);
  });

  it('checkCustomRule accepts correct rules', async () => {
    const r1 = await fx.checkCustomRuleAsync(softplusJvp as never, [x()]);
    expect(r1.checks.some((c) => c.includes('implementation'))).toBe(true);
    const r2 = await fx.checkCustomRuleAsync(softplusVjp as never, [x()]);
    expect(r2.checks.length).toBeGreaterThan(1);
  });

  it('checkCustomRule catches a wrong rule, naming the index and both values', async () => {
    const wrong = fx.customVjp(
      (v: V) => fx.mul(v, v),
      (v: V) => [fx.mul(v, v), v] as [V, V],
      (v, g) => [fx.mul(g, v)], // should be 2·v·g
    );
    await expect(fx.checkCustomRuleAsync(wrong as never, [fx.tensor([1, 2, 3])])).rejects.toThrow(/autodiff gives .* but finite differences give/);
  });
});

describe('custom rules in the IR', () => {
  it('a custom call stays one equation when staged', () => {
    const text = fx.makeIR(softplusJvp)(fx.zeros([3])).toString();
    expect(text).toMatch(/customJvp\[fn=/);
    expect(text).not.toMatch(/= exp/);
  });
});
