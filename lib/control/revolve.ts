/**
 * The `'binomial'` checkpoint policy of `scan`: Griewank and Walther's
 * binomial checkpointing (revolve), run on the host.
 *
 * The loop is cut into chunks of `chunk` steps (the last one shorter). Three
 * primitives carry it:
 * - `revolveScan`: the loop itself (evaluates as a plain `scan`). Under
 *   reverse-mode linearization it stores nothing per step: its tangent map is
 *   one `revolveLinear` equation whose residuals are the loop's inputs;
 * - `revolveLinear`: that tangent map (forward mode: the JVP of the plain
 *   scan); its transpose is one `revolveBackward` equation;
 * - `revolveBackward`: the backward pass, a JavaScript schedule run where the
 *   program runs (eager, or as one step of a `jit` program): from the stored
 *   snapshots it advances with plain scans of the body (compiled once) and
 *   reverses one chunk at a time with the chunk's VJP (compiled once by `jit`),
 *   keeping at most `snapshots` carries alive and following revolve's optimal
 *   schedule, so each step is evaluated the minimal number of times.
 * The program is the same size whatever the trip count: nothing of the
 * schedule is traced. Higher derivatives (the JVP of `revolveBackward`) and
 * `vmap` differentiate or batch the stored-all loop instead (correct values,
 * no checkpointing at that order).
 */
import * as tfc from '@tensorflow/tfjs-core';
import { LinearInput, type MaybeZero, type Primitive } from '../core/primitive.js';
import { ConcreteTensor, avalOf, showAval, type AbstractValue, type AnyTensor, type Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { StagedTracer, evalIR } from '../core/ir.js';
import { zerosLike } from '../core/creation.js';
import { callImpl, flatCallParams } from '../core/call.js';
import { kernelOnly } from '../core/lowering.js';
import { freshHandle } from '../core/alias.js';
import { jvp } from '../transforms/forward.js';
import { vjp } from '../transforms/reverse.js';
import { jit } from '../compile/jit.js';
import { hostBackend } from '../compile/host.js';
import { slice } from '../primitives/slice.js';
import { concat } from '../primitives/concat.js';
import { add } from '../primitives/add.js';
import { bindScan, closeOver, scanPrimitive, type ClosedBody, type ScanBody, type ScanParams } from './scanPrimitive.js';

/** Parameters of the revolve primitives: a forward scan's, plus the schedule. */
export interface RevolveParams extends ScanParams {
  /** Steps per chunk (the unit the schedule advances and reverses by). */
  readonly chunk: number;
  /** Carries kept alive at once by the backward pass. */
  readonly snapshots: number;
}

/** Parameters of `revolveBackward`: which inputs of the loop get a cotangent. */
interface BackwardParams extends RevolveParams {
  readonly mask: readonly boolean[];
}

// ---------------------------------------------------------------- the schedule

/** β(s, r) = C(s + r, s): the most steps s snapshots reverse with r forward evaluations per step (Griewank). */
export function beta(s: number, r: number): number {
  if (r < 0 || s < 0) return 0;
  let b = 1;
  for (let i = 1; i <= r; i++) b = (b * (s + i)) / i;
  return Math.round(b);
}

/** The repetition number: the least r with β(s, r) ≥ l. */
export function repetitions(l: number, s: number): number {
  let r = 0;
  while (beta(s, r) < l) r++;
  return r;
}

/**
 * The least number of plain chunk evaluations (advances) that reverses l
 * chunks from a stored carry at their start with s snapshots in all (that one
 * included): r·l − β(s + 1, r − 1) (Griewank and Walther 2000, Prop. 1);
 * without snapshots only one chunk can be reversed.
 */
export function minAdvances(l: number, s: number): number {
  if (s === 0) return l === 1 ? 0 : Infinity;
  const r = repetitions(l, s);
  return r * l - beta(s + 1, r - 1);
}

const splits = new Map<string, number>();

/** How many chunks to advance before storing the next snapshot, reversing l chunks with s snapshots: an optimal split. */
function split(l: number, s: number): number {
  const key = `${l},${s}`;
  let best = splits.get(key);
  if (best !== undefined) return best;
  const want = minAdvances(l, s);
  best = l - 1;
  for (let m = 1; m < l; m++) {
    if (m + minAdvances(l - m, s - 1) + minAdvances(m, s) === want) {
      best = m;
      break;
    }
  }
  splits.set(key, best);
  return best;
}

/** One action of the schedule. */
type Action = { kind: 'advance'; from: number; to: number } | { kind: 'reverse'; chunk: number };

/** Walks revolve's schedule of l chunks from `from` with s snapshots, calling `act` on each action. */
export function walkSchedule(from: number, l: number, s: number, act: (a: Action) => void): void {
  if (l === 1) {
    act({ kind: 'reverse', chunk: from });
    return;
  }
  const m = split(l, s);
  act({ kind: 'advance', from, to: from + m });
  walkSchedule(from + m, l - m, s - 1, act);
  walkSchedule(from, m, s, act);
}

/** Plain step evaluations of revolve's schedule (n steps in chunks of `chunk`, s snapshots), in all and for the step evaluated most. */
export function countAdvances(n: number, chunk: number, s: number): { total: number; most: number } {
  const chunks = Math.ceil(n / chunk);
  const per = new Array<number>(chunks).fill(0);
  walkSchedule(0, chunks, s, (a) => {
    if (a.kind === 'advance') for (let c = a.from; c < a.to; c++) per[c]!++;
  });
  let total = 0;
  per.forEach((k, c) => (total += k * Math.min(chunk, n - c * chunk)));
  return { total, most: Math.max(0, ...per) };
}

/** Chunk length and snapshot count for an n-step loop. */
export function revolvePlan(n: number): { chunk: number; chunks: number; snapshots: number } {
  const chunk = Math.max(MIN_CHUNK, Math.ceil(n / MAX_CHUNKS));
  const chunks = Math.ceil(n / chunk);
  return { chunk, chunks, snapshots: Math.max(1, Math.min(MAX_SNAPSHOTS, chunks - 1)) };
}

/** Chunks of fewer steps would cost more in per-call overhead than they save. */
export const MIN_CHUNK = 16;
/** Chunks per loop at most: longer loops get longer chunks. */
const MAX_CHUNKS = 512;
/** Snapshots at most: with the carry the leaf starts from, at most 40 carries alive at once. */
export const MAX_SNAPSHOTS = 39;

// ---------------------------------------------------------------- primitives

const parts = <T>(xs: readonly T[], p: ScanParams): [T[], T[], T[]] => [xs.slice(0, p.numConsts), xs.slice(p.numConsts, p.numConsts + p.numCarry), xs.slice(p.numConsts + p.numCarry)];
const open = (p: ScanParams): ClosedBody => ({ body: p.body, captured: [], release: () => undefined });
/** The plain loop as a function of its flat inputs. */
const plainScan = (p: ScanParams) => (...xs: Tensor[]) => {
  const [c, k, x] = parts(xs, p);
  return bindScan(open(p), c, k, x, p.length);
};
const isFloat = (a: AbstractValue) => a.dtype === 'float32';

export const revolveScanPrimitive: Primitive<RevolveParams> = {
  name: 'revolveScan',
  lowering: kernelOnly('a loop: its body is a compiled sub-program run once per step'),
  abstractEval: (inputs, p) => scanPrimitive.abstractEval(inputs, p),
  impl: (inputs, p) => scanPrimitive.impl(inputs, p),
  jvp(primals, tangents, p) {
    if (!tangents.some((t) => t instanceof StagedTracer)) return scanPrimitive.jvp!(primals, tangents, p);
    // Linearizing (reverse mode): the loop plainly, and one equation for its tangent map (residuals: the inputs).
    const filled = tangents.map((t, i) => t ?? zerosLike(avalOf(primals[i]!)));
    return [bind(revolveScanPrimitive as Primitive, primals, p), bind(revolveLinearPrimitive as Primitive, [...primals, ...filled], p)];
  },
  batch: (args, dims, p) => scanPrimitive.batch!(args, dims, p),
  showParams: (p) => `length=${p.length}, chunk=${p.chunk}, snapshots=${p.snapshots}, consts=${p.numConsts}, carry=${p.numCarry}`,
};

/** The tangents of the plain loop. */
function tangentsOf(p: ScanParams, inputs: readonly Tensor[]): Tensor[] {
  const h = inputs.length / 2;
  return jvp(plainScan(p), inputs.slice(0, h), inputs.slice(h))[1];
}

const revolveLinearPrimitive: Primitive<RevolveParams> = {
  name: 'revolveLinear',
  lowering: kernelOnly('a loop: its body is a compiled sub-program run once per step'),
  abstractEval: (inputs, p) => scanPrimitive.abstractEval(inputs.slice(0, inputs.length / 2), p),
  impl: (inputs, p) => callImpl(flatCallParams(inputs.length, (...xs: unknown[]) => tangentsOf(p, xs as Tensor[])), inputs),
  evalDirect: (inputs, p) => tangentsOf(p, inputs),
  jvp(primals, tangents, p) {
    const filled = tangents.map((t, i) => t ?? zerosLike(avalOf(primals[i]!)));
    return jvp((...xs: Tensor[]) => tangentsOf(p, xs), primals.slice() as Tensor[], filled) as [Tensor[], Tensor[]];
  },
  transpose(cts, inputs, p) {
    const h = inputs.length / 2;
    const primals = inputs.slice(0, h) as Tensor[];
    const mask = inputs.slice(h).map((x) => x instanceof LinearInput);
    if (!mask.some(Boolean)) return inputs.map(() => null);
    const outAvals = scanPrimitive.abstractEval(primals.map(avalOf), p);
    const filled = cts.map((c, i) => c ?? zerosLike(outAvals[i]!));
    const grads = bind(revolveBackwardPrimitive as Primitive, [...primals, ...filled], { ...p, mask });
    let j = 0;
    return [...primals.map(() => null), ...mask.map((m) => (m ? grads[j++]! : null))];
  },
  showParams: (p) => `length=${p.length}, chunk=${p.chunk}`,
};

/** The reference backward pass (the stored-all loop's VJP): what higher derivatives differentiate. */
function referenceBackward(p: BackwardParams, inputs: readonly Tensor[]): Tensor[] {
  const h = p.body.ir.inputs.length;
  const primals = inputs.slice(0, h);
  const cts = inputs.slice(h);
  const wrt = primals.filter((_, i) => p.mask[i]);
  const [, pullback] = vjp((...ws: Tensor[]) => {
    let j = 0;
    return plainScan(p)(...primals.map((x, i) => (p.mask[i] ? ws[j++]! : x)));
  }, ...wrt);
  const grads = pullback(cts) as Tensor[];
  pullback.dispose();
  return grads;
}

const revolveBackwardPrimitive: Primitive<BackwardParams> = {
  name: 'revolveBackward',
  lowering: kernelOnly('a loop schedule run on the host'),
  abstractEval: (inputs, p) => inputs.slice(0, p.body.ir.inputs.length).filter((_, i) => p.mask[i]),
  impl: (inputs, p) => callImpl(flatCallParams(inputs.length, (...xs: unknown[]) => runBackward(p, xs as Tensor[])), inputs),
  evalDirect: (inputs, p) => runBackward(p, inputs),
  jvp(primals, tangents, p) {
    const filled = tangents.map((t, i) => t ?? zerosLike(avalOf(primals[i]!)));
    return jvp((...xs: Tensor[]) => referenceBackward(p, xs), primals.slice() as Tensor[], filled) as [Tensor[], Tensor[]];
  },
  showParams: (p) => `length=${p.length}, chunk=${p.chunk}, snapshots=${p.snapshots}`,
};

// ---------------------------------------------------------------- the backward pass on the host

/** Rows [from, from + size) of a tensor along axis 0. */
function rows(x: Tensor, from: number, size: number): Tensor {
  return slice(x as AnyTensor, x.shape.map((_: number, j: number) => (j === 0 ? from : 0)), x.shape.map((d: number, j: number) => (j === 0 ? size : d)));
}

type ChunkVjp = (...xs: Tensor[]) => Tensor[];
const chunkVjps = new WeakMap<ScanBody, Map<string, ChunkVjp>>();

/**
 * One chunk's VJP, compiled once by `jit` per body and mask: inputs
 * `[consts, carry, xs rows, carry cotangent, ys cotangent rows]`, outputs the
 * cotangents of the masked consts, of every carry, and of the masked xs.
 */
function chunkVjp(p: BackwardParams): ChunkVjp {
  let byMask = chunkVjps.get(p.body);
  if (!byMask) chunkVjps.set(p.body, (byMask = new Map()));
  const key = `${p.numConsts},${p.numCarry},${p.mask.map(Number).join('')}`;
  let f = byMask.get(key);
  if (!f) {
    const carryAvals = p.body.ir.inputs.slice(p.numConsts, p.numConsts + p.numCarry).map((v) => v.aval);
    const wrtMask = p.mask.map((m, i) => (i >= p.numConsts && i < p.numConsts + p.numCarry ? isFloat(carryAvals[i - p.numConsts]!) : m));
    const h = p.body.ir.inputs.length;
    const vjpOfChunk = (inputs: Tensor[]): Tensor[] => {
      const primals = inputs.slice(0, h);
      const len = primals[h - 1]!.shape[0]!;
      const cts = inputs.slice(h);
      const wrt = primals.filter((_, i) => wrtMask[i]);
      const [, pullback] = vjp((...ws: Tensor[]) => {
        let j = 0;
        const xs = primals.map((x, i) => (wrtMask[i] ? ws[j++]! : x));
        const [c, k, x] = parts(xs, p);
        return bindScan(open(p), c, k, x, len);
      }, ...wrt);
      const grads = pullback(cts) as Tensor[];
      let j = 0;
      const out = primals.map((x, i) => (wrtMask[i] ? grads[j++]! : i >= p.numConsts && i < p.numConsts + p.numCarry ? zerosLike(avalOf(x)) : null));
      return out.filter((g, i) => g !== null && (p.mask[i] || (i >= p.numConsts && i < p.numConsts + p.numCarry))) as Tensor[];
    };
    // Staged once per chunk length and closed over what it captured (the IR keeps those alive), then compiled by jit:
    // staging inside jit's cache would leave constants to the scope of the backward pass that first ran it.
    const byLength = new Map<string, (...xs: Tensor[]) => Tensor[]>();
    f = (...xs: Tensor[]) => {
      const avals = xs.map(avalOf);
      const lenKey = avals.map(showAval).join(';');
      let run = byLength.get(lenKey);
      if (!run) {
        const closed = closeOver(vjpOfChunk, avals);
        const ir = closed.body.ir;
        const captured = closed.captured;
        // This cache holds them (as long as the loop's body lives).
        // (tf.keep: the program that first runs this may do so inside a tf.tidy.)
        for (const c of captured) {
          c._retain();
          tfc.keep((c as ConcreteTensor)._tf);
        }
        const compiled = jit((...ins: Tensor[]) => evalIR(ir, ins, zerosLike), { target: 'default' }) as unknown as (...ins: Tensor[]) => Tensor[];
        // Fresh handles: the backward pass frees what it no longer needs, never a captured constant passed through.
        run = (...ins: Tensor[]) => {
          const held = new Set([...captured, ...ins].map((t) => (t as ConcreteTensor)._tf));
          const outs = compiled(...captured, ...ins).map((o) => (held.has((o as ConcreteTensor)._tf) ? freshHandle(o) : o));
          return outs;
        };
        byLength.set(lenKey, run);
      }
      return run(...xs);
    };
    byMask.set(key, f);
  }
  return f;
}

/** Statistics of the last backward passes run (for tests): plain chunk evaluations and the most carries alive at once. */
export const revolveStats = { advancedSteps: 0, reversedSteps: 0, peakCarries: 0 };

/**
 * The backward pass: revolve's schedule over the chunks, on concrete
 * tensors. Inputs `[consts, carry, xs, carry cotangent, ys cotangents]`;
 * outputs the cotangents of the masked inputs.
 */
function runBackward(p: BackwardParams, inputs: readonly Tensor[]): Tensor[] {
  const h = p.body.ir.inputs.length;
  const [consts, init, xs] = parts(inputs.slice(0, h), p);
  const nk = p.numCarry;
  const ctCarryIn = inputs.slice(h, h + nk);
  const ctYs = inputs.slice(h + nk);
  const n = p.length;
  const L = p.chunk;
  const chunks = Math.ceil(n / L);
  const sizeOf = (c: number) => Math.min(L, n - c * L);
  // On cpu/wasm the sequences are read once (slicing a row range on wasm reads the whole tensor each time);
  // elsewhere (webgpu, no synchronous readback in Node) they are sliced on the device.
  const onHost = hostBackend(tfc.getBackend());
  const hostRows = (ts: readonly Tensor[]) =>
    ts.map((t) => ({ t, data: onHost ? (t as ConcreteTensor)._concrete()._tf.dataSync() : null, rest: t.shape.slice(1), row: t.shape.slice(1).reduce((a: number, b: number) => a * b, 1), dtype: t.dtype }));
  const xsHost = hostRows(xs);
  const ctYsHost = hostRows(ctYs);
  const rowsOf = (ts: ReturnType<typeof hostRows>, from: number, to: number): Tensor[] =>
    ts.map(({ t, data, rest, row, dtype }) => {
      const a = from * L;
      const b = Math.min(to * L, n);
      if (!data) return rows(t, a, b - a);
      return new ConcreteTensor(tfc.tensor(data.subarray(a * row, b * row) as Float32Array, [b - a, ...rest], dtype as tfc.DataType));
    });
  const f = chunkVjp(p);
  const [mc, mk, mx] = parts(p.mask, p);
  let ctConsts: (Tensor | null)[] = mc.map(() => null);
  const ctXs: Tensor[][] = new Array(chunks);
  let ctCarry: Tensor[] = ctCarryIn.slice();
  let fresh = false;
  let alive = 1;
  // Never free an input, nor a tensor also returned by the call that made it (a compiled program may pass one through).
  const inputsSet = new Set<Tensor>(inputs);
  const drop = (ts: readonly Tensor[], keep: readonly Tensor[] = []) => ts.forEach((t) => {
    if (!inputsSet.has(t) && !keep.includes(t)) t.dispose();
  });
  const advance = (carry: Tensor[], from: number, to: number): Tensor[] => {
    const x = rowsOf(xsHost, from, to);
    const size = Math.min(to * L, n) - from * L;
    const outs = bindScan(open(p), consts, carry, x, size);
    drop(x, outs);
    drop(outs.slice(nk), outs.slice(0, nk));
    revolveStats.advancedSteps += size;
    return outs.slice(0, nk);
  };
  const leaf = (c: number, carry: Tensor[]) => {
    const x = rowsOf(xsHost, c, c + 1);
    const cy = rowsOf(ctYsHost, c, c + 1);
    const args = [...consts, ...carry, ...x, ...ctCarry, ...cy];
    const outs = f(...args);
    drop(x, outs);
    drop(cy, outs);
    revolveStats.reversedSteps += sizeOf(c);
    let j = 0;
    ctConsts = ctConsts.map((acc, i) => {
      if (!mc[i]) return acc;
      const g = outs[j++]!;
      if (!acc) return g;
      const sum = add(acc as AnyTensor, g as AnyTensor) as Tensor;
      drop([acc, g], [sum, ...outs, ...ctConsts.filter((c): c is Tensor => c !== null && c !== acc)]);
      return sum;
    });
    if (fresh) drop(ctCarry, [...outs, ...carry]);
    fresh = true;
    ctCarry = outs.slice(j, j + nk);
    j += nk;
    ctXs[c] = outs.slice(j);
  };
  // Reverses chunks [from, from + l) from the carry at `from`, with s snapshots (that one included).
  const reverse = (from: number, l: number, s: number, carry: Tensor[]): void => {
    if (l === 1) return leaf(from, carry);
    const m = split(l, s);
    const next = advance(carry, from, from + m);
    revolveStats.peakCarries = Math.max(revolveStats.peakCarries, ++alive);
    reverse(from + m, l - m, s - 1, next);
    drop(next, [...carry, ...ctCarry]);
    alive--;
    reverse(from, m, s, carry);
  };
  reverse(0, chunks, p.snapshots, init);
  const out: Tensor[] = [];
  ctConsts.forEach((g, i) => {
    if (mc[i]) out.push(g ?? zerosLike(avalOf(consts[i]!)));
  });
  mk.forEach((m, i) => {
    if (m) out.push(ctCarry[i]!);
  });
  let k = 0;
  mx.forEach((m) => {
    if (!m) return;
    const pieces = ctXs.map((cs) => cs[k]!);
    out.push(pieces.length === 1 ? pieces[0]! : (concat(pieces as AnyTensor[], 0) as Tensor));
    k++;
  });
  return out;
}

/** Binds the revolve loop (or evaluates it on concrete inputs). */
export function bindRevolve(closed: ClosedBody, carry: readonly Tensor[], xs: readonly Tensor[], length: number): Tensor[] {
  const plan = revolvePlan(length);
  const params: RevolveParams = { body: closed.body, numConsts: closed.captured.length, numCarry: carry.length, length, reverse: false, chunk: plan.chunk, snapshots: plan.snapshots };
  try {
    return bind(revolveScanPrimitive as Primitive, [...closed.captured, ...carry, ...xs], params);
  } finally {
    closed.release();
  }
}


