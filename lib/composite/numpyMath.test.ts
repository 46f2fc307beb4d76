/**
 * The NumPy/JAX surface, part 3: elementwise math and reductions
 * (lib/composite/math.ts and the primitives atan, asin, atan2) against
 * plain-JS float64 references, with second-order derivative checks and one
 * vmap check per function.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;

const xs = [-2.7, -1.5, -0.3, 0.4, 1.5, 3.2];
const unit = [-0.9, -0.4, 0.1, 0.6, 0.85];
const t = (x: unknown, d?: 'int32') => fx.tensor(x as number[], d as never) as Any;
type V = fx.Tensor<number[], 'float32'>;
/** `fx.grad` of a function written over untyped tensors (the tests' shapes are runtime values). */
const gradOf = (f: (...args: V[]) => Any, argnums: number | number[] = 0) =>
  fx.grad(((...args: V[]) => f(...args) as fx.Tensor<[], 'float32'>) as (...args: V[]) => fx.Tensor<[], 'float32'>, { argnums: argnums as never }) as unknown as (...args: Any[]) => Any & [Any, Any];

/** vmap of `f` over the first axis equals applying `f` to each row. */
async function expectVmapMatches(f: (x: Any) => Any, batch: Any): Promise<void> {
  const rows = [];
  for (let i = 0; i < batch.shape[0]; i++) rows.push(await f(fx.take(batch, i)).array());
  await expectClose(fx.vmap(f)(batch), rows, 1e-5);
}

// Fresh tensors per use: a tensor made once would have its data moved to whichever backend used it last.
const grid = () => t([xs.slice(0, 3), xs.slice(3)]);
const positive = () => t([[0.3, 1.7, 4.2], [0.5, 2.5, 9]]);
const unitGrid = () => t([unit.slice(0, 3), [...unit.slice(3), 0]]);

describeEachBackend('elementwise: predicates and rounding', () => {
  it('isnan, isinf, isfinite', async () => {
    const v = t([1, NaN, Infinity, -Infinity, 0]);
    await expectClose(fx.cast(fx.isnan(v), 'int32'), [0, 1, 0, 0, 0]);
    await expectClose(fx.cast(fx.isinf(v), 'int32'), [0, 0, 1, 1, 0]);
    await expectClose(fx.cast(fx.isfinite(v), 'int32'), [1, 0, 0, 0, 1]);
    expect(fx.isnan(t([1, 2], 'int32')).dtype).toBe('bool');
    await expectClose(fx.cast(fx.isfinite(t([1, 2], 'int32')), 'int32'), [1, 1]);
    await expectVmapMatches((x) => fx.cast(fx.isfinite(fx.div(1, x)), 'float32'), t([[0, 1], [2, 0]]));
  });

  it('floor, ceil, trunc match Math.* (also past 2^23 and for NaN/Infinity), with derivative 0', async () => {
    const v = [1.5, -1.5, -0.5, 0.5, 2, -2, 8388609, -16777216.5, 3e9, Infinity, -Infinity, NaN];
    const f32 = (x: number) => Math.fround(x);
    await expectClose(fx.floor(t(v)), v.map((x) => Math.floor(f32(x))));
    await expectClose(fx.ceil(t(v)), v.map((x) => Math.ceil(f32(x))));
    await expectClose(fx.trunc(t(v)), v.map((x) => Math.trunc(f32(x))));
    await expectClose(gradOf((x) => fx.sum(fx.mul(fx.floor(x), x)))(t([1.5, -2.5])), [1, -3]);
    await expectVmapMatches((x) => fx.floor(x), grid());
  });

  it('floorDivide, remainder (sign of divisor), fmod (sign of dividend), float and int32', async () => {
    const a = [7, -7, 7, -7, 7.5, -0.5];
    const b = [3, 3, -3, -3, 2, 2];
    const pyMod = (x: number, y: number) => x - Math.floor(x / y) * y;
    await expectClose(fx.floorDivide(t(a), t(b)), a.map((x, i) => Math.floor(x / b[i]!)));
    await expectClose(fx.remainder(t(a), t(b)), a.map((x, i) => pyMod(x, b[i]!)));
    await expectClose(fx.fmod(t(a), t(b)), a.map((x, i) => x % b[i]!));
    const ai = t([7, -7, 7, -7], 'int32');
    const bi = t([3, 3, -3, -3], 'int32');
    const q = fx.floorDivide(ai, bi);
    expect(q.dtype).toBe('int32');
    await expectClose(q, [2, -3, -3, 2]);
    await expectClose(fx.remainder(ai, bi), [1, 2, -2, -1]);
    await expectClose(fx.fmod(ai, bi), [1, -1, 1, -1]);
    // ∂/∂a = 1, ∂/∂b = −floor(a/b) (remainder) and −trunc(a/b) (fmod), away from the jumps
    const [ga, gb] = gradOf((x, y) => fx.sum(fx.remainder(x, y)), [0, 1])(t([7.5, -7.5]), t([2, 2]));
    await expectClose(ga, [1, 1]);
    await expectClose(gb, [-3, 4]);
    const [, gf] = gradOf((x, y) => fx.sum(fx.fmod(x, y)), [0, 1])(t([7.5, -7.5]), t([2, 2]));
    await expectClose(gf, [-3, 3]);
    await fx.checkGradsAsync((x, y) => fx.mul(fx.remainder(x, y), fx.fmod(x, y)), [t([7.5, -7.3, 2.2]), t([2, 2.5, -1.5])], { order: 2 });
    await expectVmapMatches((x) => fx.remainder(x, 1.25), grid());
  });
});

describeEachBackend('elementwise: exponentials, logarithms, hyperbolic and inverse trigonometric', () => {
  const cases: [string, (x: Any) => Any, (x: number) => number, Any, number[]][] = [
    ['exp2', fx.exp2, (x) => 2 ** x, grid(), xs],
    ['log2', fx.log2, Math.log2, positive(), [0.3, 1.7, 4.2, 0.5, 2.5, 9]],
    ['log10', fx.log10, Math.log10, positive(), [0.3, 1.7, 4.2, 0.5, 2.5, 9]],
    ['cbrt', fx.cbrt, Math.cbrt, grid(), xs],
    ['sinh', fx.sinh, Math.sinh, grid(), xs],
    ['cosh', fx.cosh, Math.cosh, grid(), xs],
    ['atan', fx.atan, Math.atan, grid(), xs],
    ['asin', fx.asin, Math.asin, unitGrid(), [...unit, 0]],
    ['acos', fx.acos, Math.acos, unitGrid(), [...unit, 0]],
  ];
  for (const [name, f, reference, input, flat] of cases) {
    it(`${name} matches Math.${name === 'exp2' ? 'pow(2, x)' : name}; derivatives to order 2; vmap`, async () => {
      const want = flat.map(reference);
      await expectClose(f(input), [want.slice(0, 3), want.slice(3)], 2e-6);
      const safe = name === 'cbrt' ? t([[-2.7, -1.5, -0.3], [0.4, 1.5, 3.2]]) : input;
      await fx.checkGradsAsync((x) => f(x), [safe], { order: 2 });
      await expectVmapMatches(f, input);
    });
  }

  it('sinh is accurate near 0 (expm1): sinh(1e-6) = 1e-6', async () => {
    await expectClose(fx.sinh(t([1e-6, -1e-7])), [1e-6, -1e-7], 1e-6);
  });

  it('asin, acos at ±1 and outside; their derivative at ±1 is infinite', async () => {
    await expectClose(fx.asin(t([1, -1])), [Math.PI / 2, -Math.PI / 2], 1e-6);
    await expectClose(fx.acos(t([1, -1])), [0, Math.PI], 1e-6);
    await expectClose(fx.asin(t([1.5])), [NaN]);
    await expectClose(gradOf((x) => fx.sum(fx.asin(x)))(t([0, 0.6])), [1, 1 / Math.sqrt(1 - 0.36)], 1e-5);
    const g = await gradOf((x) => fx.sum(fx.asin(x)))(t([1])).array();
    expect((g as number[])[0]).toBe(Infinity);
  });

  it('atan2(y, x) covers all four quadrants; derivatives (x, −y)/(x² + y²)', async () => {
    const y = [1, 1, -1, -1, 0, 0, 2];
    const x = [1, -1, 1, -1, -1, 1, 0];
    await expectClose(fx.atan2(t(y), t(x)), y.map((v, i) => Math.atan2(v, x[i]!)), 1e-6);
    const [gy, gx] = gradOf((a, b) => fx.sum(fx.atan2(a, b)), [0, 1])(t([3]), t([4]));
    await expectClose(gy, [4 / 25], 1e-6);
    await expectClose(gx, [-3 / 25], 1e-6);
    await fx.checkGradsAsync((a, b) => fx.atan2(a, b), [t([1, -2, 0.5]), t([0.7, -1, -3])], { order: 2 });
    await expectVmapMatches((v) => fx.atan2(v, 1.5), grid());
  });

  it('logaddexp and logaddexp2 are stable and exact at infinities', async () => {
    const a = [0, 1000, -1000, -Infinity, Infinity, 2];
    const b = [0, 1000, -1000, -Infinity, 1, -Infinity];
    const ref = (p: number, q: number) => {
      const m = Math.max(p, q);
      return m === -Infinity || m === Infinity ? m : m + Math.log(Math.exp(p - m) + Math.exp(q - m));
    };
    await expectClose(fx.logaddexp(t(a), t(b)), a.map((p, i) => ref(p, b[i]!)), 1e-6);
    await expectClose(fx.logaddexp2(t([3, 0]), t([3, 1])), [4, Math.log2(3)], 1e-6);
    // derivatives are the softmax weights; ½ each at a = b
    const [ga, gb] = gradOf((p, q) => fx.sum(fx.logaddexp(p, q)), [0, 1])(t([0, 1000, 1]), t([0, 1000, 0]));
    await expectClose(ga, [0.5, 0.5, Math.E / (Math.E + 1)], 1e-5);
    await expectClose(gb, [0.5, 0.5, 1 / (Math.E + 1)], 1e-5);
    await fx.checkGradsAsync((p, q) => fx.logaddexp(p, q), [t([0.3, -1, 2]), t([1.1, -0.5, -2])], { order: 2 });
    await fx.checkGradsAsync((p, q) => fx.logaddexp2(p, q), [t([0.3, -1, 2]), t([1.1, -0.5, -2])], { order: 2 });
    await expectVmapMatches((v) => fx.logaddexp(v, 0.5), grid());
  });
});

describeEachBackend('reductions: all, any, var, std', () => {
  it('all and any over axes, keepDims, empty axes', async () => {
    const b = fx.tensor([[true, false, true], [true, true, true]]);
    await expectClose(fx.cast(fx.all(b, 1), 'int32'), [0, 1]);
    await expectClose(fx.cast(fx.any(b, 0), 'int32'), [1, 1, 1]);
    await expectClose(fx.cast(fx.all(b), 'int32'), 0);
    await expectClose(fx.cast(fx.any(fx.tensor([0, 0, 0.5])), 'int32'), 1);
    expect(fx.all(b, 1, true).shape).toEqual([2, 1]);
    await expectClose(fx.cast(fx.all(fx.zeros([0])), 'int32'), 1);
    await expectClose(fx.cast(fx.any(fx.zeros([0])), 'int32'), 0);
    await expectVmapMatches((x) => fx.cast(fx.any(fx.greater(x, 1)), 'float32'), grid());
  });

  it('var and std with ddof, over axes; int32 promotes; derivatives to order 2', async () => {
    const data = [[1, 2, 3, 4], [2, 2, 7, -1]];
    const varRef = (r: number[], ddof = 0) => {
      const m = r.reduce((s, v) => s + v, 0) / r.length;
      return r.reduce((s, v) => s + (v - m) ** 2, 0) / (r.length - ddof);
    };
    await expectClose(fx.var(t(data), 1), data.map((r) => varRef(r)), 1e-6);
    await expectClose(fx.var(t(data), 1, false, { ddof: 1 }), data.map((r) => varRef(r, 1)), 1e-6);
    await expectClose(fx.std(t(data), 1, true), data.map((r) => [Math.sqrt(varRef(r))]), 1e-6);
    await expectClose(fx.var(t(data)), varRef(data.flat()), 1e-6);
    await expectClose(fx.var(t([1, 2, 3, 4], 'int32')), 1.25);
    await expectClose(fx.variance(t(data), 0), [0.25, 0, 4, 6.25]);
    await fx.checkGradsAsync((x) => fx.var(x, 1), [t(data)], { order: 2 });
    await fx.checkGradsAsync((x) => fx.std(x, 0, false, { ddof: 1 }), [t([[1, 2.5], [3, -1], [0.5, 0.2]])], { order: 2 });
    await expectVmapMatches((x) => fx.std(x), grid());
  });
});

describeEachBackend('running products and sums', () => {
  it('cumprod along an axis or flattened; exact gradient with zeros', async () => {
    await expectClose(fx.cumprod(t([1, 2, 3, 4])), [1, 2, 6, 24]);
    await expectClose(fx.cumprod(t([[1, 2], [3, 4]])), [1, 2, 6, 24]);
    await expectClose(fx.cumprod(t([[1, 2], [3, 4]]), 0), [[1, 2], [3, 8]]);
    await expectClose(fx.cumprod(t([2, 3], 'int32'), 0), [2, 6]);
    // d/dx Σ cumprod at x = [2, 0, 3]: ∂/∂x0 = 1 + x1 + x1·x2 = 1, ∂/∂x1 = x0 + x0·x2 = 8, ∂/∂x2 = x0·x1 = 0
    await expectClose(gradOf((x) => fx.sum(fx.cumprod(x)))(t([2, 0, 3])), [1, 8, 0]);
    await fx.checkGradsAsync((x) => fx.cumprod(x, 1), [t([[0.5, -1.2, 2], [1.1, 0.9, -0.7]])], { order: 2 });
    await expectVmapMatches((x) => fx.cumprod(x, 0), grid());
  });

  it('cumulativeSum with includeInitial; axis required above rank 1', async () => {
    await expectClose(fx.cumulativeSum(t([1, 2, 3])), [1, 3, 6]);
    await expectClose(fx.cumulativeSum(t([1, 2, 3]), 0, true), [0, 1, 3, 6]);
    await expectClose(fx.cumulativeSum(t([[1, 2], [3, 4]]), 1, true), [[0, 1, 3], [0, 3, 7]]);
    await expectClose(fx.cumulativeSum(fx.scalar(3)), [3]);
    expect(() => fx.cumulativeSum(t([[1, 2]]))).toThrow(/cumulativeSum: axis is required for an input of rank 2/);
    await fx.checkGradsAsync((x) => fx.mul(fx.cumulativeSum(x, 1, true), fx.cumulativeSum(x, 1, true)), [t([[0.5, -1.2], [1.1, 0.9]])], { order: 2 });
    await expectVmapMatches((x) => fx.cumulativeSum(x, 0, true), grid());
  });
});
