/**
 * Shape rules as types. Each has a runtime twin in `lib/primitives/` that
 * computes the same shape (and throws `ShapeError` where the type is an error).
 */
import type { IsLiteral, Shape, ShowShape, TypeError } from './core.js';

// ---------------------------------------------------------------- broadcast

type BroadcastDim<A, B> = A extends 1 ? B : B extends 1 ? A : IsLiteral<A> extends true ? (IsLiteral<B> extends true ? (A extends B ? A : never) : A) : B;

type BroadcastRev<A extends readonly unknown[], B extends readonly unknown[]> = A extends readonly [...infer AI, infer AL]
  ? B extends readonly [...infer BI, infer BL]
    ? [BroadcastDim<AL, BL>] extends [never]
      ? never
      : [...BroadcastRev<AI, BI>, BroadcastDim<AL, BL>]
    : A
  : B;

/**
 * The NumPy broadcast of two shapes, or `never` where two literal dims differ
 * and neither is 1.
 * @public
 */
export type Broadcast<A extends Shape, B extends Shape> = number[] extends A ? number[] : number[] extends B ? number[] : BroadcastRev<A, B> extends infer R extends Shape ? R : never;

/** The readable error for shapes that do not broadcast. @public */
export type BroadcastError<A extends Shape, B extends Shape> = TypeError<`shape error: cannot broadcast ${ShowShape<A>} with ${ShowShape<B>}`>;


// ---------------------------------------------------------------- reduce

type RemoveAxes<S extends readonly unknown[], Axes, K extends boolean, I extends unknown[] = []> = S extends readonly [infer H, ...infer T]
  ? I['length'] extends Axes
    ? K extends true
      ? [1, ...RemoveAxes<T, Axes, K, [...I, 0]>]
      : RemoveAxes<T, Axes, K, [...I, 0]>
    : [H, ...RemoveAxes<T, Axes, K, [...I, 0]>]
  : [];

type AllOnes<S extends readonly unknown[]> = { [I in keyof S]: 1 };

/**
 * The shape after reducing over `A` (`undefined` = every axis; a number or a
 * list of non-negative axes), keeping size-1 axes when `K` is true.
 * @public
 */
export type Reduce<S extends Shape, A, K extends boolean = false> = number[] extends S
  ? number[]
  : [A] extends [undefined]
    ? K extends true
      ? AllOnes<S>
      : []
    : A extends readonly number[]
      ? RemoveAxes<S, A[number], K>
      : A extends number
        ? `${A}` extends `-${string}`
          ? number[]
          : RemoveAxes<S, A, K>
        : number[];

// ---------------------------------------------------------------- reshape

/**
 * Accepts a reshape target whose element count matches (checked when every
 * dim is a literal), otherwise an error type. Refined in `count.ts`.
 * @public
 */
export type Reshape<S extends Shape, T extends Shape> = unknown;

// ---------------------------------------------------------------- transpose

type Reverse<S extends readonly unknown[]> = S extends readonly [infer H, ...infer T] ? [...Reverse<T>, H] : [];

/**
 * The shape after permuting axes by `P` (`undefined` = reverse the axes).
 * @public
 */
export type Transpose<S extends Shape, P> = number[] extends S
  ? number[]
  : [P] extends [undefined]
    ? Reverse<S>
    : P extends readonly number[]
      ? { [I in keyof P]: P[I] extends keyof S ? S[P[I]] : never } extends infer R extends Shape
        ? R
        : never
      : number[];

// ---------------------------------------------------------------- concat

type SumDims<A, B> = A extends number ? (B extends number ? number : never) : never;

/**
 * The shape of concatenating shapes `Ss` along axis `A` (the axis dim becomes
 * `number` unless refined; the others are taken from the first shape).
 * @public
 */
export type Concat<Ss extends readonly Shape[], A extends number> = Ss extends readonly [infer F extends Shape, ...Shape[]]
  ? { [K in keyof F]: K extends `${A}` ? SumDims<F[K], F[K]> : F[K] }
  : number[];
