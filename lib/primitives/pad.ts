/** `pad`: adds constant (zero by default) borders. Linear in `x` for zero padding; transpose slices. */
import * as tf from '@tensorflow/tfjs-core';
import type { Dtype, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1 } from './define.js';
import { slice } from './slice.js';
import { moveBatchToFront } from './batching.js';
import { scatterMap } from '../compile/hostKernels.js';
import type { Slots, Step } from '../core/lowering.js';
import type { Equation } from '../core/ir.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

export interface PadParams extends Record<string, unknown> {
  readonly paddings: readonly (readonly [number, number])[];
  readonly value: number;
}

export const padPrimitive: Primitive<PadParams> = definePrimitive({
  lowering: { kind: 'host', lower: (eq, slots) => lowerPad(eq, slots) },
  name: 'pad',
  onnx: padOnnx,
  abstractEval([x], { paddings }) {
    if (paddings.length !== x!.shape.length || !paddings.every((p) => p.length === 2 && p.every((n) => Number.isInteger(n) && n >= 0))) {
      throw new ShapeError('pad', `paddings ${JSON.stringify(paddings)} must be one [before, after] pair of non-negative integers per axis of x ${showShape(x!.shape)}`);
    }
    return { shape: x!.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]), dtype: x!.dtype };
  },
  impl([x], { paddings, value }) {
    const p = paddings as [number, number][];
    // tfjs-wasm's PadV2 mixes up constants once it has been given NaN (later pads with 0 or 1.5 come
    // out NaN, or a NaN pad after a 0 pad comes out 0), so NaN borders are selected in, never padded.
    if (Number.isNaN(value) && tf.getBackend() === 'wasm') {
      const inside = tf.cast(tf.pad(tf.onesLike(x!), p, 0), 'bool');
      return tf.where(inside, tf.pad(x!, p, 0), tf.scalar(NaN, x!.dtype));
    }
    return tf.pad(x!, p, value);
  },
  jvp([x], [t], params) {
    const y = apply1(padPrimitive, [x!], params);
    return [y, t ? apply1(padPrimitive, [t], { ...params, value: 0 }) : null];
  },
  transpose: (ct, [x], { paddings }) => {
    void x;
    return [slice(ct, paddings.map((p) => p[0]), paddings.map((p, i) => ct.shape[i]! - p[0] - p[1]))];
  },
  batch: ([x], [d], { paddings, value }) => [apply1(padPrimitive, [moveBatchToFront(x!, d!)], { paddings: [[0, 0], ...paddings], value }), 0],
  showParams: ({ paddings, value }) => `paddings=${JSON.stringify(paddings)}${value ? `, value=${value}` : ''}`,
});

/**
 * Pads each axis with `[before, after]` elements of `value` (default 0).
 * As `jnp.pad`, one pair `[before, after]` pads every axis alike, and one
 * number `n` pads every axis by `n` on both sides.
 * @example
 * ```ts
 * fx.pad(fx.tensor([1, 2]), [[1, 0]]);        // [0, 1, 2]
 * fx.pad(fx.tensor([[1]]), [1, 0]);           // [[0, 0], [0, 1]]
 * fx.pad(fx.tensor([1]), 1, 9);               // [9, 1, 9]
 * ```
 * @public
 */
export function pad<S extends Shape, D extends Dtype>(x: Tensor<S, D>, paddings: { [K in keyof S]: readonly [number, number] }, value?: number): Tensor<{ [K in keyof S]: number }, D>;
/** One pair for every axis, or one number for both sides of every axis. @public */
export function pad<S extends Shape, D extends Dtype>(x: Tensor<S, D>, paddings: readonly [number, number] | number, value?: number): Tensor<{ [K in keyof S]: number }, D>;
export function pad(x: AnyTensor, paddings: readonly (readonly [number, number])[] | readonly [number, number] | number, value = 0): AnyTensor {
  let pairs: readonly (readonly [number, number])[];
  if (typeof paddings === 'number') pairs = x.shape.map(() => [paddings, paddings] as const);
  else if (paddings.length === 2 && typeof paddings[0] === 'number' && typeof paddings[1] === 'number') {
    const pair = paddings as readonly [number, number];
    pairs = x.shape.map(() => pair);
  } else pairs = paddings as readonly (readonly [number, number])[];
  return apply1(padPrimitive, [x], { paddings: pairs, value });
}

// ------------------------------------------------------------------ host lowering (jit on cpu and wasm)

function lowerPad(eq: Equation, slots: Slots): Step | undefined {
  const paddings = eq.params['paddings'] as readonly (readonly [number, number])[];
  const value = eq.params['value'] as number;
  if (typeof value !== 'number') return undefined;
  const map = scatterMap(eq.inputs[0]!.aval.shape, eq.outputs[0]!.aval.shape, paddings.map((p) => p[0]));
  const [a] = slots.ins;
  const [o] = slots.outs;
  return (env) => {
    const x = env[a!]!;
    const out = env[o!]!;
    out.fill(value);
    for (let i = 0; i < map.length; i++) out[map[i]!] = x[i]!;
  };
}

/** ONNX: `Pad` (constant mode) with the value as a scalar of the operand's dtype. */
function padOnnx(g: OnnxBuilder, eq: OnnxEquation<PadParams>): void {
  const { paddings, value } = eq.params;
  const pads = [...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])];
  g.node('Pad', [eq.inputs[0]!, g.ints(pads), g.scalar(value, eq.inAvals[0]!.dtype)], eq.outputs, { mode: { string: 'constant' } });
}
