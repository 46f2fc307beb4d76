/**
 * Typed signatures shared by several ops, built from the `typelevel/` rules.
 */
import type { And, Broadcast, BroadcastResult, Checked, Dim, Dtype, Fits, SameType, Shape, When } from '../../typelevel/index.js';
import type { Tensor } from './tensor.js';

/**
 * The signature of an elementwise binary op with broadcasting. Overloads cover
 * symbolic dims (same shape, scalar, trailing suffix, a size-1 axis from a
 * `keepDims` reduction, an outer product `[M, 1] * [1, N]`); the last one handles
 * literal shapes with size-1 broadcasting and reports mismatches as
 * `shape error: cannot broadcast [2, 3] with [2]` (shapes that are still
 * generic type parameters are accepted there, with a deferred result type:
 * the runtime checks them).
 *
 * Each overload but the last takes its second operand through a gate
 * ({@link When}): an overload whose pattern does not apply to the operands'
 * types is dropped before its arguments are checked, so a call that no
 * overload accepts is reported by the last signature alone, and the first
 * line the compiler prints is fluxion's sentence.
 * @public
 */
export interface BinaryOp<Allowed extends Dtype> {
  // A non-integer number literal with an int32 tensor promotes to float32 (JAX's weak typing).
  <S extends Shape, D extends Allowed, const N extends number>(a: Tensor<S, D>, ...b: When<And<SameType<D, 'int32'>, IsNonInteger<N>>, [b: N]>): Tensor<S, 'float32'>;
  <const N extends number, S extends Shape, D extends Allowed>(a: N, ...b: When<And<IsNonInteger<N>, SameType<D, 'int32'>>, [b: Tensor<S, D>]>): Tensor<S, 'float32'>;
  // Same shapes (or a JS number), a scalar tensor on either side.
  <S extends Shape, D extends Allowed, B>(a: Tensor<S, D>, ...b: When<Fits<B, Tensor<S, D> | number>, [b: B]>): Tensor<S, D>;
  <A, S extends Shape, D extends Allowed>(a: A, ...b: When<Fits<A, number>, [b: Tensor<S, D>]>): Tensor<S, D>;
  <S extends Shape, D extends Allowed, B>(a: Tensor<S, D>, ...b: When<Fits<B, Tensor<[], D>>, [b: B]>): Tensor<S, D>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<And<Fits<A, []>, Fits<B, Tensor<Shape, D>>>, [b: B]>): Tensor<ShapeOf<B>, D>;
  // A trailing suffix: `[...P, N]` with `[N]` or `[M, N]`, either way round.
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer _P extends Shape, infer N extends Dim] ? Fits<B, Tensor<[N], D>> : false, [b: B]>): Tensor<A, D>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [infer N extends Dim] ? Fits<B, Tensor<[...Shape, N], D>> : false, [b: B]>): Tensor<ShapeOf<B>, D>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer _P extends Shape, infer M extends Dim, infer N extends Dim] ? Fits<B, Tensor<[M, N], D>> : false, [b: B]>): Tensor<A, D>;
  // A size-1 axis from a keepDims reduction: `[...P, N]` with `[...P, 1]`, either way round.
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer P extends Shape, infer _M extends Dim] ? Fits<B, Tensor<[...P, 1], D>> : false, [b: B]>): Tensor<A, D>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer P extends Shape, 1] ? Fits<B, Tensor<[...P, Dim], D>> : false, [b: B]>): Tensor<ShapeOf<B>, D>;
  // `[...P, M, N]` with `[1, N]`, either way round.
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer _P extends Shape, infer _M extends Dim, infer N extends Dim] ? Fits<B, Tensor<[1, N], D>> : false, [b: B]>): Tensor<A, D>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [1, infer N extends Dim] ? Fits<B, Tensor<[...Shape, Dim, N], D>> : false, [b: B]>): Tensor<ShapeOf<B>, D>;
  // An outer product: `[...P, M, 1]` with `[1, N]`, either way round.
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer _P extends Shape, infer _M extends Dim, 1] ? Fits<B, Tensor<[1, Dim], D>> : false, [b: B]>): Tensor<OuterShape<A, ShapeOf<B>>, D>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [1, infer _M extends Dim] ? Fits<B, Tensor<[...Shape, Dim, 1], D>> : false, [b: B]>): Tensor<OuterShape<ShapeOf<B>, A>, D>;
  <A extends Shape, B extends Shape, D extends Allowed>(a: Tensor<A, D>, b: Tensor<B, NoInfer<D>> & Checked<BroadcastResult<A, B>>): Tensor<Broadcast<A, B>, D>;
}

/** `true` for a non-integer number literal such as `0.5` (see {@link NonInteger}). @public */
export type IsNonInteger<N extends number> = [NonInteger<N>] extends [never] ? false : true;

/** The shape of a tensor type. @public */
export type ShapeOf<T> = T extends Tensor<infer S extends Shape, Dtype> ? S : never;

/** The shape of the outer product `[...P, M, 1] * [1, N]`: `[...P, M, N]`. @public */
export type OuterShape<A extends Shape, B extends Shape> = A extends [...infer P, infer M, infer _1] ? (B extends [infer _2, infer N] ? [...P, M, N] : never) : never;

/**
 * `N` when it is a number literal that is not an integer (`0.5`, `1e-3`),
 * otherwise `never`: such a number with an int32 tensor makes a float32
 * result. A number typed `number` (not a literal) cannot be told apart, so it
 * keeps the tensor's dtype in the types; at run time a fraction still
 * promotes to float32.
 * @public
 */
export type NonInteger<N extends number> = number extends N ? never : `${N}` extends `${string}.${string}` | `${string}e-${string}` ? N : never;
