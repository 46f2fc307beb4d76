/**
 * Custom derivative rules: `customJvp(f, rule)` and `customVjp(f, fwd, bwd)`.
 *
 * Each wraps `f` in a call primitive that carries the user's rule. Evaluated
 * plainly, it just runs `f`. Under the JVP trace (and so under `grad`, which
 * linearizes with JVP) the rule replaces differentiation of `f`'s body.
 * Staged (`jit`, `makeIR`), the call stays one equation, so the rule still
 * applies when the staged program is differentiated later.
 *
 * `customVjp` is reverse-only, as in JAX: its JVP emits a linear `customVjpLinear`
 * primitive whose transpose is the user's `bwd`; pushing a concrete tangent
 * through it (forward mode) fails with a message saying a `customJvp` rule is
 * needed.
 */
import { callAbstractEval, callImpl, flatCall, type CallParams, type Fn } from '../core/call.js';
import { TransformError } from '../core/errors.js';
import { LinearInput, type MaybeZero, type Params, type Primitive } from '../core/primitive.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { avalOf, type AbstractValue, type Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { zerosLike } from '../core/creation.js';
import { kernelOnly } from '../core/lowering.js';
import { inlinedForm } from '../onnx/inline.js';

function callPrimitive(name: string, jvp: Primitive<CallParams>['jvp']): Primitive<CallParams> {
  const shapes = new WeakMap<CallParams, Map<string, AbstractValue[]>>();
  return {
    name,
    lowering: kernelOnly('a call of a user function with custom rules'),
    abstractEval(inputs, params) {
      let cache = shapes.get(params);
      if (!cache) shapes.set(params, (cache = new Map()));
      return callAbstractEval(params, inputs, cache);
    },
    impl: (inputs, params) => callImpl(params, inputs),
    evalDirect: (inputs, params) => flatCall(params, inputs),
    jvp,
    // ONNX: the function's body inlined (its custom rule has been applied by then).
    onnx: inlinedForm<CallParams>((xs, params) => flatCall(params, xs)),
    showParams: (params) => `fn=${params.fn.name || 'anonymous'}`,
  };
}

// ---------------------------------------------------------------- customJvp

interface CustomJvpParams extends CallParams {
  readonly rule: (primals: unknown[], tangents: unknown[]) => [unknown, unknown];
}

const customJvpPrimitive: Primitive<CallParams> = callPrimitive('customJvp', (primals, tangents, params) => {
  const { rule, inDef } = params as CustomJvpParams;
  const filled = tangents.map((t, i) => t ?? zerosLike(avalOf(primals[i]!)));
  const result = rule(unflatten<unknown[]>(inDef, primals), unflatten<unknown[]>(inDef, filled));
  if (!Array.isArray(result) || result.length !== 2) {
    throw new TransformError('customJvp: the rule must return [output, tangentOutput]');
  }
  const [out, tangentOut] = result;
  const [outLeaves, def] = flatten(out);
  const [tanLeaves] = flatten(tangentOut);
  params.outDef.def ??= def;
  if (tanLeaves.length !== outLeaves.length) {
    throw new TransformError(`customJvp: the rule returned ${tanLeaves.length} tangent tensor(s) for ${outLeaves.length} output tensor(s)`);
  }
  return [outLeaves, tanLeaves];
});

/** A function with a custom rule: the original is kept for `checkCustomRule`. @public */
export interface CustomFunction {
  /** The undecorated function (differentiated through its own ops). */
  readonly implementation: (...args: never[]) => unknown;
  /** Which kind of rule the function carries. */
  readonly ruleKind: 'jvp' | 'vjp';
}

function callWith(prim: Primitive<CallParams>, extra: Record<string, unknown>, f: Fn): Fn {
  return (...args: unknown[]) => {
    const [leaves, inDef] = flatten(args);
    const params = { fn: f, inDef, outDef: {}, ...extra } as CallParams;
    const outs = bind(prim, leaves, params);
    return unflatten(params.outDef.def!, outs);
  };
}

/**
 * Gives `f` a custom forward-mode rule (which reverse mode transposes):
 * `rule(primals, tangents)` returns `[output, tangentOutput]`.
 * @example
 * ```ts
 * const safeLog1pExp = fx.customJvp(
 *   (x: fx.Tensor<[], 'float32'>) => fx.log(fx.add(fx.exp(x), 1)),
 *   ([x], [t]) => [fx.log(fx.add(fx.exp(x), 1)), fx.mul(t, fx.sigmoid(x))],
 * );
 * ```
 * @public
 */
export function customJvp<F extends (...args: never[]) => unknown>(
  f: F,
  rule: (primals: Parameters<F>, tangents: Parameters<F>) => [ReturnType<F>, ReturnType<F>],
): F & CustomFunction {
  const g = callWith(customJvpPrimitive, { rule }, f as unknown as Fn) as unknown as F & CustomFunction;
  return Object.assign(g, { implementation: f, ruleKind: 'jvp' as const });
}

// ---------------------------------------------------------------- customVjp

interface CustomVjpParams extends CallParams {
  readonly fwd: (...args: unknown[]) => [unknown, unknown];
  readonly bwd: (residuals: unknown, cotangent: unknown) => unknown[];
}

interface LinearParams extends Params {
  readonly bwd: (residuals: unknown, cotangent: unknown) => unknown[];
  readonly residualCount: number;
  readonly residualDef: TreeDef;
  readonly inDef: TreeDef;
  readonly outDef: TreeDef;
  readonly outAvals: readonly AbstractValue[];
}

/**
 * The linear map `tangents ↦ J·tangents` of a customVjp function, known only
 * through its transpose (`bwd`). Inputs: residuals (constants), then tangents.
 */
export const customVjpLinearPrimitive: Primitive<LinearParams> = {
  name: 'customVjpLinear',
  lowering: kernelOnly('a linear map known through its user-given transpose'),
  abstractEval: (_inputs, params) => params.outAvals.slice(),
  impl() {
    throw new TransformError(
      'forward-mode differentiation (jvp, jacfwd, hessian) of a customVjp function needs a forward rule: ' +
        'it has only a reverse (vjp) rule. Define it with fx.customJvp instead, or use reverse mode (grad, vjp, jacrev).',
    );
  },
  evalDirect() {
    return customVjpLinearPrimitive.impl([], undefined as never) as never;
  },
  transpose(cts, inputs, params) {
    const residuals = unflatten(params.residualDef, inputs.slice(0, params.residualCount) as Tensor[]);
    const ct = unflatten(params.outDef, cts.map((c, i) => c ?? zerosLike(params.outAvals[i]!)));
    const grads = params.bwd(residuals, ct);
    if (!Array.isArray(grads)) throw new TransformError('customVjp: bwd must return an array with one cotangent per argument');
    const [leaves] = flatten(grads);
    const tangentInputs = inputs.slice(params.residualCount);
    if (leaves.length !== tangentInputs.length) {
      throw new TransformError(`customVjp: bwd returned ${leaves.length} cotangent tensor(s) for ${tangentInputs.length} input tensor(s)`);
    }
    return [...inputs.slice(0, params.residualCount).map(() => null), ...leaves.map((l, i) => (tangentInputs[i] instanceof LinearInput ? (l as MaybeZero) : null))];
  },
  showParams: (params) => `bwd=${params.bwd.name || 'anonymous'}`,
};

const customVjpPrimitive: Primitive<CallParams> = callPrimitive('customVjp', (primals, tangents, params) => {
  const { fwd, bwd, inDef } = params as CustomVjpParams;
  const result = fwd(...unflatten<unknown[]>(inDef, primals));
  if (!Array.isArray(result) || result.length !== 2) throw new TransformError('customVjp: fwd must return [output, residuals]');
  const [out, residuals] = result;
  const [outLeaves, outDef] = flatten(out);
  const [resLeaves, residualDef] = flatten(residuals);
  params.outDef.def ??= outDef;
  const filled = tangents.map((t, i) => t ?? zerosLike(avalOf(primals[i]!)));
  const linear: LinearParams = { bwd, residualCount: resLeaves.length, residualDef, inDef, outDef, outAvals: outLeaves.map(avalOf) };
  const tangentOut = bind(customVjpLinearPrimitive as Primitive, [...resLeaves, ...filled], linear);
  return [outLeaves, tangentOut];
});

/** One cotangent per argument, each typed like its argument. @public */
export type Cotangents<P extends readonly unknown[]> = { -readonly [K in keyof P]: P[K] };

/**
 * Gives `f` a custom reverse-mode rule. `fwd(...args)` returns `[output,
 * residuals]`; `bwd(residuals, cotangent)` returns one cotangent per argument
 * (JAX conventions). Forward mode through it fails with a clear message.
 * @example
 * ```ts
 * const clipGrad = fx.customVjp(
 *   (x: fx.Tensor<[3], 'float32'>) => x,
 *   (x) => [x, null],
 *   (_res, g) => [fx.clip(g, -1, 1)],
 * );
 * ```
 * @public
 */
export function customVjp<F extends (...args: never[]) => unknown, R>(
  f: F,
  fwd: (...args: Parameters<F>) => [ReturnType<F>, R],
  bwd: (residuals: R, cotangent: ReturnType<F>) => Cotangents<Parameters<F>>,
): F & CustomFunction {
  const g = callWith(customVjpPrimitive, { fwd, bwd }, f as unknown as Fn) as unknown as F & CustomFunction;
  return Object.assign(g, { implementation: f, ruleKind: 'vjp' as const });
}

