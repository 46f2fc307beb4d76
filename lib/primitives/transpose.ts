/** `transpose`: permutes axes (default: reverses them). Linear. */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, Shape, Transpose, TransposeResult } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1 } from './define.js';
import { moveBatchToFront } from './batching.js';
import { freshHandle } from '../core/alias.js';
import { copyThrough, gatherMap, sizeOf, stridesOf } from '../compile/hostKernels.js';
import { simdTranspose } from '../compile/simd.js';
import type { Slots, Step } from '../core/lowering.js';
import type { Equation } from '../core/ir.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

export interface TransposeParams extends Record<string, unknown> {
  readonly perm: readonly number[];
}

/** Checks that `perm` is a permutation of the axes of a rank-`rank` tensor. */
export function checkPerm(perm: readonly number[], rank: number): void {
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || !sorted.every((p, i) => p === i)) {
    throw new ShapeError('transpose', `perm ${showShape(perm)} is not a permutation of the ${rank} axes`);
  }
}

export function inversePerm(perm: readonly number[]): number[] {
  const inv: number[] = [];
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export const transposePrimitive: Primitive<TransposeParams> = definePrimitive({
  lowering: {
    kind: 'host',
    lower: (eq, slots, heap) => {
      const js = lowerTranspose(eq, slots);
      return (heap && simdTransposeOf(heap, eq, slots, js)) || js;
    },
    // In a wasm mixed plan: SIMD, or for a small transpose SIMD does not take (a dimension not a multiple of 4) the
    // index-map loop, cheaper than tfjs-wasm's kernel ([512, 10] → [10, 512]: 0.12 ms there).
    mixed(eq, slots, heap) {
      const js = lowerTranspose(eq, slots);
      return simdTransposeOf(heap, eq, slots, js) || (sizeOf(eq.inputs[0]!.aval.shape) <= SMALL_TRANSPOSE ? js : undefined);
    },
  },
  name: 'transpose',
  onnx: transposeOnnx,
  abstractEval([x], { perm }) {
    checkPerm(perm, x!.shape.length);
    return { shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype };
  },
  impl([x], { perm }) {
    if (x!.dtype === 'float32' || tf.getBackend() !== 'webgpu') return tf.transpose(x!, perm as number[]);
    // tfjs-webgpu transposes int32/bool through a float32 shader ("type mismatch … expected 'f32', got 'i32'"),
    // which fails and poisons its cached pipeline: move the 16-bit halves as exact float32 values instead.
    const v = x!.dtype === 'int32' ? x! : tf.cast(x!, 'int32');
    const hi = tf.floorDiv(v, tf.scalar(65536, 'int32'));
    const lo = tf.sub(v, tf.mul(hi, tf.scalar(65536, 'int32')));
    const move = (h: tf.Tensor) => tf.cast(tf.transpose(tf.cast(h, 'float32'), perm as number[]), 'int32');
    const out = tf.add(tf.mul(move(hi), tf.scalar(65536, 'int32')), move(lo));
    return x!.dtype === 'bool' ? tf.notEqual(out, tf.scalar(0, 'int32')) : out;
  },
  jvp: ([x], [t], params) => [apply1(transposePrimitive, [x!], params), t ? apply1(transposePrimitive, [t], params) : null],
  transpose: (ct, _inputs, { perm }) => [apply1(transposePrimitive, [ct], { perm: inversePerm(perm) })],
  batch: ([x], [d], { perm }) => [apply1(transposePrimitive, [moveBatchToFront(x!, d!)], { perm: [0, ...perm.map((p) => p + 1)] }), 0],
  showParams: ({ perm }) => `perm=[${perm.join(',')}]`,
});

/**
 * Permutes the axes: output axis `i` is input axis `perm[i]` (default: reversed).
 * @example
 * ```ts
 * fx.transpose(fx.zeros([2, 3])); // Tensor<[3, 2], 'float32'>
 * ```
 * @public
 */
export function transpose<S extends Shape, D extends Dtype, const P extends number[] | undefined = undefined>(x: Tensor<S, D>, perm?: P & Checked<TransposeResult<S, P>>): Tensor<Transpose<S, P>, D> {
  const p = perm ?? [...Array(x.rank).keys()].reverse();
  checkPerm(p, x.rank);
  if (p.every((a, i) => a === i)) return freshHandle(x) as never;
  return apply1(transposePrimitive, [x], { perm: p });
}

// ------------------------------------------------------------------ host lowering (jit on cpu and wasm)

function lowerTranspose(eq: Equation, slots: Slots): Step {
  const perm = eq.params['perm'] as readonly number[];
  const inStrides = stridesOf(eq.inputs[0]!.aval.shape);
  return copyThrough(gatherMap(eq.outputs[0]!.aval.shape, perm.map((p) => inStrides[p]!)), slots);
}

/** Elements up to which a transpose runs as the host's index-map loop rather than tfjs-wasm's kernel. */
const SMALL_TRANSPOSE = 1 << 14;

/** The SIMD step of a float32 transpose that swaps the last two axes (a 2-D transpose, or one per leading index), or `undefined`. */
function simdTransposeOf(heap: WebAssembly.Memory, eq: Equation, slots: Slots, js: Step): Step | undefined {
  const perm = eq.params['perm'] as readonly number[];
  const r = perm.length;
  const swapsLastTwo = r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, -2).every((p, i) => p === i);
  if (eq.inputs[0]!.aval.dtype !== 'float32' || !swapsLastTwo) return undefined;
  return simdTranspose(heap, eq.inputs[0]!.aval.shape, slots, js);
}

/** ONNX: `Transpose` with the same permutation. */
function transposeOnnx(g: OnnxBuilder, eq: OnnxEquation<TransposeParams>): void {
  g.node('Transpose', eq.inputs, eq.outputs, { perm: { ints: eq.params.perm } });
}
