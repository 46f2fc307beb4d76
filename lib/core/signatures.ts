/**
 * Typed signatures shared by several ops, built from the `typelevel/` rules.
 */
import type { Broadcast, BroadcastResult, Checked, Dim, Dtype, Shape } from '../../typelevel/index.js';
import type { Tensor } from './tensor.js';

/**
 * The signature of an elementwise binary op with broadcasting. Overloads cover
 * symbolic dims (same shape, scalar, trailing suffix, a size-1 axis from a
 * `keepDims` reduction, an outer product `[M, 1] * [1, N]`); the last one handles
 * literal shapes with size-1 broadcasting and reports mismatches as
 * `shape error: cannot broadcast [2, 3] with [2]` (shapes that are still
 * generic type parameters are accepted there, with a deferred result type:
 * the runtime checks them).
 * @public
 */
export interface BinaryOp<Allowed extends Dtype> {
  // A non-integer number literal with an int32 tensor promotes to float32 (JAX's weak typing).
  <S extends Shape, D extends Allowed & 'int32', const N extends number>(a: Tensor<S, D>, b: NonInteger<N>): Tensor<S, 'float32'>;
  <S extends Shape, D extends Allowed & 'int32', const N extends number>(a: NonInteger<N>, b: Tensor<S, D>): Tensor<S, 'float32'>;
  <S extends Shape, D extends Allowed>(a: Tensor<S, D>, b: Tensor<S, NoInfer<D>> | number): Tensor<S, D>;
  <S extends Shape, D extends Allowed>(a: number, b: Tensor<S, D>): Tensor<S, D>;
  <S extends Shape, D extends Allowed>(a: Tensor<S, D>, b: Tensor<[], NoInfer<D>>): Tensor<S, D>;
  <S extends Shape, D extends Allowed>(a: Tensor<[], D>, b: Tensor<S, NoInfer<D>>): Tensor<S, D>;
  <P extends Dim[], N extends Dim, D extends Allowed>(a: Tensor<[...P, N], D>, b: Tensor<[NoInfer<N>], NoInfer<D>>): Tensor<[...P, N], D>;
  <P extends Dim[], N extends Dim, D extends Allowed>(a: Tensor<[N], D>, b: Tensor<[...P, NoInfer<N>], NoInfer<D>>): Tensor<[...P, N], D>;
  <P extends Dim[], M extends Dim, N extends Dim, D extends Allowed>(
    a: Tensor<[...P, M, N], D>,
    b: Tensor<[NoInfer<M>, NoInfer<N>], NoInfer<D>>,
  ): Tensor<[...P, M, N], D>;
  <P extends Dim[], N extends Dim, D extends Allowed>(a: Tensor<[...P, N], D>, b: Tensor<[...P, 1], NoInfer<D>>): Tensor<[...P, N], D>;
  <P extends Dim[], N extends Dim, D extends Allowed>(a: Tensor<[...P, 1], D>, b: Tensor<[...P, N], NoInfer<D>>): Tensor<[...P, N], D>;
  <P extends Dim[], M extends Dim, N extends Dim, D extends Allowed>(a: Tensor<[...P, M, N], D>, b: Tensor<[1, NoInfer<N>], NoInfer<D>>): Tensor<[...P, M, N], D>;
  <P extends Dim[], M extends Dim, N extends Dim, D extends Allowed>(a: Tensor<[1, N], D>, b: Tensor<[...P, M, NoInfer<N>], NoInfer<D>>): Tensor<[...P, M, N], D>;
  <P extends Dim[], M extends Dim, N extends Dim, D extends Allowed>(a: Tensor<[...P, M, 1], D>, b: Tensor<[1, N], NoInfer<D>>): Tensor<[...P, M, N], D>;
  <P extends Dim[], M extends Dim, N extends Dim, D extends Allowed>(a: Tensor<[1, N], D>, b: Tensor<[...P, M, 1], NoInfer<D>>): Tensor<[...P, M, N], D>;
  <A extends Shape, B extends Shape, D extends Allowed>(a: Tensor<A, D>, b: Tensor<B, NoInfer<D>> & Checked<BroadcastResult<A, B>>): Tensor<Broadcast<A, B>, D>;
}

/**
 * `N` when it is a number literal that is not an integer (`0.5`, `1e-3`),
 * otherwise `never`: such a number with an int32 tensor makes a float32
 * result. A number typed `number` (not a literal) cannot be told apart, so it
 * keeps the tensor's dtype in the types; at run time a fraction still
 * promotes to float32.
 * @public
 */
export type NonInteger<N extends number> = number extends N ? never : `${N}` extends `${string}.${string}` | `${string}e-${string}` ? N : never;
