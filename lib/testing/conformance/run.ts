/**
 * Runs one conformance case through one path (eager, jit, vmap, jvp, grad,
 * jit of grad, order-2 checkGrads) and compares it with the float64
 * reference and with the eager path. Returns null on success, or a message
 * naming what differed (expected vs actual). Not part of the public API.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dtype } from '../../../typelevel/index.js';
import { memory, scope } from '../../core/memory.js';
import type { BackendName } from '../../backend/index.js';
import type { Params, Primitive } from '../../core/primitive.js';
import { ConcreteTensor, type AnyTensor } from '../../core/tensor.js';
import { bind } from '../../core/trace.js';
import { DtypeError, ShapeError, TransformError } from '../../core/errors.js';
import { checkGradsAsync } from '../../debug/checkGrads.js';
import { jit } from '../../compile/jit.js';
import { jvp } from '../../transforms/forward.js';
import { vjp } from '../../transforms/reverse.js';
import { vmap } from '../../transforms/vmap.js';
import { traceOptimized } from '../../compile/optimize.js';
import { flatten } from '../../core/pytree.js';
import { lowerToOnnx, missingOnnxForms } from '../../onnx/lower.js';
import { host, inFloat64, map, ravel, size, stack, uniform, unravel, type HostArray } from './host.js';
import type { Case, InputClass, PathName, PrimitiveSpec } from './specs.js';

/** The outcome of one case on one path: pass, a failure message, or not applicable. */
export type Outcome = { kind: 'pass' } | { kind: 'fail'; message: string } | { kind: 'n/a'; why: string };

const pass: Outcome = { kind: 'pass' };
const fail = (message: string): Outcome => ({ kind: 'fail', message });
const na = (why: string): Outcome => ({ kind: 'n/a', why });

export const DEFAULT_DERIV_CLASSES: readonly InputClass[] = ['ordinary', 'size1', 'empty', 'large'];

function toTensor(h: HostArray): AnyTensor {
  const values = h.dtype === 'float32' ? Float32Array.from(h.data) : h.dtype === 'int32' ? Int32Array.from(h.data) : Uint8Array.from(h.data);
  return new ConcreteTensor(tf.tensor(values, h.shape as number[], h.dtype)) as AnyTensor;
}

async function toHost(t: AnyTensor): Promise<HostArray> {
  const data = Array.from(await t.data(), Number);
  return { shape: [...t.shape], dtype: t.dtype, data };
}

const show = (h: HostArray): string => `${h.dtype}[${h.shape.join(',')}] ${showValues(h.data)}`;
const showValues = (d: readonly number[]): string => `[${d.slice(0, 12).map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(', ')}${d.length > 12 ? ', …' : ''}]`;

/**
 * Compares `actual` with `expected`: same shape and dtype; NaN where NaN,
 * ±Inf exactly, finite values within rtol·|e| + atol·max(1, max |e|).
 */
export function compare(actual: HostArray, expected: HostArray, rtol: number, atol: number): string | null {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return `shape [${actual.shape.join(',')}], expected [${expected.shape.join(',')}]`;
  }
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  const scale = Math.max(1, ...expected.data.filter(Number.isFinite).map(Math.abs));
  for (let k = 0; k < expected.data.length; k++) {
    const a = actual.data[k]!;
    const e = expected.data[k]!;
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= rtol * Math.abs(e) + atol * scale;
    if (!ok) return `at [${unravel(k, expected.shape).join(',')}] got ${a}, expected ${e}\n      actual   ${show(actual)}\n      expected ${show(expected)}`;
  }
  return null;
}

/** The expected outputs, or the error the reference raises. */
function reference(spec: PrimitiveSpec, inputs: readonly HostArray[], params: Params): { outs: HostArray[] } | { error: string } {
  try {
    return { outs: spec.ref(inputs, params) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Runs `f` on fresh tensors of `inputs` inside a scope; reads its (array of) outputs back; checks that nothing leaked. */
async function evaluate(inputs: readonly HostArray[], f: (xs: AnyTensor[]) => AnyTensor[] | Promise<AnyTensor[]>, checkLeaks: boolean): Promise<{ outs: HostArray[] } | { error: string; clear?: boolean }> {
  const before = memory().tensors;
  let result: { outs: HostArray[] } | { error: string; clear?: boolean };
  try {
    const outs = await scope(async () => {
      const xs = inputs.map(toTensor);
      const ys = await f(xs);
      return Promise.all(ys.map(toHost));
    });
    result = { outs };
  } catch (e) {
    result = { error: `${(e as Error).name}: ${(e as Error).message}`, clear: e instanceof ShapeError || e instanceof DtypeError || e instanceof TransformError };
  }
  isolate();
  const leaked = memory().tensors - before;
  if (checkLeaks && leaked !== 0 && 'outs' in result) return { error: `leaked ${leaked} tensor(s)` };
  return result;
}

/**
 * Submits the webgpu commands still queued, so that a case whose kernels made
 * the command buffer invalid (a zero-sized binding, say) cannot take the next
 * case's work down with it: tfjs-webgpu batches dispatches from many ops into
 * one command buffer, and one invalid bind group voids all of them (observed:
 * after conv2d of a batch-0 input throws, the next conv2d filter gradient reads
 * back as zeros). Reaches into tfjs-backend-webgpu's queue; test isolation only.
 */
function isolate(): void {
  if (tf.getBackend() !== 'webgpu') return;
  const b = tf.backend() as unknown as { endComputePassEncoder?: () => void; submitQueue?: () => void; commandEncoder?: unknown };
  b.endComputePassEncoder?.();
  if (b.commandEncoder) b.submitQueue?.();
}

function compareAll(what: string, actual: readonly HostArray[], expected: readonly HostArray[], rtol: number, atol: number): string | null {
  if (actual.length !== expected.length) return `${what}: ${actual.length} outputs, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const d = compare(actual[i]!, expected[i]!, rtol, atol);
    if (d) return `${what}${expected.length > 1 ? ` (output ${i})` : ''}: ${d}`;
  }
  return null;
}

/** Both error, or both values matching; the message otherwise. */
function verdict(
  what: string,
  got: { outs: HostArray[] } | { error: string; clear?: boolean },
  want: { outs: HostArray[] } | { error: string },
  rtol: number,
  atol: number,
): string | null {
  // Bad input must give a clear error (ShapeError, DtypeError or TransformError naming the op), not a kernel's TypeError.
  if ('error' in want) {
    if (!('error' in got)) return `${what}: expected an error (${want.error}), got ${got.outs.map(show).join('; ')}`;
    return got.clear ? null : `${what}: expected a ShapeError/DtypeError/TransformError (${want.error}), got ${got.error}`;
  }
  if ('error' in got) return `${what}: threw ${got.error}`;
  return compareAll(what, got.outs, want.outs, rtol, atol);
}

const applyPrim = (prim: Primitive, params: Params) => (xs: readonly AnyTensor[]) => bind(prim, xs, params) as AnyTensor[];

/** The second entry of a vmap batch. */
function varied(spec: PrimitiveSpec, x: HostArray, i: number): HostArray {
  if (spec.vary) return spec.vary(x, i);
  return x.dtype === 'float32' ? map([x], 'float32', (v) => 0.5 * v + 0.25) : x;
}

// ------------------------------------------------------------- derivatives

/** Which inputs a case differentiates: the spec's list, or every float32 input. */
function diffInputs(spec: PrimitiveSpec, c: Case): number[] {
  const all = c.inputs.map((x, i) => (x.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
  return spec.diff ? spec.diff.filter((i) => all.includes(i)) : all;
}

/**
 * What a derivative path needs of a case, or why it does not apply: the
 * differentiated inputs (float32), the float32 outputs, and the gradient
 * tolerances (the spec's, loosened by the backend's).
 */
function derivativeSetup(
  spec: PrimitiveSpec,
  cls: InputClass,
  c: Case,
  want: { outs: HostArray[] } | { error: string },
  loose: { rtol?: number; atol?: number },
): { kind: 'n/a'; why: string } | { outs: HostArray[]; diff: number[]; floatOut: number[]; gradRtol: number; gradAtol: number } {
  const derivClasses = spec.derivClasses ?? (spec.partial || spec.zeroDerivative ? DEFAULT_DERIV_CLASSES : DEFAULT_DERIV_CLASSES.filter((k) => k !== 'large'));
  if (!derivClasses.includes(cls)) return { kind: 'n/a', why: `derivatives are not checked for class ${cls}` };
  if ('error' in want) return { kind: 'n/a', why: 'the reference raises an error' };
  const diff = diffInputs(spec, c);
  if (diff.length === 0) return { kind: 'n/a', why: 'no float32 input to differentiate' };
  const floatOut = want.outs.map((o, i) => (o.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
  if (floatOut.length === 0) return { kind: 'n/a', why: 'no float32 output' };
  return { outs: want.outs, diff, floatOut, gradRtol: Math.max(spec.gradRtol ?? 1e-4, loose.rtol ?? 0), gradAtol: Math.max(1e-5, loose.atol ?? 0) };
}

/**
 * The Jacobian of the reference's float32 outputs (flattened and
 * concatenated) with respect to each differentiated input, in float64:
 * analytic for elementwise primitives with `partial`, else central differences.
 */
function jacobians(spec: PrimitiveSpec, c: Case, diff: readonly number[], outs: readonly HostArray[]): number[][][] {
  const params = c.params ?? {};
  const floatOuts = outs.map((o, i) => (o.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
  const rows = floatOuts.reduce((n, i) => n + outs[i]!.data.length, 0);
  return diff.map((i) => {
    const x = c.inputs[i]!;
    const jac = Array.from({ length: rows }, () => new Array<number>(x.data.length).fill(0));
    if (spec.zeroDerivative) return jac;
    if (spec.partial) {
      const d = spec.partial(c.inputs, params, i);
      // Output element k reads input element src(k) (broadcasting).
      const shape = outs[0]!.shape;
      for (let k = 0; k < rows; k++) {
        const idx = unravel(k, shape);
        const lead = idx.length - x.shape.length;
        const src = ravel(x.shape.map((s, a) => (s === 1 ? 0 : idx[lead + a]!)), x.shape);
        jac[k]![src]! += d.data[k]!;
      }
      return jac;
    }
    for (let j = 0; j < x.data.length; j++) {
      const h = 1e-6 * Math.max(1, Math.abs(x.data[j]!));
      const at = (delta: number) => {
        const data = x.data.slice();
        data[j]! += delta;
        const inputs = c.inputs.slice();
        inputs[i] = { ...x, data };
        const ys = inFloat64(() => spec.ref(inputs, params));
        return floatOuts.flatMap((o) => ys[o]!.data as number[]);
      };
      const plus = at(h);
      const minus = at(-h);
      for (let k = 0; k < rows; k++) jac[k]![j] = (plus[k]! - minus[k]!) / (2 * h);
    }
    return jac;
  });
}

/** Splits a flat float64 vector into host arrays shaped like the float outputs. */
function splitOutputs(flat: readonly number[], outs: readonly HostArray[]): HostArray[] {
  let k = 0;
  return outs
    .filter((o) => o.dtype === 'float32')
    .map((o) => {
      const n = o.data.length;
      return host(o.shape, 'float32', flat.slice(k, (k += n)));
    });
}

/** Deterministic directions in [-1, 1) shaped like `like`. */
const direction = (like: HostArray, seed: number): HostArray => uniform(like.shape, -1, 1, seed);

// ------------------------------------------------------------------- paths

/** Runs `c` of class `cls` through `path` on the active backend (`backend` names it). */
export async function runCase(prim: Primitive, spec: PrimitiveSpec, cls: InputClass, c: Case, path: PathName, backend: BackendName): Promise<Outcome> {
  const params = c.params ?? {};
  const loose = spec.backendTolerance?.[backend] ?? {};
  const rtol = Math.max(spec.rtol ?? 1e-5, loose.rtol ?? 0);
  const atol = Math.max(spec.atol ?? 1e-6, loose.atol ?? 0);
  const want = reference(spec, c.inputs, params);
  const f = applyPrim(prim, params);
  const eager = () => evaluate(c.inputs, (xs) => f(xs), path === 'eager');

  if (path === 'eager') {
    const r = verdict('eager', await eager(), want, rtol, atol);
    return r ? fail(r) : pass;
  }
  if (path === 'jit') {
    const g = jit((...xs: AnyTensor[]) => f(xs));
    const got = await evaluate(c.inputs, (xs) => g(...xs) as AnyTensor[], false);
    // Freed now: left to the garbage collector, its cache's constants are released during a later case, whose leak count then goes negative.
    g.clear();
    const r = verdict('jit vs reference', got, want, rtol, atol);
    if (r) return fail(r);
    const e = await eager();
    // Compiled and eager agree (within float32 rounding of reassociated sums).
    const r2 = 'outs' in e && 'outs' in got ? compareAll('jit vs eager', got.outs, e.outs, rtol, atol) : null;
    return r2 ? fail(r2) : pass;
  }
  if (path === 'vmap') {
    const second = c.inputs.map((x, i) => varied(spec, x, i));
    const want2 = reference(spec, second, params);
    const batched = c.inputs.map((x, i) => stack([x, second[i]!]));
    const wantBatch = 'error' in want ? want : 'error' in want2 ? want2 : { outs: want.outs.map((o, k) => stack([o, want2.outs[k]!])) };
    const g = vmap((...xs: AnyTensor[]) => f(xs));
    const got = await evaluate(batched, (xs) => g(...xs) as AnyTensor[], true);
    const r = verdict('vmap (batch of 2)', got, wantBatch, rtol, atol);
    return r ? fail(r) : pass;
  }

  // Derivative paths.
  const setup = derivativeSetup(spec, cls, c, want, loose);
  if ('why' in setup) return setup;
  const { outs: wantOuts, diff, floatOut, gradRtol, gradAtol } = setup;

  /** The primitive as a function of the differentiated inputs only, returning its float outputs. */
  const partialFn = (xs: readonly AnyTensor[]) => (...ds: AnyTensor[]) => {
    const all = xs.slice();
    diff.forEach((i, k) => (all[i] = ds[k]!));
    const ys = f(all);
    return floatOut.map((o) => ys[o]!);
  };

  if (path === 'grad2') {
    if (cls !== 'ordinary') return na('order 2 is checked on the ordinary class');
    // checkGrads at order 2 reads back hundreds of small results: minutes on SwiftShader. Order 1 runs on webgpu.
    if (backend === 'webgpu') return na('order 2 runs on cpu and wasm only (too slow on webgpu)');
    try {
      await scope(async () => {
        const xs = c.inputs.map(toTensor);
        const g = partialFn(xs);
        await checkGradsAsync((...ds: AnyTensor[]) => g(...ds)[0]!, diff.map((i) => xs[i]!), { order: 2 });
      });
      return pass;
    } catch (e) {
      isolate();
      return fail(`checkGrads order 2: ${(e as Error).message}`);
    }
  }

  const jac = jacobians(spec, c, diff, wantOuts);
  const rows = jac[0]!.length;
  if (path === 'jvp') {
    const tangents = diff.map((i, k) => direction(c.inputs[i]!, 300 + k));
    const flat = new Array<number>(rows).fill(0);
    diff.forEach((_, k) => jac[k]!.forEach((row, r) => row.forEach((v, j) => (flat[r]! += v * tangents[k]!.data[j]!))));
    const expected = { outs: splitOutputs(flat, wantOuts) };
    const got = await evaluate([...c.inputs, ...tangents], (all) => {
      const xs = all.slice(0, c.inputs.length);
      const ts = all.slice(c.inputs.length);
      const [, tOut] = jvp(partialFn(xs), diff.map((i) => xs[i]!), ts);
      return tOut;
    }, true);
    const r = verdict('jvp', got, expected, gradRtol, gradAtol);
    return r ? fail(r) : pass;
  }

  // grad and jitGrad: a vjp with a random cotangent on every float output.
  const cts = floatOut.map((o, k) => direction(wantOuts[o]!, 400 + k));
  const ctFlat = cts.flatMap((ct) => ct.data as number[]);
  const expected = {
    outs: diff.map((i, k) => {
      const x = c.inputs[i]!;
      const g = new Array<number>(x.data.length).fill(0);
      jac[k]!.forEach((row, r) => row.forEach((v, j) => (g[j]! += v * ctFlat[r]!)));
      return host(x.shape, 'float32', g);
    }),
  };
  const pullbackOf = (xs: readonly AnyTensor[], ctTensors: readonly AnyTensor[]) => {
    const [, pullback] = vjp(partialFn(xs), ...diff.map((i) => xs[i]!));
    return pullback(ctTensors as AnyTensor[]) as AnyTensor[];
  };
  if (path === 'grad') {
    const got = await evaluate([...c.inputs, ...cts], (all) => pullbackOf(all.slice(0, c.inputs.length), all.slice(c.inputs.length)), true);
    const r = verdict('grad (vjp)', got, expected, gradRtol, gradAtol);
    return r ? fail(r) : pass;
  }
  // jitGrad: the whole pullback compiled.
  const n = c.inputs.length;
  const g = jit((...all: AnyTensor[]) => pullbackOf(all.slice(0, n), all.slice(n)));
  const got = await evaluate([...c.inputs, ...cts], (all) => g(...all) as AnyTensor[], false);
  g.clear(); // as in the jit path: not left to the garbage collector
  const r = verdict('jit(grad)', got, expected, gradRtol, gradAtol);
  return r ? fail(r) : pass;
}

/** The cases of one class as a list. */
export function casesOf(spec: PrimitiveSpec, cls: InputClass): readonly Case[] {
  const c = spec.cases[cls];
  return c === undefined ? [] : Array.isArray(c) ? (c as readonly Case[]) : [c as Case];
}

export const dtypeOf = (h: HostArray): Dtype => h.dtype;
export { size };

// ------------------------------------------------------------------ ONNX target

/** The ONNX paths: the primitive, its `vmap` (a batch of two), its `vjp`, and `vmap` of its `vjp` (nesting), each traced, lowered to ONNX and run by ONNX Runtime. */
export const ONNX_PATHS = ['onnx', 'onnxVmap', 'onnxGrad', 'onnxVmapGrad'] as const;
export type OnnxPathName = (typeof ONNX_PATHS)[number];

/** How a case's program runs through ONNX: `run` (ONNX Runtime on the model bytes) is the test's, so this module needs no ONNX package. */
export type OnnxRunner = (bytes: Uint8Array, inputs: readonly HostArray[]) => Promise<HostArray[]>;

/** An ONNX outcome: also `missing` when the program holds primitives without an ONNX form. */
export type OnnxOutcome = Outcome | { kind: 'missing'; primitives: string[] };

/**
 * Runs `c` through an ONNX path: the function (the primitive, its vmap, or
 * its pullback) is traced and optimized as `jit` does, lowered to ONNX, run
 * by `run`, and compared with the float64 reference at the spec's
 * tolerances (the cpu backend's). A program with a primitive without an ONNX
 * form is `missing` (naming them); a case the reference rejects must fail
 * to trace with a clear error.
 */
export async function runOnnxCase(prim: Primitive, spec: PrimitiveSpec, cls: InputClass, c: Case, path: OnnxPathName, run: OnnxRunner): Promise<OnnxOutcome> {
  const params = c.params ?? {};
  const loose = spec.backendTolerance?.cpu ?? {};
  const rtol = Math.max(spec.rtol ?? 1e-5, loose.rtol ?? 0);
  const atol = Math.max(spec.atol ?? 1e-6, loose.atol ?? 0);
  const want = reference(spec, c.inputs, params);
  const f = applyPrim(prim, params);
  let fn: (...xs: AnyTensor[]) => AnyTensor[];
  let inputs: readonly HostArray[];
  let expected: { outs: HostArray[] } | { error: string };
  let tol = [rtol, atol];
  if (path === 'onnx') {
    fn = (...xs) => f(xs);
    inputs = c.inputs;
    expected = want;
  } else if (path === 'onnxVmap') {
    const second = c.inputs.map((x, i) => varied(spec, x, i));
    const want2 = reference(spec, second, params);
    inputs = c.inputs.map((x, i) => stack([x, second[i]!]));
    expected = 'error' in want ? want : 'error' in want2 ? want2 : { outs: want.outs.map((o, k) => stack([o, want2.outs[k]!])) };
    const g = vmap((...xs: AnyTensor[]) => f(xs));
    fn = (...xs) => g(...xs) as AnyTensor[];
  } else {
    const setup = derivativeSetup(spec, cls, c, want, loose);
    if ('why' in setup) return setup;
    const { outs: wantOuts, diff, floatOut } = setup;
    tol = [setup.gradRtol, setup.gradAtol];
    const cts = floatOut.map((o, k) => direction(wantOuts[o]!, 400 + k));
    /** The vjp of the reference at `at` (a case's inputs) with the cotangents `cts`. */
    const expectedGrad = (at: Case, outs: readonly HostArray[]) => {
      const jac = jacobians(spec, at, diff, outs);
      const ctFlat = cts.flatMap((ct) => ct.data as number[]);
      return diff.map((i, k) => {
        const x = at.inputs[i]!;
        const gr = new Array<number>(x.data.length).fill(0);
        jac[k]!.forEach((row, r) => row.forEach((v, j) => (gr[j]! += v * ctFlat[r]!)));
        return host(x.shape, 'float32', gr);
      });
    };
    const n = c.inputs.length;
    const pullback = (...all: AnyTensor[]): AnyTensor[] => {
      const xs = all.slice(0, n);
      const partialFn = (...ds: AnyTensor[]) => {
        const args = xs.slice();
        diff.forEach((i, k) => (args[i] = ds[k]!));
        const ys = f(args);
        return floatOut.map((o) => ys[o]!);
      };
      const [, pb] = vjp(partialFn, ...diff.map((i) => xs[i]!));
      return pb(all.slice(n) as AnyTensor[]) as AnyTensor[];
    };
    if (path === 'onnxGrad') {
      expected = { outs: expectedGrad(c, wantOuts) };
      inputs = [...c.inputs, ...cts];
      fn = pullback;
    } else {
      // vmap of the pullback: a batch of the case and its variation, the same cotangents.
      const second: Case = { inputs: c.inputs.map((x, i) => varied(spec, x, i)), params };
      const want2 = reference(spec, second.inputs, params);
      if ('error' in want2) return na('the reference raises an error on the varied inputs');
      const g1 = expectedGrad(c, wantOuts);
      const g2 = expectedGrad(second, want2.outs);
      expected = { outs: g1.map((g, k) => stack([g, g2[k]!])) };
      inputs = [...c.inputs.map((x, i) => stack([x, second.inputs[i]!])), ...cts.map((ct) => stack([ct, ct]))];
      const g = vmap(pullback);
      fn = (...all) => g(...all) as AnyTensor[];
    }
  }
  // Trace, optimize and lower (as jit with target 'onnx' and exportOnnx do).
  let bytes: Uint8Array;
  try {
    bytes = scope(() => {
      const leaves = inputs.map(toTensor);
      const [flat, def] = flatten(leaves);
      const { ir } = traceOptimized(fn as (...a: unknown[]) => unknown, def, flat);
      try {
        const missing = missingOnnxForms(ir);
        if (missing.length > 0) throw new MissingForms(missing);
        return lowerToOnnx(ir, ir.inputs.map((_, i) => `in${i}`), ir.outputs.map((_, i) => `out${i}`), 'conformance');
      } finally {
        ir._release();
      }
    });
  } catch (e) {
    if (e instanceof MissingForms) return { kind: 'missing', primitives: e.primitives };
    const clear = e instanceof ShapeError || e instanceof DtypeError || e instanceof TransformError;
    if ('error' in expected) return clear ? pass : fail(`${path}: expected a ShapeError/DtypeError/TransformError (${expected.error}), got ${(e as Error).name}: ${(e as Error).message}`);
    return fail(`${path}: tracing or lowering threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  let got: HostArray[];
  try {
    got = await run(bytes, inputs);
  } catch (e) {
    // A data-dependent error (an index out of range) is ONNX Runtime's to raise.
    if ('error' in expected) return pass;
    return fail(`${path}: ONNX Runtime threw ${(e as Error).message}`);
  }
  if ('error' in expected) return fail(`${path}: expected an error (${expected.error}), ONNX Runtime returned ${got.map(show).join('; ')}`);
  const r = compareAll(`${path} vs reference`, got, expected.outs, tol[0]!, tol[1]!);
  return r ? fail(r) : pass;
}

class MissingForms extends Error {
  constructor(readonly primitives: string[]) {
    super(`no ONNX form: ${primitives.join(', ')}`);
  }
}
