/**
 * Kernels that a later layer supplies to a primitive's eager `impl` (the
 * compiler's WebAssembly SIMD kernels, lib/compile/simd.ts), so a primitive
 * can use them without importing a layer above it. Each returns `undefined`
 * when it does not handle a case; the primitive then uses tfjs's kernel.
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface FastKernels {
  /** `a @ b` for float32 operands with equal batch shapes `[...B, M, K] @ [...B, K, N]`. */
  batchedMatmul?: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor | undefined;
}

export const fastKernels: FastKernels = {};

/** tfjs-backend-webgpu's dispatch helpers, which generated WGSL kernels (lib/compile/fuse.ts) need. */
export interface WebgpuUtil {
  flatDispatchLayout(s: number[]): { x: number[] };
  computeDispatch(l: { x: number[] }, s: number[], w: number[]): [number, number, number];
}

/** Set by lib/backend when the webgpu backend loads (the backend layer does not import the compiler). */
export const backendHooks: { webgpuUtil?: WebgpuUtil } = {};
