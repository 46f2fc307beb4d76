/**
 * The typed signature of elementwise comparisons: `BinaryOp`'s broadcasting
 * overloads, with a `bool` result whatever the operands' dtype.
 */
import type { And, Broadcast, BroadcastResult, Checked, Dim, Dtype, Fits, Shape, When } from '../../typelevel/index.js';
import type { OuterShape, ShapeOf } from './signatures.js';
import type { Tensor } from './tensor.js';

/**
 * The signature of an elementwise comparison with NumPy broadcasting: both
 * operands share one dtype from `Allowed` (a JS number takes the tensor's
 * dtype) and the result is a `bool` tensor of the broadcast shape. Overloads
 * cover symbolic dims (same shape, scalar, trailing suffix); the last one
 * handles literal shapes with size-1 broadcasting and reports mismatches as
 * `shape error: cannot broadcast [2, 3] with [2]`. As in `BinaryOp`, every
 * overload but the last is gated (`When`), so that sentence is the first
 * line the compiler prints.
 * @public
 */
export interface ComparisonOp<Allowed extends Dtype> {
  <S extends Shape, D extends Allowed, B>(a: Tensor<S, D>, ...b: When<Fits<B, Tensor<S, D> | number>, [b: B]>): Tensor<S, 'bool'>;
  <A, S extends Shape, D extends Allowed>(a: A, ...b: When<Fits<A, number>, [b: Tensor<S, D>]>): Tensor<S, 'bool'>;
  <S extends Shape, D extends Allowed, B>(a: Tensor<S, D>, ...b: When<Fits<B, Tensor<[], D>>, [b: B]>): Tensor<S, 'bool'>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<And<Fits<A, []>, Fits<B, Tensor<Shape, D>>>, [b: B]>): Tensor<ShapeOf<B>, 'bool'>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer _P extends Shape, infer N extends Dim] ? Fits<B, Tensor<[N], D>> : false, [b: B]>): Tensor<A, 'bool'>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [infer N extends Dim] ? Fits<B, Tensor<[...Shape, N], D>> : false, [b: B]>): Tensor<ShapeOf<B>, 'bool'>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer _P extends Shape, infer M extends Dim, infer N extends Dim] ? Fits<B, Tensor<[M, N], D>> : false, [b: B]>): Tensor<A, 'bool'>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer P extends Shape, infer _M extends Dim] ? Fits<B, Tensor<[...P, 1], D>> : false, [b: B]>): Tensor<A, 'bool'>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer P extends Shape, 1] ? Fits<B, Tensor<[...P, Dim], D>> : false, [b: B]>): Tensor<ShapeOf<B>, 'bool'>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer _P extends Shape, infer _M extends Dim, infer N extends Dim] ? Fits<B, Tensor<[1, N], D>> : false, [b: B]>): Tensor<A, 'bool'>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [1, infer N extends Dim] ? Fits<B, Tensor<[...Shape, Dim, N], D>> : false, [b: B]>): Tensor<ShapeOf<B>, 'bool'>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [...infer _P extends Shape, infer _M extends Dim, 1] ? Fits<B, Tensor<[1, Dim], D>> : false, [b: B]>): Tensor<OuterShape<A, ShapeOf<B>>, 'bool'>;
  <A extends Shape, D extends Allowed, B>(a: Tensor<A, D>, ...b: When<A extends [1, infer _M extends Dim] ? Fits<B, Tensor<[...Shape, Dim, 1], D>> : false, [b: B]>): Tensor<OuterShape<ShapeOf<B>, A>, 'bool'>;
  <A extends Shape, B extends Shape, D extends Allowed>(a: Tensor<A, D>, b: Tensor<B, NoInfer<D>> & Checked<BroadcastResult<A, B>>): Tensor<Broadcast<A, B>, 'bool'>;
}
