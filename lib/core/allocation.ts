/**
 * The allocation limit: every tensor fluxion is about to allocate (creation
 * functions, the output of every primitive evaluated eagerly or staged for
 * `jit`) is checked here first, so that a request too large for the backend
 * is an error before anything is attempted. Without this check tfjs-wasm
 * writes past a failed `malloc` and corrupts its heap (every later op throws
 * "memory access out of bounds", on every backend, or the process aborts).
 *
 * Limits (docs/conventions.md, "Special values and empty tensors"):
 * - at most 2^31 − 1 elements and 2^31 − 1 bytes per tensor on every backend
 *   (tfjs's kernels index with int32);
 * - on wasm, the tensors alive on the engine plus the new one must fit in the
 *   wasm heap: 4 GiB − 64 KiB (tfjs-wasm 4.22's maximum) less a 256 MiB reserve for
 *   kernel scratch space.
 */
import * as tf from '@tensorflow/tfjs-core';
import { showShape } from './errors.js';

/** Elements (and bytes) one tensor may hold on any backend. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;
/** Bytes one tensor may hold on any backend. */
export const MAX_TENSOR_BYTES = 2 ** 31 - 1;
/** Bytes the tensors alive on the wasm backend may hold together: the wasm heap's maximum less a reserve. */
export const WASM_HEAP_BUDGET = 4294901760 - 256 * 2 ** 20;

/**
 * An allocation that the backend cannot hold, refused before it is attempted;
 * the backend stays usable. Names the call, the shape and the bytes.
 * @example
 * ```ts
 * try { fx.zeros([2 ** 31]); } catch (e) { e instanceof fx.AllocationError; } // true
 * ```
 * @public
 */
export class AllocationError extends Error {
  override readonly name = 'AllocationError';
  constructor(readonly op: string, detail: string) {
    super(`allocation error in ${op}: ${detail}`);
  }
}

function bytesPerElement(dtype: string): number {
  return dtype === 'bool' ? 1 : 4;
}

/**
 * Throws an `AllocationError` naming `op` when tensors of `shapes` (with their
 * dtypes) could not be allocated on the active backend. Shapes are assumed
 * valid (non-negative integer dims). `now` is false where nothing is allocated
 * yet (staging for `jit`): only the per-tensor limit applies then.
 */
export function checkAllocation(op: string, avals: readonly { readonly shape: readonly number[]; readonly dtype: string }[], now = true): void {
  let total = 0;
  for (const { shape, dtype } of avals) {
    let n = 1;
    for (const d of shape) n *= d;
    const bytes = n * bytesPerElement(dtype);
    if (n > MAX_TENSOR_ELEMENTS || bytes > MAX_TENSOR_BYTES) {
      throw new AllocationError(
        op,
        `a ${dtype} tensor of shape ${showShape(shape)} has ${n} elements (${bytes} bytes); the limit is ${MAX_TENSOR_ELEMENTS} elements and ${MAX_TENSOR_BYTES} bytes per tensor`,
      );
    }
    total += bytes;
  }
  // Cheap enough for every op: a property read and an addition.
  if (now && total > 0 && tf.getBackend() === 'wasm') {
    // The engine's byte count is what tf.memory() reports, without the object it builds per call.
    const live = (tf.engine() as unknown as { state?: { numBytes?: number } }).state?.numBytes ?? tf.memory().numBytes;
    if (live + total > WASM_HEAP_BUDGET) {
      throw new AllocationError(
        op,
        `${total} more bytes (${avals.map((a) => `${a.dtype}${showShape(a.shape)}`).join(', ')}) do not fit in the wasm heap: ${live} bytes are live and the heap holds at most ${WASM_HEAP_BUDGET}; free tensors (fx.scope) or allocate less`,
      );
    }
  }
}
