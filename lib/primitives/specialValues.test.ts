/**
 * Special values and empty tensors (docs/conventions.md, "Special values and
 * empty tensors"): every path (eager, jit with host loops, jit with tfjs
 * kernels) on every backend gives NumPy/JAX's answer, and they agree.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend } from '../testing/backends.js';
import { checkAllocation } from '../core/allocation.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
type Fn = (...xs: Any[]) => Any;
/** An axis argument of any (wrong) type, to test run-time validation. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Axis = any;

/** The function eagerly, jitted with host loops, and jitted on tfjs kernels. */
function paths(f: Fn): [string, Fn][] {
  return [
    ['eager', f],
    ['jit', fx.jit(f) as Fn],
    ['jit (tfjs kernels)', fx.jit(f, { host: false }) as Fn],
  ];
}

/** Values read back as a flat list (Object.is-comparable: NaN, −0 kept). */
async function flat(x: Any): Promise<number[]> {
  return Array.from(await x.data());
}

describeEachBackend('empty tensors', () => {
  it('sum of an empty axis is 0, prod 1, on every path', async () => {
    const cases: [string, Fn, number[], number[]][] = [
      ['sum over an empty axis', (x) => fx.sum(x, 1), [3, 0], [0, 0, 0]],
      ['sum of zeros([0])', (x) => fx.sum(x), [0], [0]],
      ['prod of zeros([0])', (x) => fx.prod(x), [0], [1]],
      ['prod over an empty axis', (x) => fx.prod(x, 1), [2, 0], [1, 1]],
      ['sum of exp over an empty axis', (x) => fx.sum(fx.exp(x), 1), [3, 0], [0, 0, 0]],
    ];
    for (const [name, f, shape, want] of cases) {
      for (const [path, g] of paths(f)) {
        expect(await flat(g(fx.zeros(shape))), `${name}, ${path}`).toEqual(want);
      }
    }
  });

  it('matmul with an empty inner dimension is all zeros', async () => {
    for (const [path, g] of paths((a, b) => fx.matmul(a, b))) {
      const y = g(fx.zeros([3, 0]), fx.zeros([0, 2]));
      expect(y.shape, path).toEqual([3, 2]);
      expect(await flat(y), path).toEqual([0, 0, 0, 0, 0, 0]);
    }
  });

  it('max, min, argmax, argmin of an empty axis are errors naming the call', () => {
    for (const [path, g] of paths((x) => fx.max(x))) expect(() => g(fx.zeros([0])), path).toThrow(/shape error in max: axis 0 of x \[0\] is empty/);
    for (const [path, g] of paths((x) => fx.min(x, 1))) expect(() => g(fx.zeros([2, 0])), path).toThrow(/shape error in min: axis 1 of x \[2, 0\] is empty/);
    expect(() => fx.argmax(fx.zeros([0]))).toThrow(/argmax/);
    expect(() => fx.argmin(fx.zeros([2, 0]), 1)).toThrow(/argmin/);
    // An empty output is fine: nothing is reduced over an empty axis.
    expect(fx.max(fx.zeros([0, 3]), 1).shape).toEqual([0]);
  });

  it('grad of sum at an empty tensor is an empty tensor', async () => {
    const g = fx.grad((x: fx.Tensor<[0], 'float32'>) => fx.sum(x));
    for (const [path, h] of paths(g as Fn)) {
      const d = h(fx.zeros([0]));
      expect(d.shape, path).toEqual([0]);
      expect(await flat(d), path).toEqual([]);
    }
  });

  it('sort, argsort and topk on an empty axis give empty results', async () => {
    for (const [path, g] of paths((x) => fx.sort(x))) expect(g(fx.zeros([2, 0])).shape, path).toEqual([2, 0]);
    expect(fx.argsort(fx.zeros([0])).shape).toEqual([0]);
    expect(fx.topk(fx.zeros([2, 0]), 0).values.shape).toEqual([2, 0]);
    expect(fx.topk(fx.tensor([1, 2]), 0).indices.shape).toEqual([0]);
  });

  it('softmax of an empty axis is empty and logsumexp is −Infinity (JAX)', async () => {
    expect(fx.softmax(fx.zeros([0])).shape).toEqual([0]);
    expect(await flat(fx.logsumexp(fx.zeros([2, 0]), 1))).toEqual([-Infinity, -Infinity]);
  });
});

describeEachBackend('allocation limits', () => {
  it('an allocation over the limit is an error naming the call, and the backend stays usable', async () => {
    expect(() => fx.linspace(0, 1, 1e10)).toThrow(/allocation error in linspace: a float32 tensor of shape \[10000000000\]/);
    expect(() => fx.zeros([2 ** 31])).toThrow(/allocation error in zeros/);
    expect(() => fx.eye(100000)).toThrow(/allocation error in eye/);
    expect(() => fx.pad(fx.zeros([2]), [[0, 2 ** 30]])).toThrow(/allocation error in pad: a float32 tensor of shape \[1073741826\]/);
    expect(() => fx.broadcastTo(fx.zeros([1, 1]), [2 ** 20, 2 ** 12])).toThrow(/allocation error in broadcastTo/);
    expect(() => fx.jit((x: Any) => fx.pad(x, [[0, 2 ** 30]]))(fx.zeros([2]))).toThrow(/allocation error in pad/);
    expect(() => fx.zeros([2 ** 31])).toThrow(fx.AllocationError);
    expect(Array.from(await fx.add(fx.tensor([1, 2]), 1).data())).toEqual([2, 3]);
  });

  it('on wasm, outputs that together overflow the heap are refused before allocating; elsewhere only the per-tensor limit applies', () => {
    // Two outputs of 2³¹ − 4 bytes each: each within the per-tensor limit, together past the 4 GiB heap.
    const two = [
      { shape: [2 ** 29 - 1], dtype: 'float32' },
      { shape: [2 ** 29 - 1], dtype: 'float32' },
    ];
    if (fx.getBackend() === 'wasm') expect(() => checkAllocation('split', two)).toThrow(/allocation error in split: 4294967288 more bytes .* do not fit in the wasm heap/);
    else expect(() => checkAllocation('split', two)).not.toThrow();
    // While staging for jit nothing is allocated yet: only the per-tensor limit.
    expect(() => checkAllocation('split', two, false)).not.toThrow();
    expect(() => checkAllocation('split', [{ shape: [2 ** 31], dtype: 'bool' }], false)).toThrow(/2147483648 elements/);
  });
});

describeEachBackend('axis validation', () => {
  const x = () => fx.ones([2, 3]);
  it('every reduction rejects a repeated axis, naming the call (NumPy: duplicate value in axis)', () => {
    const reductions: [string, (x: Any, axis: Axis) => Any][] = [
      ['sum', (v, a: Axis) => fx.sum(v, a)],
      ['prod', (v, a: Axis) => fx.prod(v, a)],
      ['max', (v, a: Axis) => fx.max(v, a)],
      ['min', (v, a: Axis) => fx.min(v, a)],
      ['mean', (v, a: Axis) => fx.mean(v, a)],
      ['logsumexp', (v, a: Axis) => fx.logsumexp(v, a)],
      ['softmax', (v, a: Axis) => fx.softmax(v, a)],
      ['logSoftmax', (v, a: Axis) => fx.logSoftmax(v, a)],
    ];
    for (const [name, f] of reductions) {
      expect(() => f(x(), [0, 0]), name).toThrow(new RegExp(`shape error in ${name}: axis 0 appears more than once in the axes \\[0, 0\\]`));
      expect(() => f(x(), [1, -1]), name).toThrow(new RegExp(`shape error in ${name}: axis 1 appears more than once`));
    }
  });

  it('a string or fractional axis is an error naming the call and the axis', () => {
    expect(() => fx.sum(x(), '0' as Axis)).toThrow(/shape error in sum: axis must be an integer or a list of integers, got the string "0"/);
    expect(() => fx.max(x(), ['1'] as Axis)).toThrow(/shape error in max: an axis must be an integer, got the string "1"/);
    expect(() => fx.mean(x(), 0.5 as Axis)).toThrow(/shape error in mean: an axis must be an integer, got 0.5/);
    expect(() => fx.argmax(x(), 0.5 as Axis)).toThrow(/shape error in argmax: an axis must be an integer, got 0.5/);
    expect(() => fx.cumsum(x(), '1' as Axis)).toThrow(/shape error in cumsum: an axis must be an integer, got the string "1"/);
  });

  it('vmap rejects an out axis outside [−rank, rank) of the output, or not an integer, instead of clamping (JAX)', async () => {
    const f = (v: Any) => fx.mul(v, 2);
    for (const a of [2, 99, -3, 0.5]) {
      expect(() => fx.vmap(f, { outAxes: a })(fx.ones([3, 4])), `outAxes ${a}`).toThrow(
        new RegExp(`shape error in vmap: outAxes ${a} is out of range for output leaf 0: with its mapped axis that output has rank 2, so an out axis is an integer in \\[-2, 1\\]`),
      );
    }
    expect(fx.vmap(f, { outAxes: 1 })(fx.ones([3, 4])).shape).toEqual([4, 3]);
    expect(fx.vmap(f, { outAxes: -2 })(fx.ones([3, 4])).shape).toEqual([3, 4]);
    // null: only for an output that is the same for every example.
    expect(() => fx.vmap(f, { outAxes: null })(fx.ones([3, 4]))).toThrow(/outAxes null for an output that differs between examples/);
    expect(() => fx.vmap(f, { inAxes: 0.5 as Axis })(fx.ones([3, 4]))).toThrow(/shape error in vmap: in axis 0.5/);
  });
});

/** Reads values with NaN as the string 'NaN' and −0 as '-0', so toEqual tells them apart. */
async function exact(x: Any): Promise<(number | string)[]> {
  return Array.from(await x.data(), (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v));
}

describeEachBackend('NaN and infinities agree on every path', () => {
  it('maximum and minimum propagate NaN from either operand (JAX), also broadcast', async () => {
    const a = () => fx.tensor([1, 0, NaN, -Infinity]);
    const b = () => fx.tensor([NaN, NaN, 2, Infinity]);
    for (const [path, g] of paths((u, v) => fx.maximum(u, v))) expect(await exact(g(a(), b())), path).toEqual(['NaN', 'NaN', 'NaN', Infinity]);
    for (const [path, g] of paths((u, v) => fx.minimum(u, v))) expect(await exact(g(a(), b())), path).toEqual(['NaN', 'NaN', 'NaN', -Infinity]);
    for (const [path, g] of paths((u, v) => fx.maximum(u, v))) expect(await exact(g(fx.tensor([[1], [2]]), fx.tensor([NaN, 0]))), path).toEqual(['NaN', 1, 'NaN', 2]);
  });

  it('max and min reductions are NaN where a slice holds a NaN, wherever it sits', async () => {
    const x = () =>
      fx.tensor([
        [NaN, 1, 3],
        [1, NaN, 3],
        [1, 3, NaN],
        [-Infinity, 2, Infinity],
      ]);
    for (const [path, g] of paths((v) => fx.max(v, 1))) expect(await exact(g(x())), path).toEqual(['NaN', 'NaN', 'NaN', Infinity]);
    for (const [path, g] of paths((v) => fx.min(v, 1))) expect(await exact(g(x())), path).toEqual(['NaN', 'NaN', 'NaN', -Infinity]);
    for (const [path, g] of paths((v) => fx.max(v, 0))) expect(await exact(g(x())), path).toEqual(['NaN', 'NaN', 'NaN']);
  });

  it('sign(NaN) is NaN (JAX, NumPy); sign(±0) is 0', async () => {
    for (const [path, g] of paths((v) => fx.sign(v))) expect(await exact(g(fx.tensor([NaN, -2, 0, -0, Infinity, -Infinity]))), path).toEqual(['NaN', -1, 0, 0, 1, -1]);
  });

  it('sort puts NaN last, after +Infinity, stably (NumPy); argsort gives the matching positions', async () => {
    const x = () => fx.tensor([[3, NaN, 1, Infinity, 2, NaN, -Infinity, Infinity], [NaN, Infinity, 0, -0, 5, 5, NaN, 1]]);
    for (const [path, g] of paths((v) => fx.sort(v))) {
      expect(await exact(g(x())), path).toEqual([-Infinity, 1, 2, 3, Infinity, Infinity, 'NaN', 'NaN', 0, '-0', 1, 5, 5, Infinity, 'NaN', 'NaN']);
    }
    for (const [path, g] of paths((v) => fx.argsort(v))) expect(await exact(g(x())), path).toEqual([6, 2, 4, 0, 3, 7, 1, 5, 2, 3, 7, 4, 5, 1, 0, 6]);
    // The case, and along a leading axis.
    expect(await exact(fx.sort(fx.tensor([3, NaN, 1, 2])))).toEqual([1, 2, 3, 'NaN']);
    expect(await exact(fx.sort(fx.tensor([[NaN, 1], [0, NaN], [2, 0]]), 0))).toEqual([0, 0, 2, 1, 'NaN', 'NaN']);
    // The gradient still follows the permutation: d/dx Σ wᵢ·sort(x)ᵢ puts wᵢ at the position sorted to i.
    const w = fx.tensor([1, 2, 3, 4]);
    const grad = fx.grad((v: fx.Tensor<[4], 'float32'>) => fx.sum(fx.mul(fx.sort(v), w)))(fx.tensor([3, NaN, 1, 2]));
    expect(await exact(grad)).toEqual([3, 4, 1, 2]);
  });

  it('topk counts NaN as the largest value, above +Infinity (JAX lax.top_k), NaNs in input order', async () => {
    const x = () => fx.tensor([[3, NaN, 1, Infinity, 2, NaN, -Infinity, Infinity], [NaN, Infinity, 0, -0, 5, 5, NaN, 1]]);
    const { values, indices } = fx.topk(x(), 4);
    expect(await exact(values)).toEqual(['NaN', 'NaN', Infinity, Infinity, 'NaN', 'NaN', Infinity, 5]);
    expect(await exact(indices)).toEqual([1, 5, 3, 7, 0, 6, 1, 4]);
    const jitted = fx.jit((v: Any) => fx.topk(v, 4).indices)(x());
    expect(await exact(jitted)).toEqual([1, 5, 3, 7, 0, 6, 1, 4]);
  });

  it('jit(grad(sum∘tanh)) is exactly 0 where tanh rounds to ±1, as eager (1 − tanh² with tanh = ±1)', async () => {
    const g = fx.grad((v: fx.Tensor<[6], 'float32'>) => fx.sum(fx.tanh(v)));
    const x = () => fx.tensor([10, 20, 1e30, Infinity, -10, -Infinity]);
    for (const [path, h] of paths(g as Fn)) expect(await exact(h(x())), path).toEqual([0, 0, 0, 0, 0, 0]);
    // And where it is not saturated, jit still gives 1 − tanh² (float64 reference).
    for (const [path, h] of paths(g as Fn)) {
      const got = Array.from(await h(fx.tensor([0.5, -1, 2, 3, 4, 8])).data());
      [0.5, -1, 2, 3, 4, 8].forEach((v, i) => expect(Math.abs(got[i]! - (1 - Math.tanh(v) ** 2)), `${path} at ${v}`).toBeLessThan(2e-7));
    }
  });
});

/** erf in float64 by its Maclaurin series (converges for every x; cancellation stays below 1e-12 for |x| ≤ 3). */
function erf64(x: number): number {
  let term = x;
  let total = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-300; n++) {
    term *= (-x * x) / n;
    total += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * total;
}

describeEachBackend('erf is relative-accurate near 0', () => {
  it('erf matches a float64 series to 4e-7 relative, 1e-30 to 3 (cpu\'s tfjs erf gave erf(1e-8) = 1.228e-8)', async () => {
    const xs = [1e-30, 1e-8, -1e-5, 1e-3, -0.1, 0.5, 0.89, 0.91, 1.5, -2, 3];
    for (const [path, g] of paths((v) => fx.erf(v))) {
      const got = Array.from(await g(fx.tensor(xs)).data());
      xs.forEach((x, i) => {
        const want = erf64(x);
        expect(Math.abs(got[i]! - want) / Math.abs(want), `${path}: erf(${x}) = ${got[i]}, want ${want}`).toBeLessThan(4e-7);
      });
    }
    expect(await exact(fx.erf(fx.tensor([-0, NaN, Infinity, -Infinity])))).toEqual(['-0', 'NaN', 1, -1]);
  });
});

describeEachBackend('float32 sums accumulate accurately', () => {
  it('sum and mean of long axes are within a few float32 ulps of a float64 reference on every path (wasm summed sequentially: 1.7e-4)', async () => {
    const n = 20000;
    const vals = Array.from({ length: n }, (_, i) => Math.fround(0.1 + 0.05 * Math.sin(i)));
    const ref = vals.reduce((a, v) => a + v, 0);
    // The same values as [200, 100]: column sums (a leading axis) and row sums of 100.
    const cols = Array.from({ length: 100 }, (_, j) => vals.filter((_, i) => i % 100 === j).reduce((a, v) => a + v, 0));
    const relative = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);
    for (const [path, g] of paths((v) => fx.mean(v))) {
      expect(relative((await g(fx.tensor(vals)).data())[0]!, ref / n), `${path}: mean`).toBeLessThan(2e-7);
      expect(relative((await g(fx.full([n], 0.1)).data())[0]!, Math.fround(0.1)), `${path}: mean of 20,000 equal values`).toBeLessThan(2e-7);
    }
    for (const [path, g] of paths((v) => fx.sum(v, 0))) {
      const got = Array.from(await g(fx.reshape(fx.tensor(vals), [200, 100])).data());
      got.forEach((v, j) => expect(relative(v, cols[j]!), `${path}: column ${j}`).toBeLessThan(2e-7));
    }
    for (const [path, g] of paths((v) => fx.sum(v))) expect((await g(fx.ones([1 << 20])).data())[0], path).toBe(1 << 20);
  });
});
