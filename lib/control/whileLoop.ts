/**
 * `whileLoop(condFn, bodyFn, init)`. In eager code (including inside `grad`,
 * `jvp`, …) the loop runs in JavaScript and every executed iteration is
 * differentiated: reverse mode **stores** each iteration's residuals (memory
 * grows with the trip count; wrap the body in `checkpoint` to recompute
 * instead). Inside `jit` the loop is staged as one equation and compiled;
 * forward mode works there too, while reverse mode through a staged loop
 * (unknown trip count) is refused with a message pointing to `fori`/`scan`
 * or to differentiating outside `jit`.
 */
import { callAbstractEval, callImpl, flatCall, flatCallParams, flatDef, type CallParams, type Fn } from '../core/call.js';
import { ShapeError, TransformError } from '../core/errors.js';
import type { Primitive } from '../core/primitive.js';
import { flatten, unflatten } from '../core/pytree.js';
import { avalOf, showAval, type AbstractValue, type Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { zerosLike } from '../core/creation.js';
import * as tf from '@tensorflow/tfjs-core';
import { jvp } from '../transforms/forward.js';
import { knownTruth } from './concrete.js';
import { unaliased } from '../core/alias.js';
import { scoped } from '../core/memory.js';
import { RollingScope } from '../solvers/common.js';

interface WhileParams extends CallParams {
  readonly condFn: Fn;
  readonly bodyFn: Fn;
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
    throw new ShapeError('whileLoop', `the body must return a carry of the same shapes: it takes (${inputs.map(showAval).join(', ')}) and returns (${body.map(showAval).join(', ')})`);
  }
  const pred = callAbstractEval({ ...params, fn: params.condFn }, inputs, new Map());
  if (pred.length !== 1 || pred[0]!.dtype !== 'bool' || pred[0]!.shape.length !== 0) {
    throw new ShapeError('whileLoop', `condFn must return a scalar bool tensor, got (${pred.map(showAval).join(', ')})`);
  }
}

export const whileLoopPrimitive: Primitive<WhileParams> = {
  name: 'whileLoop',
  abstractEval(inputs, params) {
    checkCarry(params, inputs);
    return inputs.slice();
  },
  impl(inputs, params) {
    let carry = inputs.map((x) => tf.clone(x));
    for (;;) {
      const [pred] = callImpl({ ...params, fn: params.condFn }, carry);
      const go = pred!.dataSync()[0] !== 0;
      pred!.dispose();
      if (!go) return carry;
      const next = callImpl({ ...params, fn: params.bodyFn }, carry);
      carry.forEach((c) => c.dispose());
      carry = next;
    }
  },
  evalDirect: (inputs, params) => runLoop(params, inputs.slice()),
  jvp(primals, tangents, params) {
    const out = bind(whileLoopPrimitive as Primitive, primals, params);
    const filled = tangents.map((t, i) => t ?? zerosLike(avalOf(primals[i]!)));
    const tangentOut = bind(whileTangentPrimitive as Primitive, [...primals, ...filled], params);
    return [out, tangentOut];
  },
  showParams: (p) => `cond=${p.condFn.name || 'anonymous'}, body=${p.bodyFn.name || 'anonymous'}`,
};

/**
 * The tangent part of a staged loop: reruns the loop pushing tangents through
 * the body's JVP. Inputs: primal carry, then tangent carry; output: tangents.
 */
const whileTangentPrimitive: Primitive<WhileParams> = {
  name: 'whileLoopTangent',
  abstractEval: (inputs) => inputs.slice(inputs.length / 2),
  impl: (inputs, params) => callImpl(flatCallParams(inputs.length, (...xs: unknown[]) => tangentLoop(params, xs as Tensor[])), inputs),
  evalDirect: (inputs, params) => tangentLoop(params, inputs.slice()),
  transpose() {
    throw new TransformError(
      'reverse-mode differentiation of a whileLoop inside jit is not supported: the trip count is unknown when the loop is staged. ' +
        'Use fx.fori or fx.scan (a fixed trip count), or differentiate outside jit, where the executed iterations are recorded.',
    );
  },
};

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
 * Runs `bodyFn` while `condFn` holds, threading a carry pytree.
 * @example
 * ```ts
 * // halve until below 1
 * fx.whileLoop((x) => fx.greater(x, 1), (x) => fx.mul(x, 0.5), fx.scalar(10)); // 0.625
 * ```
 * @public
 */
export function whileLoop<C>(condFn: (carry: C) => Tensor<[], 'bool'>, bodyFn: (carry: C) => C, init: C): C {
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
        if (truth === undefined) return roll.finish(stagedLoop(condFn, bodyFn, carry));
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

function stagedLoop<C>(condFn: (carry: C) => Tensor<[], 'bool'>, bodyFn: (carry: C) => C, init: C): C {
  const [leaves, def] = flatten(init);
  const rebuild = (xs: unknown[]) => unflatten<C>(def, xs);
  const params: WhileParams = {
    fn: (...xs: unknown[]) => xs,
    condFn: (...xs: unknown[]) => condFn(rebuild(xs)),
    bodyFn: (...xs: unknown[]) => bodyFn(rebuild(xs)),
    inDef: flatDef(leaves.length),
    outDef: {},
  };
  return rebuild(bind(whileLoopPrimitive as Primitive, leaves, params));
}
