/**
 * Lowers a staged, optimized IR to an ONNX model: IR inputs become graph
 * inputs, captured constants initializers, each equation the nodes of its
 * primitive's ONNX form, and each output an `Identity` into a named graph
 * output (a symbolic-zero output a `ConstantOfShape`).
 */
import type { Dtype } from '../../typelevel/index.js';
import type { IR, Var } from '../core/ir.js';
import { showAval, type ConcreteTensor } from '../core/tensor.js';
import { ReadbackError } from '../core/errors.js';
import { onnxForms, onnxDtype, type OnnxBuilder, type OnnxForm } from './forms.js';
import { encodeModel, OnnxDataType, type OnnxAttributeValue, type OnnxNode, type OnnxTensor } from './proto.js';

/** ONNX opset of the models fluxion writes, and the matching IR version. */
export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

/** A program that cannot be written as ONNX (a primitive without an ONNX form). @public */
export class OnnxExportError extends Error {
  override readonly name = 'OnnxExportError';
}

/** The raw little-endian bytes of a typed array. */
function rawBytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

function tensorOf(name: string, dtype: Dtype, shape: readonly number[], data: ArrayLike<number>): OnnxTensor {
  const typed = dtype === 'float32' ? Float32Array.from(data) : dtype === 'int32' ? Int32Array.from(data) : Uint8Array.from(data, (v) => (v ? 1 : 0));
  return { name, dims: shape, dataType: onnxDtype(dtype) as OnnxDataType, raw: rawBytes(typed) };
}

class GraphBuilder implements OnnxBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private temps = 0;
  private readonly constants = new Map<string, string>();

  node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttributeValue>>): void {
    this.nodes.push({ opType, inputs, outputs, attributes: attributes ?? {} });
  }

  ops(opType: string, inputs: readonly string[], count: number, attributes?: Readonly<Record<string, OnnxAttributeValue>>): string[] {
    const outs = Array.from({ length: count }, () => `_t${this.temps++}`);
    this.node(opType, inputs, outs, attributes);
    return outs;
  }

  op(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttributeValue>>): string {
    return this.ops(opType, inputs, 1, attributes)[0]!;
  }

  private constant(key: string, make: (name: string) => OnnxTensor): string {
    let name = this.constants.get(key);
    if (name === undefined) {
      name = `_k${this.constants.size}`;
      this.constants.set(key, name);
      this.initializers.push(make(name));
    }
    return name;
  }

  ints(values: readonly number[]): string {
    return this.constant(`i64[${values.join(',')}]`, (name) => ({
      name,
      dims: [values.length],
      dataType: OnnxDataType.INT64,
      raw: rawBytes(BigInt64Array.from(values, (v) => BigInt(v))),
    }));
  }

  int(value: number): string {
    return this.constant(`i64 ${value}`, (name) => ({ name, dims: [], dataType: OnnxDataType.INT64, raw: rawBytes(BigInt64Array.of(BigInt(value))) }));
  }

  scalar(value: number, dtype: Dtype): string {
    return this.constant(`${dtype} ${Object.is(value, -0) ? '-0' : value}`, (name) => tensorOf(name, dtype, [], [value]));
  }
}

/** Where a primitive's ONNX form is: its own `onnx` rule first, else the table in forms.ts. */
export function onnxFormOf(prim: { readonly name: string; readonly onnx?: unknown }): OnnxForm | undefined {
  return (prim.onnx as OnnxForm | undefined) ?? (onnxForms[prim.name] as OnnxForm | undefined);
}

/** The primitives of `ir` without an ONNX form, each once, in order of first use. */
export function missingOnnxForms(ir: IR): string[] {
  const missing = new Set<string>();
  for (const eq of ir.equations) if (!onnxFormOf(eq.prim)) missing.add(eq.prim.name);
  return [...missing];
}

/**
 * The ONNX model bytes of `ir`, with graph inputs and outputs named
 * `inputNames`/`outputNames` (one per IR input/output). `op` names the
 * user-facing call in errors.
 */
export function lowerToOnnx(ir: IR, inputNames: readonly string[], outputNames: readonly string[], op = 'exportOnnx'): Uint8Array {
  const missing = missingOnnxForms(ir);
  if (missing.length > 0) {
    throw new OnnxExportError(
      `${op}: the program uses ${missing.length === 1 ? 'a primitive' : 'primitives'} without an ONNX form: ${missing.join(', ')}. ` +
        'docs/onnx.md lists the primitives that lower to ONNX.',
    );
  }
  const g = new GraphBuilder();
  const names = new Map<Var, string>();
  const nameOf = (v: Var): string => {
    let n = names.get(v);
    if (n === undefined) names.set(v, (n = `_v${v.id}`));
    return n;
  };
  ir.inputs.forEach((v, i) => names.set(v, inputNames[i]!));
  ir.constVars.forEach((v, i) => {
    const c = ir.constValues[i]! as ConcreteTensor;
    let data: ArrayLike<number>;
    try {
      data = c.dataSync() as ArrayLike<number>;
    } catch (e) {
      if (e instanceof ReadbackError) throw new ReadbackError(`${op}: the program captures a tensor (${showAval(v.aval)}) that must be read into the model: ${e.message}`);
      throw e;
    }
    g.initializers.push(tensorOf(nameOf(v), v.aval.dtype, v.aval.shape, data));
  });
  for (const eq of ir.equations) {
    onnxFormOf(eq.prim)!(g, {
      inputs: eq.inputs.map(nameOf),
      outputs: eq.outputs.map(nameOf),
      inAvals: eq.inputs.map((v) => v.aval),
      outAvals: eq.outputs.map((v) => v.aval),
      params: eq.params,
    });
  }
  ir.outputs.forEach((v, i) => {
    const name = outputNames[i]!;
    if (v) g.node('Identity', [nameOf(v)], [name]);
    else {
      const aval = ir.outAvals[i]!;
      const zero = tensorOf('', aval.dtype, [1], [0]);
      g.node('ConstantOfShape', [g.ints(aval.shape)], [name], { value: { tensor: { dims: zero.dims, dataType: zero.dataType, raw: zero.raw } } });
    }
  });
  const valueInfo = (name: string, aval: { shape: readonly number[]; dtype: Dtype }) => ({ name, dataType: onnxDtype(aval.dtype) as OnnxDataType, shape: aval.shape });
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerName: 'fluxion',
    producerVersion: '0.1.0',
    graph: {
      name: 'fluxion',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: ir.inputs.map((v, i) => valueInfo(inputNames[i]!, v.aval)),
      outputs: ir.outAvals.map((a, i) => valueInfo(outputNames[i]!, a)),
    },
  });
}
