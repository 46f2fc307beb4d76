/**
 * `checkpoint(f)` (rematerialization): under reverse mode, keep only `f`'s
 * inputs and recompute its intermediates during the backward pass, trading
 * compute for memory. Forward mode and plain evaluation are unchanged.
 *
 * How: under linearization `f`'s tangent map becomes one `checkpointLinear`
 * equation whose only residuals are `f`'s inputs; evaluating it runs `jvp(f)`
 * and transposing it runs `vjp(f)` — both recompute `f` from the inputs.
 */
import type { CallParams, Fn } from '../core/call.js';
import { callAbstractEval, callImpl, flatCall, flatCallParams } from '../core/call.js';
import { StagedTracer } from '../core/ir.js';
import { LinearInput, type Params, type Primitive } from '../core/primitive.js';
import { flatten, unflatten } from '../core/pytree.js';
import { avalOf, type AbstractValue, type Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { zerosLike } from '../core/creation.js';
import { jvp } from './forward.js';
import { vjp } from './reverse.js';
import { unaliased } from '../core/alias.js';
import { kernelOnly } from '../core/lowering.js';
import { inlinedForm } from '../onnx/inline.js';

/** Options of `checkpoint`. @public */
export interface CheckpointOptions {
  /**
   * What to keep for the backward pass: `'nothing'` (default) keeps only the
   * inputs and recomputes everything else; `'everything'` keeps all
   * residuals (the same as not checkpointing; useful to compare).
   */
  readonly policy?: 'nothing' | 'everything';
}

const shapeCache = new WeakMap<CallParams, Map<string, AbstractValue[]>>();

function abstractEval(inputs: readonly AbstractValue[], params: CallParams): AbstractValue[] {
  let cache = shapeCache.get(params);
  if (!cache) shapeCache.set(params, (cache = new Map()));
  return callAbstractEval(params, inputs, cache);
}

/** The tangent map of a checkpointed call: inputs are the primals, then the tangents. */
const checkpointLinearPrimitive: Primitive<CallParams> = {
  name: 'checkpointLinear',
  lowering: kernelOnly('a call: recomputes its body'),
  abstractEval: (inputs, params) => abstractEval(inputs.slice(0, inputs.length / 2), params),
  impl: (inputs, params) => callImpl(flatCallParams(inputs.length, (...xs: unknown[]) => tangentsOf(params, xs as Tensor[])), inputs),
  evalDirect: (inputs, params) => tangentsOf(params, inputs.slice()),
  // ONNX: the tangent map inlined (recomputed from the inputs, as its evaluation).
  onnx: inlinedForm<CallParams>((xs, params) => tangentsOf(params, xs)),
  // Higher order (a checkpointed segment differentiated twice): the jvp of its tangent map, recomputed from the inputs (nothing checkpointed at that order).
  jvp(primals, tangents, params) {
    const filled = tangents.map((t, i) => t ?? zerosLike(avalOf(primals[i]!)));
    return jvp((...xs: Tensor[]) => tangentsOf(params, xs), primals.slice() as Tensor[], filled) as [Tensor[], Tensor[]];
  },
  transpose(cts, inputs, params) {
    const n = inputs.length / 2;
    const primals = inputs.slice(0, n) as Tensor[];
    const outAvals = abstractEval(primals.map(avalOf), params);
    // Recompute f from its inputs, then pull the cotangent back to the linear ones only (a known zero tangent
    // needs no cotangent: a loop's per-step sequence would otherwise cost a reduction per step).
    const linear = inputs.slice(n).map((x) => x instanceof LinearInput);
    const wrt = primals.filter((_, i) => linear[i]);
    if (wrt.length === 0) return inputs.map(() => null);
    const [, pullback] = vjp((...ws: Tensor[]) => {
      let j = 0;
      return flatCall(
        params,
        primals.map((x, i) => (linear[i] ? ws[j++]! : x)),
      );
    }, ...wrt);
    const grads = pullback(cts.map((c, i) => c ?? zerosLike(outAvals[i]!)));
    pullback.dispose();
    let j = 0;
    return [...primals.map(() => null), ...linear.map((l) => (l ? grads[j++]! : null))];
  },
  showParams: (p) => `fn=${p.fn.name || 'anonymous'}`,
};

function tangentsOf(params: CallParams, inputs: Tensor[]): Tensor[] {
  const n = inputs.length / 2;
  return jvp((...xs: Tensor[]) => flatCall(params, xs), inputs.slice(0, n), inputs.slice(n))[1];
}

const checkpointPrimitive: Primitive<CallParams> = {
  name: 'checkpoint',
  lowering: kernelOnly('a call: recomputes its body'),
  abstractEval: (inputs, params) => abstractEval(inputs, params),
  // ONNX: the segment inlined (checkpointing only changes what reverse mode stores).
  onnx: inlinedForm<CallParams>((xs, params) => flatCall(params, xs)),
  impl: (inputs, params) => callImpl(params, inputs),
  evalDirect: (inputs, params) => flatCall(params, inputs),
  jvp(primals, tangents, params) {
    const filled = tangents.map((t, i) => t ?? zerosLike(avalOf(primals[i]!)));
    if (!filled.some((t) => t instanceof StagedTracer)) {
      // Forward mode proper: nothing is stored, so just push the tangents through f.
      return jvp((...xs: Tensor[]) => flatCall(params, xs), primals.slice() as Tensor[], filled) as [Tensor[], Tensor[]];
    }
    // Linearizing (reverse mode): evaluate f plainly, stage one equation for its tangent map.
    const outs = bind(checkpointPrimitive as Primitive, primals, params);
    return [outs, bind(checkpointLinearPrimitive as Primitive, [...primals, ...filled], params)];
  },
  showParams: (p) => `fn=${p.fn.name || 'anonymous'}`,
};

/**
 * Rematerialization: `checkpoint(f)` computes the same values and
 * derivatives as `f`, but reverse mode keeps only its inputs and recomputes
 * its intermediates during the backward pass.
 * @example
 * ```ts
 * const block = fx.checkpoint((x: fx.Tensor<[64], 'float32'>) => fx.tanh(fx.sin(fx.mul(x, x))));
 * ```
 * @public
 */
export function checkpoint<F extends (...args: never[]) => unknown>(f: F, options: CheckpointOptions = {}): F {
  // Results never alias arguments (an identity `f` gives fresh handles).
  if (options.policy === 'everything') return ((...args: unknown[]) => unaliased((f as unknown as Fn)(...args), args)) as unknown as F;
  return ((...args: unknown[]) => {
    const [leaves, inDef] = flatten(args);
    const params: CallParams & Params = { fn: f as unknown as Fn, inDef, outDef: {} };
    const outs = bind(checkpointPrimitive as Primitive, leaves, params);
    // Every path through bind runs f once (plainly, under jvp, or staged), which records its output structure.
    return unaliased(unflatten(params.outDef.def!, outs), args);
  }) as unknown as F;
}
