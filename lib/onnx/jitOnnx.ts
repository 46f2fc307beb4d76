/**
 * `jit(f, { target: 'onnx' | 'auto' })`: each traced, optimized program is
 * planned (lib/onnx/plan.ts) into segments: maximal runs of equations with
 * an ONNX form, each lowered to ONNX and run by an onnxruntime-node session
 * (CPU execution provider, intra-op threads = the machine's cores), and runs
 * of the others, each run by fluxion's default jit. `'auto'` also keeps
 * segments too small to earn ONNX Runtime's per-run cost on the default jit.
 * onnxruntime-node is an optional peer dependency, loaded on the first
 * compile (never by importing fluxion).
 */
import * as tf from '@tensorflow/tfjs-core';
import { evalIR, IR, type Var } from '../core/ir.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { ConcreteTensor, type Tensor } from '../core/tensor.js';
import { Tracer } from '../core/trace.js';
import { zerosLike } from '../core/creation.js';
import { freshHandle } from '../core/alias.js';
import { openScope } from '../core/scope.js';
import { addReport, traceOptimized, type OptimizeReport } from '../compile/optimize.js';
import { checkInputs } from '../compile/execute.js';
import { view, type HostMemory } from '../compile/host.js';
import { allocate } from '../compile/hostKernels.js';
import type { JitStats } from '../compile/jit.js';
import { lowerToOnnx, missingOnnxForms } from './lower.js';
import { countOnnxNodes, equationWork, HOST_UNDER_AUTO, ONNX_MIN_WORK, ONNX_MIN_WORK_PER_EQUATION, planSegments, worthOnnx, type SegmentTarget } from './plan.js';
import { TraceCache } from '../compile/lru.js';

/** The parts of onnxruntime-node this target uses: its synchronous native session. */
interface OrtSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Record<string, OrtValue>;
  dispose(): void;
}
interface OrtValue {
  readonly data: ArrayLike<number>;
  readonly dims: readonly number[];
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

/** Threads ONNX Runtime's intra-op pool uses by default: the machine's cores. */
function cores(): number {
  const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:os') as { availableParallelism?(): number } | undefined;
  return os?.availableParallelism?.() ?? 1;
}

/** One segment of a program as `stats().programs` reports it. @public */
export interface JitSegmentReport {
  /** `'onnx'`: an ONNX Runtime session; `'host'`: fluxion's default jit. */
  readonly target: 'onnx' | 'host';
  /** Equations of the optimized program in this segment. */
  readonly equations: number;
  /** Nodes of the segment's ONNX graph (0 for a host segment). */
  readonly nodes: number;
  /** Estimated work (the planner's units: 2 per multiply-add, 1 per element read or written). */
  readonly work: number;
}

/**
 * Where one traced program of a `target: 'onnx' | 'auto'` jit runs.
 * @example
 * ```ts
 * const f = fx.jit((a: fx.Tensor<[2, 2], 'float32'>) => fx.mul(fx.linalg.eigvalsh(a), 2), { target: 'onnx' });
 * f(fx.eye(2));
 * f.stats().programs; // [{ target: 'onnx', equations: 2, nodes: …, segments: [{ target: 'onnx', equations: 2, … }], reasons: [] }]
 * ```
 * @public
 */
export interface JitProgramReport {
  /** `'onnx'`: one ONNX Runtime session; `'host'`: the default jit; `'split'`: segments on both. */
  readonly target: 'onnx' | 'host' | 'split';
  /** Equations of the optimized program. */
  readonly equations: number;
  /** Nodes over all of its ONNX graphs. */
  readonly nodes: number;
  /** Its segments, in the order they run. */
  readonly segments: readonly JitSegmentReport[];
  /**
   * Why (part of) the program runs on the default jit: a primitive without
   * an ONNX form, the planner's threshold, the backend, a missing onnxruntime-node.
   */
  readonly reasons: readonly string[];
}

/** A compiled segment: its sub-program, its inputs and outputs in the enclosing program. */
interface Segment {
  readonly target: SegmentTarget;
  readonly inputs: readonly Var[];
  readonly outputs: readonly Var[];
  /** ONNX segments: the session and the graph's input/output names. */
  readonly session?: OrtSession;
  readonly inputNames?: readonly string[];
  readonly outputNames?: readonly string[];
  /** Host segments: the sub-program under the default jit. */
  readonly run?: HostRun;
}

type HostRun = ((...xs: Tensor[]) => Tensor[]) & { clear(): void };

interface OnnxCompiled {
  /** The optimized IR (replayed through the interpreters when called on tracers). */
  readonly ir: IR;
  readonly outDef: TreeDef;
  /** null: the whole program runs on the default jit (`fallback`). */
  readonly segments: readonly Segment[] | null;
  readonly report: JitProgramReport;
}

function release(c: OnnxCompiled): void {
  c.ir._release();
  for (const s of c.segments ?? []) {
    s.session?.dispose();
    s.run?.clear();
  }
}

/** Frees the sessions and constants a dropped jitted function still holds, once it is garbage-collected. */
const dropped = new FinalizationRegistry<TraceCache<OnnxCompiled>>((cache) => cache.clear());

/** Options of the ONNX/auto target (from `JitOptions`). */
export interface OnnxTargetOptions {
  /** `target: 'auto'`: the planner's threshold applies, and a missing runtime or a webgpu backend means the default jit. */
  readonly auto: boolean;
  /** ONNX Runtime intra-op threads (default: the machine's cores). */
  readonly threads?: number;
  /** The default jit of a function (host segments). */
  readonly hostJit: (g: (...xs: Tensor[]) => Tensor[]) => HostRun;
}

/** Programs kept in `stats().programs` (the most recent traces). */
const MAX_REPORTS = 64;

/**
 * The ONNX-target twin of `jit` (called by `jit` for `target: 'onnx'` and
 * `'auto'`); `key` is the default jit's trace-cache key of a call, and
 * `fallback` runs the default jit of `f` on flattened arguments under that
 * key (programs that run wholly on the host: one flatten and one key per call).
 */
export function jitOnnx(
  f: (...args: never[]) => unknown,
  key: (def: TreeDef, leaves: readonly Tensor[]) => string,
  fallback: (leaves: Tensor[], def: TreeDef, key: string) => unknown,
  cacheSize: number,
  options: OnnxTargetOptions,
): ((...args: never[]) => unknown) & { stats(): JitStats; lower(...args: never[]): IR; clear(): void } {
  const cache = new TraceCache<OnnxCompiled>(cacheSize, release);
  const target = options.auto ? 'auto' : 'onnx';
  let traces = 0;
  let perExampleLoops = 0;
  let cacheHits = 0;
  let evictions = 0;
  const optimized: OptimizeReport & { fused: number } = { simplified: 0, commonSubexpressions: 0, deadCode: 0, fused: 0 };
  const warned = new Set<string>();
  const programs: JitProgramReport[] = [];

  const compileSegments = (ir: IR, reasons: string[]): { segments: Segment[] | null; report: JitProgramReport } => {
    const backend = tf.getBackend();
    let o: Ort | undefined;
    if (backend !== 'cpu' && backend !== 'wasm') {
      if (!options.auto) throw new Error(`jit: target 'onnx' runs with the cpu or wasm backend (its inputs are read synchronously); the active backend is ${backend}`);
      reasons.push(`the ${backend} backend (ONNX Runtime takes cpu or wasm inputs)`);
    } else if (options.auto) {
      try {
        o = loadOrt();
      } catch {
        reasons.push('onnxruntime-node is not available (not installed, or not Node)');
      }
    } else o = loadOrt();
    const planned = o ? planSegments(ir, options.auto ? ONNX_MIN_WORK : 0) : [{ target: 'host' as const, equations: ir.equations, work: ir.equations.reduce((n, eq) => n + equationWork(eq), 0) }];
    const missing = missingOnnxForms(ir);
    if (missing.length > 0) reasons.push(`${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no ONNX form`);
    if (o && options.auto) {
      const slow = [...new Set(ir.equations.filter((eq) => HOST_UNDER_AUTO.has(eq.prim.name)).map((eq) => eq.prim.name))];
      if (slow.length > 0) reasons.push(`planner: ${slow.join(', ')} ${slow.length === 1 ? 'runs' : 'run'} faster on the host`);
      const small = planSegments(ir).filter((s) => s.target === 'onnx' && !worthOnnx(s));
      if (small.length > 0) {
        const work = small.reduce((n, s) => n + s.work, 0);
        const equations = small.reduce((n, s) => n + s.equations.length, 0);
        reasons.push(
          `planner: ${small.length} ONNX-able segment${small.length === 1 ? '' : 's'} below ${ONNX_MIN_WORK.toExponential(0)} work units or ` +
            `${ONNX_MIN_WORK_PER_EQUATION.toExponential(0)} per equation (${work.toExponential(1)} in ${equations} equation${equations === 1 ? '' : 's'})`,
        );
      }
    }
    const hasOnnx = planned.some((s) => s.target === 'onnx');
    const reportSegments: JitSegmentReport[] = [];
    let segments: Segment[] | null = null;
    if (hasOnnx) {
      // Where each value is used last (segment index; program outputs count as after the last).
      const lastUse = new Map<Var, number>();
      planned.forEach((s, k) => s.equations.forEach((eq) => eq.inputs.forEach((v) => lastUse.set(v, k))));
      for (const v of ir.outputs) if (v) lastUse.set(v, planned.length);
      const constIndex = new Map<Var, number>(ir.constVars.map((v, i) => [v, i]));
      segments = [];
      try {
        planned.forEach((s, k) => {
          const defined = new Set<Var>(s.equations.flatMap((eq) => eq.outputs));
          const inputs: Var[] = [];
          const consts: Var[] = [];
          const seen = new Set<Var>();
          for (const eq of s.equations) {
            for (const v of eq.inputs) {
              if (defined.has(v) || seen.has(v)) continue;
              seen.add(v);
              (constIndex.has(v) ? consts : inputs).push(v);
            }
          }
          const outputs = [...defined].filter((v) => (lastUse.get(v) ?? -1) > k);
          const sub = new IR(inputs, consts, consts.map((v) => ir.constValues[constIndex.get(v)!]!), s.equations, outputs, outputs.map((v) => v.aval));
          if (s.target === 'onnx') {
            const inputNames = inputs.map((_, i) => `in${i}`);
            const outputNames = outputs.map((_, i) => `out${i}`);
            const bytes = lowerToOnnx(sub, inputNames, outputNames, 'jit');
            const session = new o!.Session();
            segments!.push({ target: 'onnx', inputs, outputs, session, inputNames, outputNames });
            session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
              intraOpNumThreads: options.threads ?? cores(),
              interOpNumThreads: 1,
              graphOptimizationLevel: 'all',
              executionMode: 'sequential',
              // Idle pool threads sleep instead of spinning between parallel sections: a spinning worker takes a
              // core from the calling thread's own work and from other processes (bench/RESULTS.md, onnx section).
              extra: { session: { intra_op: { allow_spinning: '0' } } },
            });
            reportSegments.push({ target: 'onnx', equations: s.equations.length, nodes: countOnnxNodes(bytes), work: s.work });
          } else {
            // The sub-program shares the enclosing IR's constants (released with it), never released itself.
            const run = options.hostJit((...xs) => evalIR(sub, xs, zerosLike));
            segments!.push({ target: 'host', inputs, outputs, run });
            reportSegments.push({ target: 'host', equations: s.equations.length, nodes: 0, work: s.work });
          }
        });
      } catch (e) {
        for (const s of segments) {
          s.session?.dispose();
          s.run?.clear();
        }
        throw e;
      }
    } else {
      for (const s of planned) reportSegments.push({ target: 'host', equations: s.equations.length, nodes: 0, work: s.work });
    }
    const kinds = new Set(reportSegments.map((s) => s.target));
    const report: JitProgramReport = {
      target: !hasOnnx ? 'host' : kinds.size > 1 ? 'split' : 'onnx',
      equations: ir.equations.length,
      nodes: reportSegments.reduce((n, s) => n + s.nodes, 0),
      segments: reportSegments,
      reasons,
    };
    return { segments, report };
  };

  const compile = (args: readonly unknown[]): [OnnxCompiled, Tensor[], TreeDef, string] => {
    const [leaves, def] = flatten(args);
    const k = key(def, leaves);
    const hit = cache.get(k);
    if (hit) {
      cacheHits++;
      return [hit, leaves, def, k];
    }
    traces++;
    const traced = traceOptimized(f as unknown as (...a: unknown[]) => unknown, def, leaves);
    const { ir, outDef } = traced;
    perExampleLoops += traced.perExampleLoops;
    addReport(optimized, traced.report);
    let planned: ReturnType<typeof compileSegments>;
    try {
      planned = compileSegments(ir, []);
    } catch (e) {
      ir._release();
      throw e;
    }
    const { segments, report } = planned;
    if (!options.auto && report.target !== 'onnx' && report.reasons.length > 0) {
      const text = report.reasons.join('; ');
      if (!warned.has(text)) {
        warned.add(text);
        const where = report.target === 'host' ? 'this program runs on the default jit' : `this program runs split: ${report.segments.map((s) => s.target).join(' → ')} (stats().programs)`;
        console.warn(`fluxion jit: target 'onnx': ${text}; ${where}.`);
      }
    }
    programs.push(report);
    if (programs.length > MAX_REPORTS) programs.shift();
    const compiled: OnnxCompiled = { ir, outDef: outDef!, segments, report };
    evictions += cache.add(k, compiled);
    return [compiled, leaves, def, k];
  };

  const jitted = ((...args: never[]) => {
    const [compiled, leaves, def, k] = compile(args);
    if (leaves.some((t) => t instanceof Tracer)) return unflatten(compiled.outDef, evalIR(compiled.ir, leaves, zerosLike));
    if (!compiled.segments) return fallback(leaves, def, k);
    checkInputs(compiled.ir, leaves as ConcreteTensor[]);
    return unflatten(compiled.outDef, runSegments(compiled.ir, compiled.segments, leaves as ConcreteTensor[]));
  }) as ((...args: never[]) => unknown) & { stats(): JitStats; lower(...args: never[]): IR; clear(): void };

  jitted.stats = () => ({ traces, cacheHits, evictions, peakBytes: 0, optimized: { ...optimized }, perExampleLoops, target, programs: [...programs] });
  jitted.lower = (...args) => compile(args)[0].ir;
  jitted.clear = () => {
    cache.clear();
  };
  dropped.register(jitted, cache);
  return jitted;
}

/** A new tensor of the active backend (cpu or wasm) for ONNX Runtime to write into (uninitialized on wasm). */
function outputTensor(shape: readonly number[], dtype: 'float32' | 'int32' | 'bool'): tf.Tensor {
  const backend = tf.backend() as unknown as HostMemory;
  if (backend.typedArrayFromHeap && backend.makeOutput) return tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape as number[], dtype));
  return tf.tensor(allocate(dtype, shape.reduce((a, b) => a * b, 1)), shape as number[], dtype);
}

/**
 * Runs the segments in order on concrete inputs; intermediates are freed, the
 * outputs are fresh tensors. No copies at the ONNX Runtime boundary: inputs
 * are fed as views of the tensors' memory (the wasm heap or the cpu
 * backend's arrays), and outputs are pre-allocated tensors of the backend
 * that ONNX Runtime writes into.
 */
function runSegments(ir: IR, segments: readonly Segment[], inputs: readonly ConcreteTensor[]): ConcreteTensor[] {
  const o = ort!;
  const env = new Map<Var, ConcreteTensor>();
  ir.inputs.forEach((v, i) => env.set(v, inputs[i]!));
  const close = openScope();
  let outputs: ConcreteTensor[] = [];
  try {
    for (const s of segments) {
      if (s.target === 'onnx') {
        // Views are taken after every allocation: allocating can grow (and so detach) the wasm heap.
        const outs = s.outputs.map((v) => new ConcreteTensor(outputTensor(v.aval.shape, v.aval.dtype)));
        const feeds: Record<string, unknown> = {};
        s.inputs.forEach((v, i) => (feeds[s.inputNames![i]!] = new o.Tensor(v.aval.dtype, view(env.get(v)!._concrete()._tf), v.aval.shape)));
        const fetches: Record<string, unknown> = {};
        s.outputs.forEach((v, i) => {
          const name = s.outputNames![i]!;
          // An empty output has no memory to write into: ONNX Runtime allocates (nothing).
          fetches[name] = v.aval.shape.includes(0) ? null : new o.Tensor(v.aval.dtype, view(outs[i]!._tf), v.aval.shape);
        });
        s.session!.run(feeds, fetches as Record<string, null>, {});
        s.outputs.forEach((v, i) => env.set(v, outs[i]!));
      } else {
        const outs = s.run!(...s.inputs.map((v) => env.get(v)!));
        s.outputs.forEach((v, i) => env.set(v, outs[i] as ConcreteTensor));
      }
    }
    const constIndex = new Map<Var, number>(ir.constVars.map((v, i) => [v, i]));
    const made = new Set<ConcreteTensor>();
    outputs = ir.outputs.map((v, i) => {
      if (!v) return zerosLike(ir.outAvals[i]!) as ConcreteTensor;
      const c = constIndex.get(v);
      const t = c === undefined ? env.get(v)! : (ir.constValues[c] as ConcreteTensor);
      // Results never alias inputs, constants or each other: the caller owns (and may dispose) each.
      if (c !== undefined || inputs.includes(t) || made.has(t)) return freshHandle(t);
      made.add(t);
      return t;
    });
    return outputs;
  } finally {
    close(outputs);
  }
}
