import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeHostBackends } from '../primitives/decompositionTesting.js';

type T = fx.Tensor;
type S = fx.Tensor<[3, 3], 'float32'>;

describeHostBackends('fx.linalg leaves no tensors behind', () => {
  it('values and gradients of every decomposition and function inside fx.scope free everything', () => {
    const a = () => fx.tensor([[2, 0.5, -0.3], [0.4, 1, 0.2], [-0.3, 0.7, -1]]);
    const run = () =>
      fx.scope(() => {
        const f = (m: S) => {
          const L = fx.linalg;
          const parts: T[] = [
            fx.sum(L.eigh(m)[1]),
            fx.sum(L.eigvalsh(m)),
            fx.sum(L.svd(m)[0]),
            fx.sum(L.svdvals(m)),
            fx.sum(L.qr(m)[1]),
            fx.sum(L.lu(m)[2]),
            L.slogdet(m)[1],
            fx.sum(L.luSolve(L.luFactor(m), fx.tensor([1, 2, 3]))),
            L.norm(m, 'nuc'),
            fx.sum(L.matrixPower(m, -2)),
            fx.sum(L.multiDot([m, m, m])),
            fx.sum(L.pinv(m)),
            fx.sum(L.lstsq(m, fx.tensor([1, 2, 3]))[0]),
            fx.sum(L.expm(m)),
            fx.sum(fx.triangularSolve(m, fx.eye(3), { leftSide: false })),
            fx.sum(fx.conv(fx.reshape(m, [1, 3, 3, 1]), fx.ones([2, 2, 1, 2]), { lhsDilation: 2, padding: 'SAME' })),
            fx.sum(fx.convTranspose(fx.reshape(m, [1, 9, 1]), fx.ones([3, 1, 1]), 2)),
            fx.sum(fx.maxPool(fx.reshape(m, [1, 3, 3, 1]), [2, 2], { padding: 'SAME' })),
            fx.sum(fx.avgPool(fx.reshape(m, [1, 3, 3, 1]), [2, 2], { padding: 'SAME', countIncludePad: false })),
          ];
          return parts.reduce((x, y) => fx.add(x as never, y as never) as T) as fx.Tensor<[], 'float32'>;
        };
        fx.grad(f)(a());
        return undefined;
      });
    run();
    const before = fx.memory().tensors;
    run();
    expect(fx.memory().tensors).toBe(before);
  });

  it('a shape error leaks nothing', () => {
    const a = fx.eye(3);
    const b = fx.zeros([2]);
    const before = fx.memory().tensors;
    expect(() => fx.linalg.luSolve(fx.linalg.luFactor(a) as never, b)).toThrow(/luSolve/);
    // luFactor's two outputs are the only new tensors.
    expect(fx.memory().tensors).toBe(before + 2);
  });

  it('each function called eagerly outside a scope leaves only its results (disposed here)', () => {
    const m = fx.tensor([[2, 0.5, -0.3], [0.4, 1, 0.2], [-0.3, 0.7, -1]]);
    const b = fx.tensor([1, 2, 3]);
    const L = fx.linalg;
    const img = fx.reshape(m, [1, 3, 3, 1]);
    const w = fx.ones([2, 2, 1, 2]);
    const calls: (() => unknown)[] = [
      () => L.eigh(m),
      () => L.eigvalsh(m),
      () => L.svd(m),
      () => L.svdvals(m),
      () => L.qr(m),
      () => L.lu(m),
      () => L.luFactor(m),
      () => L.luSolve(L.luFactor(m), b),
      () => L.slogdet(m),
      () => L.norm(m, 2),
      () => L.matrixPower(m, 3),
      () => L.multiDot([m, m, b]),
      () => L.pinv(m),
      () => L.lstsq(m, b),
      () => L.expm(m),
      () => fx.conv(img, w, { rhsDilation: 2, padding: 'SAME' }),
      () => fx.convTranspose(img, w, 2),
      () => fx.maxPool(img, [2, 2]),
      () => fx.avgPool(img, [2, 2], { countIncludePad: false, padding: 'SAME' }),
    ];
    for (const call of calls) call(); // warm-up
    for (const [i, call] of calls.entries()) {
      const before = fx.memory().tensors;
      const out = call();
      for (const t of [out].flat(2) as T[]) t.dispose();
      expect(fx.memory().tensors, `call ${i}`).toBe(before + (i === 7 ? 2 : 0));
    }
  });
});
