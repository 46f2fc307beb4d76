/**
 * Implicit differentiation: the derivative of a solution x*(θ), found from
 * the equation it satisfies rather than from the iterations that found it.
 *
 * - fixed point x* = g(x*, θ):  dx* = (I − ∂g/∂x)⁻¹ ∂g/∂θ · dθ
 * - root f(x*, θ) = 0:          dx* = −(∂f/∂x)⁻¹ ∂f/∂θ · dθ
 *
 * Two ways to apply (I − ∂g/∂x)⁻¹:
 * - **dense** (`denseImplicitTangent`): builds ∂g/∂x with `jacfwd` and calls
 *   `solve`. The tangent is written with ordinary ops and is linear in dθ
 *   (`solve` transposes to `solve(Aᵀ, ·)`), so forward mode, reverse mode
 *   and higher orders all follow. Costs n JVPs of g for n unknowns.
 * - **iterative** (`fixedPointTangentPrimitive`): matrix-free. A linear
 *   primitive whose evaluation (forward mode) iterates v ← J·dθ + (∂g/∂x)·v
 *   with JVPs of g, and whose transpose (reverse mode) iterates the adjoint
 *   w ← ct + (∂g/∂x)ᵀ·w with VJPs of g, then returns (∂g/∂θ)ᵀ·w. Both loops
 *   run on concrete values, outside any recording: the primitive is one
 *   equation in the linearized program. First order only.
 */
import { TransformError } from '../core/errors.js';
import { eye, zerosLike } from '../core/creation.js';
import type { MaybeZero, Params, Primitive } from '../core/primitive.js';
import { LinearInput } from '../core/primitive.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { avalOf, type AbstractValue, type AnyTensor, type Tensor } from '../core/tensor.js';
import { bind, Tracer } from '../core/trace.js';
import { neg } from '../primitives/neg.js';
import { solve } from '../primitives/solve.js';
import { jvp, linearize } from '../transforms/forward.js';
import { vjp } from '../transforms/reverse.js';
import { jacfwd } from '../transforms/jacobian.js';
import { add, checkSameAvals, fromVector, maxChange, RollingScope, SolverError, sub, toVector, totalSize } from './common.js';
import { kernelOnly } from '../core/lowering.js';

/** `g(x, params)` or `f(x, params)` on pytrees. */
export type PytreeMap = (x: unknown, params: unknown) => unknown;

/** Which equation defines the solution. */
export type ImplicitKind = 'fixedPoint' | 'root';

/**
 * The tangent of the solution at `xStar` along the parameter tangent
 * `tParams`, by a dense linear solve (see the module comment).
 */
export function denseImplicitTangent(solver: string, kind: ImplicitKind, map: PytreeMap, xStar: unknown, params: unknown, tParams: unknown): unknown {
  const [xLeaves, xDef] = flatten(xStar);
  const avals = xLeaves.map(avalOf);
  const n = totalSize(avals);
  // map on one flat vector: R^n × params → R^n.
  const flatMap = (v: AnyTensor, p: unknown): AnyTensor => {
    const [out] = flatten(map(unflatten(xDef, fromVector(v, avals)), p));
    checkSameAvals(solver, kind === 'fixedPoint' ? 'g(x, params)' : 'f(x, params)', avals, out);
    return toVector(out as AnyTensor[]);
  };
  const xv = toVector(xLeaves as AnyTensor[]);
  const jx = (jacfwd(flatMap as never) as unknown as (v: AnyTensor, p: unknown) => AnyTensor)(xv, params);
  const [, jpDtheta] = jvp((p: unknown) => flatMap(xv, p), [params], [tParams]);
  const a = kind === 'fixedPoint' ? sub(eye(n) as AnyTensor, jx) : jx;
  const dx = solve(a as never, jpDtheta as never) as unknown as AnyTensor;
  return unflatten(xDef, fromVector(kind === 'fixedPoint' ? dx : (neg(dx) as AnyTensor), avals));
}

interface TangentParams extends Params {
  readonly g: PytreeMap;
  readonly xDef: TreeDef;
  readonly pDef: TreeDef;
  readonly xAvals: readonly AbstractValue[];
  readonly pCount: number;
  readonly tol: number;
  readonly maxIter: number;
}

function splitInputs(inputs: readonly (Tensor | LinearInput)[], p: TangentParams) {
  const nx = p.xAvals.length;
  return {
    xStar: unflatten(p.xDef, inputs.slice(0, nx)),
    params: unflatten(p.pDef, inputs.slice(nx, nx + p.pCount)),
    tangentInputs: inputs.slice(nx + p.pCount),
  };
}

/**
 * Solves v = b + A(v) by iteration, A linear (a contraction when the fixed
 * point iteration converges), on concrete values.
 */
function linearIteration(what: string, b: AnyTensor[], apply: (v: AnyTensor[]) => AnyTensor[], p: TangentParams): AnyTensor[] {
  const rolling = new RollingScope();
  try {
    let v = b;
    for (let k = 0; k < p.maxIter; k++) {
      const [next, change, size] = rolling.step(() => {
        const nv = apply(v).map((av, i) => add(b[i]!, av));
        const { change, size } = maxChange('fixedPoint', v, nv);
        return [nv, change, size] as const;
      });
      v = next;
      if (!Number.isFinite(change)) throw new SolverError('fixedPoint', `the ${what} became non-finite`);
      if (change <= p.tol * Math.max(1, size)) return rolling.finish(v);
    }
    throw new SolverError(
      'fixedPoint',
      `the ${what} did not converge in ${p.maxIter} iterations (with linearSolver 'iterative' it converges when the fixed-point iteration is a contraction); ` +
        "raise maxIter or use linearSolver: 'dense'",
    );
  } catch (e) {
    rolling.abort();
    throw e;
  }
}

/**
 * The tangent map dθ ↦ dx* of a fixed point, matrix-free. Inputs: x* leaves,
 * params leaves (constants), then the params' tangents (the linear inputs).
 */
export const fixedPointTangentPrimitive: Primitive<TangentParams> = {
  name: 'fixedPointTangent',
  lowering: kernelOnly('an iterative solve decided on concrete values'),
  abstractEval: (_inputs, p) => p.xAvals.slice(),
  impl() {
    throw new TransformError('fx.fixedPoint cannot run inside jit: it decides convergence on concrete values. Call it outside jit.');
  },
  evalDirect(inputs, p) {
    const { xStar, params, tangentInputs } = splitInputs(inputs, p);
    const tParams = unflatten(p.pDef, tangentInputs);
    const [, b] = jvp((q: unknown) => p.g(xStar, q), [params], [tParams]);
    const [, jx] = linearize((x: unknown) => p.g(x, params), xStar);
    try {
      const [bLeaves] = flatten(b);
      const v = linearIteration('forward-mode tangent solve v = ∂g/∂θ·dθ + ∂g/∂x·v', bLeaves as AnyTensor[], (vs) => flatten(jx(unflatten(p.xDef, vs)))[0] as AnyTensor[], p);
      return v;
    } finally {
      jx.dispose();
    }
  },
  jvp() {
    throw new TransformError(
      "second-order derivatives of fx.fixedPoint with linearSolver: 'iterative' are not supported (the matrix-free tangent solve is first order). " +
        "Use linearSolver: 'dense' (differentiable to any order) for higher derivatives.",
    );
  },
  transpose(cts, inputs, p) {
    // Constants that are tracers mean this transposition is itself being differentiated.
    if (inputs.some((x) => x instanceof Tracer)) fixedPointTangentPrimitive.jvp!([], [], p);
    const { xStar, params, tangentInputs } = splitInputs(inputs, p);
    const ct = cts.map((c, i) => (c ?? zerosLike(p.xAvals[i]!)) as AnyTensor);
    const [, pullX] = vjp((x: unknown) => p.g(x, params), xStar as Tensor);
    const [, pullP] = vjp((q: unknown) => p.g(xStar, q), params as Tensor);
    try {
      // Adjoint: w = ct + (∂g/∂x)ᵀ w.
      const w = linearIteration('adjoint solve w = ct + (∂g/∂x)ᵀ·w', ct, (ws) => flatten(pullX(unflatten(p.xDef, ws) as never)[0])[0] as AnyTensor[], p);
      const [gradLeaves] = flatten(pullP(unflatten(p.xDef, w) as never)[0]);
      const nx = p.xAvals.length;
      return [...inputs.slice(0, nx + p.pCount).map(() => null), ...tangentInputs.map((t, i) => (t instanceof LinearInput ? (gradLeaves[i] as MaybeZero) : null))];
    } finally {
      pullX.dispose();
      pullP.dispose();
    }
  },
  showParams: (p) => `g=${p.g.name || 'anonymous'}`,
};

/** The matrix-free tangent dx* of a fixed point along `tParams`. */
export function iterativeImplicitTangent(g: PytreeMap, xStar: unknown, params: unknown, tParams: unknown, tol: number, maxIter: number): unknown {
  const [xLeaves, xDef] = flatten(xStar);
  const [pLeaves, pDef] = flatten(params);
  const [tLeaves] = flatten(tParams);
  const p: TangentParams = { g, xDef, pDef, xAvals: xLeaves.map(avalOf), pCount: pLeaves.length, tol, maxIter };
  const outs = bind(fixedPointTangentPrimitive as Primitive, [...xLeaves, ...pLeaves, ...tLeaves], p);
  return unflatten(xDef, outs);
}
