/**
 * fluxion: differentiable programming for TypeScript. Typed tensors,
 * composable derivative transformations (`grad`, `vjp`, `jvp`, `hessian`, …)
 * on TensorFlow.js backends (wasm by default, cpu, webgpu).
 *
 * Importing this module initializes the default backend (`wasm`, or the
 * `FLUXION_BACKEND` environment variable in Node).
 * @packageDocumentation
 */
import { initDefaultBackend } from './backend/index.js';

export type { Dim, Shape, Dtype, DiffDtype, NoDiffDtype } from '../typelevel/index.js';
// Every type-level rule and error type, so the types in op signatures can be named (also in `fluxion/typelevel`).
export type * from '../typelevel/index.js';
export { Tensor, type AbstractValue, type NestedArray, type Elem } from './core/tensor.js';
export { ShapeError, DtypeError, ConcretizationError, TransformError, ReadbackError } from './core/errors.js';
export { tensor, zeros, ones, full, scalar, arange, linspace, eye, type ShapeOfData, type TensorData, type DtypeOfData, type TensorDataCheck, type ArangeDtype, type TensorFactory } from './core/creation.js';
export { scope, memory, type MemoryInfo } from './core/memory.js';
export type { Pytree } from './core/pytree.js';
export type { BinaryOp, NonInteger, IsNonInteger, ShapeOf, OuterShape } from './core/signatures.js';
export { IR, Var, type Equation } from './core/ir.js';
export { Tracer } from './core/trace.js';
export type { Primitive, Params } from './core/primitive.js';
// Types that public signatures mention (exported so API Extractor and users can name them).
export type { LinearInput, MaybeZero } from './core/primitive.js';
export type { Releasable } from './core/scope.js';
export type { Trace, MainTrace } from './core/trace.js';

export * from './ops.js';

export { jvp, linearize, type LinearMap } from './transforms/forward.js';
export { vjp, grad, valueAndGrad, type Pullback, type ValueAndGrad } from './transforms/reverse.js';
export { vjpWithAux, type AuxOf } from './transforms/reverse.js';
export { jacfwd, jacrev, hessian, type Jacobian, type JacobianOptions, type CheckJacobian } from './transforms/jacobian.js';
export { makeIR } from './transforms/makeIR.js';
export { checkpoint, type CheckpointOptions } from './transforms/checkpoint.js';
export { vmap, type VmapOptions, type AxisSpec, type Vmapped, type Stacked, type StackedAt } from './transforms/vmap.js';
export * from './control/index.js';
export * from './solvers/index.js';
export { customJvp, customVjp, type CustomFunction, type Cotangents } from './transforms/custom.js';
export { jit, type Jitted, type JitStats, type JitOptions, type JitControls } from './compile/jit.js';
export type { OptimizeReport } from './compile/optimize.js';
export type { Scalar, GradOf, GradsOf, HasNoDiffLeaf, CheckDifferentiable, NoDiffError, Argnums, GradOptions, ValueAndGradOptions } from './transforms/types.js';

export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
// Linear algebra as jax.numpy.linalg: decompositions (eigh, svd, qr, lu) and what is built on them.
export * as linalg from './linalg/index.js';
export { setBackend, getBackend, BackendError, type BackendName } from './backend/index.js';
// PRNG keys (key, split, fold, bits): host-side Threefry, so every backend draws the same numbers; samplers are in fluxion/effects.
export * as random from './random/keys.js';
// The seam to fluxion/effects: grad/vjp/jvp overloads for effect programs mention these.
export { EFFECT_PROGRAM, type EffectProgramLike, type EffectProgramTag, type EffectPrograms, type EffectProgramOf, type EffectRowOf, type EffectValueOf, type CheckNoIO, type CheckEffectful, type CheckResultNoIO } from './core/effectHook.js';

// Memory (branch memory): the error for async scopes a platform cannot isolate.
export { ScopeError } from './core/scope.js';

await initDefaultBackend();
// Special values, empty tensors and allocation limits (docs/conventions.md).
export { AllocationError } from './core/allocation.js';
// ONNX export (issue #23)
export { exportOnnx } from './onnx/export.js';
export { OnnxExportError } from './onnx/lower.js';
export type { OnnxForm, OnnxBuilder, OnnxEquation } from './onnx/forms.js';
export type { OnnxAttributeValue, OnnxTensor, OnnxDataType } from './onnx/proto.js';
// ONNX target planner, split plans and default target (issue #23, branch onnxplan)
export { setDefaultJitTarget, type JitTarget } from './onnx/target.js';
export type { JitProgramReport, JitSegmentReport } from './onnx/jitOnnx.js';
export { ONNX_MIN_WORK, ONNX_MIN_WORK_PER_EQUATION } from './onnx/plan.js';
export type { OnnxGraphInput } from './onnx/forms.js';
export type { OnnxGraph, OnnxNode, OnnxValueInfo } from './onnx/proto.js';
