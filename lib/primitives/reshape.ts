/** `reshape`: same elements, new shape (one dim may be -1). Linear. */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, FillMinusOne, IsAnyShape, NoMinusOne, OkShape, Reshape, ReshapeKeepEnds, ReshapeKeepEndsOk, ReshapeLead, ReshapeLeadOk, ReshapeLiteralOk, ReshapeResult, Shape, When, WhenUnknownCount } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { apply1, shapeOf } from './define.js';
import { moveBatchToFront } from './batching.js';
import { freshHandle } from '../core/alias.js';
import { reshapeTo, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';

export interface ReshapeParams extends Record<string, unknown> {
  readonly shape: readonly number[];
}

/** Resolves a `-1` dim and checks the element count; the runtime twin of `Reshape`. */
export function resolveReshape(from: readonly number[], to: readonly number[]): number[] {
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError('reshape', `at most one dim may be -1, got ${showShape(to)}`);
  for (const d of to) {
    if (!Number.isInteger(d) || d < -1) throw new ShapeError('reshape', `dims must be non-negative integers (or one -1), got ${showShape(to)}`);
  }
  const n = sizeOf(from);
  const known = sizeOf(to.filter((d) => d !== -1));
  const out = to.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d));
  if (sizeOf(out) !== n || !out.every(Number.isInteger)) {
    throw new ShapeError('reshape', `cannot reshape ${showShape(from)} (${n} elements) to ${showShape(to)}`);
  }
  return out;
}

export const reshapePrimitive: Primitive<ReshapeParams> = definePrimitive({
  lowering: { kind: 'alias' },
  name: 'reshape',
  onnx: reshapeOnnx,
  abstractEval([x], { shape }) {
    return { shape: resolveReshape(x!.shape, shape), dtype: x!.dtype };
  },
  // The Reshape kernel straight through the engine: the shape rule has resolved and checked the shape.
  impl: ([x], { shape }) => tf.engine().runKernel('Reshape', { x: x! }, { shape: shape as number[] }) as tf.Tensor,
  jvp: ([x], [t], params) => [apply1(reshapePrimitive, [x!], params), t ? apply1(reshapePrimitive, [t], params) : null],
  transpose: (ct, [x]) => [reshape(ct, shapeOf(x!) as number[])],
  batch([x], [d], { shape }) {
    const front = moveBatchToFront(x!, d!);
    return [apply1(reshapePrimitive, [front], { shape: [front.shape[0], ...shape] }), 0];
  },
  showParams: ({ shape }) => `shape=[${shape.join(',')}]`,
});

/**
 * Same elements in a new shape; the element counts must agree (checked at
 * compile time when the dims are literals). One dim may be `-1`.
 *
 * Symbolic dims (type parameters) are kept where the target names them at
 * the same place at either end (`[B, T, 64]` to `[B, T, -1, 8]` is
 * `[B, T, 8, 8]`), and a leading `-1` that takes exactly the leading dim
 * keeps it (`[B, 784]` to `[-1, 28, 28]` is `[B, 28, 28]`). Each overload
 * but the last applies only when its pattern holds (see `When`), so a bad
 * call is reported by the last one, with fluxion's sentence.
 * @example
 * ```ts
 * fx.reshape(fx.zeros([2, 3]), [3, 2]); // Tensor<[3, 2], 'float32'>
 * ```
 * @public
 */
export function reshape<S extends Shape, D extends Dtype, const T extends Shape>(x: Tensor<S, D>, shape: T, ...check: When<IsAnyShape<S>, []>): Tensor<FillMinusOne<T, number>, D>;
/** Literal shapes whose element counts agree; a `-1` is resolved. @public */
export function reshape<S extends Shape, D extends Dtype, const T extends Shape>(x: Tensor<S, D>, shape: T, ...check: When<ReshapeLiteralOk<S, T>, []>): Tensor<Reshape<S, T>, D>;
/** Dims shared at both ends (symbolic ones too) are kept; the literal dims between them are reshaped. @public */
export function reshape<S extends Shape, D extends Dtype, const T extends Shape>(x: Tensor<S, D>, shape: T, ...check: When<ReshapeKeepEndsOk<S, T>, []>): Tensor<OkShape<ReshapeKeepEnds<S, T>>, D>;
/**
 * A leading `-1` that takes exactly the leading dim: the other dims hold as
 * many elements as the source's rest (`[B, 784]` to `[-1, 28, 28]` is
 * `[B, 28, 28]`, for a symbolic `B` too). @public
 */
export function reshape<S extends Shape, D extends Dtype, const T extends Shape>(x: Tensor<S, D>, shape: T, ...check: When<ReshapeLeadOk<S, T>, []>): Tensor<ReshapeLead<S, T>, D>;
/** A source whose element count is not known statically (a `number` or symbolic dim): any target, checked at run time. @public */
export function reshape<S extends Shape, D extends Dtype, const T extends Shape>(x: Tensor<S, D>, shape: T & NoMinusOne<T>, ...check: WhenUnknownCount<S>): Tensor<T, D>;
/** @public */
export function reshape<S extends Shape, D extends Dtype, const T extends Shape>(x: Tensor<S, D>, shape: T, ...check: WhenUnknownCount<S>): Tensor<FillMinusOne<T, number>, D>;
/** Any other target: literal shapes that do not fit fail with `shape error: cannot reshape …`. @public */
export function reshape<S extends Shape, D extends Dtype, const T extends Shape>(x: Tensor<S, D>, shape: T & Checked<ReshapeResult<S, T>>): Tensor<Reshape<S, T>, D>;
export function reshape<S extends Shape, D extends Dtype, const T extends Shape>(x: Tensor<S, D>, shape: T): Tensor<T, D> {
  const target = shape as readonly number[];
  // The same shape: a fresh handle on the same data (a result never aliases its input).
  if (target.length === x.rank && target.every((d, i) => d === x.shape[i])) return freshHandle(x) as unknown as Tensor<T, D>;
  return apply1(reshapePrimitive, [x], { shape: target });
}

/** ONNX: `Reshape` to the static result shape (allowzero where a dim is 0). */
function reshapeOnnx(g: OnnxBuilder, eq: OnnxEquation<ReshapeParams>): void {
  reshapeTo(g, eq.inputs[0]!, eq.outAvals[0]!.shape, eq.outputs);
}
