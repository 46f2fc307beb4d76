import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type T = fx.Tensor;
const triangularSolve = fx.triangularSolve as unknown as (a: T, b: T, o?: fx.TriangularSolveOptions) => T;
const mm = (a: T, b: T) => fx.matmul(a as never, b as never) as T;

describeEachBackend('triangularSolve: leftSide and unitDiagonal', () => {
  const low = () => fx.tensor([[2, 0, 0], [1, 3, 0], [-1, 0.5, 4]]);
  const x = () => fx.tensor([[1, -2, 0.5], [3, 1, -1]]);

  it('leftSide: false solves x·op(a) = b for all four lower/transposeA combinations', async () => {
    for (const lower of [true, false]) {
      for (const transposeA of [false, true]) {
        const a = lower ? low() : (fx.transpose(low()) as T);
        const op = transposeA ? (fx.transpose(a as never) as T) : a;
        const b = mm(x(), op);
        await expectClose(triangularSolve(a, b, { leftSide: false, lower, transposeA }), await x().array(), 1e-5);
      }
    }
  });

  it('leftSide: false with a vector b (a row), and a wrong shape names the expected one', async () => {
    await expectClose(triangularSolve(low(), fx.tensor([2, 3.5, 4]), { leftSide: false }), [1, 1, 1]);
    expect(() => triangularSolve(low(), fx.zeros([3, 2]) as T, { leftSide: false })).toThrow(/with leftSide: false, b must have shape \[k, 3\]/);
  });

  it('unitDiagonal ignores the diagonal (and gives it no gradient)', async () => {
    const a = fx.tensor([[9, 0], [2, 9]]);
    await expectClose(triangularSolve(a, fx.tensor([1, 4]), { unitDiagonal: true }), [1, 2]);
    const g = fx.grad((m: fx.Tensor<[2, 2], 'float32'>) => fx.sum(fx.triangularSolve(m, fx.tensor([1, 4]), { unitDiagonal: true })))(a);
    const gv = (await g.array()) as number[][];
    expect(gv[0]![0]).toBe(0);
    expect(gv[1]![1]).toBe(0);
  });

  it('derivatives with leftSide: false to order 2', async () => {
    await fx.checkGradsAsync((a, b) => triangularSolve(a, b, { leftSide: false }), [low(), x()], { order: 2 });
    await fx.checkGradsAsync((a, b) => triangularSolve(a, b, { leftSide: false, lower: false, transposeA: true }), [fx.transpose(low()) as T, x()], { order: 1 });
  });

  it('vmap with leftSide: false', async () => {
    const bs = fx.tensor([[2, 3.5, 4], [4, 7, 8]]);
    await expectClose(fx.vmap((b: T) => triangularSolve(low(), b, { leftSide: false }), { inAxes: 0 })(bs), [[1, 1, 1], [2, 2, 2]]);
  });
});
