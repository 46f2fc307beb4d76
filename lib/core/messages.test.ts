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
