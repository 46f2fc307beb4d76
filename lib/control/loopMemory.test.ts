/**
 * Eager loops free each step's intermediates and the carry it replaced as
 * they go: memory during a long loop stays bounded, and derivatives through
 * the loop are unchanged.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose, itExceptWebgpu } from '../testing/backends.js';

type S = fx.Tensor<[], 'float32'>;

describeEachBackend('eager loop memory', (backend) => {
  const syncReads =
    'an eager whileLoop reads its condition on the host after every step: webgpu in Node has no synchronous readback (tfjs needs OffscreenCanvas, a browser API)';

  it('fori: 1,000 steps hold a bounded number of tensors while running, and none after', async () => {
    const x = fx.scalar(0.5);
    const start = fx.memory().tensors;
    let peak = 0;
    const out = fx.fori(0, 1000, (_i, c: S) => {
      peak = Math.max(peak, fx.memory().tensors - start);
      return fx.add(fx.mul(c, 1), 1);
    }, x);
    expect(peak).toBeLessThan(8);
    await expectClose(out, 1000.5);
    expect(fx.memory().tensors).toBe(start + 1);
    out.dispose();
  });

  itExceptWebgpu(backend, syncReads)('whileLoop: 1,000 steps hold a bounded number of tensors while running', async () => {
    const x = fx.scalar(0);
    const start = fx.memory().tensors;
    let peak = 0;
    const out = fx.whileLoop((c: S) => fx.less(c, 1000), (c: S) => {
      peak = Math.max(peak, fx.memory().tensors - start);
      return fx.add(fx.mul(c, 1), 1);
    }, x);
    expect(peak).toBeLessThan(8);
    await expectClose(out, 1000);
    expect(fx.memory().tensors).toBe(start + 1);
    out.dispose();
  });

  it('a carry leaf kept from an earlier step survives the step that made it (swap)', async () => {
    const [a, b] = fx.fori(0, 5, (_i, [p, q]: [S, S]) => [q, fx.add(p, 1)] as [S, S], [fx.scalar(0), fx.scalar(10)]);
    // (0,10) → (10,1) → (1,11) → (11,2) → (2,12) → (12,3)
    await expectClose(a, 12);
    await expectClose(b, 3);
  });

  it('a throwing body frees what the loop made and leaves no scope open', () => {
    const x = fx.scalar(1);
    const start = fx.memory().tensors;
    expect(() => fx.fori(0, 10, (i, c: S) => {
      if (i === 5) throw new Error('stop');
      return fx.add(c, 1);
    }, x)).toThrow('stop');
    expect(fx.memory().tensors).toBe(start);
    const y = fx.mul(x, 2); // made outside any scope: must survive
    expect(fx.scope(() => fx.add(y, 0)).isDisposed).toBe(false);
    expect(y.isDisposed).toBe(false);
    y.dispose();
  });

  it('derivatives through the rolling loops are unchanged: d/dx of x·2⁵', async () => {
    await expectClose(fx.grad((x: S) => fx.fori(0, 5, (_i, c: S) => fx.mul(c, 2), x))(fx.scalar(0.3)), 32);
  });

  itExceptWebgpu(backend, syncReads)('derivatives through the rolling loops are unchanged: d/dx of the doubling while loop', async () => {
    await expectClose(fx.grad((x: S) => fx.whileLoop((c: S) => fx.less(c, 10), (c: S) => fx.mul(c, 2), x))(fx.scalar(0.3)), 64);
  });
});
