import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { expectClose } from '../testing/backends.js';
import { describeSolver } from './testing.js';

type V = fx.Tensor<[3], 'float32'>;
type S = fx.Tensor<[], 'float32'>;

// x = cos(a·x), elementwise for three values of a.
const as = [0.5, 0.75, 1];
const g = (x: V, a: V) => fx.cos(fx.mul(a, x));

/** The fixed point of cos(a·x), in float64. */
function xStar(a: number): number {
  let x = 0;
  for (let i = 0; i < 10000; i++) x = Math.cos(a * x);
  return x;
}
/** The derivative of x* with respect to a by the implicit function theorem: −x·sin(ax) / (1 + a·sin(ax)). */
const implicitDerivative = (a: number) => {
  const x = xStar(a);
  return (-x * Math.sin(a * x)) / (1 + a * Math.sin(a * x));
};
/** The derivative of the algorithm: n iterations from x = 0, differentiated (float64). */
function unrolledDerivative(a: number, n: number): number {
  let x = 0;
  let dx = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.sin(a * x);
    [x, dx] = [Math.cos(a * x), -s * (x + a * dx)];
  }
  return dx;
}

const solution = (options: fx.FixedPointOptions) => (a: V) => fx.fixedPoint(g, fx.zeros([3]), a, options);
const sumSolution = (options: fx.FixedPointOptions) => (a: V) => fx.sum(solution(options)(a));

describeSolver(
  'fixedPoint',
  () => {
    const a = (): V => fx.tensor([0.5, 0.75, 1]);

    it('finds the fixed point of x = cos(a·x)', async () => {
      await expectClose(solution({})(a()), as.map(xStar), 1e-4);
    });

    for (const linearSolver of ['dense', 'iterative'] as const) {
      it(`implicit (${linearSolver} solve): grad of x* is −x·sin(ax)/(1 + a·sin(ax))`, async () => {
        await expectClose(fx.grad(sumSolution({ linearSolver }))(a()), as.map(implicitDerivative), 1e-3);
      });

      it(`implicit (${linearSolver} solve): jvp of x* along da = 1 is the same implicit value`, async () => {
        const [x, dx] = fx.jvp(solution({ linearSolver }), [a()], [fx.ones([3])]);
        await expectClose(x, as.map(xStar), 1e-4);
        await expectClose(dx, as.map(implicitDerivative), 1e-3);
      });

      it(`implicit (${linearSolver} solve): the derivative with respect to x0 is zero`, async () => {
        const dx0 = fx.grad((x0: V) => fx.sum(fx.fixedPoint(g, x0, a(), { linearSolver })))(fx.tensor([0.1, 0.2, 0.3]));
        await expectClose(dx0, [0, 0, 0]);
      });
    }

    it("unrolled with maxIter 3 is the derivative of the algorithm, visibly not the solution's", async () => {
      const derivative = fx.grad(sumSolution({ diff: 'unrolled', maxIter: 3 }))(a());
      const algorithm = as.map((v) => unrolledDerivative(v, 3));
      await expectClose(derivative, algorithm, 1e-4);
      // At least 10% off the derivative of the solution at every a.
      (await derivative.array()).forEach((d, i) => expect(Math.abs(d - implicitDerivative(as[i]!))).toBeGreaterThan(0.1 * Math.abs(implicitDerivative(as[i]!))));
      // Forward mode gives the same derivative of the algorithm.
      await expectClose(fx.jvp(solution({ diff: 'unrolled', maxIter: 3 }), [a()], [fx.ones([3])])[1], algorithm, 1e-4);
    });

    it('unrolled to convergence approaches the implicit value', async () => {
      await expectClose(fx.grad(sumSolution({ diff: 'unrolled' }))(a()), as.map(implicitDerivative), 1e-3);
    });

    it('implicit (dense): second derivative d²x*/da² matches differencing the analytic first derivative', async () => {
      const d2 = (v: number) => (implicitDerivative(v + 1e-4) - implicitDerivative(v - 1e-4)) / 2e-4;
      const first = fx.grad(sumSolution({ linearSolver: 'dense' }));
      await expectClose(fx.grad((v: V) => fx.sum(first(v)))(a()), as.map(d2), 2e-3);
      await expectClose(fx.jvp(first, [a()], [fx.ones([3])])[1], as.map(d2), 2e-3);
    });

    it('implicit (iterative): second order is refused with a message naming the dense solver', () => {
      const first = fx.grad(sumSolution({ linearSolver: 'iterative' }));
      expect(() => fx.grad((v: V) => fx.sum(first(v)))(a())).toThrow(/second-order.*linearSolver: 'dense'/);
    });

    it('pytrees: x = tanh(W·x + b) with {W, b} params passes gradient checks (dense and iterative)', async () => {
      const w = fx.tensor([
        [0.3, -0.2, 0.1],
        [0.1, 0.4, -0.3],
        [-0.2, 0.1, 0.2],
      ]);
      const b = fx.tensor([0.5, -0.3, 0.8]);
      const layer = (x: { v: V }, p: { w: fx.Tensor<[3, 3], 'float32'>; b: V }) => ({
        v: fx.reshape(fx.tanh(fx.add(fx.matmul(p.w, fx.reshape(x.v, [3, 1])), fx.reshape(p.b, [3, 1]))), [3]),
      });
      for (const linearSolver of ['dense', 'iterative'] as const) {
        const f = (wp: fx.Tensor<[3, 3], 'float32'>, bp: V) =>
          fx.fixedPoint(layer, { v: fx.zeros([3]) }, { w: wp, b: bp }, { linearSolver }).v;
        await fx.checkGradsAsync(f as never, [w, b], { order: 1, rtol: 3e-2, atol: 3e-3 });
      }
    });

    it('implicit mode refuses a solution that did not converge', () => {
      expect(() => solution({ maxIter: 3 })(a())).toThrow(fx.SolverError);
      expect(() => solution({ maxIter: 3 })(a())).toThrow(/did not converge in 3 iterations.*diff: 'unrolled'/);
    });

    it('a g that closes over a differentiated value is an error (pass it through params)', () => {
      const f = (av: V) => fx.sum(fx.fixedPoint((x: V) => fx.cos(fx.mul(av, x)), fx.zeros([3]), {}));
      expect(() => fx.grad(f)(a())).toThrow(/closes over it.*params/);
    });

    it('inside jit it says to call it outside jit', () => {
      expect(() => fx.jit(solution({}))(a())).toThrow(/fixedPoint.*cannot run inside jit/);
    });

    it('frees its iterations: no tensors left after a scoped gradient', () => {
      const av = a();
      fx.scope(() => fx.grad(sumSolution({}))(av)); // warm-up (kernels, caches)
      const before = fx.memory().tensors;
      fx.scope(() => {
        fx.grad(sumSolution({ linearSolver: 'dense' }))(av);
        fx.grad(sumSolution({ linearSolver: 'iterative' }))(av);
        fx.jvp(solution({ linearSolver: 'iterative' }), [av], [fx.ones([3])]);
        fx.grad(sumSolution({ diff: 'unrolled' }))(av);
      });
      expect(fx.memory().tensors).toBe(before);
    });
  },
  () => solution({})(fx.tensor([0.5, 0.75, 1])),
);

describe('fixedPoint types', () => {
  it('returns the type of x0', () => {
    const x: S = fx.fixedPoint((x: S, p: S) => fx.mul(x, p), fx.scalar(0), fx.scalar(0.5));
    expect(x.shape).toEqual([]);
  });
});
