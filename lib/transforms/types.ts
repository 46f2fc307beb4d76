/**
 * Types of the differentiation transformations: which arguments may be
 * differentiated (leaves whose dtype can be float32) and what the gradients
 * look like (the argument's own pytree). Violations are compile-time errors
 * whose text reads like a diagnostic:
 * `cannot differentiate with respect to an int32 tensor`,
 * `grad needs a function that returns a scalar float32 tensor`.
 *
 * A leaf typed with the default dtype (`Tensor<[3]>`, dtype `Dtype`) may be
 * float32, so it is accepted here and checked at run time; only a leaf whose
 * dtype is certainly NoDiff (`int32`, `bool`: indices, masks, `argmax`
 * results, comparisons) is rejected.
 */
import type { Dtype, NoDiffDtype, Shape, TypeError } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';

/** A scalar float32 tensor: what `grad` needs a function to return. @public */
export type Scalar = Tensor<[], 'float32'>;

/** True for `any` (which must not be taken apart by the conditional types below). */
type IsAny<T> = 0 extends 1 & T ? true : false;

/** True when a dtype is certainly NoDiff (`int32`, `bool`, or a union of them). */
type IsNoDiff<D> = [D] extends [never] ? false : [D] extends [NoDiffDtype] ? true : false;

/**
 * The gradient type of an argument: the same pytree, each tensor leaf itself
 * (gradients have the shape and dtype of their primal); a NoDiff leaf becomes
 * an error type. A JS number is a float32 scalar (JAX's weak type), so its
 * gradient is a `Tensor<[], 'float32'>`; other non-tensor leaves (strings,
 * booleans) are static and stay as they are.
 * @example
 * ```ts
 * type G = GradOf<{ w: Tensor<[784, 10], 'float32'>; b: Tensor<[10], 'float32'> }>; // the same object type
 * ```
 * @public
 */
export type GradOf<T> =
  IsAny<T> extends true
    ? T
    : T extends Tensor<infer _S, infer D>
      ? IsNoDiff<D> extends true
        ? NoDiffError<D>
        : T
      : T extends number
        ? Tensor<[], 'float32'>
        : T extends (...args: never[]) => unknown
        ? T
        : T extends readonly unknown[]
          ? { -readonly [K in keyof T]: GradOf<T[K]> }
          : T extends object
            ? { -readonly [K in keyof T]: GradOf<T[K]> }
            : T;

/** The error for differentiating with respect to a NoDiff leaf. @public */
export type NoDiffError<D> = Unaliased<TypeError<`cannot differentiate with respect to ${Article<D & string>} ${D & string} tensor: only float32 values carry derivatives (int32 and bool values, such as indices, argmax results and comparisons, are NoDiff)`>>;

/** `an` before a vowel sound (`an int32 tensor`), `a` otherwise. */
type Article<W extends string> = W extends `${'a' | 'e' | 'i' | 'o' | 'u'}${string}` ? 'an' : 'a';

/** The same type, printed by the compiler with its text instead of an alias name. */
type Unaliased<E> = E extends infer U ? U : never;

/** True when a pytree type has a leaf that cannot be differentiated. @public */
export type HasNoDiffLeaf<T> = [NoDiffDtypeOf<T>] extends [never] ? false : true;

/** The dtypes of the NoDiff leaves of a pytree type (`never` when there is none). */
type NoDiffDtypeOf<T> =
  IsAny<T> extends true
    ? never
    : T extends Tensor<infer _S, infer D>
      ? IsNoDiff<D> extends true
        ? D
        : never
      : T extends (...args: never[]) => unknown
        ? never
        : T extends readonly unknown[]
          ? NoDiffDtypeOf<T[number]>
          : T extends object
            ? { [K in keyof T]-?: NoDiffDtypeOf<T[K]> }[keyof T]
            : never;

/** Argument positions: one index or a list. @public */
export type Argnums = number | readonly number[];

/** The differentiated arguments: one, or a tuple for a list of positions. */
type Picked<P extends readonly unknown[], A extends Argnums> = A extends number ? P[A] : { [K in keyof A]: A[K] extends number ? P[A[K]] : never };

/**
 * The gradient(s) `grad(f, { argnums: A })` returns for parameters `P`: one
 * pytree for a number, a tuple of them for a list.
 * @example
 * ```ts
 * type G = GradsOf<[Tensor<[2], 'float32'>, Tensor<[], 'float32'>], [0, 1]>; // [Tensor<[2], 'float32'>, Tensor<[], 'float32'>]
 * ```
 * @public
 */
export type GradsOf<P extends readonly unknown[], A extends Argnums> = A extends number
  ? GradOf<P[A]>
  : { -readonly [K in keyof A]: A[K] extends number ? GradOf<P[A[K]]> : never };

/**
 * True when `R` may be a scalar float32 tensor: rank 0 (or a rank unknown
 * statically) and a dtype that includes float32.
 */
type ScalarLike<R> =
  IsAny<R> extends true
    ? true
    : [R] extends [Tensor<Shape, Dtype>]
      ? 'float32' extends R['dtype']
        ? R['shape'] extends readonly []
          ? true
          : number extends R['shape']['length']
            ? true
            : false
        : false
      : false;

/** True when a result matches what the transformation needs (`Scalar`, or `[Scalar, aux]` with `hasAux`). */
type OutputOk<R, Out> = [Out] extends [readonly [unknown, unknown]]
  ? IsAny<R> extends true
    ? true
    : R extends readonly [infer V, unknown]
      ? ScalarLike<V>
      : false
  : ScalarLike<R>;

type OutputError<R, Out> = [Out] extends [readonly [unknown, unknown]]
  ? Unaliased<TypeError<`valueAndGrad with hasAux needs a function that returns [value, aux] with a scalar float32 tensor value, got ${Describe<R>}`>>
  : Unaliased<TypeError<`grad needs a function that returns a scalar float32 tensor (Tensor<[], 'float32'>), got ${Describe<R>}`>>;

/** A short description of a result type for error messages. */
type Describe<R> = R extends Tensor<Shape, Dtype> ? `${Article<R['dtype'] & string>} ${R['dtype'] & string} tensor of shape ${ShowShapeOf<R['shape']>}` : R extends readonly unknown[] ? 'an array' : R extends number ? 'a number' : 'a value that is not a tensor';

type ShowShapeOf<S> = S extends readonly [] ? '[]' : S extends readonly unknown[] ? (number extends S['length'] ? 'number[]' : `[${JoinDims<S>}]`) : '?';
type JoinDims<S extends readonly unknown[]> = S extends readonly [infer H, ...infer T] ? (T extends readonly [] ? DimText<H> : `${DimText<H>}, ${JoinDims<T>}`) : '';
type DimText<D> = D extends number ? (number extends D ? 'number' : `${D}`) : '?';

/** The error for an argnums position past the last parameter, or `never`. */
type ArgnumsError<P extends readonly unknown[], A extends Argnums> = number extends P['length'] ? never : OutOfRange<P, A extends readonly number[] ? A[number] : A>;

type OutOfRange<P extends readonly unknown[], I> = I extends number
  ? number extends I
    ? never
    : `${I}` extends `${Exclude<keyof P, keyof unknown[]> & string}`
      ? never
      : Unaliased<TypeError<`argnums ${I} is out of range for a function of ${P['length']} argument(s)`>>
  : never;

/**
 * `unknown` when `f` may be differentiated with respect to argument(s) `A`
 * and returns `Out` (`Scalar`, or `[Scalar, unknown]` with `hasAux`);
 * otherwise an error type naming the problem, so that the call fails to
 * compile with that text:
 * - `cannot differentiate with respect to an int32 tensor: …` for a NoDiff leaf;
 * - `grad needs a function that returns a scalar float32 tensor …`;
 * - `argnums 2 is out of range for a function of 2 argument(s)`.
 * @public
 */
export type CheckDifferentiable<F, A extends Argnums, Out> = F extends (...args: infer P) => infer R
  ? [ArgnumsError<P, A>] extends [never]
    ? HasNoDiffLeaf<Picked<P, A>> extends true
      ? NoDiffError<NoDiffDtypeOf<Picked<P, A>>>
      : OutputOk<R, Out> extends true
        ? unknown
        : OutputError<R, Out>
    : ArgnumsError<P, A>
  : unknown;

/** Options of `grad`. @public */
export interface GradOptions<A extends Argnums> {
  /** Which argument(s) to differentiate with respect to (default 0). */
  readonly argnums?: A;
}

/** Options of `valueAndGrad`. @public */
export interface ValueAndGradOptions<A extends Argnums, Aux extends boolean> extends GradOptions<A> {
  /** When true, `f` returns `[value, aux]`, and aux is passed through. */
  readonly hasAux?: Aux;
}
