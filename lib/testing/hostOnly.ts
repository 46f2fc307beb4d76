/**
 * A primitive without an ONNX form, for the tests of what the ONNX target and
 * `fx.exportOnnx` do with one (split programs, the planner, export errors):
 * every primitive a jitted program can hold has a form, so the tests bring
 * their own. `hostOnlyDouble(x)` is 2·x (float32), linear, with a host kernel only.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Tensor } from '../core/tensor.js';
import { kernelOnly } from '../core/lowering.js';
import { apply1, unaryPrimitive } from '../primitives/define.js';

export const hostOnlyPrimitive: Primitive = unaryPrimitive(
  'hostOnlyDouble',
  (x) => tf.mul(x, 2),
  (_x, t) => hostOnlyDouble(t),
  kernelOnly('a test primitive without an ONNX form'),
  ['float32'],
  (ct) => hostOnlyDouble(ct),
);

/** 2·x through {@link hostOnlyPrimitive}. */
export function hostOnlyDouble(x: Tensor): Tensor {
  return apply1(hostOnlyPrimitive, [x]) as Tensor;
}
