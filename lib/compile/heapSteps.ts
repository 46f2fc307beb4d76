/**
 * SIMD steps for non-elementwise equations whose buffers live in a wasm
 * memory (a host program's arena, or tfjs-wasm's heap in the mixed plan),
 * chosen from the primitive's lowering, never its name.
 */
import type { Equation } from '../core/ir.js';
import type { Slots, Step } from '../core/lowering.js';
import { isFloatSum, lowerEquation } from './hostKernels.js';
import { simdColumnSum } from './simd.js';

/** A host program's SIMD step for `eq` when it has one (a sum over leading axes), running `js` for buffers outside `heap`. */
export function heapStep(heap: WebAssembly.Memory, eq: Equation, slots: Slots, js: Step): Step | undefined {
  if (isFloatSum(eq)) return simdColumnSum(heap, eq.inputs[0]!.aval.shape, eq.params['axes'] as readonly number[], slots, js);
  return undefined;
}

/**
 * A step for `eq` inside the wasm backend's mixed plan, on tfjs-wasm's heap,
 * where it beats tfjs-wasm's kernel: the primitive's own `mixed` step, or a
 * SIMD sum over leading axes; `undefined` leaves the tfjs kernel.
 */
export function mixedStep(heap: WebAssembly.Memory, eq: Equation, slots: Slots): Step | undefined {
  if (eq.outputs.length !== 1 || eq.outputs[0]!.aval.dtype !== 'float32' || eq.inputs[0]!.aval.dtype !== 'float32') return undefined;
  const low = eq.prim.lowering;
  if (low.kind === 'host') return low.mixed?.(eq, slots, heap);
  if (!isFloatSum(eq)) return undefined;
  const js = lowerEquation(eq, slots);
  return js && heapStep(heap, eq, slots, js);
}
