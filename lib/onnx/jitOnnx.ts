/**
 * `jit(f, { target: 'onnx' })`: each traced, optimized program is lowered to
 * ONNX and run by an onnxruntime-node session (CPU execution provider,
 * intra-op threads = the machine's cores). onnxruntime-node is an optional
 * peer dependency, loaded on the first compile (never by importing fluxion).
 * A program with a primitive that has no ONNX form runs on the default jit
 * instead (a warning names the primitives once).
 */
import * as tf from '@tensorflow/tfjs-core';
import { evalIR, type IR } from '../core/ir.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { ConcreteTensor, avalOf, showAval, type Tensor } from '../core/tensor.js';
import { Tracer } from '../core/trace.js';
import { zerosLike } from '../core/creation.js';
import { unaliased } from '../core/alias.js';
import { addReport, traceOptimized, type OptimizeReport } from '../compile/optimize.js';
import { checkInputs } from '../compile/execute.js';
import type { JitStats } from '../compile/jit.js';
import { lowerToOnnx, missingOnnxForms } from './lower.js';
import { leafNames } from './export.js';

/** The parts of onnxruntime-node this target uses: its synchronous native session. */
interface OrtSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Record<string, { data: ArrayLike<number>; dims: readonly number[] }>;
  dispose(): void;
}
interface Ort {
  readonly Session: new () => OrtSession;
  readonly Tensor: new (type: string, data: ArrayBufferView, dims: readonly number[]) => unknown;
}

let ort: Ort | undefined;

/**
 * Loads onnxruntime-node (synchronously: `jit` is synchronous) through
 * Node's `createRequire`; the package's asynchronous `InferenceSession.run`
 * wraps the same native `run` in a `setImmediate`.
 */
function loadOrt(): Ort {
  if (ort) return ort;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const moduleApi = proc?.getBuiltinModule?.('node:module') as { createRequire(url: string): (id: string) => unknown } | undefined;
  if (!moduleApi) {
    throw new Error("jit: target 'onnx' runs in Node (20.16 or newer) with onnxruntime-node; in a browser, export the program with fx.exportOnnx and run it with onnxruntime-web");
  }
  const require = moduleApi.createRequire(import.meta.url);
  try {
    const pkg = require('onnxruntime-node') as { Tensor: Ort['Tensor'] };
    const native = require('onnxruntime-node/dist/binding.js') as { binding: { InferenceSession: Ort['Session'] }; initOrt(): void };
    native.initOrt();
    ort = { Session: native.binding.InferenceSession, Tensor: pkg.Tensor };
    return ort;
  } catch (e) {
    throw new Error(
      `jit: target 'onnx' needs the optional peer dependency onnxruntime-node (npm install onnxruntime-node@^1.30; ` +
        `its install script only fetches GPU binaries and can be skipped): ${(e as Error).message}`,
    );
  }
}

/** Threads ONNX Runtime's intra-op pool uses: the machine's cores. */
function cores(): number {
  const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:os') as { availableParallelism?(): number } | undefined;
  return os?.availableParallelism?.() ?? 1;
}

interface OnnxCompiled {
  /** The optimized IR (replayed through the interpreters when called on tracers). */
  readonly ir: IR;
  readonly outDef: TreeDef;
  /** null when the program has a primitive without an ONNX form: it runs on the default jit. */
  readonly session: OrtSession | null;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

function release(c: OnnxCompiled): void {
  c.ir._release();
  c.session?.dispose();
}

/** Frees the sessions and constants a dropped jitted function still holds, once it is garbage-collected. */
const dropped = new FinalizationRegistry<Map<string, OnnxCompiled>>((cache) => {
  for (const c of cache.values()) release(c);
  cache.clear();
});

function ortTensor(o: Ort, t: ConcreteTensor): unknown {
  const data = t._tf.dataSync();
  if (t.dtype === 'bool') return new o.Tensor('bool', data as Uint8Array, t.shape);
  return new o.Tensor(t.dtype, data as Float32Array | Int32Array, t.shape);
}

/**
 * The ONNX-target twin of `jit` (called by `jit` for `target: 'onnx'`);
 * `fallback` is the default jit of `f`, used for programs ONNX cannot take.
 */
export function jitOnnx(
  f: (...args: never[]) => unknown,
  key: (def: TreeDef, leaves: readonly Tensor[]) => string,
  fallback: (...args: never[]) => unknown,
  cacheSize: number,
): ((...args: never[]) => unknown) & { stats(): JitStats; lower(...args: never[]): IR; clear(): void } {
  const cache = new Map<string, OnnxCompiled>();
  let traces = 0;
  let perExampleLoops = 0;
  let cacheHits = 0;
  let evictions = 0;
  const optimized: OptimizeReport & { fused: number } = { simplified: 0, commonSubexpressions: 0, deadCode: 0, fused: 0 };
  const warned = new Set<string>();

  const compile = (args: readonly unknown[]): [OnnxCompiled, Tensor[]] => {
    const [leaves, def] = flatten(args);
    const k = `${key(def, leaves)}|${leaves.map((t) => showAval(avalOf(t))).join(';')}`;
    const hit = cache.get(k);
    if (hit) {
      cacheHits++;
      // Least recently used order: a hit moves to the end.
      cache.delete(k);
      cache.set(k, hit);
      return [hit, leaves];
    }
    traces++;
    const traced = traceOptimized(f as unknown as (...a: unknown[]) => unknown, def, leaves);
    const { ir, outDef } = traced;
    perExampleLoops += traced.perExampleLoops;
    addReport(optimized, traced.report);
    const inputNames = leafNames(def, 'args');
    const outputNames = leafNames(outDef!, 'out');
    let session: OrtSession | null = null;
    const missing = missingOnnxForms(ir);
    const backend = tf.getBackend();
    if (backend !== 'cpu' && backend !== 'wasm') {
      ir._release();
      throw new Error(`jit: target 'onnx' runs with the cpu or wasm backend (its inputs are read synchronously); the active backend is ${backend}`);
    }
    if (missing.length === 0) {
      const o = loadOrt();
      const bytes = lowerToOnnx(ir, inputNames, outputNames, 'jit');
      session = new o.Session();
      session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
        intraOpNumThreads: cores(),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
    } else {
      const names = missing.join(', ');
      if (!warned.has(names)) {
        warned.add(names);
        console.warn(`fluxion jit: target 'onnx': ${names} ${missing.length === 1 ? 'has' : 'have'} no ONNX form; this program runs on the default jit.`);
      }
    }
    const compiled: OnnxCompiled = { ir, outDef: outDef!, session, inputNames, outputNames };
    cache.set(k, compiled);
    while (cache.size > cacheSize) {
      const [oldest, evicted] = cache.entries().next().value!;
      cache.delete(oldest);
      release(evicted);
      evictions++;
    }
    return [compiled, leaves];
  };

  const jitted = ((...args: never[]) => {
    const [compiled, leaves] = compile(args);
    if (leaves.some((t) => t instanceof Tracer)) return unflatten(compiled.outDef, evalIR(compiled.ir, leaves, zerosLike));
    if (!compiled.session) return fallback(...args);
    const concrete = leaves as ConcreteTensor[];
    checkInputs(compiled.ir, concrete);
    const o = ort!;
    const feeds: Record<string, unknown> = {};
    compiled.inputNames.forEach((n, i) => (feeds[n] = ortTensor(o, concrete[i]!._concrete())));
    const fetches: Record<string, null> = {};
    for (const n of compiled.outputNames) fetches[n] = null;
    const results = compiled.session.run(feeds, fetches, {});
    const outputs = compiled.outputNames.map((n, i) => {
      const r = results[n]!;
      const dtype = compiled.ir.outAvals[i]!.dtype;
      return new ConcreteTensor(tf.tensor(r.data as Float32Array, [...r.dims], dtype));
    });
    return unaliased(unflatten(compiled.outDef, outputs), leaves);
  }) as ((...args: never[]) => unknown) & { stats(): JitStats; lower(...args: never[]): IR; clear(): void };

  jitted.stats = () => ({ traces, cacheHits, evictions, peakBytes: 0, optimized: { ...optimized }, perExampleLoops });
  jitted.lower = (...args) => compile(args)[0].ir;
  jitted.clear = () => {
    for (const c of cache.values()) release(c);
    cache.clear();
  };
  dropped.register(jitted, cache);
  return jitted;
}
