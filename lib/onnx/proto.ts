/**
 * The ONNX messages fluxion writes (a subset of onnx.proto: ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto), as
 * plain objects and their encoders over {@link ProtoWriter}. Field numbers
 * are those of onnx/onnx.proto (IR version 8).
 */
import { ProtoWriter } from './protobuf.js';

/** `TensorProto.DataType` values fluxion uses. @public */
export const OnnxDataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
/** The ONNX element type codes of {@link OnnxTensor}. @public */
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** `AttributeProto.AttributeType`. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

/** A constant tensor: `raw` holds the little-endian element bytes. @public */
export interface OnnxTensor {
  readonly name?: string;
  readonly dims: readonly number[];
  readonly dataType: OnnxDataType;
  readonly raw: Uint8Array;
}

/** An ONNX node attribute value: INT, FLOAT, STRING, INTS, FLOATS, TENSOR or GRAPH (a `Loop`/`If` body). @public */
export type OnnxAttributeValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly string: string }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly tensor: OnnxTensor }
  | { readonly graph: OnnxGraph };

/** One ONNX node: an op over named values, with its attributes. @public */
export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly attributes?: Readonly<Record<string, OnnxAttributeValue>>;
}

/** A graph input or output: a name with a tensor type of static shape. @public */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dataType: OnnxDataType;
  readonly shape: readonly number[];
}

/** An ONNX graph (a model's, or a `Loop`/`If` body as a GRAPH attribute). @public */
export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  readonly irVersion: number;
  readonly opset: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: OnnxGraph;
}

export function encodeTensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  w.packedVarints(1, t.dims); // dims
  w.varint(2, t.dataType); // data_type
  if (t.name !== undefined) w.string(8, t.name); // name
  w.bytes(9, t.raw); // raw_data
  return w;
}

function encodeAttribute(name: string, value: OnnxAttributeValue): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, name); // name
  if ('int' in value) w.varint(3, value.int).varint(20, AttributeType.INT);
  else if ('float' in value) w.float(2, value.float).varint(20, AttributeType.FLOAT);
  else if ('string' in value) w.string(4, value.string).varint(20, AttributeType.STRING);
  else if ('ints' in value) w.packedVarints(8, value.ints).varint(20, AttributeType.INTS);
  else if ('floats' in value) w.packedFloats(7, value.floats).varint(20, AttributeType.FLOATS);
  else if ('tensor' in value) w.message(5, encodeTensor(value.tensor)).varint(20, AttributeType.TENSOR);
  else w.message(6, encodeGraph(value.graph)).varint(20, AttributeType.GRAPH);
  return w;
}

export function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, encodeAttribute(k, v));
  return w;
}

export function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, new ProtoWriter().varint(1, d)); // dim { dim_value }
  const tensorType = new ProtoWriter().varint(1, v.dataType).message(2, shape); // elem_type, shape
  const type = new ProtoWriter().message(1, tensorType); // TypeProto.tensor_type
  return new ProtoWriter().string(1, v.name).message(2, type);
}

export function encodeGraph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const i of g.inputs) w.message(11, encodeValueInfo(i));
  for (const o of g.outputs) w.message(12, encodeValueInfo(o));
  return w;
}

/** The bytes of a `.onnx` file. */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, m.irVersion); // ir_version
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  w.message(7, encodeGraph(m.graph));
  w.message(8, new ProtoWriter().string(1, '').varint(2, m.opset)); // opset_import { domain: '', version }
  return w.finish().slice();
}
