/**
 * `whileLoop(condFn, bodyFn, init)`. In eager code (including inside `grad`,
 * `jvp`, …) the loop runs in JavaScript and every executed iteration is
 * differentiated: reverse mode **stores** each iteration's residuals (memory
 * grows with the trip count; wrap the body in `checkpoint` to recompute
 * instead). Inside `jit` the loop is staged as one equation and compiled
 * (what cond/body close over becomes extra carries); forward mode pushes
 * tangents through the same loop, and reverse mode runs it as a scan of
 * `maxIterations` masked steps (`scanPrimitive.ts`), whose adjoint walks back
 * over the executed steps; a loop still running after them throws.
 */
import { callAbstractEval, callImpl, flatCall, flatCallParams, flatDef, type CallParams, type Fn } from '../core/call.js';
import { ReadbackError, ShapeError, TransformError } from '../core/errors.js';
import type { Primitive } from '../core/primitive.js';
import { flatten, unflatten } from '../core/pytree.js';
import { avalOf, showAval, type AbstractValue, type AnyTensor, type Tensor } from '../core/tensor.js';
import { Tracer, bind } from '../core/trace.js';
import { scalar, zerosLike } from '../core/creation.js';
import { where } from '../primitives/where.js';
import { bindScan, closeOver } from './scanPrimitive.js';
import { evalIR } from '../core/ir.js';
import * as tf from '@tensorflow/tfjs-core';
import { jvp } from '../transforms/forward.js';
import { knownTruth } from './concrete.js';
import { unaliased } from '../core/alias.js';
import { scoped } from '../core/memory.js';
import { RollingScope } from '../solvers/common.js';
import { kernelOnly } from '../core/lowering.js';
import { vmap } from '../transforms/vmap.js';
import { batchSizeOf, materialize } from '../primitives/batching.js';
import { reshape } from '../primitives/reshape.js';
import { cast } from '../primitives/cast.js';
import { sum } from '../primitives/sum.js';
import { greater } from '../primitives/greater.js';
import { stage } from '../core/ir.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

interface WhileParams extends CallParams {
  readonly condFn: Fn;
  readonly bodyFn: Fn;
  /** Reverse mode through the staged loop runs this many masked steps at most (see `WhileOptions`). */
  readonly maxIterations: number;
  /** Leading carries that are values cond/body close over (passed through unchanged; left out of messages). */
  readonly numCaptured: number;
}

/** Options of `whileLoop`. @public */
export interface WhileOptions {
  /**
   * Reverse mode through a loop staged by `jit` runs it as a scan of this many
   * steps whose steps after the condition fails keep the carry (the adjoint
   * then walks back over the executed steps); a loop still running after it
   * throws (on webgpu in Node, where that cannot be read synchronously, its
   * results are NaN instead). Default 1000. Eager loops and forward mode
   * ignore it.
   */
  readonly maxIterations?: number;
}

/** Runs the loop on tensors (eager); `condFn`/`bodyFn` take and return flat carries. */
function runLoop(params: WhileParams, carry: Tensor[]): Tensor[] {
  for (;;) {
    const [pred] = flatCall({ ...params, fn: params.condFn }, carry);
    if (knownTruth('whileLoop', pred!) !== true) return carry;
    carry = flatCall({ ...params, fn: params.bodyFn }, carry);
  }
}

function checkCarry(params: WhileParams, inputs: readonly AbstractValue[]): void {
  const body = callAbstractEval({ ...params, fn: params.bodyFn }, inputs, new Map());
  const same = body.length === inputs.length && body.every((a, i) => showAval(a) === showAval(inputs[i]!));
  if (!same) {
    const show = (xs: readonly AbstractValue[]) => xs.slice(params.numCaptured).map(showAval).join(', ');
    throw new ShapeError('whileLoop', `the body must return a carry of the same shapes: it takes (${show(inputs)}) and returns (${show(body)})`);
  }
  const pred = callAbstractEval({ ...params, fn: params.condFn }, inputs, new Map());
  if (pred.length !== 1 || pred[0]!.dtype !== 'bool' || pred[0]!.shape.length !== 0) {
    throw new ShapeError('whileLoop', `condFn must return a scalar bool tensor, got (${pred.map(showAval).join(', ')})`);
  }
}

/** The error of a condition that cannot be read on the host (webgpu in Node: tfjs reads GPU buffers synchronously only through OffscreenCanvas). */
function unreadable(e: unknown): unknown {
  if (!(e instanceof ReferenceError && /OffscreenCanvas/.test(e.message))) return e;
  return new ReadbackError(
    'whileLoop: a staged loop reads its condition on the host after every step, and the webgpu backend in Node has no synchronous readback (it needs a browser). ' +
      'Run the loop on the wasm or cpu backend, or use fx.fori / fx.scan (a trip count known when the loop is staged needs no read).',
  );
}

export const whileLoopPrimitive: Primitive<WhileParams> = {
  name: 'whileLoop',
  lowering: kernelOnly('a loop: its body is a compiled sub-program run once per step'),
  abstractEval(inputs, params) {
    checkCarry(params, inputs);
    return inputs.slice();
  },
  impl(inputs, params) {
    let carry = inputs.map((x) => tf.clone(x));
    for (;;) {
      const [pred] = callImpl({ ...params, fn: params.condFn }, carry);
      let go: boolean;
      try {
        go = pred!.dataSync()[0] !== 0;
      } catch (e) {
        carry.forEach((c) => c.dispose());
        throw unreadable(e);
      } finally {
        pred!.dispose();
      }
      if (!go) return carry;
      const next = callImpl({ ...params, fn: params.bodyFn }, carry);
      carry.forEach((c) => c.dispose());
      carry = next;
    }
  },
  evalDirect: (inputs, params) => runLoop(params, inputs.slice()),
  batch(values, dims, params) {
    // One loop for the whole batch, as JAX: it runs while any example's condition holds, and an example whose
    // condition fails keeps its carry (every carry, closed-over values included, gets the batch axis first).
    const size = batchSizeOf(values, dims);
    const carries = values.map((v, i) => materialize(v as AnyTensor, dims[i]!, size));
    const perExample = (fn: Fn, xs: unknown[]) => vmap((...ys: Tensor[]) => flatCall({ ...params, fn }, ys))(...(xs as Tensor[])) as Tensor[];
    const running = (xs: unknown[]) => perExample(params.condFn, xs)[0]! as AnyTensor; // [size] bool
    const batched: WhileParams = {
      ...params,
      fn: (...xs: unknown[]) => xs,
      condFn: (...xs: unknown[]) => greater(sum(cast(running(xs), 'float32')), 0),
      bodyFn: (...xs: unknown[]) => {
        const go = running(xs);
        return perExample(params.bodyFn, xs).map((next, i) => where(reshape(go, [size, ...Array(next.rank - 1).fill(1)]) as AnyTensor, next as AnyTensor, xs[i] as AnyTensor));
      },
      inDef: flatDef(carries.length),
      outDef: {},
    };
    const outs = bind(whileLoopPrimitive as Primitive, carries, batched);
    return [outs, outs.map(() => 0)];
  },
  jvp(primals, tangents, params) {
    const filled = tangents.map((t, i) => t ?? zerosLike(avalOf(primals[i]!)));
    if (levelOf(filled) > levelOf(primals)) {
      // Reverse mode (linearize stages the tangents): a masked scan, which has a transpose.
      return jvp((...xs: Tensor[]) => maskedScan(params, xs), primals.slice(), filled) as unknown as [Tensor[], Tensor[]];
    }
    const out = bind(whileLoopPrimitive as Primitive, primals, params);
    const tangentOut = bind(whileTangentPrimitive as Primitive, [...primals, ...filled], params);
    return [out, tangentOut];
  },
  onnx: whileLoopOnnx,
  showParams: (p) => `cond=${p.condFn.name || 'anonymous'}, body=${p.bodyFn.name || 'anonymous'}`,
};

/**
 * ONNX: a `Loop` without a trip count, run while its condition holds:
 * `condFn` staged once is evaluated on the initial carry (in the outer
 * graph) and on each new carry (at the end of the body graph, after
 * `bodyFn` staged at the carry's avals).
 */
function whileLoopOnnx(g: OnnxBuilder, eq: OnnxEquation<WhileParams>): void {
  const avals = eq.inAvals;
  const condIR = stage((xs) => flatCall({ ...eq.params, fn: eq.params.condFn }, xs), avals, false);
  const bodyIR = stage((xs) => flatCall({ ...eq.params, fn: eq.params.bodyFn }, xs), avals, false);
  try {
    const [first] = g.program(condIR, eq.inputs);
    const iteration = { name: g.fresh(), dtype: 'int64' as const, shape: [] };
    const condIn = { name: g.fresh(), dtype: 'bool' as const, shape: [] };
    const carryIn = avals.map((a) => ({ name: g.fresh(), dtype: a.dtype, shape: a.shape }));
    const outputs = [{ name: g.fresh(), dtype: 'bool' as const, shape: [] }, ...avals.map((a) => ({ name: g.fresh(), dtype: a.dtype, shape: a.shape }))];
    const body = g.graph([iteration, condIn, ...carryIn], outputs, (b) => {
      const next = b.program(bodyIR, carryIn.map((c) => c.name));
      const [go] = b.program(condIR, next);
      return [go!, ...next];
    });
    g.node('Loop', ['', first!, ...eq.inputs], eq.outputs, { body });
  } finally {
    condIR._release();
    bodyIR._release();
  }
}

/**
 * The tangent part of a staged loop: reruns the loop pushing tangents through
 * the body's JVP. Inputs: primal carry, then tangent carry; output: tangents.
 */
export const whileTangentPrimitive: Primitive<WhileParams> = {
  name: 'whileLoopTangent',
  lowering: kernelOnly('a loop: its body is a compiled sub-program run once per step'),
  abstractEval: (inputs) => inputs.slice(inputs.length / 2),
  impl: (inputs, params) => callImpl(flatCallParams(inputs.length, (...xs: unknown[]) => tangentLoop(params, xs as Tensor[])), inputs),
  evalDirect: (inputs, params) => tangentLoop(params, inputs.slice()),
  jvp(primals, tangents, params) {
    // Higher order: the (primal, tangent) loop is itself a while loop; differentiate that one and keep its tangent half.
    const n = primals.length / 2;
    const [outs, touts] = whileLoopPrimitive.jvp!(primals, tangents, pairedParams(params, n));
    return [outs.slice(n), touts.slice(n)];
  },
  transpose() {
    // Reverse mode takes the masked-scan path in whileLoop's jvp rule; this tangent loop is never linearized.
    throw new TransformError('whileLoop: internal error, the forward-mode tangent loop was transposed');
  },
  batch(values, dims, params) {
    // The (primal, tangent) loop batched as a whileLoop (one loop for the batch), its tangent half kept.
    const n = values.length / 2;
    const [outs, outDims] = whileLoopPrimitive.batch!(values, dims, pairedParams(params, n));
    return [outs.slice(n), outDims.slice(n)];
  },
  onnx: whileTangentOnnx,
};

/** ONNX: the (primal, tangent) while loop (`pairedParams`) as whileLoop's `Loop`, its tangent half kept. */
function whileTangentOnnx(g: OnnxBuilder, eq: OnnxEquation<WhileParams>): void {
  const n = eq.inputs.length / 2;
  const primals = eq.inAvals.slice(0, n);
  whileLoopOnnx(g, { ...eq, outputs: [...primals.map(() => g.fresh()), ...eq.outputs], outAvals: [...primals, ...eq.outAvals], params: pairedParams(eq.params, n) });
}

/** A while loop over (primal, tangent) carries: cond on the primals, the body's JVP as body. */
function pairedParams(params: WhileParams, n: number): WhileParams {
  const body = (...ys: Tensor[]) => flatCall({ ...params, fn: params.bodyFn }, ys);
  return {
    ...params,
    fn: (...xs: unknown[]) => xs,
    condFn: (...xs: unknown[]) => flatCall({ ...params, fn: params.condFn }, xs.slice(0, n) as Tensor[])[0],
    bodyFn: (...xs: unknown[]) => {
      const [p, t] = jvp(body, xs.slice(0, n) as Tensor[], xs.slice(n) as Tensor[]) as unknown as [Tensor[], Tensor[]];
      return [...p, ...t];
    },
    inDef: flatDef(2 * n),
    outDef: {},
    numCaptured: 0,
  };
}

/** The highest trace level among tensors (0 for concrete ones). */
function levelOf(xs: readonly Tensor[]): number {
  let level = 0;
  for (const x of xs) if (x instanceof Tracer && x._trace.main.active) level = Math.max(level, x._trace.main.level);
  return level;
}

/**
 * The loop as a scan of `maxIterations` steps carrying an "active" flag:
 * a step whose condition fails (or follows one that did) keeps the carry.
 * The scan throws after its last step if the flag is still set.
 */
function maskedScan(params: WhileParams, carry: Tensor[]): Tensor[] {
  const avals = carry.map(avalOf);
  const cond = (xs: Tensor[]) => flatCall({ ...params, fn: params.condFn }, xs)[0] as AnyTensor;
  const closed = closeOver(
    ([active, ...c]) => {
      const go = where(active as AnyTensor, cond(c), active as AnyTensor);
      const next = flatCall({ ...params, fn: params.bodyFn }, c);
      const kept = c.map((ci, j) => where(go, next[j] as AnyTensor, ci as AnyTensor));
      return [where(go, cond(kept), go), ...kept];
    },
    [{ shape: [], dtype: 'bool' }, ...avals],
  );
  const outs = bindScan(closed, [], [scalar(true, 'bool'), ...carry], [], params.maxIterations, false, 'whileLoop');
  return outs.slice(1);
}

function tangentLoop(params: WhileParams, inputs: Tensor[]): Tensor[] {
  const n = inputs.length / 2;
  let primal = inputs.slice(0, n);
  let tangent = inputs.slice(n);
  const body = (...xs: Tensor[]) => flatCall({ ...params, fn: params.bodyFn }, xs);
  for (;;) {
    const [pred] = flatCall({ ...params, fn: params.condFn }, primal);
    if (knownTruth('whileLoop', pred!) !== true) return tangent;
    const [p, t] = jvp(body, primal, tangent);
    primal = p;
    tangent = t;
  }
}

/**
 * Runs `bodyFn` while `condFn` holds, threading a carry pytree. Under
 * `jit`, reverse mode runs at most `options.maxIterations` steps (default
 * 1000; more is an error).
 * @example
 * ```ts
 * // halve until below 1
 * fx.whileLoop((x) => fx.greater(x, 1), (x) => fx.mul(x, 0.5), fx.scalar(10)); // 0.625
 * ```
 * @public
 */
export function whileLoop<C>(condFn: (carry: C) => Tensor<[], 'bool'>, bodyFn: (carry: C) => C, init: C, options: WhileOptions = {}): C {
  const maxIterations = options.maxIterations ?? 1000;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new ShapeError('whileLoop', `maxIterations must be a positive integer, got ${maxIterations}`);
  // Results never alias inputs: a loop that runs zero times gives fresh handles.
  return unaliased(
    scoped(() => {
      // Each step's intermediates (and the carry it replaced) are freed once the next carry exists.
      const roll = new RollingScope();
      let carry = init;
      try {
        for (;;) {
          const truth = knownTruth('whileLoop', condFn(carry));
          if (truth === false) return roll.finish(carry);
          if (truth === undefined) return roll.finish(stagedLoop(condFn, bodyFn, carry, maxIterations));
          carry = roll.step(() => bodyFn(carry));
        }
      } catch (e) {
        roll.abort();
        throw e;
      }
    }),
    init,
  );
}

function stagedLoop<C>(condFn: (carry: C) => Tensor<[], 'bool'>, bodyFn: (carry: C) => C, init: C, maxIterations: number): C {
  const [leaves, def] = flatten(init);
  const rebuild = (xs: unknown[]) => unflatten<C>(def, xs);
  // Trace cond and body once to find what they close over (values of jit's trace, say): those become
  // leading carries that the body passes through unchanged, so every rule sees them as inputs.
  const avals = leaves.map(avalOf);
  const cond = closeOver((xs) => [condFn(rebuild(xs))], avals);
  const body = closeOver((xs) => flatten(bodyFn(rebuild(xs)))[0], avals);
  const nc = cond.captured.length;
  const nb = body.captured.length;
  const n = nc + nb;
  const params: WhileParams = {
    fn: (...xs: unknown[]) => xs,
    condFn: (...xs: unknown[]) => evalIR(cond.body.ir, [...(xs.slice(0, nc) as Tensor[]), ...(xs.slice(n) as Tensor[])], zerosLike)[0],
    bodyFn: (...xs: unknown[]) => [...xs.slice(0, n), ...evalIR(body.body.ir, [...(xs.slice(nc, n) as Tensor[]), ...(xs.slice(n) as Tensor[])], zerosLike)],
    inDef: flatDef(n + leaves.length),
    outDef: {},
    maxIterations,
    numCaptured: n,
  };
  try {
    return rebuild(bind(whileLoopPrimitive as Primitive, [...cond.captured, ...body.captured, ...leaves], params).slice(n));
  } finally {
    cond.release();
    body.release();
  }
}
