/**
 * `makeIR(f)(...args)`: the staged program of `f` at the shapes and dtypes of
 * `args`, for reading. Works on any function, including derivatives:
 * `makeIR(grad(f))(x)` shows the forward and the transposed (backward) work.
 */
import { stage, type IR } from '../core/ir.js';
import { flatten, unflatten } from '../core/pytree.js';
import { avalOf } from '../core/tensor.js';
import { scoped } from './reverse.js';

/**
 * Stages `f` at the shapes and dtypes of `args` (values are not used) and
 * returns its IR; `.toString()` prints it.
 * @example
 * ```ts
 * console.log(fx.makeIR((x) => fx.sin(x))(fx.zeros([3])).toString());
 * // { lambda  ; a:f32[3] .
 * //   let b:f32[3] = sin a
 * //   in ( b ) }
 * ```
 * @public
 */
export function makeIR<Args extends readonly unknown[]>(f: (...args: Args) => unknown): (...args: Args) => IR {
  return (...args) =>
    scoped(() => {
      const [leaves, def] = flatten(args);
      return stage((inputs) => flatten(f(...unflatten<Args>(def, inputs)))[0], leaves.map(avalOf));
    });
}
