/**
 * WebAssembly SIMD kernels: generated elementwise loops (two float64 lanes
 * at a time), a blocked float32 transpose, leading-axis sums and matrix
 * products. They run in place on the memory their operands live in:
 * tfjs-wasm's heap, for the wasm backend's mixed plan (lib/compile/execute.ts),
 * or a host program's own arena (lib/compile/host.ts, cpu and wasm, wherever
 * the engine has wasm SIMD). An operand outside that memory (a program
 * input) makes a step run its JS kernel instead; a matmul copies its
 * operands into a heap of this module's own.
 *
 * Why: a V8 loop over `Float32Array`s costs about 5 ns per element before any
 * math (bounds checks, conversions), and tfjs-wasm's tanh and transpose are
 * scalar loops; the W1 MLP step spent 2.3 ms in its two bias + tanh loops and
 * 1.4 ms in five transposes. In SIMD the same loops take a fraction of that
 * (bench/RESULTS.md, W1).
 *
 * Values: an elementwise loop computes in float64 exactly as the generated JS
 * loop does (the same operations in the same order, each result rounded to
 * float32 as a float32 kernel rounds it), so both give identical bits;
 * `simd.test.ts` checks this.
 *
 * Safety: a module's bytes hold only fixed opcodes, internal local indices,
 * the fixed tanh coefficients and integers taken from shapes (periods, row
 * strides); it imports nothing but the memory, and wasm bounds-checks every
 * access.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Equation } from '../core/ir.js';
import type { ScalarLoop } from './group.js';
import type { Buf, Slots, Step } from './hostKernels.js';
import { sizeOf } from './hostKernels.js';
import { topoOrder, type Scalar } from '../core/scalar.js';
import { TANH } from './fastmath.js';
import { fastKernels } from '../core/kernels.js';

// ------------------------------------------------------------------ binary encoding

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};

const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};

const f64Bytes = (x: number): number[] => [...new Uint8Array(Float64Array.of(x).buffer)];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

const I32 = 0x7f;
const V128 = 0x7b;

/** SIMD opcodes (after the 0xfd prefix). */
const S = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  const: 0x0c,
  shuffle: 0x0d,
  store64Lane: 0x5b,
  load64Zero: 0x5d,
  demote: 0x5e,
  promoteLow: 0x5f,
  abs: 0xec,
  neg: 0xed,
  sqrt: 0xef,
  add: 0xf0,
  sub: 0xf1,
  mul: 0xf2,
  div: 0xf3,
  min: 0xf4,
  max: 0xf5,
  pmin: 0xf6,
  pmax: 0xf7,
  add32: 0xe4,
  mul32: 0xe6,
  eq: 0x47,
  ne: 0x48,
  lt: 0x49,
  gt: 0x4a,
  le: 0x4b,
  ge: 0x4c,
  and: 0x4e,
  or: 0x50,
  bitselect: 0x52,
} as const;

/**
 * A function body being written. Locals after the `params` are `i32s` i32
 * locals, then v128 locals handed out one by one.
 */
class Code {
  readonly bytes: number[] = [];
  private v128s = 0;
  constructor(
    private readonly params: number,
    private readonly i32s: number,
  ) {}
  /** The index of the `j`-th i32 local. */
  int32(j: number): number {
    return this.params + j;
  }
  /** A new v128 local. */
  v128(): number {
    return this.params + this.i32s + this.v128s++;
  }
  get(l: number): this {
    return this.op(0x20, ...uleb(l));
  }
  set(l: number): this {
    return this.op(0x21, ...uleb(l));
  }
  tee(l: number): this {
    return this.op(0x22, ...uleb(l));
  }
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  int(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  simd(op: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(op), ...imm);
  }
  /** `f64x2` with `x` in both lanes. */
  splat(x: number): this {
    const b = f64Bytes(x);
    return this.simd(S.const, ...b, ...b);
  }
  /** The finished body: local declarations, the code, `end`. */
  finish(): number[] {
    return [...vector([[...uleb(this.i32s), I32], [...uleb(this.v128s), V128]]), ...this.bytes, 0x0b];
  }
}

// ------------------------------------------------------------------ module assembly

/** Test hooks: the bytes of every module compiled so far (for the code-generation safety test), and how many SIMD steps ran in place. */
export const simdTesting = { modules: (): Uint8Array[] => [...compiledBytes], ran: 0 };
const compiledBytes: Uint8Array[] = [];

/** Browsers compile a module synchronously on the main thread only up to 4 KB. */
const SYNC_COMPILE_LIMIT = 4096;
const compiled = new WeakMap<WebAssembly.Memory, Map<string, (...args: number[]) => void>>();

/**
 * Compiles (once per distinct module and heap) a module exporting
 * `k(params: i32…)` over the imported heap `e.m`; throws when it would be
 * larger than a browser compiles synchronously.
 */
function instantiate(memory: WebAssembly.Memory, params: number, body: number[]): (...args: number[]) => void {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([[0x60, ...vector(Array.from({ length: params }, () => [I32])), 0x00]])),
    ...section(2, vector([[...vector([[0x65]]), ...vector([[0x6d]]), 0x02, 0x00, 0x00]])),
    ...section(3, vector([[0x00]])),
    ...section(7, vector([[...vector([[0x6b]]), 0x00, 0x00]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ];
  if (bytes.length > SYNC_COMPILE_LIMIT) throw new RangeError(`a SIMD module of ${bytes.length} bytes`);
  const cache = compiled.get(memory) ?? compiled.set(memory, new Map()).get(memory)!;
  const key = String.fromCharCode(...bytes);
  let k = cache.get(key);
  if (!k) {
    const binary = Uint8Array.from(bytes);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(binary), { e: { m: memory } });
    compiledBytes.push(binary);
    k = instance.exports['k'] as (...args: number[]) => void;
    cache.set(key, k);
  }
  return k;
}

// ------------------------------------------------------------------ the heap

let probed: boolean | undefined;
/** Whether this engine runs wasm SIMD (checked once, with a module using its opcodes). */
function simdSupported(): boolean {
  if (probed === undefined) {
    try {
      const memory = new WebAssembly.Memory({ initial: 1 });
      const body = new Code(1, 0).get(0).simd(S.load64Zero, 2, 0).simd(S.promoteLow).simd(S.demote).op(0x1a).finish();
      probed = typeof instantiate(memory, 1, body) === 'function';
    } catch {
      probed = false;
    }
  }
  return probed;
}

/** tfjs-wasm's heap, when the wasm backend is active and this engine has SIMD. */
export function wasmHeap(): WebAssembly.Memory | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const memory = (tf.backend() as unknown as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory && simdSupported() ? memory : undefined;
}

/** A step that runs `kernel` on the byte offsets of its buffers when all are views of `memory`, else `fallback`. */
function onHeap(memory: WebAssembly.Memory, slots: Slots, fallback: Step, kernel: (offsets: number[]) => void): Step {
  const all = [...slots.ins, ...slots.outs];
  return (env) => {
    const heap = memory.buffer;
    const offsets: number[] = [];
    for (const s of all) {
      const b = env[s] as Buf;
      if (b.buffer !== heap) return fallback(env);
      offsets.push(b.byteOffset);
    }
    simdTesting.ran++;
    kernel(offsets);
  };
}

// ------------------------------------------------------------------ elementwise loops

type Emit = (c: Code, a: readonly number[], e: Scalar) => void;
const binary = (op: number): Emit => (c, a) => void c.get(a[0]!).get(a[1]!).simd(op);
const unary = (op: number): Emit => (c, a) => void c.get(a[0]!).simd(op);

/** Horner's rule as fastmath writes it: c0 + z·(c1 + z·(… + z·cn)). */
function horner(c: Code, z: number, coefficients: readonly number[]): void {
  const n = coefficients.length - 1;
  c.get(z).splat(coefficients[n]!).simd(S.mul);
  for (let i = n - 1; i >= 1; i--) c.splat(coefficients[i]!).simd(S.add).get(z).simd(S.mul);
  c.splat(coefficients[0]!).simd(S.add);
}

/** The scalar ops a SIMD loop computes on float32 data, each the same float64 operations as the JS emitter's. */
const EMIT: Readonly<Partial<Record<Scalar['op'], Emit>>> = {
  add: binary(S.add),
  sub: binary(S.sub),
  mul: binary(S.mul),
  div: binary(S.div),
  // Math.max/Math.min: NaN wins and −0 < +0, as f64x2.max/min.
  max: binary(S.max),
  min: binary(S.min),
  neg: unary(S.neg),
  abs: unary(S.abs),
  sqrt: unary(S.sqrt),
  round32: (c, a) => void c.get(a[0]!).simd(S.demote).simd(S.promoteLow),
  lit: (c, _a, e) => void c.splat(e.value!),
  lt: binary(S.lt),
  le: binary(S.le),
  gt: binary(S.gt),
  ge: binary(S.ge),
  eq: binary(S.eq),
  ne: binary(S.ne),
  and: binary(S.and),
  or: binary(S.or),
  // select(c, a, b) = bitselect(a, b, c): c's lanes are all-ones or all-zeros masks.
  select: (c, a) => void c.get(a[1]!).get(a[2]!).get(a[0]!).simd(S.bitselect),
  tanh: (c, a) => {
    // x > C ? C : x is pmin(x, C); x < −C ? −C : x is pmax(x, −C).
    const x = c.v128();
    const z = c.v128();
    c.get(a[0]!).splat(TANH.clamp).simd(S.pmin).splat(-TANH.clamp).simd(S.pmax).tee(x);
    c.get(x).simd(S.mul).set(z);
    c.get(x);
    horner(c, z, TANH.p);
    c.simd(S.mul);
    horner(c, z, [1, ...TANH.q]);
    c.simd(S.div);
  },
};

const MEM = [2, 0] as const; // memarg: 4-byte alignment, no offset
/** i8x16.shuffle's 16 byte indices selecting these float32 lanes (4–7: the second operand's). */
const lanes = (l: readonly number[]) => l.flatMap((f) => [4 * f, 4 * f + 1, 4 * f + 2, 4 * f + 3]);

/**
 * A SIMD step for an elementwise group on the wasm heap, or `undefined` when
 * the group is not one it handles: float32 throughout, members in `EMIT`, no
 * reductions, an even size, operands read in place, as one value or cycling
 * through an even period (a bias). Falls back to `fallback` (the JS loop) on
 * buffers outside the heap.
 */
export function simdLoop(memory: WebAssembly.Memory, group: ScalarLoop, slots: Slots, fallback: Step): Step | undefined {
  const n = sizeOf(group.shape);
  if (n % 2 !== 0 || n === 0 || n * 4 >= 2 ** 31) return undefined;
  const nodes = topoOrder(group.results);
  if (![...group.inputs, ...group.results].every((v) => v.dtype === 'float32')) return undefined;
  if (!nodes.every((e) => e.op === 'arg' || (EMIT[e.op] && (e.dtype === 'float32' || e.args.every((x) => x.dtype === 'float32' || x.dtype === 'bool'))))) return undefined;
  const modes = group.inputs.map((v) => {
    const size = sizeOf(v.shape);
    if (size === 1) return 'scalar';
    if (size === n && v.shape.length === group.shape.length) return 'same';
    // A trailing-suffix operand (a bias): its shape is the group shape's last axes, leading 1s aside.
    const core = v.shape.slice(v.shape.findIndex((d) => d !== 1));
    return size % 2 === 0 && core.every((d, i) => d === group.shape[group.shape.length - core.length + i]) ? size : undefined;
  });
  if (modes.some((m) => m === undefined)) return undefined;
  // Four floats per iteration (two independent float64 pairs) where every length allows it, else two.
  const width = n % 4 === 0 && modes.every((m) => typeof m !== 'number' || m % 4 === 0) ? 4 : 2;
  let kernel: (...args: number[]) => void;
  try {
    kernel = instantiate(memory, 1 + group.inputs.length + group.results.length, loopBody(group, modes as (number | 'same' | 'scalar')[], width));
  } catch {
    return undefined; // too large a module for a synchronous compile: the JS loop runs it
  }
  const bytes = n * 4;
  return onHeap(memory, slots, fallback, (offsets) => kernel(bytes, ...offsets));
}

/**
 * The loop: params (end byte, input pointers…, output pointers…); `width`
 * floats per iteration as `width / 2` float64 pairs, each computed by the
 * members' operations on its own locals.
 */
function loopBody(group: ScalarLoop, modes: readonly (number | 'same' | 'scalar')[], width: 2 | 4): number[] {
  const ins = group.inputs.length;
  const ptr = (j: number) => 1 + j;
  const counted = modes.flatMap((m, j) => (typeof m === 'number' ? [j] : []));
  const c = new Code(1 + ins + group.results.length, 1 + counted.length);
  const offset = c.int32(0);
  const counter = new Map(counted.map((j, i) => [j, c.int32(1 + i)] as const));
  const halves = width / 2;
  const locals = Array.from({ length: halves }, () => new Map<number, number>(group.inputs.map((_, j) => [j, c.v128()] as const)));
  const wide = c.v128();
  // Hoisted: one value, read once and promoted.
  modes.forEach((m, j) => {
    if (m !== 'scalar') return;
    c.get(ptr(j)).simd(S.load32Splat, ...MEM).simd(S.promoteLow).set(locals[0]!.get(j)!);
    if (halves === 2) c.get(locals[0]!.get(j)!).set(locals[1]!.get(j)!);
  });
  c.op(0x02, 0x40, 0x03, 0x40); // block, loop
  modes.forEach((m, j) => {
    if (m === 'scalar') return;
    const v = j;
    c.get(ptr(j)).get(m === 'same' ? offset : counter.get(j)!).op(0x6a);
    if (halves === 1) {
      c.simd(S.load64Zero, ...MEM).simd(S.promoteLow).set(locals[0]!.get(v)!);
      return;
    }
    c.simd(S.load, ...MEM).tee(wide).simd(S.promoteLow).set(locals[0]!.get(v)!);
    c.get(wide).get(wide).simd(S.shuffle, ...lanes([2, 3, 0, 1])).simd(S.promoteLow).set(locals[1]!.get(v)!);
  });
  const nodes = topoOrder(group.results);
  const results: Map<Scalar, number>[] = [];
  for (const local of locals) {
    const value = new Map<Scalar, number>();
    for (const e of nodes) {
      if (e.op === 'arg') {
        value.set(e, local.get(e.index!)!);
        continue;
      }
      EMIT[e.op]!(c, e.args.map((x) => value.get(x)!), e);
      const out = c.v128();
      c.set(out);
      value.set(e, out);
    }
    results.push(value);
  }
  group.results.forEach((r, j) => {
    c.get(ptr(ins + j)).get(offset).op(0x6a);
    if (halves === 1) c.get(results[0]!.get(r)!).simd(S.demote).simd(S.store64Lane, ...MEM, 0);
    else c.get(results[0]!.get(r)!).simd(S.demote).get(results[1]!.get(r)!).simd(S.demote).simd(S.shuffle, ...lanes([0, 1, 4, 5])).simd(S.store, ...MEM);
  });
  // Counters step by `width` floats and wrap at their period: c = c + step; c = c === end ? 0 : c.
  const step = width * 4;
  for (const [j, l] of counter) c.get(l).int(step).op(0x6a).set(l).int(0).get(l).get(l).int((modes[j] as number) * 4).op(0x46, 0x1b).set(l);
  c.get(offset).int(step).op(0x6a).tee(offset).get(0).op(0x49, 0x0d, 0x00, 0x0b, 0x0b); // offset < end: loop; end loop; end block
  return c.finish();
}

// ------------------------------------------------------------------ transpose


/**
 * `o = xᵀ` for a float32 `rows × cols` matrix with both dimensions multiples
 * of 4: 4×4 blocks loaded as four rows and written as four columns.
 */
function transposeKernel(memory: WebAssembly.Memory): (x: number, o: number, rows: number, cols: number) => void {
  // params: x, o, rows, cols; i32 locals: r, col, rowBytes (cols·4), src, dst
  const c = new Code(4, 5);
  const [r, col, rowBytes, src, dst] = [0, 1, 2, 3, 4].map((j) => c.int32(j)) as [number, number, number, number, number];
  const v = [c.v128(), c.v128(), c.v128(), c.v128()];
  const t = [c.v128(), c.v128(), c.v128(), c.v128()];
  c.get(3).int(2).op(0x74).set(rowBytes); // cols << 2
  c.int(0).set(r);
  c.op(0x03, 0x40); // loop over row blocks
  c.int(0).set(col);
  c.op(0x03, 0x40); // loop over column blocks
  // src = x + (r·cols + col)·4; dst = o + (col·rows + r)·4
  c.get(0).get(r).get(3).op(0x6c).get(col).op(0x6a).int(2).op(0x74).op(0x6a).set(src);
  c.get(1).get(col).get(2).op(0x6c).get(r).op(0x6a).int(2).op(0x74).op(0x6a).set(dst);
  for (let i = 0; i < 4; i++) {
    c.get(src);
    if (i > 0) c.get(rowBytes).int(i).op(0x6c).op(0x6a);
    c.simd(S.load, ...MEM).set(v[i]!);
  }
  c.get(v[0]!).get(v[1]!).simd(S.shuffle, ...lanes([0, 4, 1, 5])).set(t[0]!);
  c.get(v[0]!).get(v[1]!).simd(S.shuffle, ...lanes([2, 6, 3, 7])).set(t[1]!);
  c.get(v[2]!).get(v[3]!).simd(S.shuffle, ...lanes([0, 4, 1, 5])).set(t[2]!);
  c.get(v[2]!).get(v[3]!).simd(S.shuffle, ...lanes([2, 6, 3, 7])).set(t[3]!);
  const rowsOut: [number, number, number[]][] = [
    [0, 2, [0, 1, 4, 5]],
    [0, 2, [2, 3, 6, 7]],
    [1, 3, [0, 1, 4, 5]],
    [1, 3, [2, 3, 6, 7]],
  ];
  rowsOut.forEach(([a, b, sel], i) => {
    c.get(dst);
    if (i > 0) c.get(2).int(4 * i).op(0x6c).op(0x6a);
    c.get(t[a]!).get(t[b]!).simd(S.shuffle, ...lanes(sel)).simd(S.store, ...MEM);
  });
  c.get(col).int(4).op(0x6a).tee(col).get(3).op(0x49, 0x0d, 0x00, 0x0b); // col < cols: next block
  c.get(r).int(4).op(0x6a).tee(r).get(2).op(0x49, 0x0d, 0x00, 0x0b); // r < rows: next row block
  return instantiate(memory, 4, c.finish());
}

/** A SIMD step for a 2-D float32 transpose whose dimensions are multiples of 4, or `undefined`. */
export function simdTranspose(memory: WebAssembly.Memory, shape: readonly number[], slots: Slots, fallback: Step): Step | undefined {
  if (shape.length !== 2) return undefined;
  const [rows, cols] = shape as [number, number];
  if (rows % 4 !== 0 || cols % 4 !== 0 || rows === 0 || cols === 0 || rows * cols * 4 >= 2 ** 31) return undefined;
  const kernel = transposeKernel(memory);
  return onHeap(memory, slots, fallback, ([x, o]) => kernel(x!, o!, rows, cols));
}

// ------------------------------------------------------------------ column sums

/**
 * `o[j] = Σ_r x[r, j]` for a float32 `rows × cols` matrix with an even
 * number of columns, two columns at a time, accumulated in float64 down each
 * column pair (what the host's JS reduction does; tfjs transposes first).
 */
function columnSumKernel(memory: WebAssembly.Memory): (x: number, o: number, rows: number, rowBytes: number) => void {
  // params: x, o, rows, rowBytes; i32 locals: col (bytes), p (read position), end (x + rows·rowBytes + col)
  const c = new Code(4, 3);
  const [col, p, end] = [0, 1, 2].map((j) => c.int32(j)) as [number, number, number];
  const acc = c.v128();
  c.int(0).set(col);
  c.op(0x03, 0x40); // loop over column pairs
  c.get(0).get(col).op(0x6a).tee(p).get(2).get(3).op(0x6c).op(0x6a).set(end);
  c.splat(0).set(acc);
  c.op(0x03, 0x40); // loop down the rows
  c.get(acc).get(p).simd(S.load64Zero, ...MEM).simd(S.promoteLow).simd(S.add).set(acc);
  c.get(p).get(3).op(0x6a).tee(p).get(end).op(0x49, 0x0d, 0x00, 0x0b);
  c.get(1).get(col).op(0x6a).get(acc).simd(S.demote).simd(S.store64Lane, ...MEM, 0);
  c.get(col).int(8).op(0x6a).tee(col).get(3).op(0x49, 0x0d, 0x00, 0x0b);
  return instantiate(memory, 4, c.finish());
}

/**
 * A SIMD step for a float32 `sum` over the leading axes of `shape` (`axes`
 * = 0…k−1, at least one row, an even number of remaining elements), or `undefined`.
 */
export function simdColumnSum(memory: WebAssembly.Memory, shape: readonly number[], axes: readonly number[], slots: Slots, fallback: Step): Step | undefined {
  const sorted = [...axes].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.length === shape.length || !sorted.every((a, i) => a === i)) return undefined;
  const rows = sizeOf(shape.slice(0, sorted.length));
  const cols = sizeOf(shape.slice(sorted.length));
  if (rows === 0 || cols === 0 || cols % 2 !== 0 || rows * cols * 4 >= 2 ** 31) return undefined;
  const kernel = columnSumKernel(memory);
  return onHeap(memory, slots, fallback, ([x, o]) => kernel(x!, o!, rows, cols * 4));
}

// ------------------------------------------------------------------ small matrix products on the host

/** A heap of this module's own for host-plan kernels (their buffers are JS arrays): operands are copied in. */
let scratch: WebAssembly.Memory | undefined;
function scratchHeap(bytes: number): WebAssembly.Memory {
  scratch ??= new WebAssembly.Memory({ initial: 1 });
  const missing = bytes - scratch.buffer.byteLength;
  if (missing > 0) scratch.grow(Math.ceil(missing / 65536));
  return scratch;
}

/**
 * `o = a·b` for float32 `m × k` and `k × n` matrices, `n` a multiple of 8 and
 * `m` of `rows` (1 or 4): blocks of `rows` rows × 8 columns, each two float32
 * quads accumulated down `k` (as tfjs's kernels accumulate: in float32). One
 * load of a row of `b` serves every row of the block, one load of `a[i, p]`
 * eight columns; at most 11 vectors live, so none spills from x86's 16
 * registers. `k` and `n` are compiled in (as load offsets); the kernel takes
 * `(a, b, o, m)`.
 */
function matmulKernel(memory: WebAssembly.Memory, k: number, n: number, rows: 1 | 4): (a: number, b: number, o: number, m: number) => void {
  // params: a, b, o, m; i32 locals: i (row), j (column bytes), pa, pb, end
  const c = new Code(4, 5);
  const [i, j, pa, pb, end] = [0, 1, 2, 3, 4].map((q) => c.int32(q)) as [number, number, number, number, number];
  const acc = Array.from({ length: rows }, () => [c.v128(), c.v128()]);
  const [lo, hi, x] = [c.v128(), c.v128(), c.v128()];
  const offset = (bytes: number) => [2, ...uleb(bytes)]; // memarg: 4-byte alignment, constant offset
  c.int(0).set(i);
  c.op(0x03, 0x40); // row blocks
  c.int(0).set(j);
  c.op(0x03, 0x40); // blocks of eight columns
  for (const r of acc.flat()) c.splat(0).set(r);
  // pa = a + i·k·4; end = pa + k·4; pb = b + j
  c.get(0).get(i).int(k * 4).op(0x6c).op(0x6a).tee(pa).int(k * 4).op(0x6a).set(end);
  c.get(1).get(j).op(0x6a).set(pb);
  c.op(0x03, 0x40); // down k
  c.get(pb).simd(S.load, ...offset(0)).set(lo);
  c.get(pb).simd(S.load, ...offset(16)).set(hi);
  acc.forEach((row, r) => {
    c.get(pa).simd(S.load32Splat, ...offset(r * k * 4)).set(x);
    row.forEach((sum, h) => c.get(sum).get(x).get(h ? hi : lo).simd(S.mul32).simd(S.add32).set(sum));
  });
  c.get(pb).int(n * 4).op(0x6a).set(pb);
  c.get(pa).int(4).op(0x6a).tee(pa).get(end).op(0x49, 0x0d, 0x00, 0x0b); // pa < end: next p
  // o[i + r, j…j+7]
  acc.forEach((row, r) =>
    row.forEach((sum, h) => c.get(2).get(i).int(n * 4).op(0x6c).op(0x6a).get(j).op(0x6a).get(sum).simd(S.store, ...offset(r * n * 4 + 16 * h))),
  );
  c.get(j).int(32).op(0x6a).tee(j).int(n * 4).op(0x49, 0x0d, 0x00, 0x0b); // j < n·4: next block
  c.get(i).int(rows).op(0x6a).tee(i).get(3).op(0x49, 0x0d, 0x00, 0x0b); // i < m: next row block
  return instantiate(memory, 4, c.finish());
}

/** Products below this many multiply-adds stay in JS: copying operands in costs more than SIMD saves. */
const SIMD_MATMUL_MIN = 4096;

/**
 * A SIMD step for a 2-D float32 host matmul (`m × k` by `k × n`, `n` a
 * multiple of 8, at least `SIMD_MATMUL_MIN` multiply-adds), or `undefined`.
 * Sums accumulate in float32, as tfjs's kernels do (the JS kernel, used
 * without SIMD, accumulates in float64). Operands in `heap` (a host
 * program's arena) are read and written in place; otherwise they are copied
 * into a heap of this module's own and the product back out.
 */
export function simdMatmul(m: number, k: number, n: number, slots: Slots, heap?: WebAssembly.Memory): Step | undefined {
  if (!simdSupported() || n % 8 !== 0 || m < 1 || k < 1 || m * k * n < SIMD_MATMUL_MIN) return undefined;
  const bytes = (m * k + k * n + m * n) * 4;
  if (bytes >= 2 ** 30) return undefined;
  const memory = scratchHeap(bytes);
  let kernel: (a: number, b: number, o: number, m: number) => void;
  try {
    kernel = matmulKernel(memory, k, n, m % 4 === 0 ? 4 : 1);
  } catch {
    return undefined; // a module too large for a synchronous compile (huge k or n offsets do not grow it much)
  }
  const [ia, ib] = slots.ins;
  const [o] = slots.outs;
  const [aAt, bAt, oAt] = [0, m * k * 4, (m * k + k * n) * 4];
  const copying: Step = (env) => {
    const heap = scratchHeap(bytes).buffer;
    new Float32Array(heap, aAt, m * k).set(env[ia!] as Float32Array);
    new Float32Array(heap, bAt, k * n).set(env[ib!] as Float32Array);
    kernel(aAt, bAt, oAt, m);
    (env[o!] as Float32Array).set(new Float32Array(heap, oAt, m * n));
  };
  if (!heap) return copying;
  // Operands already in `heap` (a host program's arena) are read and written in place.
  const inPlace = matmulKernel(heap, k, n, m % 4 === 0 ? 4 : 1);
  return onHeap(heap, slots, copying, ([a, b, out]) => inPlace(a!, b!, out!, m));
}

// ------------------------------------------------------------------ batched products on tfjs-wasm's heap

/** Heap offset and size of a tfjs-wasm tensor's data (`typedArrayFromHeap` is tfjs-wasm's view of it). */
interface WasmHeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
}

/** Compiled kernels per heap (a new backend instance has a new heap) and (k, n, rows). */
const batchedKernels = new WeakMap<WebAssembly.Memory, Map<string, (a: number, b: number, o: number, m: number) => void>>();

/** Products per batch entry below this many multiply-adds are left to tfjs (a call per entry costs ~1 µs). */
const BATCHED_MIN = 2048;

/**
 * `a @ b` for float32 `[...B, M, K] @ [...B, K, N]` (equal batch shapes, `N` a
 * multiple of 8) on the wasm backend: the SIMD product kernel once per batch
 * entry, in place on tfjs-wasm's heap. tfjs-wasm's batched matmul ran
 * [64, 64, 32] @ [64, 32, 64] (attention's scores) in 36 ms, about 0.5 GFLOP/s.
 */
export function simdBatchedMatmul(a: tf.Tensor, b: tf.Tensor): tf.Tensor | undefined {
  const heap = wasmHeap();
  if (!heap || a.dtype !== 'float32' || b.dtype !== 'float32' || a.rank < 3 || a.rank !== b.rank) return undefined;
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.rank - 1]!;
  const batch = a.shape.slice(0, -2);
  if (b.shape[b.rank - 2] !== k || b.shape.slice(0, -2).some((d, i) => d !== batch[i]) || n % 8 !== 0 || m * k * n < BATCHED_MIN || m < 1 || k < 1) return undefined;
  const backend = tf.backend() as unknown as WasmHeapBackend;
  const rows = m % 4 === 0 ? 4 : 1;
  const id = `${k},${n},${rows}`;
  const kernels = batchedKernels.get(heap) ?? new Map<string, (a: number, b: number, o: number, m: number) => void>();
  batchedKernels.set(heap, kernels);
  let kernel = kernels.get(id);
  if (!kernel) {
    try {
      kernel = matmulKernel(heap, k, n, rows);
    } catch {
      return undefined;
    }
    kernels.set(id, kernel);
  }
  const out = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([...batch, m, n], 'float32'));
  // Offsets are read after the output is allocated (allocation may grow the heap and move nothing, but views detach).
  const aAt = backend.typedArrayFromHeap(a).byteOffset;
  const bAt = backend.typedArrayFromHeap(b).byteOffset;
  const oAt = backend.typedArrayFromHeap(out).byteOffset;
  const count = sizeOf(batch);
  for (let i = 0; i < count; i++) kernel(aAt + i * m * k * 4, bAt + i * k * n * 4, oAt + i * m * n * 4, m);
  simdTesting.ran++;
  return out;
}
fastKernels.batchedMatmul = simdBatchedMatmul;

// ------------------------------------------------------------------ host program arenas

/** A memory for a host program's float32 buffers, so that its SIMD kernels run in place (`undefined` without SIMD). */
export function newArena(): WebAssembly.Memory | undefined {
  return simdSupported() ? new WebAssembly.Memory({ initial: 1 }) : undefined;
}

/** Largest arena: beyond it a program keeps JS arrays (and its kernels fall back to JS). */
const ARENA_LIMIT = 1 << 30;

/**
 * Moves the float32 buffers of `env` into `arena` (16-byte aligned, values
 * copied), grown once to fit; views stay valid since it never grows again.
 * Input slots hold no buffer while a program is not running, so they stay out.
 */
export function placeInArena(arena: WebAssembly.Memory, env: Buf[]): void {
  const floats = env.flatMap((b, s) => (b instanceof Float32Array ? [s] : []));
  const starts: number[] = [];
  let bytes = 0;
  for (const s of floats) {
    starts.push(bytes);
    bytes += Math.ceil(env[s]!.byteLength / 16) * 16;
  }
  if (bytes > ARENA_LIMIT) return;
  const missing = bytes - arena.buffer.byteLength;
  if (missing > 0) arena.grow(Math.ceil(missing / 65536));
  floats.forEach((s, i) => {
    const view = new Float32Array(arena.buffer, starts[i], env[s]!.length);
    view.set(env[s] as Float32Array);
    env[s] = view;
  });
}

/**
 * A SIMD step for a float32 2-D transpose or a sum over leading axes whose
 * buffers are in `heap`, running `js` (the host kernel) otherwise; `undefined`
 * for other equations.
 */
export function simdStructural(heap: WebAssembly.Memory, eq: Equation, slots: Slots, js: Step): Step | undefined {
  if (eq.outputs[0]!.aval.dtype !== 'float32' || eq.inputs[0]!.aval.dtype !== 'float32') return undefined;
  const shape = eq.inputs[0]!.aval.shape;
  if (eq.prim.name === 'transpose' && (eq.params['perm'] as readonly number[]).join() === '1,0') return simdTranspose(heap, shape, slots, js);
  if (eq.prim.name === 'sum') return simdColumnSum(heap, shape, eq.params['axes'] as readonly number[], slots, js);
  return undefined;
}
