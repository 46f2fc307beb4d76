/**
 * Host kernels: how `jit` runs one equation as JavaScript over typed arrays
 * (the host lowering of lib/compile/host.ts, used on cpu and wasm).
 *
 * Each lowering gets the equation (shapes and params are known at compile
 * time) and returns a step `(env) => void` that reads its operands from and
 * writes its result into `env` slots, or `undefined` when it does not handle
 * this case (the whole program then runs on tfjs kernels). Index maps for
 * broadcasting, slicing, padding, transposing and reducing are computed once,
 * at compile time.
 *
 * Elementwise equations (and `fused` chains) become generated loops. The
 * generated source holds only the fixed formulas below, slot-free local names
 * and the operand access modes; numbers from params (clip bounds, pad values)
 * are passed in a `Float64Array`, never written into the source.
 */
import type { Equation, Var } from '../core/ir.js';
import type { LoopGroup } from './group.js';
import { showShape } from '../core/errors.js';
import { checkIndexValues } from '../primitives/gather.js';
import { fcos, ferf, fexp, fexpm1, flog, flog1p, fsigmoid, fsin, fsincos, fsoftplus, ftan, ftanh, SINCOS } from './fastmath.js';
import type { Dtype } from '../../typelevel/index.js';
import { simdMatmul } from './simd.js';

/** What one value is stored in. */
export type Buf = Float32Array | Int32Array | Uint8Array;

/** A compiled step: reads and writes `env` slots. */
export type Step = (env: Buf[]) => void;

/** The slots of an equation's operands and results. */
export interface Slots {
  readonly ins: readonly number[];
  readonly outs: readonly number[];
}

export function allocate(dtype: Dtype, size: number): Buf {
  return dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
}

// ------------------------------------------------------------------ index maps

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * For every output position, the flat position read from an operand of shape
 * `inShape` viewed through per-output-axis strides (0 where broadcast).
 */
function gatherMap(outShape: readonly number[], strides: readonly number[], base = 0): Int32Array {
  const n = sizeOf(outShape);
  const map = new Int32Array(n);
  const rank = outShape.length;
  const idx = new Array<number>(rank).fill(0);
  let pos = base;
  for (let i = 0; i < n; i++) {
    map[i] = pos;
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]!++;
      pos += strides[a]!;
      if (idx[a]! < outShape[a]!) break;
      pos -= strides[a]! * outShape[a]!;
      idx[a] = 0;
    }
  }
  return map;
}

/**
 * How an elementwise operand is read: at `i`, as one hoisted value, cycling
 * through it (a trailing-suffix operand such as a bias: period = its size),
 * one element per `inner` positions (a [M, 1] column against [M, N]), or
 * through an index map (any other broadcast).
 */
type Access =
  | { readonly kind: 'same' }
  | { readonly kind: 'scalar' }
  | { readonly kind: 'period'; readonly period: number }
  | { readonly kind: 'rows'; readonly inner: number }
  | { readonly kind: 'map'; readonly map: Int32Array };

function broadcastMap(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const offset = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  return gatherMap(outShape, outShape.map((_, a) => (a < offset || inShape[a - offset] === 1 ? 0 : inStrides[a - offset]!)));
}

function broadcastAccess(inShape: readonly number[], outShape: readonly number[]): Access {
  if (sizeOf(inShape) === 1) return { kind: 'scalar' };
  if (inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i])) return { kind: 'same' };
  const aligned = [...Array<number>(outShape.length - inShape.length).fill(1), ...inShape];
  const first = aligned.findIndex((d) => d !== 1);
  const core = aligned.slice(first);
  if (core.every((d, i) => d === outShape[first + i])) return { kind: 'period', period: sizeOf(core) };
  let last = aligned.length - 1;
  while (aligned[last] === 1) last--;
  if (aligned.slice(0, last + 1).every((d, a) => d === outShape[a])) return { kind: 'rows', inner: sizeOf(outShape.slice(last + 1)) };
  return { kind: 'map', map: broadcastMap(inShape, outShape) };
}

// ------------------------------------------------------------------ elementwise formulas

/** Operand dtypes and result dtype of an elementwise equation. */
interface Types {
  readonly ins: readonly Dtype[];
  readonly out: Dtype;
}

type Formula = (a: readonly string[], t: Types, k: (value: number) => string) => string | undefined;

const float = (f: (a: readonly string[]) => string): Formula => (a, t) => (t.ins.every((d) => d === 'float32') ? f(a) : undefined);
const numeric = (f: (a: readonly string[], int: boolean) => string): Formula => (a, t) =>
  t.ins.every((d) => d === 'float32') ? f(a, false) : t.ins.every((d) => d === 'int32') ? f(a, true) : undefined;
const compare = (op: string, dtypes: readonly Dtype[]): Formula => (a, t) =>
  t.ins[0] === t.ins[1] && dtypes.includes(t.ins[0]!) ? `(${a[0]} ${op} ${a[1]} ? 1 : 0)` : undefined;

/**
 * The elementwise primitives, as JS expressions over operand expressions.
 * Float math computes each op in float64 and rounds its result to float32
 * (`Math.fround`), as a float32 kernel does; int32 products use `Math.imul`
 * so they wrap like int32 arithmetic.
 */
const FORMULAS: Readonly<Record<string, Formula>> = {
  add: numeric((a) => `(${a[0]} + ${a[1]})`),
  sub: numeric((a) => `(${a[0]} - ${a[1]})`),
  mul: numeric((a, int) => (int ? `Math.imul(${a[0]}, ${a[1]})` : `(${a[0]} * ${a[1]})`)),
  div: float((a) => `(${a[0]} / ${a[1]})`),
  neg: numeric((a) => `(-${a[0]})`),
  abs: numeric((a) => `Math.abs(${a[0]})`),
  // NaN gives NaN (as eager sign, and JAX); ±0 give +0, as tfjs's sign does (Math.sign keeps −0).
  sign: numeric((a) => `(${a[0]} > 0 ? 1 : ${a[0]} < 0 ? -1 : ${a[0]} === ${a[0]} ? 0 : ${a[0]})`),
  square: numeric((a, int) => (int ? `Math.imul(${a[0]}, ${a[0]})` : `(${a[0]} * ${a[0]})`)),
  maximum: numeric((a) => `Math.max(${a[0]}, ${a[1]})`),
  minimum: numeric((a) => `Math.min(${a[0]}, ${a[1]})`),
  // C's pow (NumPy, JAX): 1 for a base of 1 (also with a NaN exponent) and for (−1)^±Infinity; JS's Math.pow gives NaN there.
  pow: float((a) => `(${a[0]} === 1 || (${a[0]} === -1 && (${a[1]} === Infinity || ${a[1]} === -Infinity)) ? 1 : Math.pow(${a[0]}, ${a[1]}))`),
  exp: float((a) => `fexp(${a[0]})`),
  expm1: float((a) => `fexpm1(${a[0]})`),
  log: float((a) => `flog(${a[0]})`),
  log1p: float((a) => `flog1p(${a[0]})`),
  sin: float((a) => `fsin(${a[0]})`),
  cos: float((a) => `fcos(${a[0]})`),
  tan: float((a) => `ftan(${a[0]})`),
  tanh: float((a) => `ftanh(${a[0]})`),
  erf: float((a) => `ferf(${a[0]})`),
  sigmoid: float((a) => `fsigmoid(${a[0]})`),
  softplus: float((a) => `fsoftplus(${a[0]})`),
  sqrt: float((a) => `Math.sqrt(${a[0]})`),
  rsqrt: float((a) => `(1 / Math.sqrt(${a[0]}))`),
  // tfjs's relu passes NaN through; `x < 0 ? 0 : x` does too.
  relu: float((a) => `(${a[0]} < 0 ? 0 : ${a[0]})`),
  greater: compare('>', ['float32', 'int32']),
  greaterEqual: compare('>=', ['float32', 'int32']),
  less: compare('<', ['float32', 'int32']),
  lessEqual: compare('<=', ['float32', 'int32']),
  equal: compare('===', ['float32', 'int32', 'bool']),
  notEqual: compare('!==', ['float32', 'int32', 'bool']),
  where: (a, t) => (t.ins[0] === 'bool' && t.ins[1] === t.ins[2] ? `(${a[0]} ? ${a[1]} : ${a[2]})` : undefined),
  stopGradient: (a) => a[0],
};

/** `cast` and `clip` read params; their bounds travel through the constants array. */
function paramFormula(eq: Equation, t: Types, a: readonly string[], k: (value: number) => string): string | undefined {
  if (eq.prim.name === 'cast') {
    const from = t.ins[0]!;
    const to = eq.params['dtype'] as Dtype;
    if (to === 'bool') return from === 'bool' ? a[0] : `(${a[0]} !== 0 ? 1 : 0)`;
    // float32 → int32 truncates toward zero and saturates (NaN → 0), as the eager cast does
    // (lib/primitives/cast.ts); an Int32Array store alone would wrap modulo 2³².
    if (to === 'int32' && from === 'float32') {
      return `(${a[0]} !== ${a[0]} ? 0 : ${a[0]} >= 2147483647 ? 2147483647 : ${a[0]} <= -2147483648 ? -2147483648 : Math.trunc(${a[0]}))`;
    }
    return a[0];
  }
  if (eq.prim.name === 'clip') {
    const lo = eq.params['lo'] as number;
    const hi = eq.params['hi'] as number;
    if (typeof lo !== 'number' || typeof hi !== 'number') return undefined;
    if (t.ins[0] === 'float32') return `(${a[0]} < ${k(lo)} ? ${k(lo)} : ${a[0]} > ${k(hi)} ? ${k(hi)} : ${a[0]})`;
    if (t.ins[0] !== 'int32') return undefined;
    // int32 bounds round inward to the int32 range (lib/primitives/clip.ts).
    const l = k(Math.max(Math.ceil(lo), -(2 ** 31)));
    const h = k(Math.min(Math.floor(hi), 2 ** 31 - 1));
    return `Math.min(Math.max(${a[0]}, ${l}), ${h})`;
  }
  const f = FORMULAS[eq.prim.name];
  return f ? f(a, t, k) : undefined;
}

/**
 * Whether a float32 result of `eq` must be rounded to float32 before other
 * members read it: not for ops whose result is one of their float32 operands
 * or a constant (no new value to round), nor for a value no other member
 * reads (storing it into a Float32Array rounds it). Shared with simd.ts.
 */
export function roundsResult(eq: Equation, group: { readonly members: readonly Equation[] }): boolean {
  if (EXACT_RESULTS.has(eq.prim.name) || eq.outputs[0]!.aval.dtype !== 'float32') return false;
  const out = eq.outputs[0]!;
  return group.members.some((m) => m.inputs.includes(out));
}
const EXACT_RESULTS = new Set(['neg', 'abs', 'relu', 'maximum', 'minimum', 'where', 'stopGradient', 'clip', 'sign']);

/** Whether `eq` is one the elementwise generator can write (used by fusion too). */
export function isElementwise(name: string): boolean {
  return name in FORMULAS || name === 'cast' || name === 'clip';
}

const generated = new Map<string, (...args: unknown[]) => void>();

/** A generated kernel that did not compile; `jit` then runs the program on tfjs kernels and warns. */
export class KernelCompileError extends Error {
  override readonly name = 'KernelCompileError';
}

/** Test hooks: every generated source so far, and a switch that makes compilation fail. */
export const testing = {
  breakCompiler: false,
  sources: (): string[] => [...generated.keys()],
};
const MATH = { fexp, fexpm1, flog, flog1p, fsin, fcos, fsincos, SINCOS, ftan, ftanh, ferf, fsigmoid, fsoftplus };

/**
 * Compiles (once per distinct source) a loop over `n` positions reading the
 * operands `x0…` and writing the results `o0…`.
 */
function loopKernel(
  accesses: readonly Access[],
  outCount: number,
  body: readonly string[],
  k: (value: number) => string,
  head: string[] = [],
  tail: string[] = [],
): (...args: unknown[]) => void {
  const params = ['n', 'k', ...accesses.map((_, j) => `x${j}`), ...accesses.map((_, j) => `m${j}`), ...Array.from({ length: outCount }, (_, j) => `o${j}`)];
  accesses.forEach((a, j) => {
    if (a.kind === 'scalar') head.push(`const s${j} = x${j}[0];`);
    else if (a.kind === 'period') {
      head.push(`const p${j} = ${k(a.period)};`, `let c${j} = 0;`);
      tail.push(`if (++c${j} === p${j}) c${j} = 0;`);
    } else if (a.kind === 'rows') {
      head.push(`const p${j} = ${k(a.inner)};`, `let c${j} = 0;`, `let r${j} = 0;`);
      tail.push(`if (++c${j} === p${j}) {`, `  c${j} = 0;`, `  r${j}++;`, '}');
    }
  });
  const source = [...head, 'for (let i = 0; i < n; i++) {', ...[...body, ...tail].map((l) => `  ${l}`), '}'].join('\n');
  const key = `${params.join(',')}\n${source}`;
  let kernel = generated.get(key);
  if (!kernel) {
    const names = Object.keys(MATH);
    // Only internal names, the fixed formula table and access modes reach this source.
    const text = `return function kernel(${params.join(', ')}) {\n${source}\n};`;
    try {
      if (testing.breakCompiler) throw new SyntaxError('compiler broken for a test');
      const factory = new Function(...names, text) as (...fs: unknown[]) => (...args: unknown[]) => void;
      kernel = factory(...names.map((name) => MATH[name as keyof typeof MATH]));
    } catch (e) {
      throw new KernelCompileError(`a generated loop failed to compile (${(e as Error).message})`);
    }
    generated.set(key, kernel);
  }
  return kernel;
}

function operand(a: Access, j: number): string {
  switch (a.kind) {
    case 'same':
      return `x${j}[i]`;
    case 'scalar':
      return `s${j}`;
    case 'period':
      return `x${j}[c${j}]`;
    case 'rows':
      return `x${j}[r${j}]`;
    case 'map':
      return `x${j}[m${j}[i]]`;
  }
}

/** Reductions a loop can accumulate: initial value and the step, as expressions. */
const REDUCE_FORMULAS: Readonly<Record<string, { readonly init: number; readonly step: (acc: string, v: string) => string }>> = {
  sum: { init: 0, step: (acc, v) => `${acc} + ${v}` },
  prod: { init: 1, step: (acc, v) => `${acc} * ${v}` },
  // NaN wins, as in tfjs's max/min.
  max: { init: -Infinity, step: (acc, v) => `(${v} > ${acc} || ${v} !== ${v} ? ${v} : ${acc})` },
  min: { init: Infinity, step: (acc, v) => `(${v} < ${acc} || ${v} !== ${v} ? ${v} : ${acc})` },
};

/** Whether a loop can accumulate `eq`: a float32/int32 sum, max or min over trailing axes (or all of them). */
export function hostReduces(eq: Equation): boolean {
  if (!(eq.prim.name in REDUCE_FORMULAS) || eq.inputs.length !== 1 || eq.outputs.length !== 1) return false;
  const x = eq.inputs[0]!.aval;
  if (x.dtype === 'bool') return false;
  const axes = [...(eq.params['axes'] as readonly number[])].sort((a, b) => a - b);
  return axes.every((a, i) => a === x.shape.length - axes.length + i);
}

/** A group's loop; `uniform` operands hold one value repeated (a broadcast constant) and are read once. */
export function lowerLoop(group: LoopGroup, slots: Slots, uniform: ReadonlySet<Var>): Step | undefined {
  const accesses = group.inputs.map((v) => (uniform.has(v) ? ({ kind: 'scalar' } as const) : broadcastAccess(v.aval.shape, group.shape)));
  const constants: number[] = [];
  const k = (value: number) => `k[${constants.push(value) - 1}]`;
  const local = new Map<Var, string>();
  const body: string[] = [];
  // Each operand is loaded once per position (a store in between would otherwise force V8 to reload it).
  group.inputs.forEach((v, j) => {
    const a = accesses[j]!;
    if (a.kind === 'scalar') local.set(v, `s${j}`);
    else {
      body.push(`const a${j} = ${operand(a, j)};`);
      local.set(v, `a${j}`);
    }
  });
  // sin and cos of one value share their range reduction: the first computes both.
  const trig = new Map<Var, Set<string>>();
  for (const eq of group.members) if (eq.prim.name === 'sin' || eq.prim.name === 'cos') (trig.get(eq.inputs[0]!) ?? trig.set(eq.inputs[0]!, new Set()).get(eq.inputs[0]!)!).add(eq.prim.name);
  const pair = new Map<Var, string>();
  const head: string[] = [];
  const tail: string[] = [];
  const accumulated = new Set<Var>();
  for (const [n, eq] of group.members.entries()) {
    const out = eq.outputs[0]!;
    const x = eq.inputs[0]!;
    const reducer = REDUCE_FORMULAS[eq.prim.name];
    if (reducer) {
      // A reduction over trailing axes: one accumulator, written out every `inner` positions.
      const j = group.outputs.indexOf(out);
      if (j < 0 || !hostReduces(eq)) return undefined;
      const inner = sizeOf(group.shape) / sizeOf(out.aval.shape);
      if (!(inner >= 1)) return undefined; // an empty reduction: the plain kernel fills its identity
      head.push(`const q${n}p = ${k(inner)};`, `let q${n} = 0;`, `let w${n} = 0;`, `let acc${n} = ${k(reducer.init)};`);
      body.push(`acc${n} = ${reducer.step(`acc${n}`, local.get(x)!)};`);
      tail.push(`if (++q${n} === q${n}p) {`, `  o${j}[w${n}++] = acc${n};`, `  acc${n} = ${k(reducer.init)};`, `  q${n} = 0;`, '}');
      accumulated.add(out);
      continue;
    }
    if ((eq.prim.name === 'sin' || eq.prim.name === 'cos') && trig.get(x)!.size === 2 && eq.inputs[0]!.aval.dtype === 'float32') {
      let names = pair.get(x);
      if (!names) {
        names = `t${n}`;
        body.push(`const ${names}s = Math.fround(fsincos(${local.get(x)!})); const ${names}c = Math.fround(SINCOS[0]);`);
        pair.set(x, names);
      }
      body.push(`const v${n} = ${names}${eq.prim.name === 'sin' ? 's' : 'c'};`);
      local.set(out, `v${n}`);
      continue;
    }
    const expr = paramFormula(eq, { ins: eq.inputs.map((v) => v.aval.dtype), out: out.aval.dtype }, eq.inputs.map((v) => local.get(v)!), k);
    if (expr === undefined) return undefined;
    // int32 results wrap at every step, as int32 kernels do; float32 results round at every step, as
    // float32 kernels do: without it exp overflows later than eager's (log(exp(100)) = 100, not Infinity)
    // and tanh(10) stays below 1 (1 − tanh² = 1.4e-8, not 0).
    body.push(`const v${n} = ${out.aval.dtype === 'int32' ? `(${expr}) | 0` : roundsResult(eq, group) ? `Math.fround(${expr})` : expr};`);
    local.set(out, `v${n}`);
  }
  group.outputs.forEach((v, j) => accumulated.has(v) || body.push(`o${j}[i] = ${local.get(v)!};`));
  const kernel = loopKernel(accesses, group.outputs.length, body, k, head, tail);
  const kv = Float64Array.from(constants);
  const maps = accesses.map((a) => (a.kind === 'map' ? a.map : null));
  const n = sizeOf(group.shape);
  const { ins, outs } = slots;
  if (ins.length === 1 && outs.length === 1) return (env) => kernel(n, kv, env[ins[0]!], maps[0], env[outs[0]!]);
  if (ins.length === 2 && outs.length === 1) return (env) => kernel(n, kv, env[ins[0]!], env[ins[1]!], maps[0], maps[1], env[outs[0]!]);
  return (env) => kernel(n, kv, ...ins.map((s) => env[s]), ...maps, ...outs.map((s) => env[s]));
}

// ------------------------------------------------------------------ structural kernels

/** `out[i] = x[map[i]]`. */
function copyThrough(map: Int32Array, slots: Slots): Step {
  const [a] = slots.ins;
  const [o] = slots.outs;
  return (env) => {
    const x = env[a!]!;
    const out = env[o!]!;
    for (let i = 0; i < map.length; i++) out[i] = x[map[i]!]!;
  };
}

function lowerBroadcast(eq: Equation, slots: Slots): Step {
  const inShape = eq.inputs[0]!.aval.shape;
  const outShape = eq.outputs[0]!.aval.shape;
  const access = broadcastAccess(inShape, outShape);
  const [a] = slots.ins;
  const [o] = slots.outs;
  if (access.kind === 'scalar') return (env) => env[o!]!.fill(env[a!]![0]!);
  if (access.kind === 'same') return (env) => env[o!]!.set(env[a!]!);
  return copyThrough(broadcastMap(inShape, outShape), slots);
}

function lowerTranspose(eq: Equation, slots: Slots): Step {
  const perm = eq.params['perm'] as readonly number[];
  const inStrides = stridesOf(eq.inputs[0]!.aval.shape);
  return copyThrough(gatherMap(eq.outputs[0]!.aval.shape, perm.map((p) => inStrides[p]!)), slots);
}

function lowerSlice(eq: Equation, slots: Slots): Step {
  const begin = eq.params['begin'] as readonly number[];
  const inStrides = stridesOf(eq.inputs[0]!.aval.shape);
  const base = begin.reduce((s, b, a) => s + b * inStrides[a]!, 0);
  const outShape = eq.outputs[0]!.aval.shape;
  // A slice along the leading axes only is one contiguous range.
  const contiguous = outShape.every((d, a) => a === 0 || d === eq.inputs[0]!.aval.shape[a]) && begin.every((b, a) => a === 0 || b === 0);
  if (contiguous) {
    const n = sizeOf(outShape);
    const [x] = slots.ins;
    const [o] = slots.outs;
    return (env) => env[o!]!.set(env[x!]!.subarray(base, base + n));
  }
  return copyThrough(gatherMap(outShape, inStrides, base), slots);
}

/** Writes `x` into `out` at `map` positions (pad, concat). */
function scatterMap(inShape: readonly number[], outShape: readonly number[], offsets: readonly number[]): Int32Array {
  const outStrides = stridesOf(outShape);
  return gatherMap(inShape, outStrides, offsets.reduce((s, b, a) => s + b * outStrides[a]!, 0));
}

function lowerPad(eq: Equation, slots: Slots): Step | undefined {
  const paddings = eq.params['paddings'] as readonly (readonly [number, number])[];
  const value = eq.params['value'] as number;
  if (typeof value !== 'number') return undefined;
  const map = scatterMap(eq.inputs[0]!.aval.shape, eq.outputs[0]!.aval.shape, paddings.map((p) => p[0]));
  const [a] = slots.ins;
  const [o] = slots.outs;
  return (env) => {
    const x = env[a!]!;
    const out = env[o!]!;
    out.fill(value);
    for (let i = 0; i < map.length; i++) out[map[i]!] = x[i]!;
  };
}

function lowerConcat(eq: Equation, slots: Slots): Step {
  const axis = eq.params['axis'] as number;
  const outShape = eq.outputs[0]!.aval.shape;
  let at = 0;
  const maps = eq.inputs.map((v) => {
    const offsets = outShape.map((_, a) => (a === axis ? at : 0));
    at += v.aval.shape[axis]!;
    return scatterMap(v.aval.shape, outShape, offsets);
  });
  const [o] = slots.outs;
  return (env) => {
    const out = env[o!]!;
    maps.forEach((map, j) => {
      const x = env[slots.ins[j]!]!;
      for (let i = 0; i < map.length; i++) out[map[i]!] = x[i]!;
    });
  };
}

/** Outer, indexed and inner extents of `x` around `axis`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

/** Gather along one axis; an out-of-range index is the same `ShapeError` as on tfjs kernels. */
function lowerGather(eq: Equation, slots: Slots): Step {
  const axis = eq.params['axis'] as number;
  const xShape = eq.inputs[0]!.aval.shape;
  const [outer, dim, inner] = around(xShape, axis);
  const count = sizeOf(eq.inputs[1]!.aval.shape);
  const where = `axis ${axis} of x ${showShape(xShape)}`;
  const [a, b] = slots.ins;
  const [o] = slots.outs;
  return (env) => {
    const x = env[a!]!;
    const idx = env[b!]!;
    const out = env[o!]!;
    checkIndexValues('take', idx, eq.inputs[1]!.aval.shape, dim, where);
    let p = 0;
    for (let u = 0; u < outer; u++) {
      for (let j = 0; j < count; j++) {
        const from = (u * dim + idx[j]!) * inner;
        for (let w = 0; w < inner; w++) out[p++] = x[from + w]!;
      }
    }
  };
}

/** Scatter-add along one axis into zeros (repeated indices accumulate; out-of-range ones are a `ShapeError`). */
function lowerScatter(eq: Equation, slots: Slots): Step {
  const axis = eq.params['axis'] as number;
  const shape = eq.params['shape'] as readonly number[];
  const [outer, dim, inner] = around(shape, axis);
  const count = sizeOf(eq.inputs[0]!.aval.shape);
  const where = `axis ${axis} of shape ${showShape(shape)}`;
  const [b, a] = slots.ins;
  const [o] = slots.outs;
  return (env) => {
    const idx = env[b!]!;
    const upd = env[a!]!;
    const out = env[o!]!;
    checkIndexValues('scatterAdd', idx, eq.inputs[0]!.aval.shape, dim, where);
    out.fill(0);
    let p = 0;
    for (let u = 0; u < outer; u++) {
      for (let j = 0; j < count; j++) {
        const to = (u * dim + idx[j]!) * inner;
        for (let w = 0; w < inner; w++) out[to + w] = out[to + w]! + upd[p++]!;
      }
    }
  };
}

/** For every input position, the output position it reduces into. */
function reduceMap(inShape: readonly number[], axes: readonly number[]): Int32Array {
  const kept = inShape.map((d, a) => (axes.includes(a) ? 1 : d));
  const keptStrides = stridesOf(kept);
  return gatherMap(inShape, inShape.map((_, a) => (axes.includes(a) ? 0 : keptStrides[a]!)));
}

/** A reduction as a function, compiled from its loop formula (one description per reduction). */
const reducers = new Map<string, { readonly init: number; readonly step: (acc: number, v: number) => number }>();
function reducer(name: string): { readonly init: number; readonly step: (acc: number, v: number) => number } | undefined {
  const formula = REDUCE_FORMULAS[name];
  if (!formula) return undefined;
  let r = reducers.get(name);
  if (!r) reducers.set(name, (r = { init: formula.init, step: new Function('acc', 'v', `return ${formula.step('acc', 'v')};`) as (acc: number, v: number) => number }));
  return r;
}

function lowerReduce(eq: Equation, slots: Slots): Step | undefined {
  const r = reducer(eq.prim.name);
  const dtype = eq.inputs[0]!.aval.dtype;
  if (!r || dtype === 'bool') return undefined;
  const { init, step } = r;
  const inShape = eq.inputs[0]!.aval.shape;
  const axes = eq.params['axes'] as readonly number[];
  const [a] = slots.ins;
  const [o] = slots.outs;
  const outSize = sizeOf(eq.outputs[0]!.aval.shape);
  if (outSize === 1) {
    return (env) => {
      const x = env[a!]!;
      let acc = init;
      for (let i = 0; i < x.length; i++) acc = step(acc, x[i]!);
      env[o!]![0] = acc;
    };
  }
  const map = reduceMap(inShape, axes);
  // Accumulate in float64 and round once.
  const acc = new Float64Array(outSize);
  return (env) => {
    const x = env[a!]!;
    acc.fill(init);
    for (let i = 0; i < map.length; i++) acc[map[i]!] = step(acc[map[i]!]!, x[i]!);
    env[o!]!.set(acc);
  };
}

/** Largest product (multiply-adds) run as a JS loop; larger ones use the backend's matmul. */
export const HOST_MATMUL_LIMIT = 1 << 21;

function lowerMatmul(eq: Equation, slots: Slots, heap?: WebAssembly.Memory): Step | undefined {
  const aShape = eq.inputs[0]!.aval.shape;
  const bShape = eq.inputs[1]!.aval.shape;
  const outShape = eq.outputs[0]!.aval.shape;
  const [m, kk] = aShape.slice(-2) as [number, number];
  const n = bShape[bShape.length - 1]!;
  const batchShape = outShape.slice(0, -2);
  const batches = sizeOf(batchShape);
  if (batches * m * n * kk > HOST_MATMUL_LIMIT) return undefined;
  // Per batch, where each operand's matrix starts (batch axes broadcast).
  const offsets = (shape: readonly number[], matrix: number) => {
    const b = shape.slice(0, -2);
    const s = stridesOf(b);
    const pad = batchShape.length - b.length;
    return gatherMap(batchShape, batchShape.map((_, ax) => (ax < pad || b[ax - pad] === 1 ? 0 : s[ax - pad]! * matrix)));
  };
  // One product: wasm SIMD where the engine has it (bench W4: the 64-dim Hessian's 64×64×64 product).
  const simd = batches === 1 && eq.inputs.every((v) => v.aval.dtype === 'float32') ? simdMatmul(m, kk, n, slots, heap) : undefined;
  if (simd) return simd;
  const aOff = offsets(aShape, m * kk);
  const bOff = offsets(bShape, kk * n);
  // B's matrix is copied transposed into a float64 scratch so that every dot product reads two contiguous rows.
  const bt = new Float64Array(kk * n);
  const k4 = kk & ~3;
  const [ia, ib] = slots.ins;
  const [o] = slots.outs;
  return (env) => {
    const A = env[ia!] as Float32Array;
    const B = env[ib!] as Float32Array;
    const out = env[o!] as Float32Array;
    for (let t = 0; t < batches; t++) {
      const ao = aOff[t]!;
      const bo = bOff[t]!;
      for (let p = 0; p < kk; p++) for (let j = 0; j < n; j++) bt[j * kk + p] = B[bo + p * n + j]!;
      let w = t * m * n;
      for (let i = 0; i < m; i++) {
        const ar = ao + i * kk;
        for (let j = 0; j < n; j++) {
          const br = j * kk;
          // Four partial sums break the add-latency chain (measured 1.6× on a 64×64 matvec).
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let p = 0;
          for (; p < k4; p += 4) {
            s0 += A[ar + p]! * bt[br + p]!;
            s1 += A[ar + p + 1]! * bt[br + p + 1]!;
            s2 += A[ar + p + 2]! * bt[br + p + 2]!;
            s3 += A[ar + p + 3]! * bt[br + p + 3]!;
          }
          for (; p < kk; p++) s0 += A[ar + p]! * bt[br + p]!;
          out[w++] = s0 + s1 + (s2 + s3);
        }
      }
    }
  };
}

/** Primitives whose result is the operand's buffer under another shape. */
export const ALIASES: ReadonlySet<string> = new Set(['reshape', 'stopGradient']);

const STRUCTURAL: Readonly<Record<string, (eq: Equation, slots: Slots, heap?: WebAssembly.Memory) => Step | undefined>> = {
  broadcastTo: lowerBroadcast,
  transpose: lowerTranspose,
  slice: lowerSlice,
  pad: lowerPad,
  concat: lowerConcat,
  gather: lowerGather,
  scatter: lowerScatter,
  sum: lowerReduce,
  prod: lowerReduce,
  max: lowerReduce,
  min: lowerReduce,
  matmul: lowerMatmul,
};

/** The host step for `eq`, or `undefined` when it has no host kernel. */
export function lowerEquation(eq: Equation, slots: Slots, heap?: WebAssembly.Memory): Step | undefined {
  if (eq.outputs.length !== 1) return undefined;
  const structural = STRUCTURAL[eq.prim.name];
  if (structural) return structural(eq, slots, heap);
  return undefined;
}
