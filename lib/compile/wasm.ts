/**
 * A small WebAssembly assembler: opcodes by their text-format names, a
 * function-body builder (locals, structured control, memory access with
 * memargs, constants, calls) and module assembly (type, import, function,
 * export and code sections). lib/compile/simd.ts writes its kernels with it;
 * kernel code names operations (`'f64x2.mul'`), never opcode bytes.
 *
 * Only what the kernels use is here: the control instructions, i32 integer
 * ops, and the 128-bit SIMD ops on f64x2 / i64x2 / i32x4 lanes (the SIMD
 * proposal, in every engine fluxion supports; `simd.ts` probes for it).
 *
 * @example
 * ```ts
 * // (func (param i32) (result f64) local.get 0 f64.load f64.sqrt): √ of the double at a byte offset
 * const f = new FunctionBuilder(['i32'], ['f64']);
 * f.get(0).load('f64.load', { align: 3 }).op('f64.sqrt');
 * const bytes = assemble({ memory: { module: 'e', name: 'm' }, functions: [{ body: f, export: 'k' }] });
 * ```
 */

/** A value type. */
export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALTYPE: Readonly<Record<ValType, number>> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

// ------------------------------------------------------------------ encodings

/**
 * Unsigned LEB128.
 *
 * @example
 * ```ts
 * uleb(624485); // [0xe5, 0x8e, 0x26]
 * ```
 */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/**
 * Signed LEB128 of a 32-bit integer.
 *
 * @example
 * ```ts
 * sleb(-65); // [0xbf, 0x7f]
 * ```
 */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** Signed LEB128 of a 64-bit integer. */
function sleb64(n: bigint): number[] {
  const out: number[] = [];
  n = BigInt.asIntN(64, n);
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

/**
 * Little-endian bytes of a float64.
 *
 * @example
 * ```ts
 * f64Bytes(1); // [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]
 * ```
 */
export const f64Bytes = (x: number): number[] => [...new Uint8Array(Float64Array.of(x).buffer)];
/** Little-endian bytes of a 64-bit integer. */
const i64Bytes = (x: bigint): number[] => [...new Uint8Array(BigInt64Array.of(BigInt.asIntN(64, x)).buffer)];

const SIMD_PREFIX = 0xfd;
const simd = (code: number): number[] => [SIMD_PREFIX, ...uleb(code)];

// ------------------------------------------------------------------ opcodes

/**
 * Instructions without immediates, by text-format name.
 *
 * @example
 * ```ts
 * OPS['f64x2.mul']; // [0xfd, 0xf2, 0x01]
 * ```
 */
export const OPS = {
  unreachable: [0x00],
  nop: [0x01],
  return: [0x0f],
  drop: [0x1a],
  select: [0x1b],
  'i32.eqz': [0x45],
  'i32.eq': [0x46],
  'i32.ne': [0x47],
  'i32.lt_s': [0x48],
  'i32.lt_u': [0x49],
  'i32.gt_s': [0x4a],
  'i32.gt_u': [0x4b],
  'i32.le_s': [0x4c],
  'i32.le_u': [0x4d],
  'i32.ge_s': [0x4e],
  'i32.ge_u': [0x4f],
  'i32.add': [0x6a],
  'i32.sub': [0x6b],
  'i32.mul': [0x6c],
  'i32.and': [0x71],
  'i32.or': [0x72],
  'i32.xor': [0x73],
  'i32.shl': [0x74],
  'i32.shr_s': [0x75],
  'i32.shr_u': [0x76],
  'f64.sqrt': [0x9f],
  'f64.add': [0xa0],
  'f64.mul': [0xa2],
  // 128-bit SIMD
  'i32x4.splat': simd(0x11),
  'i64x2.splat': simd(0x12),
  'f64x2.splat': simd(0x14),
  'f64x2.eq': simd(0x47),
  'f64x2.ne': simd(0x48),
  'f64x2.lt': simd(0x49),
  'f64x2.gt': simd(0x4a),
  'f64x2.le': simd(0x4b),
  'f64x2.ge': simd(0x4c),
  'v128.not': simd(0x4d),
  'v128.and': simd(0x4e),
  'v128.andnot': simd(0x4f),
  'v128.or': simd(0x50),
  'v128.xor': simd(0x51),
  'v128.bitselect': simd(0x52),
  'v128.any_true': simd(0x53),
  'f32x4.demote_f64x2_zero': simd(0x5e),
  'f64x2.promote_low_f32x4': simd(0x5f),
  'f64x2.ceil': simd(0x74),
  'f64x2.floor': simd(0x75),
  'f64x2.trunc': simd(0x7a),
  'f64x2.nearest': simd(0x94),
  'i16x8.extend_low_i8x16_u': simd(0x89),
  'i32x4.extend_low_i16x8_u': simd(0xa9),
  'i32x4.shl': simd(0xab),
  'i32x4.add': simd(0xae),
  'i32x4.sub': simd(0xb1),
  'i64x2.extend_low_i32x4_s': simd(0xc7),
  'i64x2.extend_high_i32x4_s': simd(0xc8),
  'i64x2.extend_low_i32x4_u': simd(0xc9),
  'i64x2.shl': simd(0xcb),
  'i64x2.shr_s': simd(0xcc),
  'i64x2.shr_u': simd(0xcd),
  'i64x2.add': simd(0xce),
  'i64x2.sub': simd(0xd1),
  'i64x2.mul': simd(0xd5),
  'i64x2.abs': simd(0xc0),
  'i64x2.neg': simd(0xc1),
  'i64x2.eq': simd(0xd6),
  'i64x2.ne': simd(0xd7),
  'i64x2.lt_s': simd(0xd8),
  'i64x2.gt_s': simd(0xd9),
  'i64x2.le_s': simd(0xda),
  'i64x2.ge_s': simd(0xdb),
  'f32x4.add': simd(0xe4),
  'f32x4.mul': simd(0xe6),
  'f64x2.abs': simd(0xec),
  'f64x2.neg': simd(0xed),
  'f64x2.sqrt': simd(0xef),
  'f64x2.add': simd(0xf0),
  'f64x2.sub': simd(0xf1),
  'f64x2.mul': simd(0xf2),
  'f64x2.div': simd(0xf3),
  'f64x2.min': simd(0xf4),
  'f64x2.max': simd(0xf5),
  'f64x2.pmin': simd(0xf6),
  'f64x2.pmax': simd(0xf7),
  'i32x4.trunc_sat_f64x2_s_zero': simd(0xfc),
  'f64x2.convert_low_i32x4_s': simd(0xfe),
} as const satisfies Record<string, readonly number[]>;

/** An instruction without immediates. */
export type Op = keyof typeof OPS;

/** Memory instructions (a memarg follows), with their natural alignment (log2 bytes). */
export const MEMORY_OPS = {
  'i32.load': [[0x28], 2],
  'f64.load': [[0x2b], 3],
  'i32.store': [[0x36], 2],
  'f64.store': [[0x39], 3],
  'v128.load': [simd(0x00), 4],
  'v128.load8_splat': [simd(0x07), 0],
  'v128.load16_splat': [simd(0x08), 1],
  'v128.load32_splat': [simd(0x09), 2],
  'v128.store': [simd(0x0b), 4],
  'v128.load32_zero': [simd(0x5c), 2],
  'v128.load64_zero': [simd(0x5d), 3],
} as const satisfies Record<string, readonly [readonly number[], number]>;

/** A memory instruction. */
export type MemoryOp = keyof typeof MEMORY_OPS;

/** Lane instructions (a lane index follows). */
export const LANE_OPS = {
  'i32x4.extract_lane': simd(0x1b),
  'i64x2.extract_lane': simd(0x1d),
  'f64x2.extract_lane': simd(0x21),
  'f64x2.replace_lane': simd(0x22),
} as const satisfies Record<string, readonly number[]>;

/** A lane instruction. */
export type LaneOp = keyof typeof LANE_OPS;

/** Lane memory instructions (a memarg, then a lane index), with their natural alignment. */
export const MEMORY_LANE_OPS = {
  'v128.store8_lane': [simd(0x58), 0],
  'v128.store16_lane': [simd(0x59), 1],
  'v128.store32_lane': [simd(0x5a), 2],
  'v128.store64_lane': [simd(0x5b), 3],
} as const satisfies Record<string, readonly [readonly number[], number]>;

/** A lane memory instruction. */
export type MemoryLaneOp = keyof typeof MEMORY_LANE_OPS;

/** A memory access's static offset and alignment hint (log2 bytes; at most the op's natural alignment). */
export interface MemArg {
  readonly offset?: number;
  readonly align?: number;
}

const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const ELSE = 0x05;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const CALL = 0x10;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I64_CONST = 0x42;
const F64_CONST = 0x44;
const V128_CONST = simd(0x0c);
const SHUFFLE = simd(0x0d);
const EMPTY_BLOCK = 0x40;

// ------------------------------------------------------------------ function bodies

/**
 * A function body being written: parameters are locals 0…n−1, `local(type)`
 * adds one more; instruction methods append and return `this` for chaining,
 * in the order of the text format (operands first).
 *
 * @example
 * ```ts
 * // Σ 1…n
 * const f = new FunctionBuilder(['i32'], ['i32']);
 * const [i, s] = [f.local('i32'), f.local('i32')];
 * f.loop().get(s).get(i).i32(1).op('i32.add').tee(i).op('i32.add').set(s).get(i).get(0).op('i32.lt_u').brIf(0).end().get(s);
 * ```
 */
export class FunctionBuilder {
  private readonly code: number[] = [];
  private readonly locals: ValType[] = [];
  private depth = 0;
  constructor(
    readonly params: readonly ValType[],
    readonly results: readonly ValType[] = [],
  ) {}

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    return this.params.length + this.locals.push(type) - 1;
  }
  get(local: number): this {
    return this.emit(LOCAL_GET, ...uleb(local));
  }
  set(local: number): this {
    return this.emit(LOCAL_SET, ...uleb(local));
  }
  tee(local: number): this {
    return this.emit(LOCAL_TEE, ...uleb(local));
  }

  /** Instructions without immediates, in order. */
  op(...ops: Op[]): this {
    for (const o of ops) this.emit(...OPS[o]);
    return this;
  }
  i32(value: number): this {
    return this.emit(I32_CONST, ...sleb(value));
  }
  i64(value: bigint): this {
    return this.emit(I64_CONST, ...sleb64(value));
  }
  f64(value: number): this {
    return this.emit(F64_CONST, ...f64Bytes(value));
  }
  /** `v128.const` of two float64 lanes (`b` defaults to `a`). */
  f64x2(a: number, b = a): this {
    return this.emit(...V128_CONST, ...f64Bytes(a), ...f64Bytes(b));
  }
  /** `v128.const` of two 64-bit integer lanes (`b` defaults to `a`). */
  i64x2(a: bigint, b = a): this {
    return this.emit(...V128_CONST, ...i64Bytes(a), ...i64Bytes(b));
  }

  /** A load or store at the address on the stack plus `offset`. */
  mem(op: MemoryOp, arg: MemArg = {}): this {
    const [code, natural] = MEMORY_OPS[op];
    return this.emit(...code, ...memarg(arg, natural));
  }
  /** A lane load or store. */
  memLane(op: MemoryLaneOp, lane: number, arg: MemArg = {}): this {
    const [code, natural] = MEMORY_LANE_OPS[op];
    return this.emit(...code, ...memarg(arg, natural), lane);
  }
  /** Extracts or replaces a lane. */
  lane(op: LaneOp, lane: number): this {
    return this.emit(...LANE_OPS[op], lane);
  }
  /** `i8x16.shuffle`: 16 byte indices into the concatenation of the two operands (16–31: the second's). */
  shuffle(bytes: readonly number[]): this {
    if (bytes.length !== 16 || bytes.some((b) => !(b >= 0 && b < 32))) throw new RangeError(`shuffle: 16 byte indices below 32, got ${bytes.join(',')}`);
    return this.emit(...SHUFFLE, ...bytes);
  }

  /** `block` (no result); branch depth 0 inside it exits it. */
  block(): this {
    this.depth++;
    return this.emit(BLOCK, EMPTY_BLOCK);
  }
  /** `loop` (no result); branch depth 0 inside it starts it over. */
  loop(): this {
    this.depth++;
    return this.emit(LOOP, EMPTY_BLOCK);
  }
  /** `if` (no result) on the i32 on the stack. */
  if(): this {
    this.depth++;
    return this.emit(IF, EMPTY_BLOCK);
  }
  else(): this {
    return this.emit(ELSE);
  }
  /** Ends the innermost `block`, `loop` or `if`. */
  end(): this {
    if (this.depth === 0) throw new Error('end without an open block');
    this.depth--;
    return this.emit(END);
  }
  br(depth: number): this {
    return this.emit(BR, ...uleb(depth));
  }
  /** Branches to the `depth`-th enclosing label when the i32 on the stack is nonzero. */
  brIf(depth: number): this {
    return this.emit(BR_IF, ...uleb(depth));
  }
  /** Calls function `index` (imports first, then the module's functions). */
  call(index: number): this {
    return this.emit(CALL, ...uleb(index));
  }

  /** The encoded body: local declarations (runs of one type), the code, the final `end`. */
  encode(): number[] {
    if (this.depth !== 0) throw new Error(`${this.depth} block(s) left open`);
    const runs: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    return [...vector(runs.map(([n, t]) => [...uleb(n), VALTYPE[t]])), ...this.code, END];
  }

  private emit(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
}

function memarg(arg: MemArg, natural: number): number[] {
  const align = arg.align ?? natural;
  if (align > natural || align < 0) throw new RangeError(`alignment 2^${align} above the natural 2^${natural}`);
  return [...uleb(align), ...uleb(arg.offset ?? 0)];
}

// ------------------------------------------------------------------ modules

/** A function imported from the host. */
export interface FunctionImport {
  readonly module: string;
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** What {@link assemble} puts in a module. */
export interface ModuleSpec {
  /** An imported memory (one page minimum, no maximum). */
  readonly memory?: { readonly module: string; readonly name: string };
  /** Imported functions: indices 0…, before the module's own. */
  readonly imports?: readonly FunctionImport[];
  /** The module's functions, each exported under `export` if given. */
  readonly functions: readonly { readonly body: FunctionBuilder; readonly export?: string }[];
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
};
const EXTERN_FUNC = 0x00;
const EXTERN_MEMORY = 0x02;
const FUNC_TYPE = 0x60;

/**
 * The binary module of `spec` (types deduplicated).
 *
 * @example
 * ```ts
 * const f = new FunctionBuilder(['i32', 'i32'], ['i32']).get(0).get(1).op('i32.add');
 * const bytes = assemble({ functions: [{ body: f, export: 'add' }] });
 * ```
 */
export function assemble(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const types: string[] = [];
  const typeIndex = (params: readonly ValType[], results: readonly ValType[]): number => {
    const key = `${params.join(',')}>${results.join(',')}`;
    const at = types.indexOf(key);
    return at >= 0 ? at : types.push(key) - 1;
  };
  const imports = spec.imports ?? [];
  const importTypes = imports.map((f) => typeIndex(f.params, f.results));
  const functionTypes = spec.functions.map((f) => typeIndex(f.body.params, f.body.results));
  const typeSection = types.map((key) => {
    const [params, results] = key.split('>').map((s) => (s ? (s.split(',') as ValType[]) : []));
    return [FUNC_TYPE, ...vector(params!.map((t) => [VALTYPE[t]])), ...vector(results!.map((t) => [VALTYPE[t]]))];
  });
  const importSection = [
    ...(spec.memory ? [[...name(spec.memory.module), ...name(spec.memory.name), EXTERN_MEMORY, 0x00, 0x01]] : []),
    ...imports.map((f, i) => [...name(f.module), ...name(f.name), EXTERN_FUNC, ...uleb(importTypes[i]!)]),
  ];
  const exportSection = spec.functions.flatMap((f, i) => (f.export === undefined ? [] : [[...name(f.export), EXTERN_FUNC, ...uleb(imports.length + i)]]));
  const bodies = spec.functions.map((f) => {
    const body = f.body.encode();
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(typeSection)),
    ...(importSection.length ? section(2, vector(importSection)) : []),
    ...section(3, vector(functionTypes.map((t) => uleb(t)))),
    ...section(7, vector(exportSection)),
    ...section(10, vector(bodies)),
  ]);
}
