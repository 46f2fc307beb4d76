/**
 * Linearization and transposition: reverse mode as in JAX.
 *
 * `linearizeFlat` runs the function under a JVP trace whose tangent inputs
 * are staged (abstract) values. Primal work happens now, on concrete values,
 * so plain `if`/`for` take the executed path; every tangent operation is
 * recorded into an IR that is linear in the tangent inputs, with the
 * residuals it needs (e.g. `cos x` for `sin`) captured as constants.
 *
 * `transposeIR` runs that linear IR backwards, each primitive's `transpose`
 * rule mapping output cotangents to input cotangents. The rules are written
 * with ordinary ops, so the backward pass is itself differentiable.
 */
import { TransformError, showShape } from '../core/errors.js';
import { zerosLike } from '../core/creation.js';
import { IR, StagingTrace, Var } from '../core/ir.js';
import { LinearInput, type MaybeZero } from '../core/primitive.js';
import { openScope, type Releasable } from '../core/scope.js';
import { avalOf, type AnyTensor, type Tensor } from '../core/tensor.js';
import { withMainTrace } from '../core/trace.js';
import { inBackwardPass } from '../core/hooks.js';
import { add } from '../primitives/add.js';
import { JvpTrace, JvpTracer } from './jvp.js';

/** The outputs of a function and the IR of its linearization (tangents in → tangents out). */
export interface Linearized {
  readonly outputs: Tensor[];
  readonly linear: IR;
}

/**
 * Evaluates `f` at `primals` and stages its derivative there. Inputs that are
 * not float32 get no tangent. Intermediates are released when this returns;
 * the IR keeps the residuals it captured until it is released.
 */
export function linearizeFlat(f: (xs: Tensor[]) => Tensor[], primals: readonly Tensor[]): Linearized {
  const close = openScope();
  let result: Linearized | undefined;
  try {
    result = withMainTrace(new StagingTrace(), (staging) => {
      const tangentsIn = primals.map((p) => staging.newInput(avalOf(p)));
      const [outs, tangentsOut] = withMainTrace(new JvpTrace(), (jvp) => {
        const inputs = primals.map((p, i) => (p.dtype === 'float32' ? new JvpTracer(jvp, p, tangentsIn[i]!) : p));
        const unpacked = f(inputs).map((o) => jvp.unpack(o));
        return [unpacked.map((u) => u[0]), unpacked.map((u) => u[1])] as const;
      });
      const linear = staging.finish(tangentsIn, tangentsOut, outs.map(avalOf));
      return { outputs: outs, linear };
    });
    return result;
  } finally {
    close(linearizedKeep(result));
  }
}

/** What a scope that made `result` must keep alive: its outputs and its linear IR (with the residuals it holds). */
export function linearizedKeep(result: Linearized | undefined): Set<Releasable> {
  const keep = new Set<Releasable>();
  if (result) {
    for (const o of result.outputs) o._reach(keep);
    keep.add(result.linear);
  }
  return keep;
}

/**
 * Transposes a linear IR: given cotangents of its outputs (null = zero),
 * returns cotangents of its inputs (null where structurally zero).
 */
export function transposeIR(ir: IR, cotangents: readonly MaybeZero[]): MaybeZero[] {
  return inBackwardPass(() => transposeInner(ir, cotangents));
}

function transposeInner(ir: IR, cotangents: readonly MaybeZero[]): MaybeZero[] {
  const cts = new Map<Var, Tensor>();
  const accumulate = (v: Var, ct: MaybeZero) => {
    if (!ct || v.aval.dtype !== 'float32') return;
    if (!sameShape(ct.shape, v.aval.shape)) {
      throw new TransformError(`cotangent shape ${showShape(ct.shape)} does not match the value's shape ${showShape(v.aval.shape)}`);
    }
    const prev = cts.get(v);
    cts.set(v, prev ? add(prev as AnyTensor, ct) : ct);
  };
  ir.outputs.forEach((v, i) => v && accumulate(v, cotangents[i] ?? null));
  const constants = new Map<Var, Tensor>();
  ir.constVars.forEach((v, i) => constants.set(v, ir.constValues[i]!));
  for (let e = ir.equations.length - 1; e >= 0; e--) {
    const eq = ir.equations[e]!;
    const outCts = eq.outputs.map((v) => cts.get(v) ?? null);
    eq.outputs.forEach((v) => cts.delete(v));
    if (outCts.every((c) => c === null)) continue;
    if (!eq.prim.transpose) {
      throw new TransformError(`no transpose rule for primitive '${eq.prim.name}': it is not linear, or the rule is missing`);
    }
    const inputs = eq.inputs.map((v) => constants.get(v) ?? new LinearInput(v.aval));
    const inCts = eq.prim.transpose(outCts, inputs, eq.params);
    eq.inputs.forEach((v, i) => {
      if (!constants.has(v)) accumulate(v, inCts[i] ?? null);
    });
  }
  return ir.inputs.map((v) => cts.get(v) ?? null);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Replaces a symbolic zero by zeros of the given shape and dtype. */
export function instantiate(x: MaybeZero, like: { shape: readonly number[]; dtype: Tensor['dtype'] }): Tensor {
  return x ?? zerosLike(like);
}
