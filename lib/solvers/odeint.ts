/**
 * `odeint(f, y0, ts, params, options)`: solves dy/dt = f(y, t, params) with
 * the adaptive Dormand–Prince 5(4) integrator and returns y at every time in
 * `ts`, stacked on a new first axis.
 *
 * Two derivatives:
 * - `adjoint: false` (default): differentiate through the solver's
 *   operations (the derivative of the discretization that ran; forward and
 *   reverse mode). Reverse mode stores every accepted step's residuals.
 * - `adjoint: true`: reverse mode by the continuous adjoint method (Chen et
 *   al. 2018, "Neural Ordinary Differential Equations", Alg. 1; Pontryagin):
 *   the forward pass stores only y at the times in `ts`; the backward pass
 *   integrates the augmented system [y, a, g] from each output time to the
 *   previous one, with da/dt = −aᵀ∂f/∂y and dg/dt = −aᵀ∂f/∂θ, adding the
 *   output cotangent to a at each time. A `customVjp`: reverse mode only.
 */
import { TransformError, ShapeError, showShape } from '../core/errors.js';
import { zerosLike } from '../core/creation.js';
import { scope } from '../core/memory.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { Tensor, avalOf, type AnyTensor } from '../core/tensor.js';
import { reshape } from '../primitives/reshape.js';
import { slice } from '../primitives/slice.js';
import { stack } from '../composite/stack.js';
import { customVjp } from '../transforms/custom.js';
import { vjp } from '../transforms/reverse.js';
import type { Stacked } from '../transforms/vmap.js';
import { add, checkNoClosure, floatLeaves, mul, readNumber, stopTree } from './common.js';
import { integrate, type IntegratorOptions, type IntegratorStats } from './dormandPrince.js';

/** Options of `odeint`. @public */
export interface OdeintOptions {
  /** Relative tolerance of the local error (default 1e-6; float32 limits useful values to about 1e-7). */
  readonly rtol?: number;
  /** Absolute tolerance of the local error (default 1e-8). */
  readonly atol?: number;
  /**
   * `false` (default): derivatives through the solver's operations (forward
   * and reverse mode). `true`: reverse mode by the continuous adjoint method,
   * which does not store the forward steps (forward mode is not available).
   */
  readonly adjoint?: boolean;
  /** Most steps over the whole integration, per pass (default 10000); more is a `SolverError`. */
  readonly maxSteps?: number;
}

/** The number of output times: `N` of a `Tensor<[N]>` or the length of a tuple. @public */
export type TimeCount<T> = T extends Tensor<[infer N extends number], 'float32'> ? N : T extends readonly unknown[] ? T['length'] : number;

/** Row `i` of a tensor along axis 0. */
function row(x: AnyTensor, i: number): AnyTensor {
  const begin = x.shape.map((_: number, j: number) => (j === 0 ? i : 0));
  const size = x.shape.map((d: number, j: number) => (j === 0 ? 1 : d));
  return reshape(slice(x, begin as never, size as never) as AnyTensor, x.shape.slice(1) as never) as AnyTensor;
}

function readTimes(ts: Tensor | readonly number[]): number[] {
  let times: number[];
  if (ts instanceof Tensor) {
    if (ts.rank !== 1) throw new ShapeError('odeint', `ts must be a vector of times [n], got shape ${showShape(ts.shape)}`);
    if (ts.size === 0) throw new ShapeError('odeint', 'ts must hold at least one time');
    times = ts.size === 1 ? [readNumber('odeint', ts)] : Array.from(readVector(ts));
  } else if (Array.isArray(ts)) {
    times = ts.slice();
  } else {
    throw new TransformError(`fx.odeint: ts must be a float32 vector tensor or an array of numbers, got ${typeof ts}`);
  }
  if (times.length === 0) throw new ShapeError('odeint', 'ts must hold at least one time');
  if (!times.every((t) => typeof t === 'number' && Number.isFinite(t))) throw new TransformError(`fx.odeint: every time in ts must be a finite number, got [${times.join(', ')}]`);
  const increasing = times.every((t, i) => i === 0 || t > times[i - 1]!);
  const decreasing = times.every((t, i) => i === 0 || t < times[i - 1]!);
  if (!increasing && !decreasing) throw new TransformError(`fx.odeint: ts must be strictly increasing (or strictly decreasing), got [${times.join(', ')}]`);
  return times;
}

function readVector(ts: Tensor): ArrayLike<number> {
  try {
    return ts.dataSync();
  } catch {
    readNumber('odeint', ts); // throws the explanatory error (jit / webgpu)
    throw new TransformError('fx.odeint: could not read ts');
  }
}

interface Problem {
  readonly f: (y: unknown, t: AnyTensor, params: unknown) => unknown;
  readonly yDef: TreeDef;
  readonly times: readonly number[];
  readonly options: IntegratorOptions;
  readonly stats?: IntegratorStats;
}

/** The flat right-hand side for fixed params. */
function dynamics(p: Problem, params: unknown) {
  return (y: AnyTensor[], t: AnyTensor): AnyTensor[] => flatten(p.f(unflatten(p.yDef, y), t, params))[0] as AnyTensor[];
}

/** Solves and stacks: the leaves of the result, each `[T, ...leafShape]`. */
function solveStacked(p: Problem, y0: AnyTensor[], params: unknown): AnyTensor[] {
  const states = [y0, ...integrate(dynamics(p, params), y0, p.times, p.options, p.stats)];
  return y0.map((_, j) => stack(states.map((s) => s[j]!)) as AnyTensor);
}

/**
 * The adjoint pass: cotangents of y0 and params from the cotangent of the
 * stacked outputs, integrating [y, a, g] backwards between output times.
 */
function adjointPass(p: Problem, ys: AnyTensor[], params: unknown, ct: AnyTensor[]): [AnyTensor[], AnyTensor[]] {
  const [pLeaves, pDef] = flatten(params);
  const ny = ys.length;
  const np = pLeaves.length;
  const last = p.times.length - 1;
  // Augmented dynamics: [f, −aᵀ∂f/∂y, −aᵀ∂f/∂θ], one VJP of f per evaluation.
  const augmented = (state: AnyTensor[], t: AnyTensor): AnyTensor[] => {
    const y = unflatten(p.yDef, state.slice(0, ny));
    const a = unflatten(p.yDef, state.slice(ny, 2 * ny));
    const [fy, pullback] = vjp((yy: unknown, th: unknown) => p.f(yy, t, th), y, unflatten(pDef, pLeaves));
    try {
      const [ay, ath] = pullback(a as never) as unknown as [unknown, unknown];
      return [
        ...(flatten(fy)[0] as AnyTensor[]),
        ...(flatten(ay)[0] as AnyTensor[]).map((v) => mul(v, -1)),
        ...(flatten(ath)[0] as AnyTensor[]).map((v) => mul(v, -1)),
      ];
    } finally {
      pullback.dispose();
    }
  };
  let a = ct.map((c) => row(c, last));
  let g = pLeaves.map((l) => zerosLike(avalOf(l)) as AnyTensor);
  for (let i = last; i > 0; i--) {
    const start = [...ys.map((y) => row(y, i)), ...a, ...g];
    const [end] = integrate(augmented, start, [p.times[i]!, p.times[i - 1]!], { ...p.options, solver: 'odeint (adjoint pass)' }, p.stats);
    // y restarts from the stored forward solution at each output time (not the backward-integrated one).
    a = end!.slice(ny, 2 * ny).map((ai, j) => add(ai, row(ct[j]!, i - 1)));
    g = end!.slice(2 * ny, 2 * ny + np);
  }
  return [a, g];
}

/**
 * Solves dy/dt = f(y, t, params) from y(ts[0]) = y0 with adaptive
 * Dormand–Prince 5(4) and returns y at every time in `ts` (a float32 vector
 * or an array of numbers, strictly monotone), stacked on a new first axis:
 * each tensor of `y0` of shape S gives one of shape [ts.length, ...S]. `t`
 * reaches `f` as a scalar float32 tensor. Derivatives with respect to `y0`
 * and `params`: `adjoint: false` (default) differentiates the solver's
 * operations (forward and reverse mode); `adjoint: true` uses the continuous
 * adjoint method in reverse mode, without storing the forward steps. The
 * times are not differentiated. Runs in eager code (also inside grad/vjp/
 * jvp), not inside `jit`; needs synchronous reads (cpu, wasm; not webgpu in
 * Node).
 * @example
 * ```ts
 * // dy/dt = −k·y
 * const ys = fx.odeint((y, t, k) => fx.mul(fx.neg(k), y), fx.scalar(1), [0, 1, 2], fx.scalar(0.5)); // Tensor<[3], 'float32'>
 * ```
 * @public
 */
export function odeint<Y, P, const T extends Tensor<[number], 'float32'> | readonly number[]>(
  f: (y: Y, t: Tensor<[], 'float32'>, params: P) => Y,
  y0: Y,
  ts: T,
  params: P,
  options: OdeintOptions = {},
): Stacked<Y, TimeCount<T>> {
  const rtol = options.rtol ?? 1e-6;
  const atol = options.atol ?? 1e-8;
  const maxSteps = options.maxSteps ?? 10000;
  if (!(rtol > 0) || !(atol >= 0)) throw new TransformError(`fx.odeint: rtol must be positive and atol non-negative, got rtol ${rtol}, atol ${atol}`);
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new TransformError(`fx.odeint: maxSteps must be a positive integer, got ${maxSteps}`);
  const yLeaves = floatLeaves('odeint', 'y0', y0);
  floatLeaves('odeint', 'params', params);
  if (yLeaves.length === 0) throw new TransformError('fx.odeint: y0 must contain at least one tensor');
  const [, yDef] = flatten(y0);
  const problem: Problem = {
    f: f as unknown as Problem['f'],
    yDef,
    times: readTimes(ts as Tensor | readonly number[]),
    options: { rtol, atol, maxSteps, solver: 'odeint' },
  };
  const rebuild = (leaves: AnyTensor[]) => unflatten<Stacked<Y, TimeCount<T>>>(yDef, leaves);

  if (!options.adjoint) return scope(() => rebuild(solveStacked(problem, yLeaves as AnyTensor[], params)));

  const solve = (start: unknown, theta: unknown): AnyTensor[] => {
    const ys = solveStacked(problem, flatten(start)[0] as AnyTensor[], theta);
    checkNoClosure('odeint', 'with adjoint: true, f(y, t, params)', ys);
    return ys;
  };
  const withAdjoint = customVjp(
    solve,
    (start: unknown, theta: unknown) => {
      const constants = stopTree(theta);
      const ys = solve(stopTree(start), constants);
      return [ys, { ys, theta: constants }];
    },
    (res: { ys: AnyTensor[]; theta: unknown }, ct: AnyTensor[]) => {
      const [gy0, gth] = adjointPass(problem, res.ys, res.theta, ct);
      return [unflatten(yDef, gy0), unflatten(flatten(res.theta)[1], gth)] as never;
    },
  );
  try {
    return scope(() => rebuild(withAdjoint(y0, params)));
  } catch (e) {
    if (e instanceof TransformError && /customVjp function needs a forward rule/.test(e.message)) {
      throw new TransformError(
        'fx.odeint with adjoint: true supports reverse mode only (grad, vjp, jacrev): the continuous adjoint method is a reverse-mode rule. ' +
          'Use adjoint: false for forward mode (jvp, jacfwd, hessian).',
      );
    }
    throw e;
  }
}
