/**
 * The NumPy/JAX surface, part 6 (lib/composite/numpyMore.ts) and
 * `nn.sparseSigmoid`, against plain-JS float64 references, with derivative
 * checks of order 1–2 where differentiable.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose, itExceptWebgpu } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type F = fx.Tensor<any, 'float32'>;
const t = (x: unknown, d?: 'int32') => fx.tensor(x as number[], d as never) as Any;
const i32 = (x: unknown) => t(x, 'int32');
const jsGcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : jsGcd(b, a % b));

describeEachBackend('index arithmetic and selection', () => {
  it('unravelIndex and ravelMultiIndex are inverse (C order), negative and out-of-range indices as documented', async () => {
    const shape = [3, 4, 5];
    const flat = Array.from({ length: 60 }, (_, i) => i);
    const coords = fx.unravelIndex(i32(flat), shape);
    expect(coords.map((c) => c.dtype)).toEqual(['int32', 'int32', 'int32']);
    await expectClose(coords[0]!, flat.map((i) => Math.floor(i / 20)));
    await expectClose(coords[1]!, flat.map((i) => Math.floor(i / 5) % 4));
    await expectClose(coords[2]!, flat.map((i) => i % 5));
    await expectClose(fx.ravelMultiIndex(coords, shape), flat);
    const [r, c] = fx.unravelIndex(i32([-1, 100, -100]), [2, 4]);
    await expectClose(r!, [1, 1, 0]); // −1 → 7; 100 clamps to 7; −100 + 8 clamps to 0
    await expectClose(c!, [3, 3, 0]);
    await expectClose(fx.ravelMultiIndex([i32([1, 2, -1]), i32([5, 1, 0])], [2, 4]), [7, 5, 0]);
    await expectClose(fx.ravelMultiIndex([i32([1, 2, -1]), i32([5, 1, 0])], [2, 4], 'wrap'), [5, 1, 4]);
    // argmax of a matrix, unraveled.
    const m = t([[1, 9, 2], [4, 3, 8]]);
    const [ri, ci] = fx.unravelIndex(fx.argmax(fx.ravel(m)) as Any, m.shape);
    expect([(await ri!.data())[0], (await ci!.data())[0]]).toEqual([0, 1]);
    expect(() => fx.ravelMultiIndex([i32([1])], [2, 2])).toThrow(/ravelMultiIndex: got 1 coordinate tensors for 2 dims/);
  });

  it('choose picks per position (clip and wrap), differentiable in the choices', async () => {
    const a = i32([0, 1, 2, 3, -1]);
    const ch = [t([1, 2, 3, 4, 5]), t([10, 20, 30, 40, 50]), t([100, 200, 300, 400, 500])];
    await expectClose(fx.choose(a, ch), [1, 20, 300, 400, 5]);
    await expectClose(fx.choose(a, ch, 'wrap'), [1, 20, 300, 4, 500]);
    // Broadcasting: a scalar choice and a column of indices.
    await expectClose(fx.choose(i32([[0], [1]]), [t([1, 2]), fx.scalar(7) as Any]), [[1, 2], [7, 7]]);
    const g = fx.grad((x: F) => fx.sum(fx.mul(fx.choose(i32([1, 0, 1]), [fx.mul(x, 2) as F, fx.mul(x, x) as F]), t([1, 2, 3]))))(t([0.5, 1, 2]));
    await expectClose(g, [1 * 2 * 0.5, 2 * 2, 3 * 2 * 2]);
  });

  it('piecewise: later conditions win, the extra entry is the default, functions and constants', async () => {
    const xs = [-2, -0.5, 0.5, 1.5, 3];
    const x = t(xs);
    const y = fx.piecewise(x, [fx.less(x, 0), fx.greater(x, 1), fx.greater(x, 2)], [(v) => fx.neg(v), (v) => fx.mul(v, v), 10, -1]);
    await expectClose(y, xs.map((v) => (v > 2 ? 10 : v > 1 ? v * v : v < 0 ? -v : -1)));
    await expectClose(fx.piecewise(x, [fx.less(x, 0)], [5]), xs.map((v) => (v < 0 ? 5 : 0)));
    const f = (v: F) => fx.piecewise(v, [fx.less(v, 0), fx.greater(v, 1)], [(u) => fx.sin(u), (u) => fx.mul(u, fx.mul(u, u)), (u) => fx.exp(u)]) as F;
    await fx.checkGradsAsync(f as never, [t([-1.3, 0.4, 0.7, 1.6])], { order: 2 });
    expect(() => fx.piecewise(x, [fx.less(x, 0)], [1, 2, 3])).toThrow(/piecewise: funclist must have 1 or 2 entries for 1 conditions, got 3/);
  });
});

describeEachBackend('integers and rounding helpers', () => {
  it('gcd and lcm match Euclid in plain JS (signs, zeros, broadcasting)', async () => {
    const as = [12, 7, 0, -24, 0, 1071, 832040, -9, 2 ** 20];
    const bs = [18, 5, 4, 36, 0, 462, 514229, -6, 3 * 2 ** 12];
    await expectClose(fx.gcd(i32(as), i32(bs)), as.map((a, i) => jsGcd(a, bs[i]!)));
    const [la, lb] = [[12, 7, 0, -24, 0, 1071, -9], [18, 5, 4, 36, 0, 462, -6]]; // lcms that fit in int32
    await expectClose(fx.lcm(i32(la), i32(lb)), la.map((a, i) => {
      const g = jsGcd(a, lb[i]!);
      return g === 0 ? 0 : Math.abs((a / g) * lb[i]!);
    }));
    await expectClose(fx.gcd(i32([[12], [9]]), i32([8, 6])), [[4, 6], [1, 3]]);
    expect(fx.gcd(i32([4]), i32([6])).dtype).toBe('int32');
    // The worst case for Euclid below 2^24: consecutive Fibonacci numbers (34 steps), under vmap.
    await expectClose(fx.vmap((a: Any, b: Any) => fx.gcd(a, b))(i32([[9227465, 12], [14930352, 8]]), i32([[5702887, 18], [9227465, 4]])), [[1, 6], [1, 4]]);
  });

  it('divmod, modf, isposinf, isneginf, cumulativeProd', async () => {
    const [q, r] = fx.divmod(t([7, -7, 7.5, -0.5]), 2);
    await expectClose(q, [3, -4, 3, -1]);
    await expectClose(r, [1, 1, 1.5, 1.5]);
    const [qi] = fx.divmod(i32([7, -7]), i32([2, 2]));
    expect(qi.dtype).toBe('int32');
    const [frac, whole] = fx.modf(t([2.5, -1.25, Infinity, -Infinity, 0]));
    await expectClose(frac, [0.5, -0.25, 0, 0, 0]);
    await expectClose(whole, [2, -1, Infinity, -Infinity, 0]);
    expect(Object.is((await frac.data())[3], -0)).toBe(true);
    await expectClose(fx.isposinf(t([Infinity, -Infinity, NaN, 1])), [1, 0, 0, 0]);
    await expectClose(fx.isneginf(t([Infinity, -Infinity, NaN, 1])), [0, 1, 0, 0]);
    await expectClose(fx.cumulativeProd(t([2, 3, 4]), 0, true), [1, 2, 6, 24]);
    await expectClose(fx.cumulativeProd(t([[1, 2], [3, 4]]), 0), [[1, 2], [3, 8]]);
    await expectClose(fx.cumulativeProd(t([[1, 2], [3, 4]]), 1, true), [[1, 1, 2], [1, 3, 12]]);
    expect(() => fx.cumulativeProd(t([[1, 2]]))).toThrow(/cumulativeProd: axis is required/);
    await fx.checkGradsAsync((v) => fx.cumulativeProd(v, 0, true), [t([0.5, -2, 0, 1.5])], { order: 2 });
  });
});

describeEachBackend('vander and windows', () => {
  it('vander: powers by columns, decreasing or increasing; derivatives', async () => {
    const xs = [0, 1.5, -2];
    await expectClose(fx.vander(t(xs)), xs.map((x) => [x * x, x, 1]));
    await expectClose(fx.vander(t(xs), 4, true), xs.map((x) => [1, x, x * x, x ** 3]), 1e-6);
    expect(fx.vander(t(xs), 0).shape).toEqual([3, 0]);
    await fx.checkGradsAsync((v) => fx.vander(v, 4), [t([0.3, -1.2, 2])], { order: 2 });
  });

  it('hanning, hamming, blackman, bartlett as NumPy (float64 formulas), M = 0 and 1', async () => {
    const M = 9;
    const n = Array.from({ length: M }, (_, i) => i);
    const c = (k: number, i: number) => Math.cos((2 * Math.PI * k * i) / (M - 1));
    await expectClose(fx.hanning(M), n.map((i) => 0.5 - 0.5 * c(1, i)), 1e-7);
    await expectClose(fx.hamming(M), n.map((i) => 0.54 - 0.46 * c(1, i)), 1e-7);
    await expectClose(fx.blackman(M), n.map((i) => 0.42 - 0.5 * c(1, i) + 0.08 * c(2, i)), 1e-7);
    await expectClose(fx.bartlett(M), n.map((i) => 1 - Math.abs((2 * i) / (M - 1) - 1)), 1e-7);
    expect(fx.hanning(0).shape).toEqual([0]);
    await expectClose(fx.hamming(1), [1]);
  });
});

describeEachBackend('nn.sparseSigmoid', () => {
  it('is the derivative of sparsePlus, with JAX values and derivatives', async () => {
    const xs = [-2, -1, -0.5, 0, 0.5, 1, 2];
    await expectClose(fx.nn.sparseSigmoid(t(xs)), xs.map((x) => (x <= -1 ? 0 : x >= 1 ? 1 : (x + 1) / 2)));
    const d = fx.grad((v: F) => fx.sum(fx.nn.sparsePlus(v)))(t(xs));
    await expectClose(d, await fx.nn.sparseSigmoid(t(xs)).array(), 1e-6);
    await expectClose(fx.grad((v: F) => fx.sum(fx.nn.sparseSigmoid(v)))(t(xs)), xs.map((x) => (x <= -1 || x >= 1 ? 0 : 0.5)));
    await fx.checkGradsAsync((v) => fx.nn.sparseSigmoid(v), [t([-1.5, -0.3, 0.8, 1.7])], { order: 2 });
  });
});

describeEachBackend('convolve, correlate, i0, kaiser', (backend) => {
  it('convolve and correlate give NumPy documented outputs in every mode and operand order', async () => {
    const a = t([1, 2, 3]);
    const v = t([0, 1, 0.5]);
    await expectClose(fx.convolve(a, v), [0, 1, 2.5, 4, 1.5], 1e-6);
    await expectClose(fx.convolve(a, v, 'same'), [1, 2.5, 4], 1e-6);
    await expectClose(fx.convolve(a, v, 'valid'), [2.5], 1e-6);
    await expectClose(fx.convolve(t([1, 2, 3, 4]), t([1, 1]), 'same'), [1, 3, 5, 7], 1e-6);
    await expectClose(fx.convolve(t([1, 1]), t([1, 2, 3, 4]), 'valid'), [3, 5, 7], 1e-6);
    await expectClose(fx.correlate(a, v, 'full'), [0.5, 2, 3.5, 3, 0], 1e-6);
    await expectClose(fx.correlate(a, v, 'same'), [2, 3.5, 3], 1e-6);
    await expectClose(fx.correlate(a, v), [3.5], 1e-6);
    await expectClose(fx.correlate(v, a, 'full'), [0, 3, 3.5, 2, 0.5], 1e-6);
    // Against the definition for a longer pair: (a ∗ v)[k] = Σ a[m] v[k − m].
    const xs = [0.3, -1.2, 2, 0.7, -0.4, 1.1, 0.9];
    const ws = [0.5, -1, 0.25];
    const full = Array.from({ length: xs.length + ws.length - 1 }, (_, k) => xs.reduce((s, x, m) => s + x * (ws[k - m] ?? 0), 0));
    await expectClose(fx.convolve(t(xs), t(ws)), full, 1e-6);
    await fx.checkGradsAsync((p, q) => fx.convolve(p, q, 'same'), [t(xs), t(ws)], { order: 2 });
    await fx.checkGradsAsync((p, q) => fx.correlate(p, q), [t(ws), t(xs)], { order: 1 });
    expect(() => fx.convolve(t([]), v)).toThrow(/convolve: a and v must be non-empty 1-D tensors/);
  });

  it('i0 matches the float64 power series (and its derivative I1), kaiser matches NumPy', async () => {
    const series = (x: number, order: 0 | 1) => {
      let term = order === 0 ? 1 : x / 2;
      let sum = term;
      for (let k = 1; k < 300; k++) {
        term *= (x * x) / 4 / (k * (k + order));
        sum += term;
      }
      return sum;
    };
    const xs = [0, 0.5, -1, 2.5, 3.7, 3.8, 5, -10, 30];
    // WGSL's exp is accurate to a few float32 ulp only (docs/compiler.md): 3e-7 on cpu and wasm, 3e-6 on webgpu.
    await expectClose(fx.i0(t(xs)), xs.map((x) => series(Math.abs(x), 0)), backend === 'webgpu' ? 3e-6 : 3e-7);
    const d = fx.grad((x: F) => fx.sum(fx.i0(x)))(t(xs));
    const got = (await d.data()) as unknown as number[];
    xs.forEach((x, i) => expect(Math.abs(got[i]! - Math.sign(x) * series(Math.abs(x), 1)), `x = ${x}`).toBeLessThanOrEqual(2e-5 * Math.max(1, series(Math.abs(x), 1))));
    await fx.checkGradsAsync((x) => fx.i0(x), [t([0.4, -2, 4.5])], { order: 2 });
    // np.kaiser(12, 14), from NumPy's documentation.
    await expectClose(
      fx.kaiser(12, 14),
      [7.72686684e-6, 3.46009194e-3, 4.65200189e-2, 2.2973712e-1, 5.99885316e-1, 9.45674898e-1, 9.45674898e-1, 5.99885316e-1, 2.2973712e-1, 4.65200189e-2, 3.46009194e-3, 7.72686684e-6],
      1e-7,
    );
    await expectClose(fx.kaiser(1, 3), [1]);
  });
});

describeEachBackend('nonzero, flatnonzero, argwhere, unique with a static size', (backend) => {
  const data = [[[0, 1.5, 0], [2, 0, -1]], [[0, 0, 3], [0.5, 0, 0]]]; // [2, 2, 3]
  const flat = data.flat(2);
  const nz = flat.flatMap((v, i) => (v !== 0 ? [i] : []));

  itExceptWebgpu(backend, 'wrong indices on tfjs-webgpu (element 1 of nonzero is 3, not 2) in the int32 cumsum or sort path; open in #19')('match plain-JS references for sizes below, at and above the count, with fills; eager, jit and vmap agree', async () => {
    for (const size of [2, nz.length, 8]) {
      const want = Array.from({ length: size }, (_, k) => nz[k] ?? -7);
      await expectClose(fx.flatnonzero(t(data), { size, fillValue: -7 }), want);
      const coords = fx.nonzero(t(data), { size });
      const real = (k: number) => nz[k] !== undefined;
      await expectClose(coords[0]!, want.map((f, k) => (real(k) ? Math.floor(f / 6) : 0)));
      await expectClose(coords[1]!, want.map((f, k) => (real(k) ? Math.floor(f / 3) % 2 : 0)));
      await expectClose(coords[2]!, want.map((f, k) => (real(k) ? f % 3 : 0)));
      const rows = fx.argwhere(t(data), { size, fillValue: -1 });
      expect(rows.shape).toEqual([size, 3]);
      await expectClose(rows, want.map((f, k) => (real(k) ? [Math.floor(f / 6), Math.floor(f / 3) % 2, f % 3] : [-1, -1, -1])));
    }
    await expectClose(fx.flatnonzero(t([true, false, true], 'bool' as never), { size: 2 }), [0, 2]);
    await expectClose(fx.flatnonzero(i32([0, 4, 0, 5]), { size: 2 }), [1, 3]);
    await expectClose(fx.jit((x: Any) => fx.flatnonzero(x, { size: 4, fillValue: -1 }))(t(flat)), [1, 3, 5, 8]);
    await expectClose(fx.vmap((x: Any) => fx.flatnonzero(x, { size: 2 }))(t([[0, 1, 1], [1, 0, 0]])), [[1, 2], [0, 0]]);
    expect(() => fx.nonzero(t(data), {} as never)).toThrow(/nonzero: options.size must be a non-negative integer/);
  });

  itExceptWebgpu(backend, 'wrong indices on tfjs-webgpu (element 1 of nonzero is 3, not 2) in the int32 cumsum or sort path; open in #19')('unique: sorted distinct values, NaNs as one, default fill the minimum; eager, jit and vmap agree; gradient to the first occurrence', async () => {
    const xs = [3, -1, 2, 3, NaN, -1, 7, NaN, 2];
    const distinct = [-1, 2, 3, 7, NaN];
    await expectClose(fx.unique(t(xs), { size: 5 }), distinct);
    await expectClose(fx.unique(t(xs), { size: 7 }), [...distinct, -1, -1]); // fill: the minimum
    await expectClose(fx.unique(t(xs), { size: 3, fillValue: 0 }), [-1, 2, 3]);
    await expectClose(fx.unique(i32([[5, 1], [5, 9]]), { size: 4, fillValue: 0 }), [1, 5, 9, 0]);
    await expectClose(fx.jit((x: Any) => fx.unique(x, { size: 6, fillValue: 100 }))(t(xs)), [...distinct, 100]);
    await expectClose(fx.vmap((x: Any) => fx.unique(x, { size: 3 }))(t([[2, 1, 2], [4, 4, 4]])), [[1, 2, 1], [4, 4, 4]]);
    const g = fx.grad((x: F) => fx.sum(fx.mul(fx.unique(x, { size: 3, fillValue: 0 }), t([1, 10, 100]))))(t([5, 2, 5, 9, 2]));
    await expectClose(g, [10, 1, 0, 100, 0]);
  });
});
