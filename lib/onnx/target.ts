/**
 * The jit target used when `jit` is given none: `fx.setDefaultJitTarget`, or
 * the environment variable `FLUXION_JIT_TARGET` in Node, else `'default'`.
 */

/** Where `jit` runs compiled programs (see `JitOptions.target`). @public */
export type JitTarget = 'default' | 'onnx' | 'auto';

const TARGETS: readonly JitTarget[] = ['default', 'onnx', 'auto'];
let chosen: JitTarget | undefined;

function fromEnvironment(): JitTarget {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['FLUXION_JIT_TARGET'];
  if (env === undefined || env === '') return 'default';
  if (!(TARGETS as readonly string[]).includes(env)) throw new RangeError(`FLUXION_JIT_TARGET must be 'default', 'onnx' or 'auto', got ${env}`);
  return env as JitTarget;
}

/** The target `jit` uses when its options name none. */
export function defaultJitTarget(): JitTarget {
  return (chosen ??= fromEnvironment());
}

/**
 * Sets the target of every later `jit` call that names none (functions
 * already jitted keep theirs); returns the previous one. `'auto'` lets the
 * planner send the large parts of each program to ONNX Runtime (Node, with
 * onnxruntime-node installed) and keep the rest on the default target; it
 * falls back to `'default'` wherever ONNX Runtime is not available. In Node
 * the environment variable `FLUXION_JIT_TARGET` sets the initial value.
 * It also applies to the loop bodies fluxion compiles per step with `jit`;
 * prefer `'auto'` to `'onnx'` as a default, since `'auto'` keeps small bodies
 * on the host.
 * @example
 * ```ts
 * const previous = fx.setDefaultJitTarget('auto');
 * const f = fx.jit((x: fx.Tensor<[3], 'float32'>) => fx.sum(fx.mul(x, x))); // planned per trace
 * fx.setDefaultJitTarget(previous);
 * ```
 * @public
 */
export function setDefaultJitTarget(target: JitTarget): JitTarget {
  if (!TARGETS.includes(target)) throw new RangeError(`setDefaultJitTarget: target must be 'default', 'onnx' or 'auto', got ${String(target)}`);
  const previous = defaultJitTarget();
  chosen = target;
  return previous;
}
