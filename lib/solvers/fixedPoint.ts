/**
 * `fixedPoint(g, x0, params, options)`: iterates x ← g(x, params) to a fixed
 * point, and chooses which derivative you get:
 *
 * - `diff: 'implicit'` (default): the derivative of the **solution**. x* is
 *   computed on concrete values (no transformation records the iterations),
 *   and its derivative comes from the implicit function theorem,
 *   dx* = (I − ∂g/∂x)⁻¹ ∂g/∂θ dθ, as a `customJvp` rule — so it works in
 *   forward and reverse mode (and, with the dense solve, to any order).
 * - `diff: 'unrolled'`: the derivative of the **algorithm**: the iterations
 *   run under whatever transformation is active and are differentiated as
 *   executed, including when they stopped early (`maxIter`).
 */
import { TransformError } from '../core/errors.js';
import { scope } from '../core/memory.js';
import { flatten, unflatten } from '../core/pytree.js';
import { avalOf, type AnyTensor } from '../core/tensor.js';
import { customJvp } from '../transforms/custom.js';
import { checkNoClosure, checkSameAvals, floatLeaves, maxChange, resolveIterationOptions, RollingScope, SolverError, stopTree, totalSize, type Resolved } from './common.js';
import { denseImplicitTangent, iterativeImplicitTangent, type PytreeMap } from './implicit.js';
import { onUnrolledSolver } from '../core/hooks.js';
import { traceDepth } from '../core/trace.js';

/** Options of `fixedPoint`. @public */
export interface FixedPointOptions {
  /** Stop when max |x_{k+1} − x_k| ≤ tol · max(1, max |x_{k+1}|) (default 1e-6). */
  readonly tol?: number;
  /** Most iterations (default 1000). With `'implicit'`, not converging by then is a `SolverError`. */
  readonly maxIter?: number;
  /**
   * `'implicit'` (default): the derivative of the solution, by the implicit
   * function theorem. `'unrolled'`: the derivative of the iterations as run.
   */
  readonly diff?: 'implicit' | 'unrolled';
  /**
   * How `'implicit'` applies (I − ∂g/∂x)⁻¹: `'dense'` builds ∂g/∂x with
   * `jacfwd` and calls `solve` (any order of derivatives; n JVPs of g);
   * `'iterative'` is matrix-free (first order, forward and reverse).
   * Default: `'dense'` when x has at most 64 elements, else `'iterative'`.
   */
  readonly linearSolver?: 'dense' | 'iterative';
}

/** x ← g(x, params) until the change is below tol, or maxIter steps. */
function iterate(g: PytreeMap, x0: unknown, params: unknown, opts: Resolved): { x: unknown; converged: boolean; iterations: number; change: number } {
  const [x0Leaves, xDef] = flatten(x0);
  const avals = x0Leaves.map(avalOf);
  const rolling = new RollingScope();
  try {
    let x = x0Leaves as AnyTensor[];
    let change = Infinity;
    for (let k = 1; k <= opts.maxIter; k++) {
      const [next, c, size] = rolling.step(() => {
        const [out] = flatten(g(unflatten(xDef, x), params));
        checkSameAvals('fixedPoint', 'g(x, params)', avals, out);
        const { change, size } = maxChange('fixedPoint', x, out as AnyTensor[]);
        return [out as AnyTensor[], change, size] as const;
      });
      x = next;
      change = c;
      if (Number.isNaN(c)) throw new SolverError('fixedPoint', `the iteration produced NaN at step ${k}`);
      if (c <= opts.tol * Math.max(1, size)) return { x: rolling.finish(unflatten(xDef, x)), converged: true, iterations: k, change };
    }
    return { x: rolling.finish(unflatten(xDef, x)), converged: false, iterations: opts.maxIter, change };
  } catch (e) {
    rolling.abort();
    throw e;
  }
}

/**
 * Finds x* = g(x*, params) by iterating x ← g(x, params) from `x0`, with
 * `g(x, params)` on pytrees of float32 tensors. Derivatives with respect to
 * `params` are those of the solution (`diff: 'implicit'`, default: implicit
 * function theorem, forward and reverse mode) or of the algorithm
 * (`diff: 'unrolled'`: the executed iterations, differentiated as run).
 * The solution does not depend on `x0`: with `'implicit'` its derivative
 * with respect to `x0` is zero. Pass every value you differentiate through
 * `params` (a `g` that closes over one is an error with `'implicit'`).
 * Convergence is decided on concrete values: it runs in eager code (also
 * inside grad/jvp/vjp), not inside `jit`, and needs synchronous reads (cpu,
 * wasm; not webgpu in Node).
 * @example
 * ```ts
 * // x = cos(a·x): the derivative of x* with respect to a, by the implicit function theorem
 * const dxda = fx.grad((a: fx.Tensor<[], 'float32'>) => fx.fixedPoint((x, p) => fx.cos(fx.mul(p, x)), fx.scalar(0), a))(fx.scalar(0.8));
 * ```
 * @public
 */
export function fixedPoint<X, P>(g: (x: X, params: P) => X, x0: X, params: P, options: FixedPointOptions = {}): X {
  const opts = resolveIterationOptions('fixedPoint', options, { tol: 1e-6, maxIter: 1000 });
  const diff = options.diff ?? 'implicit';
  if (diff !== 'implicit' && diff !== 'unrolled') throw new TransformError(`fx.fixedPoint: diff must be 'implicit' or 'unrolled', got ${String(diff)}`);
  const xLeaves = floatLeaves('fixedPoint', 'x0', x0);
  floatLeaves('fixedPoint', 'params', params);
  if (xLeaves.length === 0) throw new TransformError('fx.fixedPoint: x0 must contain at least one tensor');
  const map = g as unknown as PytreeMap;

  if (diff === 'unrolled') {
    return scope(() => {
      const run = iterate(map, x0, params, opts);
      // Tells gradDiagnostics the gradient is the algorithm's, when one is being taken.
      if (traceDepth() > 0) onUnrolledSolver('fixedPoint', run.iterations);
      return run.x as X;
    });
  }

  const n = totalSize(xLeaves.map(avalOf));
  const linearSolver = options.linearSolver ?? (n <= 64 ? 'dense' : 'iterative');
  if (linearSolver !== 'dense' && linearSolver !== 'iterative') {
    throw new TransformError(`fx.fixedPoint: linearSolver must be 'dense' or 'iterative', got ${String(linearSolver)}`);
  }

  const solveFixedPoint = (start: unknown, theta: unknown): unknown => {
    const r = iterate(map, stopTree(start), stopTree(theta), opts);
    checkNoClosure('fixedPoint', 'g(x, params)', r.x);
    if (!r.converged) {
      throw new SolverError(
        'fixedPoint',
        `did not converge in ${opts.maxIter} iterations (last change ${r.change.toExponential(3)}, tol ${opts.tol}); ` +
          "the implicit derivative needs a solution. Raise maxIter or tol, or use diff: 'unrolled' to differentiate the iterations actually run",
      );
    }
    return r.x;
  };
  const solution: (start: unknown, theta: unknown) => unknown = customJvp(solveFixedPoint, ([start, theta], [, tTheta]) => {
    // Calling the custom function (not solveFixedPoint) keeps x* differentiable at lower levels: higher orders work.
    const xStar = solution(start, theta);
    const tangent =
      linearSolver === 'dense'
        ? denseImplicitTangent('fixedPoint', 'fixedPoint', map, xStar, theta, tTheta)
        : iterativeImplicitTangent(map, xStar, theta, tTheta, opts.tol, opts.maxIter);
    return [xStar, tangent];
  });
  return scope(() => solution(x0, params) as X);
}
