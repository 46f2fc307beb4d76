/**
 * Dtypes off the happy path (issue #16): JAX's weak typing of JS numbers,
 * range and type checks on JS data, saturating float → int32 casts (eager and
 * jit, every backend), and readback types (bool as booleans, typed arrays of
 * the tensor's dtype).
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, itExceptWebgpu } from '../testing/backends.js';

const I32_MAX = 2147483647;
const I32_MIN = -2147483648;

/** Any-typed entry points, to call ops with values their types reject. */
const loose = fx as unknown as Record<string, (...args: unknown[]) => fx.Tensor>;

describeEachBackend('JS numbers are weakly typed (JAX)', (backend) => {
  const ints = () => fx.tensor([1, 2, 3], 'int32');

  it('a non-integer number with an int32 tensor promotes the op to float32', () => {
    const y = fx.mul(ints(), 0.5);
    expect(y.dtype).toBe('float32');
    expect(y.arraySync()).toEqual([0.5, 1, 1.5]);
    const z = fx.mul(0.5, ints());
    expect(z.dtype).toBe('float32');
    expect(z.arraySync()).toEqual([0.5, 1, 1.5]);
    expect(fx.add(ints(), 0.25).arraySync()).toEqual([1.25, 2.25, 3.25]);
    expect(fx.sub(ints(), NaN).dtype).toBe('float32');
  });

  it('comparisons with a non-integer number compare in float32', () => {
    expect(fx.less(ints(), 1.5).arraySync()).toEqual([true, false, false]);
    expect(fx.greaterEqual(ints(), 2.5).arraySync()).toEqual([false, false, true]);
    expect(fx.equal(ints(), 2.5).arraySync()).toEqual([false, false, false]);
    expect(fx.less(1.5, ints()).arraySync()).toEqual([false, true, true]);
  });

  it('an integer number with an int32 tensor stays int32', () => {
    const y = fx.mul(ints(), 3);
    expect(y.dtype).toBe('int32');
    expect(y.arraySync()).toEqual([3, 6, 9]);
    expect(fx.add(ints(), I32_MIN + 10).arraySync()).toEqual([I32_MIN + 11, I32_MIN + 12, I32_MIN + 13]);
  });

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('the same rules hold under jit and grad', () => {
    const half = fx.jit((x: fx.Tensor<[3], 'int32'>) => fx.mul(x, 0.5));
    expect(half(ints()).dtype).toBe('float32');
    expect(half(ints()).arraySync()).toEqual([0.5, 1, 1.5]);
    // grad through a float32 value scaled by an int32 tensor times a fraction.
    const g = fx.grad((w: fx.Tensor<[], 'float32'>) => fx.sum(fx.mul(fx.mul(ints(), 0.5), w)))(fx.scalar(2));
    expect(g.arraySync()).toBeCloseTo(3, 6);
  });

  it('an integer outside the int32 range with an int32 tensor is an error naming the op', () => {
    expect(() => fx.mul(ints(), 2 ** 40)).toThrow(/dtype error in mul: operand 2 \(1099511627776\) is outside the int32 range/);
    expect(() => fx.add(2 ** 31, ints())).toThrow(/dtype error in add: operand 1 \(2147483648\) is outside the int32 range/);
    // With a float32 tensor the number is a float32 scalar, as in JAX.
    expect(fx.add(fx.tensor([0]), 2 ** 40).arraySync()[0]).toBe(2 ** 40);
  });

  it('a value that is not a number where one is expected is an error naming the op and the value', () => {
    expect(() => loose['mul']!(fx.tensor([1]), '2')).toThrow(/dtype error in mul: operand 2 must be a Tensor or a number, got the string "2"/);
    expect(() => loose['less']!(fx.tensor([1]), 1n)).toThrow(/dtype error in less: operand 2 must be a Tensor or a number, got the bigint 1n/);
  });
});

describeEachBackend('creating tensors checks JS values', (backend) => {
  it('scalar, full and tensor reject a fraction for int32 alike', () => {
    expect(() => fx.scalar(2.5, 'int32')).toThrow(/dtype error in scalar: data for an int32 tensor must be integers, got 2.5/);
    expect(() => fx.full([2], 2.5, 'int32')).toThrow(/dtype error in full: data for an int32 tensor must be integers, got 2.5/);
    // @ts-expect-error: a fraction as int32 data is also a compile-time error (the runtime twin is checked here)
    expect(() => fx.tensor([2.5], 'int32')).toThrow(/dtype error in tensor: data for an int32 tensor must be integers/);
  });

  it('an int32 value outside the int32 range is an error, not a wrapped value', () => {
    expect(() => fx.tensor([1, 2 ** 40], 'int32')).toThrow(/dtype error in tensor: 1099511627776 at flat index 1 is outside the int32 range/);
    expect(() => fx.tensor(new Float32Array([2 ** 31]), 'int32')).toThrow(/outside the int32 range/);
    expect(() => fx.scalar(-(2 ** 31) - 1, 'int32')).toThrow(/dtype error in scalar: -2147483649 is outside the int32 range/);
    expect(fx.tensor([I32_MIN, I32_MAX], 'int32').arraySync()).toEqual([I32_MIN, I32_MAX]);
  });

  it('a string or other non-number value is an error naming the call', () => {
    expect(() => loose['scalar']!('3')).toThrow(/dtype error in scalar: the value must be a number or a boolean, got the string "3"/);
    expect(() => loose['full']!([2], 'x')).toThrow(/dtype error in full: the value must be a number or a boolean, got the string "x"/);
    expect(() => loose['full']!([2], null)).toThrow(/dtype error in full: .*got null/);
  });

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('a bool tensor filled from a number holds true unless the number is 0', () => {
    expect(fx.full([3], 2, 'bool').arraySync()).toEqual([true, true, true]);
    expect(fx.full([1], 0, 'bool').arraySync()).toEqual([false]);
  });
});

describeEachBackend('float32 → int32 cast saturates', (backend) => {
  const input = [NaN, Infinity, -Infinity, 1e20, -1e20, 2.7, -2.7, 2147483520, -2147483648, 3e9, -0.5];
  const expected = [0, I32_MAX, I32_MIN, I32_MAX, I32_MIN, 2, -2, 2147483520, I32_MIN, I32_MAX, 0];

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('eager', () => {
    const y = fx.cast(fx.tensor(input), 'int32');
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual(expected);
  });

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('jit, with host loops and with tfjs kernels', async () => {
    for (const host of [true, false]) {
      // The multiply makes the cast part of an elementwise group (a generated loop where the backend has one).
      const f = fx.jit((x: fx.Tensor<[number], 'float32'>) => fx.cast(fx.mul(x, 1), 'int32'), { host });
      expect(Array.from(await f(fx.tensor(input)).data())).toEqual(expected);
      // The int32 value the cast makes inside a loop is truncated before the next op uses it.
      const g = fx.jit((x: fx.Tensor<[number], 'float32'>) => fx.add(fx.cast(fx.mul(x, 1), 'int32'), 1), { host });
      expect(Array.from(await g(fx.tensor([2.7, -2.7, NaN])).data())).toEqual([3, -1, 1]);
    }
  });
});

describeEachBackend('reading values back', (backend) => {
  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('a bool tensor reads back as true/false', async () => {
    const b = fx.less(fx.tensor([1, 5, 2]), 3);
    expect(b.arraySync()).toEqual([true, false, true]);
    expect(await b.array()).toEqual([true, false, true]);
    expect(fx.less(fx.scalar(1), 3).item()).toBe(true);
    expect(fx.tensor([[true], [false]]).arraySync()).toEqual([[true], [false]]);
  });

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('dataSync and data give the typed array of the dtype', async () => {
    const f = fx.cast(fx.tensor([1, 2], 'int32'), 'float32');
    expect(f.dataSync()).toBeInstanceOf(Float32Array);
    expect(await f.data()).toBeInstanceOf(Float32Array);
    expect(Array.from(f.dataSync())).toEqual([1, 2]);
    const i = fx.cast(fx.tensor([1.5, 2.5]), 'int32');
    expect(i.dataSync()).toBeInstanceOf(Int32Array);
    expect(await i.data()).toBeInstanceOf(Int32Array);
    const b = fx.less(fx.tensor([1, 5]), 3);
    expect(b.dataSync()).toBeInstanceOf(Uint8Array);
    expect(await b.data()).toBeInstanceOf(Uint8Array);
    expect(Array.from(b.dataSync())).toEqual([1, 0]);
  });
});

describeEachBackend('values read back are the caller\'s own', (backend) => {
  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('writing into what data() and dataSync() returned leaves the tensor, and tensors sharing its data, unchanged', async () => {
    for (const dtype of ['float32', 'int32'] as const) {
      const x = fx.tensor([1, 2, 3], dtype);
      const y = fx.reshape(x, [3, 1]);
      const d = await x.data();
      d[0] = 99;
      x.dataSync()[1] = 77;
      y.dataSync()[2] = 55;
      expect(Array.from(x.dataSync())).toEqual([1, 2, 3]);
      expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    }
    const b = fx.less(fx.tensor([1, 5]), 3);
    b.dataSync()[0] = 0;
    expect(b.arraySync()).toEqual([true, false]);
  });

  it('a tensor made on another backend reads back after switching', async () => {
    const other = backend === 'cpu' ? 'wasm' : 'cpu';
    await fx.setBackend(other);
    const x = fx.tensor([1, 2, 3]);
    await fx.setBackend(backend);
    expect(Array.from(await x.data())).toEqual([1, 2, 3]);
    x.dispose();
  });
});

describeEachBackend('functional updates of int32 tensors', (backend) => {
  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('a fraction written into an int32 tensor is an error naming the method', () => {
    const x = fx.tensor([1, 2, 3], 'int32');
    expect(() => fx.at(x, 1).set(2.5)).toThrow(/dtype error in at\(\.\.\.\)\.set: v \(2\.5\) is not an integer but x is int32/);
    expect(fx.at(x, 1).set(7).arraySync()).toEqual([1, 7, 3]);
  });
});
