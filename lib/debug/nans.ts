/**
 * NaN/Inf detection: with `debug.nans(true)`, every primitive evaluated
 * (eagerly, in a compiled `jit` run, in the forward or the backward pass) has
 * its float outputs checked, and the first one that produces NaN or ±Inf
 * from finite inputs throws a `NaNError` naming the primitive, the pass, its
 * input shapes and the first bad element.
 */
import { installObserver, type Observer, type Phase } from '../core/hooks.js';
import type { Primitive } from '../core/primitive.js';
import { showAval, type ConcreteTensor } from '../core/tensor.js';

/** The first non-finite value a primitive produced. @public */
export class NaNError extends Error {
  override readonly name = 'NaNError';
  constructor(
    message: string,
    /** The primitive that produced it. */
    readonly primitive: string,
    /** Forward pass, or the backward (transposed) pass of reverse mode. */
    readonly phase: Phase,
    /** Flat index of the first non-finite output element. */
    readonly index: number,
    /** Equation number within a compiled `jit` program, when it came from one. */
    readonly equation?: number,
  ) {
    super(message);
  }
}

function firstNonFinite(t: ConcreteTensor): number {
  if (t.dtype !== 'float32') return -1;
  let data: ArrayLike<number>;
  try {
    data = t._tf.dataSync() as Float32Array;
  } catch {
    return -1; // not readable synchronously here (webgpu in Node)
  }
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

const checker: Observer = {
  evaluated(prim: Primitive, inputs, outputs, phase, equation) {
    for (const out of outputs) {
      const at = firstNonFinite(out);
      if (at < 0) continue;
      const badInput = inputs.findIndex((x) => firstNonFinite(x) >= 0);
      if (badInput >= 0) continue; // propagated, not produced here: the producer was reported (or is user data)
      const value = (out._tf.dataSync() as Float32Array)[at];
      const where = equation === undefined ? '' : ` (equation ${equation} of a compiled jit program)`;
      const ins = inputs.map((x) => {
        const v = x.size === out.size ? ` = ${(x._tf.dataSync() as Float32Array)[at]} there` : '';
        return `${showAval(x)}${v}`;
      });
      throw new NaNError(
        `${value} produced by primitive '${prim.name}' in the ${phase} pass${where}: first non-finite output at flat index ${at} of ${showAval(out)}; ` +
          `inputs: ${ins.join(', ') || '(see the compiled program)'}`,
        prim.name,
        phase,
        at,
        equation,
      );
    }
  },
};

let uninstall: (() => void) | undefined;

/**
 * Turns NaN/Inf checking on or off. Checking reads every result back, so it
 * is slow: use it while hunting an instability.
 * @example
 * ```ts
 * fx.debug.nans(true);
 * fx.grad((x) => fx.sqrt(x))(fx.scalar(0)); // NaNError? no: +Inf from sqrt' at 0, reported in the backward pass
 * ```
 * @public
 */
export function nans(enable: boolean): void {
  if (enable && !uninstall) uninstall = installObserver(checker);
  if (!enable && uninstall) {
    uninstall();
    uninstall = undefined;
  }
}
