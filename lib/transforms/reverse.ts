/**
 * Reverse mode: `vjp`, `grad`, `valueAndGrad`, each built as linearize then
 * transpose. Arguments and results are pytrees.
 */
import { TransformError, showShape, withArticle } from '../core/errors.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { openScope } from '../core/scope.js';
import { scoped } from '../core/memory.js';
import { Tensor } from '../core/tensor.js';
import { full } from '../core/creation.js';
import { instantiate, linearizeFlat, linearizedKeep, transposeIR, type Linearized } from './linearize.js';
import type { Argnums, CheckDifferentiable, GradOptions, GradsOf, Scalar, ValueAndGradOptions } from './types.js';
import { withEffectPrograms, type CheckEffectful, type CheckNoIO, type CheckResultNoIO, type EffectProgramLike, type EffectProgramOf, type EffectRowOf, type EffectValueOf } from '../core/effectHook.js';
import { unaliased } from '../core/alias.js';

/**
 * A JS number where a transformation expects a tensor argument is a float32
 * scalar (JAX's `grad(f)(3.0)`); pass to `flatten` as `{ number: weakScalar }`.
 */
export const NUMBERS_AS_SCALARS = { number: (x: number): Tensor => full([], x) } as const;

// Runs a function in a scope, keeping only what it returns (core/memory.ts's, re-exported for the transformations).
export { scoped };

/** The cotangent function returned by `vjp`. @public */
export interface Pullback<Out, Args extends readonly unknown[]> {
  (cotangent: Out): { -readonly [K in keyof Args]: Args[K] };
  /** Releases the residuals the pullback holds (otherwise the enclosing `fx.scope` does). */
  dispose(): void;
}

/**
 * `vjp` of a function that returns an effect program (`Eff` from
 * `fluxion/effects`, with no `'IO'` in its row): gives a program of
 * `[out, pullback]`; its handlers run the function's effects inside the
 * linearization, so random draws and state updates are differentiated.
 * @public
 */
export function vjp<Args extends readonly unknown[], E, Out>(
  f: ((...args: Args) => EffectProgramLike<E, Out>) & CheckNoIO<E>,
  ...primals: Args
): EffectProgramOf<E, [Out, Pullback<Out, Args>]>;
/**
 * Evaluates `f` at `primals` and returns its output with the pullback, which
 * maps a cotangent of the output to one cotangent per primal (each shaped like it).
 * @example
 * ```ts
 * const [y, pullback] = fx.vjp((x) => fx.mul(x, x), fx.tensor([3]));
 * pullback(fx.tensor([1])); // [[6]]
 * ```
 * @public
 */
export function vjp<Args extends readonly unknown[], Out>(f: ((...args: Args) => Out) & CheckResultNoIO<Out>, ...primals: Args): [Out, Pullback<Out, Args>];
export function vjp<Args extends readonly unknown[], Out>(f: (...args: Args) => Out, ...primals: Args): unknown {
  // An `f` that returns an effect program (`Eff`) gives an effect program of the result (see core/effectHook.ts).
  return withEffectPrograms(f, (g) => vjpImpl(g, primals));
}

/**
 * `vjp` of a function that returns `[out, aux]`: the result is
 * `[out, pullback, aux]` (as JAX's `vjp(f, *primals, has_aux=True)`); the
 * pullback takes a cotangent of `out` only, and `aux` (a pytree of tensors)
 * is passed through undifferentiated. A separate function rather than an
 * option, so that no primal can be mistaken for options.
 * @example
 * ```ts
 * const [y, pullback, aux] = fx.vjpWithAux((x) => [fx.mul(x, x), { x2: fx.mul(x, 2) }], fx.tensor([3]));
 * pullback(fx.tensor([1])); // [[6]]; aux.x2 is [6]
 * ```
 * @public
 */
export function vjpWithAux<Args extends readonly unknown[], Out, Aux>(
  f: ((...args: Args) => readonly [Out, Aux]) & CheckResultNoIO<readonly [Out, Aux]>,
  ...primals: Args
): [Out, Pullback<Out, Args>, Aux];
export function vjpWithAux<Args extends readonly unknown[], Out, Aux>(f: (...args: Args) => readonly [Out, Aux], ...primals: Args): unknown {
  return withEffectPrograms(f, (g) => vjpImpl(g as never, primals, true));
}

function vjpImpl<Args extends readonly unknown[], Out>(f: (...args: Args) => Out, primals: Args, hasAux = false): [Out, Pullback<Out, Args>] | [Out, Pullback<Out, Args>, unknown] {
  let outDef: TreeDef | undefined;
  let inDef: TreeDef | undefined;
  let auxDef: TreeDef | undefined;
  let auxCount = 0;
  const { leaves, outputs: all, linear } = linearizeArguments(primals, (xs) => {
    let result: unknown = f(...unflatten<Args>(inDef!, xs));
    let auxLeaves: Tensor[] = [];
    if (hasAux) {
      if (!Array.isArray(result) || result.length !== 2) throw new TransformError('vjpWithAux: the function must return [out, aux]');
      [auxLeaves, auxDef] = flatten(result[1]);
      auxCount = auxLeaves.length;
      result = result[0];
    }
    const [outLeaves, def] = flatten(result);
    outDef = def;
    return [...outLeaves, ...auxLeaves];
  }, (def) => (inDef = def));
  const outputs = all.slice(0, all.length - auxCount);
  const out = unaliased(unflatten<Out>(outDef!, outputs), primals);
  const pullback = ((cotangent: Out) =>
    scoped(() => {
      const [ctLeaves] = flatten(cotangent, NUMBERS_AS_SCALARS);
      if (ctLeaves.length !== outputs.length) {
        throw new TransformError(`vjp: the cotangent has ${ctLeaves.length} tensors but the output has ${outputs.length}`);
      }
      ctLeaves.forEach((c, i) => {
        const o = outputs[i]!;
        if (showShape(c.shape) !== showShape(o.shape)) {
          throw new TransformError(`vjp: cotangent ${i} has shape ${showShape(c.shape)}, the output has shape ${showShape(o.shape)}`);
        }
      });
      const cts = transposeIR(linear, [...ctLeaves, ...Array<null>(auxCount).fill(null)]);
      return unaliased(unflatten(inDef!, cts.map((c, i) => instantiate(c, leaves[i]!))), ctLeaves, primals);
    })) as Pullback<Out, Args>;
  pullback.dispose = () => linear._release();
  if (hasAux) return [out, pullback, unflatten(auxDef!, all.slice(outputs.length))];
  return [out, pullback];
}

/**
 * `linearizeFlat` of a pytree of arguments whose JS numbers become float32
 * scalars; those scalars are released when this returns unless the outputs
 * or the linear IR (its residuals) hold them.
 */
export function linearizeArguments(
  args: unknown,
  f: (xs: Tensor[]) => Tensor[],
  onDef: (def: TreeDef) => void,
): { leaves: Tensor[]; outputs: Tensor[]; linear: Linearized['linear'] } {
  const close = openScope();
  let result: Linearized | undefined;
  try {
    const [leaves, def] = flatten(args, NUMBERS_AS_SCALARS);
    onDef(def);
    result = linearizeFlat(f, leaves);
    return { leaves, ...result };
  } finally {
    close(linearizedKeep(result));
  }
}

function checkScalarOutput(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor) || out.rank !== 0 || out.dtype !== 'float32') {
    const got = out instanceof Tensor ? `${withArticle(out.dtype)} tensor of shape ${showShape(out.shape)}` : typeof out;
    throw new TransformError(`${op} needs a function that returns a scalar float32 tensor, got ${got}`);
  }
  return out;
}

function checkDiffLeaves(op: string, leaves: readonly Tensor[]): void {
  const bad = leaves.find((t) => t.dtype !== 'float32');
  if (bad) throw new TransformError(`${op}: cannot differentiate with respect to ${withArticle(bad.dtype)} tensor (shape ${showShape(bad.shape)}): only float32 values carry derivatives`);
}

/** The core of `grad` and `valueAndGrad`. */
function valueAndGradImpl(op: 'grad' | 'valueAndGrad', f: (...args: never[]) => unknown, argnums: Argnums, hasAux: boolean, args: unknown[]): [unknown, unknown] {
  return scoped(() => {
    const nums = typeof argnums === 'number' ? [argnums] : [...argnums];
    for (const n of nums) {
      if (!Number.isInteger(n) || n < 0 || n >= args.length) throw new TransformError(`${op}: argnums ${n} is out of range for ${args.length} argument(s)`);
    }
    const [leaves, def] = flatten(
      nums.map((n) => args[n]),
      NUMBERS_AS_SCALARS,
    );
    checkDiffLeaves(op, leaves);
    let auxDef: TreeDef | undefined;
    const { outputs, linear } = linearizeFlat((xs) => {
      const picked = unflatten<unknown[]>(def, xs);
      const call = args.slice();
      nums.forEach((n, j) => (call[n] = picked[j]));
      let out = (f as (...a: unknown[]) => unknown)(...call);
      let auxLeaves: Tensor[] = [];
      if (hasAux) {
        if (!Array.isArray(out) || out.length !== 2) throw new TransformError(`${op} with hasAux: the function must return [value, aux]`);
        [auxLeaves, auxDef] = flatten(out[1]);
        out = out[0];
      }
      return [checkScalarOutput(op, out), ...auxLeaves];
    }, leaves);
    const cts = transposeIR(linear, [full([], 1), ...outputs.slice(1).map(() => null)]);
    linear._release();
    const grads = unflatten<unknown[]>(def, cts.map((c, i) => instantiate(c, leaves[i]!)));
    const picked = typeof argnums === 'number' ? grads[0] : grads;
    // grad drops the value: leave it out of the scope's result so it is freed (aux stays, with hasAux).
    // Results never alias arguments (`valueAndGrad((x) => x)` returns its argument as the value).
    if (op === 'grad') return [hasAux ? unflatten(auxDef!, outputs.slice(1)) : undefined, unaliased(picked, args)];
    const value = hasAux ? [outputs[0], unflatten(auxDef!, outputs.slice(1))] : outputs[0];
    return unaliased([value, picked], args);
  });
}

/** True when a result type is an effect program (`any` is not). */
type IsProgram<R> = 0 extends 1 & R ? false : [R] extends [EffectProgramLike] ? true : false;

/**
 * The checks of `grad`/`valueAndGrad` on `f`: for an effect program, no
 * `'IO'` in its row, then the checks of {@link CheckDifferentiable} on its value.
 */
type CheckGrad<F, A extends Argnums, Out> = F extends (...args: infer P) => infer R
  ? IsProgram<R> extends true
    ? CheckEffectful<F> extends infer E
      ? unknown extends E
        ? CheckDifferentiable<(...args: P) => EffectValueOf<R>, A, Out>
        : E
      : never
    : CheckDifferentiable<F, A, Out>
  : unknown;

/** `V`, or a program of `V` with the row of `R` when `f` returns an effect program `R`. */
type MaybeProgram<R, V> = IsProgram<R> extends true ? EffectProgramOf<EffectRowOf<R>, V> : V;

/**
 * The gradient of a scalar function with respect to argument `argnums`
 * (default 0), shaped like that argument (a pytree gives a pytree).
 * Differentiating with respect to an int32/bool leaf does not compile.
 *
 * A function that returns an effect program `Eff<E, Scalar>`
 * (`fluxion/effects`, `E` without `'IO'`) gives `Eff<E, grads>`, which the
 * handlers (`runRandom`, `runState`) run. I/O in the row does not compile
 * ("I/O cannot be differentiated"). (One signature, so that a call that does
 * not compile fails with fluxion's sentence on the first line.)
 *
 * With `{ hasAux: true }`, `f` returns `[value, aux]` and the result is
 * `[grads, aux]` (JAX's order).
 * @example
 * ```ts
 * const df = fx.grad((x: fx.Tensor<[], 'float32'>) => fx.mul(x, x));
 * df(fx.scalar(3)); // 6
 * const g = runRandom(fx.grad((m: Scalar) => random.normal([], m))(fx.scalar(0)), fx.random.key(0)); // 1
 * const [g, aux] = fx.grad((x: fx.Tensor<[], 'float32'>) => [fx.mul(x, x), x] as const, { hasAux: true })(fx.scalar(3)); // 6, 3
 * ```
 * @public
 */
export function grad<F extends (...args: never[]) => unknown, const A extends Argnums = 0, const H extends boolean = false>(
  f: F & (H extends true ? CheckDifferentiable<F, A, [Scalar, unknown]> : CheckGrad<F, A, Scalar>),
  options?: GradOptions<A> & { readonly hasAux?: H },
): (...args: Parameters<F>) => H extends true ? [GradsOf<Parameters<F>, A>, AuxOf<ReturnType<F>>] : MaybeProgram<ReturnType<F>, GradsOf<Parameters<F>, A>>;
export function grad<F extends (...args: never[]) => unknown, const A extends Argnums = 0>(
  f: F,
  options?: GradOptions<A> & { readonly hasAux?: boolean },
): (...args: Parameters<F>) => unknown {
  const hasAux = options?.hasAux ?? false;
  return (...args) =>
    withEffectPrograms(f, (g) => {
      const [aux, grads] = valueAndGradImpl('grad', g, options?.argnums ?? 0, hasAux, args);
      return hasAux ? [grads, aux] : grads;
    }) as never;
}

/** The aux part of a `[value, aux]` result. @public */
export type AuxOf<R> = R extends readonly [unknown, infer X] ? X : unknown;

/** What `valueAndGrad` returns: `[value, grads]`, or `[[value, aux], grads]` with `hasAux`. @public */
export type ValueAndGrad<F extends (...args: never[]) => unknown, A extends Argnums, Aux extends boolean> = Aux extends true
  ? [ReturnType<F>, GradsOf<Parameters<F>, A>]
  : [Scalar, GradsOf<Parameters<F>, A>];

/**
 * Value and gradient together (one forward pass). With `hasAux`, `f` returns
 * `[value, aux]` and the result is `[[value, aux], grads]`.
 * @example
 * ```ts
 * const [v, g] = fx.valueAndGrad((x: fx.Tensor<[], 'float32'>) => fx.mul(x, x))(fx.scalar(3)); // 9, 6
 * ```
 * A function returning an effect program (no `'IO'` in its row) gives a
 * program of `[value, grads]`, as for `grad`.
 * @public
 */
export function valueAndGrad<F extends (...args: never[]) => unknown, const A extends Argnums = 0, Aux extends boolean = false>(
  f: F & CheckGrad<F, A, Aux extends true ? [Scalar, unknown] : Scalar>,
  options?: ValueAndGradOptions<A, Aux>,
): (...args: Parameters<F>) => MaybeProgram<ReturnType<F>, ValueAndGrad<(...args: Parameters<F>) => EffectValueOf<ReturnType<F>>, A, Aux>>;
export function valueAndGrad<F extends (...args: never[]) => unknown, const A extends Argnums = 0, Aux extends boolean = false>(
  f: F,
  options?: ValueAndGradOptions<A, Aux>,
): (...args: Parameters<F>) => unknown {
  return (...args) =>
    withEffectPrograms(f, (g) => valueAndGradImpl('valueAndGrad', g, options?.argnums ?? 0, options?.hasAux ?? false, args)) as never;
}
