import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

describeEachBackend('add, sub, mul, div', () => {
  const a = () => fx.tensor([[1, -2, 3], [0.5, 4, -1]]);
  const b = () => fx.tensor([2, 0.25, -3]);

  it('computes values with broadcasting', async () => {
    await expectClose(fx.add(a(), b()), [[3, -1.75, 0], [2.5, 4.25, -4]]);
    await expectClose(fx.sub(a(), b()), [[-1, -2.25, 6], [-1.5, 3.75, 2]]);
    await expectClose(fx.mul(a(), b()), [[2, -0.5, -9], [1, 1, 3]]);
    await expectClose(fx.div(a(), b()), [[0.5, -8, -1], [0.25, 16, 1 / 3]]);
    await expectClose(fx.mul(a(), 2), [[2, -4, 6], [1, 8, -2]]);
  });

  it('rejects shapes that do not broadcast, naming both', () => {
    const x = fx.zeros([2, 3]) as fx.Tensor;
    const y = fx.zeros([2]) as fx.Tensor;
    expect(() => (fx.add as (p: fx.Tensor, q: fx.Tensor) => fx.Tensor)(x, y)).toThrow(/add: cannot broadcast \[2, 3\] with \[2\]/);
  });

  it('rejects mixed dtypes', () => {
    const x = fx.zeros([2]) as fx.Tensor;
    const i = fx.tensor([1, 2], 'int32') as fx.Tensor;
    expect(() => (fx.mul as (p: fx.Tensor, q: fx.Tensor) => fx.Tensor)(x, i)).toThrow(/dtype error in mul: operands differ in dtype/);
  });

  it('derivatives match finite differences, orders 1 and 2, with broadcasting', async () => {
    for (const op of [fx.add, fx.sub, fx.mul, fx.div] as unknown as ((p: fx.Tensor, q: fx.Tensor) => fx.Tensor)[]) {
      const report = await fx.checkGradsAsync(op, [a(), b()], { order: 2 });
      expect(report.checks.length).toBeGreaterThan(4);
    }
  });
});

describeEachBackend('unary float ops', () => {
  const x = () => fx.tensor([0.3, -1.2, 2.0]);
  const cases: [string, (t: fx.Tensor<[3], 'float32'>) => fx.Tensor, (v: number) => number][] = [
    ['exp', fx.exp, Math.exp],
    ['sin', fx.sin, Math.sin],
    ['cos', fx.cos, Math.cos],
    ['tanh', fx.tanh, Math.tanh],
    ['neg', fx.neg, (v) => -v],
  ];
  for (const [name, op, ref] of cases) {
    it(`${name}: values and derivatives to order 2`, async () => {
      await expectClose(op(x()), [0.3, -1.2, 2.0].map(ref), 1e-3);
      await fx.checkGradsAsync(op as never, [x()], { order: 2 });
    });
  }
  it('log: values and derivatives to order 2 on positive inputs', async () => {
    const p = fx.tensor([0.5, 1, 3]);
    await expectClose(fx.log(p), [Math.log(0.5), 0, Math.log(3)]);
    await fx.checkGradsAsync(fx.log as never, [p], { order: 2 });
  });
});

describe('checkGrads catches a wrong derivative', () => {
  it('names the worst index and both values', () => {
    // sum(x * stopGradient(x)) has gradient x, but its true derivative is 2x.
    const wrong = (x: fx.Tensor) => fx.sum(fx.mul(x as fx.Tensor<[3], 'float32'>, fx.stopGradient(x as fx.Tensor<[3], 'float32'>)));
    expect(() => fx.checkGrads(wrong, [fx.tensor([1, 2, 3])], { modes: ['rev'] })).toThrow(/at flat index 2 autodiff gives 3 but finite differences give 6/);
  });
});

describe('JS numbers as operands', () => {
  it('a failing op frees the scalars it made from numbers', () => {
    const b = fx.tensor([true, false]);
    const before = fx.memory().tensors;
    const untypedLess = fx.less as unknown as (p: fx.Tensor, q: number) => fx.Tensor;
    expect(() => untypedLess(b, 1)).toThrow(/dtype error in less/);
    expect(fx.memory().tensors).toBe(before);
    b.dispose();
  });
});
