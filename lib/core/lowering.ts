/**
 * How a primitive declares its compiled form, next to its other rules (see
 * lib/core/scalar.ts for the scalar-op algebra). `lib/compile/` reads only
 * this declaration, never a primitive's name:
 *
 * - `elementwise`: one scalar expression over the operands; `undefined` for
 *   operand dtypes it does not cover (the equation then runs its tfjs kernel).
 *   Lowered on every emitter: generated JS loops, wasm SIMD, WGSL.
 * - `reduce`: a reduction over the `axes` param: an initial value and the
 *   combining expression of the accumulator (`arg 0`) and an element (`arg 1`).
 * - `alias`: the result is the operand's buffer under another shape.
 * - `host`: a structural primitive's own host kernel (index maps, products),
 *   written in its file with lib/compile's index-map helpers; `mixed`, the
 *   step it runs on tfjs-wasm's heap inside a program that also calls tfjs
 *   kernels, where it beats tfjs-wasm's own.
 * - `kernel`: runs as its tfjs kernel only; `reason` says why (shown by
 *   `jit(f).stats()` and docs/compile.md).
 */
import type { Dtype } from '../../typelevel/index.js';
import type { Equation } from './ir.js';
import type { Params } from './primitive.js';
import type { Scalar } from './scalar.js';

/** What one value of a host program is stored in. */
export type Buf = Float32Array | Int32Array | Uint8Array;

/** A compiled host step: reads and writes `env` slots. */
export type Step = (env: Buf[]) => void;

/** The slots of an equation's operands and results. */
export interface Slots {
  readonly ins: readonly number[];
  readonly outs: readonly number[];
}

/** A primitive's compiled form (see the module comment). */
export type Lowering<P extends Params = Params> =
  | { readonly kind: 'elementwise'; expr(args: readonly Scalar[], params: P): Scalar | undefined }
  | { readonly kind: 'reduce'; readonly init: number; combine(acc: Scalar, x: Scalar): Scalar }
  | { readonly kind: 'alias' }
  | {
      readonly kind: 'host';
      lower(eq: Equation, slots: Slots, heap?: WebAssembly.Memory): Step | undefined;
      /** The step inside the wasm backend's mixed plan (buffers on tfjs-wasm's heap) when it beats tfjs-wasm's kernel; none keeps the kernel. */
      mixed?(eq: Equation, slots: Slots, heap: WebAssembly.Memory): Step | undefined;
    }
  | { readonly kind: 'kernel'; readonly reason: string };

/** An elementwise lowering. */
export function elementwise<P extends Params = Params>(expr: (args: readonly Scalar[], params: P) => Scalar | undefined): Lowering<P> {
  return { kind: 'elementwise', expr };
}

/** A lowering by the primitive's tfjs kernel only, with the reason. */
export function kernelOnly<P extends Params = Params>(reason: string): Lowering<P> {
  return { kind: 'kernel', reason };
}

/** An elementwise lowering for float32 operands only (other dtypes run the tfjs kernel). */
export function floatLowering<P extends Params = Params>(expr: (args: readonly Scalar[], params: P) => Scalar): Lowering<P> {
  return elementwise((args, params) => (args.every((a) => a.dtype === 'float32') ? expr(args, params) : undefined));
}

/** An elementwise lowering for float32 or int32 operands of one dtype. */
export function numericLowering<P extends Params = Params>(expr: (args: readonly Scalar[], params: P) => Scalar): Lowering<P> {
  return elementwise((args, params) => {
    const d = args[0]!.dtype;
    return d !== 'bool' && args.every((a) => a.dtype === d) ? expr(args, params) : undefined;
  });
}

/** An elementwise lowering for operands of one dtype among `dtypes`. */
export function sameDtypeLowering<P extends Params = Params>(dtypes: readonly Dtype[], expr: (args: readonly Scalar[], params: P) => Scalar): Lowering<P> {
  return elementwise((args, params) => {
    const d = args[0]!.dtype;
    return dtypes.includes(d) && args.every((a) => a.dtype === d) ? expr(args, params) : undefined;
  });
}
