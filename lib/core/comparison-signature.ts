/**
 * The typed signature of elementwise comparisons: `BinaryOp`'s broadcasting
 * overloads, with a `bool` result whatever the operands' dtype.
 */
import type { Broadcast, BroadcastError, Dim, Dtype, Shape } from '../../typelevel/index.js';
import type { Tensor } from './tensor.js';

/**
 * The signature of an elementwise comparison with NumPy broadcasting: both
 * operands share one dtype from `Allowed` (a JS number takes the tensor's
 * dtype) and the result is a `bool` tensor of the broadcast shape. Overloads
 * cover symbolic dims (same shape, scalar, trailing suffix); the last one
 * handles literal shapes with size-1 broadcasting and reports mismatches as
 * `shape error: cannot broadcast [2, 3] with [2]`.
 * @public
 */
export interface ComparisonOp<Allowed extends Dtype> {
  <S extends Shape, D extends Allowed>(a: Tensor<S, D>, b: Tensor<S, NoInfer<D>> | number): Tensor<S, 'bool'>;
  <S extends Shape, D extends Allowed>(a: number, b: Tensor<S, D>): Tensor<S, 'bool'>;
  <S extends Shape, D extends Allowed>(a: Tensor<S, D>, b: Tensor<[], NoInfer<D>>): Tensor<S, 'bool'>;
  <S extends Shape, D extends Allowed>(a: Tensor<[], D>, b: Tensor<S, NoInfer<D>>): Tensor<S, 'bool'>;
  <P extends Dim[], N extends Dim, D extends Allowed>(a: Tensor<[...P, N], D>, b: Tensor<[NoInfer<N>], NoInfer<D>>): Tensor<[...P, N], 'bool'>;
  <P extends Dim[], N extends Dim, D extends Allowed>(a: Tensor<[N], D>, b: Tensor<[...P, NoInfer<N>], NoInfer<D>>): Tensor<[...P, N], 'bool'>;
  <P extends Dim[], M extends Dim, N extends Dim, D extends Allowed>(
    a: Tensor<[...P, M, N], D>,
    b: Tensor<[NoInfer<M>, NoInfer<N>], NoInfer<D>>,
  ): Tensor<[...P, M, N], 'bool'>;
  <A extends Shape, B extends Shape, D extends Allowed>(
    a: Tensor<A, D>,
    b: [Broadcast<A, B>] extends [never] ? BroadcastError<A, B> : Tensor<B, NoInfer<D>>,
  ): Tensor<Extract<Broadcast<A, B>, Shape>, 'bool'>;
}
