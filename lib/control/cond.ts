/**
 * `cond(pred, onTrue, onFalse, operands)`: a branch that also works under
 * `jit`. When `pred` is known (eager code, including inside `grad`), only the
 * chosen branch runs and is differentiated — the same as a plain `if`. When
 * `pred` is abstract (inside `jit`), `cond` is staged as one equation holding
 * both branches; the compiled program evaluates only the branch taken.
 * Differentiating a staged `cond` evaluates both branches' derivatives and
 * selects with `where` (the untaken branch's values are discarded; a NaN in
 * its derivative does not leak into the result's value, but may into second
 * derivatives).
 */
import * as tf from '@tensorflow/tfjs-core';
import { callAbstractEval, callImpl, flatCall, flatDef, type CallParams, type Fn } from '../core/call.js';
import { ShapeError } from '../core/errors.js';
import type { Primitive } from '../core/primitive.js';
import { flatten, unflatten } from '../core/pytree.js';
import { avalOf, showAval, type AbstractValue, type AnyTensor, type Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { zerosLike } from '../core/creation.js';
import { where } from '../primitives/where.js';
import { jvp } from '../transforms/forward.js';
import { knownTruth } from './concrete.js';
import { unaliased } from '../core/alias.js';
import { scoped } from '../core/memory.js';
import { kernelOnly } from '../core/lowering.js';
import { vmap } from '../transforms/vmap.js';
import { batchSizeOf, materialize } from '../primitives/batching.js';
import { reshape } from '../primitives/reshape.js';
import { stage } from '../core/ir.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

interface CondParams extends CallParams {
  readonly onTrue: Fn;
  readonly onFalse: Fn;
}

const branch = (p: CondParams, truth: boolean): CallParams => ({ ...p, fn: truth ? p.onTrue : p.onFalse });

const shapes = new WeakMap<CondParams, Map<string, AbstractValue[]>>();

export const condPrimitive: Primitive<CondParams> = {
  name: 'cond',
  lowering: kernelOnly('a call: jit stages the taken branch inside its program'),
  abstractEval([pred, ...operands], params) {
    let cache = shapes.get(params);
    if (!cache) shapes.set(params, (cache = new Map()));
    const t = callAbstractEval(branch(params, true), operands, cache);
    const f = callAbstractEval(branch(params, false), operands, new Map());
    const same = t.length === f.length && t.every((a, i) => showAval(a) === showAval(f[i]!));
    if (!same) {
      throw new ShapeError('cond', `the branches return different shapes: onTrue gives (${t.map(showAval).join(', ')}), onFalse gives (${f.map(showAval).join(', ')})`);
    }
    void pred;
    return t;
  },
  impl([pred, ...operands], params) {
    // Reading the predicate is synchronous; where that is impossible (webgpu in Node), run both and select.
    let truth: boolean | undefined;
    try {
      truth = pred!.dataSync()[0] !== 0;
    } catch {
      truth = undefined;
    }
    if (truth !== undefined) return callImpl(branch(params, truth), operands);
    const a = callImpl(branch(params, true), operands);
    const b = callImpl(branch(params, false), operands);
    return a.map((x, i) => tf.where(tf.broadcastTo(pred!, x.shape), x, b[i]!));
  },
  evalDirect([pred, ...operands], params) {
    return flatCall(branch(params, knownTruth('cond', pred!) ?? true), operands);
  },
  jvp([pred, ...primals], [, ...tangents], params) {
    const filled = tangents.map((t, i) => t ?? zerosLike(avalOf(primals[i]!)));
    const truth = knownTruth('cond', pred!);
    const run = (fn: Fn) => jvp((...xs: Tensor[]) => flatCall({ ...params, fn }, xs), primals, filled) as [Tensor[], Tensor[]];
    if (truth !== undefined) return run(truth ? params.onTrue : params.onFalse);
    const [yt, tt] = run(params.onTrue);
    const [yf, tf_] = run(params.onFalse);
    const select = (a: AnyTensor, b: AnyTensor) => where(pred as AnyTensor, a, b);
    return [yt.map((y, i) => select(y, yf[i]!)), tt.map((t, i) => select(t, tf_[i]!))];
  },
  batch([pred, ...operands], [predDim, ...dims], params) {
    // Both branches for every example, then a per-example select (JAX's rule for a batched predicate). The
    // predicate rides along as an ignored argument, so the branches are mapped even when no operand is.
    const size = batchSizeOf([pred!, ...operands], [predDim ?? null, ...dims]);
    const both = (fn: Fn) => vmap((_p: Tensor, ...xs: Tensor[]) => flatCall({ ...params, fn }, xs), { inAxes: [predDim ?? null, ...dims] })(pred!, ...operands) as Tensor[];
    const yt = both(params.onTrue);
    const yf = both(params.onFalse);
    const flags = materialize(pred as AnyTensor, predDim ?? null, size);
    const outs = yt.map((t, i) => where(reshape(flags, [size, ...Array(t.rank - 1).fill(1)]) as AnyTensor, t as AnyTensor, yf[i] as AnyTensor));
    return [outs, outs.map(() => 0)];
  },
  onnx: condOnnx,
  showParams: (p) => `onTrue=${p.onTrue.name || 'anonymous'}, onFalse=${p.onFalse.name || 'anonymous'}`,
};

/**
 * ONNX: an `If` whose branch graphs are the two branch functions staged at
 * the operands' avals (they read the operands from the outer graph; tensors
 * they close over become initializers). Only the taken branch runs.
 */
function condOnnx(g: OnnxBuilder, eq: OnnxEquation<CondParams>): void {
  const [pred, ...operands] = eq.inputs as [string, ...string[]];
  const avals = eq.inAvals.slice(1);
  const outputs = eq.outAvals.map((a) => ({ dtype: a.dtype, shape: a.shape }));
  const branchGraph = (fn: Fn) => {
    const ir = stage((xs) => flatCall({ ...eq.params, fn }, xs), avals, false);
    try {
      return g.graph([], outputs.map((o) => ({ ...o, name: g.fresh() })), (b) => b.program(ir, operands));
    } finally {
      ir._release();
    }
  };
  g.node('If', [pred], eq.outputs, { then_branch: branchGraph(eq.params.onTrue), else_branch: branchGraph(eq.params.onFalse) });
}

/**
 * Chooses a branch by a scalar bool tensor; each branch receives `operands`.
 * Use it instead of `if` on a traced value inside `jit`; in eager code it is
 * the same as `if`.
 * @example
 * ```ts
 * const y = fx.cond(fx.greater(x, 0), (v) => fx.mul(v, v), (v) => fx.neg(v), x);
 * ```
 * @public
 */
export function cond<Ops, R>(pred: Tensor<[], 'bool'>, onTrue: (operands: Ops) => R, onFalse: (operands: Ops) => R, operands: Ops): R {
  // A branch that returns an operand gives a fresh handle: results never alias inputs.
  return unaliased(
    scoped(() => {
    const truth = knownTruth('cond', pred);
    if (truth !== undefined) return truth ? onTrue(operands) : onFalse(operands);
    const [leaves, inDef] = flatten(operands);
    const rebuild = (xs: unknown[]) => unflatten<Ops>(inDef, xs);
    const onTrueFlat = (...xs: unknown[]) => onTrue(rebuild(xs));
    const params: CondParams = {
      fn: onTrueFlat,
      onTrue: onTrueFlat,
      onFalse: (...xs: unknown[]) => onFalse(rebuild(xs)),
      inDef: flatDef(leaves.length),
      outDef: {},
    };
    const outs = bind(condPrimitive as Primitive, [pred, ...leaves], params);
    return unflatten<R>(params.outDef.def!, outs);
    }),
    operands,
  );
}


