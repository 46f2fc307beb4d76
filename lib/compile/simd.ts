/**
 * WebAssembly SIMD kernels: generated elementwise loops over the scalar-op
 * algebra (lib/core/scalar.ts; two float64 lanes at a time), a blocked
 * float32 transpose, leading-axis sums and matrix products, written with
 * lib/compile/wasm.ts's assembler. They run in place on the memory their
 * operands live in: tfjs-wasm's heap, for the wasm backend's mixed plan
 * (lib/compile/execute.ts), or a host program's own arena
 * (lib/compile/host.ts, cpu and wasm, wherever the engine has wasm SIMD). An
 * operand outside that memory (a program input) makes a step run its JS
 * kernel instead; a matmul copies its operands into a heap of this module's own.
 *
 * Why: a V8 loop over `Float32Array`s costs about 5 ns per element before any
 * math (bounds checks, conversions), and tfjs-wasm's tanh and transpose are
 * scalar loops; the W1 MLP step spent 2.3 ms in its two bias + tanh loops and
 * 1.4 ms in five transposes. In SIMD the same loops take a fraction of that
 * (bench/RESULTS.md, W1).
 *
 * Loops: float32, int32 and bool operands, results and nodes (float32 as
 * float64 lanes; int32 sign-extended in 64-bit lanes, wrapped after each op;
 * bools one byte each in memory and 64-bit lane masks in registers);
 * float32 reductions over trailing axes accumulate in a float64 local lane
 * by lane in position order (as the JS loop); other accumulating loops are
 * left to the JS loop (`simdLoop` returns `undefined`). Eight floats per
 * iteration (four independent float64 pairs, interleaved node by node) when
 * the module stays under 4 KB, else four, else two.
 *
 * Values: an elementwise loop computes in float64 exactly as the generated JS
 * loop does — the same operations in the same order, `round32` as
 * `Math.fround`, each result rounded to float32 as a float32 kernel stores it
 * — so both give identical bits, special values included. The transcendental
 * functions are lib/compile/fastmath.ts's algorithms transcribed op for op
 * (fexp, fexpm1, ftanh, ferf, and fsin/fcos/ftan for 0 < |x| ≤ 1e6, the
 * log1p kernel on its range); what fastmath leaves to the JS library
 * (`Math.log`, `Math.atan`, `Math.pow`, `Math.sin`/`cos`/`tan` beyond 1e6,
 * flog1p's table log outside the kernel's range) is called per lane through
 * imports of those very functions: `log`, `atan` and `pow` on every lane,
 * the others only in pairs where a lane is outside the fast range.
 * `simd.test.ts` checks every op bit for bit against fastmath.
 *
 * Safety: a module's bytes hold only fixed opcodes, internal local indices,
 * fixed constants (fastmath's coefficients), float32 literals of the
 * expression and integers taken from shapes (periods, row strides). It
 * imports the memory and, by fixed names, only the functions of `IMPORTS`
 * below (`Math.sin`, `Math.cos`, `Math.tan`, `Math.atan`, `Math.pow`,
 * fastmath's `flog` = `Math.log` and `flog1p`); wasm bounds-checks every access.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Equation } from '../core/ir.js';
import type { Buf, Slots, Step } from '../core/lowering.js';
import { topoOrder, type Scalar, type ScalarOp } from '../core/scalar.js';
import type { ScalarLoop } from './group.js';
import { flog, flog1p, TANH } from './fastmath.js';
import { fastKernels } from '../core/kernels.js';
import { assemble, FunctionBuilder, type FunctionImport, type ValType } from './wasm.js';

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

type Tuple<N extends number, R extends number[] = []> = R['length'] extends N ? R : Tuple<N, [number, ...R]>;
/** `count` new locals from `make`, as a tuple. */
const repeat = <N extends number>(count: N, make: () => number): Tuple<N> => Array.from({ length: count }, make) as Tuple<N>;

// ------------------------------------------------------------------ module assembly

/** Test hooks: the bytes of every module compiled so far (for the code-generation safety test), and how many SIMD steps ran in place. */
export const simdTesting = { modules: (): Uint8Array<ArrayBuffer>[] => [...compiledBytes], ran: 0 };
const compiledBytes: Uint8Array<ArrayBuffer>[] = [];

/** The only functions a module may import (module `m`), by name. */
const IMPORTS = { sin: Math.sin, cos: Math.cos, tan: Math.tan, atan: Math.atan, pow: Math.pow, log: flog, log1p: flog1p } as const;
type ImportName = keyof typeof IMPORTS;
const IMPORT_TYPES: Readonly<Record<ImportName, 1 | 2>> = { sin: 1, cos: 1, tan: 1, atan: 1, pow: 2, log: 1, log1p: 1 };

/**
 * Browsers compile a module synchronously on the main thread only up to 4 KB.
 * The limit also picks the loop width: eight floats per iteration fit for
 * small expressions, where four independent pairs hide the latency of their
 * polynomial chains (erf: 5.8 against 10.7 ns/element at four floats); a
 * large expression (the W2 loss and gradient, 5.3 KB at eight floats) is not
 * latency-bound and runs as fast at four.
 */
const SYNC_COMPILE_LIMIT = 4096;
type Kernel = (...args: number[]) => void;
const compiled = new WeakMap<WebAssembly.Memory, Map<string, Kernel>>();

/**
 * Compiles (once per distinct module and heap) a module exporting `k` (the
 * body `f`) over the imported heap `e.m`, importing `imports` from `IMPORTS`;
 * throws when it would be larger than a browser compiles synchronously.
 */
function instantiate(memory: WebAssembly.Memory, f: FunctionBuilder, imports: readonly ImportName[] = []): Kernel {
  const binary = assemble({
    memory: { module: 'e', name: 'm' },
    imports: imports.map((name): FunctionImport => ({ module: 'm', name, params: Array<ValType>(IMPORT_TYPES[name]).fill('f64'), results: ['f64'] })),
    functions: [{ body: f, export: 'k' }],
  });
  if (binary.length > SYNC_COMPILE_LIMIT) throw new RangeError(`a SIMD module of ${binary.length} bytes`);
  const cache = compiled.get(memory) ?? compiled.set(memory, new Map()).get(memory)!;
  const key = String.fromCharCode(...binary);
  let k = cache.get(key);
  if (!k) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(binary), { e: { m: memory }, m: IMPORTS });
    compiledBytes.push(binary);
    k = instance.exports['k'] as Kernel;
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
      const f = new FunctionBuilder(['i32']);
      f.get(0).mem('v128.load64_zero', { align: 2 }).op('f64x2.promote_low_f32x4', 'i32x4.trunc_sat_f64x2_s_zero', 'i64x2.extend_low_i32x4_s', 'f32x4.demote_f64x2_zero', 'drop');
      probed = typeof instantiate(memory, f) === 'function';
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

/**
 * A view placed in a host program's arena carries its memory and byte offset
 * (`placeInArena`): reading a view's `buffer` and `byteOffset` costs ~20–50 ns
 * each for views of a wasm memory, more than a small kernel's arithmetic, and
 * a loop body runs its steps once per iteration.
 */
const ARENA = Symbol('arena');
const OFFSET = Symbol('arena offset');
type ArenaView = Buf & { [ARENA]?: WebAssembly.Memory; [OFFSET]?: number };

/**
 * A step that calls `kernel(...lead, offsets…, ...trail)` with the byte
 * offsets of its buffers when all are views of `memory`, else runs
 * `fallback`. The argument list is allocated once: a loop body runs this step
 * once per iteration, so it allocates nothing.
 */
function onHeap(memory: WebAssembly.Memory, slots: Slots, fallback: Step, kernel: (...args: number[]) => void, lead: readonly number[], trail: readonly number[] = []): Step {
  const all = [...slots.ins, ...slots.outs];
  const args = [...lead, ...all.map(() => 0), ...trail];
  const at = lead.length;
  const count = all.length;
  const call = directCall(kernel, args);
  // The memory's buffer, read again only once detached (after the memory grew): its getter costs more than the check.
  let heap = memory.buffer;
  return (env) => {
    for (let j = 0; j < count; j++) {
      const b = env[all[j]!] as ArenaView;
      if (b[ARENA] === memory) {
        args[at + j] = b[OFFSET]!;
        continue;
      }
      if (heap.byteLength === 0) heap = memory.buffer;
      if (b.buffer !== heap) return fallback(env);
      args[at + j] = b.byteOffset;
    }
    simdTesting.ran++;
    call();
  };
}

/** {@link onHeap} for a step that is more than one kernel call: `run` gets the slots' heap offsets (ins, then outs). */
function onHeapRun(memory: WebAssembly.Memory, slots: Slots, fallback: Step, run: (offsets: readonly number[]) => void): Step {
  return onHeap(memory, slots, fallback, (...offsets: number[]) => run(offsets), []);
}

/** `kernel(...args)` as a call with a fixed number of arguments (V8 calls into wasm directly then, not through `apply`). */
function directCall(kernel: (...args: number[]) => void, a: number[]): () => void {
  switch (a.length) {
    case 2:
      return () => kernel(a[0]!, a[1]!);
    case 3:
      return () => kernel(a[0]!, a[1]!, a[2]!);
    case 4:
      return () => kernel(a[0]!, a[1]!, a[2]!, a[3]!);
    case 5:
      return () => kernel(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!);
    case 6:
      return () => kernel(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!);
    case 7:
      return () => kernel(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!);
    case 8:
      return () => kernel(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!);
    case 9:
      return () => kernel(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!);
    case 10:
      return () => kernel(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!);
    default:
      return () => Reflect.apply(kernel, undefined, a);
  }
}

// ------------------------------------------------------------------ fastmath's constants

// These are lib/compile/fastmath.ts's (which exports only TANH's); simd.test.ts compares every
// function with fastmath's bit for bit, so a drift in either copy fails it.
const ROUND_MAGIC = 6755399441055744;
const LOG2E = 1.4426950408889634;
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const EXP_POLY = { e2: 0.49999998151116903, e3: 0.16666543490823985, e4: 0.04166720042368499, e5: 0.00836653815083267, e6: 0.001388251813987669 };
const EXP_LOW = -746;
const N_HIGH = 1023;
const LOG1P = { l1: 0.6666677611319651, l2: 0.39977570208650803, l3: 0.29871048784668797, low: -0.2928932188134524, high: 0.41421356237309515 };
const TWO_OVER_PI = 0.6366197723675814;
const PIO2 = [1.57079632673412561417e0, 6.07710050630396597660e-11, 2.02226624871116645580e-21] as const;
const TRIG_LIMIT = 1e6;
const SIN_POLY = [1, -0.16666654609381065, 0.008332160750994962, -0.00019515281684452657];
const COS_POLY = [1, -0.49999999694470165, 0.04166662035647217, -0.0013886681627093694, 2.438356534168601e-5];
const ERF_SPLIT = 0.9;
const ERF_SATURATION = 4;
const ERF_P = [1.128379153804758, -0.3761252329427288, 0.1128214093499387, -0.026778912353221454, 0.005011967029559139, -0.0006090378764036022];
const ERF_T = [-0.00017749611787682584, -1.1277495561104227, -0.6370597643782729, -0.10403734927257452, 0.02227708184867927, -0.0030556061791257028, 0.00019718157691073213];

// ------------------------------------------------------------------ elementwise loops

/**
 * What an op's emitter writes with: the function, hoisted constants (a
 * `v128` local each, set once before the loop), scratch locals and imports.
 * An emitter leaves its result on the stack: float32 values as two float64
 * lanes, int32 values as two sign-extended 64-bit lanes, bool values as two
 * 64-bit lane masks (all ones for true).
 */
class Emitter {
  readonly imports: ImportName[] = [];
  /** Trigonometric reductions by operand local (they are computed outside any branch, so later nodes may reuse them). */
  readonly trig = new Map<number, { k: number; s: number; c: number; far: number }>();
  /** Constants by key, in first-use order, with how each is written. */
  readonly seen: [string, (f: FunctionBuilder) => void][] = [];
  private readonly constants = new Map<string, number>();
  /** Sets a local for each of `hoisted` (the constants an earlier pass saw) where the function now stands. */
  constructor(
    readonly f: FunctionBuilder,
    hoisted: readonly [string, (f: FunctionBuilder) => void][] = [],
  ) {
    for (const [key, write] of hoisted) {
      const local = f.local('v128');
      write(f);
      f.set(local);
      this.constants.set(key, local);
    }
  }
  /** Pushes `x` in both lanes. */
  splat(x: number): this {
    return this.constant(`f${Float64Array.of(x).join()}:${Object.is(x, -0)}`, (f) => f.f64x2(x));
  }
  /** Pushes a lane mask, all ones for `true`. */
  mask(value: boolean): this {
    return this.constant(`m${value}`, (f) => f.i64x2(value ? -1n : 0n));
  }
  /** Pushes the integer `x` in both 64-bit lanes (an int32 value, sign-extended). */
  int(x: number): this {
    return this.constant(`l${x}`, (f) => f.i64x2(BigInt(x)));
  }
  /** Pushes the 32-bit integer `x` in every lane. */
  ints(x: number): this {
    return this.constant(`i${x}`, (f) => f.i32(x).op('i32x4.splat'));
  }
  tmp(): number {
    return this.f.local('v128');
  }
  /** The function index of import `name`. */
  fn(name: ImportName): number {
    const at = this.imports.indexOf(name);
    return at >= 0 ? at : this.imports.push(name) - 1;
  }
  /** Horner's rule as fastmath writes it, on local `z`: c0 + z·(c1 + z·(… + z·cn)). */
  horner(z: number, c: readonly number[]): this {
    const n = c.length - 1;
    this.f.get(z);
    this.splat(c[n]!).f.op('f64x2.mul');
    for (let i = n - 1; i >= 1; i--) this.splat(c[i]!).f.op('f64x2.add').get(z).op('f64x2.mul');
    this.splat(c[0]!).f.op('f64x2.add');
    return this;
  }
  /**
   * Replaces the lanes of local `out` where local `mask` is set by
   * `name(args…)` per lane, skipped unless some lane needs it.
   */
  callWhere(name: ImportName, args: readonly number[], mask: number | undefined, out: number): void {
    const f = this.f;
    const index = this.fn(name);
    if (mask !== undefined) f.get(mask).op('v128.any_true').if();
    f.get(args[0]!);
    for (const lane of [0, 1]) {
      for (const a of args) f.get(a).lane('f64x2.extract_lane', lane);
      f.call(index).lane('f64x2.replace_lane', lane);
    }
    if (mask !== undefined) f.get(out).get(mask).op('v128.bitselect').set(out).end();
    else f.set(out);
  }
  /** A hoisted constant's local, or the constant itself when not hoisted (a first pass). */
  private constant(key: string, write: (f: FunctionBuilder) => void): this {
    const local = this.constants.get(key);
    if (local !== undefined) {
      this.f.get(local);
      return this;
    }
    if (!this.seen.some(([k]) => k === key)) this.seen.push([key, write]);
    write(this.f);
    return this;
  }
}

type Emit = (e: Emitter, a: readonly number[]) => void;

const binary =
  (...ops: Parameters<FunctionBuilder['op']>): Emit =>
  (e, a) =>
    void e.f.get(a[0]!).get(a[1]!).op(...ops);
const unary =
  (...ops: Parameters<FunctionBuilder['op']>): Emit =>
  (e, a) =>
    void e.f.get(a[0]!).op(...ops);

/**
 * fexp's and fexpm1's shared reduction of local `x`: n = round(x·log2 e)
 * (clamped as fexp clamps), r = x − n·ln 2, r², and 2^n built from its
 * exponent bits as 2^⌊n/2⌋·2^(n−⌊n/2⌋) — exactly the table's 2^n, a
 * denormal down to 2^−1074 and 0 for n = −1075, −1076. NaN gives n = 0.
 */
function expReduce(e: Emitter, x: number): { r: number; r2: number; scale: number } {
  const f = e.f;
  const [xc, n, r, r2, half, scale] = repeat(6, () => e.tmp());
  // x < EXP_LOW ? EXP_LOW : x is pmax(x, EXP_LOW); n > N_HIGH ? N_HIGH : n is pmin(n, N_HIGH).
  f.get(x);
  e.splat(EXP_LOW).f.op('f64x2.pmax').tee(xc);
  e.splat(LOG2E).f.op('f64x2.mul');
  e.splat(ROUND_MAGIC).f.op('f64x2.add');
  e.splat(ROUND_MAGIC).f.op('f64x2.sub');
  e.splat(N_HIGH).f.op('f64x2.pmin').set(n);
  f.get(xc).get(n);
  e.splat(LN2_HI).f.op('f64x2.mul', 'f64x2.sub').get(n);
  e.splat(LN2_LO).f.op('f64x2.mul', 'f64x2.sub').tee(r).get(r).op('f64x2.mul').set(r2);
  // 2^n: integer n in 64-bit lanes, halves a = n >> 1 and n − a, exponent fields (a + 1023) << 52.
  f.get(n).op('i32x4.trunc_sat_f64x2_s_zero', 'i64x2.extend_low_i32x4_s').tee(scale).i32(1).op('i64x2.shr_s').tee(half);
  f.i64x2(1023n).op('i64x2.add').i32(52).op('i64x2.shl');
  f.get(scale).get(half).op('i64x2.sub').i64x2(1023n).op('i64x2.add').i32(52).op('i64x2.shl');
  f.op('f64x2.mul').set(scale);
  return { r, r2, scale };
}

/** (E2 + r·E3) + r²·((E4 + r·E5) + r²·E6): fexp's polynomial after its first terms. */
function expTail(e: Emitter, r: number, r2: number): void {
  const { e2, e3, e4, e5, e6 } = EXP_POLY;
  e.splat(e2).f.get(r);
  e.splat(e3).f.op('f64x2.mul', 'f64x2.add').get(r2);
  e.splat(e4).f.get(r);
  e.splat(e5).f.op('f64x2.mul', 'f64x2.add').get(r2);
  e.splat(e6).f.op('f64x2.mul', 'f64x2.add', 'f64x2.mul', 'f64x2.add');
}

/** fexp of local `x`: 2^n·(1 + q), q = r + r²·(…). */
function emitExp(e: Emitter, x: number): void {
  const { r, r2, scale } = expReduce(e, x);
  e.f.get(scale);
  e.splat(1).f.get(r).get(r2);
  expTail(e, r, r2);
  e.f.op('f64x2.mul', 'f64x2.add', 'f64x2.add', 'f64x2.mul');
}

/** fexpm1 of local `x`: 2^n·q − (1 − 2^n), q = r·(1 + r·(…)). */
function emitExpm1(e: Emitter, x: number): void {
  const { r, r2, scale } = expReduce(e, x);
  e.f.get(scale).get(r);
  e.splat(1).f.get(r);
  expTail(e, r, r2);
  e.f.op('f64x2.mul', 'f64x2.add', 'f64x2.mul', 'f64x2.mul');
  e.splat(1).f.get(scale).op('f64x2.sub', 'f64x2.sub');
}

/**
 * The reduction fsin, fcos and ftan share, computed once per operand (as
 * fsincos shares it): k, sin r, cos r, and the mask of lanes beyond 1e6.
 */
function trigReduce(e: Emitter, x: number): { k: number; s: number; c: number; far: number } {
  const hit = e.trig.get(x);
  if (hit) return hit;
  const f = e.f;
  const [k, r, z, s, c, far] = repeat(6, () => e.tmp());
  f.get(x);
  e.splat(TWO_OVER_PI).f.op('f64x2.mul');
  e.splat(ROUND_MAGIC).f.op('f64x2.add');
  e.splat(ROUND_MAGIC).f.op('f64x2.sub').set(k);
  f.get(x);
  for (const p of PIO2) {
    f.get(k);
    e.splat(p).f.op('f64x2.mul', 'f64x2.sub');
  }
  f.tee(r).get(r).op('f64x2.mul').set(z);
  f.get(r);
  e.horner(z, SIN_POLY).f.op('f64x2.mul').set(s);
  e.horner(z, COS_POLY).f.set(c);
  f.get(x).op('f64x2.abs');
  e.splat(TRIG_LIMIT).f.op('f64x2.gt').set(far);
  const reduced = { k, s, c, far };
  e.trig.set(x, reduced);
  return reduced;
}

/**
 * fsin, fcos or ftan of local `x`: k = round(x·2/π), r = x − k·π/2 (three
 * constants), both polynomials, the quadrant's choice as fastmath computes it
 * (arithmetically); ±0 passes through (sin, tan), and lanes beyond 1e6 call
 * `Math.sin`/`cos`/`tan`.
 */
function emitTrig(e: Emitter, x: number, which: 'sin' | 'cos' | 'tan'): void {
  const f = e.f;
  const { k, s, c, far } = trigReduce(e, x);
  const [q, odd, out] = repeat(3, () => e.tmp());
  // k & 3 (cos: (k + 1) & 3) in 32-bit lanes 0 and 1; odd = q & 1 as a double.
  f.get(k).op('i32x4.trunc_sat_f64x2_s_zero');
  if (which === 'cos') e.ints(1).f.op('i32x4.add');
  f.tee(q);
  e.ints(1).f.op('v128.and', 'f64x2.convert_low_i32x4_s').set(odd);
  if (which === 'tan') {
    // (k & 1) === 0 ? sin / cos : −cos / sin
    f.get(s).get(c).op('f64x2.div').get(c).op('f64x2.neg').get(s).op('f64x2.div').get(odd);
    e.splat(0).f.op('f64x2.eq', 'v128.bitselect').set(out);
  } else {
    // (sin + odd·(cos − sin))·(1 − (q & 2))
    f.get(s).get(odd).get(c).get(s).op('f64x2.sub', 'f64x2.mul', 'f64x2.add');
    e.splat(1).f.get(q);
    e.ints(2).f.op('v128.and', 'f64x2.convert_low_i32x4_s', 'f64x2.sub', 'f64x2.mul').set(out);
  }
  if (which !== 'cos') {
    // ±0 is returned as is (fastmath hands it to Math.sin/Math.tan, which do).
    f.get(x).get(out).get(x);
    e.splat(0).f.op('f64x2.eq', 'v128.bitselect').set(out);
  }
  e.callWhere(which, [x], far, out);
  f.get(out);
}

/** ftanh of local `x`: x clamped to ±10, x·P(x²)/Q(x²). */
function emitTanh(e: Emitter, x: number): void {
  const [xc, z] = [e.tmp(), e.tmp()];
  // x > C ? C : x is pmin(x, C); x < −C ? −C : x is pmax(x, −C).
  e.f.get(x);
  e.splat(TANH.clamp).f.op('f64x2.pmin');
  e.splat(-TANH.clamp).f.op('f64x2.pmax').tee(xc).get(xc).op('f64x2.mul').set(z);
  e.f.get(xc);
  e.horner(z, TANH.p).f.op('f64x2.mul');
  e.horner(z, [1, ...TANH.q]).f.op('f64x2.div');
}

/** ferf of local `x`: the odd polynomial below 0.9, ±(1 − fexp(T(|x|))) below 4, ±1 beyond (NaN stays). */
function emitErf(e: Emitter, x: number): void {
  const f = e.f;
  const [ax, z, tail, pos, far, mid] = repeat(6, () => e.tmp());
  f.get(x).op('f64x2.abs').set(ax);
  f.get(x);
  e.splat(0).f.op('f64x2.gt').set(pos);
  // Beyond 4: x > 0 ? 1 : x < 0 ? −1 : x.
  e.splat(1);
  e.splat(-1).f.get(x).get(x);
  e.splat(0).f.op('f64x2.lt', 'v128.bitselect').get(pos).op('v128.bitselect').set(far);
  // Below 4: x > 0 ? 1 − tail : tail − 1, tail = fexp(T(|x|)).
  e.horner(ax, ERF_T).f.set(tail);
  emitExp(e, tail);
  f.set(tail);
  e.splat(1).f.get(tail).op('f64x2.sub').get(tail);
  e.splat(1).f.op('f64x2.sub').get(pos).op('v128.bitselect').get(far).get(ax);
  e.splat(ERF_SATURATION).f.op('f64x2.lt', 'v128.bitselect').set(mid);
  // Below 0.9: x·P(x²).
  f.get(x).get(x).get(x).op('f64x2.mul').set(z);
  e.horner(z, ERF_P).f.op('f64x2.mul').get(mid).get(ax);
  e.splat(ERF_SPLIT).f.op('f64x2.lt', 'v128.bitselect');
}

/** flog1p of local `x`: the kernel s·(2 + z·P(z)), s = x/(2 + x), on (√½ − 1, √2 − 1); fastmath's flog1p elsewhere. */
function emitLog1p(e: Emitter, x: number): void {
  const f = e.f;
  const [s, z, out, outside] = [e.tmp(), e.tmp(), e.tmp(), e.tmp()];
  f.get(x).get(x);
  e.splat(2).f.op('f64x2.add', 'f64x2.div').tee(s).get(s).op('f64x2.mul').set(z);
  f.get(s);
  e.horner(z, [2, LOG1P.l1, LOG1P.l2, LOG1P.l3]).f.op('f64x2.mul').set(out);
  // !(x > low && x < high)
  f.get(x);
  e.splat(LOG1P.low).f.op('f64x2.gt').get(x);
  e.splat(LOG1P.high).f.op('f64x2.lt', 'v128.and', 'v128.not').set(outside);
  e.callWhere('log1p', [x], outside, out);
  f.get(out);
}

/** C's pow: 1 for a base of 1 and for (−1)^±∞, else `Math.pow` per lane. */
function emitPow(e: Emitter, a: number, b: number): void {
  const f = e.f;
  const [out, one] = [e.tmp(), e.tmp()];
  e.callWhere('pow', [a, b], undefined, out);
  f.get(a);
  e.splat(1).f.op('f64x2.eq').get(a);
  e.splat(-1).f.op('f64x2.eq').get(b).op('f64x2.abs');
  e.splat(Infinity).f.op('f64x2.eq', 'v128.and', 'v128.or').set(one);
  e.splat(1).f.get(out).get(one).op('v128.bitselect');
}

/** A per-lane call of `name` (no fast path). */
const library =
  (name: ImportName): Emit =>
  (e, a) => {
    const out = e.tmp();
    e.callWhere(name, a, undefined, out);
    e.f.get(out);
  };

/** Emitters of float32 ops. */
const FLOAT: Partial<Record<ScalarOp, Emit>> = {
  add: binary('f64x2.add'),
  sub: binary('f64x2.sub'),
  mul: binary('f64x2.mul'),
  div: binary('f64x2.div'),
  // Math.max/Math.min: NaN wins and −0 < +0, as f64x2.max/min.
  min: binary('f64x2.min'),
  max: binary('f64x2.max'),
  neg: unary('f64x2.neg'),
  abs: unary('f64x2.abs'),
  floor: unary('f64x2.floor'),
  sqrt: unary('f64x2.sqrt'),
  round32: unary('f32x4.demote_f64x2_zero', 'f64x2.promote_low_f32x4'),
  exp: (e, a) => emitExp(e, a[0]!),
  expm1: (e, a) => emitExpm1(e, a[0]!),
  log: library('log'),
  log1p: (e, a) => emitLog1p(e, a[0]!),
  sin: (e, a) => emitTrig(e, a[0]!, 'sin'),
  cos: (e, a) => emitTrig(e, a[0]!, 'cos'),
  tan: (e, a) => emitTrig(e, a[0]!, 'tan'),
  tanh: (e, a) => emitTanh(e, a[0]!),
  erf: (e, a) => emitErf(e, a[0]!),
  atan: library('atan'),
  pow: (e, a) => emitPow(e, a[0]!, a[1]!),
  lt: binary('f64x2.lt'),
  le: binary('f64x2.le'),
  gt: binary('f64x2.gt'),
  ge: binary('f64x2.ge'),
  eq: binary('f64x2.eq'),
  ne: binary('f64x2.ne'),
};

/** Emitters of ops on bool operands (lane masks; comparisons order false < true). */
const BOOL: Partial<Record<ScalarOp, Emit>> = {
  and: binary('v128.and'),
  or: binary('v128.or'),
  not: unary('v128.not'),
  eq: binary('i64x2.eq'),
  ne: binary('v128.xor'),
  // a < b is ¬a ∧ b; a ≤ b is ¬a ∨ b; a > b is a ∧ ¬b; a ≥ b is a ∨ ¬b.
  lt: (e, a) => void e.f.get(a[1]!).get(a[0]!).op('v128.andnot'),
  gt: (e, a) => void e.f.get(a[0]!).get(a[1]!).op('v128.andnot'),
  le: (e, a) => void e.f.get(a[0]!).op('v128.not').get(a[1]!).op('v128.or'),
  ge: (e, a) => void e.f.get(a[1]!).op('v128.not').get(a[0]!).op('v128.or'),
};

/** Wraps the 64-bit lanes on the stack to int32 (sign-extends the low 32 bits): JS's `| 0`. */
const wrap = (f: FunctionBuilder) => f.i32(32).op('i64x2.shl').i32(32).op('i64x2.shr_s');
/** The low 32 bits of both 64-bit lanes of local `x` as i32x4 lanes 0 and 1. */
const low32 = (f: FunctionBuilder, x: number) => f.get(x).get(x).shuffle(lanes([0, 2, 0, 2]));

/** Emitters of int32 ops: values sign-extended in 64-bit lanes, wrapped modulo 2³² after each op (Math.imul for products). */
const INT: Partial<Record<ScalarOp, Emit>> = {
  add: (e, a) => void wrap(e.f.get(a[0]!).get(a[1]!).op('i64x2.add')),
  sub: (e, a) => void wrap(e.f.get(a[0]!).get(a[1]!).op('i64x2.sub')),
  mul: (e, a) => void wrap(e.f.get(a[0]!).get(a[1]!).op('i64x2.mul')),
  neg: (e, a) => void wrap(e.f.get(a[0]!).op('i64x2.neg')),
  abs: (e, a) => void wrap(e.f.get(a[0]!).op('i64x2.abs')),
  min: (e, a) => void e.f.get(a[0]!).get(a[1]!).get(a[0]!).get(a[1]!).op('i64x2.lt_s', 'v128.bitselect'),
  max: (e, a) => void e.f.get(a[0]!).get(a[1]!).get(a[0]!).get(a[1]!).op('i64x2.gt_s', 'v128.bitselect'),
  lt: binary('i64x2.lt_s'),
  le: binary('i64x2.le_s'),
  gt: binary('i64x2.gt_s'),
  ge: binary('i64x2.ge_s'),
  eq: binary('i64x2.eq'),
  ne: binary('i64x2.ne'),
};

/** The emitter of node `n`, or `undefined` for what a SIMD loop does not compute. */
function emitterOf(n: Scalar): Emit | undefined {
  const operand = n.args[0]?.dtype;
  switch (n.op) {
    case 'arg':
      return undefined; // read by the loop
    case 'lit':
      if (n.dtype === 'float32') return (e) => void e.splat(n.value!);
      if (n.dtype === 'bool') return (e) => void e.mask(n.value !== 0);
      return (e) => void e.int(n.value!);
    case 'select':
      return (e, a) => void e.f.get(a[1]!).get(a[2]!).get(a[0]!).op('v128.bitselect');
    case 'cast':
      return castOf(operand!, n.dtype);
    default:
      if (operand === 'float32') return FLOAT[n.op];
      if (operand === 'bool') return BOOL[n.op];
      if (operand === 'int32') return INT[n.op];
      return undefined;
  }
}

/** The emitter of a cast from `from` to `to` lanes. */
function castOf(from: string, to: string): Emit | undefined {
  if (from === to) return (e, a) => void e.f.get(a[0]!);
  /** Operand, then a constant of the emitter, then ops. */
  const against =
    (constant: (e: Emitter) => void, ...ops: Parameters<FunctionBuilder['op']>): Emit =>
    (e, a) => {
      e.f.get(a[0]!);
      constant(e);
      e.f.op(...ops);
    };
  switch (`${from}>${to}`) {
    case 'float32>bool': // x ≠ 0 (NaN too)
      return against((e) => e.splat(0), 'f64x2.ne');
    case 'int32>bool':
      return against((e) => e.int(0), 'i64x2.ne');
    case 'bool>float32': // 1 or +0
      return against((e) => e.splat(1), 'v128.and');
    case 'bool>int32':
      return against((e) => e.int(1), 'v128.and');
    case 'float32>int32': // toward 0, saturating, NaN → 0
      return (e, a) => void e.f.get(a[0]!).op('i32x4.trunc_sat_f64x2_s_zero', 'i64x2.extend_low_i32x4_s');
    case 'int32>float32': // exact in float64
      return (e, a) => void low32(e.f, a[0]!).op('f64x2.convert_low_i32x4_s');
    default:
      return undefined;
  }
}

/** Test and benchmark hook: the most floats per iteration a loop may take (`undefined`: no limit). */
let WIDTH_OVERRIDE: 2 | 4 | 8 | undefined;
/** Sets the most floats per iteration of loops compiled from now on (tests and benchmarks compare widths). */
export function simdLoopWidth(width: 2 | 4 | 8 | undefined): void {
  WIDTH_OVERRIDE = width;
}

/**
 * How a loop input is read: at the loop's position, as one value, cycling
 * through a period (floats) along the last axes, or one value per run of
 * `inner` positions (an operand broadcast over trailing axes: a row statistic).
 */
type Mode = 'same' | 'scalar' | number | { readonly inner: number };

/**
 * A loop result accumulated instead of stored per position: `combine(acc,
 * value)` from `init` over each run of `inner` consecutive positions, one
 * float32 written per run (the host's JS loop does the same, in the same order).
 */
export interface SimdReduction {
  readonly init: number;
  readonly combine: Scalar;
  readonly inner: number;
}

/**
 * A SIMD step for an elementwise loop on `memory`, or `undefined` when it
 * is not one this emitter runs. It runs every op of the algebra on float32,
 * int32 and bool values, over an even size, inputs read in place, as one
 * value, cycling through an even period (a bias) or one value per run of
 * trailing positions (a row statistic); results listed in `reductions` are
 * accumulated per run instead of stored per position. Falls back to
 * `fallback` (the JS loop) on buffers outside `memory`.
 *
 * @example
 * ```ts
 * const loop = { shape: [1024], inputs: [{ shape: [1024], dtype: 'float32' }], results: [sc.tanh(sc.arg(0, 'float32'))] };
 * const step = simdLoop(heap, loop, { ins: [0], outs: [1] }, jsLoop);
 * ```
 */
export function simdLoop(memory: WebAssembly.Memory, loop: ScalarLoop, slots: Slots, fallback: Step, reductions: readonly (SimdReduction | null)[] = []): Step | undefined {
  const n = sizeOf(loop.shape);
  // Reductions: float32 values accumulated over runs of one common length (the JS loop's trailing-axes reductions).
  const reduced = reductions.filter((r): r is SimdReduction => r !== null);
  if (reduced.length > 0) {
    if (reduced.some((r) => r.inner !== reduced[0]!.inner || !(r.inner >= 1) || n % r.inner !== 0)) return undefined;
    if (!loop.results.every((r, j) => !reductions[j] || r.dtype === 'float32')) return undefined;
    if (!reduced.every((r) => r.combine.dtype === 'float32' && topoOrder([r.combine]).every((c) => (c.op === 'arg' ? c.index! <= 1 && c.dtype === 'float32' : emitterOf(c))))) return undefined;
  }
  if (n % 2 !== 0 || n === 0 || n * 4 >= 2 ** 31 || (loop as { reduceInner?: number }).reduceInner !== undefined) return undefined;
  // Lanes hold float32, int32 and bool values (a loop given without dtypes is declined).
  const lane = (d: string) => d === 'float32' || d === 'int32' || d === 'bool';
  if (!loop.inputs.every((v) => lane(v.dtype)) || !loop.results.every((r) => lane(r.dtype))) return undefined;
  const nodes = topoOrder(loop.results);
  for (const node of nodes) {
    if (node.op === 'arg' ? node.dtype !== loop.inputs[node.index!]?.dtype : !emitterOf(node)) return undefined;
  }
  const modes = loop.inputs.map((v): Mode | undefined => {
    const size = sizeOf(v.shape);
    if (size === 1) return 'scalar';
    if (size === n && v.shape.length === loop.shape.length) return 'same';
    // A trailing-suffix operand (a bias): its shape is the loop shape's last axes, leading 1s aside.
    const core = v.shape.slice(v.shape.findIndex((d) => d !== 1));
    if (size % 2 === 0 && core.every((d, i) => d === loop.shape[loop.shape.length - core.length + i])) return size;
    // A leading-axes operand broadcast over trailing axes (`[B, T, 1]` against `[B, T, D]`): one value per run.
    const aligned = [...Array<number>(loop.shape.length - v.shape.length).fill(1), ...v.shape];
    let last = aligned.length - 1;
    while (aligned[last] === 1) last--;
    return aligned.slice(0, last + 1).every((d, a) => d === loop.shape[a]) ? { inner: sizeOf(loop.shape.slice(last + 1)) } : undefined;
  });
  if (modes.some((m) => m === undefined)) return undefined;
  const runs = [...modes.flatMap((m) => (typeof m === 'object' ? [m.inner] : [])), ...reduced.map((r) => r.inner)];
  // Eight floats per iteration (four independent float64 pairs: polynomial chains are latency-bound, so
  // independent pairs run side by side) where every length allows it and the module stays small, else four, else two.
  const widths = ([8, 4, 2] as const).filter((w) => n % w === 0 && modes.every((m) => typeof m !== 'number' || m % w === 0) && runs.every((r) => r % w === 0));
  for (const width of WIDTH_OVERRIDE ? widths.filter((w) => w <= WIDTH_OVERRIDE!) : widths) {
    try {
      const [body, imports] = loopBody(loop, nodes, modes as Mode[], width, reductions);
      const kernel = instantiate(memory, body, imports);
      const bytes = n * 4;
      return onHeap(memory, slots, fallback, kernel, [bytes]);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // too large a module for a synchronous compile: try fewer floats per iteration, then leave it to the JS loop
    }
  }
  return undefined;
}

/** i8x16.shuffle's 16 byte indices selecting these float32 lanes (4–7: the second operand's). */
const lanes = (l: readonly number[]) => l.flatMap((f) => [4 * f, 4 * f + 1, 4 * f + 2, 4 * f + 3]);
const F32 = { align: 2 } as const; // float32 data: 4-byte alignment

/** Bytes 0/1 (a bool array, one byte per element) at the address on the stack plus `offset`, as the lane masks of one pair. */
function loadBools(e: Emitter, offset: number, scalar: boolean): void {
  if (scalar) e.f.mem('v128.load8_splat', { offset });
  else e.f.mem('v128.load16_splat', { align: 0, offset });
  e.f.op('i16x8.extend_low_i8x16_u', 'i32x4.extend_low_i16x8_u', 'i64x2.extend_low_i32x4_u');
  e.mask(false).f.op('i64x2.ne');
}

/** Stores the lane masks of local `mask` as bytes 0/1 at the address on the stack plus `offset`. */
function storeBools(e: Emitter, mask: number, offset: number): void {
  e.f.get(mask);
  e.int(1).f.op('v128.and').get(mask).shuffle([0, 8, ...Array<number>(14).fill(0)]).memLane('v128.store16_lane', 0, { align: 0, offset });
}

/**
 * The loop: params (end byte, input pointers…, output pointers…); `width`
 * floats per iteration as `width / 2` float64 pairs, each computed by the
 * nodes' operations on its own locals. Written twice: a first pass collects
 * the constants, which the second sets once before the loop.
 */
function loopBody(loop: ScalarLoop, nodes: readonly Scalar[], modes: readonly Mode[], width: 2 | 4 | 8, reductions: readonly (SimdReduction | null)[] = []): [FunctionBuilder, ImportName[]] {
  let hoisted: [string, (f: FunctionBuilder) => void][] = [];
  for (const pass of [0, 1]) {
    const ins = loop.inputs.length;
    const f = new FunctionBuilder(Array<ValType>(1 + ins + loop.results.length).fill('i32'));
    const ptr = (j: number) => 1 + j;
    const offset = f.local('i32');
    const counter = new Map(modes.flatMap((m, j) => (typeof m === 'number' ? [[j, f.local('i32')] as const] : [])));
    const halves = width / 2;
    // inputs[h][j]: input j's pair h (a scalar's one local serves every pair).
    const inputs: number[][] = Array.from({ length: halves }, () => []);
    modes.forEach((m) => {
      const shared = m === 'scalar' || typeof m === 'object' ? f.local('v128') : undefined;
      for (const pair of inputs) pair.push(shared ?? f.local('v128'));
    });
    // A run operand's read position (bytes) and the bytes of positions since its last step.
    const rowAt = new Map(modes.flatMap((m, j) => (typeof m === 'object' ? [[j, [f.local('i32'), f.local('i32')]] as const] : [])));
    // Reductions: an accumulator (the value in both lanes) and a write position each; one run counter.
    const accOf = new Map(reductions.flatMap((r, j) => (r ? [[j, [f.local('v128'), f.local('i32')]] as const] : [])));
    const runBytes = f.local('i32');
    const wide = f.local('v128');
    // Hoisted before the loop: the constants the first pass saw, then scalar operands, read once and promoted.
    const e = new Emitter(f, hoisted);
    const bool = (j: number) => loop.inputs[j]!.dtype === 'bool';
    const int = (j: number) => loop.inputs[j]!.dtype === 'int32';
    /** Widens the 32-bit lanes 0, 1 of the vector on the stack (float32 or int32 by input j) to a pair. */
    const widen = (j: number, loaded: FunctionBuilder) => loaded.op(int(j) ? 'i64x2.extend_low_i32x4_s' : 'f64x2.promote_low_f32x4');
    /** Input j's one value at the address on the stack, in both lanes. */
    const splatLoad = (j: number) => {
      if (bool(j)) loadBools(e, 0, true);
      else widen(j, f.mem('v128.load32_splat', F32));
      f.set(inputs[0]![j]!);
    };
    modes.forEach((m, j) => {
      if (m !== 'scalar') return;
      f.get(ptr(j));
      splatLoad(j);
    });
    for (const [j, [acc, at]] of accOf) {
      e.splat(reductions[j]!.init).f.set(acc);
      f.get(ptr(ins + j)).set(at);
    }
    f.loop();
    modes.forEach((m, j) => {
      if (m === 'scalar') return;
      if (typeof m === 'object') {
        f.get(ptr(j)).get(rowAt.get(j)![0]).op('i32.add');
        splatLoad(j);
        return;
      }
      const at = m === 'same' ? offset : counter.get(j)!;
      if (bool(j)) {
        // One byte per element: the float offset / 4.
        for (let h = 0; h < halves; h++) {
          f.get(ptr(j)).get(at).i32(2).op('i32.shr_u', 'i32.add');
          loadBools(e, 2 * h, false);
          f.set(inputs[h]![j]!);
        }
        return;
      }
      if (halves === 1) {
        widen(j, f.get(ptr(j)).get(at).op('i32.add').mem('v128.load64_zero', F32)).set(inputs[0]![j]!);
        return;
      }
      // Each 16 bytes: elements 0, 1 widened as one pair, 2, 3 (moved down by a shuffle) as the next.
      for (let q = 0; q < halves / 2; q++) {
        widen(j, f.get(ptr(j)).get(at).op('i32.add').mem('v128.load', { ...F32, offset: 16 * q }).tee(wide)).set(inputs[2 * q]![j]!);
        widen(j, f.get(wide).get(wide).shuffle(lanes([2, 3, 0, 1]))).set(inputs[2 * q + 1]![j]!);
      }
    });
    // Node by node, each for every pair: the pairs' independent chains sit side by side.
    const values = inputs.map(() => new Map<Scalar, number>());
    for (const node of nodes)
      inputs.forEach((local, h) => {
        const value = values[h]!;
        if (node.op === 'arg') {
          value.set(node, local[node.index!]!);
          return;
        }
        emitterOf(node)!(
          e,
          node.args.map((a) => value.get(a)!),
        );
        const out = f.local('v128');
        f.set(out);
        value.set(node, out);
      });
    loop.results.forEach((r, j) => {
      const red = reductions[j];
      if (red) {
        // acc = combine(acc, value), lane by lane in position order (as the JS loop's float64 accumulator).
        const [acc] = accOf.get(j)!;
        const combineNodes = topoOrder([red.combine]);
        for (let h = 0; h < halves; h++) {
          for (const lane of [0, 1]) {
            const x = f.local('v128');
            const v = values[h]!.get(r)!;
            const sel = Array.from({ length: 16 }, (_, b) => 8 * lane + (b % 8));
            f.get(v).get(v).shuffle(sel).set(x);
            const at = new Map<Scalar, number>();
            for (const c of combineNodes) {
              if (c.op === 'arg') {
                at.set(c, c.index === 0 ? acc : x);
                continue;
              }
              emitterOf(c)!(
                e,
                c.args.map((a) => at.get(a)!),
              );
              const out = f.local('v128');
              f.set(out);
              at.set(c, out);
            }
            f.get(at.get(red.combine)!).set(acc);
          }
        }
        return;
      }
      if (r.dtype === 'bool') {
        for (let h = 0; h < halves; h++) {
          f.get(ptr(ins + j)).get(offset).i32(2).op('i32.shr_u', 'i32.add');
          storeBools(e, values[h]!.get(r)!, 2 * h);
        }
        return;
      }
      // A pair narrowed to 32-bit lanes 0, 1: float32 rounding, or int32's low words.
      const narrow = (pair: number) => (r.dtype === 'int32' ? low32(f, values[pair]!.get(r)!) : f.get(values[pair]!.get(r)!).op('f32x4.demote_f64x2_zero'));
      if (halves === 1) {
        f.get(ptr(ins + j)).get(offset).op('i32.add');
        narrow(0).memLane('v128.store64_lane', 0, F32);
        return;
      }
      for (let q = 0; q < halves / 2; q++) {
        f.get(ptr(ins + j)).get(offset).op('i32.add');
        narrow(2 * q);
        narrow(2 * q + 1);
        f.shuffle(lanes([0, 1, 4, 5])).mem('v128.store', { ...F32, offset: 16 * q });
      }
    });
    // Counters step by `width` floats and wrap at their period: c = c + step; c = c === period ? 0 : c.
    const step = width * 4;
    for (const [j, l] of counter) f.get(l).i32(step).op('i32.add').set(l).i32(0).get(l).get(l).i32((modes[j] as number) * 4).op('i32.eq', 'select').set(l);
    // Run operands step to their next value after `inner` positions (one byte per bool, else four).
    for (const [j, [at, since]] of rowAt) {
      f.get(since).i32(step).op('i32.add').tee(since).i32((modes[j] as { inner: number }).inner * 4).op('i32.eq').if();
      f.i32(0).set(since).get(at).i32(bool(j) ? 1 : 4).op('i32.add').set(at).end();
    }
    // After each run: the accumulators stored as float32 and reset.
    const firstReduction = reductions.find((r) => r);
    if (firstReduction) {
      f.get(runBytes).i32(step).op('i32.add').tee(runBytes).i32(firstReduction.inner * 4).op('i32.eq').if();
      f.i32(0).set(runBytes);
      for (const [j, [acc, at]] of accOf) {
        f.get(at).get(acc).op('f32x4.demote_f64x2_zero').memLane('v128.store32_lane', 0, F32);
        f.get(at).i32(4).op('i32.add').set(at);
        e.splat(reductions[j]!.init).f.set(acc);
      }
      f.end();
    }
    f.get(offset).i32(step).op('i32.add').tee(offset).get(0).op('i32.lt_u').brIf(0).end(); // offset < end: next iteration
    if (pass === 1) return [f, e.imports];
    hoisted = e.seen;
  }
  throw new Error('unreachable');
}

// ------------------------------------------------------------------ transpose

/**
 * `o = xᵀ` for a float32 `rows × cols` matrix with both dimensions multiples
 * of 4: 4×4 blocks loaded as four rows and written as four columns, `group`
 * row blocks (4 or 16 rows) per column block, so that each output row gets
 * whole 64-byte lines (one 16-byte piece per pass over a 1024-row matrix
 * re-read every line from memory: 0.8 ms for [1024, 512]).
 */
function transposeKernel(memory: WebAssembly.Memory, group: 1 | 4 = 1): (x: number, o: number, rows: number, cols: number) => void {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32']);
  const [x, o, rows, cols] = [0, 1, 2, 3];
  const [r0, r, col, rowBytes, src, dst] = repeat(6, () => f.local('i32'));
  const v = Array.from({ length: 4 }, () => f.local('v128'));
  const t = Array.from({ length: 4 }, () => f.local('v128'));
  f.get(cols).i32(2).op('i32.shl').set(rowBytes);
  f.i32(0).set(r0);
  f.loop(); // groups of row blocks
  f.i32(0).set(col);
  f.loop(); // column blocks
  f.get(r0).set(r);
  f.loop(); // the group's row blocks
  // src = x + (r·cols + col)·4; dst = o + (col·rows + r)·4
  f.get(x).get(r).get(cols).op('i32.mul').get(col).op('i32.add').i32(2).op('i32.shl', 'i32.add').set(src);
  f.get(o).get(col).get(rows).op('i32.mul').get(r).op('i32.add').i32(2).op('i32.shl', 'i32.add').set(dst);
  for (let i = 0; i < 4; i++) {
    f.get(src);
    if (i > 0) f.get(rowBytes).i32(i).op('i32.mul', 'i32.add');
    f.mem('v128.load', F32).set(v[i]!);
  }
  f.get(v[0]!).get(v[1]!).shuffle(lanes([0, 4, 1, 5])).set(t[0]!);
  f.get(v[0]!).get(v[1]!).shuffle(lanes([2, 6, 3, 7])).set(t[1]!);
  f.get(v[2]!).get(v[3]!).shuffle(lanes([0, 4, 1, 5])).set(t[2]!);
  f.get(v[2]!).get(v[3]!).shuffle(lanes([2, 6, 3, 7])).set(t[3]!);
  const rowsOut: [number, number, number[]][] = [
    [0, 2, [0, 1, 4, 5]],
    [0, 2, [2, 3, 6, 7]],
    [1, 3, [0, 1, 4, 5]],
    [1, 3, [2, 3, 6, 7]],
  ];
  rowsOut.forEach(([a, b, sel], i) => {
    f.get(dst);
    if (i > 0) f.get(rows).i32(4 * i).op('i32.mul', 'i32.add');
    f.get(t[a]!).get(t[b]!).shuffle(lanes(sel)).mem('v128.store', F32);
  });
  f.get(r).i32(4).op('i32.add').tee(r).get(r0).i32(4 * group).op('i32.add').op('i32.lt_u').brIf(0).end(); // r < r0 + 4·group
  f.get(col).i32(4).op('i32.add').tee(col).get(cols).op('i32.lt_u').brIf(0).end(); // col < cols: next block
  f.get(r0).i32(4 * group).op('i32.add').tee(r0).get(rows).op('i32.lt_u').brIf(0).end(); // r0 < rows: next group
  return instantiate(memory, f);
}

/**
 * A SIMD step for a float32 transpose of the last two axes (`[..., rows,
 * cols]` → `[..., cols, rows]`, each matrix in turn: attention's `kᵀ`) whose
 * two dimensions are multiples of 4, or `undefined`.
 */
export function simdTranspose(memory: WebAssembly.Memory, shape: readonly number[], slots: Slots, fallback: Step): Step | undefined {
  if (shape.length < 2) return undefined;
  const [rows, cols] = shape.slice(-2) as [number, number];
  const batch = sizeOf(shape.slice(0, -2));
  if (rows % 4 !== 0 || cols % 4 !== 0 || rows === 0 || cols === 0 || batch === 0 || batch * rows * cols * 4 >= 2 ** 31) return undefined;
  const kernel = transposeKernel(memory, rows % 16 === 0 ? 4 : 1);
  const bytes = rows * cols * 4;
  return onHeapRun(memory, slots, fallback, ([x, o]) => {
    for (let b = 0; b < batch; b++) kernel(x! + b * bytes, o! + b * bytes, rows, cols);
  });
}

// ------------------------------------------------------------------ column sums

/**
 * `o[j] = Σ_r x[r, j]` for a float32 `rows × cols` matrix with an even
 * number of columns, two columns at a time, accumulated in float64 down each
 * column pair (what the host's JS reduction does; tfjs transposes first).
 */
function columnSumKernel(memory: WebAssembly.Memory, pairs: 1 | 4 = 1): (x: number, o: number, rows: number, rowBytes: number) => void {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32']);
  const [x, o, rows, rowBytes] = [0, 1, 2, 3];
  // col: byte offset of the first column pair; p: read position; end: x + rows·rowBytes + col
  const [col, p, end] = repeat(3, () => f.local('i32'));
  // `pairs` column pairs per pass down the rows (each its own accumulator, so each column's sum is the same chain):
  // four pairs read 32 bytes a row, so a [1024, 512] matrix takes 64 passes instead of 256.
  const acc = Array.from({ length: pairs }, () => f.local('v128'));
  f.i32(0).set(col);
  f.loop(); // groups of column pairs
  f.get(x).get(col).op('i32.add').tee(p).get(rows).get(rowBytes).op('i32.mul', 'i32.add').set(end);
  for (const a of acc) f.f64x2(0).set(a);
  f.loop(); // down the rows
  acc.forEach((a, h) => f.get(a).get(p).mem('v128.load64_zero', { ...F32, offset: 8 * h }).op('f64x2.promote_low_f32x4', 'f64x2.add').set(a));
  f.get(p).get(rowBytes).op('i32.add').tee(p).get(end).op('i32.lt_u').brIf(0).end();
  acc.forEach((a, h) => f.get(o).get(col).op('i32.add').get(a).op('f32x4.demote_f64x2_zero').memLane('v128.store64_lane', 0, { ...F32, offset: 8 * h }));
  f.get(col).i32(8 * pairs).op('i32.add').tee(col).get(rowBytes).op('i32.lt_u').brIf(0).end();
  return instantiate(memory, f);
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
  const kernel = columnSumKernel(memory, cols % 8 === 0 ? 4 : 1);
  return onHeap(memory, slots, fallback, kernel as (...args: number[]) => void, [], [rows, cols * 4]);
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
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32']);
  const [a, b, o, m] = [0, 1, 2, 3];
  // i: row; j: column bytes; pa, pb: read positions in a and b; end: pa's end
  const [i, j, pa, pb, end] = repeat(5, () => f.local('i32'));
  const acc = Array.from({ length: rows }, () => [f.local('v128'), f.local('v128')]);
  const [lo, hi, x] = [f.local('v128'), f.local('v128'), f.local('v128')];
  const at = (offset: number) => ({ align: 2, offset }); // 4-byte alignment, a constant offset
  f.i32(0).set(i);
  f.loop(); // row blocks
  f.i32(0).set(j);
  f.loop(); // blocks of eight columns
  for (const r of acc.flat()) f.f64x2(0).set(r);
  // pa = a + i·k·4; end = pa + k·4; pb = b + j
  f.get(a).get(i).i32(k * 4).op('i32.mul', 'i32.add').tee(pa).i32(k * 4).op('i32.add').set(end);
  f.get(b).get(j).op('i32.add').set(pb);
  f.loop(); // down k
  f.get(pb).mem('v128.load', at(0)).set(lo);
  f.get(pb).mem('v128.load', at(16)).set(hi);
  acc.forEach((row, r) => {
    f.get(pa).mem('v128.load32_splat', at(r * k * 4)).set(x);
    row.forEach((sum, h) => f.get(sum).get(x).get(h ? hi : lo).op('f32x4.mul', 'f32x4.add').set(sum));
  });
  f.get(pb).i32(n * 4).op('i32.add').set(pb);
  f.get(pa).i32(4).op('i32.add').tee(pa).get(end).op('i32.lt_u').brIf(0).end(); // pa < end: next p
  // o[i + r, j…j+7]
  acc.forEach((row, r) =>
    row.forEach((sum, h) => f.get(o).get(i).i32(n * 4).op('i32.mul', 'i32.add').get(j).op('i32.add').get(sum).mem('v128.store', at(r * n * 4 + 16 * h))),
  );
  f.get(j).i32(32).op('i32.add').tee(j).i32(n * 4).op('i32.lt_u').brIf(0).end(); // j < n·4: next block
  f.get(i).i32(rows).op('i32.add').tee(i).get(m).op('i32.lt_u').brIf(0).end(); // i < m: next row block
  return instantiate(memory, f);
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
  return onHeap(heap, slots, copying, inPlace as (...args: number[]) => void, [], [m]);
}

// ------------------------------------------------------------------ packed products on tfjs-wasm's heap

/**
 * `dst = b` repacked as panels of eight columns: panel `J` holds
 * `b[p, 8J…8J+7]` for p = 0…k−1 contiguously (k·32 bytes), so that a
 * product reads each panel as one stream instead of rows `n·4` bytes apart
 * (with `n` a power of two those rows fall into a few L1 sets and evict each
 * other: [1024,128]@[128,512] ran at 31 GFLOP/s unpacked). Takes `(b, dst, k, n)`.
 */
function packKernel(memory: WebAssembly.Memory): (b: number, dst: number, k: number, n: number) => void {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32']);
  const [b, dst, k, n] = [0, 1, 2, 3];
  // col: column bytes of the panel; src: read position; end: src's end; out: write position
  const [col, src, end, out, rowBytes] = repeat(5, () => f.local('i32'));
  f.get(n).i32(2).op('i32.shl').set(rowBytes);
  f.get(dst).set(out);
  f.i32(0).set(col);
  f.loop(); // panels
  f.get(b).get(col).op('i32.add').tee(src).get(k).get(rowBytes).op('i32.mul', 'i32.add').set(end);
  f.loop(); // down k
  f.get(out).get(src).mem('v128.load', F32).mem('v128.store', F32);
  f.get(out).get(src).mem('v128.load', { ...F32, offset: 16 }).mem('v128.store', { ...F32, offset: 16 });
  f.get(out).i32(32).op('i32.add').set(out);
  f.get(src).get(rowBytes).op('i32.add').tee(src).get(end).op('i32.lt_u').brIf(0).end();
  f.get(col).i32(32).op('i32.add').tee(col).get(rowBytes).op('i32.lt_u').brIf(0).end();
  return instantiate(memory, f);
}

/**
 * `o = a·b` for float32 `a` (`m × k`) and `b` packed by {@link packKernel}:
 * rows in blocks of about 128 KB of `a` (kept in L2), within a block the
 * panels of eight columns (one panel, k·32 bytes, stays in L1 while the
 * block's rows pass over it, `rows` at a time), two float32 quads per row accumulated down
 * `k` in float32 as `matmulKernel` does (the same sums in the same order).
 * Takes `(a, bp, o, m)`.
 */
function packedKernel(memory: WebAssembly.Memory, k: number, n: number, rows: 1 | 4): (a: number, bp: number, o: number, mm: number) => void {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32']);
  const [a, bp, o, mm] = [0, 1, 2, 3];
  const rowStep = k * 4;
  const kStep = 4;
  // j: column bytes; i: row; i0, iEnd: the rows of the current block; panel: panel start; pa, pb: read positions; end: pb's end
  const [j, i, i0, iEnd, panel, pa, pb, end] = repeat(8, () => f.local('i32'));
  const acc = Array.from({ length: rows }, () => [f.local('v128'), f.local('v128')]);
  const [lo, hi, x] = [f.local('v128'), f.local('v128'), f.local('v128')];
  const at = (offset: number) => ({ align: 2, offset });
  // Blocks of rows whose part of `a` (about 128 KB) stays in L2 while every panel passes over it.
  const block = Math.max(rows, Math.floor(BLOCK_BYTES / (k * 4) / 4) * 4);
  f.i32(0).set(i0);
  f.loop(); // row blocks
  f.get(i0).i32(block).op('i32.add').tee(iEnd).get(mm).get(iEnd).get(mm).op('i32.lt_u', 'select').set(iEnd);
  f.i32(0).set(j);
  f.loop(); // panels of eight columns
  f.get(bp).get(j).i32(k).op('i32.mul', 'i32.add').set(panel); // panel J starts at J·k·32 = j·k
  f.get(i0).set(i);
  f.loop(); // rows of the block, `rows` at a time
  for (const r of acc.flat()) f.f64x2(0).set(r);
  f.get(a).get(i).i32(rowStep).op('i32.mul', 'i32.add').set(pa);
  f.get(panel).tee(pb).i32(k * 32).op('i32.add').set(end);
  f.loop(); // down k
  f.get(pb).mem('v128.load', at(0)).set(lo);
  f.get(pb).mem('v128.load', at(16)).set(hi);
  acc.forEach((row, r) => {
    f.get(pa).mem('v128.load32_splat', at(r * rowStep)).set(x);
    row.forEach((sum, h) => f.get(sum).get(x).get(h ? hi : lo).op('f32x4.mul', 'f32x4.add').set(sum));
  });
  f.get(pa).i32(kStep).op('i32.add').set(pa);
  f.get(pb).i32(32).op('i32.add').tee(pb).get(end).op('i32.lt_u').brIf(0).end(); // pb < end: next p
  acc.forEach((row, r) =>
    row.forEach((sum, h) => f.get(o).get(i).i32(n * 4).op('i32.mul', 'i32.add').get(j).op('i32.add').get(sum).mem('v128.store', at(r * n * 4 + 16 * h))),
  );
  f.get(i).i32(rows).op('i32.add').tee(i).get(iEnd).op('i32.lt_u').brIf(0).end(); // i < iEnd: next rows
  f.get(j).i32(32).op('i32.add').tee(j).i32(n * 4).op('i32.lt_u').brIf(0).end(); // j < n·4: next panel
  f.get(i0).i32(block).op('i32.add').tee(i0).get(mm).op('i32.lt_u').brIf(0).end(); // i0 < m: next block
  return instantiate(memory, f);
}
/** Bytes of `a` per block of rows in the packed product (half of a 256–512 KB L2, the panel and output beside). */
const BLOCK_BYTES = 128 * 1024;

/** tfjs-wasm's allocator (its emscripten module's `malloc`/`free`), for scratch memory outside any tensor. */
interface WasmAllocator {
  wasm?: { _malloc?(bytes: number): number; _free?(at: number): void };
}
/** Per heap: one scratch block for packed operands, grown (only while planning) to the largest product planned. */
const packScratch = new WeakMap<WebAssembly.Memory, { at: number; bytes: number }>();

/** Reserves `bytes` of tfjs-wasm heap for packing (called while planning: growing the heap then detaches no view in use). */
function reservePackScratch(heap: WebAssembly.Memory, bytes: number): boolean {
  const have = packScratch.get(heap);
  if (have && have.bytes >= bytes) return true;
  const alloc = (tf.backend() as unknown as WasmAllocator).wasm;
  if (!alloc?._malloc || !alloc._free) return false;
  const at = alloc._malloc(bytes + 16);
  if (!at) return false;
  if (have) alloc._free(have.at);
  packScratch.set(heap, { at, bytes });
  return true;
}

/** Products below this many rows keep the unpacked kernel: packing `b` costs about as much as a few rows of the product. */
const PACKED_MIN_ROWS = 16;

/**
 * A SIMD step for a float32 2-D product `a·b` on tfjs-wasm's heap in the mixed plan: `b` packed into a
 * scratch block of that heap, then {@link packedKernel}; `n` a multiple of 8.
 * `undefined` where it does not apply (the caller keeps tfjs's kernel or the
 * unpacked one). Measured on W9's shapes ([1024,128]@[128,384|512],
 * [1024,512]@[512,128], [128,1024]@[1024,512], …; cpu time, 2-core machine
 * under load): 38–42 GFLOP/s, against 28–32 for tfjs-wasm's XNNPACK matmul
 * and 27–40 for the unpacked kernel.
 */
export function simdPackedMatmul(heap: WebAssembly.Memory, m: number, k: number, n: number, slots: Slots, fallback: Step): Step | undefined {
  if (!simdSupported() || n % 8 !== 0 || m < PACKED_MIN_ROWS || k < 1 || (m * k + k * n + m * n) * 4 >= 2 ** 30) return undefined;
  if (!reservePackScratch(heap, k * n * 4)) return undefined;
  let pack: (b: number, dst: number, k: number, n: number) => void;
  let kernel: (a: number, bp: number, o: number, mm: number) => void;
  try {
    pack = packKernel(heap);
    kernel = packedKernel(heap, k, n, m % 4 === 0 ? 4 : 1);
  } catch {
    return undefined;
  }
  return onHeapRun(heap, slots, fallback, ([a, b, out]) => {
    const at = (packScratch.get(heap)!.at + 15) & ~15;
    pack(b!, at, k, n);
    kernel(a!, at, out!, m);
  });
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
    const view: ArenaView = new Float32Array(arena.buffer, starts[i], env[s]!.length);
    view.set(env[s] as Float32Array);
    view[ARENA] = arena;
    view[OFFSET] = starts[i]!;
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
