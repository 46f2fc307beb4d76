/**
 * The ONNX form of a call-like primitive (a user function with custom rules,
 * a checkpointed segment): its body staged at the equation's avals and
 * emitted in place — ONNX has no calls, and its rules matter only to
 * fluxion's transformations, which have run by the time a program lowers.
 */
import { stage } from '../core/ir.js';
import type { Params } from '../core/primitive.js';
import type { Tensor } from '../core/tensor.js';
import type { OnnxForm } from './forms.js';

/**
 * A form that inlines `run(inputs, params)` (what the primitive computes,
 * written with fluxion ops).
 * @example
 * ```ts
 * const onnx = inlinedForm<CallParams>((xs, p) => flatCall(p, xs));
 * ```
 */
export function inlinedForm<P extends Params>(run: (inputs: Tensor[], params: P) => Tensor[]): OnnxForm<P> {
  return (g, eq) => {
    const ir = stage((xs) => run(xs, eq.params), eq.inAvals, false);
    try {
      g.program(ir, eq.inputs).forEach((o, i) => g.node('Identity', [o], [eq.outputs[i]!]));
    } finally {
      ir._release();
    }
  };
}
