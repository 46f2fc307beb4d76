/**
 * Lowers a staged, optimized IR to an ONNX model: IR inputs become graph
 * inputs, captured constants initializers, each equation the nodes of its
 * primitive's ONNX form, and each output an `Identity` into a named graph
 * output (a symbolic-zero output a `ConstantOfShape`).
 *
 * Where a primitive's form comes from (`onnxFormOf`): its own `onnx` rule
 * (`Primitive.onnx`, in its file), else — for an elementwise primitive — the
 * nodes derived from the scalar expression of its `lowering`
 * (`lib/onnx/elementwise.ts`). Loop and branch forms emit their bodies as
 * ONNX sub-graphs through {@link OnnxBuilder.program}.
 */
import type { Dtype } from '../../typelevel/index.js';
import type { Equation, IR, Var } from '../core/ir.js';
import type { Params, Primitive } from '../core/primitive.js';
import { argsOf } from '../core/scalar.js';
import { showAval, type AbstractValue, type ConcreteTensor } from '../core/tensor.js';
import { ReadbackError } from '../core/errors.js';
import { filled, onnxDtype, type OnnxBuilder, type OnnxEquation, type OnnxForm, type OnnxGraphInput } from './forms.js';
import { emitElementwise } from './elementwise.js';
import { absorbNegations, foldGemmTransposes } from './simplify.js';
import { encodeModel, OnnxDataType, type OnnxAttributeValue, type OnnxGraph, type OnnxNode, type OnnxTensor } from './proto.js';

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

/**
 * The ONNX form of one equation: the primitive's `onnx` rule, else the form
 * derived from its elementwise expression at the equation's operand dtypes;
 * undefined when it has neither (or its expression does not cover those dtypes).
 */
export function onnxFormOf(prim: Primitive, inDtypes?: readonly Dtype[], params: Params = {}): OnnxForm | undefined {
  if (prim.onnx) return prim.onnx as OnnxForm;
  if (prim.lowering.kind !== 'elementwise' || !inDtypes) return undefined;
  const expr = prim.lowering.expr(argsOf(inDtypes), params);
  return expr ? (g, eq) => emitElementwise(g, expr, eq) : undefined;
}

const formOfEquation = (eq: Equation): OnnxForm | undefined =>
  onnxFormOf(
    eq.prim,
    eq.inputs.map((v) => v.aval.dtype),
    eq.params,
  );

/** What the builders of one model share: fresh names, constants, and (in a dry run) the primitives without a form. */
interface ModelState {
  temps: number;
  readonly constants: Map<string, string>;
  readonly initializers: OnnxTensor[];
  /** Set by a dry run (`missingOnnxForms`): collect primitives without a form instead of throwing, read no constants. */
  readonly missing: Set<string> | null;
  readonly op: string;
  /** The shape and dtype of every value named for an IR variable (graph rewrites read them). */
  readonly avals: Map<string, AbstractValue>;
}

class GraphBuilder implements OnnxBuilder {
  readonly nodes: OnnxNode[] = [];

  constructor(private readonly state: ModelState) {}

  node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttributeValue>>): void {
    this.nodes.push({ opType, inputs, outputs, attributes: attributes ?? {} });
  }

  fresh(): string {
    return `_t${this.state.temps++}`;
  }

  ops(opType: string, inputs: readonly string[], count: number, attributes?: Readonly<Record<string, OnnxAttributeValue>>): string[] {
    const outs = Array.from({ length: count }, () => this.fresh());
    this.node(opType, inputs, outs, attributes);
    return outs;
  }

  op(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttributeValue>>): string {
    return this.ops(opType, inputs, 1, attributes)[0]!;
  }

  private constant(key: string, make: (name: string) => OnnxTensor): string {
    const { constants, initializers } = this.state;
    let name = constants.get(key);
    if (name === undefined) {
      name = `_k${constants.size}`;
      constants.set(key, name);
      initializers.push(make(name));
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

  program(ir: IR, inputs: readonly string[]): string[] {
    const { missing, op, avals } = this.state;
    const names = new Map<Var, string>();
    // Every name given to a variable is recorded with its aval (the graph rewrites read shapes by name).
    const name = (v: Var, n: string): string => {
      names.set(v, n);
      avals.set(n, v.aval);
      return n;
    };
    const nameOf = (v: Var): string => names.get(v) ?? name(v, this.fresh());
    ir.inputs.forEach((v, i) => name(v, inputs[i]!));
    const used = new Set<Var>(ir.outputs.filter((v): v is Var => v !== null));
    for (const eq of ir.equations) for (const v of eq.inputs) used.add(v);
    ir.constVars.forEach((v, i) => {
      // A constant nothing reads is left out (ONNX Runtime warns about unused initializers).
      if (missing || !used.has(v)) return;
      const name = nameOf(v);
      const c = ir.constValues[i]! as ConcreteTensor;
      let data: ArrayLike<number>;
      try {
        data = c.dataSync() as ArrayLike<number>;
      } catch (e) {
        if (e instanceof ReadbackError) throw new ReadbackError(`${op}: the program captures a tensor (${showAval(v.aval)}) that must be read into the model: ${e.message}`);
        throw e;
      }
      this.state.initializers.push(tensorOf(name, v.aval.dtype, v.aval.shape, data));
    });
    for (const eq of ir.equations) {
      const form = formOfEquation(eq);
      const e: OnnxEquation = {
        inputs: eq.inputs.map(nameOf),
        outputs: eq.outputs.map(nameOf),
        inAvals: eq.inputs.map((v) => v.aval),
        outAvals: eq.outputs.map((v) => v.aval),
        params: eq.params,
      };
      // An equation whose results are all empty has nothing to compute (and ONNX's Expand broadcasts 1 against 0 to 1).
      if (form && e.outAvals.every((a) => a.shape.includes(0))) e.outAvals.forEach((a, k) => filled(this, a.shape, a.dtype, 0, [e.outputs[k]!]));
      else if (form) form(this, e);
      else if (missing) missing.add(eq.prim.name);
      else throw new OnnxExportError(`${op}: the primitive ${eq.prim.name} has no ONNX form. docs/onnx.md lists the primitives that lower to ONNX.`);
    }
    return ir.outputs.map((v, i) => (v ? nameOf(v) : filled(this, ir.outAvals[i]!.shape, ir.outAvals[i]!.dtype)));
  }

  graph(inputs: readonly OnnxGraphInput[], outputs: readonly OnnxGraphInput[], build: (g: OnnxBuilder) => readonly string[]): OnnxAttributeValue {
    const sub = new GraphBuilder(this.state);
    const results = build(sub);
    // Graph outputs are named values of the sub-graph: an output that is an input or an outer value goes through an Identity.
    const outNames = outputs.map((o) => o.name);
    results.forEach((r, i) => sub.node('Identity', [r], [outNames[i]!]));
    const info = (v: OnnxGraphInput) => ({ name: v.name, dataType: onnxDtype(v.dtype) as OnnxDataType, shape: v.shape });
    const graph: OnnxGraph = { name: `body${this.state.temps++}`, nodes: sub.nodes, initializers: [], inputs: inputs.map(info), outputs: outputs.map(info) };
    return { graph };
  }
}

function newState(op: string, dryRun: boolean): ModelState {
  return { temps: 0, constants: new Map(), initializers: [], missing: dryRun ? new Set() : null, op, avals: new Map() };
}

/** The primitives of `ir` (loop and branch bodies included) without an ONNX form, each once, in order of first use. */
export function missingOnnxForms(ir: IR): string[] {
  const state = newState('missingOnnxForms', true);
  new GraphBuilder(state).program(ir, ir.inputs.map((_, i) => `in${i}`));
  return [...state.missing!];
}

/**
 * Whether one equation lowers to ONNX: its primitive has a form at the
 * equation's operand dtypes, and so does every primitive of its loop, branch
 * or call bodies (a dry run of its form).
 */
export function equationHasOnnxForm(eq: Equation): boolean {
  const form = formOfEquation(eq);
  if (!form) return false;
  const state = newState('equationHasOnnxForm', true);
  form(new GraphBuilder(state), {
    inputs: eq.inputs.map((_, i) => `in${i}`),
    outputs: eq.outputs.map((_, i) => `out${i}`),
    inAvals: eq.inputs.map((v) => v.aval),
    outAvals: eq.outputs.map((v) => v.aval),
    params: eq.params,
  });
  return state.missing!.size === 0;
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
  const state = newState(op, false);
  const g = new GraphBuilder(state);
  const results = g.program(ir, inputNames);
  results.forEach((r, i) => g.node('Identity', [r], [outputNames[i]!]));
  const valueInfo = (name: string, aval: { shape: readonly number[]; dtype: Dtype }) => ({ name, dataType: onnxDtype(aval.dtype) as OnnxDataType, shape: aval.shape });
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerName: 'fluxion',
    producerVersion: '0.1.0',
    graph: {
      name: 'fluxion',
      nodes: foldGemmTransposes(absorbNegations(g.nodes, outputNames), outputNames, (name) => state.avals.get(name)),
      initializers: state.initializers,
      inputs: ir.inputs.map((v, i) => valueInfo(inputNames[i]!, v.aval)),
      outputs: ir.outAvals.map((a, i) => valueInfo(outputNames[i]!, a)),
    },
  });
}
