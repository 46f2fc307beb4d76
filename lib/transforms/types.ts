/**
 * Types of the differentiation transformations: which arguments may be
 * differentiated (float32 leaves only) and what the gradients look like (the
 * argument's own pytree). Violations are compile-time errors whose text reads
 * like a diagnostic: `cannot differentiate with respect to a int32 tensor`.
 */
import type { Dtype, Shape, TypeError } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';

/** A scalar float32 tensor: what `grad` needs a function to return. @public */
export type Scalar = Tensor<[], 'float32'>;

/**
 * The gradient type of an argument: the same pytree with float32 leaves;
 * a NoDiff leaf becomes an error type.
 * @public
 */
export type GradOf<T> =
  T extends Tensor<infer S extends Shape, infer D extends Dtype>
    ? D extends 'float32'
      ? Tensor<S, 'float32'>
      : TypeError<`cannot differentiate with respect to a ${D} tensor: only float32 values carry derivatives`>
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: GradOf<T[K]> }
      : T extends (...args: never[]) => unknown
        ? T
        : T extends object
          ? { -readonly [K in keyof T]: GradOf<T[K]> }
          : T;

/** True when a pytree type has a leaf that cannot be differentiated. @public */
export type HasNoDiffLeaf<T> =
  T extends Tensor<Shape, infer D extends Dtype>
    ? D extends 'float32'
      ? false
      : true
    : T extends readonly unknown[]
      ? true extends { [K in keyof T]: HasNoDiffLeaf<T[K]> }[number]
        ? true
        : false
      : T extends (...args: never[]) => unknown
        ? false
        : T extends object
          ? true extends { [K in keyof T]: HasNoDiffLeaf<T[K]> }[keyof T]
            ? true
            : false
          : false;

/** The dtype of the first NoDiff leaf found, for the error text. */
type NoDiffDtypeOf<T> =
  T extends Tensor<Shape, infer D extends Dtype>
    ? D extends 'float32'
      ? never
      : D
    : T extends readonly unknown[]
      ? NoDiffDtypeOf<T[number]>
      : T extends (...args: never[]) => unknown
        ? never
        : T extends object
          ? NoDiffDtypeOf<T[keyof T]>
          : never;

/** Argument positions: one index or a list. @public */
export type Argnums = number | readonly number[];

type Picked<P extends readonly unknown[], A extends Argnums> = A extends number ? P[A] : { [K in keyof A]: A[K] extends number ? P[A[K]] : never };

/** The gradient(s) `grad(f, { argnums: A })` returns for parameters `P`. @public */
export type GradsOf<P extends readonly unknown[], A extends Argnums> = A extends number
  ? GradOf<P[A]>
  : { -readonly [K in keyof A]: A[K] extends number ? GradOf<P[A[K]]> : never };

/**
 * `unknown` when `f` may be differentiated with respect to `A` (and returns
 * `Out`); otherwise an error type naming the problem, so the call fails to
 * compile with that text.
 * @public
 */
export type CheckDifferentiable<F, A extends Argnums, Out> = F extends (...args: infer P) => infer R
  ? HasNoDiffLeaf<Picked<P, A>> extends true
    ? TypeError<`cannot differentiate with respect to a ${NoDiffDtypeOf<Picked<P, A>> & string} tensor: only float32 values carry derivatives`>
    : R extends Out
      ? unknown
      : TypeError<'grad needs a function that returns a scalar float32 tensor (Tensor<[], "float32">)'>
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
