/**
 * jit's trace cache: what makes two calls share a program (static arguments
 * keyed by value for numbers and strings, by identity for functions and
 * objects), its bound (least recently used programs evicted), and what it
 * frees (`clear()`, dropped jitted functions).
 */
import { expect, it, vi } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';
import { DEFAULT_JIT_CACHE_SIZE } from './jit.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type V2 = fx.Tensor<[2], 'float32'>;

/** A jitted `(x, s) => x · value(s)` whose trace reads the static `s` through `value`, counting traces. */
function scaledBy(value: (s: any) => number) {
  return fx.jit((x: V2, s: unknown) => fx.mul(x, value(s)));
}

describeEachBackend('jit cache keys', () => {
  it('numbers are keyed as Object.is tells them apart: NaN, null, Infinity, -Infinity, 0 and -0 each trace', async () => {
    const f = scaledBy((s) => (s === null ? 7 : Number.isNaN(s) ? 3 : Object.is(s, -0) ? -1 : s === 0 ? 1 : s > 0 ? 5 : -5));
    const x = fx.tensor([1, 2]);
    await expectClose(f(x, NaN), [3, 6]);
    await expectClose(f(x, null), [7, 14]);
    await expectClose(f(x, Infinity), [5, 10]);
    await expectClose(f(x, -Infinity), [-5, -10]);
    await expectClose(f(x, 0), [1, 2]);
    await expectClose(f(x, -0), [-1, -2]);
    expect(f.stats().traces).toBe(6);
    await expectClose(f(x, NaN), [3, 6]);
    expect(f.stats()).toMatchObject({ traces: 6, cacheHits: 1 });
  });

  it('two closures with the same source text are two statics, keyed by identity', async () => {
    const make = (k: number) => (v: number) => v * k;
    const f = fx.jit((x: V2, g: (v: number) => number) => fx.mul(x, g(1)));
    const x = fx.tensor([1, 2]);
    await expectClose(f(x, make(2)), [2, 4]);
    await expectClose(f(x, make(3)), [3, 6]);
    expect(f.stats().traces).toBe(2);
  });

  it('distinct Maps (and other class instances) are keyed by identity, the same one hits', async () => {
    const f = scaledBy((m: Map<string, number>) => m.get('k')!);
    const x = fx.tensor([1, 2]);
    const a = new Map([['k', 2]]);
    await expectClose(f(x, a), [2, 4]);
    await expectClose(f(x, new Map([['k', 3]])), [3, 6]);
    await expectClose(f(x, a), [2, 4]);
    expect(f.stats()).toMatchObject({ traces: 2, cacheHits: 1 });
  });

  it('object keys cannot collide: {a: 1, b: x} and {"a:1,b": x}', async () => {
    const f = fx.jit((o: Record<string, any>) => ('b' in o ? fx.mul(o.b, o.a) : fx.neg(o['a:1,b'])));
    const x = fx.tensor([1, 2]);
    await expectClose(f({ a: 1, b: x }), [1, 2]);
    await expectClose(f({ 'a:1,b': x }), [-1, -2]);
    expect(f.stats().traces).toBe(2);
  });

  it('strings are length-prefixed: "a,b" as one static differs from two statics "a" and "b"', async () => {
    const f = fx.jit((x: V2, ...tags: string[]) => fx.mul(x, tags.length));
    const x = fx.tensor([1, 2]);
    await expectClose(f(x, 'a,b'), [1, 2]);
    await expectClose(f(x, 'a', 'b'), [2, 4]);
    expect(f.stats().traces).toBe(2);
  });

  it('BigInt statics are keyed by value', async () => {
    const f = scaledBy((n: bigint) => Number(n));
    const x = fx.tensor([1, 2]);
    await expectClose(f(x, 2n), [2, 4]);
    await expectClose(f(x, 3n), [3, 6]);
    await expectClose(f(x, 2n), [2, 4]);
    expect(f.stats()).toMatchObject({ traces: 2, cacheHits: 1 });
  });
});

describeEachBackend('jit cache bound and memory', () => {
  it(`keeps at most cacheSize programs (default ${DEFAULT_JIT_CACHE_SIZE}), evicting the least recently used`, async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const f = fx.jit((x: V2, k: number) => fx.mul(x, k), { cacheSize: 2 });
      const x = fx.tensor([1, 2]);
      f(x, 1).dispose();
      f(x, 2).dispose();
      f(x, 1).dispose(); // 1 is now the most recent
      f(x, 3).dispose(); // evicts 2
      expect(f.stats()).toMatchObject({ traces: 3, cacheHits: 1, evictions: 1 });
      f(x, 1).dispose(); // still cached
      expect(f.stats()).toMatchObject({ traces: 3, cacheHits: 2 });
      await expectClose(f(x, 2), [2, 4]); // traced again
      expect(f.stats()).toMatchObject({ traces: 4, evictions: 2 });
      const g = fx.jit((x: V2, k: number) => fx.mul(x, k));
      const before = fx.memory().tensors;
      for (let k = 0; k < DEFAULT_JIT_CACHE_SIZE + 5; k++) g(x, k).dispose();
      expect(g.stats()).toMatchObject({ traces: DEFAULT_JIT_CACHE_SIZE + 5, evictions: 5 });
      g.clear();
      expect(fx.memory().tensors).toBe(before);
      expect(() => fx.jit((y: V2) => y, { cacheSize: 0 })).toThrow(/cacheSize must be a positive integer, got 0/);
    } finally {
      warn.mockRestore();
    }
  });

  it('evicting a program frees the tensors its trace captured', () => {
    const f = fx.jit((x: V2, k: number) => fx.add(x, fx.tensor([k, k])), { cacheSize: 1 });
    const x = fx.tensor([1, 2]);
    const before = fx.memory().tensors;
    f(x, 1).dispose();
    expect(fx.memory().tensors).toBe(before + 1); // the captured [1, 1]
    f(x, 2).dispose();
    expect(fx.memory().tensors).toBe(before + 1); // [1, 1] evicted, [2, 2] held
    f.clear();
    expect(fx.memory().tensors).toBe(before);
  });

  it('clear() frees the constants traces captured: tensors made while tracing and JS-number scalars', () => {
    const x = fx.tensor([1, 2]);
    const before = fx.memory().tensors;
    const f = fx.jit((y: V2) => fx.add(fx.mul(y, 3), fx.tensor([10, 20])));
    f(x).dispose();
    f(x).dispose();
    f.clear();
    expect(fx.memory().tensors).toBe(before);
    const g = fx.jit((y: V2) => fx.add(y, 1));
    g(x).dispose();
    g.clear();
    expect(fx.memory().tensors).toBe(before);
  });

  it('1,000 fresh jitted functions, each called once and dropped, leave fx.memory() unchanged', async () => {
    const x = fx.tensor([1, 2]);
    const once = () => {
      const f = fx.jit((y: V2) => fx.sum(fx.mul(y, y)));
      f(x).dispose();
    };
    once();
    const before = fx.memory();
    for (let i = 0; i < 1000; i++) once();
    expect(fx.memory()).toEqual(before);
  });

  it('a dropped jitted function frees its captured constants once garbage-collected', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const collect = async () => {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    };
    const x = fx.tensor([1, 2]);
    await collect(); // jitted functions dropped by earlier tests go first
    const before = fx.memory().tensors;
    const makeAndDrop = () => {
      for (let i = 0; i < 50; i++) {
        const f = fx.jit((y: V2) => fx.add(fx.mul(y, 2), 1));
        f(x).dispose();
      }
    };
    makeAndDrop();
    expect(fx.memory().tensors).toBeGreaterThan(before); // each holds its scalar 2 and 1 until collected
    for (let i = 0; i < 20 && fx.memory().tensors !== before; i++) await collect();
    expect(fx.memory().tensors).toBe(before);
  });
});
