import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type V = fx.Tensor<number[], 'float32'>;
type AnyT = fx.Tensor;
type Op1 = (x: V) => V;
type Op2 = (a: AnyT, b: AnyT) => AnyT;

const vec = (xs: number[]) => fx.tensor(xs) as V;

/** erf by its Maclaurin series in float64 (converges fast for |x| ≤ 3). */
function erfRef(x: number): number {
  let term = x;
  let total = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    total += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * total;
}

const sigmoidRef = (x: number) => 1 / (1 + Math.exp(-x));

/** ∇ Σ f(x) at the points `xs` (reverse mode). */
function gradOfSum(f: Op1, xs: number[]): V {
  return fx.grad((x: V) => fx.sum(f(x)) as fx.Tensor<[], 'float32'>)(vec(xs));
}

/** The forward-mode derivative of f at `xs` along all-ones tangents. */
function jvpOnes(f: Op1, xs: number[]): V {
  return fx.jvp(f, [vec(xs)], [vec(xs.map(() => 1))])[1];
}

interface UnaryCase {
  name: string;
  op: Op1;
  ref: (x: number) => number;
  /** Points for the value check (kinks and singular points allowed). */
  values: number[];
  /** Points away from kinks for the finite-difference check. */
  smooth: number[];
}

const unaryCases: UnaryCase[] = [
  { name: 'abs', op: fx.abs, ref: Math.abs, values: [-2.5, 0, 3], smooth: [-1.5, 0.7, 2] },
  { name: 'sign', op: fx.sign, ref: Math.sign, values: [-2.5, 0, 3], smooth: [-1.5, 0.7, 2] },
  { name: 'log1p', op: fx.log1p, ref: Math.log1p, values: [-0.5, 0, 0.01, 2], smooth: [-0.5, 0.3, 2] },
  { name: 'expm1', op: fx.expm1, ref: Math.expm1, values: [-1, 0, 0.5, 2], smooth: [-1, 0.3, 1.5] },
  { name: 'tan', op: fx.tan, ref: Math.tan, values: [-1.2, 0, 0.5, 1], smooth: [-1, 0.3, 0.9] },
  { name: 'sqrt', op: fx.sqrt, ref: Math.sqrt, values: [0, 0.25, 4, 10], smooth: [0.5, 1.3, 4] },
  { name: 'rsqrt', op: fx.rsqrt, ref: (x) => 1 / Math.sqrt(x), values: [0.25, 1, 4, 10], smooth: [0.5, 1.3, 4] },
  { name: 'square', op: fx.square, ref: (x) => x * x, values: [-3, 0, 1.5], smooth: [-1.5, 0.3, 2] },
  { name: 'relu', op: fx.relu, ref: (x) => Math.max(x, 0), values: [-2, 0, 3], smooth: [-1.5, 0.7, 2] },
  { name: 'sigmoid', op: fx.sigmoid, ref: sigmoidRef, values: [-100, -3, 0, 2, 100], smooth: [-2, 0.3, 3] },
  { name: 'softplus', op: fx.softplus, ref: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), values: [-100, -3, 0, 2, 100], smooth: [-2, 0.3, 3] },
  { name: 'erf', op: fx.erf, ref: erfRef, values: [-3, -0.5, 0, 0.5, 1, 3], smooth: [-1.2, 0.3, 1.5] },
];

/** Analytic first derivatives at the smooth points. */
const derivatives: Record<string, (x: number) => number> = {
  abs: Math.sign,
  sign: () => 0,
  log1p: (x) => 1 / (1 + x),
  expm1: Math.exp,
  tan: (x) => 1 + Math.tan(x) ** 2,
  sqrt: (x) => 0.5 / Math.sqrt(x),
  rsqrt: (x) => -0.5 * x ** -1.5,
  square: (x) => 2 * x,
  relu: (x) => (x > 0 ? 1 : 0),
  sigmoid: (x) => sigmoidRef(x) * (1 - sigmoidRef(x)),
  softplus: sigmoidRef,
  erf: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x),
};

describeEachBackend('unary elementwise ops', () => {
  for (const c of unaryCases) {
    it(`${c.name}: values match the float64 reference`, async () => {
      await expectClose(c.op(vec(c.values)), c.values.map(c.ref), 1e-3);
    });
    it(`${c.name}: the gradient is the analytic derivative`, async () => {
      const want = c.smooth.map(derivatives[c.name]!);
      await expectClose(fx.grad((x: V) => fx.sum(c.op(x)) as fx.Tensor<[], 'float32'>)(vec(c.smooth)), want, 1e-3);
    });
    it(`${c.name}: derivatives match finite differences to order 2`, async () => {
      const report = await fx.checkGradsAsync(c.op as never, [vec(c.smooth)], { order: 2 });
      expect(report.checks.length).toBeGreaterThanOrEqual(6);
    });
  }

  it('abs, sign and square also work on int32 and keep the dtype', async () => {
    const i = fx.tensor([-3, 0, 2], 'int32');
    for (const [op, want] of [
      [fx.abs, [3, 0, 2]],
      [fx.sign, [-1, 0, 1]],
      [fx.square, [9, 0, 4]],
    ] as const) {
      const y = op(i);
      expect(y.dtype).toBe('int32');
      expect(await y.array()).toEqual(want);
    }
  });

  it('sigmoid and softplus stay finite in the far tails, and so do their gradients', async () => {
    const tails = [-200, -90, 90, 200];
    await expectClose(fx.sigmoid(vec(tails)), [0, 0, 1, 1]);
    await expectClose(fx.softplus(vec(tails)), [0, 0, 90, 200]);
    await expectClose(gradOfSum(fx.sigmoid, tails), [0, 0, 0, 0]);
    await expectClose(gradOfSum(fx.softplus, tails), [0, 0, 1, 1]);
  });

  it('softplus keeps the small tail: softplus(x) ≈ e^x for very negative x', async () => {
    const xs = [-20, -10, -5];
    const got = (await fx.softplus(vec(xs)).array()) as number[];
    got.forEach((v, k) => expect(Math.abs(v - Math.log1p(Math.exp(xs[k]!))) / Math.exp(xs[k]!)).toBeLessThan(1e-5));
  });

  it('log1p is accurate for tiny |x| on every backend', async () => {
    const xs = [1e-7, 3e-6, -1e-5, 1e-3, 0.05, -0.3];
    const got = (await fx.log1p(vec(xs)).array()) as number[];
    got.forEach((v, k) => expect(Math.abs(v - Math.log1p(xs[k]!)) / Math.abs(Math.log1p(xs[k]!))).toBeLessThan(1e-5));
  });

  it('log1p keeps the edge values: log1p(-1) = -Inf, log1p(Inf) = Inf, log1p(-2) = NaN', async () => {
    await expectClose(fx.log1p(vec([-1, Infinity, -2, NaN])), [-Infinity, Infinity, NaN, NaN]);
  });

  it('expm1 is accurate for tiny |x| on every backend', async () => {
    const xs = [1e-7, -1e-5, 1e-3];
    const got = (await fx.expm1(vec(xs)).array()) as number[];
    got.forEach((v, k) => expect(Math.abs(v - Math.expm1(xs[k]!)) / Math.abs(Math.expm1(xs[k]!))).toBeLessThan(1e-5));
  });
});

describeEachBackend('memory', () => {
  it('gradients and second derivatives of every op leave no tensor behind', async () => {
    const x = vec([-1.5, 0.3, 2]);
    const y = vec([0.5, 1.3, -1]);
    const c = fx.tensor([true, false, true], 'bool');
    const fns: Op1[] = [
      ...unaryCases.map((u) => (v: V) => u.op(u.name === 'log1p' || u.name === 'sqrt' || u.name === 'rsqrt' ? (fx.add(fx.abs(v), 0.5) as V) : v)),
      (v) => fx.clip(v, -1, 1),
      (v) => fx.pow(fx.abs(v) as V, y) as V,
      (v) => fx.maximum(v, y) as V,
      (v) => fx.minimum(v, y) as V,
      (v) => fx.where(c, v, fx.sin(v)) as V,
    ];
    const before = fx.memory().tensors;
    for (const f of fns) {
      const loss = (v: V) => fx.sum(f(v)) as fx.Tensor<[], 'float32'>;
      fx.grad(loss)(x).dispose();
      // Forward over reverse: the Hessian-vector product.
      for (const t of fx.jvp((v: V) => fx.grad(loss)(v), [x], [y])) t.dispose();
    }
    expect(fx.memory().tensors).toBe(before);
  });
});

describeEachBackend('pow, maximum, minimum (broadcasting)', () => {
  const a = () => fx.tensor([[0.5, 2, 3], [1.5, 4, 0.2]]);
  const b = () => fx.tensor([2, 0.5, -1]);

  it('pow: values with broadcasting and a number exponent', async () => {
    await expectClose(fx.pow(a(), b()), [[0.25, Math.SQRT2, 1 / 3], [2.25, 2, 5]], 1e-3);
    await expectClose(fx.pow(fx.tensor([2, 3]), 3), [8, 27], 1e-3);
    await expectClose(fx.pow(2, fx.tensor([0, 3])), [1, 8], 1e-3);
  });

  it('pow: ∂/∂a = b·a^(b−1) and ∂/∂b = log(a)·a^b', async () => {
    const [ga, gb] = fx.grad((x: fx.Tensor<[2], 'float32'>, y: fx.Tensor<[2], 'float32'>) => fx.sum(fx.pow(x, y)), { argnums: [0, 1] })(
      fx.tensor([2, 3]),
      fx.tensor([3, 0.5]),
    );
    await expectClose(ga, [3 * 4, 0.5 / Math.sqrt(3)], 1e-3);
    await expectClose(gb, [Math.log(2) * 8, Math.log(3) * Math.sqrt(3)], 1e-3);
  });

  it('pow: derivatives match finite differences to order 2, with broadcasting', async () => {
    await fx.checkGradsAsync(fx.pow as unknown as Op2, [a(), b()], { order: 2 });
    await fx.checkGradsAsync(((x: V) => fx.pow(x, 3)) as never, [vec([-1.5, 0.5, 2])], { order: 2 });
  });

  it('maximum and minimum: values with broadcasting, float32 and int32', async () => {
    await expectClose(fx.maximum(a(), b()), [[2, 2, 3], [2, 4, 0.2]]);
    await expectClose(fx.minimum(a(), b()), [[0.5, 0.5, -1], [1.5, 0.5, -1]]);
    await expectClose(fx.maximum(fx.tensor([-1, 5]), 0), [0, 5]);
    const i = fx.maximum(fx.tensor([1, 7], 'int32'), fx.tensor([3, 2], 'int32'));
    expect(i.dtype).toBe('int32');
    expect(await i.array()).toEqual([3, 7]);
    expect(await fx.minimum(fx.tensor([1, 7], 'int32'), 4).array()).toEqual([1, 4]);
  });

  it('maximum and minimum: the gradient follows the selected operand', async () => {
    for (const [op, wantA] of [
      [fx.maximum, [[0, 1, 1], [0, 1, 1]]],
      [fx.minimum, [[1, 0, 0], [1, 0, 0]]],
    ] as const) {
      const f = (x: fx.Tensor<[2, 3], 'float32'>, y: fx.Tensor<[3], 'float32'>) => fx.sum(op(x, y));
      const [ga, gb] = fx.grad(f, { argnums: [0, 1] })(a(), b());
      await expectClose(ga, wantA);
      // b broadcasts over the 2 rows: its gradient sums the rows where b was selected.
      await expectClose(gb, wantA[0].map((w) => 2 * (1 - w)));
    }
  });

  it('maximum and minimum: derivatives match finite differences to order 2 (no ties)', async () => {
    await fx.checkGradsAsync(fx.maximum as unknown as Op2, [a(), b()], { order: 2 });
    await fx.checkGradsAsync(fx.minimum as unknown as Op2, [a(), b()], { order: 2 });
  });
});

describeEachBackend('clip', () => {
  it('clamps values to [lo, hi], float32 and int32', async () => {
    await expectClose(fx.clip(vec([-2, -0.3, 0.4, 1.7]), -1, 1), [-1, -0.3, 0.4, 1]);
    await expectClose(fx.clip(vec([-2, 5]), -Infinity, 1), [-2, 1]);
    const i = fx.clip(fx.tensor([-5, 0, 7], 'int32'), -1, 3);
    expect(i.dtype).toBe('int32');
    expect(await i.array()).toEqual([-1, 0, 3]);
    // int32 bounds round inward; infinite bounds leave that side open.
    expect(await fx.clip(fx.tensor([-5, 0, 7], 'int32'), -Infinity, 2.5).array()).toEqual([-5, 0, 2]);
    expect(await fx.clip(fx.tensor([-5, 0, 7], 'int32'), -0.5, Infinity).array()).toEqual([0, 0, 7]);
  });

  it('the gradient is 1 inside and 0 outside', async () => {
    await expectClose(gradOfSum((x) => fx.clip(x, -1, 1), [-2, -0.3, 0.4, 1.7]), [0, 1, 1, 0]);
  });

  it('derivatives match finite differences to order 2 away from the bounds', async () => {
    await fx.checkGradsAsync(((x: V) => fx.clip(x, -1, 1)) as never, [vec([-2, -0.3, 0.4, 1.7])], { order: 2 });
  });
});

describeEachBackend('where', () => {
  const cond = () => fx.tensor([[true], [false]], 'bool');
  const a = () => fx.tensor([1, 2, 3]);

  it('selects a where cond holds and b elsewhere, broadcasting all three', async () => {
    const y = fx.where(cond(), a(), fx.scalar(5));
    expect(y.shape).toEqual([2, 3]);
    await expectClose(y, [[1, 2, 3], [5, 5, 5]]);
    await expectClose(fx.where(fx.tensor([true, false, true], 'bool'), a(), 0), [1, 0, 3]);
    await expectClose(fx.where(fx.tensor([true, false], 'bool'), 1, 2), [1, 2]);
    const i = fx.where(fx.tensor([false, true], 'bool'), fx.tensor([1, 2], 'int32'), fx.tensor([7, 8], 'int32'));
    expect(i.dtype).toBe('int32');
    expect(await i.array()).toEqual([7, 2]);
    const flags = fx.where(fx.tensor([false, true], 'bool'), fx.tensor([true, true], 'bool'), fx.tensor([false, false], 'bool'));
    expect(flags.dtype).toBe('bool');
    expect(((await flags.array()) as unknown[]).map(Number)).toEqual([0, 1]);
    // Broadcast bool operands and condition (wasm spreads them itself, without tfjs's Tile).
    const spread = fx.where(cond(), fx.tensor([true, false, true], 'bool'), fx.tensor(false, 'bool'));
    expect(spread.dtype).toBe('bool');
    expect(await spread.array()).toEqual([[true, false, true], [false, false, false]]);
    // A broadcast −0 stays −0.
    const negZero = await fx.where(cond(), a(), fx.scalar(-0)).data();
    expect(Object.is(negZero[3], -0)).toBe(true);
  });

  it('its transpose sends the cotangent to a where cond holds and to b elsewhere, summed over broadcast axes', async () => {
    const weights = fx.tensor([[1, 2, 3], [4, 5, 6]]);
    const f = (x: fx.Tensor<[3], 'float32'>, y: fx.Tensor<[], 'float32'>) => fx.sum(fx.mul(fx.where(cond(), x, y), weights));
    const [ga, gb] = fx.grad(f, { argnums: [0, 1] })(a(), fx.scalar(5));
    await expectClose(ga, [1, 2, 3]);
    await expectClose(gb, 15);
  });

  it('derivatives match finite differences to order 2 (linear and composed)', async () => {
    const c = fx.tensor([true, false, true], 'bool');
    await fx.checkGradsAsync(((x: V, y: V) => fx.where(c, x, y)) as never, [vec([1, -2, 3]), vec([0.5, 0.7, -1])], { order: 2 });
    await fx.checkGradsAsync(((x: V, y: V) => fx.where(c, fx.sin(x), fx.mul(y, y))) as never, [vec([1, -2, 3]), vec([0.5, 0.7, -1])], { order: 2 });
    await fx.checkGradsAsync(((x: V) => fx.where(cond(), x, fx.exp(x))) as never, [vec([0.1, -0.4, 0.9])], { order: 2 });
  });
});

/**
 * One test per row of docs/conventions.md: subgradients at kinks and values
 * at singularities, in reverse mode (fx.grad) and forward mode (fx.jvp).
 */
describeEachBackend('subgradient and singularity conventions (docs/conventions.md)', () => {
  it('abs: the derivative at 0 is 0', async () => {
    await expectClose(gradOfSum(fx.abs, [-2, 0, 3]), [-1, 0, 1]);
    await expectClose(jvpOnes(fx.abs, [-2, 0, 3]), [-1, 0, 1]);
  });

  it('relu: the derivative at 0 is 0', async () => {
    await expectClose(gradOfSum(fx.relu, [-2, 0, 3]), [0, 0, 1]);
    await expectClose(jvpOnes(fx.relu, [-2, 0, 3]), [0, 0, 1]);
  });

  it('sign: the derivative is 0 everywhere, including at 0', async () => {
    await expectClose(gradOfSum(fx.sign, [-2, 0, 3]), [0, 0, 0]);
    await expectClose(jvpOnes(fx.sign, [-2, 0, 3]), [0, 0, 0]);
  });

  it('maximum and minimum: at a tie each operand gets half, so maximum(x, x) has derivative 1', async () => {
    for (const op of [fx.maximum, fx.minimum] as unknown as Op2[]) {
      const f = (x: fx.Tensor<[2], 'float32'>, y: fx.Tensor<[2], 'float32'>) => fx.sum(op(x, y) as fx.Tensor<[2], 'float32'>);
      const [ga, gb] = fx.grad(f, { argnums: [0, 1] })(fx.tensor([1, 2]), fx.tensor([1, 2]));
      await expectClose(ga, [0.5, 0.5]);
      await expectClose(gb, [0.5, 0.5]);
      await expectClose(gradOfSum((x) => op(x, x) as V, [1, -3]), [1, 1]);
      const [, t] = fx.jvp((x: V, y: V) => op(x, y), [vec([1]), vec([1])], [vec([1]), vec([0])]);
      await expectClose(t, [0.5]);
    }
  });

  it('sqrt: the derivative at 0 is +Inf, the true limit', async () => {
    await expectClose(gradOfSum(fx.sqrt, [0, 4]), [Infinity, 0.25]);
    await expectClose(jvpOnes(fx.sqrt, [0, 4]), [Infinity, 0.25]);
  });

  it('log: log(0) = -Inf and its derivative there is +Inf', async () => {
    await expectClose(fx.log(vec([0])), [-Infinity]);
    await expectClose(gradOfSum(fx.log, [0, 2]), [Infinity, 0.5]);
  });

  it('where: the unselected branch gets a zero cotangent, but 0·Inf from its own derivative is still NaN', async () => {
    // d/dx where(x > 0, sqrt(x), 0) at x = 0: the sqrt branch is unselected,
    // its cotangent is 0, and sqrt's derivative there is Inf: 0·Inf = NaN.
    const naive = (x: V) => fx.where(fx.greater(x, 0), fx.sqrt(x), 0);
    await expectClose(gradOfSum(naive, [0, 4]), [NaN, 0.25]);
    // The double-where fix: make the unselected branch's input safe.
    const safe = (x: V) => {
      const positive = fx.greater(x, 0);
      return fx.where(positive, fx.sqrt(fx.where(positive, x, 1)), 0);
    };
    await expectClose(gradOfSum(safe, [0, 4]), [0, 0.25]);
  });

  it('where: cond gets no derivative, and a and b are never both differentiated at one element', async () => {
    const c = fx.tensor([true, false], 'bool');
    const [ga, gb] = fx.grad((x: fx.Tensor<[2], 'float32'>, y: fx.Tensor<[2], 'float32'>) => fx.sum(fx.where(c, x, y)), { argnums: [0, 1] })(
      fx.tensor([1, 2]),
      fx.tensor([3, 4]),
    );
    await expectClose(ga, [1, 0]);
    await expectClose(gb, [0, 1]);
  });

  it('clip: on a bound the derivative is 1 (bounds count as inside)', async () => {
    await expectClose(gradOfSum((x) => fx.clip(x, -1, 1), [-1.5, -1, 0, 1, 1.5]), [0, 1, 1, 1, 0]);
    await expectClose(jvpOnes((x) => fx.clip(x, -1, 1), [-1.5, -1, 0, 1, 1.5]), [0, 1, 1, 1, 0]);
  });

  it('pow at 0: ∂/∂b of 0^b is 0, ∂/∂a of a^0 is 0, ∂/∂a of 0^b is b·0^(b−1)', async () => {
    const grads = (a: number[], b: number[]) =>
      fx.grad((x: V, y: V) => fx.sum(fx.pow(x, y)) as fx.Tensor<[], 'float32'>, { argnums: [0, 1] })(vec(a), vec(b));
    const [ga, gb] = grads([0, 0, 0, 0, 2], [0, 0.5, 1, 2, 0]);
    const a = (await ga.array()) as number[];
    // 0.5·0^(−0.5) = +Inf; SwiftShader's WGSL pow returns a huge finite number for 0^negative.
    expect(a[1]).toBeGreaterThan(1e18);
    await expectClose(vec(a.filter((_, k) => k !== 1)), [0, 1, 0, 0]);
    await expectClose(gb, [0, 0, 0, 0, Math.log(2)], 1e-3);
  });
});

describeEachBackend('dtype and shape errors', () => {
  const i = () => fx.tensor([1, 2], 'int32') as unknown as V;
  const flag = () => fx.tensor([true, false], 'bool') as unknown as V;

  for (const name of ['log1p', 'expm1', 'tan', 'sqrt', 'rsqrt', 'relu', 'sigmoid', 'softplus', 'erf', 'exp'] as const) {
    it(`${name} of an int32 tensor throws a DtypeError naming ${name}`, () => {
      const op = fx[name] as unknown as Op1;
      expect(() => op(i())).toThrow(fx.DtypeError);
      expect(() => op(i())).toThrow(new RegExp(`dtype error in ${name}: x must be float32, got int32`));
    });
  }

  for (const name of ['abs', 'sign', 'square'] as const) {
    it(`${name} of a bool tensor throws a DtypeError naming ${name}`, () => {
      expect(() => (fx[name] as unknown as Op1)(flag())).toThrow(new RegExp(`dtype error in ${name}: x must be float32 or int32, got bool`));
    });
  }

  it('pow needs float32; maximum needs equal dtypes; clip rejects bool', () => {
    expect(() => (fx.pow as unknown as Op2)(i(), i())).toThrow(/dtype error in pow: a must be float32, got int32/);
    expect(() => (fx.maximum as unknown as Op2)(vec([1, 2]), i())).toThrow(/dtype error in maximum: operands differ in dtype/);
    expect(() => fx.clip(flag() as never, 0, 1)).toThrow(/dtype error in clip: x must be float32 or int32, got bool/);
  });

  it('where needs a bool condition and a, b of one dtype', () => {
    const w = fx.where as unknown as (c: AnyT, a: AnyT | number, b: AnyT | number) => AnyT;
    expect(() => w(vec([1, 0]), vec([1, 2]), 0)).toThrow(/dtype error in where: cond must be bool, got float32/);
    expect(() => w(flag(), vec([1, 2]), i())).toThrow(/dtype error in where: a and b differ in dtype: a is float32, b is int32/);
  });

  it('shapes that do not broadcast throw a ShapeError naming both', () => {
    const x = fx.zeros([2, 3]) as AnyT;
    const y = fx.zeros([2]) as AnyT;
    for (const name of ['pow', 'maximum', 'minimum'] as const) {
      expect(() => (fx[name] as unknown as Op2)(x, y)).toThrow(new RegExp(`shape error in ${name}: cannot broadcast \\[2, 3\\] with \\[2\\]`));
    }
    const w = fx.where as unknown as (c: AnyT, a: AnyT, b: AnyT) => AnyT;
    expect(() => w(fx.tensor([true, false], 'bool'), x, x)).toThrow(fx.ShapeError);
    expect(() => w(fx.tensor([true, false], 'bool'), x, x)).toThrow(/shape error in where: cannot broadcast \[2\] with \[2, 3\]/);
    expect(() => w(fx.tensor([true, false, true], 'bool'), fx.zeros([3]), y)).toThrow(/shape error in where: cannot broadcast \[3\] with \[2\]/);
  });

  it('clip rejects lo > hi and NaN bounds', () => {
    expect(() => fx.clip(vec([1]), 2, 1)).toThrow(/clip: the bounds must be numbers with lo ≤ hi, got lo = 2, hi = 1/);
    expect(() => fx.clip(vec([1]), NaN, 1)).toThrow(RangeError);
  });

  it('a failed op leaves no tensor behind', () => {
    const c = fx.tensor([true, false], 'bool');
    const x = vec([1, 2]);
    const three = fx.zeros([3]) as AnyT;
    const ints = i();
    const before = fx.memory().tensors;
    const w = fx.where as unknown as (c: AnyT, a: AnyT | number, b: AnyT | number) => AnyT;
    expect(() => w(three, 0, 1)).toThrow(fx.DtypeError);
    expect(() => w(c, x, three)).toThrow(fx.ShapeError);
    expect(() => w(c, x, ints)).toThrow(fx.DtypeError);
    expect(() => fx.clip(c as never, 0, 1)).toThrow(fx.DtypeError);
    expect(() => fx.sqrt(ints as V)).toThrow(fx.DtypeError);
    expect(fx.memory().tensors).toBe(before);
  });
});

describe('where: static types', () => {
  it('types the result as the broadcast of the three shapes', () => {
    const y: fx.Tensor<[2, 3], 'float32'> = fx.where(fx.zeros([2, 1], 'bool'), fx.zeros([3]), 0);
    const z: fx.Tensor<[2, 3], 'float32'> = fx.where(fx.zeros([2, 3], 'bool'), fx.zeros([2, 3]), fx.zeros([2, 3]));
    expect(y.shape).toEqual(z.shape);
  });
});
