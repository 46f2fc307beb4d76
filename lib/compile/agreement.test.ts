/**
 * The generated agreement test of the emitters (issue #17): for every
 * primitive in the registry that declares an elementwise or reduction
 * lowering, on the conformance matrix's inputs (ordinary, size-1, special
 * values, extremes, int32, bool), the eager tfjs kernel, the generated JS
 * loop, the wasm SIMD loop and (on webgpu) the generated WGSL kernel give the
 * same values:
 *
 * - SIMD vs JS loop: bit for bit (NaN payloads aside), the emitters' promise;
 * - JS loop vs the eager kernel: bit for bit for exact ops (arithmetic,
 *   comparisons, choices, casts), within the fast-math bound for
 *   transcendental ones (`FAST_MATH_ULPS`), and within float32 summation
 *   error for reductions (the loop accumulates in float64);
 * - WGSL vs the eager kernel: within the spec's documented webgpu tolerance.
 *
 * A new primitive with a lowering and a conformance spec is covered here
 * without writing a test.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend } from '../testing/backends.js';
import { primitiveRegistry } from '../testing/conformance/registry.js';
import { specs, type Case } from '../testing/conformance/specs.js';
import type { HostArray } from '../testing/conformance/host.js';
import { Var, type Equation } from '../core/ir.js';
import { ConcreteTensor } from '../core/tensor.js';
import { bind1 } from '../core/trace.js';
import type { Primitive } from '../core/primitive.js';
import type { Buf, Slots } from '../core/lowering.js';
import { topoOrder, TRANSCENDENTAL_OPS, usesAny } from '../core/scalar.js';
import { allocate, elementwiseExpr, lowerEquation, lowerLoop, scalarLoop } from './hostKernels.js';
import { newArena, placeInArena, simdLoop } from './simd.js';
import { fusedPrimitive } from './fuse.js';

const registry = await primitiveRegistry();

/** Distance in float32 units in the last place (0 for equal values, equal infinities and two NaNs). */
function ulps(a: number, b: number): number {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const ia = new Int32Array(Float32Array.of(a).buffer)[0]!;
  const ib = new Int32Array(Float32Array.of(b).buffer)[0]!;
  const key = (i: number) => (i < 0 ? -2147483648 - i : i);
  return Math.abs(key(ia) - key(ib));
}

/** The bound of the fast-math functions against a correctly rounded float32 result, plus the eager kernel's own error. */
const FAST_MATH_ULPS = 4;

/** Ops that round their result (the others pick one of their operands or are exact). */
const ROUNDING_OPS: ReadonlySet<string> = new Set(['add', 'sub', 'mul', 'div', 'sqrt', 'pow']);

/** Where an eager tfjs kernel, not the compiled loop, is off the correctly rounded value (printed at the end). */
const findings = new Set<string>();
afterAll(() => {
  if (findings.size) console.log(`emitter agreement: eager kernels less accurate than the compiled loops (${findings.size}):\n  ${[...findings].join('\n  ')}`);
});

const cases = (spec: (typeof specs)[string]): [string, Case][] =>
  (['ordinary', 'size1', 'special', 'large', 'int32', 'bool'] as const).flatMap((cls) => {
    const c = spec.cases[cls];
    if (!c) return [];
    return (Array.isArray(c) ? c : [c as Case]).map((x, i) => [`${cls}${i ? i : ''}`, x] as [string, Case]);
  });

const tensorOf = (h: HostArray) => tf.tensor(h.dtype === 'bool' ? h.data.map(Boolean) : (h.data as number[]), h.shape as number[], h.dtype);
const bufOf = (h: HostArray): Buf => {
  const b = allocate(h.dtype, h.data.length);
  b.set(h.data);
  return b;
};

interface Lowered {
  readonly eq: Equation;
  readonly inputs: readonly HostArray[];
}

/** The single equation `prim(inputs)` (its output aval from the shape rule), or `undefined` when the case is an error case. */
function equationOf(prim: Primitive, c: Case): Lowered | undefined {
  const avals = c.inputs.map((h) => ({ shape: h.shape, dtype: h.dtype }));
  let out;
  try {
    out = prim.abstractEval(avals, c.params ?? {});
  } catch {
    return undefined;
  }
  if (out.length !== 1) return undefined;
  return { eq: { prim, inputs: avals.map((a, i) => new Var(-1 - i, a)), params: c.params ?? {}, outputs: [new Var(-100, out[0]!)] }, inputs: c.inputs };
}

function eagerValues(prim: Primitive, c: Case): Promise<Float32Array | Int32Array | Uint8Array> {
  const xs = c.inputs.map((h) => new ConcreteTensor(tensorOf(h)));
  const y = bind1(prim, xs, c.params ?? {});
  return (y as ConcreteTensor)._concrete()._tf.data().finally(() => {
    y.dispose();
    xs.forEach((x) => x.dispose());
  }) as Promise<Float32Array>;
}

/** Runs the host step of `eq` (a one-member loop, or the reduction kernel); with `arena`, on buffers in a wasm memory. */
function hostRun(l: Lowered, simd: boolean): { values: Buf; ran: 'js' | 'simd' | 'none' } {
  const { eq } = l;
  const out = eq.outputs[0]!;
  const env: Buf[] = [...l.inputs.map(bufOf), allocate(out.aval.dtype, out.aval.shape.reduce((a, b) => a * b, 1))];
  const slots: Slots = { ins: l.inputs.map((_, i) => i), outs: [l.inputs.length] };
  const group = { members: [eq], inputs: eq.inputs, outputs: eq.outputs, shape: out.aval.shape };
  const js = elementwiseExpr(eq) ? lowerLoop(group, slots, new Set()) : lowerEquation(eq, slots);
  if (!js) return { values: env[env.length - 1]!, ran: 'none' };
  if (!simd) {
    js(env);
    return { values: env[env.length - 1]!, ran: 'js' };
  }
  const arena = newArena();
  const program = elementwiseExpr(eq) ? scalarLoop(group) : undefined;
  const step = arena && program && simdLoop(arena, program, slots, js);
  if (!arena || !step) return { values: env[env.length - 1]!, ran: 'none' };
  placeInArena(arena, env);
  step(env);
  return { values: env[env.length - 1]!, ran: 'simd' };
}

const lowered = [...registry.values()]
  .map(({ primitive }) => primitive)
  .filter((p) => (p.lowering.kind === 'elementwise' || p.lowering.kind === 'reduce') && specs[p.name])
  .sort((a, b) => a.name.localeCompare(b.name));

describe('emitter agreement: coverage', () => {
  it('every elementwise or reduction primitive with a lowering has a conformance spec (and so rows here)', () => {
    const missing = [...registry.values()].filter(({ primitive: p }) => (p.lowering.kind === 'elementwise' || p.lowering.kind === 'reduce') && !specs[p.name]).map(({ primitive }) => primitive.name);
    expect(missing).toEqual([]);
    expect(lowered.length).toBeGreaterThan(40);
  });

  it('every primitive in lib/primitives has its own vmap rule (none falls back to the per-example loop)', () => {
    expect([...registry.values()].filter(({ primitive }) => !primitive.batch).map(({ primitive }) => primitive.name)).toEqual([]);
  });
});

describeEachBackend('emitter agreement', (backend) => {
  for (const prim of lowered) {
    for (const [name, c] of cases(specs[prim.name]!)) {
      const l = equationOf(prim, c);
      if (!l) continue;
      const out = l.eq.outputs[0]!.aval;
      if (out.shape.includes(0)) continue;
      const expr = elementwiseExpr(l.eq);
      const reduce = prim.lowering.kind === 'reduce';
      if (!expr && !reduce) continue; // dtypes the lowering does not cover: the tfjs kernel runs under jit too
      // One IEEE operation (or none) rounds once in float32 and in float64-then-float32 alike: bit-identical.
      // More than one (rsqrt = 1/√x) is rounded once by the loop and per step by a float32 kernel: ≤ 1 ulp apart.
      const roundings = expr ? topoOrder([expr]).filter((n) => n.dtype === 'float32' && ROUNDING_OPS.has(n.op)).length : 0;
      const exact = expr !== undefined && !usesAny(expr, TRANSCENDENTAL_OPS) && roundings <= 1;
      const bound = exact ? 0 : expr && !usesAny(expr, TRANSCENDENTAL_OPS) ? roundings : FAST_MATH_ULPS;
      it(`${prim.name} ${name}: JS loop ${exact ? '=' : '≈'} eager kernel, SIMD = JS loop, WGSL ≈ eager`, async () => {
        const eager = await eagerValues(prim, c);
        if (backend !== 'webgpu') {
          const js = hostRun(l, false);
          if (js.ran === 'none') return;
          const bad: string[] = [];
          const ref = specs[prim.name]!.ref(l.inputs, c.params ?? {})[0]!.data;
          eager.forEach((e, i) => {
            const g = js.values[i]!;
            const d = ulps(g, e);
            const n = l.inputs[0]!.data.length / Math.max(1, eager.length);
            if (out.dtype !== 'float32') return void (g !== e && bad.push(`[${i}] loop ${g} vs eager ${e}`));
            if (reduce ? d <= Math.max(2, n) || Math.abs(g - e) <= 1e-6 * Math.max(1, Math.abs(e)) : d <= bound) return;
            // The eager kernel is the one off when the loop is within the bound of the correctly rounded value.
            if (!reduce && ulps(g, Math.fround(ref[i]!)) <= Math.max(bound, 1)) return void findings.add(`${prim.name} on ${backend}: eager ${e} at x = ${l.inputs.map((h) => h.data[i % h.data.length]).join(', ')}, correctly rounded ${Math.fround(ref[i]!)} (${ulps(e, Math.fround(ref[i]!))} ulp); the compiled loop gives ${g}`);
            bad.push(`[${i}] loop ${g} vs eager ${e} (${d} ulp), reference ${ref[i]}`);
          });
          expect(bad.slice(0, 5), `inputs ${JSON.stringify(l.inputs.map((h) => h.data.slice(0, 8)))}`).toEqual([]);
          const simd = hostRun(l, true);
          if (simd.ran === 'simd') {
            const diff: string[] = [];
            js.values.forEach((v, i) => ulps(simd.values[i]!, v) !== 0 && diff.push(`[${i}] simd ${simd.values[i]} vs js ${v}`));
            expect(diff.slice(0, 5)).toEqual([]);
          }
          return;
        }
        // webgpu: the generated WGSL kernel of this one equation.
        if (!expr || out.dtype !== 'float32' || !c.inputs.every((h) => h.dtype === 'float32')) return;
        const xs = c.inputs.map(tensorOf);
        try {
          const [y] = fusedPrimitive.impl(xs, { expr, outShape: out.shape, ops: prim.name });
          const got = (await y!.data()) as Float32Array;
          y!.dispose();
          const spec = specs[prim.name]!;
          const rtol = Math.max(spec.backendTolerance?.webgpu?.rtol ?? 0, spec.rtol ?? 1e-5, 1e-5);
          const atol = Math.max(spec.backendTolerance?.webgpu?.atol ?? 0, spec.atol ?? 1e-6);
          const bad: string[] = [];
          const ref = spec.ref(c.inputs, c.params ?? {})[0]!.data;
          const near = (g: number, e: number) => (Number.isNaN(e) ? Number.isNaN(g) : g === e || Math.abs(g - e) <= atol + rtol * Math.abs(e));
          eager.forEach((e, i) => {
            const g = got[i]!;
            if (near(g, e)) return;
            // tfjs-webgpu's eager kernel is the one off (conformance knownFailures) when WGSL matches the reference.
            if (near(g, Math.fround(ref[i]!))) return void findings.add(`${prim.name} on webgpu: eager ${e}, reference ${ref[i]}; the generated WGSL gives ${g}`);
            bad.push(`[${i}] wgsl ${g} vs eager ${e}, reference ${ref[i]}`);
          });
          expect(bad.slice(0, 5)).toEqual([]);
        } finally {
          xs.forEach((x) => x.dispose());
        }
      });
    }
  }
});
