/**
 * Runs an optimized IR on concrete inputs by calling each primitive's tfjs
 * kernel directly (no tracing, no per-op wrapper objects) and frees every
 * intermediate right after its last use. Reports the peak bytes held.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Equation, IR, Var } from '../core/ir.js';
import { allocate, HOST_MATMUL_LIMIT, hostReduces, isElementwise, lowerEquation, lowerLoop, type Step } from './hostKernels.js';
import { simdLoop, simdMatmul, simdStructural, wasmHeap } from './simd.js';
import { groupLoops, MAX_GROUP } from './group.js';
import { displayIR, view, type HostMemory } from './host.js';
import { ConcreteTensor, sizeOf } from '../core/tensor.js';
import { DtypeError, ShapeError, showShape } from '../core/errors.js';
import { hasObservers, onPrimitiveEvaluated } from '../core/hooks.js';
import type { Primitive } from '../core/primitive.js';
import { openScope } from '../core/scope.js';

/** One unit of a plan: a tfjs kernel call, or a generated host loop run on the tensors' memory in place. */
export type PlanItem =
  | { readonly kind: 'eq'; readonly eq: Equation }
  | { readonly kind: 'host'; readonly step: Step; readonly inputs: readonly Var[]; readonly outputs: readonly Var[] };

/** A compiled program: the IR (as printed), its items, and the last-use plan. */
export interface Plan {
  readonly ir: IR;
  readonly items: readonly PlanItem[];
  /** For each item, the variables whose last use it is. */
  readonly freeAfter: readonly Var[][];
}

const itemInputs = (item: PlanItem) => (item.kind === 'eq' ? item.eq.inputs : item.inputs);
const itemOutputs = (item: PlanItem) => (item.kind === 'eq' ? item.eq.outputs : item.outputs);

/** Computes the memory plan: which values die after each equation. */
export function planMemory(ir: IR, items: readonly PlanItem[] = ir.equations.map((eq) => ({ kind: 'eq', eq }))): Plan {
  const lastUse = new Map<Var, number>();
  items.forEach((item, i) => itemInputs(item).forEach((v) => lastUse.set(v, i)));
  const keep = new Set<Var>([...ir.inputs, ...ir.constVars, ...ir.outputs.filter((o): o is Var => o !== null)]);
  const freeAfter: Var[][] = items.map(() => []);
  for (const [v, i] of lastUse) if (!keep.has(v)) freeAfter[i]!.push(v);
  // Values produced and never used (not outputs) die right away.
  items.forEach((item, i) => itemOutputs(item).forEach((v) => !lastUse.has(v) && !keep.has(v) && freeAfter[i]!.push(v)));
  return { ir, items, freeAfter };
}

/** Elementwise primitives worth a host loop even alone: tfjs-wasm runs them as scalar libm calls. */
const TRANSCENDENTAL = new Set(['exp', 'expm1', 'log', 'log1p', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'softplus', 'erf', 'pow']);

/**
 * A plan for cpu and wasm programs the host lowering cannot take whole (a
 * large matmul, a primitive without a host kernel): elementwise groups of
 * two or more equations, or with a transcendental function, run as generated
 * loops directly on the tensors' memory; everything else calls tfjs kernels.
 * Returns `undefined` when no group gains.
 */
export function planMixed(ir: IR): Plan | undefined {
  const nodes = groupLoops(ir, (eq) => isElementwise(eq.prim.name), MAX_GROUP, hostReduces);
  const heap = wasmHeap();
  const slotsOf = (inputs: readonly Var[], outputs: readonly Var[]) => ({ ins: inputs.map((_, j) => j), outs: outputs.map((_, j) => inputs.length + j) });
  let loops = 0;
  const items = nodes.flatMap((node): PlanItem[] => {
    if (node.kind === 'eq') {
      const { eq } = node;
      const slots = slotsOf(eq.inputs, eq.outputs);
      const step = heap && heapStructural(heap, eq, slots);
      if (!step) return [{ kind: 'eq', eq }];
      loops++;
      return [{ kind: 'host', step, inputs: eq.inputs, outputs: eq.outputs }];
    }
    const { members, inputs, outputs } = node.group;
    const slots = slotsOf(inputs, outputs);
    const js = lowerLoop(node.group, slots, new Set());
    const simd = js && heap && simdLoop(heap, node.group, slots, js);
    // A lone cheap operation gains from a loop only in SIMD: tfjs's kernel is as fast as the JS loop.
    const step = simd || (members.length < 2 && !TRANSCENDENTAL.has(members[0]!.prim.name) ? undefined : js);
    if (!step) return members.map((eq) => ({ kind: 'eq', eq }));
    loops++;
    return [{ kind: 'host', step, inputs, outputs }];
  });
  if (loops === 0) return undefined;
  return planMemory(displayIR(ir, nodes), items);
}

/**
 * A host step for a structural equation or small product of the mixed plan
 * on the wasm heap, or `undefined`: a float32 2-D transpose, sum over leading
 * axes or small 2-D matmul in SIMD, and `broadcastTo` as the host kernel
 * (tfjs-wasm's takes 0.14 ms for [128,1] → [128,10]).
 */
function heapStructural(heap: WebAssembly.Memory, eq: Equation, slots: { ins: number[]; outs: number[] }): Step | undefined {
  if (eq.outputs[0]!.aval.dtype !== 'float32' || eq.inputs[0]!.aval.dtype !== 'float32') return undefined;
  const shape = eq.inputs[0]!.aval.shape;
  if (eq.prim.name === 'broadcastTo') return lowerEquation(eq, slots);
  if (eq.prim.name === 'matmul') {
    // A small 2-D product (within the host lowering's limit) as the SIMD kernel, in place on the heap; larger ones stay on XNNPACK.
    const [a, b] = eq.inputs.map((v) => v.aval.shape);
    if (a!.length !== 2 || b!.length !== 2 || a![0]! * a![1]! * b![1]! > HOST_MATMUL_LIMIT || eq.inputs[1]!.aval.dtype !== 'float32') return undefined;
    return simdMatmul(a![0]!, a![1]!, b![1]!, slots, heap);
  }
  if (eq.prim.name !== 'transpose' && eq.prim.name !== 'sum') return undefined;
  // The host kernel runs instead if a buffer is ever outside the heap.
  const js = lowerEquation(eq, slots);
  const simd = js && simdStructural(heap, eq, slots, js);
  // A small transpose SIMD does not take (a dimension not a multiple of 4) costs less as the host loop than as
  // tfjs-wasm's kernel ([512, 10] → [10, 512]: 0.12 ms there).
  return simd || (eq.prim.name === 'transpose' && sizeOf(shape) <= SMALL_TRANSPOSE ? js : undefined);
}

/** Elements up to which a transpose runs as the host's index-map loop rather than tfjs-wasm's kernel. */
const SMALL_TRANSPOSE = 1 << 14;

/** A new tensor whose values a host loop writes (uninitialized on wasm). */
function outputTensor(shape: readonly number[], dtype: 'float32' | 'int32' | 'bool'): tf.Tensor {
  const backend = tf.backend() as unknown as HostMemory;
  // tfjs-wasm's makeOutput(shape, dtype) allocates heap memory; the cpu backend's makeOutput takes values first.
  if (backend.typedArrayFromHeap && backend.makeOutput) return tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape as number[], dtype));
  return tf.tensor(allocate(dtype, sizeOf(shape)), shape as number[], dtype);
}

const bytesOf = (t: tf.Tensor) => sizeOf(t.shape) * 4;

/** Throws when the inputs are not what the program was compiled for. */
export function checkInputs(ir: IR, inputs: readonly ConcreteTensor[]): void {
  ir.inputs.forEach((v, i) => {
    const x = inputs[i]!;
    if (showShape(x.shape) !== showShape(v.aval.shape)) throw new ShapeError('jit', `input ${i} has shape ${showShape(x.shape)}, compiled for ${showShape(v.aval.shape)}`);
    if (x.dtype !== v.aval.dtype) throw new DtypeError('jit', `input ${i} is ${x.dtype}, compiled for ${v.aval.dtype}`);
  });
}

/** Executes a plan; returns the outputs and the peak bytes of intermediates. */
export function execute(plan: Plan, inputs: readonly ConcreteTensor[]): { outputs: ConcreteTensor[]; peakBytes: number } {
  const { ir } = plan;
  const env = new Map<Var, tf.Tensor>();
  checkInputs(ir, inputs);
  ir.inputs.forEach((v, i) => env.set(v, inputs[i]!._concrete()._tf));
  ir.constVars.forEach((v, i) => env.set(v, ir.constValues[i]!._concrete('jit')._tf));
  let live = 0;
  let peak = 0;
  const owned = new Set<tf.Tensor>();
  try {
    plan.items.forEach((item, i) => {
      if (item.kind === 'host') {
        const outs = item.outputs.map((v) => {
          const t = outputTensor(v.aval.shape, v.aval.dtype);
          env.set(v, t);
          owned.add(t);
          live += bytesOf(t);
          return t;
        });
        // Views are taken after every allocation: allocating can grow (and so detach) the wasm heap.
        item.step([...item.inputs.map((v) => view(env.get(v)!)), ...outs.map(view)]);
      } else {
        const { eq } = item;
        const args = eq.inputs.map((v) => env.get(v)!);
        // Empty outputs need no kernel (as in eager `evaluate`): tfjs-wasm divides by zero on some.
        const empty = eq.outputs.every((v) => v.aval.shape.includes(0));
        const outs = empty ? eq.outputs.map((v) => tf.zeros(v.aval.shape as number[], v.aval.dtype)) : tf.tidy(() => eq.prim.impl(args, eq.params));
        outs.forEach((t, j) => {
          const want = eq.outputs[j]!.aval.dtype;
          const fixed = t.dtype === want ? t : castAndDispose(t, want);
          env.set(eq.outputs[j]!, fixed);
          owned.add(fixed);
          live += bytesOf(fixed);
        });
        if (hasObservers()) observe(eq.prim, eq.outputs.map((v) => env.get(v)!), i);
      }
      peak = Math.max(peak, live);
      for (const v of plan.freeAfter[i]!) {
        const t = env.get(v);
        if (t && owned.delete(t)) {
          live -= bytesOf(t);
          t.dispose();
        }
        env.delete(v);
      }
    });
    const outputs = ir.outputs.map((o, i) => {
      if (o === null) return new ConcreteTensor(tf.zeros(ir.outAvals[i]!.shape as number[], ir.outAvals[i]!.dtype));
      const t = env.get(o)!;
      // An output that is an input or a constant is copied: the caller owns what jit returns.
      if (!owned.delete(t)) return new ConcreteTensor(tf.clone(t));
      return new ConcreteTensor(t);
    });
    return { outputs, peakBytes: peak };
  } finally {
    // Outputs were taken out of `owned`; whatever is left (after an error) is freed.
    for (const t of owned) t.dispose();
  }
}

/** Lets debugging tools see a compiled equation's outputs (debug mode only: copies them). */
function observe(prim: Primitive, outputs: tf.Tensor[], equation: number): void {
  const close = openScope();
  try {
    onPrimitiveEvaluated(prim, [], outputs.map((t) => new ConcreteTensor(tf.clone(t))), equation);
  } finally {
    close([]);
  }
}

function castAndDispose(t: tf.Tensor, dtype: 'float32' | 'int32' | 'bool'): tf.Tensor {
  const c = tf.cast(t, dtype);
  t.dispose();
  return c;
}
