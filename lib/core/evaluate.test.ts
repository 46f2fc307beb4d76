/**
 * Eager evaluation (`core/trace.ts`): a kernel's intermediates are freed and
 * only its outputs kept, whether the kernel makes only its outputs (the fast
 * path past tidy's result walk) or more; shapes are frozen and shared.
 */
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';
import { gatherPrimitive } from '../primitives/gather.js';
import { bind } from './trace.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = fx.Tensor<any, any>;

describeEachBackend('eager evaluation', () => {
  it('a one-kernel op adds exactly its output to the tfjs engine, and disposing it returns to the start', async () => {
    const x = fx.tensor([1, 2, 3]);
    const before = tf.memory().numTensors;
    const y = fx.add(x, x);
    expect(tf.memory().numTensors).toBe(before + 1);
    await expectClose(y, [2, 4, 6]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('an op whose kernel makes intermediates (scatter along axis 1: reshapes, transposes) frees them', async () => {
    const idx = fx.tensor([2, 0], 'int32');
    const u = fx.tensor([[10, 20], [30, 40]]);
    const base = fx.ones([2, 3]) as Any;
    const before = tf.memory().numTensors;
    const m = fx.scatterAdd(base, idx, u, 1);
    expect(tf.memory().numTensors).toBe(before + 1);
    await expectClose(m, [[21, 1, 11], [41, 1, 31]]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    fx.optim.dispose(idx, u, base);
  });

  it('an op inside a user tf.tidy hands its output to that scope, which frees it', () => {
    const x = fx.tensor([1, 2]);
    const before = tf.memory().numTensors;
    let inner: Any | undefined;
    tf.tidy(() => {
      inner = fx.mul(x, x);
      expect(tf.memory().numTensors).toBe(before + 1);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(inner!.isDisposed).toBe(true);
    x.dispose();
  });

  it('a kernel that throws leaves nothing behind', () => {
    const x = fx.tensor([1, 2, 3]);
    const idx = fx.tensor([5], 'int32');
    const before = tf.memory().numTensors;
    // Past take's own check: the gather kernel's range check throws inside the evaluation.
    expect(() => bind(gatherPrimitive, [x, idx], { axis: 0 })).toThrow(/out of range/);
    expect(tf.memory().numTensors).toBe(before);
    fx.optim.dispose(x, idx);
  });

  it('shapes are frozen, and tensors of one shape share one shape array', () => {
    const a = fx.zeros([2, 3]);
    const b = fx.add(a, 1);
    expect(Object.isFrozen(a.shape)).toBe(true);
    expect(b.shape).toBe(a.shape);
    expect(() => (a.shape as number[]).push(4)).toThrow(TypeError);
    expect(a.shape).toEqual([2, 3]);
    fx.optim.dispose(a, b);
  });
});
