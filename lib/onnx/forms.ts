/**
 * The ONNX form of each primitive: how one IR equation becomes ONNX nodes.
 *
 * The design (issue #23) is one lowering per primitive, declared by the
 * primitive in its own file as `onnx: (g, eq) => …` (the optional
 * `Primitive.onnx` field, which the lowering reads first). Until those files
 * take them, the forms live here, keyed by primitive name, one small function
 * each, written against {@link OnnxBuilder} only so each entry moves into its
 * primitive file unchanged. A primitive with neither has no ONNX form:
 * exporting a program that uses it is an `OnnxExportError` naming it
 * (docs/onnx.md lists them).
 */
import type { Dtype } from '../../typelevel/index.js';
import type { AbstractValue } from '../core/tensor.js';
import type { Params } from '../core/primitive.js';
import type { OnnxAttributeValue, OnnxDataType } from './proto.js';
import { conv2dGeometry, type Conv2dParams } from '../primitives/conv2d.js';

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

/** ONNX's `to` code of a fluxion dtype (TensorProto.DataType). */
export function onnxDtype(dtype: Dtype): number {
  return dtype === 'float32' ? 1 : dtype === 'int32' ? 6 : 9;
}

/** A form that is one ONNX op over the same inputs. */
function same(opType: string): OnnxForm {
  return (g, eq) => g.node(opType, eq.inputs, eq.outputs);
}

/** A reduction over `axes` (ONNX 17: ReduceSum takes axes as an input, the others as an attribute). */
function reduction(opType: string, axesAsInput: boolean): OnnxForm<{ axes: readonly number[]; keepDims: boolean }> {
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
function extremum(opType: string): OnnxForm<{ axes: readonly number[]; keepDims: boolean }> {
  const plain = reduction(opType, false);
  return (g, eq) => {
    const { axes, keepDims } = eq.params;
    if (axes.length === 0 || eq.inAvals[0]!.dtype !== 'float32') return plain(g, eq);
    const attributes = { axes: { ints: axes }, keepdims: { int: keepDims ? 1 : 0 } };
    const value = g.op(opType, eq.inputs, attributes);
    const nanCount = g.op('ReduceSum', [g.op('Cast', [g.op('IsNaN', eq.inputs)], { to: { int: onnxDtype('float32') } }), g.ints(axes)], { keepdims: attributes.keepdims });
    g.node('Where', [g.op('Greater', [nanCount, g.scalar(0, 'float32')]), g.scalar(NaN, 'float32'), value], eq.outputs);
  };
}

/** ArgMax/ArgMin give int64; fluxion's indices are int32. First index on ties, as fluxion. */
function argReduce(opType: string): OnnxForm<{ axis: number; keepDims: boolean }> {
  return (g, eq) => {
    const i64 = g.op(opType, eq.inputs, { axis: { int: eq.params.axis }, keepdims: { int: eq.params.keepDims ? 1 : 0 }, select_last_index: { int: 0 } });
    g.node('Cast', [i64], eq.outputs, { to: { int: onnxDtype('int32') } });
  };
}

// ---- one entry per primitive (each moves into lib/primitives/<name>.ts as its `onnx` rule) ----

const add = same('Add');
const sub = same('Sub');
const mul = same('Mul');
const div: OnnxForm = (g, eq) => {
  // ONNX's integer Div truncates; fluxion's div is float32 only, so this is a plain Div.
  g.node('Div', eq.inputs, eq.outputs);
};
const neg = same('Neg');
const abs = same('Abs');
const exp = same('Exp');
const log = same('Log');
const sin = same('Sin');
const cos = same('Cos');
const tan = same('Tan');
const asin = same('Asin');
const atan = same('Atan');
const tanh = same('Tanh');
const sqrt = same('Sqrt');
const erf = same('Erf');
/** `1 / (1 + exp(−x))`: ONNX Runtime's Sigmoid gives 0 below x ≈ −20 (fluxion: 9.4e-14 at −30). */
const sigmoid: OnnxForm = (g, eq) => g.node('Reciprocal', [g.op('Add', [g.scalar(1, 'float32'), g.op('Exp', [g.op('Neg', eq.inputs)])])], eq.outputs);
/** `x ≤ 0 ? 0 : x` (NaN stays NaN): ONNX Runtime's Relu(−0) is −0, fluxion's +0. */
const relu: OnnxForm = (g, eq) => {
  const zero = g.scalar(0, eq.inAvals[0]!.dtype);
  g.node('Where', [g.op('LessOrEqual', [eq.inputs[0]!, zero]), zero, eq.inputs[0]!], eq.outputs);
};
const softplus = same('Softplus');
const sign = same('Sign');
const pow = same('Pow');
const maximum = same('Max');
const minimum = same('Min');
const square: OnnxForm = (g, eq) => g.node('Mul', [eq.inputs[0]!, eq.inputs[0]!], eq.outputs);
const rsqrt: OnnxForm = (g, eq) => g.node('Reciprocal', [g.op('Sqrt', eq.inputs)], eq.outputs);
/**
 * `|v|` with the sign bit of `x` (−0 included), by a product with ±1:
 * ONNX Runtime's Where turns a selected −0 into +0, so a form ending in a
 * Where restores the sign this way when the result has the sign of x.
 */
function withSignOf(g: OnnxBuilder, v: string, x: string, outputs: readonly string[]): void {
  const zero = g.scalar(0, 'float32');
  const signbit = g.op('Or', [g.op('Less', [x, zero]), g.op('Less', [g.op('Div', [g.scalar(1, 'float32'), x]), zero])]);
  g.node('Mul', [g.op('Abs', [v]), g.op('Where', [signbit, g.scalar(-1, 'float32'), g.scalar(1, 'float32')])], outputs);
}

/**
 * expm1 without cancellation near 0: `2t / (1 − t)` with `t = tanh(x/2)` for
 * |x| < 0.5 (tanh is accurate there), `exp(x) − 1` elsewhere.
 */
const expm1: OnnxForm = (g, eq) => {
  const [x] = eq.inputs as [string];
  const f = (v: number) => g.scalar(v, 'float32');
  const t = g.op('Tanh', [g.op('Mul', [x, f(0.5)])]);
  const small = g.op('Div', [g.op('Add', [t, t]), g.op('Sub', [f(1), t])]);
  const large = g.op('Sub', [g.op('Exp', [x]), f(1)]);
  withSignOf(g, g.op('Where', [g.op('Less', [g.op('Abs', [x]), f(0.5)]), small, large]), x, eq.outputs);
};
/** log1p without cancellation (Kahan): `u = 1 + x`; `x` where `u == 1`, else `log(u) · x / (u − 1)`. */
const log1p: OnnxForm = (g, eq) => {
  const [x] = eq.inputs as [string];
  const one = g.scalar(1, 'float32');
  const u = g.op('Add', [one, x]);
  const um1 = g.op('Sub', [u, one]);
  const ratio = g.op('Mul', [g.op('Log', [u]), g.op('Div', [x, um1])]);
  // u = +Inf (x = +Inf): Inf·(Inf/Inf) would be NaN; log(u) is right there.
  const general = g.op('Where', [g.op('IsInf', [u], { detect_negative: { int: 0 } }), g.op('Log', [u]), ratio]);
  withSignOf(g, g.op('Where', [g.op('Equal', [um1, g.scalar(0, 'float32')]), x, general]), x, eq.outputs);
};

/**
 * atan2(y, x) with IEEE's special cases (as JS Math.atan2). The angle of
 * (x, |y|), in [0, π], is built first: `atan(|y|/x)`, plus π for x < 0;
 * π/2 on the y axis; 0 or π at the origin by the sign of x (−0 included);
 * π/4 or 3π/4 at the infinite corners; NaN if either is NaN. Then it takes
 * y's sign (signbit, so atan2(−0, x) is −0 or −π) by a product with ±1:
 * ONNX Runtime's Where turns a selected −0 into +0, so no Where follows it.
 */
const atan2: OnnxForm = (g, eq) => {
  const [y, x] = eq.inputs as [string, string];
  const f = (v: number) => g.scalar(v, 'float32');
  const zero = f(0);
  const signbit = (v: string) => g.op('Or', [g.op('Less', [v, zero]), g.op('Less', [g.op('Div', [f(1), v]), zero])]);
  const xNeg = signbit(x);
  const ay = g.op('Abs', [y]);
  const base = g.op('Atan', [g.op('Div', [ay, x])]);
  const general = g.op('Where', [g.op('Less', [x, zero]), g.op('Add', [base, f(Math.PI)]), base]);
  const onAxis = g.op('Where', [g.op('Equal', [ay, zero]), g.op('Where', [xNeg, f(Math.PI), zero]), f(Math.PI / 2)]);
  const corner = g.op('Where', [xNeg, f((3 * Math.PI) / 4), f(Math.PI / 4)]);
  const bothInf = g.op('And', [g.op('IsInf', [x]), g.op('IsInf', [y])]);
  const angle = g.op('Where', [bothInf, corner, g.op('Where', [g.op('Equal', [x, zero]), onAxis, general])]);
  const magnitude = g.op('Where', [g.op('Or', [g.op('IsNaN', [x]), g.op('IsNaN', [y])]), f(NaN), angle]);
  g.node('Mul', [magnitude, g.op('Where', [signbit(y), f(-1), f(1)])], eq.outputs);
};

const equal = same('Equal');
const notEqual: OnnxForm = (g, eq) => g.node('Not', [g.op('Equal', eq.inputs)], eq.outputs);
const less = same('Less');
const lessEqual = same('LessOrEqual');
const greater = same('Greater');
const greaterEqual = same('GreaterOrEqual');
const where = same('Where');
const stopGradient = same('Identity');

const cast: OnnxForm<{ dtype: Dtype }> = (g, eq) => g.node('Cast', eq.inputs, eq.outputs, { to: { int: onnxDtype(eq.params.dtype) } });
const clip: OnnxForm<{ lo: number; hi: number }> = (g, eq) => {
  const dtype = eq.inAvals[0]!.dtype;
  g.node('Clip', [eq.inputs[0]!, g.scalar(eq.params.lo, dtype), g.scalar(eq.params.hi, dtype)], eq.outputs);
};

const sum = reduction('ReduceSum', true);
const max = extremum('ReduceMax');
const min = extremum('ReduceMin');
const prod = reduction('ReduceProd', false);
const argmax = argReduce('ArgMax');
const argmin = argReduce('ArgMin');
const cumsum: OnnxForm<{ axis: number; exclusive: boolean; reverse: boolean }> = (g, eq) =>
  g.node('CumSum', [eq.inputs[0]!, g.int(eq.params.axis)], eq.outputs, { exclusive: { int: eq.params.exclusive ? 1 : 0 }, reverse: { int: eq.params.reverse ? 1 : 0 } });

const matmul = same('MatMul');
const reshape: OnnxForm<{ shape: readonly number[] }> = (g, eq) => {
  const shape = eq.outAvals[0]!.shape;
  // ONNX reads a 0 in the target shape as "copy this input dim" unless allowzero is set.
  g.node('Reshape', [eq.inputs[0]!, g.ints(shape)], eq.outputs, shape.includes(0) ? { allowzero: { int: 1 } } : {});
};
const transpose: OnnxForm<{ perm: readonly number[] }> = (g, eq) => g.node('Transpose', eq.inputs, eq.outputs, { perm: { ints: eq.params.perm } });
const broadcastTo: OnnxForm = (g, eq) => g.node('Expand', [eq.inputs[0]!, g.ints(eq.outAvals[0]!.shape)], eq.outputs);
const concat: OnnxForm<{ axis: number }> = (g, eq) => g.node('Concat', eq.inputs, eq.outputs, { axis: { int: eq.params.axis } });
const slice: OnnxForm<{ begin: readonly number[] }> = (g, eq) => {
  const { begin } = eq.params;
  const size = eq.outAvals[0]!.shape;
  const axes = begin.map((_, i) => i);
  g.node('Slice', [eq.inputs[0]!, g.ints(begin), g.ints(begin.map((b, i) => b + size[i]!)), g.ints(axes)], eq.outputs);
};
const pad: OnnxForm<{ paddings: readonly (readonly [number, number])[]; value: number }> = (g, eq) => {
  const { paddings, value } = eq.params;
  const pads = [...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])];
  g.node('Pad', [eq.inputs[0]!, g.ints(pads), g.scalar(value, eq.inAvals[0]!.dtype)], eq.outputs, { mode: { string: 'constant' } });
};
/** Out-of-range indices are an error in ONNX Runtime as in fluxion; negative ones wrap there (fluxion rejects them). */
const gather: OnnxForm<{ axis: number }> = (g, eq) => g.node('Gather', eq.inputs, eq.outputs, { axis: { int: eq.params.axis } });
/** `indices[..., None] == arange(depth)` as float32 (out-of-range indices give zero rows, as fluxion). */
const oneHot: OnnxForm<{ depth: number }> = (g, eq) => {
  const shape = eq.inAvals[0]!.shape;
  const column = g.op('Reshape', [eq.inputs[0]!, g.ints([...shape, 1])], shape.includes(0) ? { allowzero: { int: 1 } } : {});
  const classes = g.op('Cast', [g.ints([...Array(eq.params.depth).keys()])], { to: { int: onnxDtype('int32') } });
  g.node('Cast', [g.op('Equal', [column, classes])], eq.outputs, { to: { int: onnxDtype('float32') } });
};

/**
 * scatter (add `updates` at `indices` along `axis` into zeros of `shape`), as
 * its impl: the indexed axis moved to the front, `ScatterND` with add
 * reduction (repeated indices accumulate), moved back.
 */
const scatter: OnnxForm<{ shape: readonly number[]; axis: number }> = (g, eq) => {
  const { shape, axis } = eq.params;
  const dtype = eq.outAvals[0]!.dtype;
  const zeros = (dims: readonly number[]) => g.op('ConstantOfShape', [g.ints(dims)], { value: { tensor: { dims: [1], dataType: onnxDtype(dtype) as OnnxDataType, raw: new Uint8Array(4) } } });
  const n = eq.inAvals[0]!.shape.reduce((a, b) => a * b, 1);
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  if (n === 0 || size(shape) === 0) return g.node('Identity', [zeros(shape)], eq.outputs);
  const [dim, before, after] = [shape[axis]!, size(shape.slice(0, axis)), size(shape.slice(axis + 1))];
  const indices = g.op('Reshape', [g.op('Cast', [eq.inputs[0]!], { to: { int: 7 } }), g.ints([n, 1])]);
  const updates = g.op('Transpose', [g.op('Reshape', [eq.inputs[1]!, g.ints([before, n, after])])], { perm: { ints: [1, 0, 2] } });
  const scattered = g.op('ScatterND', [zeros([dim, before, after]), indices, updates], { reduction: { string: 'add' } });
  g.node('Reshape', [g.op('Transpose', [scattered], { perm: { ints: [1, 0, 2] } }), g.ints(shape)], eq.outputs);
};

/**
 * lastWriteMask, as its impl: a descending `TopK` per group (ties keep the
 * lower position first, by the ONNX spec) marks the last element of each run
 * of equal indices; `ScatterElements` puts the marks back at their positions.
 */
const lastWriteMask: OnnxForm<{ groupAxes: number }> = (g, eq) => {
  const shape = eq.inAvals[0]!.shape;
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  const groups = size(shape.slice(0, eq.params.groupAxes));
  const n = size(shape.slice(eq.params.groupAxes));
  if (n <= 1 || groups === 0) {
    const one = new Uint8Array(new Float32Array([1]).buffer);
    return g.node('ConstantOfShape', [g.ints(shape)], eq.outputs, { value: { tensor: { dims: [1], dataType: 1, raw: one } } });
  }
  const rows = g.op('Reshape', [eq.inputs[0]!, g.ints([groups, n])]);
  const [values, order] = g.ops('TopK', [rows, g.ints([n])], 2, { axis: { int: 1 }, largest: { int: 1 }, sorted: { int: 1 } }) as [string, string];
  const differs = g.op('Not', [g.op('Equal', [g.op('Slice', [values, g.ints([0]), g.ints([n - 1]), g.ints([1])]), g.op('Slice', [values, g.ints([1]), g.ints([n]), g.ints([1])])])]);
  const last = g.op('Expand', [g.scalar(1, 'bool'), g.ints([groups, 1])]);
  const runEnds = g.op('Cast', [g.op('Concat', [differs, last], { axis: { int: 1 } })], { to: { int: onnxDtype('float32') } });
  const zeros = g.op('ConstantOfShape', [g.ints([groups, n])], { value: { tensor: { dims: [1], dataType: 1, raw: new Uint8Array(4) } } });
  g.node('Reshape', [g.op('ScatterElements', [zeros, order, runEnds], { axis: { int: 1 } }), g.ints(shape)], eq.outputs);
};

/** Empty outputs (a sort or top-k over an empty axis): zero-size constants of the output avals. */
function emptyOutputs(g: OnnxBuilder, eq: OnnxEquation<Params>): void {
  eq.outputs.forEach((o, i) => {
    const a = eq.outAvals[i]!;
    g.node('ConstantOfShape', [g.ints(a.shape)], [o], { value: { tensor: { dims: [1], dataType: onnxDtype(a.dtype) as OnnxDataType, raw: new Uint8Array(a.dtype === 'bool' ? 1 : 4) } } });
  });
}

/**
 * A stable order of the last axis (int64 positions) with NaN moved to one
 * end, in input order: a descending `TopK` of the 0/1 flags puts the flagged
 * ones first, lower positions first among equals (the ONNX tie rule).
 */
function nanPartition(g: OnnxBuilder, x: string, n: number, nanFirst: boolean): string {
  const isNaN = g.op('IsNaN', [x]);
  const flags = g.op('Cast', [nanFirst ? isNaN : g.op('Not', [isNaN])], { to: { int: onnxDtype('float32') } });
  return g.ops('TopK', [flags, g.ints([n])], 2, { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } })[1]!;
}

/**
 * sort: ascending along the last axis, stable, NaN last in input order (the
 * impl's algorithm: a NaN partition, then a stable ascending `TopK` with NaN
 * read as +Infinity). Outputs the values and int32 positions.
 */
const sort: OnnxForm = (g, eq) => {
  const [x] = eq.inputs as [string];
  const n = eq.inAvals[0]!.shape.at(-1)!;
  if (n === 0 || eq.outAvals[0]!.shape.includes(0)) return emptyOutputs(g, eq);
  const ascending = (key: string) => g.ops('TopK', [key, g.ints([n])], 2, { axis: { int: -1 }, largest: { int: 0 }, sorted: { int: 1 } })[1]!;
  let indices: string;
  if (eq.inAvals[0]!.dtype === 'float32') {
    const order = nanPartition(g, x, n, false);
    const row = g.op('GatherElements', [x, order], { axis: { int: -1 } });
    const key = g.op('Where', [g.op('IsNaN', [row]), g.scalar(Infinity, 'float32'), row]);
    indices = g.op('GatherElements', [order, ascending(key)], { axis: { int: -1 } });
  } else indices = ascending(x);
  g.node('GatherElements', [x, indices], [eq.outputs[0]!], { axis: { int: -1 } });
  g.node('Cast', [indices], [eq.outputs[1]!], { to: { int: onnxDtype('int32') } });
};

/**
 * topk: the k largest along the last axis, descending, lower position first
 * on ties, NaN above +Infinity in input order (the impl's algorithm).
 */
const topk: OnnxForm<{ k: number }> = (g, eq) => {
  const [x] = eq.inputs as [string];
  const { k } = eq.params;
  const n = eq.inAvals[0]!.shape.at(-1)!;
  if (k === 0 || eq.outAvals[0]!.shape.includes(0)) return emptyOutputs(g, eq);
  const descending = (key: string, count: number) => g.ops('TopK', [key, g.ints([count])], 2, { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } })[1]!;
  let indices: string;
  if (eq.inAvals[0]!.dtype === 'float32') {
    const order = nanPartition(g, x, n, true);
    const row = g.op('GatherElements', [x, order], { axis: { int: -1 } });
    const key = g.op('Where', [g.op('IsNaN', [row]), g.scalar(Infinity, 'float32'), row]);
    // A full sort, then the first k (as the impl).
    const all = descending(key, n);
    const rank = eq.inAvals[0]!.shape.length;
    const first = k === n ? all : g.op('Slice', [all, g.ints([0]), g.ints([k]), g.ints([rank - 1])]);
    indices = g.op('GatherElements', [order, first], { axis: { int: -1 } });
  } else indices = descending(x, k);
  g.node('GatherElements', [x, indices], [eq.outputs[0]!], { axis: { int: -1 } });
  g.node('Cast', [indices], [eq.outputs[1]!], { to: { int: onnxDtype('int32') } });
};

/** NHWC ↔ NCHW and HWIO → OIHW around ONNX's channels-first convolutions. */
const NHWC_TO_NCHW = { perm: { ints: [0, 3, 1, 2] } };
const NCHW_TO_NHWC = { perm: { ints: [0, 2, 3, 1] } };
function convPads(eq: OnnxEquation<Conv2dParams>, x: readonly number[], filter: readonly number[]): [number, number, number, number] {
  const { top, bottom, left, right } = conv2dGeometry('conv2d', x, filter, eq.params);
  return [top, left, bottom, right];
}
/** conv2d (NHWC, HWIO filters, TensorFlow's 'same'/'valid'): `Conv` on transposed operands, explicit pads. */
const conv2d: OnnxForm<Conv2dParams> = (g, eq) => {
  const [x, filter] = eq.inputs as [string, string];
  const pads = convPads(eq, eq.inAvals[0]!.shape, eq.inAvals[1]!.shape);
  const y = g.op('Conv', [g.op('Transpose', [x], NHWC_TO_NCHW), g.op('Transpose', [filter], { perm: { ints: [3, 2, 0, 1] } })], {
    strides: { ints: eq.params.strides },
    pads: { ints: pads },
  });
  g.node('Transpose', [y], eq.outputs, NCHW_TO_NHWC);
};
/** The input gradient of conv2d: `ConvTranspose` of dy with the filter, output_padding making up the exact input size. */
const conv2dBackpropInput: OnnxForm<Conv2dParams & { inputShape: readonly number[] }> = (g, eq) => {
  const [dy, filter] = eq.inputs as [string, string];
  const { inputShape, strides } = eq.params;
  const [kh, kw] = eq.inAvals[1]!.shape as [number, number];
  const [, oh, ow] = eq.inAvals[0]!.shape as [number, number, number];
  const [top, left, bottom, right] = convPads(eq, inputShape, eq.inAvals[1]!.shape);
  const outputPadding = [inputShape[1]! - (strides[0] * (oh - 1) + kh - top - bottom), inputShape[2]! - (strides[1] * (ow - 1) + kw - left - right)];
  const y = g.op('ConvTranspose', [g.op('Transpose', [dy], NHWC_TO_NCHW), g.op('Transpose', [filter], { perm: { ints: [3, 2, 0, 1] } })], {
    strides: { ints: strides },
    pads: { ints: [top, left, bottom, right] },
    output_padding: { ints: outputPadding },
  });
  g.node('Transpose', [y], eq.outputs, NCHW_TO_NHWC);
};
/**
 * The filter gradient of conv2d: a convolution of x (channels as batch) with
 * dy (as the filter) dilated by the strides, cropped to the filter size.
 */
const conv2dBackpropFilter: OnnxForm<Conv2dParams & { filterShape: readonly number[] }> = (g, eq) => {
  const [x, dy] = eq.inputs as [string, string];
  const { filterShape, strides } = eq.params;
  const [kh, kw] = filterShape as [number, number];
  const pads = convPads(eq, eq.inAvals[0]!.shape, filterShape);
  const full = g.op('Conv', [g.op('Transpose', [x], { perm: { ints: [3, 0, 1, 2] } }), g.op('Transpose', [dy], { perm: { ints: [3, 0, 1, 2] } })], {
    dilations: { ints: strides },
    pads: { ints: pads },
  });
  const cropped = g.op('Slice', [full, g.ints([0, 0]), g.ints([kh, kw]), g.ints([2, 3])]);
  g.node('Transpose', [cropped], eq.outputs, { perm: { ints: [2, 3, 0, 1] } });
};

/** The ONNX forms by primitive name (see the module comment). */
export const onnxForms: Readonly<Record<string, OnnxForm<never>>> = {
  add, sub, mul, div, neg, abs, exp, log, sin, cos, tan, asin, atan, tanh, sqrt, erf, sigmoid, relu, softplus, sign, pow,
  maximum, minimum, square, rsqrt, expm1, log1p, atan2,
  equal, notEqual, less, lessEqual, greater, greaterEqual, where, stopGradient, cast, clip,
  sum, max, min, prod, argmax, argmin, cumsum,
  matmul, reshape, transpose, broadcastTo, concat, slice, pad, gather, oneHot, scatter, lastWriteMask, sort, topk,
  conv2d, conv2dBackpropInput, conv2dBackpropFilter,
};
