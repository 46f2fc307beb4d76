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
 * Elementwise equations (and `fused` chains) become generated loops: each
 * member's scalar expression (its primitive's `lowering`) is inlined into one
 * scalar program (`scalarLoop`) and translated by the JS emitter (emitJs.ts).
 * The generated source holds only the emitter's fixed translations, internal
 * local names and the operand access modes; numbers from params (bounds,
 * pad values) are passed in a `Float64Array`, never written into the
 * source. Structural primitives (transpose, slice, gather, matmul…) declare
 * their own host kernels in their files, built with the index-map helpers
 * exported here.
 */
import type { Equation, Var } from '../core/ir.js';
import type { LoopGroup, ScalarLoop } from './group.js';
import type { Dtype } from '../../typelevel/index.js';
import type { Buf, Slots, Step } from '../core/lowering.js';
import { argsOf, isExactChoice, sc, showScalar, substitute, type Scalar } from '../core/scalar.js';
import { emitJs, MATH } from './emitJs.js';

export type { Buf, Slots, Step } from '../core/lowering.js';

export function allocate(dtype: Dtype, size: number): Buf {
  return dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
}

// ------------------------------------------------------------------ index maps

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
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
export function gatherMap(outShape: readonly number[], strides: readonly number[], base = 0): Int32Array {
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

export function broadcastMap(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const offset = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  return gatherMap(outShape, outShape.map((_, a) => (a < offset || inShape[a - offset] === 1 ? 0 : inStrides[a - offset]!)));
}

export function broadcastAccess(inShape: readonly number[], outShape: readonly number[]): Access {
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

// ------------------------------------------------------------------ elementwise groups as scalar programs

/** A primitive's scalar expression for these operand dtypes, or `undefined` when it has none. */
export function elementwiseExpr(eq: Equation): Scalar | undefined {
  const low = eq.prim.lowering;
  if (low.kind !== 'elementwise' || eq.outputs.length !== 1) return undefined;
  return low.expr(argsOf(eq.inputs.map((v) => v.aval.dtype)), eq.params);
}

/** Whether `eq` is one the generated loops can compute (used by grouping and fusion). */
export function isElementwise(eq: Equation): boolean {
  return elementwiseExpr(eq) !== undefined;
}

/** A reduction's lowering, when `eq` is one. */
function reduction(eq: Equation): { readonly init: number; readonly combine: Scalar } | undefined {
  const low = eq.prim.lowering;
  if (low.kind !== 'reduce' || eq.inputs.length !== 1 || eq.outputs.length !== 1) return undefined;
  const d = eq.inputs[0]!.aval.dtype;
  return { init: low.init, combine: low.combine(sc.arg(0, d), sc.arg(1, d)) };
}

/** Whether `eq` is a float32 reduction whose combining step is a plain sum (a SIMD column sum, a fused WGSL sum). */
export function isFloatSum(eq: Equation): boolean {
  const r = reduction(eq);
  return r !== undefined && eq.inputs[0]!.aval.dtype === 'float32' && r.combine.op === 'add' && r.combine.args.every((a) => a.op === 'arg');
}

/** Whether a loop can accumulate `eq`: a float32/int32 reduction over trailing axes (or all of them). */
export function hostReduces(eq: Equation): boolean {
  if (!reduction(eq)) return false;
  const x = eq.inputs[0]!.aval;
  if (x.dtype === 'bool') return false;
  const axes = [...(eq.params['axes'] as readonly number[])].sort((a, b) => a - b);
  return axes.every((a, i) => a === x.shape.length - axes.length + i);
}

/**
 * A group as one scalar program: each member's expression with its operands
 * substituted, `round32` after a float32 result another member reads (as a
 * float32 kernel stores it; a value only stored is rounded by its store).
 * Members after the first reduction are not allowed (a reduction ends a group).
 */
export function scalarLoop(group: LoopGroup): (ScalarLoop & { readonly reductions: readonly ({ readonly init: number; readonly combine: Scalar } | null)[] }) | undefined {
  const value = new Map<Var, Scalar>();
  group.inputs.forEach((v, j) => value.set(v, sc.arg(j, v.aval.dtype)));
  const reduced = new Map<Var, { readonly init: number; readonly combine: Scalar }>();
  const readInside = new Set<Var>(group.members.flatMap((eq) => eq.inputs));
  for (const eq of group.members) {
    const out = eq.outputs[0]!;
    const r = reduction(eq);
    if (r) {
      if (!hostReduces(eq)) return undefined;
      value.set(out, value.get(eq.inputs[0]!)!);
      reduced.set(out, r);
      continue;
    }
    const expr = elementwiseExpr(eq);
    if (!expr) return undefined;
    const e = substitute(expr, eq.inputs.map((v) => value.get(v)!));
    value.set(out, e.dtype === 'float32' && readInside.has(out) && !isExactChoice(e) ? sc.round32(e) : e);
  }
  return {
    shape: group.shape,
    inputs: group.inputs.map((v) => v.aval),
    results: group.outputs.map((v) => value.get(v)!),
    reductions: group.outputs.map((v) => reduced.get(v) ?? null),
  };
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

/** A group's loop; `uniform` operands hold one value repeated (a broadcast constant) and are read once. */
export function lowerLoop(group: LoopGroup, slots: Slots, uniform: ReadonlySet<Var>): Step | undefined {
  const program = scalarLoop(group);
  if (!program) return undefined;
  const accesses = group.inputs.map((v) => (uniform.has(v) ? ({ kind: 'scalar' } as const) : broadcastAccess(v.aval.shape, group.shape)));
  const constants: number[] = [];
  const k = (value: number) => `k[${constants.push(value) - 1}]`;
  const body: string[] = [];
  // Each operand is loaded once per position (a store in between would otherwise force V8 to reload it).
  const operands = group.inputs.map((_, j) => {
    const a = accesses[j]!;
    if (a.kind === 'scalar') return `s${j}`;
    body.push(`const a${j} = ${operand(a, j)};`);
    return `a${j}`;
  });
  const { lines, values } = emitJs(program.results, (i) => operands[i]!, k, 'v');
  body.push(...lines);
  const head: string[] = [];
  const tail: string[] = [];
  program.results.forEach((_, j) => {
    const out = group.outputs[j]!;
    const r = program.reductions[j];
    if (!r) {
      body.push(`o${j}[i] = ${values[j]};`);
      return;
    }
    // A reduction over trailing axes: one accumulator, written out every `inner` positions.
    const inner = sizeOf(group.shape) / sizeOf(out.aval.shape);
    if (!(inner >= 1)) return; // an empty reduction: the plain kernel fills its identity
    const step = emitJs([r.combine], (i) => (i === 0 ? `acc${j}` : values[j]!), k, `u${j}_`);
    head.push(`const q${j}p = ${k(inner)};`, `let q${j} = 0;`, `let w${j} = 0;`, `let acc${j} = ${k(r.init)};`);
    body.push('{', ...step.lines.map((l) => `  ${l}`), `  acc${j} = ${step.values[0]};`, '}');
    tail.push(`if (++q${j} === q${j}p) {`, `  o${j}[w${j}++] = acc${j};`, `  acc${j} = ${k(r.init)};`, `  q${j} = 0;`, '}');
  });
  if (program.reductions.some((r, j) => r && !(sizeOf(group.shape) / sizeOf(group.outputs[j]!.aval.shape) >= 1))) return undefined;
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
export function copyThrough(map: Int32Array, slots: Slots): Step {
  const [a] = slots.ins;
  const [o] = slots.outs;
  return (env) => {
    const x = env[a!]!;
    const out = env[o!]!;
    for (let i = 0; i < map.length; i++) out[i] = x[map[i]!]!;
  };
}

/** Writes `x` into `out` at `map` positions (pad, concat). */
export function scatterMap(inShape: readonly number[], outShape: readonly number[], offsets: readonly number[]): Int32Array {
  const outStrides = stridesOf(outShape);
  return gatherMap(inShape, outStrides, offsets.reduce((s, b, a) => s + b * outStrides[a]!, 0));
}

/** Outer, indexed and inner extents of `x` around `axis`. */
export function around(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

/** For every input position, the output position it reduces into. */
function reduceMap(inShape: readonly number[], axes: readonly number[]): Int32Array {
  const kept = inShape.map((d, a) => (axes.includes(a) ? 1 : d));
  const keptStrides = stridesOf(kept);
  return gatherMap(inShape, inShape.map((_, a) => (axes.includes(a) ? 0 : keptStrides[a]!)));
}

/** A reduction's combining step as a function, compiled from its lowering (one description per reduction). */
const combiners = new Map<string, (acc: number, v: number) => number>();
function combiner(combine: Scalar): (acc: number, v: number) => number {
  const key = showScalar(combine);
  let f = combiners.get(key);
  if (!f) {
    const constants: number[] = [];
    const { lines, values } = emitJs([combine], (i) => (i === 0 ? 'acc' : 'v'), (value) => `k[${constants.push(value) - 1}]`, 't');
    const names = Object.keys(MATH);
    const make = new Function(...names, 'k', `return function combine(acc, v) {\n${lines.join('\n')}\nreturn ${values[0]};\n};`) as (...a: unknown[]) => (acc: number, v: number) => number;
    combiners.set(key, (f = make(...names.map((n) => MATH[n as keyof typeof MATH]), Float64Array.from(constants))));
  }
  return f;
}

/** A reduction over any axes as a host step (accumulated in float64, rounded once), or `undefined`. */
export function lowerReduce(eq: Equation, slots: Slots): Step | undefined {
  const r = reduction(eq);
  const dtype = eq.inputs[0]!.aval.dtype;
  if (!r || dtype === 'bool') return undefined;
  const { init } = r;
  const step = combiner(r.combine);
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

/** Whether `eq`'s result is its operand's buffer under another shape (an alias, or an elementwise identity). */
export function isAlias(eq: Equation): boolean {
  const low = eq.prim.lowering;
  if (low.kind === 'alias') return true;
  const e = elementwiseExpr(eq);
  return e !== undefined && e.op === 'arg' && e.index === 0 && eq.inputs.length === 1;
}

/** The host step for a non-elementwise `eq`, from its primitive's lowering, or `undefined` when it has none. */
export function lowerEquation(eq: Equation, slots: Slots, heap?: WebAssembly.Memory): Step | undefined {
  if (eq.outputs.length !== 1) return undefined;
  const low = eq.prim.lowering;
  if (low.kind === 'host') return low.lower(eq, slots, heap);
  if (low.kind === 'reduce') return lowerReduce(eq, slots);
  return undefined;
}
