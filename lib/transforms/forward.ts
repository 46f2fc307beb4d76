/**
 * Forward mode: `jvp` (push tangents through now) and `linearize` (evaluate
 * once, then apply the derivative to any number of tangents).
 */
import { TransformError, showShape } from '../core/errors.js';
import { evalIR } from '../core/ir.js';
import { zerosLike } from '../core/creation.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import type { Tensor } from '../core/tensor.js';
import { withMainTrace } from '../core/trace.js';
import { JvpTrace, JvpTracer } from './jvp.js';
import { instantiate } from './linearize.js';
import { linearizeArguments, NUMBERS_AS_SCALARS, scoped } from './reverse.js';
import { withEffectPrograms, type CheckNoIO, type CheckResultNoIO, type EffectProgramLike, type EffectProgramOf } from '../core/effectHook.js';
import { unaliased } from '../core/alias.js';

function checkTangents(op: string, primals: readonly Tensor[], tangents: readonly Tensor[]): void {
  if (primals.length !== tangents.length) {
    throw new TransformError(`${op}: ${primals.length} primal tensor(s) but ${tangents.length} tangent tensor(s); they must have the same structure`);
  }
  primals.forEach((p, i) => {
    const t = tangents[i]!;
    if (showShape(p.shape) !== showShape(t.shape) || (p.dtype === 'float32' && t.dtype !== 'float32')) {
      throw new TransformError(
        `${op}: tangent ${i} is ${t.dtype}${showShape(t.shape)} but its primal is ${p.dtype}${showShape(p.shape)}; a tangent must match its primal's shape`,
      );
    }
  });
}

/**
 * `jvp` of a function that returns an effect program (no `'IO'` in its row):
 * gives a program of `[out, tangentOut]`, run by the effect handlers.
 * @public
 */
export function jvp<Args extends readonly unknown[], E, Out>(
  f: ((...args: Args) => EffectProgramLike<E, Out>) & CheckNoIO<E>,
  primals: Args,
  tangents: Args,
): EffectProgramOf<E, [Out, Out]>;
/**
 * Jacobian-vector product: `[f(...primals), J·tangents]`, with `primals` and
 * `tangents` given as arrays of arguments (pytrees allowed).
 * @example
 * ```ts
 * const [y, dy] = fx.jvp((x) => fx.sin(x), [fx.scalar(0)], [fx.scalar(1)]); // 0, 1
 * ```
 * @public
 */
export function jvp<Args extends readonly unknown[], Out>(f: ((...args: Args) => Out) & CheckResultNoIO<Out>, primals: Args, tangents: Args): [Out, Out];
export function jvp<Args extends readonly unknown[], Out>(f: (...args: Args) => Out, primals: Args, tangents: Args): unknown {
  // An `f` that returns an effect program (`Eff`) gives an effect program of the result (see core/effectHook.ts).
  return withEffectPrograms(f, (g) => jvpImpl(g, primals, tangents));
}

function jvpImpl<Args extends readonly unknown[], Out>(f: (...args: Args) => Out, primals: Args, tangents: Args): [Out, Out] {
  return scoped(() => {
    const [pLeaves, inDef] = flatten(primals, NUMBERS_AS_SCALARS);
    const [tLeaves] = flatten(tangents, NUMBERS_AS_SCALARS);
    checkTangents('jvp', pLeaves, tLeaves);
    let outDef: TreeDef | undefined;
    const pairs = withMainTrace(new JvpTrace(), (trace) => {
      const inputs = pLeaves.map((p, i) => (p.dtype === 'float32' ? new JvpTracer(trace, p, tLeaves[i]!) : p));
      const [outLeaves, def] = flatten(f(...unflatten<Args>(inDef, inputs)));
      outDef = def;
      return outLeaves.map((o) => trace.unpack(o));
    });
    const outs = pairs.map(([p]) => p);
    const touts = pairs.map(([p, t]) => instantiate(t, p));
    // Results never alias inputs (an identity `f` returns its primal and tangent).
    return unaliased([unflatten<Out>(outDef!, outs), unflatten<Out>(outDef!, touts)] as [Out, Out], pLeaves, tLeaves);
  });
}

/** The linear map returned by `linearize`. @public */
export interface LinearMap<Out, Args extends readonly unknown[]> {
  (...tangents: Args): Out;
  /** Releases the residuals the map holds (otherwise the enclosing `fx.scope` does). */
  dispose(): void;
}

/**
 * Evaluates `f` once and returns `[f(...primals), jvpFn]`, where
 * `jvpFn(...tangents)` applies the derivative at `primals` without
 * re-evaluating `f`.
 * @example
 * ```ts
 * const [y, df] = fx.linearize((x) => fx.exp(x), fx.scalar(0));
 * df(fx.scalar(2)); // 2
 * ```
 * @public
 */
export function linearize<Args extends readonly unknown[], Out>(f: (...args: Args) => Out, ...primals: Args): [Out, LinearMap<Out, Args>] {
  let outDef: TreeDef | undefined;
  let inDef: TreeDef | undefined;
  const { leaves, outputs, linear } = linearizeArguments(primals, (xs) => {
    const [outLeaves, def] = flatten(f(...unflatten<Args>(inDef!, xs)));
    outDef = def;
    return outLeaves;
  }, (def) => (inDef = def));
  const apply = ((...tangents: Args) =>
    scoped(() => {
      const [tLeaves] = flatten(tangents, NUMBERS_AS_SCALARS);
      checkTangents('linearize', leaves, tLeaves);
      return unaliased(unflatten<Out>(outDef!, evalIR(linear, tLeaves, zerosLike)), tLeaves);
    })) as LinearMap<Out, Args>;
  apply.dispose = () => linear._release();
  return [unaliased(unflatten<Out>(outDef!, outputs), primals), apply];
}
