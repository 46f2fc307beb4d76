/**
 * `luPivotsToPermutation`: LAPACK row interchanges (row j swapped with row
 * `pivots[j]` at step j) to the permutation they make (row i of P·A is row
 * `perm[i]` of A), as JAX's `lax.linalg.lu_pivots_to_permutation`. int32 in,
 * int32 out: NoDiff. Runs on the host (cpu, wasm).
 */
import { ShapeError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import { apply1, requireDtype } from './define.js';
import { moveBatchToFront } from './batching.js';
import { pivotsToPermutationKernel } from './decompositionKernels.js';
import type { AnyTensor } from '../core/tensor.js';
import { kernelOnly } from '../core/lowering.js';
import { castTo, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';
import { loop } from '../onnx/linalg.js';

export interface PivotsParams extends Record<string, unknown> {
  /** The number of rows m (the permutation's length, ≥ the number of pivots). */
  readonly size: number;
}

export const luPivotsToPermutationPrimitive: Primitive<PivotsParams> = definePrimitive({
  lowering: kernelOnly('an index computation: its own kernel'),
  name: 'luPivotsToPermutation',
  onnx: pivotsOnnx,
  abstractEval([p], { size }) {
    requireDtype('luPivotsToPermutation', 'pivots', p!, ['int32']);
    if (p!.shape.length < 1 || p!.shape[p!.shape.length - 1]! > size) {
      throw new ShapeError('luPivotsToPermutation', `pivots must be [..., k] with k ≤ ${size}, got ${showShape(p!.shape)}`);
    }
    return { shape: [...p!.shape.slice(0, -1), size], dtype: 'int32' };
  },
  impl: ([p], { size }) => pivotsToPermutationKernel(p!, size),
  batch: ([p], [d], params) => [apply1(luPivotsToPermutationPrimitive, [moveBatchToFront(p!, d!)], params), 0],
  showParams: ({ size }) => `size=${size}`,
});

/** Internal: the permutation of `pivots` `[..., k]` over `size` rows. */
export function pivotsToPermutation(pivots: AnyTensor, size: number): AnyTensor {
  return apply1(luPivotsToPermutationPrimitive, [pivots], { size });
}

/** ONNX: the swaps as a `Loop` over the pivots on an int32 permutation (`GatherElements` reads row p; an out-of-range pivot is ONNX Runtime's error). */
function pivotsOnnx(g: OnnxBuilder, eq: OnnxEquation<PivotsParams>): void {
  const { size } = eq.params;
  const shape = eq.inAvals[0]!.shape;
  const k = shape.at(-1)!;
  const rank = shape.length;
  const out = eq.outAvals[0]!.shape;
  const positions = g.op('Cast', [g.ints([...Array(size).keys()])], castTo('int32'));
  const start = g.op('Expand', [positions, g.ints(out)]);
  const [perm] = loop(g, k, [{ value: start, dtype: 'int32', shape: out }], (b, j, [perm]) => {
    const p = b.op('Unsqueeze', [b.op('Gather', [eq.inputs[0]!, j], { axis: { int: rank - 1 } }), b.ints([rank - 1])]); // [..., 1] int32
    const atJ = b.op('Unsqueeze', [b.op('Gather', [perm!, j], { axis: { int: rank - 1 } }), b.ints([rank - 1])]);
    const atP = b.op('GatherElements', [perm!, p], { axis: { int: rank - 1 } });
    const jj = b.op('Cast', [j], castTo('int32'));
    return [b.op('Where', [b.op('Equal', [positions, jj]), atP, b.op('Where', [b.op('Equal', [positions, p]), atJ, perm!])])];
  });
  g.node('Identity', [perm!], eq.outputs);
}
