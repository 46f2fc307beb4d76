/**
 * `root(f, x0, params, options)`: solves f(x, params) = 0 by Newton's method
 * (Jacobian by `jacfwd`, step by `solve`, halving the step while it does not
 * reduce |f|), with the derivative of the solution by the implicit function
 * theorem: dx* = −(∂f/∂x)⁻¹ ∂f/∂θ dθ (a `customJvp` rule with a dense solve:
 * forward, reverse and higher orders).
 */
import { TransformError } from '../core/errors.js';
import { scope } from '../core/memory.js';
import { flatten, unflatten } from '../core/pytree.js';
import { avalOf, type AnyTensor } from '../core/tensor.js';
import { solve } from '../primitives/solve.js';
import { jacfwd } from '../transforms/jacobian.js';
import { customJvp } from '../transforms/custom.js';
import {
  checkNoClosure,
  checkSameAvals,
  floatLeaves,
  fromVector,
  maxChange,
  mul,
  resolveIterationOptions,
  RollingScope,
  SolverError,
  stopTree,
  sub,
  sumOfSquares,
  toVector,
  type Resolved,
} from './common.js';
import { denseImplicitTangent, type PytreeMap } from './implicit.js';

/** Options of `root`. @public */
export interface RootOptions {
  /** Stop when the Newton step's max |Δx| ≤ tol · max(1, max |x|) (default 1e-6). */
  readonly tol?: number;
  /** Most Newton steps (default 50); not converging by then is a `SolverError`. */
  readonly maxIter?: number;
}

const maxHalvings = 20;

function newton(f: PytreeMap, x0: unknown, params: unknown, opts: Resolved): unknown {
  const [x0Leaves, xDef] = flatten(x0);
  const avals = x0Leaves.map(avalOf);
  const residual = (v: AnyTensor): AnyTensor => {
    const [out] = flatten(f(unflatten(xDef, fromVector(v, avals)), params));
    checkSameAvals('root', 'f(x, params)', avals, out);
    return toVector(out as AnyTensor[]);
  };
  const rolling = new RollingScope();
  try {
    let x = toVector(x0Leaves as AnyTensor[]);
    let fx = residual(x);
    let norm = sumOfSquares('root', [fx]);
    for (let k = 1; k <= opts.maxIter; k++) {
      if (norm === 0) return rolling.finish(unflatten(xDef, fromVector(x, avals)));
      const [nextX, nextF, nextNorm, change, size] = rolling.step(() => {
        const j = (jacfwd(residual as never) as unknown as (v: AnyTensor) => AnyTensor)(x);
        const step = solve(j as never, fx as never) as unknown as AnyTensor;
        // Damped Newton: halve the step until |f| decreases (or give up halving and take the smallest).
        let alpha = 1;
        let cand = sub(x, step);
        let fc = residual(cand);
        let nc = sumOfSquares('root', [fc]);
        for (let h = 0; h < maxHalvings && !(nc < norm); h++) {
          alpha /= 2;
          cand = sub(x, mul(step, alpha));
          fc = residual(cand);
          nc = sumOfSquares('root', [fc]);
        }
        const { change, size } = maxChange('root', [x], [cand]);
        return [cand, fc, nc, change, size] as const;
      });
      x = nextX;
      fx = nextF;
      norm = nextNorm;
      if (!Number.isFinite(change) || !Number.isFinite(norm)) {
        throw new SolverError('root', `Newton's method met a non-finite value at step ${k} (is ∂f/∂x singular at the iterate?)`);
      }
      if (change <= opts.tol * Math.max(1, size)) return rolling.finish(unflatten(xDef, fromVector(x, avals)));
    }
    throw new SolverError('root', `Newton's method did not converge in ${opts.maxIter} steps (|f|² = ${norm.toExponential(3)}); raise maxIter or start closer`);
  } catch (e) {
    rolling.abort();
    throw e;
  }
}

/**
 * Finds x* with f(x*, params) = 0 by damped Newton from `x0` (`f` maps a
 * pytree of float32 tensors to one of the same shapes). The derivative with
 * respect to `params` is that of the solution, by the implicit function
 * theorem (forward and reverse mode, higher orders); with respect to `x0` it
 * is zero. Pass every differentiated value through `params`. Runs in eager
 * code (also inside grad/jvp/vjp), not inside `jit`; needs synchronous
 * reads (cpu, wasm; not webgpu in Node).
 * @example
 * ```ts
 * // x³ + x = θ
 * const x = fx.root((x, t) => fx.sub(fx.add(fx.mul(x, fx.mul(x, x)), x), t), fx.scalar(0), fx.scalar(2)); // 1
 * ```
 * @public
 */
export function root<X, P>(f: (x: X, params: P) => X, x0: X, params: P, options: RootOptions = {}): X {
  const opts = resolveIterationOptions('root', options, { tol: 1e-6, maxIter: 50 });
  const xLeaves = floatLeaves('root', 'x0', x0);
  floatLeaves('root', 'params', params);
  if (xLeaves.length === 0) throw new TransformError('fx.root: x0 must contain at least one tensor');
  const map = f as unknown as PytreeMap;
  const solveRoot = (start: unknown, theta: unknown): unknown => {
    const x = newton(map, stopTree(start), stopTree(theta), opts);
    checkNoClosure('root', 'f(x, params)', x);
    return x;
  };
  const solution: (start: unknown, theta: unknown) => unknown = customJvp(solveRoot, ([start, theta], [, tTheta]) => {
    const xStar = solution(start, theta);
    return [xStar, denseImplicitTangent('root', 'root', map, xStar, theta, tTheta)];
  });
  return scope(() => solution(x0, params) as X);
}
