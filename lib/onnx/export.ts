/**
 * `exportOnnx(f, ...exampleArgs)`: traces `f` as `jit` does (one program for
 * the example arguments' shapes and dtypes), optimizes it, and writes it as
 * an ONNX model (opset 17) that ONNX Runtime (onnxruntime-node,
 * onnxruntime-web) and other ONNX runtimes load.
 */
import { flatten, type TreeDef } from '../core/pytree.js';
import { traceOptimized } from '../compile/optimize.js';
import { lowerToOnnx } from './lower.js';

/** ONNX value names of a pytree's leaves: `prefix`, `prefix[0]`, `prefix.w1`, … (flatten's order). */
export function leafNames(def: TreeDef, prefix: string): string[] {
  const out: string[] = [];
  const walk = (d: TreeDef, path: string) => {
    if (d.kind === 'leaf') out.push(path);
    else if (d.kind === 'array') d.children.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (d.kind === 'object') d.children.forEach((c, i) => walk(c, /^[A-Za-z_$][\w$]*$/.test(d.keys[i]!) ? `${path}.${d.keys[i]}` : `${path}[${JSON.stringify(d.keys[i])}]`));
  };
  walk(def, prefix);
  return out;
}

/**
 * The ONNX model (opset 17, the bytes of a `.onnx` file) of `f` traced at
 * the shapes and dtypes of `exampleArgs`. Works for any traceable function:
 * a forward pass, `fx.grad(f)`, `fx.valueAndGrad(f)`, a whole training step.
 * Tensor leaves of the arguments become graph inputs named by their path
 * (`args[0]`, `args[0].w1`, `args[1][2]`); tensor leaves of the result become
 * outputs named the same way from `out` (`out`, `out[1].w1`). Non-tensor
 * arguments are baked into the program, as in `jit`; tensors `f` closes over
 * become initializers (constants in the model). A primitive without an ONNX
 * form (docs/onnx.md) is an `OnnxExportError` naming it. Needs no ONNX
 * package: running the model does (onnxruntime-node or onnxruntime-web).
 * @example
 * ```ts
 * const f = (x: fx.Tensor<[3], 'float32'>) => fx.sum(fx.mul(x, x));
 * const bytes = fx.exportOnnx(fx.grad(f), fx.tensor([1, 2, 3]));
 * // with onnxruntime-node: (await ort.InferenceSession.create(bytes)).run({ 'args[0]': new ort.Tensor(...) })
 * //   gives { out: [2, 4, 6] }
 * ```
 * @public
 */
export function exportOnnx<A extends unknown[]>(f: (...args: A) => unknown, ...exampleArgs: A): Uint8Array {
  const [leaves, def] = flatten(exampleArgs);
  const { ir, outDef } = traceOptimized(f as (...a: unknown[]) => unknown, def, leaves);
  try {
    return lowerToOnnx(ir, leafNames(def, 'args'), leafNames(outDef, 'out'));
  } finally {
    ir._release();
  }
}
