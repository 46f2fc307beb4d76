import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

describeEachBackend('creating tensors', () => {
  it('infers shape and dtype from nested data', async () => {
    const a = fx.tensor([[1, 2], [3, 4], [5, 6]]);
    expect(a.shape).toEqual([3, 2]);
    expect(a.dtype).toBe('float32');
    await expectClose(a, [[1, 2], [3, 4], [5, 6]]);
    const i = fx.tensor([1, 2, 3], 'int32');
    expect(i.dtype).toBe('int32');
    expect(await i.array()).toEqual([1, 2, 3]);
    const b = fx.tensor([true, false]);
    expect(b.dtype).toBe('bool');
    expect(await b.array()).toEqual([true, false]);
  });

  it('takes typed arrays as flat data', async () => {
    const f = fx.tensor(new Float32Array([1.5, 2.5, -1]));
    expect(f.shape).toEqual([3]);
    expect(f.dtype).toBe('float32');
    await expectClose(f, [1.5, 2.5, -1]);
    const i = fx.tensor(new Int32Array([4, 5]));
    expect(i.dtype).toBe('int32');
    expect(await i.array()).toEqual([4, 5]);
    expect(() => fx.tensor(new Float32Array([1.5]), 'int32')).toThrow(/int32 tensor must be integers/);
  });

  it('zeros, ones, full, scalar, arange, linspace, eye', async () => {
    await expectClose(fx.zeros([2, 2]), [[0, 0], [0, 0]]);
    await expectClose(fx.ones([3]), [1, 1, 1]);
    await expectClose(fx.full([2], 7), [7, 7]);
    await expectClose(fx.scalar(2.5), 2.5);
    const r = fx.arange(4);
    expect(r.dtype).toBe('int32');
    expect(await r.array()).toEqual([0, 1, 2, 3]);
    await expectClose(fx.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
    await expectClose(fx.eye(2), [[1, 0], [0, 1]]);
    expect(fx.zeros([0, 3]).shape).toEqual([0, 3]);
  });

  it('reads back asynchronously and disposes', async () => {
    const a = fx.tensor([1.5, 2.5]);
    expect(Array.from((await a.data()) as Float32Array)).toEqual([1.5, 2.5]);
    expect(a.isDisposed).toBe(false);
    a.dispose();
    expect(a.isDisposed).toBe(true);
    await expect(a.array()).rejects.toThrow(/was disposed/);
  });

  it('scope disposes everything made inside except the result, sync and async', async () => {
    const before = fx.memory().tensors;
    const kept = fx.scope(() => {
      const a = fx.ones([3]);
      const b = fx.mul(a, 2);
      return { b, label: 'x' };
    });
    expect(fx.memory().tensors).toBe(before + 1);
    await expectClose(kept.b, [2, 2, 2]);
    const fromAsync = await fx.scope(async () => {
      const a = fx.ones([2]);
      await new Promise((r) => setTimeout(r, 1));
      return fx.add(a, 1);
    });
    expect(fx.memory().tensors).toBe(before + 2);
    await expectClose(fromAsync, [2, 2]);
    kept.b.dispose();
    fromAsync.dispose();
    expect(fx.memory().tensors).toBe(before);
  });

  it('memory() reports tensors and bytes', () => {
    const m0 = fx.memory();
    const a = fx.zeros([10, 10]);
    const m1 = fx.memory();
    expect(m1.tensors - m0.tensors).toBe(1);
    expect(m1.bytes - m0.bytes).toBe(400);
    a.dispose();
  });
});

describe('bad input gives a clear error and leaks nothing', () => {
  const noLeak = (fn: () => unknown, message: RegExp) => {
    const before = fx.memory().tensors;
    expect(fn).toThrow(message);
    expect(fx.memory().tensors).toBe(before);
  };

  it('ragged rows name the offending path and both shapes', () => {
    noLeak(() => fx.tensor([[1, 2], [3]] as never), /ragged data: data\[1\] has shape \[1\] but data\[0\] has shape \[2\]/);
    noLeak(() => fx.tensor([[[1], [2]], [[3], [4, 5]]] as never), /ragged data: data\[1\]\[1\] has shape \[2\]/);
  });

  it('non-numeric data names where it is', () => {
    noLeak(() => fx.tensor([1, 'a', 3] as never), /data\[1\] is string; expected a number, a boolean or an array/);
    noLeak(() => fx.tensor([1, null] as never), /data\[1\] is null/);
  });

  it('unknown dtype strings are rejected with the list of dtypes', () => {
    noLeak(() => fx.tensor([1, 2], 'NaN' as never), /unknown dtype "NaN"; expected one of 'float32', 'int32', 'bool'/);
    noLeak(() => fx.zeros([2], 'float64' as never), /unknown dtype "float64"/);
  });

  it('negative or fractional dims are rejected', () => {
    noLeak(() => fx.zeros([2, -1] as never), /a shape is a list of non-negative integers, got \[2,-1\]/);
    noLeak(() => fx.ones([1.5] as never), /non-negative integers/);
    noLeak(() => fx.arange(0, 3, 0), /step must not be 0/);
    noLeak(() => fx.eye(2.5 as never), /n must be a non-negative integer/);
  });

  it('int32 data must be integers', () => {
    // @ts-expect-error dtype error: data for an int32 tensor must be integers (the static twin)
    noLeak(() => fx.tensor([1.5], 'int32'), /data for an int32 tensor must be integers/);
  });

  it('a wrong shape passed to an op names the op and both shapes', () => {
    const a = fx.zeros([2, 3]);
    const b = fx.zeros([4, 5]);
    const untypedMatmul = fx.matmul as unknown as (p: fx.Tensor, q: fx.Tensor) => fx.Tensor;
    noLeak(() => untypedMatmul(a, b), /shape error in matmul: inner dims 3 and 4 differ \(a \[2, 3\], b \[4, 5\]\)/);
    noLeak(() => fx.reshape(a as fx.Tensor, [4, 2] as never), /cannot reshape \[2, 3\] \(6 elements\) to \[4, 2\]/);
    a.dispose();
    b.dispose();
  });
});
