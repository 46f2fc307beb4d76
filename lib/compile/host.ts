/**
 * The host lowering of `jit` on cpu and wasm: the whole optimized program runs
 * as JavaScript over typed arrays, one compiled step per equation (fused
 * elementwise chains are one generated loop), with every buffer planned at
 * compile time. Inputs are read in place (the cpu backend's arrays, views of
 * the wasm heap); only the results become tfjs tensors.
 *
 * Why: a tfjs kernel call costs 5–20 µs of dispatch, tensor bookkeeping and
 * allocation whatever its size, so programs of many small ops (a 10-element
 * loop, a 100-particle rollout of 4,000 equations) spend nearly all their
 * time there. A host step costs well under a microsecond plus its
 * arithmetic. Large matrix products stay on the backend's kernel
 * (`HOST_MATMUL_LIMIT`): a program containing one runs on tfjs kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { IR, type Equation, type Var } from '../core/ir.js';
import type { Primitive } from '../core/primitive.js';
import { TransformError } from '../core/errors.js';
import { ConcreteTensor, type AbstractValue } from '../core/tensor.js';
import { allocate, hostReduces, isAlias, isElementwise, lowerEquation, lowerLoop, scalarLoop, sizeOf, type Buf, type Step } from './hostKernels.js';
import { groupLoops, MAX_GROUP, type LoopGroup, type Node } from './group.js';
import { newArena, placeInArena, simdLoop } from './simd.js';
import { heapStep } from './heapSteps.js';

/** A program lowered to host steps. */
export interface HostProgram {
  readonly steps: readonly Step[];
  /** Buffers bound for the whole life of the program (intermediates, constants); input slots are filled per call. */
  readonly env: Buf[];
  readonly inputSlots: readonly number[];
  /** Per program output: its slot and aval, or `null` slot for a symbolic zero. */
  readonly outputs: readonly { readonly slot: number | null; readonly aval: AbstractValue }[];
  /** Bytes of the planned intermediate buffers (the program's peak). */
  readonly peakBytes: number;
  /** The program as run, for printing: generated loops appear as `fused` equations. */
  readonly ir: IR;
  /** Generated loops holding more than one equation. */
  readonly fusedLoops: number;
  /** Per slot: a planned intermediate (written by a step, free to be swapped for another buffer of its size between calls). */
  readonly pooled: readonly boolean[];
  /** Whether the input slots hold buffers of their own (`resident` lowering): callers write inputs into them. */
  readonly resident: boolean;
}

/** Backends whose tensors JavaScript can read in place. */
export function hostBackend(backend: string): boolean {
  return backend === 'cpu' || backend === 'wasm';
}

const bytesPer = (b: Buf) => b.BYTES_PER_ELEMENT * b.length;

/**
 * Lowers an optimized IR to host steps, or returns `undefined` when some
 * equation has no host kernel.
 *
 * `resident`: every input gets a buffer of its own (float32 ones in the
 * arena, where SIMD steps read them in place) that the caller writes the
 * input into, rather than binding its own buffer per call. A loop body is
 * lowered so: its loop constants are written once per loop, its carries are
 * swapped by reference between iterations (lib/control/scanPrimitive.ts).
 */
export function lowerToHost(ir: IR, fuse = true, resident = false): HostProgram | undefined {
  const nodes = groupLoops(ir, isElementwise, fuse ? MAX_GROUP : 1, fuse ? hostReduces : undefined);
  const nodeInputs = (n: Node) => (n.kind === 'loop' ? n.group.inputs : n.eq.inputs);
  const nodeOutputs = (n: Node) => (n.kind === 'loop' ? n.group.outputs : n.eq.outputs);
  const lastUse = new Map<Var, number>();
  nodes.forEach((n, i) => nodeInputs(n).forEach((v) => lastUse.set(v, i)));
  for (const o of ir.outputs) if (o) lastUse.set(o, Infinity);

  const env: Buf[] = [];
  // Float32 buffers (intermediates, constants) move into a wasm memory at the end, where SIMD kernels run on them in place.
  const arena = newArena();
  const slotOf = new Map<Var, number>();
  const slotEnd: number[] = [];
  const pooled: boolean[] = [];
  const free = new Map<string, number[]>();
  let peakBytes = 0;
  const newSlot = (buf: Buf | undefined, isPooled: boolean) => {
    pooled.push(isPooled);
    slotEnd.push(-1);
    return env.push(buf as Buf) - 1;
  };
  const bind = (v: Var, slot: number) => {
    slotOf.set(v, slot);
    slotEnd[slot] = Math.max(slotEnd[slot]!, lastUse.get(v) ?? -1);
  };

  const inputSlots = ir.inputs.map((v) => {
    const buf = resident ? allocate(v.aval.dtype, sizeOf(v.aval.shape)) : undefined;
    if (buf) peakBytes += bytesPer(buf);
    const s = newSlot(buf, false);
    bind(v, s);
    return s;
  });
  // Constants holding one repeated value (a broadcast cotangent seed) are read as scalars.
  const uniform = new Set<Var>();
  ir.constVars.forEach((v, i) => {
    const buf = copyOf(ir.constValues[i]!._concrete('jit')._tf);
    if (buf.length > 1 && buf.every((x) => x === buf[0])) uniform.add(v);
    bind(v, newSlot(buf, false));
  });

  const steps: Step[] = [];
  // With SIMD, float32 inputs read by loops are copied into the arena first (a memcpy per call), so the
  // loops reading them run in SIMD too rather than falling back to JS for buffers outside the arena.
  if (arena && !resident) {
    const readByLoops = new Set(nodes.flatMap((n) => (n.kind === 'loop' ? n.group.inputs : [])));
    ir.inputs.forEach((v, i) => {
      if (v.aval.dtype !== 'float32' || !readByLoops.has(v)) return;
      const buf = allocate('float32', sizeOf(v.aval.shape));
      peakBytes += bytesPer(buf);
      const mirror = newSlot(buf, false);
      const from = inputSlots[i]!;
      bind(v, mirror);
      steps.push((env) => (env[mirror] as Float32Array).set(env[from] as Float32Array));
    });
  }
  for (const [i, node] of nodes.entries()) {
    if (node.kind === 'eq' && isAlias(node.eq)) {
      bind(node.eq.outputs[0]!, slotOf.get(node.eq.inputs[0]!)!);
    } else {
      const outs = nodeOutputs(node).map((out) => {
        const key = `${out.aval.dtype}:${sizeOf(out.aval.shape)}`;
        let slot = free.get(key)?.pop();
        if (slot === undefined) {
          const buf = allocate(out.aval.dtype, sizeOf(out.aval.shape));
          peakBytes += bytesPer(buf);
          slot = newSlot(buf, true);
        }
        slotEnd[slot] = -1;
        bind(out, slot);
        return slot;
      });
      const slots = { ins: nodeInputs(node).map((v) => slotOf.get(v)!), outs };
      const js = node.kind === 'loop' ? lowerLoop(node.group, slots, uniform) : lowerEquation(node.eq, slots, arena);
      if (!js) return undefined;
      // In SIMD where the buffers are in the arena (the JS step runs for those that are not: inputs).
      const program = node.kind === 'loop' ? scalarLoop(node.group) : undefined;
      if (arena && program && program.reductions.some((r) => r)) {
        // A loop ending in reductions: SIMD for its elements (the reduced values into scratch buffers), then the reductions.
        const split = arenaSplit(arena, (node as { group: LoopGroup }).group, slots, uniform, (buf) => {
          peakBytes += bytesPer(buf);
          return newSlot(buf, false);
        });
        steps.push(...(split ?? [js]));
      } else {
        const simd = arena && (program ? simdLoop(arena, program, slots, js) : node.kind === 'eq' && heapStep(arena, node.eq, slots, js));
        steps.push(simd || js);
      }
    }
    // Buffers whose last reader was this node go back to the pool.
    for (const v of new Set([...nodeInputs(node), ...nodeOutputs(node)])) {
      const s = slotOf.get(v)!;
      if (pooled[s] && slotEnd[s] === i) {
        const key = `${v.aval.dtype}:${env[s]!.length}`;
        (free.get(key) ?? free.set(key, []).get(key)!).push(s);
        slotEnd[s] = Infinity;
      }
    }
  }
  if (arena) placeInArena(arena, env);
  const outputs = ir.outputs.map((o, i) => ({ slot: o ? slotOf.get(o)! : null, aval: ir.outAvals[i]! }));
  const fusedLoops = nodes.filter((n) => n.kind === 'loop' && n.group.members.length > 1).length;
  return { steps, env, inputSlots, outputs, peakBytes, ir: displayIR(ir, nodes), fusedLoops, pooled, resident };
}

/**
 * The steps of a loop that ends in reductions, run as a SIMD loop over its
 * elementwise members (each reduced value written to a scratch buffer of the
 * loop's shape) followed by the reductions' host kernels; `undefined` when
 * SIMD does not take the elementwise part (the fused JS loop runs instead).
 */
function arenaSplit(
  arena: WebAssembly.Memory,
  group: LoopGroup,
  slots: { readonly ins: readonly number[]; readonly outs: readonly number[] },
  uniform: ReadonlySet<Var>,
  scratch: (buf: Buf) => number,
): Step[] | undefined {
  const reductions = group.members.filter((eq) => eq.prim.lowering.kind === 'reduce');
  const members = group.members.filter((eq) => !reductions.includes(eq));
  if (members.length === 0) return undefined;
  const reducedOut = new Set(reductions.map((eq) => eq.outputs[0]!));
  const kept = group.outputs.filter((v) => !reducedOut.has(v));
  const reducedIn = [...new Set(reductions.map((eq) => eq.inputs[0]!))].filter((v) => !kept.includes(v));
  const elementwise: LoopGroup = { members, inputs: group.inputs, outputs: [...kept, ...reducedIn], shape: group.shape };
  const program = scalarLoop(elementwise);
  if (!program) return undefined;
  const at = new Map<Var, number>(group.outputs.map((v, j) => [v, slots.outs[j]!]));
  const tempOf = new Map(reducedIn.map((v) => [v, scratch(allocate(v.aval.dtype, sizeOf(v.aval.shape)))] as const));
  const outs = elementwise.outputs.map((v) => at.get(v) ?? tempOf.get(v)!);
  const elementSlots = { ins: slots.ins, outs };
  const js = lowerLoop(elementwise, elementSlots, uniform);
  const simd = js && simdLoop(arena, program, elementSlots, js);
  if (!simd) return undefined;
  // A reduced value is a scratch buffer, or an output of the loop that is also read elsewhere.
  const reduceSteps = reductions.map((eq) => lowerEquation(eq, { ins: [tempOf.get(eq.inputs[0]!) ?? at.get(eq.inputs[0]!)!], outs: [at.get(eq.outputs[0]!)!] }));
  if (reduceSteps.some((r) => !r)) return undefined;
  return [simd, ...(reduceSteps as Step[])];
}

/** Stands for a generated loop in printed IR (`jit(f).lower()`); never evaluated. */
const loopPrimitive: Primitive<{ ops: string }> = {
  name: 'fused',
  lowering: { kind: 'kernel', reason: 'printed only: stands for a generated loop' },
  abstractEval: () => {
    throw new TransformError('a host loop is only printed, not evaluated');
  },
  impl: () => {
    throw new TransformError('a host loop is only printed, not evaluated');
  },
  showParams: (p) => `ops=${p.ops}`,
};

/** The program as the host runs it: each generated loop of several equations printed as one `fused` equation. */
export function displayIR(ir: IR, nodes: readonly Node[]): IR {
  const equations = nodes.flatMap((n): Equation[] => {
    if (n.kind === 'eq') return [n.eq];
    const { members, inputs, outputs } = n.group;
    if (members.length === 1) return [members[0]!];
    return [{ prim: loopPrimitive as Primitive, inputs, params: { ops: members.map((eq) => eq.prim.name).join('→') }, outputs }];
  });
  return new IR(ir.inputs, ir.constVars, ir.constValues, equations, ir.outputs, ir.outAvals);
}

/** What the cpu and wasm backends offer for reading and making tensors in place. */
export interface HostMemory {
  typedArrayFromHeap?(t: tf.TensorInfo): Buf;
  makeOutput?(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  readSync(dataId: object): unknown;
  /** The cpu backend's storage (tfjs-backend-cpu's DataStorage). */
  data?: { get(dataId: object): { values?: unknown } | undefined };
}

/** The values of a cpu or wasm tensor in place (a view of the wasm heap, or the cpu backend's own array). */
export function view(t: tf.Tensor): Buf {
  const backend = tf.backend() as unknown as HostMemory;
  if (backend.typedArrayFromHeap) return backend.typedArrayFromHeap(t);
  // The cpu backend's readSync returns a copy for bool tensors (convertBackendValuesAndArrayBuffer):
  // a loop writing a bool result must write the stored array itself.
  const stored = backend.data?.get(t.dataId)?.values;
  if (stored instanceof Uint8Array || stored instanceof Int32Array || stored instanceof Float32Array) return stored;
  return backend.readSync(t.dataId) as Buf;
}

function copyOf(t: tf.Tensor): Buf {
  const values = view(t);
  const out = allocate(t.dtype as AbstractValue['dtype'], values.length);
  out.set(values);
  return out;
}

/** Runs a host program; inputs were checked against the IR's avals by the caller. */
export function runHost(p: HostProgram, inputs: readonly ConcreteTensor[]): ConcreteTensor[] {
  const { env } = p;
  p.inputSlots.forEach((s, i) => (env[s] = view(inputs[i]!._concrete()._tf)));
  try {
    for (const step of p.steps) step(env);
    // tfjs-wasm copies a new tensor's values into its heap; the cpu backend keeps the array, so it gets a copy.
    // Inputs are views of backend memory: always copied first (a wasm heap view dies if the heap grows).
    const keeps = tf.getBackend() !== 'wasm';
    const values = p.outputs.map(({ slot }) => (slot === null ? null : keeps || p.inputSlots.includes(slot) ? env[slot]!.slice() : env[slot]!));
    const made: tf.Tensor[] = [];
    try {
      p.outputs.forEach(({ aval }, i) => {
        const v = values[i];
        made.push(v ? tf.tensor(v, aval.shape as number[], aval.dtype) : tf.zeros(aval.shape as number[], aval.dtype));
      });
    } catch (e) {
      made.forEach((t) => t.dispose());
      throw e;
    }
    return made.map((t) => new ConcreteTensor(t));
  } finally {
    p.inputSlots.forEach((s) => (env[s] = undefined as unknown as Buf));
  }
}
