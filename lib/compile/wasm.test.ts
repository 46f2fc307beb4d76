/**
 * The wasm assembler (lib/compile/wasm.ts): its encodings, and each opcode it
 * names doing what the WebAssembly spec says, checked by running small
 * modules against plain JS computations.
 */
import { describe, expect, it } from 'vitest';
import { assemble, FunctionBuilder, LANE_OPS, MEMORY_LANE_OPS, MEMORY_OPS, OPS, sleb, uleb, type Op, type ValType } from './wasm.js';

/** Instantiates `f` as export `k` over a fresh one-page memory (imported as `e.m`); returns both. */
function build(f: FunctionBuilder, imports: Record<string, (...a: number[]) => number> = {}) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const names = Object.keys(imports);
  const bytes = assemble({
    memory: { module: 'e', name: 'm' },
    imports: names.map((name) => ({ module: 'm', name, params: Array<ValType>(imports[name]!.length).fill('f64'), results: ['f64'] })),
    functions: [{ body: f, export: 'k' }],
  });
  expect(WebAssembly.validate(bytes)).toBe(true);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory }, m: imports });
  return { k: instance.exports['k'] as (...a: number[]) => number, memory, bytes };
}

/** Runs a lane-wise op on (a, b) pairs stored at 0 and 16 (float64 lanes), the result stored at 32; returns its 16 bytes as float64s and int64s. */
function lanes(ops: Op[], a: [number, number], b: [number, number], arity: 1 | 2 = 2) {
  const f = new FunctionBuilder([]);
  f.i32(32).i32(0).mem('v128.load');
  if (arity === 2) f.i32(16).mem('v128.load');
  f.op(...ops).mem('v128.store');
  const { k, memory } = build(f);
  new Float64Array(memory.buffer, 0, 4).set([...a, ...b]);
  k();
  return { f64: Array.from(new Float64Array(memory.buffer, 32, 2)), i64: Array.from(new BigInt64Array(memory.buffer, 32, 2)), i32: Array.from(new Int32Array(memory.buffer, 32, 4)) };
}

describe('wasm assembler: encodings', () => {
  it('LEB128 as the spec gives it', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(0)).toEqual([0]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('a module: header, one deduplicated type, imports, the exported function, locals in runs', () => {
    const f = new FunctionBuilder(['i32', 'i32'], ['i32']);
    const t = f.local('i32');
    f.local('v128');
    f.local('v128');
    f.get(0).get(1).op('i32.add').tee(t).get(t).op('i32.mul');
    const { k, bytes } = build(f);
    expect(Array.from(bytes.slice(0, 8))).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect(k(3, 4)).toBe(49);
    // Local declarations: two runs (1 × i32, 2 × v128).
    expect(f.encode().slice(0, 5)).toEqual([2, 1, 0x7f, 2, 0x7b]);
  });

  it('refuses malformed bodies: an unmatched end, an open block, an alignment above natural, a bad shuffle', () => {
    expect(() => new FunctionBuilder([]).end()).toThrow(/end without/);
    expect(() => new FunctionBuilder([]).loop().encode()).toThrow(/left open/);
    expect(() => new FunctionBuilder(['i32']).get(0).mem('v128.load32_splat', { align: 3 })).toThrow(/alignment/);
    expect(() => new FunctionBuilder([]).shuffle([0, 1, 2])).toThrow(/shuffle/);
    expect(() => new FunctionBuilder([]).shuffle(Array<number>(16).fill(32))).toThrow(/shuffle/);
  });

  it('every opcode name maps to a distinct encoding', () => {
    const all = [...Object.values(OPS), ...Object.values(LANE_OPS), ...Object.values(MEMORY_OPS).map(([c]) => c), ...Object.values(MEMORY_LANE_OPS).map(([c]) => c)].map((c) => c.join(','));
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('wasm assembler: opcodes do what their names say', () => {
  it('control: loop with br_if, block with br, if/else, call of an import', () => {
    // Σ 1…n with a loop; n = 0 skips it through the block.
    const f = new FunctionBuilder(['i32'], ['i32']);
    const [i, s] = [f.local('i32'), f.local('i32')];
    f.block().get(0).op('i32.eqz').brIf(0);
    f.loop().get(s).get(i).i32(1).op('i32.add').tee(i).op('i32.add').set(s).get(i).get(0).op('i32.lt_u').brIf(0).end();
    f.end().get(s);
    const { k } = build(f);
    expect([k(0), k(1), k(10), k(100)]).toEqual([0, 1, 55, 5050]);
    // if/else on the sign, calling an imported function in one branch.
    const g = new FunctionBuilder(['f64'], ['f64']);
    const out = g.local('f64');
    g.get(0).f64(0).op('f64.mul').get(0).op('drop', 'drop');
    g.i32(1).if().get(0).call(0).set(out).else().f64(-1).set(out).end().get(out);
    const { k: h } = build(g, { hyp: (x: number) => Math.hypot(x, 1) });
    expect(h(3)).toBe(Math.hypot(3, 1));
  });

  it('i32 arithmetic, comparisons, shifts and select', () => {
    const cases: [Op, (a: number, b: number) => number][] = [
      ['i32.add', (a, b) => (a + b) | 0],
      ['i32.sub', (a, b) => (a - b) | 0],
      ['i32.mul', (a, b) => Math.imul(a, b)],
      ['i32.and', (a, b) => a & b],
      ['i32.or', (a, b) => a | b],
      ['i32.xor', (a, b) => a ^ b],
      ['i32.shl', (a, b) => a << b],
      ['i32.shr_s', (a, b) => a >> b],
      ['i32.shr_u', (a, b) => (a >>> b) | 0],
      ['i32.eq', (a, b) => +(a === b)],
      ['i32.ne', (a, b) => +(a !== b)],
      ['i32.lt_s', (a, b) => +(a < b)],
      ['i32.lt_u', (a, b) => +(a >>> 0 < b >>> 0)],
      ['i32.gt_s', (a, b) => +(a > b)],
      ['i32.gt_u', (a, b) => +(a >>> 0 > b >>> 0)],
      ['i32.le_s', (a, b) => +(a <= b)],
      ['i32.le_u', (a, b) => +(a >>> 0 <= b >>> 0)],
      ['i32.ge_s', (a, b) => +(a >= b)],
      ['i32.ge_u', (a, b) => +(a >>> 0 >= b >>> 0)],
    ];
    for (const [op, js] of cases) {
      const { k } = build(new FunctionBuilder(['i32', 'i32'], ['i32']).get(0).get(1).op(op));
      for (const [a, b] of [[7, 3], [-5, 2], [3, 7], [-1, -1], [0x7fffffff, 1]] as [number, number][]) expect(k(a, b), `${op}(${a}, ${b})`).toBe(js(a, b));
    }
    const { k } = build(new FunctionBuilder(['i32', 'i32', 'i32'], ['i32']).get(0).get(1).get(2).op('select'));
    expect([k(5, 9, 1), k(5, 9, 0)]).toEqual([5, 9]);
    expect(build(new FunctionBuilder(['i32'], ['i32']).get(0).op('i32.eqz')).k(0)).toBe(1);
  });

  it('f64x2 arithmetic, min/max (NaN wins, −0 < +0), pmin/pmax, comparisons as lane masks', () => {
    const a: [number, number] = [1.5, -0];
    const b: [number, number] = [NaN, 0];
    expect(lanes(['f64x2.add'], [1, 2], [0.5, -4]).f64).toEqual([1.5, -2]);
    expect(lanes(['f64x2.sub'], [1, 2], [0.5, -4]).f64).toEqual([0.5, 6]);
    expect(lanes(['f64x2.mul'], [1.5, 2], [0.5, -4]).f64).toEqual([0.75, -8]);
    expect(lanes(['f64x2.div'], [1, 2], [4, -0]).f64).toEqual([0.25, -Infinity]);
    expect(lanes(['f64x2.min'], a, b).f64).toEqual([NaN, -0]);
    expect(lanes(['f64x2.max'], a, b).f64).toEqual([NaN, 0]);
    // pmin(a, b) = b < a ? b : a; pmax(a, b) = a < b ? b : a.
    expect(lanes(['f64x2.pmin'], [NaN, 3], [1, 2]).f64).toEqual([NaN, 2]);
    expect(lanes(['f64x2.pmax'], [NaN, 3], [1, 2]).f64).toEqual([NaN, 3]);
    const cmp: [Op, boolean[]][] = [
      ['f64x2.eq', [false, true]],
      ['f64x2.ne', [true, false]],
      ['f64x2.lt', [false, false]],
      ['f64x2.gt', [false, false]],
      ['f64x2.le', [false, true]],
      ['f64x2.ge', [false, true]],
    ];
    for (const [op, want] of cmp) expect(lanes([op], [NaN, -0], [NaN, 0]).i64, op).toEqual(want.map((t) => (t ? -1n : 0n)));
    expect(lanes(['f64x2.lt'], [1, 3], [2, 2]).i64).toEqual([-1n, 0n]);
  });

  it('f64x2 unary ops, rounding to float32 and back, conversions', () => {
    expect(lanes(['f64x2.abs'], [-2, -0], [0, 0], 1).f64).toEqual([2, 0]);
    expect(lanes(['f64x2.neg'], [-2, 0], [0, 0], 1).f64).toEqual([2, -0]);
    expect(lanes(['f64x2.sqrt'], [2, -1], [0, 0], 1).f64).toEqual([Math.SQRT2, NaN]);
    expect(lanes(['f64x2.floor'], [-2.5, 2.5], [0, 0], 1).f64).toEqual([-3, 2]);
    expect(lanes(['f64x2.ceil'], [-2.5, 2.5], [0, 0], 1).f64).toEqual([-2, 3]);
    expect(lanes(['f64x2.trunc'], [-2.5, 2.5], [0, 0], 1).f64).toEqual([-2, 2]);
    expect(lanes(['f64x2.nearest'], [-2.5, 3.5], [0, 0], 1).f64).toEqual([-2, 4]);
    expect(lanes(['f32x4.demote_f64x2_zero', 'f64x2.promote_low_f32x4'], [0.1, 1e300], [0, 0], 1).f64).toEqual([Math.fround(0.1), Infinity]);
    // trunc_sat: toward 0, NaN → 0, saturating; convert_low reads lanes 0 and 1 back.
    expect(lanes(['i32x4.trunc_sat_f64x2_s_zero'], [-2.7, 1e10], [0, 0], 1).i32).toEqual([-2, 2147483647, 0, 0]);
    expect(lanes(['i32x4.trunc_sat_f64x2_s_zero', 'f64x2.convert_low_i32x4_s'], [-2.7, NaN], [0, 0], 1).f64).toEqual([-2, 0]);
    expect(lanes(['i32x4.trunc_sat_f64x2_s_zero', 'i64x2.extend_low_i32x4_s'], [-5, 7], [0, 0], 1).i64).toEqual([-5n, 7n]);
    expect(lanes(['i32x4.trunc_sat_f64x2_s_zero', 'i64x2.extend_low_i32x4_u'], [-5, 7], [0, 0], 1).i64).toEqual([2n ** 32n - 5n, 7n]);
  });

  it('integer lanes and bitwise ops', () => {
    /** Stores the vector `body` leaves at address 0; returns it as int64 and int32 lanes. */
    const f = (body: (g: FunctionBuilder) => void) => {
      const g = new FunctionBuilder([]);
      g.i32(0);
      body(g);
      const { k, memory } = build(g.mem('v128.store'));
      k();
      return { i64: Array.from(new BigInt64Array(memory.buffer, 0, 2)), i32: Array.from(new Int32Array(memory.buffer, 0, 4)) };
    };
    expect(f((g) => g.i64x2(5n, -6n).i32(2).op('i64x2.shl')).i64).toEqual([20n, -24n]);
    expect(f((g) => g.i64x2(-8n, 8n).i32(1).op('i64x2.shr_s')).i64).toEqual([-4n, 4n]);
    expect(f((g) => g.i64x2(-8n, 8n).i32(60).op('i64x2.shr_u')).i64).toEqual([15n, 0n]);
    expect(f((g) => g.i64x2(5n, -6n).i64x2(1n, 2n).op('i64x2.add')).i64).toEqual([6n, -4n]);
    expect(f((g) => g.i64x2(5n, -6n).i64x2(1n, 2n).op('i64x2.sub')).i64).toEqual([4n, -8n]);
    expect(f((g) => g.i64x2(5n, -6n).i64x2(5n, 2n).op('i64x2.eq')).i64).toEqual([-1n, 0n]);
    expect(f((g) => g.i64x2(5n, -6n).i64x2(3n, 2n).op('i64x2.mul')).i64).toEqual([15n, -12n]);
    expect(f((g) => g.i64x2(5n, -6n).op('i64x2.abs')).i64).toEqual([5n, 6n]);
    expect(f((g) => g.i64x2(5n, -6n).op('i64x2.neg')).i64).toEqual([-5n, 6n]);
    expect(f((g) => g.i64x2(5n, -6n).i64x2(5n, 2n).op('i64x2.lt_s')).i64).toEqual([0n, -1n]);
    expect(f((g) => g.i64x2(5n, -6n).i64x2(5n, 2n).op('i64x2.le_s')).i64).toEqual([-1n, -1n]);
    expect(f((g) => g.i64x2(5n, -6n).i64x2(5n, 2n).op('i64x2.gt_s')).i64).toEqual([0n, 0n]);
    expect(f((g) => g.i64x2(5n, -6n).i64x2(5n, 2n).op('i64x2.ge_s')).i64).toEqual([-1n, 0n]);
    // extend_high: 32-bit lanes 2 and 3, sign-extended.
    expect(f((g) => g.i64x2(0n, BigInt.asIntN(64, 0xfffffff900000004n)).op('i64x2.extend_high_i32x4_s')).i64).toEqual([4n, -7n]);
    expect(f((g) => g.i64x2(5n, -6n).i64x2(5n, 2n).op('i64x2.ne')).i64).toEqual([0n, -1n]);
    expect(f((g) => g.i32(7).op('i32x4.splat').i32(3).op('i32x4.splat').op('i32x4.sub')).i32).toEqual([4, 4, 4, 4]);
    expect(f((g) => g.i32(7).op('i32x4.splat').i32(3).op('i32x4.splat').op('i32x4.add')).i32).toEqual([10, 10, 10, 10]);
    expect(f((g) => g.i32(7).op('i32x4.splat').i32(3).op('i32x4.shl')).i32).toEqual([56, 56, 56, 56]);
    expect(f((g) => g.i64(-3n).op('i64x2.splat')).i64).toEqual([-3n, -3n]);
    expect(f((g) => g.f64(2.5).op('f64x2.splat').i64x2(-1n, 0n).op('v128.and')).i64).toEqual([BigInt.asIntN(64, 0x4004000000000000n), 0n]);
    expect(f((g) => g.i64x2(12n, 10n).i64x2(10n, 12n).op('v128.or')).i64).toEqual([14n, 14n]);
    expect(f((g) => g.i64x2(12n, 10n).i64x2(10n, 12n).op('v128.xor')).i64).toEqual([6n, 6n]);
    expect(f((g) => g.i64x2(12n, 10n).i64x2(10n, 12n).op('v128.andnot')).i64).toEqual([4n, 2n]);
    expect(f((g) => g.i64x2(0n, -1n).op('v128.not')).i64).toEqual([-1n, 0n]);
    // bitselect(a, b, mask): a where the mask is set.
    expect(f((g) => g.i64x2(1n, 2n).i64x2(3n, 4n).i64x2(-1n, 0n).op('v128.bitselect')).i64).toEqual([1n, 4n]);
    // any_true as an i32, stored through i32x4.splat.
    expect(f((g) => g.i64x2(0n, 0n).op('v128.any_true', 'i32x4.splat')).i32[0]).toBe(0);
    expect(f((g) => g.i64x2(0n, 1n).op('v128.any_true', 'i32x4.splat')).i32[0]).toBe(1);
    expect(f((g) => g.f64x2(1.5, -2).lane('f64x2.extract_lane', 1).op('f64x2.splat')).i64[0]).toBe(BigInt.asIntN(64, 0xc000000000000000n));
    expect(f((g) => g.f64x2(1.5, -2).f64(7).lane('f64x2.replace_lane', 0).lane('i64x2.extract_lane', 0).op('i64x2.splat')).i64[0]).toBe(0x401c000000000000n);
    expect(f((g) => g.i32(9).op('i32x4.splat').lane('i32x4.extract_lane', 2).op('i32x4.splat')).i32).toEqual([9, 9, 9, 9]);
    // Bytes to 64-bit lanes: extend 8 → 16 → 32 → 64 (unsigned).
    expect(f((g) => g.i32(0x0201).op('i32x4.splat', 'i16x8.extend_low_i8x16_u', 'i32x4.extend_low_i16x8_u', 'i64x2.extend_low_i32x4_u')).i64).toEqual([1n, 2n]);
  });

  it('memory access: loads, splats, zero-extending loads, stores of lanes, offsets and the f32x4 lanes of a shuffle', () => {
    const run = (body: (f: FunctionBuilder) => void, setup: (m: WebAssembly.Memory) => void) => {
      const f = new FunctionBuilder([]);
      body(f);
      const { k, memory } = build(f);
      setup(memory);
      k();
      return memory;
    };
    const m = run(
      (f) => {
        f.i32(64).i32(0).mem('v128.load32_splat', { offset: 4 }).mem('v128.store');
        f.i32(80).i32(0).mem('v128.load64_zero').mem('v128.store');
        f.i32(96).i32(0).mem('v128.load32_zero', { align: 0 }).mem('v128.store');
        f.i32(112).i32(0).mem('v128.load8_splat').mem('v128.store');
        f.i32(128).i32(0).mem('v128.load16_splat').mem('v128.store');
        // Reverse the four floats of the first 16 bytes with a shuffle of the same vector.
        f.i32(144).i32(0).mem('v128.load').i32(0).mem('v128.load').shuffle([12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]).mem('v128.store');
        f.i32(160).i32(0).mem('v128.load').memLane('v128.store64_lane', 1);
        f.i32(168).i32(0).mem('v128.load').memLane('v128.store32_lane', 3);
        f.i32(172).i32(0).mem('v128.load').memLane('v128.store16_lane', 0);
        f.i32(174).i32(0).mem('v128.load').memLane('v128.store8_lane', 5);
        f.i32(176).i32(0).mem('i32.load', { offset: 8 }).mem('i32.store');
        f.i32(184).i32(8).mem('f64.load').op('f64.sqrt').f64(1).op('f64.add').mem('f64.store');
      },
      (mem) => new Float32Array(mem.buffer, 0, 4).set([1, 2, 3, 4]),
    );
    const f32 = (at: number, n: number) => Array.from(new Float32Array(m.buffer, at, n));
    const u8 = (at: number, n: number) => Array.from(new Uint8Array(m.buffer, at, n));
    expect(f32(64, 4)).toEqual([2, 2, 2, 2]);
    expect(f32(80, 4)).toEqual([1, 2, 0, 0]);
    expect(f32(96, 4)).toEqual([1, 0, 0, 0]);
    expect(u8(112, 16)).toEqual(Array<number>(16).fill(u8(0, 1)[0]!));
    expect(u8(128, 16)).toEqual(Array.from({ length: 16 }, (_, i) => u8(0, 2)[i % 2]!));
    expect(f32(144, 4)).toEqual([4, 3, 2, 1]);
    expect(f32(160, 2)).toEqual([3, 4]);
    expect(f32(168, 1)).toEqual([4]);
    expect(u8(172, 2)).toEqual(u8(0, 2));
    expect(u8(174, 1)).toEqual(u8(5, 1));
    expect(f32(176, 1)).toEqual([3]);
    expect(new Float64Array(m.buffer, 184, 1)[0]).toBe(Math.sqrt(new Float64Array(m.buffer, 8, 1)[0]!) + 1);
  });

  it('f32x4 add and mul (in float32)', () => {
    const f = new FunctionBuilder([]);
    f.i32(32).i32(0).mem('v128.load').i32(16).mem('v128.load').op('f32x4.mul').i32(0).mem('v128.load').op('f32x4.add').mem('v128.store');
    const { k, memory } = build(f);
    const a = [0.1, 1e30, -3, 2 ** -140];
    const b = [0.3, 1e10, 0.5, 0.5];
    new Float32Array(memory.buffer, 0, 8).set([...a, ...b]);
    k();
    const [fa, fb] = [a.map(Math.fround), b.map(Math.fround)];
    expect(Array.from(new Float32Array(memory.buffer, 32, 4))).toEqual(fa.map((x, i) => Math.fround(x + Math.fround(x * fb[i]!))));
  });
});
