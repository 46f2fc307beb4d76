/**
 * The `scan` primitive: a loop whose body is a sub-program (an IR traced once
 * from the body function on abstract values), so a staged loop is one
 * equation whatever its trip count.
 *
 * Inputs are `[consts…, carry…, xs…]`; outputs `[carry…, ys…]`. The body IR
 * takes `[consts…, carry…, x…]` (one slice of each `xs` along axis 0) and
 * returns `[carry…, y…]`; it holds no constants (everything it closes over is
 * passed as a leading const input), so rules can re-trace it freely.
 *
 * Rules: evaluation runs the body compiled once by `jit` in a JavaScript loop;
 * `jvp` is a scan of the body's JVP, or, when the tangents are being staged
 * for reverse mode (`linearize`), a primal scan that also outputs each
 * iteration's residuals plus a linear tangent scan over them; `transpose` of
 * that tangent scan is a reverse scan of the transposed body; `vmap` scans the
 * batched body.
 */
import * as tf from '@tensorflow/tfjs-core';
import { IR, StagingTrace, StagedTracer, evalIR, stage, type Equation, type Var } from '../core/ir.js';
import { LinearInput, type BatchDim, type MaybeZero, type Primitive } from '../core/primitive.js';
import { ConcreteTensor, avalOf, showAval, type AbstractValue, type AnyTensor, type Tensor } from '../core/tensor.js';
import { Tracer, bind, withMainTrace } from '../core/trace.js';
import { zerosLike } from '../core/creation.js';
import { ShapeError, TransformError } from '../core/errors.js';
import { openScope } from '../core/scope.js';
import { JvpTrace, JvpTracer } from '../transforms/jvp.js';
import { transposeIR } from '../transforms/linearize.js';
import { BatchTrace, BatchTracer } from '../transforms/vmap.js';
import { batchSizeOf, materialize, moveBatchToFront } from '../primitives/batching.js';
import { transpose as transposeOp } from '../primitives/transpose.js';
import { add } from '../primitives/add.js';
import { jit } from '../compile/jit.js';
import { outputTensor } from '../compile/execute.js';
import { optimize } from '../compile/optimize.js';
import { hostBackend, lowerToHost, view, type HostProgram } from '../compile/host.js';
import { KernelCompileError, allocate, sizeOf, type Buf } from '../compile/hostKernels.js';
import { hasObservers } from '../core/hooks.js';
import { kernelOnly } from '../core/lowering.js';
import { flatCall, type CallParams } from '../core/call.js';
import { filled, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';

/** A loop body: a closed IR. `toJSON` keeps the optimizer's parameter keys short (one identity per loop). */
export class ScanBody {
  constructor(readonly ir: IR) {}
  toJSON(): string {
    return '#fn scan body';
  }
}

/** Parameters of one `scan` equation. */
export interface ScanParams {
  readonly [key: string]: unknown;
  readonly body: ScanBody;
  readonly numConsts: number;
  readonly numCarry: number;
  readonly length: number;
  /** Iterate from the last slice to the first (ys stay in slice order). */
  readonly reverse: boolean;
  /** Set for `whileLoop`'s masked scan: carry 0 is its "still running" flag, an error if still set at the end. */
  readonly whileLimit?: string;
}

/** A closed body: the staged IR with its captured values turned into leading inputs. */
export interface ClosedBody {
  readonly body: ScanBody;
  /** Values the body closed over (concrete tensors or tracers of outer traces): pass them first. */
  readonly captured: Tensor[];
  /** Call once the loop is bound: drops the staging's hold on the captured values. */
  readonly release: () => void;
}

/**
 * Stages `f` on abstract inputs and closes it over what it captured: the
 * captured values become leading inputs of the body.
 */
export function closeOver(f: (xs: Tensor[]) => Tensor[], inAvals: readonly AbstractValue[]): ClosedBody {
  const raw = stage(f, inAvals, false);
  const ir = new IR([...raw.constVars, ...raw.inputs], [], [], raw.equations, raw.outputs, raw.outAvals);
  return { body: new ScanBody(ir), captured: raw.constValues.slice(), release: () => raw._release() };
}

/** Binds one scan equation (or evaluates it now on concrete inputs). */
export function bindScan(closed: ClosedBody, consts: readonly Tensor[], carry: readonly Tensor[], xs: readonly Tensor[], length: number, reverse = false, whileLimit?: string): Tensor[] {
  const params: ScanParams = { body: closed.body, numConsts: closed.captured.length + consts.length, numCarry: carry.length, length, reverse, ...(whileLimit ? { whileLimit } : {}) };
  try {
    return bind(scanPrimitive as Primitive, [...closed.captured, ...consts, ...carry, ...xs], params);
  } finally {
    closed.release();
  }
}

const sameAval = (a: AbstractValue, b: AbstractValue) => showAval(a) === showAval(b);

function checkScan(inputs: readonly AbstractValue[], p: ScanParams): void {
  const ins = p.body.ir.inputs;
  if (inputs.length !== ins.length) throw new ShapeError('scan', `the loop takes ${ins.length} inputs, got ${inputs.length}`);
  inputs.forEach((a, i) => {
    const want = ins[i]!.aval;
    const got = i < p.numConsts + p.numCarry ? a : { shape: a.shape.slice(1), dtype: a.dtype };
    if (i >= p.numConsts + p.numCarry && a.shape[0] !== p.length) {
      throw new ShapeError('scan', `sequence input ${i} has shape [${a.shape.join(',')}], expected a leading axis of ${p.length}`);
    }
    if (!sameAval(got, want)) throw new ShapeError('scan', `input ${i} is ${showAval(got)} per step, the body takes ${showAval(want)}`);
  });
}

export const scanPrimitive: Primitive<ScanParams> = {
  name: 'scan',
  lowering: kernelOnly('a loop: its body is a compiled sub-program run once per step'),
  abstractEval(inputs, p) {
    checkScan(inputs, p);
    const outs = p.body.ir.outAvals;
    return [...outs.slice(0, p.numCarry), ...outs.slice(p.numCarry).map((a) => ({ shape: [p.length, ...a.shape], dtype: a.dtype }))];
  },
  impl: (inputs, p) => runScan(inputs, p),
  jvp: (primals, tangents, p) => scanJvp(primals, tangents, p),
  transpose: (cts, inputs, p) => scanTranspose(cts, inputs, p),
  batch: (args, dims, p) => scanBatch(args, dims, p),
  onnx: scanOnnx,
  showParams(p) {
    const body = p.body.ir
      .toString()
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n');
    return `length=${p.length}, consts=${p.numConsts}, carry=${p.numCarry}${p.reverse ? ', reverse' : ''}, body=\n${body}\n    `;
  },
};

// ---------------------------------------------------------------- evaluation

type Run = (...xs: Tensor[]) => Tensor[];
const compiledBodies = new WeakMap<IR, Run>();

/**
 * The body compiled once by `jit` (host code on cpu/wasm, planned tfjs kernels elsewhere).
 * Always the default target: a per-step body is a tiny program, and ONNX Runtime's fixed cost per
 * run would be paid every step even when the user made 'onnx' the process-wide default.
 */
function compiledBody(ir: IR): Run {
  let run = compiledBodies.get(ir);
  if (!run) {
    run = jit((...xs: Tensor[]) => evalIR(ir, xs, zerosLike), { target: 'default' }) as unknown as Run;
    compiledBodies.set(ir, run);
  }
  return run;
}

const hostBodies = new WeakMap<IR, Map<string, HostProgram | null>>();

/** The body lowered to host steps (cpu, wasm), or `null` when some equation has no host kernel. */
function hostBody(ir: IR, backend: string): HostProgram | null {
  let perBackend = hostBodies.get(ir);
  if (!perBackend) hostBodies.set(ir, (perBackend = new Map()));
  let host = perBackend.get(backend);
  if (host === undefined) {
    try {
      host = lowerToHost(optimize(ir).ir, true, true) ?? null;
    } catch (e) {
      if (!(e instanceof KernelCompileError)) throw e;
      host = null;
    }
    perBackend.set(backend, host);
  }
  return host;
}

/** A copy of a tfjs tensor's values in a JS typed array. */
function copyTf(t: tf.Tensor): Buf {
  const values = view(t);
  const out = allocate(t.dtype as AbstractValue['dtype'], values.length);
  out.set(values);
  return out;
}

/**
 * A loop body on typed arrays: takes its inputs' buffers, returns its
 * outputs' (valid until its next call; `null` for a symbolic zero).
 * `release` drops the references it keeps to its last inputs.
 */
interface HostRun {
  readonly run: (inputs: readonly Buf[]) => (Buf | null)[];
  readonly release: () => void;
  /** A program lowered with resident inputs: `scanBufs` runs the loop on it directly (`residentScan`). */
  readonly resident?: HostProgram;
}

/** A lowered program as a `HostRun` (a resident one gets its inputs copied into its own buffers). */
function programRun(host: HostProgram): HostRun {
  const { env, steps, inputSlots, outputs, resident } = host;
  // One result array, refilled per call (a loop calls this once per step).
  const outs: (Buf | null)[] = outputs.map(() => null);
  return {
    run(inputs) {
      if (resident) for (let j = 0; j < inputSlots.length; j++) env[inputSlots[j]!]!.set(inputs[j]!);
      else for (let j = 0; j < inputSlots.length; j++) env[inputSlots[j]!] = inputs[j]!;
      for (let j = 0; j < steps.length; j++) steps[j]!(env);
      for (let j = 0; j < outputs.length; j++) {
        const slot = outputs[j]!.slot;
        outs[j] = slot === null ? null : env[slot]!;
      }
      return outs;
    },
    release: () => {
      if (!resident) inputSlots.forEach((s) => (env[s] = undefined as unknown as Buf));
    },
    ...(resident ? { resident: host } : {}),
  };
}

const hostRuns = new WeakMap<IR, Map<string, HostRun | null>>();

/**
 * The body on typed arrays (cpu, wasm), or `null` when some equation has no
 * host kernel. A body holding loops (a checkpointed segment, a nested scan)
 * runs as host programs for the stretches between its `scan` equations and
 * the loops themselves on buffers, so a nest of loops never leaves the host.
 */
function hostRun(ir: IR, backend: string): HostRun | null {
  let perBackend = hostRuns.get(ir);
  if (!perBackend) hostRuns.set(ir, (perBackend = new Map()));
  let runner = perBackend.get(backend);
  if (runner === undefined) {
    const flat = inlined(ir);
    if (!flat.equations.some((e) => e.prim === (scanPrimitive as Primitive))) {
      const host = hostBody(flat, backend);
      runner = host && programRun(host);
    } else runner = compositeRun(flat, backend);
    perBackend.set(backend, runner);
  }
  return runner;
}

/**
 * The body with its `checkpoint` calls inlined, for evaluation: they only
 * say what reverse mode stores, and that is decided when the loop is staged.
 */
function inlined(ir: IR): IR {
  if (!ir.equations.some((e) => e.prim.name === 'checkpoint')) return ir;
  return stage(
    (xs) => {
      const env = new Map<Var, Tensor>();
      ir.inputs.forEach((v, i) => env.set(v, xs[i]!));
      ir.constVars.forEach((v, i) => env.set(v, ir.constValues[i]!));
      for (const eq of ir.equations) {
        const ins = eq.inputs.map((v) => env.get(v)!);
        const outs = eq.prim.name === 'checkpoint' ? flatCall(eq.params as unknown as CallParams, ins) : bind(eq.prim, ins, eq.params);
        eq.outputs.forEach((v, i) => env.set(v, outs[i]!));
      }
      return ir.outputs.map((o, i) => (o ? env.get(o)! : zerosLike(ir.outAvals[i]!)));
    },
    ir.inputs.map((v) => v.aval),
    false,
  );
}

type Piece = { kind: 'host'; run: HostRun; ins: Var[]; outs: Var[] } | { kind: 'scan'; run: HostRun; eq: Equation };

function compositeRun(ir: IR, backend: string): HostRun | null {
  const groups: (Equation[] | Equation)[] = [];
  for (const eq of ir.equations) {
    if (eq.prim === (scanPrimitive as Primitive)) groups.push(eq);
    else if (Array.isArray(groups.at(-1))) (groups.at(-1) as Equation[]).push(eq);
    else groups.push([eq]);
  }
  const readAfter = (i: number) => {
    const read = new Set<Var>(ir.outputs.filter((o): o is Var => o !== null));
    for (const g of groups.slice(i + 1)) for (const eq of Array.isArray(g) ? g : [g]) eq.inputs.forEach((v) => read.add(v));
    return read;
  };
  const pieces: Piece[] = [];
  for (const [i, g] of groups.entries()) {
    if (!Array.isArray(g)) {
      const inner = hostRun((g.params as ScanParams).body.ir, backend);
      if (!inner) return null;
      const p = g.params as ScanParams;
      pieces.push({ kind: 'scan', eq: g, run: { run: (inputs) => scanBufs(inner, inputs, p), release: inner.release } });
      continue;
    }
    const defined = new Set(g.flatMap((eq) => eq.outputs));
    const ins = [...new Set(g.flatMap((eq) => eq.inputs.filter((v) => !defined.has(v))))];
    // Constants of the body are inputs of its pieces (constBufs).
    const later = readAfter(i);
    const outs = [...defined].filter((v) => later.has(v));
    let host: HostProgram | undefined;
    try {
      host = lowerToHost(optimize(new IR(ins, [], [], g, outs, outs.map((v) => v.aval))).ir);
    } catch (e) {
      if (!(e instanceof KernelCompileError)) throw e;
    }
    if (!host) return null;
    pieces.push({ kind: 'host', run: programRun(host), ins, outs });
  }
  // Values by number (inputs, constants, then each piece's outputs): the run reads and writes one array, no map per call.
  const index = new Map<Var, number>();
  const number = (v: Var) => index.get(v) ?? index.set(v, index.size).get(v)!;
  ir.inputs.forEach(number);
  ir.constVars.forEach(number);
  const plan = pieces.map((piece) => {
    const ins = (piece.kind === 'host' ? piece.ins : piece.eq.inputs).map(number);
    const outVars = piece.kind === 'host' ? piece.outs : piece.eq.outputs;
    return { run: piece.run, ins, outs: outVars.map(number), zeros: outVars.map((v) => allocate(v.aval.dtype, sizeOf(v.aval.shape))), args: ins.map(() => undefined as unknown as Buf) };
  });
  const results = ir.outputs.map((o) => (o ? number(o) : -1));
  const vals: Buf[] = [];
  ir.constVars.forEach((v, i) => (vals[index.get(v)!] = copyTf(ir.constValues[i]!._concrete('scan')._tf)));
  const nIn = ir.inputs.length;
  return {
    run(inputs) {
      for (let i = 0; i < nIn; i++) vals[i] = inputs[i]!;
      for (const step of plan) {
        for (let j = 0; j < step.ins.length; j++) step.args[j] = vals[step.ins[j]!]!;
        const outs = step.run.run(step.args);
        for (let j = 0; j < step.outs.length; j++) vals[step.outs[j]!] = outs[j] ?? step.zeros[j]!.fill(0);
      }
      return results.map((r) => (r < 0 ? null : vals[r]!));
    },
    release: () => pieces.forEach((p) => p.run.release()),
  };
}

/**
 * The loop entirely on typed arrays (cpu, wasm): the body runs once per step
 * over the carry buffers (two, swapped), the step's slice of each sequence
 * (a view) and the loop constants; each `y` is written into its stacked
 * result in place. Returns the final carry and the stacked `ys`.
 */
function scanBufs(body: HostRun, inputs: readonly Buf[], p: ScanParams, ysOut?: readonly Buf[]): Buf[] {
  if (body.resident) return residentScan(body.resident, inputs, p, ysOut);
  const { numConsts: nc, numCarry: nk, length: n } = p;
  const ir = p.body.ir;
  const consts = inputs.slice(0, nc);
  let carry: Buf[] = inputs.slice(nc, nc + nk).map((b) => b.slice());
  let spare: Buf[] = ir.outAvals.slice(0, nk).map((a) => allocate(a.dtype, sizeOf(a.shape)));
  const xs = inputs.slice(nc + nk);
  const xSize = ir.inputs.slice(nc + nk).map((v) => sizeOf(v.aval.shape));
  const yAvals = ir.outAvals.slice(nk);
  const ys = ysOut ?? yAvals.map((a) => allocate(a.dtype, n * sizeOf(a.shape)));
  const ySize = yAvals.map((a) => sizeOf(a.shape));
  const args: Buf[] = [...consts, ...carry, ...xs];
  try {
    for (let step = 0; step < n; step++) {
      const i = p.reverse ? n - 1 - step : step;
      // whileLoop's masked scan (forward, no sequences) once its loop has stopped: one more step, then its ys repeat.
      const stopped = p.whileLimit !== undefined && !p.reverse && xs.length === 0 && carry[0]!.every((b) => b === 0);
      for (let j = 0; j < nk; j++) args[nc + j] = carry[j]!;
      for (let j = 0; j < xs.length; j++) args[nc + nk + j] = xs[j]!.subarray(i * xSize[j]!, (i + 1) * xSize[j]!);
      const outs = body.run(args);
      for (let j = 0; j < nk; j++) {
        const o = outs[j]!;
        if (o === null) spare[j]!.fill(0);
        else spare[j]!.set(o);
      }
      for (let j = 0; j < ys.length; j++) {
        const o = outs[nk + j]!;
        if (o !== null) ys[j]!.set(o, i * ySize[j]!);
      }
      [carry, spare] = [spare, carry];
      if (stopped) {
        // Every later step has the same inputs (no sequences, an unchanged carry): copy this step's ys.
        for (let j = 0; j < ys.length; j++) {
          const row = ys[j]!.subarray(i * ySize[j]!, (i + 1) * ySize[j]!);
          for (let r = i + 1; r < n; r++) ys[j]!.set(row, r * ySize[j]!);
        }
        break;
      }
    }
  } finally {
    body.release();
  }
  if (p.whileLimit && nk > 0 && carry[0]!.some((b) => b !== 0)) throw whileLimitError(p);
  return [...carry, ...ys];
}

/** Copies `size` values of `src` from `at` into `dst` (a short row element by element; a longer one through a `subarray` view, faster from 16 values up despite the view). */
function copyRow(dst: Buf, src: Buf, at: number, size: number): void {
  if (size <= 16) for (let e = 0; e < size; e++) dst[e] = src[at + e]!;
  else dst.set(src.subarray(at, at + size));
}

/**
 * `scanBufs` on a body lowered with resident inputs (`lowerToHost`'s
 * `resident`): the loop constants are written into the body's buffers once;
 * each step copies its row of each sequence in and each `y` straight into its
 * stacked result; a carry output that is a planned intermediate of the body
 * trades buffers with its carry input (a swap of references, no copy), any
 * other (an input passed through, a constant, a zero, one value given to two
 * carries) is copied. Nothing is allocated per step.
 */
interface ResidentPlan {
  readonly carryIn: number[];
  readonly xIn: number[];
  readonly xSize: number[];
  readonly ySize: number[];
  readonly ySlots: (number | null)[];
  readonly yDtypes: AbstractValue['dtype'][];
  readonly swapped: (readonly [number, number])[];
  readonly copied: { into: number; from: number | null; spare: Buf }[];
}
const residentPlans = new WeakMap<HostProgram, Map<string, ResidentPlan>>();

/** What `residentScan` needs of a body for one split into constants and carries, worked out once. */
function residentPlan(host: HostProgram, nc: number, nk: number): ResidentPlan {
  let plans = residentPlans.get(host);
  if (!plans) residentPlans.set(host, (plans = new Map()));
  const key = `${nc}:${nk}`;
  let plan = plans.get(key);
  if (plan) return plan;
  const { env, inputSlots, outputs, pooled } = host;
  const carryIn = inputSlots.slice(nc, nc + nk);
  const xIn = inputSlots.slice(nc + nk);
  const outSlots = outputs.slice(0, nk).map((o) => o.slot);
  // ys are copied out before the carries move, so a y may share a carry's buffer; two carries may not.
  const swaps = outSlots.map((s) => s !== null && pooled[s] === true && outSlots.indexOf(s) === outSlots.lastIndexOf(s));
  plan = {
    carryIn,
    xIn,
    xSize: xIn.map((s) => env[s]!.length),
    ySize: outputs.slice(nk).map((o) => sizeOf(o.aval.shape)),
    ySlots: outputs.slice(nk).map((o) => o.slot),
    yDtypes: outputs.slice(nk).map((o) => o.aval.dtype),
    swapped: carryIn.flatMap((s, j) => (swaps[j] ? [[s, outSlots[j]!] as const] : [])),
    // Copied carries go through a spare buffer: all are read before any is written (a body may swap two carries).
    copied: carryIn.flatMap((s, j) => (swaps[j] ? [] : [{ into: s, from: outSlots[j]!, spare: allocate(outputs[j]!.aval.dtype, env[s]!.length) }])),
  };
  plans.set(key, plan);
  return plan;
}

function residentScan(host: HostProgram, inputs: readonly Buf[], p: ScanParams, ysOut?: readonly Buf[]): Buf[] {
  const { numConsts: nc, numCarry: nk, length: n } = p;
  const { env, steps, inputSlots } = host;
  const { carryIn, xIn, xSize, ySize, ySlots, yDtypes, swapped, copied } = residentPlan(host, nc, nk);
  const ns = steps.length;
  for (let j = 0; j < nc + nk; j++) env[inputSlots[j]!]!.set(inputs[j]!);
  const nx = xIn.length;
  const ny = ySlots.length;
  const ys = ysOut ?? yDtypes.map((d, j) => allocate(d, n * ySize[j]!));
  const masked = p.whileLimit !== undefined && !p.reverse && nx === 0 && nk > 0;
  const flag = carryIn[0]!;
  for (let step = 0; step < n; step++) {
    const i = p.reverse ? n - 1 - step : step;
    // whileLoop's masked scan (forward, no sequences) once its loop has stopped: one more step, then its ys repeat.
    let stopped = false;
    if (masked) {
      const f = env[flag]!;
      stopped = true;
      for (let e = 0; e < f.length; e++) if (f[e] !== 0) stopped = false;
    }
    for (let j = 0; j < nx; j++) copyRow(env[xIn[j]!]!, inputs[nc + nk + j]!, i * xSize[j]!, xSize[j]!);
    for (let j = 0; j < ns; j++) steps[j]!(env);
    for (let j = 0; j < ny; j++) {
      const s = ySlots[j]!;
      if (s !== null) ys[j]!.set(env[s]!, i * ySize[j]!);
    }
    for (let j = 0; j < copied.length; j++) {
      const c = copied[j]!;
      if (c.from === null) c.spare.fill(0);
      else c.spare.set(env[c.from]!);
    }
    for (let j = 0; j < copied.length; j++) env[copied[j]!.into]!.set(copied[j]!.spare);
    for (let j = 0; j < swapped.length; j++) {
      const [a, b] = swapped[j]!;
      const t = env[a]!;
      env[a] = env[b]!;
      env[b] = t;
    }
    if (stopped) {
      // Every later step has the same inputs (no sequences, an unchanged carry): copy this step's ys.
      for (let j = 0; j < ny; j++) {
        const row = ys[j]!.subarray(i * ySize[j]!, (i + 1) * ySize[j]!);
        for (let r = i + 1; r < n; r++) ys[j]!.set(row, r * ySize[j]!);
      }
      break;
    }
  }
  if (p.whileLimit && nk > 0 && env[flag]!.some((b) => b !== 0)) throw whileLimitError(p);
  return [...carryIn.map((s) => env[s]!.slice()), ...ys];
}

/**
 * The loop on tfjs tensors run on typed arrays: float32 `ys` are written in
 * place into tensors made (zeroed) before the loop; the final carry and other
 * `ys` are copied into new tensors after it.
 */
function runScanHost(body: HostRun, inputs: readonly tf.Tensor[], p: ScanParams): tf.Tensor[] {
  const ir = p.body.ir;
  const nk = p.numCarry;
  const yAvals = ir.outAvals.slice(nk);
  const stacked = (a: AbstractValue) => [p.length, ...a.shape];
  // Only float32: the cpu backend hands out its own storage for float32 tensors, a converted copy for bool ones.
  // Uninitialized on wasm (zeroing and uploading a 40 MB stack of residuals cost 20 ms): zeroed below unless every row gets written.
  const ysT = yAvals.map((a) => (a.dtype === 'float32' ? outputTensor(stacked(a), a.dtype) : null));
  const writesEveryRow = yAvals.map((_, j) => body.resident !== undefined && body.resident.outputs[nk + j]!.slot !== null);
  let outs: Buf[];
  try {
    // Views taken after the last allocation on the backend (a wasm heap that grows detaches older views); nothing allocates there
    // while the loop runs. Constants and sequences are only read; scanBufs copies the carry.
    const ysOut = ysT.map((t, j) => {
      if (!t) return allocate(yAvals[j]!.dtype, sizeOf(stacked(yAvals[j]!)));
      const v = view(t);
      if (!writesEveryRow[j]) v.fill(0);
      return v;
    });
    outs = scanBufs(body, inputs.map(view), p, ysOut);
  } catch (e) {
    ysT.forEach((t) => t?.dispose());
    throw e;
  }
  return [
    ...outs.slice(0, nk).map((b, j) => tf.tensor(b, ir.outAvals[j]!.shape as number[], ir.outAvals[j]!.dtype)),
    ...ysT.map((t, j) => t ?? tf.tensor(outs[nk + j]!, stacked(yAvals[j]!), yAvals[j]!.dtype)),
  ];
}

/** Whether a masked scan's flag is still set; `undefined` where it cannot be read synchronously (webgpu in Node). */
function stillRunning(flag: tf.Tensor): boolean | undefined {
  let values: ArrayLike<number>;
  try {
    values = flag.dataSync() as ArrayLike<number>;
  } catch {
    return undefined;
  }
  return Array.prototype.some.call(values, (b: number) => b !== 0);
}

/**
 * A masked scan's float32 results made NaN where its flag is still set, on
 * the device: where the flag cannot be read (webgpu in Node) a loop that
 * outran `maxIterations` gives NaN values and gradients rather than the
 * values after that many steps. Takes ownership of `outs` (carry first).
 */
function poisonIfRunning(outs: tf.Tensor[], numCarry: number): tf.Tensor[] {
  const flag = outs[0]!;
  return outs.map((t, j) => {
    if (j === 0 || t.dtype !== 'float32') return t;
    // One flag per example under vmap: its axes lead a carry's, and follow the step axis of a stacked output.
    const lead = j < numCarry ? 0 : 1;
    const lined = () => tf.reshape(flag, [...Array(lead).fill(1), ...flag.shape, ...Array(t.rank - flag.rank - lead).fill(1)]);
    const poisoned = tf.tidy(() => tf.where(tf.broadcastTo(lined(), t.shape), tf.fill(t.shape, NaN), t));
    t.dispose();
    return poisoned;
  });
}

function whileLimitError(p: ScanParams): TransformError {
  return new TransformError(
    `${p.whileLimit}: the loop was still running after maxIterations = ${p.length} steps (reverse mode under jit runs it as a scan of that many steps); pass a larger { maxIterations }`,
  );
}

/** Runs the loop on tfjs tensors: on cpu/wasm as host code when the body allows, else the body compiled by jit once per step. */
function runScan(inputs: readonly tf.Tensor[], p: ScanParams): tf.Tensor[] {
  const backend = tf.getBackend();
  if (hostBackend(backend) && !hasObservers()) {
    const body = hostRun(p.body.ir, backend);
    if (body) return runScanHost(body, inputs, p);
  }
  return runScanJit(inputs, p);
}

/** The loop on tfjs tensors: the compiled body once per step, each step's carry freed after the next. */
function runScanJit(inputs: readonly tf.Tensor[], p: ScanParams): tf.Tensor[] {
  const { numConsts: nc, numCarry: nk, length: n } = p;
  if (n === 0) {
    // No step: the carry as given, and empty outputs shaped [0, ...] by the body's output avals.
    const ys = p.body.ir.outAvals.slice(nk).map((aval) => tf.zeros([0, ...aval.shape], aval.dtype));
    return [...inputs.slice(nc, nc + nk).map((t) => tf.clone(t)), ...ys];
  }
  const run = compiledBody(p.body.ir);
  const close = openScope();
  const ys: tf.Tensor[][] = [];
  let rows: tf.Tensor[][] = [];
  try {
    const consts = inputs.slice(0, nc).map((t) => new ConcreteTensor(tf.clone(t)));
    let carry: ConcreteTensor[] = inputs.slice(nc, nc + nk).map((t) => new ConcreteTensor(tf.clone(t)));
    // Each sequence split into its rows once (one kernel call each), each row freed after its step.
    rows = inputs.slice(nc + nk).map((t) => tf.unstack(t));
    for (let step = 0; step < n; step++) {
      const i = p.reverse ? n - 1 - step : step;
      const inner = openScope();
      let outs: ConcreteTensor[];
      try {
        const x = rows.map((r) => new ConcreteTensor(r[i]!));
        outs = run(...consts, ...carry, ...x) as ConcreteTensor[];
        // Out of every scope: this loop frees them itself.
        outs.forEach((o) => o._retain());
      } finally {
        inner([]);
      }
      carry.forEach((c) => c.dispose());
      carry = outs.slice(0, nk);
      ys[i] = outs.slice(nk).map((o) => o._tf);
    }
    const running = p.whileLimit && nk > 0 ? stillRunning(carry[0]!._tf) : false;
    if (running) throw whileLimitError(p);
    const ny = p.body.ir.outputs.length - nk;
    const stacked = Array.from({ length: ny }, (_, j) => tf.stack(ys.map((step) => step[j]!)));
    const outs = [...carry.map((c) => c._tf), ...stacked];
    return running === undefined ? poisonIfRunning(outs, p.numCarry) : outs;
  } finally {
    for (const step of ys) for (const t of step) t.dispose();
    for (const r of rows) for (const t of r) t.dispose();
    close([]);
  }
}

// ---------------------------------------------------------------- helpers

/** The highest trace level among tensors (0 for concrete ones). */
function levelOf(xs: readonly (Tensor | null)[]): number {
  let level = 0;
  for (const x of xs) if (x instanceof Tracer && x._trace.main.active) level = Math.max(level, x._trace.main.level);
  return level;
}

const perStep = (a: AbstractValue): AbstractValue => ({ shape: a.shape.slice(1), dtype: a.dtype });
const isFloat = (a: AbstractValue) => a.dtype === 'float32';
const pick = <T>(xs: readonly T[], mask: readonly boolean[]) => xs.filter((_, i) => mask[i]);
const count = (mask: readonly boolean[]) => mask.filter(Boolean).length;

/** Body inputs' avals, split. */
function parts<T>(xs: readonly T[], p: { numConsts: number; numCarry: number }): [T[], T[], T[]] {
  return [xs.slice(0, p.numConsts), xs.slice(p.numConsts, p.numConsts + p.numCarry), xs.slice(p.numConsts + p.numCarry)];
}

/**
 * Evaluates `ir` under a JVP trace whose inputs `mask` get the given tangent
 * values; returns primal outputs and tangent outputs (null = symbolic zero).
 */
function jvpOf(ir: IR, primals: readonly Tensor[], tangents: readonly (Tensor | null)[]): [Tensor[], MaybeZero[]] {
  return withMainTrace(new JvpTrace(), (trace) => {
    const args = primals.map((x, i) => (tangents[i] ? new JvpTracer(trace, x, tangents[i]!) : x));
    const outs = evalIR(ir, args, zerosLike).map((o) => trace.unpack(o));
    return [outs.map((o) => o[0]), outs.map((o) => o[1])];
  });
}

/** Which body outputs get a nonzero tangent when the inputs in `mask` have one (by staging the body's JVP). */
function tangentMask(ir: IR, mask: readonly boolean[]): boolean[] {
  let result: boolean[] = [];
  const avals = ir.inputs.map((v) => v.aval);
  const closed = closeOver((xs) => {
    const primals = xs.slice(0, avals.length);
    let k = avals.length;
    const tangents = mask.map((m) => (m ? xs[k++]! : null));
    const [outs, touts] = jvpOf(ir, primals, tangents);
    result = touts.map((t, i) => t !== null && isFloat(ir.outAvals[i]!));
    return outs;
  }, [...avals, ...pick(avals, mask)]);
  closed.release();
  return result;
}

/** The fixed point of the carries' tangent (or batch) masks: a carry is nonzero if its init or any step makes it so. */
function carryFixpoint(p: ScanParams, inMask: readonly boolean[], outMask: (mask: boolean[]) => boolean[]): boolean[] {
  const [c, k, x] = parts(inMask, p);
  let carry = k.slice();
  for (;;) {
    const out = outMask([...c, ...carry, ...x]);
    const next = carry.map((b, j) => b || out[j]!);
    if (next.every((b, j) => b === carry[j])) return carry;
    carry = next;
  }
}

// ---------------------------------------------------------------- jvp

function scanJvp(primals: readonly Tensor[], tangents: readonly MaybeZero[], p: ScanParams): [Tensor[], MaybeZero[]] {
  const ir = p.body.ir;
  const inAvals = ir.inputs.map((v) => v.aval);
  const given = tangents.map((t, i) => t !== null && isFloat(inAvals[i]!));
  const carryNz = carryFixpoint(p, given, (m) => tangentMask(ir, m));
  const [gc, , gx] = parts(given, p);
  const mask = [...gc, ...carryNz, ...gx];
  const filled = tangents.map((t, i) => (mask[i] ? (t ?? zerosLike(avalOf(primals[i]!))) : null));
  // Tangents staged above the primals (reverse mode's linearize): split into a primal scan with residuals and a linear scan.
  const live = filled.filter((t): t is Tensor => t !== null);
  if (levelOf(live) > levelOf(primals)) return linearizedScan(primals, filled, mask, p);
  return jointJvpScan(primals, filled, mask, p);
}

/** One scan over (primal, tangent) carries: the JVP of the body. */
function jointJvpScan(primals: readonly Tensor[], tangents: readonly MaybeZero[], mask: readonly boolean[], p: ScanParams): [Tensor[], MaybeZero[]] {
  const ir = p.body.ir;
  const nk = p.numCarry;
  const avals = ir.inputs.map((v) => v.aval);
  const [ac, ak, ax] = parts(avals, p);
  const [mc, mk, mx] = parts(mask, p);
  let yMask: boolean[] = [];
  // Body inputs: [c, dc, k, dk, x, dx]; outputs [k', dk', y, dy].
  const layout = [...ac, ...pick(ac, mc), ...ak, ...pick(ak, mk), ...ax, ...pick(ax, mx)];
  const closed = closeOver((xs) => {
    let at = 0;
    const take = (n: number) => xs.slice(at, (at += n));
    const c = take(ac.length), dc = take(count(mc)), k = take(ak.length), dk = take(count(mk)), x = take(ax.length), dx = take(count(mx));
    const spread = (vals: Tensor[], m: boolean[]) => {
      let j = 0;
      return m.map((b) => (b ? vals[j++]! : null));
    };
    const [outs, touts] = jvpOf(ir, [...c, ...k, ...x], [...spread(dc, mc), ...spread(dk, mk), ...spread(dx, mx)]);
    const dkOut = mk.map((b, j) => (b ? (touts[j] ?? zerosLike(avalOf(outs[j]!))) : null)).filter((t): t is Tensor => t !== null);
    yMask = touts.slice(nk).map((t, j) => t !== null && isFloat(ir.outAvals[nk + j]!));
    const dy = touts.slice(nk).filter((t, j) => yMask[j]) as Tensor[];
    return [...outs.slice(0, nk), ...dkOut, ...outs.slice(nk), ...dy];
  }, layout);
  const [pc, pk, px] = parts(primals, p);
  const [tc, tk, tx] = parts(tangents, p);
  const nn = (t: MaybeZero[]) => t.filter((v): v is Tensor => v !== null);
  const outs = bindScan(closed, [...pc, ...nn(tc)], [...pk, ...nn(tk)], [...px, ...nn(tx)], p.length, p.reverse, p.whileLimit);
  const ndk = count(mk);
  const ny = ir.outputs.length - nk;
  const carryOut = outs.slice(0, nk);
  const dkOut = outs.slice(nk, nk + ndk);
  const ys = outs.slice(nk + ndk, nk + ndk + ny);
  const dys = outs.slice(nk + ndk + ny);
  let j = 0;
  const carryTangents = mk.map((b) => (b ? dkOut[j++]! : null));
  j = 0;
  const yTangents = yMask.map((b) => (b ? dys[j++]! : null));
  return [
    [...carryOut, ...ys],
    [...carryTangents, ...yTangents],
  ];
}

/** Where the tangent scan finds one residual. */
type Residual = { kind: 'input'; index: number } | { kind: 'stacked'; index: number } | { kind: 'value'; value: Tensor };

/**
 * Reverse mode's form of the JVP: a primal scan whose body also returns the
 * residuals its linearization needs (stacked per step), and a scan of the
 * body's linear part over them, which `transpose` can run backwards.
 */
function linearizedScan(primals: readonly Tensor[], tangents: readonly MaybeZero[], mask: readonly boolean[], p: ScanParams): [Tensor[], MaybeZero[]] {
  const ir = p.body.ir;
  const nk = p.numCarry;
  const avals = ir.inputs.map((v) => v.aval);
  const [mc, mk] = parts(mask, p);
  let linear: IR | undefined;
  let residuals: Residual[] = [];
  let yMask: boolean[] = [];
  let nStacked = 0;
  const primal = closeOver((xs) => {
    const trace = (xs[0] as StagedTracer | undefined)?._trace ?? undefined;
    const result = withMainTrace(new StagingTrace(), (lin) => {
      const tin = mask.map((m, i) => (m ? lin.newInput(avals[i]!) : null));
      const [outs, touts] = jvpOf(ir, xs, tin);
      yMask = touts.slice(nk).map((t, j) => t !== null && isFloat(ir.outAvals[nk + j]!));
      const tangentOuts = [
        ...mk.map((b, j) => (b ? (touts[j] ?? zerosLike(avalOf(outs[j]!))) : null)).filter((t): t is Tensor => t !== null),
        ...(touts.slice(nk).filter((t, j) => yMask[j]) as Tensor[]),
      ];
      linear = lin.finish(
        tin.filter((t): t is StagedTracer => t !== null),
        tangentOuts,
        tangentOuts.map(avalOf),
        false,
      );
      return outs;
    });
    // Classify the residuals: body inputs that are loop constants are passed as they are; other staged values are stacked per step.
    const stacked: Tensor[] = [];
    residuals = linear!.constValues.map((r): Residual => {
      if (trace && r instanceof StagedTracer && r._trace === trace) {
        const index = xs.indexOf(r);
        if (index >= 0 && index < p.numConsts) return { kind: 'input', index };
        stacked.push(r);
        return { kind: 'stacked', index: stacked.length - 1 };
      }
      return { kind: 'value', value: r };
    });
    nStacked = stacked.length;
    return [...result, ...stacked];
  }, avals);
  const lin = linear!;
  // The linear body: inputs [resConsts, dc, dk, resStacked, dx]; outputs [dk', dy].
  const constRes = residuals.map((r, i) => (r.kind !== 'stacked' ? i : -1)).filter((i) => i >= 0);
  const stackedRes = residuals.map((r, i) => (r.kind === 'stacked' ? i : -1)).filter((i) => i >= 0);
  const tIn = lin.inputs;
  const ndc = count(mc);
  const ndk = count(mk);
  const bodyIR = new IR(
    [...constRes.map((i) => lin.constVars[i]!), ...tIn.slice(0, ndc), ...tIn.slice(ndc, ndc + ndk), ...stackedRes.map((i) => lin.constVars[i]!), ...tIn.slice(ndc + ndk)],
    [],
    [],
    lin.equations,
    lin.outputs,
    lin.outAvals,
  );
  const [pc, pk, px] = parts(primals, p);
  const outs = bindScan(primal, pc, pk, px, p.length, p.reverse, p.whileLimit);
  const ny = ir.outputs.length - nk;
  const stackedVals = outs.slice(nk + ny);
  if (stackedVals.length !== nStacked) throw new TransformError('scan: internal error (residual count)');
  const constVals = constRes.map((i) => {
    const r = residuals[i]!;
    return r.kind === 'input' ? primals[r.index]! : (r as { value: Tensor }).value;
  });
  const [tc, tk, tx] = parts(tangents, p);
  const nn = (t: MaybeZero[]) => t.filter((v): v is Tensor => v !== null);
  const tangentLoop: ClosedBody = { body: new ScanBody(bodyIR), captured: [], release: () => lin._release() };
  const touts = bindScan(tangentLoop, [...constVals, ...nn(tc)], nn(tk), [...stackedVals, ...nn(tx)], p.length, p.reverse);
  let j = 0;
  const carryTangents = mk.map((b) => (b ? touts[j++]! : null));
  const yTangents = yMask.map((b) => (b ? touts[j++]! : null));
  return [outs.slice(0, nk + ny), [...carryTangents, ...yTangents]];
}

// ---------------------------------------------------------------- transpose

/**
 * Transposes a scan linear in its `LinearInput`s (the tangent scan made by
 * `linearizedScan`): a scan in the opposite direction of the transposed body,
 * accumulating the loop constants' cotangents in its carry.
 */
function scanTranspose(cts: readonly MaybeZero[], inputs: readonly (Tensor | LinearInput)[], p: ScanParams): MaybeZero[] {
  const ir = p.body.ir;
  const nk = p.numCarry;
  // Carries are linear inside the loop even when their initial value is a known (zero) tangent; that one's cotangent is dropped.
  const isLin = inputs.map((x, i) => x instanceof LinearInput || (i >= p.numConsts && i < p.numConsts + nk));
  const [lc, , lx] = parts(isLin, p);
  const [ic, , ix] = parts(inputs, p);
  const known = <T>(xs: readonly T[], lin: boolean[]) => xs.filter((_, i) => !lin[i]);
  const kc = known(ic, lc) as Tensor[];
  const kx = known(ix, lx) as Tensor[];
  const linVars = ir.inputs.filter((_, i) => isLin[i]);
  const knownVars = ir.inputs.filter((_, i) => !isLin[i]);
  const [vc, vk, vx] = parts(ir.inputs, p);
  const linConstVars = vc.filter((_, i) => lc[i]);
  const linXVars = vx.filter((_, i) => lx[i]);
  const ny = ir.outputs.length - nk;
  // Body: consts [kc], carry [ctc_acc, ct_k], xs [kx, ct_y]; outputs [ctc_acc + ctc, ct_k_prev, ct_x].
  const layout = [...kc.map(avalOf), ...linConstVars.map((v) => v.aval), ...vk.map((v) => v.aval), ...kx.map((x) => perStep(avalOf(x))), ...ir.outAvals.slice(nk)];
  const closed = closeOver((xs) => {
    let at = 0;
    const take = (n: number) => xs.slice(at, (at += n));
    const kcT = take(kc.length), acc = take(linConstVars.length), ctK = take(nk), kxT = take(kx.length), ctY = take(ny);
    const knownT = [...kcT, ...kxT];
    const lifted = new IR(linVars, knownVars, knownT, ir.equations, ir.outputs, ir.outAvals);
    const inCts = transposeIR(lifted, [...ctK, ...ctY]);
    const ctOf = (v: Var) => inCts[linVars.indexOf(v)] ?? null;
    const orZero = (ct: MaybeZero, v: Var) => ct ?? zerosLike(v.aval);
    const nextAcc = acc.map((a, i) => {
      const ct = ctOf(linConstVars[i]!);
      return ct ? add(a as AnyTensor, ct) : a;
    });
    return [...nextAcc, ...vk.map((v) => orZero(ctOf(v), v)), ...linXVars.map((v) => orZero(ctOf(v), v))];
  }, layout);
  const ctCarry = ir.outAvals.slice(0, nk).map((a, i) => cts[i] ?? zerosLike(a));
  const ctYs = ir.outAvals.slice(nk).map((a, j) => cts[nk + j] ?? zerosLike({ shape: [p.length, ...a.shape], dtype: a.dtype }));
  const outs = bindScan(closed, kc, [...linConstVars.map((v) => zerosLike(v.aval)), ...ctCarry], [...kx, ...ctYs], p.length, !p.reverse);
  const nlc = linConstVars.length;
  const ctc = outs.slice(0, nlc);
  const ctk = outs.slice(nlc, nlc + nk);
  const ctx = outs.slice(nlc + nk);
  let a = 0;
  let b = 0;
  return inputs.map((x, i) => {
    if (!(x instanceof LinearInput)) return null;
    if (i < p.numConsts) return ctc[a++]!;
    if (i < p.numConsts + nk) return ctk[i - p.numConsts]!;
    return ctx[b++]!;
  });
}

// ---------------------------------------------------------------- vmap

/** Moves axis `from` of `x` to `to`. */
function moveAxis(x: AnyTensor, from: number, to: number): AnyTensor {
  if (from === to) return x;
  const order = [...Array(x.rank as number).keys()].filter((i) => i !== from);
  order.splice(to, 0, from);
  return transposeOp(x, order);
}

/** Stages the batched body: batched inputs have the batch axis first. Returns the closed body and which outputs are batched. */
function batchedBody(ir: IR, size: number, inB: readonly boolean[], forceOut: readonly boolean[] | null): { closed: ClosedBody; outB: boolean[] } {
  let outB: boolean[] = [];
  const avals = ir.inputs.map((v, i) => (inB[i] ? { shape: [size, ...v.aval.shape], dtype: v.aval.dtype } : v.aval));
  const closed = closeOver(
    (xs) =>
      withMainTrace(new BatchTrace(size), (trace) => {
        const args = xs.map((x, i) => (inB[i] ? new BatchTracer(trace, x, 0) : x));
        const outs = evalIR(ir, args, zerosLike);
        outB = outs.map((o, i) => (o instanceof BatchTracer && o._trace === trace) || (forceOut?.[i] ?? false));
        return outs.map((o, i) => (outB[i] ? trace.unpack(o, 0) : o));
      }),
    avals,
  );
  return { closed, outB };
}

function scanBatch(args: readonly Tensor[], dims: readonly BatchDim[], p: ScanParams): [Tensor[], BatchDim[]] {
  const ir = p.body.ir;
  const nk = p.numCarry;
  const size = batchSizeOf(args, dims);
  const given = dims.map((d) => d !== null);
  const carryB = carryFixpoint(p, given, (m) => {
    const { closed, outB } = batchedBody(ir, size, m, null);
    closed.release();
    return outB;
  });
  const [gc, , gx] = parts(given, p);
  const inB = [...gc, ...carryB, ...gx];
  const { closed, outB } = batchedBody(ir, size, inB, [...carryB, ...ir.outAvals.slice(nk).map(() => false)]);
  const moved = args.map((x, i) => {
    const d = dims[i]!;
    const isX = i >= p.numConsts + nk;
    if (!inB[i]) return x;
    if (d === null) return materialize(x as AnyTensor, null, size);
    // Sequences keep time on axis 0 and take the batch on axis 1.
    return isX ? moveAxis(x as AnyTensor, d, 1) : moveBatchToFront(x as AnyTensor, d);
  });
  const [mc, mk, mx] = parts(moved, p);
  const outs = bindScan(closed, mc, mk, mx, p.length, p.reverse, p.whileLimit);
  return [outs, outB.map((b, i) => (b ? (i < nk ? 0 : 1) : null))];
}

/**
 * ONNX: a `Loop` of `length` iterations whose body graph is the scan body:
 * consts are read from the outer graph, each `xs` sliced by `Gather` at the
 * iteration (`length − 1 − i` in reverse), the `ys` are the loop's scan
 * outputs (reversed back to slice order by a `Slice` of step −1 when the
 * scan runs in reverse). A loop of length 0 returns its carry and empty ys.
 * `whileLoop`'s masked scan cannot raise in the model when its limit is
 * reached: as on webgpu (`poisonIfRunning`), its float32 results are NaN
 * when the flag is still set after `maxIterations` steps (multiplied by a
 * NaN-or-1 scale, which keeps −0 and infinities otherwise).
 */
function scanOnnx(g: OnnxBuilder, eq: OnnxEquation<ScanParams>): void {
  const { body, numConsts, numCarry, length, reverse } = eq.params;
  const consts = eq.inputs.slice(0, numConsts);
  const carry = eq.inputs.slice(numConsts, numConsts + numCarry);
  const xs = eq.inputs.slice(numConsts + numCarry);
  const bodyAvals = body.ir.outAvals;
  if (length === 0) {
    carry.forEach((c, i) => g.node('Identity', [c], [eq.outputs[i]!]));
    eq.outAvals.slice(numCarry).forEach((a, k) => filled(g, a.shape, a.dtype, 0, [eq.outputs[numCarry + k]!]));
    return;
  }
  const iteration = { name: g.fresh(), dtype: 'int64' as const, shape: [] };
  const condIn = { name: g.fresh(), dtype: 'bool' as const, shape: [] };
  const carryIn = carry.map((_, i) => ({ name: g.fresh(), dtype: eq.inAvals[numConsts + i]!.dtype, shape: eq.inAvals[numConsts + i]!.shape }));
  const outputs = [{ name: g.fresh(), dtype: 'bool' as const, shape: [] }, ...bodyAvals.map((a) => ({ name: g.fresh(), dtype: a.dtype, shape: a.shape }))];
  const graph = g.graph([iteration, condIn, ...carryIn], outputs, (b) => {
    const index = reverse ? b.op('Sub', [b.int(length - 1), iteration.name]) : iteration.name;
    const slices = xs.map((x) => b.op('Gather', [x, index], { axis: { int: 0 } }));
    return [condIn.name, ...b.program(body.ir, [...consts, ...carryIn.map((c) => c.name), ...slices])];
  });
  // A masked whileLoop's float32 results are written through the NaN poisoning below.
  const poisoned = (j: number) => eq.params.whileLimit !== undefined && j > 0 && eq.outAvals[j]!.dtype === 'float32';
  const results = eq.outputs.map((o, j) => (poisoned(j) || (reverse && j >= numCarry) ? g.fresh() : o));
  g.node('Loop', [g.int(length), '', ...carry], results, { body: graph });
  const sliced = results.map((r, j) => {
    if (!reverse || j < numCarry) return r;
    const out = poisoned(j) ? g.fresh() : eq.outputs[j]!;
    g.node('Slice', [r, g.ints([-1]), g.ints([-(2 ** 63)]), g.ints([0]), g.ints([-1])], [out]);
    return out;
  });
  if (eq.params.whileLimit === undefined) return;
  const scale = g.op('Where', [results[0]!, g.scalar(NaN, 'float32'), g.scalar(1, 'float32')]);
  // One flag per example under vmap: its axes lead a carry's, and follow the step axis of a stacked output.
  const flagShape = eq.outAvals[0]!.shape;
  const scaleFor = (j: number) => {
    const lead = j < numCarry ? 0 : 1;
    const rank = eq.outAvals[j]!.shape.length;
    return rank === flagShape.length && lead === 0 ? scale : g.op('Reshape', [scale, g.ints([...Array(lead).fill(1), ...flagShape, ...Array(rank - flagShape.length - lead).fill(1)])]);
  };
  sliced.forEach((r, j) => poisoned(j) && g.node('Mul', [r, scaleFor(j)], [eq.outputs[j]!]));
}
