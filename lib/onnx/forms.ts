/**
 * The ONNX form of a primitive: how one IR equation becomes ONNX nodes.
 *
 * One lowering per primitive (issue #23), in the primitive's own file:
 *
 * - an elementwise primitive needs nothing: its ONNX nodes are derived from
 *   the scalar expression it declares as its `lowering`
 *   (`lib/onnx/elementwise.ts` translates the scalar-op algebra);
 * - any other primitive declares `onnx: (g, eq) => …` (`Primitive.onnx`),
 *   written against {@link OnnxBuilder} with the helpers below;
 * - a primitive with neither has no ONNX form: exporting a program that uses
 *   it is an `OnnxExportError` naming it (docs/onnx.md lists them).
 */
import type { Dtype } from '../../typelevel/index.js';
import type { AbstractValue } from '../core/tensor.js';
import type { Params } from '../core/primitive.js';
import type { IR } from '../core/ir.js';
import type { OnnxAttributeValue, OnnxDataType } from './proto.js';

/** One equation as the ONNX lowering sees it: ONNX value names and the avals behind them. @public */
export interface OnnxEquation<P extends Params = Params> {
  /** ONNX value names of the inputs, in the primitive's order. */
  readonly inputs: readonly string[];
  /** ONNX value names the form must produce, one per output of the primitive. */
  readonly outputs: readonly string[];
  readonly inAvals: readonly AbstractValue[];
  readonly outAvals: readonly AbstractValue[];
  readonly params: P;
}

/** A graph input or output of a sub-graph (a loop or branch body): its name and type; `int64` for loop counters, `float64` for a form that computes in double precision (eigh). @public */
export interface OnnxGraphInput {
  readonly name: string;
  readonly dtype: Dtype | 'int64' | 'float64';
  readonly shape: readonly number[];
}

/** What a form may do: add nodes and constants to the graph being built. @public */
export interface OnnxBuilder {
  /** Adds a node writing the named outputs. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttributeValue>>): void;
  /** Adds a node with `count` fresh outputs and returns their names. */
  ops(opType: string, inputs: readonly string[], count: number, attributes?: Readonly<Record<string, OnnxAttributeValue>>): string[];
  /** Adds a node with one fresh output and returns its name. */
  op(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttributeValue>>): string;
  /** A constant 1-D int64 tensor (shapes, axes, pads), as an ONNX value name. */
  ints(values: readonly number[]): string;
  /** A constant 0-D int64 tensor. */
  int(value: number): string;
  /** A constant 0-D tensor of a fluxion dtype. */
  scalar(value: number, dtype: Dtype): string;
  /** A fresh value name (for sub-graph inputs). */
  fresh(): string;
  /**
   * Emits the equations of `ir` (a loop or branch body, or a staged
   * function) into this graph with its inputs bound to `inputs`; returns the
   * names of its outputs (a symbolic-zero output becomes zeros). Constants
   * the IR holds become initializers of the model.
   */
  program(ir: IR, inputs: readonly string[]): string[];
  /**
   * A sub-graph (the body of `Loop`, a branch of `If`) as an attribute value:
   * `build` adds its nodes to a builder whose values may read this graph's,
   * and returns the names of its outputs, typed by `outputs`.
   */
  graph(inputs: readonly OnnxGraphInput[], outputs: readonly OnnxGraphInput[], build: (g: OnnxBuilder) => readonly string[]): OnnxAttributeValue;
}

/**
 * A primitive's ONNX form: writes `eq.outputs` from `eq.inputs`.
 * @example
 * ```ts
 * const sin: fx.OnnxForm = (g, eq) => g.node('Sin', eq.inputs, eq.outputs);
 * ```
 * @public
 */
export type OnnxForm<P extends Params = Params> = (g: OnnxBuilder, eq: OnnxEquation<P>) => void;

/** ONNX's `to` code of a fluxion dtype (TensorProto.DataType); int64 and float64 are for values inside a form. */
export function onnxDtype(dtype: Dtype | 'int64' | 'float64'): number {
  return dtype === 'float32' ? 1 : dtype === 'int32' ? 6 : dtype === 'int64' ? 7 : dtype === 'float64' ? 11 : 9;
}

/** A `Cast` attribute to a fluxion dtype. */
export const castTo = (dtype: Dtype | 'int64' | 'float64'): Readonly<Record<string, OnnxAttributeValue>> => ({ to: { int: onnxDtype(dtype) } });

/** `ConstantOfShape` of zeros (or `value`) of a dtype and static shape. */
export function filled(g: OnnxBuilder, shape: readonly number[], dtype: Dtype, value = 0, outputs?: readonly string[]): string {
  const raw = dtype === 'float32' ? new Uint8Array(Float32Array.of(value).buffer) : dtype === 'int32' ? new Uint8Array(Int32Array.of(value).buffer) : Uint8Array.of(value ? 1 : 0);
  const attributes = { value: { tensor: { dims: [1], dataType: onnxDtype(dtype) as OnnxDataType, raw } } };
  if (outputs) {
    g.node('ConstantOfShape', [g.ints(shape)], outputs, attributes);
    return outputs[0]!;
  }
  return g.op('ConstantOfShape', [g.ints(shape)], attributes);
}

/** `Reshape` to a static shape (allowzero where a dim is 0: ONNX would read a 0 as "copy this input dim"). */
export function reshapeTo(g: OnnxBuilder, x: string, shape: readonly number[], outputs?: readonly string[]): string {
  const attributes: Record<string, OnnxAttributeValue> = shape.includes(0) ? { allowzero: { int: 1 } } : {};
  if (outputs) {
    g.node('Reshape', [x, g.ints(shape)], outputs, attributes);
    return outputs[0]!;
  }
  return g.op('Reshape', [x, g.ints(shape)], attributes);
}

/** Params of the reductions over axes (sum, prod, max, min). */
interface AxesParams extends Params {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

/** A reduction over `axes` (ONNX 17: ReduceSum takes axes as an input, the others as an attribute). */
export function reductionForm(opType: string, axesAsInput: boolean): OnnxForm<AxesParams> {
  return (g, eq) => {
    const { axes, keepDims } = eq.params;
    // Empty axes reduce nothing; ONNX would read them as "all axes".
    if (axes.length === 0) return g.node('Identity', eq.inputs, eq.outputs);
    const keepdims = { int: keepDims ? 1 : 0 };
    if (axesAsInput) g.node(opType, [eq.inputs[0]!, g.ints(axes)], eq.outputs, { keepdims });
    else g.node(opType, eq.inputs, eq.outputs, { axes: { ints: axes }, keepdims });
  };
}

/**
 * ReduceMax/ReduceMin, with NaN propagation: ONNX Runtime's reductions skip
 * NaN, fluxion's (and NumPy's) give NaN for a slice that holds one.
 */
export function extremumForm(opType: string): OnnxForm<AxesParams> {
  const plain = reductionForm(opType, false);
  return (g, eq) => {
    const { axes, keepDims } = eq.params;
    if (axes.length === 0 || eq.inAvals[0]!.dtype !== 'float32') return plain(g, eq);
    const attributes = { axes: { ints: axes }, keepdims: { int: keepDims ? 1 : 0 } };
    const value = g.op(opType, eq.inputs, attributes);
    const nanCount = g.op('ReduceSum', [g.op('Cast', [g.op('IsNaN', eq.inputs)], castTo('float32')), g.ints(axes)], { keepdims: attributes.keepdims });
    g.node('Where', [g.op('Greater', [nanCount, g.scalar(0, 'float32')]), g.scalar(NaN, 'float32'), value], eq.outputs);
  };
}

/**
 * ArgMax/ArgMin give int64; fluxion's indices are int32. First index on
 * ties, as fluxion; a slice holding NaN gives its first NaN's position
 * (NumPy's rule; ONNX Runtime's ArgMax/ArgMin skip NaN).
 */
export function argReduceForm(opType: string): OnnxForm<{ axis: number; keepDims: boolean }> {
  return (g, eq) => {
    const attributes = { axis: { int: eq.params.axis }, keepdims: { int: eq.params.keepDims ? 1 : 0 }, select_last_index: { int: 0 } };
    let i64 = g.op(opType, eq.inputs, attributes);
    if (eq.inAvals[0]!.dtype === 'float32') {
      const flags = g.op('Cast', [g.op('IsNaN', eq.inputs)], castTo('float32'));
      const hasNaN = g.op('Greater', [g.op('ReduceMax', [flags], { axes: { ints: [eq.params.axis] }, keepdims: attributes.keepdims }), g.scalar(0, 'float32')]);
      i64 = g.op('Where', [hasNaN, g.op('ArgMax', [flags], attributes), i64]);
    }
    g.node('Cast', [i64], eq.outputs, castTo('int32'));
  };
}

/** Empty outputs (a sort or top-k over an empty axis): zero-size constants of the output avals. */
export function emptyOutputs(g: OnnxBuilder, eq: OnnxEquation<Params>): void {
  eq.outputs.forEach((o, i) => filled(g, eq.outAvals[i]!.shape, eq.outAvals[i]!.dtype, 0, [o]));
}

/**
 * A stable order of the last axis (int64 positions) with NaN moved to one
 * end, in input order: a descending `TopK` of the 0/1 flags puts the flagged
 * ones first, lower positions first among equals (the ONNX tie rule).
 */
export function nanPartition(g: OnnxBuilder, x: string, n: number, nanFirst: boolean): string {
  const isNaN = g.op('IsNaN', [x]);
  const flags = g.op('Cast', [nanFirst ? isNaN : g.op('Not', [isNaN])], castTo('float32'));
  return g.ops('TopK', [flags, g.ints([n])], 2, { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } })[1]!;
}

/** Whether `v`'s sign bit is set (−0 included, NaN excluded), as a bool value: v < 0 or 1/v < 0. */
export function signBit(g: OnnxBuilder, v: string): string {
  const zero = g.scalar(0, 'float32');
  return g.op('Or', [g.op('Less', [v, zero]), g.op('Less', [g.op('Div', [g.scalar(1, 'float32'), v]), zero])]);
}

/**
 * `|v|` with the sign bit given by the bool `negative`, by a product with ±1:
 * ONNX Runtime's `Where` turns −0 selected from its first branch into +0,
 * so forms whose result can be −0 apply the sign last this way.
 */
export function withSign(g: OnnxBuilder, v: string, negative: string, outputs?: readonly string[]): string {
  const inputs = [g.op('Abs', [v]), g.op('Where', [negative, g.scalar(-1, 'float32'), g.scalar(1, 'float32')])];
  if (outputs) {
    g.node('Mul', inputs, outputs);
    return outputs[0]!;
  }
  return g.op('Mul', inputs);
}

/**
 * For contractions (matmul, convolutions): an empty operand with a
 * non-empty result is an empty sum, zeros — written as such, since ONNX
 * Runtime's kernels may leave such a result uninitialized. True when done.
 */
export function emptyContraction(g: OnnxBuilder, eq: OnnxEquation<Params>): boolean {
  if (!eq.inAvals.some((a) => a.shape.includes(0))) return false;
  eq.outputs.forEach((o, i) => filled(g, eq.outAvals[i]!.shape, eq.outAvals[i]!.dtype, 0, [o]));
  return true;
}
