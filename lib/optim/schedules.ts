/**
 * Learning-rate schedules: functions of the step count. Each answers a JS
 * number for a number step (to print or plot) and a scalar tensor for a
 * tensor step (what an optimizer passes, so a jitted training step does not
 * retrace as the count changes).
 */
import { full } from '../core/creation.js';
import type { Tensor } from '../core/tensor.js';
import { Tensor as TensorClass } from '../core/tensor.js';
import { add } from '../primitives/add.js';
import { mul } from '../primitives/mul.js';
import { div } from '../primitives/div.js';
import { exp } from '../primitives/exp.js';
import { cos } from '../primitives/cos.js';
import { cast } from '../primitives/cast.js';
import { minimum } from '../primitives/minimum.js';
import { maximum } from '../primitives/maximum.js';
import { scoped } from '../core/memory.js';

type Scalar = Tensor<[], 'float32'>;

/**
 * A learning rate as a function of the step count (0 for the first update).
 * @public
 */
export interface Schedule {
  /** The value at a step given as a JS number. */
  (step: number): number;
  /** The value at a step given as a scalar float32 tensor (as optimizers do). */
  (step: Scalar): Scalar;
}

/** A fixed learning rate or a schedule. @public */
export type LearningRate = number | Schedule;

function schedule(host: (step: number) => number, traced: (step: Scalar) => Scalar): Schedule {
  return ((step: number | Scalar) => {
    if (typeof step === 'number') return host(step);
    // The traced form's intermediates are scoped: only the rate survives.
    if (step instanceof TensorClass) return scoped(() => traced(step));
    throw new TypeError(`schedule: the step must be a number or a scalar tensor, got ${step === null ? 'null' : typeof step}`);
  }) as Schedule;
}

function checkPositive(op: string, name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`optim.${op}: ${name} must be a positive number, got ${v}`);
}

/**
 * The same value at every step.
 * @example
 * ```ts
 * fx.optim.constant(0.1)(100); // 0.1
 * ```
 * @public
 */
export function constant(value: number): Schedule {
  return schedule(
    () => value,
    () => full([], value) as Scalar,
  );
}

/** Options of `fx.optim.exponentialDecay`. @public */
export interface ExponentialDecayOptions {
  /** Decay in whole periods of `decaySteps` (a staircase) rather than continuously (default false). */
  readonly staircase?: boolean;
}

/**
 * `init · rate^(step / decaySteps)`: multiplies the rate by `rate` every
 * `decaySteps` steps (continuously, or at period ends with `staircase`).
 * @example
 * ```ts
 * fx.optim.exponentialDecay(0.1, 0.5, 100)(200); // 0.025
 * ```
 * @public
 */
export function exponentialDecay(init: number, rate: number, decaySteps: number, options: ExponentialDecayOptions = {}): Schedule {
  checkPositive('exponentialDecay', 'rate', rate);
  checkPositive('exponentialDecay', 'decaySteps', decaySteps);
  const staircase = options.staircase ?? false;
  const logRate = Math.log(rate);
  return schedule(
    (step) => {
      const p = step / decaySteps;
      return init * Math.pow(rate, staircase ? Math.floor(p) : p);
    },
    (step) => {
      let p = div(step, decaySteps);
      // Steps are non-negative, so truncation toward zero is the floor.
      if (staircase) p = cast(cast(p, 'int32'), 'float32');
      return mul(exp(mul(p, logRate)), init);
    },
  );
}

/** Options of `fx.optim.cosineDecay`. @public */
export interface CosineDecayOptions {
  /** The final value as a fraction of `init` (default 0). */
  readonly alpha?: number;
}

/**
 * Cosine decay (Loshchilov & Hutter, SGDR): from `init` at step 0 down to
 * `alpha · init` at `decaySteps`, along half a cosine, then constant.
 * @example
 * ```ts
 * fx.optim.cosineDecay(0.1, 100)(50); // 0.05
 * ```
 * @public
 */
export function cosineDecay(init: number, decaySteps: number, options: CosineDecayOptions = {}): Schedule {
  checkPositive('cosineDecay', 'decaySteps', decaySteps);
  const alpha = options.alpha ?? 0;
  return schedule(
    (step) => {
      const p = Math.min(Math.max(step, 0), decaySteps) / decaySteps;
      return init * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * p)) + alpha);
    },
    (step) => {
      const p = div(minimum(maximum(step, 0), decaySteps), decaySteps);
      const cosine = mul(add(cos(mul(p, Math.PI)), 1), 0.5);
      return mul(add(mul(cosine, 1 - alpha), alpha), init);
    },
  );
}
