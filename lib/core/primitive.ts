/**
 * The primitive interface: everything fluxion knows about one operation lives
 * in one object, defined in one file under `lib/primitives/`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { AbstractValue, AnyTensor as Tensor } from './tensor.js';
import type { Lowering } from './lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

/** Where a vmapped value's batch axis is, or `null` when the value is not batched. */
export type BatchDim = number | null;

/** Parameters of one application of a primitive (axes, shapes, flags): plain JSON-like data. */
export type Params = Readonly<Record<string, unknown>>;

/** A cotangent or tangent that is known to be zero, without materializing it. */
export type MaybeZero = Tensor | null;

/**
 * An input of a linear equation during transposition: either a known value
 * (a constant, not differentiated) or the linear unknown, of which only the
 * shape and dtype are known.
 */
export class LinearInput {
  constructor(readonly aval: AbstractValue) {}
}

/**
 * One primitive operation with all of its rules.
 *
 * - `abstractEval`: the shape/dtype rule; throws `ShapeError`/`DtypeError`.
 * - `impl`: computes the result on TensorFlow.js tensors.
 * - `jvp`: forward-mode rule; tangents may be `null` (symbolic zero). Written
 *   with fluxion ops, so the rule is itself differentiable (higher order).
 * - `transpose`: for primitives linear in some inputs: given the output
 *   cotangent, the cotangent of each `LinearInput` (null for constants or
 *   symbolic zeros).
 * - `batch`: the vmap rule (slot for the vmap transformation).
 * - `lowering`: its compiled form under `jit` (lib/core/lowering.ts): a
 *   scalar expression, a reduction, a host kernel, or its tfjs kernel with
 *   the reason. Required, so that a primitive without one does not compile.
 */
export interface Primitive<P extends Params = Params> {
  readonly name: string;
  readonly lowering: Lowering<P>;
  abstractEval(inputs: readonly AbstractValue[], params: P): AbstractValue[];
  impl(inputs: readonly tf.Tensor[], params: P): tf.Tensor[];
  jvp?(primals: readonly Tensor[], tangents: readonly MaybeZero[], params: P): [Tensor[], MaybeZero[]];
  transpose?(cotangents: readonly MaybeZero[], inputs: readonly (Tensor | LinearInput)[], params: P): MaybeZero[];
  batch?(args: readonly Tensor[], dims: readonly BatchDim[], params: P): [Tensor[], BatchDim[]];
  /**
   * Eager evaluation on tensors, used instead of `abstractEval` + `impl` when
   * no transformation is active (call-like primitives: custom rules, control
   * flow, whose body is a fluxion function).
   */
  evalDirect?(inputs: readonly Tensor[], params: P): Tensor[];
  /** Printed in the IR next to the name, e.g. `axes=[0]`. Defaults to JSON of params. */
  showParams?(params: P): string;
  /**
   * The ONNX form (`fx.exportOnnx`, the jit target 'onnx'). An elementwise
   * primitive needs none: its form is derived from its `lowering`'s scalar
   * expression (lib/onnx/elementwise.ts); one given here takes precedence.
   */
  onnx?(g: OnnxBuilder, eq: OnnxEquation<P>): void;
}

/**
 * Defines a one-output primitive with rules written over single tensors; the
 * core sees the array-shaped `Primitive` interface.
 */
export interface UnaryOutputPrimitive<P extends Params> {
  readonly name: string;
  readonly lowering: Lowering<P>;
  abstractEval(inputs: readonly AbstractValue[], params: P): AbstractValue;
  impl(inputs: readonly tf.Tensor[], params: P): tf.Tensor;
  jvp?(primals: readonly Tensor[], tangents: readonly MaybeZero[], params: P): [Tensor, MaybeZero];
  transpose?(cotangent: Tensor, inputs: readonly (Tensor | LinearInput)[], params: P): MaybeZero[];
  batch?(args: readonly Tensor[], dims: readonly BatchDim[], params: P): [Tensor, BatchDim];
  showParams?(params: P): string;
  onnx?(g: OnnxBuilder, eq: OnnxEquation<P>): void;
}

export function definePrimitive<P extends Params>(p: UnaryOutputPrimitive<P>): Primitive<P> {
  const prim: Primitive<P> = {
    name: p.name,
    lowering: p.lowering,
    abstractEval: (inputs, params) => [p.abstractEval(inputs, params)],
    impl: (inputs, params) => [p.impl(inputs, params)],
    ...(p.onnx ? { onnx: p.onnx } : {}),
  };
  if (p.showParams) prim.showParams = p.showParams;
  const { jvp, transpose, batch } = p;
  if (batch) {
    prim.batch = (args, dims, params) => {
      const [out, dim] = batch(args, dims, params);
      return [[out], [dim]];
    };
  }
  if (jvp) {
    prim.jvp = (primals, tangents, params) => {
      const [out, tangentOut] = jvp(primals, tangents, params);
      return [[out], [tangentOut]];
    };
  }
  if (transpose) {
    prim.transpose = (cts, inputs, params) => {
      const ct = cts[0];
      return ct ? transpose(ct, inputs, params) : inputs.map(() => null);
    };
  }
  return prim;
}
