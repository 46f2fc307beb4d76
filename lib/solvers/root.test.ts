import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { expectClose } from '../testing/backends.js';
import { describeSolver } from './testing.js';

type V = fx.Tensor<[3], 'float32'>;
type P = fx.Tensor<[2], 'float32'>;

// x³ + x = θ, elementwise: x* is increasing in θ with dx*/dθ = 1 / (3x*² + 1).
const cubic = (x: V, theta: V) => fx.sub(fx.add(fx.mul(x, fx.mul(x, x)), x), theta);
const thetas = [0.5, 2, 10];
/** The real root of x³ + x = θ (Cardano), in float64. */
const cubicRoot = (t: number) => {
  const s = Math.sqrt((t * t) / 4 + 1 / 27);
  return Math.cbrt(t / 2 + s) + Math.cbrt(t / 2 - s);
};
const cubicDerivative = (t: number) => 1 / (3 * cubicRoot(t) ** 2 + 1);

// Circle of radius r meets the line x₁ = m·x₀: x₀ = r / √(1 + m²), x₁ = m·x₀ (start in the first quadrant).
const circleLine = (x: P, p: P) => {
  const [x0, x1] = [fx.slice(x, [0], [1]), fx.slice(x, [1], [1])];
  const [r, m] = [fx.slice(p, [0], [1]), fx.slice(p, [1], [1])];
  return fx.concat([fx.sub(fx.add(fx.mul(x0, x0), fx.mul(x1, x1)), fx.mul(r, r)), fx.sub(x1, fx.mul(m, x0))], 0);
};

describeSolver(
  'root',
  () => {
    const theta = (): V => fx.tensor([0.5, 2, 10]);
    const solve = (t: V) => fx.root(cubic, fx.zeros([3]), t);

    it('finds the root of x³ + x = θ by damped Newton', async () => {
      await expectClose(solve(theta()), thetas.map(cubicRoot), 1e-5);
    });

    it('grad of x*(θ) is 1 / (3x*² + 1) (implicit function theorem)', async () => {
      await expectClose(fx.grad((t: V) => fx.sum(solve(t)))(theta()), thetas.map(cubicDerivative), 1e-4);
    });

    it('jvp of x*(θ) is the same, and the derivative with respect to x0 is zero', async () => {
      await expectClose(fx.jvp(solve, [theta()], [fx.ones([3])])[1], thetas.map(cubicDerivative), 1e-4);
      await expectClose(fx.grad((x0: V) => fx.sum(fx.root(cubic, x0, theta())))(fx.ones([3])), [0, 0, 0]);
    });

    it('second derivative: d²x*/dθ² = −6x*·(dx*/dθ)³', async () => {
      const want = thetas.map((t) => -6 * cubicRoot(t) * cubicDerivative(t) ** 3);
      const first = fx.grad((t: V) => fx.sum(solve(t)));
      await expectClose(fx.grad((t: V) => fx.sum(first(t)))(theta()), want, 1e-3);
    });

    it('a coupled 2-D system: circle ∩ line, derivatives in r and m vs analytic and finite differences', async () => {
      const p = fx.tensor([2, 0.5]);
      const [r, m] = [2, 0.5];
      const solveCl = (q: P) => fx.root(circleLine, fx.tensor([1, 1]), q);
      const s = Math.sqrt(1 + m * m);
      await expectClose(solveCl(p), [r / s, (m * r) / s], 1e-5);
      // Jacobian [[∂x₀/∂r, ∂x₀/∂m], [∂x₁/∂r, ∂x₁/∂m]].
      const want = [
        [1 / s, (-r * m) / s ** 3],
        [m / s, r / s - (r * m * m) / s ** 3],
      ];
      await expectClose(fx.jacrev(solveCl)(p), want, 1e-4);
      await expectClose(fx.jacfwd(solveCl)(p), want, 1e-4);
      await fx.checkGradsAsync(solveCl as never, [p], { order: 1 });
    });

    it('no root: x² + 1 = 0 is a SolverError', () => {
      const none = (x: P) => fx.add(fx.mul(x, x), 1);
      expect(() => fx.root(none, fx.tensor([0.5, -0.5]), {}, { maxIter: 20 })).toThrow(fx.SolverError);
    });

    it('frees its iterations: no tensors left after a scoped gradient', () => {
      const t = theta();
      fx.scope(() => fx.grad((v: V) => fx.sum(solve(v)))(t));
      const before = fx.memory().tensors;
      fx.scope(() => {
        fx.grad((v: V) => fx.sum(solve(v)))(t);
        fx.jvp(solve, [t], [fx.ones([3])]);
      });
      expect(fx.memory().tensors).toBe(before);
    });
  },
  () => fx.root(cubic, fx.zeros([3]), fx.tensor([0.5, 2, 10])),
);
