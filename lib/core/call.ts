/**
 * Call-like primitives: primitives whose behaviour is a fluxion function
 * carried in their params (custom rules, control flow). Helpers to run that
 * function on flat tensor lists, to find its output shapes by staging it, and
 * to run it on raw tfjs tensors inside `jit`'s executor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { stage } from './ir.js';
import type { Params } from './primitive.js';
import { flatten, unflatten, type TreeDef } from './pytree.js';
import { openScope } from './scope.js';
import { ConcreteTensor, showAval, type AbstractValue, type Tensor } from './tensor.js';

export type Fn = (...args: unknown[]) => unknown;

/** What a call primitive's params carry: the function and how to rebuild its pytrees. */
export interface CallParams extends Params {
  readonly fn: Fn;
  readonly inDef: TreeDef;
  readonly outDef: { def?: TreeDef };
}

/** The flat version of `fn`: tensors in, tensors out (recording the output structure). */
export function flatCall(params: CallParams, leaves: readonly Tensor[]): Tensor[] {
  const [outLeaves, def] = flatten(params.fn(...unflatten<unknown[]>(params.inDef, leaves)));
  params.outDef.def ??= def;
  return outLeaves;
}

/** Output shapes of a call, found by staging its function once per input signature. */
export function callAbstractEval(params: CallParams, inputs: readonly AbstractValue[], cache: Map<string, AbstractValue[]>): AbstractValue[] {
  const key = inputs.map(showAval).join(';');
  let outs = cache.get(key);
  if (!outs) {
    const ir = stage((xs) => flatCall(params, xs), inputs, false);
    outs = ir.outAvals.slice();
    ir._release();
    cache.set(key, outs);
  }
  return outs;
}

/** Runs a call on tfjs tensors (used by `jit`'s executor). */
export function callImpl(params: CallParams, inputs: readonly tf.Tensor[]): tf.Tensor[] {
  const close = openScope();
  try {
    const outs = flatCall(params, inputs.map((x) => new ConcreteTensor(tf.clone(x))));
    return outs.map((o) => tf.clone(o._concrete('a custom rule call')._tf));
  } finally {
    close([]);
  }
}


/** The structure of an argument list of `n` tensors. */
export function flatDef(n: number): TreeDef {
  return { kind: 'array', children: Array.from({ length: n }, () => ({ kind: 'leaf' }) as TreeDef) };
}

/** Call params for a function of `n` flat tensors, with its own output record. */
export function flatCallParams(n: number, fn: Fn): CallParams {
  return { fn, inDef: flatDef(n), outDef: {} };
}
