/**
 * Runs an optimized IR on concrete inputs by calling each primitive's tfjs
 * kernel directly (no tracing, no per-op wrapper objects) and frees every
 * intermediate right after its last use. Reports the peak bytes held.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Equation, IR, Var } from '../core/ir.js';
import { allocate, hostReduces, isElementwise, lowerLoop, scalarLoop } from './hostKernels.js';
import { simdLoop, wasmHeap } from './simd.js';
import { mixedStep } from './heapSteps.js';
import { TRANSCENDENTAL_OPS, usesAny } from '../core/scalar.js';
import type { Step } from '../core/lowering.js';
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

/**
 * A plan for cpu and wasm programs the host lowering cannot take whole (a
 * large matmul, a primitive without a host kernel): elementwise groups of
 * two or more equations, or with a transcendental function, run as generated
 * loops directly on the tensors' memory; everything else calls tfjs kernels.
 * Returns `undefined` when no group gains.
 */
export function planMixed(ir: IR): Plan | undefined {
  const nodes = groupLoops(ir, isElementwise, MAX_GROUP, hostReduces);
  const heap = wasmHeap();
  const slotsOf = (inputs: readonly Var[], outputs: readonly Var[]) => ({ ins: inputs.map((_, j) => j), outs: outputs.map((_, j) => inputs.length + j) });
  let loops = 0;
  const items = nodes.flatMap((node): PlanItem[] => {
    if (node.kind === 'eq') {
      const { eq } = node;
      const slots = slotsOf(eq.inputs, eq.outputs);
      const step = heap && mixedStep(heap, eq, slots);
      if (!step) return [{ kind: 'eq', eq }];
      loops++;
      return [{ kind: 'host', step, inputs: eq.inputs, outputs: eq.outputs }];
    }
    const { members, inputs, outputs } = node.group;
    const slots = slotsOf(inputs, outputs);
    const js = lowerLoop(node.group, slots, new Set());
    const program = js && scalarLoop(node.group);
    // Reductions over trailing axes (layer-norm and softmax statistics) accumulate inside the SIMD loop.
    const n = sizeOf(node.group.shape);
    const reductions = program?.reductions.map((r, j) => r && { ...r, inner: n / sizeOf(outputs[j]!.aval.shape) });
    const simd = program && heap && simdLoop(heap, program, slots, js, reductions);
    // A lone cheap operation gains from a loop only in SIMD: tfjs's kernel is as fast as the JS loop
    // (tfjs-wasm runs transcendental functions as scalar libm calls, slower than the generated loop).
    const step = simd || (members.length < 2 && !(program && program.results.some((r) => usesAny(r, TRANSCENDENTAL_OPS))) ? undefined : js);
    if (!step) return members.map((eq) => ({ kind: 'eq', eq }));
    loops++;
    return [{ kind: 'host', step, inputs, outputs }];
  });
  if (loops === 0) return undefined;
  return planMemory(displayIR(ir, nodes), items);
}

/** A new tensor whose values a host loop writes (uninitialized on wasm). */
export function outputTensor(shape: readonly number[], dtype: 'float32' | 'int32' | 'bool'): tf.Tensor {
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
