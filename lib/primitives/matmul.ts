/**
 * `matmul`: matrix product over the last two axes, batch axes broadcast.
 * Linear in each operand. The transpose rule multiplies by an explicitly
 * transposed operand with a plain product, never with tfjs's
 * `transposeA`/`transposeB` flags. Measured (tfjs 4.22, [128,784]ᵀ·[128,512],
 * ms, on this 2-core machine while loaded — read the ratios):
 *
 * | backend | `matMul(a, b, transposeA)` | `transpose(a)` + `matMul` | choice |
 * | --- | --- | --- | --- |
 * | wasm | 309 (87 unloaded) | 14 (4 unloaded) | explicit (22×) |
 * | cpu | 712 | 613 | explicit (1.2×) |
 * | webgpu (SwiftShader, CPU-emulated) | 3417 | 4557 | flag would win 1.3×; not representative of a GPU, so explicit everywhere for now |
 *
 * On wasm the cotangent of `a` may also be computed as `(b @ ctᵀ)ᵀ` (see `cotangentOfA`).
 *
 * This is most of TF.js autodiff's cost on the MLP step: its matMul gradient
 * uses the flags.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getBackend } from '@tensorflow/tfjs-core';
import type { Checked, Dim, MatMul, MatMulResult, Shape } from '../../typelevel/index.js';
import { ShapeError, TransformError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import { sizeOf, type AnyTensor, type Tensor } from '../core/tensor.js';
import { add } from './add.js';
import { apply1, broadcastShapes, LinearInput, requireDtype, unbroadcast } from './define.js';
import { transpose } from './transpose.js';
import { batchedWithRank, moveBatchToFront } from './batching.js';
import { reshape } from './reshape.js';
import { fastKernels } from '../core/kernels.js';
import { HOST_MATMUL_LIMIT, gatherMap, stridesOf } from '../compile/hostKernels.js';
import type { Slots, Step } from '../core/lowering.js';
import type { Equation } from '../core/ir.js';
import { simdMatmul, simdPackedMatmul } from '../compile/simd.js';
import { emptyContraction, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';

/** The runtime twin of the `matmul` signature: `[...B, M, K] @ [...B, K, N] → [...B, M, N]`. */
export function matmulShape(a: readonly number[], b: readonly number[]): number[] {
  if (a.length < 2 || b.length < 2) {
    throw new ShapeError('matmul', `operands need rank >= 2, got a ${showShape(a)} and b ${showShape(b)} (use fx.dot for vectors)`);
  }
  const [m, k] = a.slice(-2) as [number, number];
  const [k2, n] = b.slice(-2) as [number, number];
  if (k !== k2) throw new ShapeError('matmul', `inner dims ${k} and ${k2} differ (a ${showShape(a)}, b ${showShape(b)})`);
  const batch = broadcastShapes('matmul', a.slice(0, -2), b.slice(0, -2));
  return [...batch, m, n];
}

/** The runtime twin of `MatMulResult` (the public `matmul`): `matmulShape`, with NumPy's 1-D operands. */
export function matmulResultShape(a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0 || b.length === 0) throw new ShapeError('matmul', `operands need rank >= 1, got a ${showShape(a)} and b ${showShape(b)} (use fx.mul for scalars)`);
  const out = matmulShape(a.length === 1 ? [1, a[0]!] : a, b.length === 1 ? [b[0]!, 1] : b);
  if (b.length === 1) out.splice(out.length - 1, 1);
  if (a.length === 1) out.splice(out.length - (b.length === 1 ? 1 : 2), 1);
  return out;
}

function sameBatch(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * `ct @ bᵀ`, the cotangent of `a`. tfjs-wasm's matmul (XNNPACK) packs its
 * right operand on every call with a new tensor: for ct [M, N] and b [K, N],
 * packing bᵀ costs K·N, while `(b @ ctᵀ)ᵀ` packs ctᵀ (M·N) for two transposes
 * (M·N + K·M moves). Measured on wasm, ct [128, 512], b [512, 512]: 8.4 ms
 * against 5.2 ms. Chosen where N·(K − 2M) > K·M.
 */
function cotangentOfA(ct: AnyTensor, b: AnyTensor): AnyTensor {
  if (ct.rank === 2 && b.rank === 2 && getBackend() === 'wasm') {
    const [m, n] = ct.shape as [number, number];
    const k = b.shape[0]!;
    if (n * (k - 2 * m) > k * m) return mT(apply1(matmulPrimitive, [b, mT(ct)]));
  }
  return apply1(matmulPrimitive, [ct, mT(b)]);
}

/** Swaps the last two axes. */
function mT(x: AnyTensor): AnyTensor {
  const perm = [...Array(x.rank).keys()];
  perm.push(perm.splice(-2, 1)[0]!);
  return transpose(x, perm);
}

export const matmulPrimitive: Primitive = definePrimitive({
  lowering: {
    kind: 'host',
    lower: (eq, slots, heap) => lowerMatmul(eq, slots, heap),
    // In a wasm mixed plan a 2-D product runs as fluxion's SIMD kernel in place on tfjs-wasm's heap, `b`
    // packed into panels (from 16 rows), else unpacked: 38–42 GFLOP/s on W9's shapes against 28–32 for
    // tfjs-wasm's XNNPACK matmul (simdPackedMatmul). Off the heap (never in that plan) it copies into a heap of its own.
    mixed(eq, slots, heap) {
      const [a, b] = eq.inputs.map((v) => v.aval.shape);
      if (a!.length !== 2 || b!.length !== 2 || eq.inputs[1]!.aval.dtype !== 'float32') return undefined;
      const [m, k] = a as [number, number];
      const n = b![1]!;
      let copying: Step | undefined;
      const offHeap: Step = (env) => (copying ??= simdMatmul(m, k, n, slots) ?? lowerMatmul(eq, slots)!)(env);
      return simdPackedMatmul(heap, m, k, n, slots, offHeap) ?? (m * k * n <= HOST_MATMUL_LIMIT ? simdMatmul(m, k, n, slots, heap) : undefined);
    },
  },
  name: 'matmul',
  onnx: matmulOnnx,
  abstractEval([a, b]) {
    requireDtype('matmul', 'a', a!, ['float32']);
    requireDtype('matmul', 'b', b!, ['float32']);
    return { shape: matmulShape(a!.shape, b!.shape), dtype: 'float32' };
  },
  impl([a, b]) {
    // An empty contraction (K = 0) is a product of zeros, as NumPy; tfjs-wasm and webgpu return uninitialized memory.
    if (a!.shape.at(-1) === 0) return tf.zeros(matmulShape(a!.shape, b!.shape), 'float32');
    // `[..., M, K] @ [K, N]` is one 2-D product over the folded rows (a free reshape): tfjs-wasm's
    // broadcasting batched kernel took 60 ms for [16, 64, 128] @ [128, 128] against 7 ms folded.
    if (b!.rank === 2 && a!.rank > 2) {
      const k = a!.shape.at(-1)!;
      return tf.reshape(tf.matMul(tf.reshape(a!, [sizeOf(a!.shape) / Math.max(k, 1), k]), b!), [...a!.shape.slice(0, -1), b!.shape[1]!]);
    }
    // tfjs flattens each operand's batch axes before broadcasting them, which is only right when the
    // batch shapes agree or one operand has a single batch; otherwise broadcast both explicitly first.
    const batchA = a!.shape.slice(0, -2);
    const batchB = b!.shape.slice(0, -2);
    if (sameBatch(batchA, batchB)) return fastKernels.batchedMatmul?.(a!, b!) ?? tf.matMul(a!, b!);
    if (sizeOf(batchA) === 1 || sizeOf(batchB) === 1) return tf.matMul(a!, b!);
    const batch = broadcastShapes('matmul', batchA, batchB);
    return tf.matMul(tf.broadcastTo(a!, [...batch, ...a!.shape.slice(-2)]), tf.broadcastTo(b!, [...batch, ...b!.shape.slice(-2)]));
  },
  jvp([a, b], [ta, tb]) {
    const y = apply1(matmulPrimitive, [a!, b!]);
    const da = ta ? apply1(matmulPrimitive, [ta, b!]) : null;
    const db = tb ? apply1(matmulPrimitive, [a!, tb]) : null;
    return [y, da && db ? add(da, db) : (da ?? db)];
  },
  batch([a, b], [da, db]) {
    // One operand batched against one matrix: the batch joins the other dimension of a single product
    // (rows of a, columns of b) instead of a product per example: vmapped Jacobians are one matmul.
    if (db === null && da !== null && b!.rank === 2) {
      const front = moveBatchToFront(a!, da!); // [B, …, M, K]
      const rows: number[] = front.shape.slice(0, -1);
      const product = apply1(matmulPrimitive, [reshape(front, [sizeOf(rows), front.shape.at(-1)!]), b!]);
      return [reshape(product, [...rows, b!.shape[1]!]), 0];
    }
    if (da === null && db !== null && a!.rank === 2) {
      const front = moveBatchToFront(b!, db!); // [B, …, K, N]
      const r = front.rank;
      const lead: number[] = front.shape.slice(0, -2);
      const [k, n] = front.shape.slice(-2) as [number, number];
      if (n === 1) {
        // Matrix-vector products (a Jacobian's basis through A·v): the vectors are rows of one product with aᵀ.
        const product = apply1(matmulPrimitive, [reshape(front, [sizeOf(lead), k]), transpose(a!, [1, 0] as never)]);
        return [reshape(product, [...lead, a!.shape[0]!, 1]), 0];
      }
      const columns = reshape(transpose(front, [r - 2, ...lead.map((_, i) => i), r - 1] as never), [k, sizeOf(lead) * n]);
      const product = reshape(apply1(matmulPrimitive, [a!, columns]), [a!.shape[0]!, ...lead, n]); // [M, B, …, N]
      if (lead.length === 1) return [product, 1];
      return [transpose(product, [...lead.map((_, i) => i + 1), 0, r - 1] as never), 0];
    }
    // Batched operands get the batch axis first and the rank of the wider example, so batch axes line up.
    const rank = Math.max(a!.rank - (da === null ? 0 : 1), b!.rank - (db === null ? 0 : 1));
    const align = (x: AnyTensor, d: number | null) => (d === null ? x : batchedWithRank(x, d, rank));
    return [apply1(matmulPrimitive, [align(a!, da!), align(b!, db!)]), 0];
  },
  transpose(ct, [a, b]) {
    if (a instanceof LinearInput && b instanceof LinearInput) {
      throw new TransformError('matmul: cannot transpose a product of two linear values (the program is not linear)');
    }
    return [
      a instanceof LinearInput ? unbroadcast(cotangentOfA(ct, b as AnyTensor), a.aval.shape) : null,
      b instanceof LinearInput ? unbroadcast(apply1(matmulPrimitive, [mT(a as AnyTensor), ct]), b.aval.shape) : null,
    ];
  },
});

/**
 * The shape of `matmul(a, b)`, found by matching patterns first, so that
 * symbolic dims resolve: a rank-2 `b` maps `[...P, M, K]` to `[...P, M, N]`,
 * and equal batch dims carry through; otherwise the {@link MatMul} rule.
 * (The bad cases are reported by the `Checked` parameter.)
 */
type MatMulShape<A extends Shape, B extends Shape> = B extends readonly [unknown, infer N extends number]
  ? A extends readonly [...infer P extends number[], infer M extends number, unknown]
    ? [...P, M, N]
    : MatMul<A, B>
  : A extends readonly [...infer P extends number[], infer M extends number, unknown]
    ? B extends readonly [...infer P2 extends number[], unknown, infer N extends number]
      ? { p: P2 } extends { p: P }
        ? { p: P } extends { p: P2 }
          ? [...P, M, N]
          : MatMul<A, B>
        : MatMul<A, B>
      : MatMul<A, B>
    : MatMul<A, B>;

/**
 * Matrix product over the last two axes; leading (batch) axes of `a` carry
 * through. The inner dims must agree: `[B, 784] @ [100, 10]` is a compile-time
 * error when the dims are literals. As NumPy's `matmul`, a 1-D operand is a
 * vector: `[K] @ [..., K, N]` → `[..., N]`, `[..., M, K] @ [K]` → `[..., M]`,
 * `[K] @ [K]` → `[]`.
 * @example
 * ```ts
 * fx.matmul(fx.zeros([5, 784]), fx.zeros([784, 10])); // Tensor<[5, 10], 'float32'>
 * ```
 * One signature (batch dims broadcast; literal inner dims that differ are an
 * error: `shape error: matmul inner dims 784 and 100 differ`).
 * @public
 */
export function matmul<A extends Shape, B extends Shape>(a: Tensor<A, 'float32'>, b: Tensor<B, 'float32'> & Checked<MatMulResult<A, B>>): Tensor<MatMulShape<A, B>, 'float32'>;
export function matmul(a: Tensor<Shape, 'float32'>, b: Tensor<Shape, 'float32'>): Tensor<Shape, 'float32'> {
  // Not tensors: the primitive names the bad argument.
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return apply1(matmulPrimitive, [a, b as Tensor]);
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError('matmul', `operands need rank >= 1, got a ${showShape(a.shape)} and b ${showShape(b.shape)} (use fx.mul for scalars)`);
  }
  // `[..., M, K] @ [K, N]`: fold the leading dims into the rows, so every path (eager, jit, grad's
  // transpose rules, vmap) sees one 2-D product; its cotangents are 2-D products too (no batched
  // product and no sum over a broadcast batch).
  const x = a as AnyTensor;
  const w = b as AnyTensor;
  if (typeof x === 'object' && x !== null && typeof w === 'object' && w !== null && x.rank > 2 && w.rank === 2 && x.shape.at(-1) === w.shape[0] && x.size > 0) {
    const rows = x.size / x.shape.at(-1)!;
    return reshape(apply1(matmulPrimitive, [reshape(x, [rows, x.shape.at(-1)!]), w]), [...x.shape.slice(0, -1), w.shape[1]!]) as never;
  }
  if (a.rank >= 2 && b.rank >= 2) return apply1(matmulPrimitive, [a, b as Tensor]);
  const k = a.shape[a.rank - 1]!;
  const k2 = b.shape[b.rank === 1 ? 0 : b.rank - 2]!;
  if (k !== k2) throw new ShapeError('matmul', `inner dims ${k} and ${k2} differ (a ${showShape(a.shape)}, b ${showShape(b.shape)})`);
  // NumPy: a 1-D operand gains a size-1 axis (rows for a, columns for b) that the result drops.
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const out = apply1<Tensor<Shape, 'float32'>>(matmulPrimitive, [a2, b2 as Tensor]);
  const shape = out.shape.slice();
  if (b.rank === 1) shape.splice(shape.length - 1, 1);
  if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
  return reshape(out, shape) as never;
}

// ------------------------------------------------------------------ host lowering (jit on cpu and wasm)

function lowerMatmul(eq: Equation, slots: Slots, heap?: WebAssembly.Memory): Step | undefined {
  const aShape = eq.inputs[0]!.aval.shape;
  const bShape = eq.inputs[1]!.aval.shape;
  const outShape = eq.outputs[0]!.aval.shape;
  const [m, kk] = aShape.slice(-2) as [number, number];
  const n = bShape[bShape.length - 1]!;
  const batchShape = outShape.slice(0, -2);
  const batches = sizeOf(batchShape);
  if (batches * m * n * kk > HOST_MATMUL_LIMIT) return undefined;
  // Per batch, where each operand's matrix starts (batch axes broadcast).
  const offsets = (shape: readonly number[], matrix: number) => {
    const b = shape.slice(0, -2);
    const s = stridesOf(b);
    const pad = batchShape.length - b.length;
    return gatherMap(batchShape, batchShape.map((_, ax) => (ax < pad || b[ax - pad] === 1 ? 0 : s[ax - pad]! * matrix)));
  };
  // One product: wasm SIMD where the engine has it (bench W4: the 64-dim Hessian's 64×64×64 product).
  const simd = batches === 1 && eq.inputs.every((v) => v.aval.dtype === 'float32') ? simdMatmul(m, kk, n, slots, heap) : undefined;
  if (simd) return simd;
  const aOff = offsets(aShape, m * kk);
  const bOff = offsets(bShape, kk * n);
  // B's matrix is copied transposed into a float64 scratch so that every dot product reads two contiguous rows.
  const bt = new Float64Array(kk * n);
  const k4 = kk & ~3;
  const [ia, ib] = slots.ins;
  const [o] = slots.outs;
  return (env) => {
    const A = env[ia!] as Float32Array;
    const B = env[ib!] as Float32Array;
    const out = env[o!] as Float32Array;
    for (let t = 0; t < batches; t++) {
      const ao = aOff[t]!;
      const bo = bOff[t]!;
      for (let p = 0; p < kk; p++) for (let j = 0; j < n; j++) bt[j * kk + p] = B[bo + p * n + j]!;
      let w = t * m * n;
      for (let i = 0; i < m; i++) {
        const ar = ao + i * kk;
        for (let j = 0; j < n; j++) {
          const br = j * kk;
          // Four partial sums break the add-latency chain (measured 1.6× on a 64×64 matvec).
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let p = 0;
          for (; p < k4; p += 4) {
            s0 += A[ar + p]! * bt[br + p]!;
            s1 += A[ar + p + 1]! * bt[br + p + 1]!;
            s2 += A[ar + p + 2]! * bt[br + p + 2]!;
            s3 += A[ar + p + 3]! * bt[br + p + 3]!;
          }
          for (; p < kk; p++) s0 += A[ar + p]! * bt[br + p]!;
          out[w++] = s0 + s1 + (s2 + s3);
        }
      }
    }
  };
}

/**
 * ONNX: `MatMul` (NumPy batching, as the primitive). A transposed operand is
 * a `Transpose` node before it, which ONNX Runtime's graph optimizer folds
 * into the product (its MatMul/Transpose fusion).
 */
function matmulOnnx(g: OnnxBuilder, eq: OnnxEquation): void {
  if (emptyContraction(g, eq)) return;
  // A 2-D product is a `Gemm`, whose flags take in the transposes around it (foldGemmTransposes).
  const [a, b] = eq.inAvals.map((v) => v.shape);
  const matrices = a!.length === 2 && b!.length === 2 && !eq.outAvals[0]!.shape.includes(0);
  g.node(matrices ? 'Gemm' : 'MatMul', eq.inputs, eq.outputs);
}
