import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend } from '../testing/backends.js';

describeEachBackend('messages a newcomer reads', () => {
  it('a tensor freed by fx.scope says how to keep it: return it from the scope', () => {
    let inner: fx.Tensor<[2], 'float32'> | undefined;
    fx.scope(() => {
      inner = fx.ones([2]);
      return fx.zeros([1]);
    }).dispose();
    expect(() => fx.add(inner!, 1)).toThrow(/was disposed and cannot be used\. A tensor made inside fx\.scope\(\.\.\.\) is freed when the scope ends unless the scope returns it/);
  });
});

describeEachBackend('errors name the function the user called', () => {
  it("zeros/ones with a bad dtype say zeros/ones, not full (the function they call inside)", () => {
    expect(() => fx.zeros([2], 'f32' as never)).toThrow(/\bzeros\b.*unknown dtype "f32"/);
    expect(() => fx.ones([2], 'f32' as never)).toThrow(/\bones\b.*unknown dtype "f32"/);
    expect(() => fx.zeros([2], 'f32' as never)).not.toThrow(/\bfull\b/);
  });

  it('messages say "an int32", not "a int32"', () => {
    const f = ((i: fx.Tensor<[2], "int32">) => fx.sum(fx.cast(i, "float32"))) as never;
    expect(() => (fx.grad(f) as (x: unknown) => unknown)(fx.tensor([1, 2], "int32"))).toThrow(/an int32/);
  });
});
