/**
 * Runs an optimized IR on concrete inputs by calling each primitive's tfjs
 * kernel directly (no tracing, no per-op wrapper objects) and frees every
 * intermediate right after its last use. Reports the peak bytes held.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { IR, Var } from '../core/ir.js';
import { ConcreteTensor, sizeOf } from '../core/tensor.js';
import { DtypeError, ShapeError, showShape } from '../core/errors.js';
import { hasObservers, onPrimitiveEvaluated } from '../core/hooks.js';
import type { Primitive } from '../core/primitive.js';
import { openScope } from '../core/scope.js';

/** A compiled program: the IR plus the last-use plan. */
export interface Plan {
  readonly ir: IR;
  /** For each equation, the variables whose last use it is. */
  readonly freeAfter: readonly Var[][];
}

/** Computes the memory plan: which values die after each equation. */
export function planMemory(ir: IR): Plan {
  const lastUse = new Map<Var, number>();
  ir.equations.forEach((eq, i) => eq.inputs.forEach((v) => lastUse.set(v, i)));
  const keep = new Set<Var>([...ir.inputs, ...ir.constVars, ...ir.outputs.filter((o): o is Var => o !== null)]);
  const freeAfter: Var[][] = ir.equations.map(() => []);
  for (const [v, i] of lastUse) if (!keep.has(v)) freeAfter[i]!.push(v);
  // Values produced and never used (not outputs) die right away.
  ir.equations.forEach((eq, i) => eq.outputs.forEach((v) => !lastUse.has(v) && !keep.has(v) && freeAfter[i]!.push(v)));
  return { ir, freeAfter };
}

const bytesOf = (t: tf.Tensor) => sizeOf(t.shape) * 4;

/** Throws when the inputs are not what the program was compiled for. */
export function checkInputs(ir: IR, inputs: readonly ConcreteTensor[]): void {
  ir.inputs.forEach((v, i) => {
    const x = inputs[i]!;
    if (showShape(x.shape) !== showShape(v.aval.shape)) throw new ShapeError('jit', `input ${i} has shape ${showShape(x.shape)}, compiled for ${showShape(v.aval.shape)}`);
    if (x.dtype !== v.aval.dtype) throw new DtypeError('jit', `input ${i} is ${x.dtype}, compiled for ${v.aval.dtype}`);
  });
}

/** Executes a plan; returns the outputs and the peak bytes of intermediates. */
export function execute(plan: Plan, inputs: readonly ConcreteTensor[]): { outputs: ConcreteTensor[]; peakBytes: number } {
  const { ir } = plan;
  const env = new Map<Var, tf.Tensor>();
  checkInputs(ir, inputs);
  ir.inputs.forEach((v, i) => env.set(v, inputs[i]!._concrete()._tf));
  ir.constVars.forEach((v, i) => env.set(v, ir.constValues[i]!._concrete('jit')._tf));
  let live = 0;
  let peak = 0;
  const owned = new Set<tf.Tensor>();
  try {
    ir.equations.forEach((eq, i) => {
      const args = eq.inputs.map((v) => env.get(v)!);
      const outs = tf.tidy(() => eq.prim.impl(args, eq.params));
      outs.forEach((t, j) => {
        const want = eq.outputs[j]!.aval.dtype;
        const fixed = t.dtype === want ? t : castAndDispose(t, want);
        env.set(eq.outputs[j]!, fixed);
        owned.add(fixed);
        live += bytesOf(fixed);
      });
      peak = Math.max(peak, live);
      if (hasObservers()) observe(eq.prim, eq.outputs.map((v) => env.get(v)!), i);
      for (const v of plan.freeAfter[i]!) {
        const t = env.get(v);
        if (t && owned.delete(t)) {
          live -= bytesOf(t);
          t.dispose();
        }
        env.delete(v);
      }
    });
    const outputs = ir.outputs.map((o, i) => {
      if (o === null) return new ConcreteTensor(tf.zeros(ir.outAvals[i]!.shape as number[], ir.outAvals[i]!.dtype));
      const t = env.get(o)!;
      // An output that is an input or a constant is copied: the caller owns what jit returns.
      if (!owned.delete(t)) return new ConcreteTensor(tf.clone(t));
      return new ConcreteTensor(t);
    });
    return { outputs, peakBytes: peak };
  } finally {
    // Outputs were taken out of `owned`; whatever is left (after an error) is freed.
    for (const t of owned) t.dispose();
  }
}

/** Lets debugging tools see a compiled equation's outputs (debug mode only: copies them). */
function observe(prim: Primitive, outputs: tf.Tensor[], equation: number): void {
  const close = openScope();
  try {
    onPrimitiveEvaluated(prim, [], outputs.map((t) => new ConcreteTensor(tf.clone(t))), equation);
  } finally {
    close([]);
  }
}

function castAndDispose(t: tf.Tensor, dtype: 'float32' | 'int32' | 'bool'): tf.Tensor {
  const c = tf.cast(t, dtype);
  t.dispose();
  return c;
}
