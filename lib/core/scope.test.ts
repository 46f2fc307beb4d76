/**
 * Scopes own only their own tensors: concurrent async scopes, sync scopes
 * run while an async scope awaits, nesting either way; and `fx.memory()`
 * counts fluxion's tensors only.
 */
import { afterEach, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';
import { _setAsyncIsolation } from './scope.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = fx.Tensor<any, any>;

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

describeEachBackend('async scopes (AsyncLocalStorage)', () => {
  it('two async scopes in Promise.all keep their own results and free their own intermediates', async () => {
    const x = fx.tensor([1, 2, 3]);
    const before = fx.memory().tensors;
    const work = async (k: number, wait: number) =>
      fx.scope(async () => {
        const a = fx.mul(x, k); // intermediate
        await tick(wait);
        const b = fx.add(a, 1); // intermediate, made while the other scope is pending
        await tick(wait);
        return fx.sum(b);
      });
    // Interleaved: A opens, B opens, A closes first while B is still pending, then B.
    const [ra, rb] = await Promise.all([work(2, 1), work(3, 5)]);
    expect(ra.isDisposed).toBe(false);
    expect(rb.isDisposed).toBe(false);
    await expectClose(ra, 2 * 6 + 3);
    await expectClose(rb, 3 * 6 + 3);
    expect(fx.memory().tensors).toBe(before + 2); // the two results, nothing else
    ra.dispose();
    rb.dispose();
    expect(fx.memory().tensors).toBe(before);
  });

  it('a sync scope run while an async scope awaits keeps its result after the async scope ends', async () => {
    const x = fx.tensor([1, 2]);
    const pending = fx.scope(async () => {
      await tick(5);
      return fx.mul(x, 10);
    });
    await tick(1); // the async scope is now waiting
    const kept = fx.scope(() => fx.add(fx.mul(x, 2), 1));
    const unscoped = fx.neg(x);
    const result = await pending;
    expect(kept.isDisposed).toBe(false);
    expect(unscoped.isDisposed).toBe(false);
    await expectClose(kept, [3, 5]);
    await expectClose(unscoped, [-1, -2]);
    await expectClose(result, [10, 20]);
    fx.optim.dispose(kept, unscoped, result);
  });

  it('a sync scope inside an async scope: its result belongs to the async scope, freed with it unless returned', async () => {
    const x = fx.tensor([1, 2]);
    const before = fx.memory().tensors;
    let inner: Any | undefined;
    let innerKept: Any | undefined;
    const out = await fx.scope(async () => {
      await tick();
      inner = fx.scope(() => fx.mul(fx.add(x, 1), 2));
      innerKept = fx.scope(() => fx.sub(fx.mul(x, 3), 1));
      expect(inner.isDisposed).toBe(false); // alive until the async scope ends
      await tick();
      return { y: innerKept, z: fx.add(inner, 0) };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(innerKept!.isDisposed).toBe(false);
    await expectClose(out.y, [2, 5]);
    await expectClose(out.z, [4, 6]);
    expect(fx.memory().tensors).toBe(before + 2);
    fx.optim.dispose(out);
  });

  it('an async scope inside an async scope: the inner result moves to the outer, which frees it unless returned', async () => {
    const x = fx.tensor([1, 2]);
    const before = fx.memory().tensors;
    let innerResult: Any | undefined;
    const out = await fx.scope(async () => {
      await tick();
      innerResult = await fx.scope(async () => {
        const t = fx.mul(x, 2);
        await tick();
        return fx.add(t, 1);
      });
      expect(innerResult.isDisposed).toBe(false);
      await tick();
      return fx.mul(innerResult, 2);
    });
    expect(innerResult!.isDisposed).toBe(true);
    await expectClose(out, [6, 10]);
    expect(fx.memory().tensors).toBe(before + 1);
    out.dispose();
  });

  it('a rejected async scope frees what it made and passes the error on', async () => {
    const x = fx.tensor([1, 2]);
    const before = fx.memory().tensors;
    await expect(
      fx.scope(async () => {
        fx.mul(x, 2);
        await tick();
        fx.add(x, 1);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(fx.memory().tensors).toBe(before);
  });
});

describeEachBackend('async scopes without AsyncLocalStorage (as in a browser)', () => {
  afterEach(() => _setAsyncIsolation(true));

  it('sequential async scopes and sync scopes inside one work', async () => {
    _setAsyncIsolation(false);
    const x = fx.tensor([1, 2]);
    const before = fx.memory().tensors;
    const a = await fx.scope(async () => {
      await tick();
      const s = fx.scope(() => fx.mul(x, 2));
      return fx.add(s, 1);
    });
    const b = await fx.scope(async () => {
      await tick();
      return fx.mul(a, 2);
    });
    await expectClose(b, [6, 10]);
    expect(fx.memory().tensors).toBe(before + 2);
    fx.optim.dispose(a, b);
  });

  it('overlapping async scopes throw ScopeError instead of mixing ownership, and lose no data', async () => {
    _setAsyncIsolation(false);
    const x = fx.tensor([1, 2]);
    const first = fx.scope(async () => {
      const t = fx.mul(x, 2);
      await tick(5);
      return fx.add(t, 1);
    });
    expect(() =>
      fx.scope(async () => {
        await tick();
        return fx.neg(x);
      }),
    ).toThrow(fx.ScopeError);
    expect(() =>
      fx.scope(async () => {
        await tick();
        return fx.neg(x);
      }),
    ).toThrow(/two async scopes overlap, and this platform has no AsyncLocalStorage/);
    // A plain function returning a promise is found out after its synchronous part ran: what it made is kept, not freed.
    let early: Any | undefined;
    expect(() =>
      fx.scope(() => {
        early = fx.mul(x, 3);
        return tick().then(() => early);
      }),
    ).toThrow(fx.ScopeError);
    expect(early!.isDisposed).toBe(false);
    const r = await first;
    await expectClose(r, [3, 5]);
    fx.optim.dispose(r, early);
  });
});

describeEachBackend('fx.memory()', () => {
  it("counts fluxion's tensors only: raw TensorFlow.js tensors do not change it", () => {
    const before = fx.memory();
    const raw = tf.ones([100]);
    const raw2 = tf.add(raw, 1);
    expect(fx.memory()).toEqual(before);
    raw.dispose();
    raw2.dispose();
  });

  it('counts tensors and bytes (4 per float32/int32 element, 1 per bool)', () => {
    const before = fx.memory();
    const a = fx.zeros([10]);
    const b = fx.tensor([1, 0, 1], 'bool');
    const c = fx.tensor([1, 2], 'int32');
    expect(fx.memory()).toEqual({ tensors: before.tensors + 3, bytes: before.bytes + 40 + 3 + 8 });
    fx.optim.dispose(a, b, c);
    expect(fx.memory()).toEqual(before);
  });
});

describeEachBackend('scopes that ended', () => {
  it('code resumed after its async scope ended (a promise nobody awaited) belongs to the enclosing scope, not the ended one', async () => {
    const x = fx.tensor([1, 2]);
    let late: Promise<Any> | undefined;
    const before = fx.memory().tensors;
    const outer = await fx.scope(async () => {
      await fx.scope(async () => {
        late = (async () => {
          await tick(5);
          return fx.mul(x, 2); // made after the inner scope ended, while the outer is still open
        })();
        await tick();
      });
      const made = await late!;
      expect(made.isDisposed).toBe(false);
      return fx.add(made, 1);
    });
    expect(await late!.then((t) => t.isDisposed)).toBe(true); // the outer scope owned it and freed it
    await expectClose(outer, [3, 5]);
    expect(fx.memory().tensors).toBe(before + 1);
    outer.dispose();
  });
});
