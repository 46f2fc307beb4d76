/**
 * `jit(f)`: trace `f` once per input signature (pytree structure, shapes,
 * dtypes, static leaves), optimize the IR, plan its memory, and run it by
 * calling kernels directly. Called on tracers (inside `grad`, `jvp`, …) the
 * compiled IR is replayed through the interpreter stack instead, so jitted
 * functions compose with every transformation.
 */
import { evalIR, type IR } from '../core/ir.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { ConcreteTensor, Tensor, avalOf, showAval } from '../core/tensor.js';
import { Tracer } from '../core/trace.js';
import { zerosLike } from '../core/creation.js';
import { addReport, traceOptimized, type OptimizeReport } from './optimize.js';
import { checkInputs, execute, planMemory, planMixed, type Plan } from './execute.js';
import { hostBackend, lowerToHost, runHost, type HostProgram } from './host.js';
import { KernelCompileError } from './hostKernels.js';
import { hasObservers } from '../core/hooks.js';
import { fuse, fusionPays, maxFusedInputs } from './fuse.js';
import { getBackend } from '@tensorflow/tfjs-core';
import { freshHandle } from '../core/alias.js';
import { jitOnnx, type JitProgramReport } from '../onnx/jitOnnx.js';
import { defaultJitTarget, type JitTarget } from '../onnx/target.js';
import { TraceCache } from './lru.js';

/** Counters of a jitted function. @public */
export interface JitStats {
  /** How many times `f` was traced (one per new input signature). */
  readonly traces: number;
  /** Calls answered from the cache. */
  readonly cacheHits: number;
  /** Programs dropped from the cache (least recently used first) to stay within `cacheSize`. */
  readonly evictions: number;
  /** Peak bytes of intermediates during the last compiled run. */
  readonly peakBytes: number;
  /** Equations removed by the optimizer over all traces, and fused groups formed. */
  readonly optimized: OptimizeReport & { readonly fused: number };
  /**
   * Primitives `vmap` applied once per example while tracing (the generic
   * rule for a primitive without a batch rule: a loop unrolled into the program).
   */
  readonly perExampleLoops: number;
  /** `target: 'onnx'` or `'auto'` (also when set by `setDefaultJitTarget`): the target asked for. */
  readonly target?: 'onnx' | 'auto';
  /**
   * `target: 'onnx'` or `'auto'`: where each traced program runs (the most
   * recent 64 traces, oldest first): on ONNX Runtime, on the default jit, or
   * split into segments on both, with the reasons for what runs on the host.
   */
  readonly programs?: readonly JitProgramReport[];
}

/** A jitted function: `f` with a trace cache. @public */
export interface Jitted<F extends (...args: never[]) => unknown> {
  (...args: Parameters<F>): ReturnType<F>;
  /** Trace and cache counters. */
  stats(): JitStats;
  /** The optimized IR for these arguments (tracing if needed). */
  lower(...args: Parameters<F>): IR;
  /** Frees every cached program and the constants it holds (tensors captured while tracing). */
  clear(): void;
}

/**
 * What `jit` adds to the function: its cache controls. (`jit(f)` is typed
 * `F & JitControls<Parameters<F>>`, so an editor shows it as `f`'s own
 * signature, generics and overloads included; it is assignable to
 * {@link Jitted}.)
 * @public
 */
export interface JitControls<P extends readonly unknown[]> {
  /** Trace and cache counters. */
  stats(): JitStats;
  /** The optimized IR for these arguments (tracing if needed). */
  lower(...args: P): IR;
  /** Frees every cached program and the constants it holds. */
  clear(): void;
}

/** Options of `jit`. @public */
export interface JitOptions {
  /** Distinct signatures after which a retrace warning is printed (default 8). */
  readonly retraceWarning?: number;
  /** Fuse elementwise chains into generated kernels where the backend gains (default true). */
  readonly fuse?: boolean;
  /**
   * On cpu and wasm, run the whole program as generated JavaScript over typed
   * arrays when every equation has a host kernel and no matrix product is
   * large (default true; see docs/backends.md). `false` always calls tfjs kernels.
   */
  readonly host?: boolean;
  /**
   * Compiled programs kept per jitted function (default 64); beyond it the
   * least recently used is dropped and its constants freed (counted in
   * `stats().evictions`).
   */
  readonly cacheSize?: number;
  /**
   * Where compiled programs run (default: `fx.setDefaultJitTarget`'s choice,
   * itself `'default'` unless changed). `'default'`: tfjs kernels and host
   * loops on the active backend. `'onnx'`: each program is lowered to ONNX
   * and run by an onnxruntime-node session with as many intra-op threads as
   * the machine has cores (Node only; needs the optional peer dependency
   * `onnxruntime-node`, loaded on the first compile); a program using
   * primitives without an ONNX form (docs/onnx.md) is split around them,
   * those parts running on the default target. `'auto'`: the planner
   * (docs/onnx.md) sends the parts of a program large enough to earn ONNX
   * Runtime's per-run cost to it, the rest to the default target (and all of
   * it when onnxruntime-node is missing or the backend is webgpu).
   * `stats().programs` says where each traced program ran.
   */
  readonly target?: JitTarget;
  /** ONNX Runtime's intra-op threads for `target: 'onnx' | 'auto'` (default: `os.availableParallelism()`). */
  readonly threads?: number;
}

/** Default of `JitOptions.cacheSize`. */
export const DEFAULT_JIT_CACHE_SIZE = 64;

/** Ids for values keyed by identity (functions, class instances, Maps): weak, so keying retains nothing. */
const identityIds = new WeakMap<object, number>();
let nextIdentityId = 0;

function identityId(x: object): number {
  let id = identityIds.get(x);
  if (id === undefined) {
    id = nextIdentityId++;
    identityIds.set(x, id);
  }
  return id;
}

/** A length-prefixed string: no choice of characters inside can imitate the text around it. */
function quoted(s: string): string {
  return `${s.length}:${s}`;
}

/**
 * The cache key of a static (non-tensor) argument leaf. Numbers are told
 * apart as `Object.is` does (NaN, 0, −0, ±Infinity each their own key);
 * strings are length-prefixed; functions, symbols and objects other than
 * plain objects and arrays (which the pytree already walked) are keyed by
 * identity, never by their text or contents.
 */
function staticKey(value: unknown, symbols: Map<symbol, number>): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? 'n-0' : `n${String(value)}`;
    case 'string':
      return `s${quoted(value)}`;
    case 'boolean':
      return value ? 'T' : 'F';
    case 'undefined':
      return 'u';
    case 'bigint':
      return `b${value.toString()}`;
    case 'symbol': {
      // Symbols cannot be weak keys here; their ids live with this jitted function only.
      let id = symbols.get(value);
      if (id === undefined) symbols.set(value, (id = symbols.size));
      return `y${id}`;
    }
    case 'function':
    case 'object':
      return value === null ? 'N' : `o${identityId(value)}`;
  }
}

/** The trace-cache key of a call: the backend, the argument structure and every tensor leaf's dtype and shape. */
function signatureKey(def: TreeDef, leaves: readonly Tensor[], symbols: Map<symbol, number>): string {
  return `${getBackend()}|${structureKey(def, symbols)}|${leaves.map((t) => showAval(avalOf(t))).join(';')}`;
}

/** The cache key of an argument structure: length-prefixed object keys, so `{a:1,b:x}` and `{'a:1,b':x}` differ. */
function structureKey(def: TreeDef, symbols: Map<symbol, number>): string {
  switch (def.kind) {
    case 'leaf':
      return '*';
    case 'static':
      return staticKey(def.value, symbols);
    case 'array':
      return `[${def.children.length}${def.children.map((c) => structureKey(c, symbols)).join('')}]`;
    case 'object':
      return `{${def.keys.length}${def.keys.map((k, i) => quoted(k) + structureKey(def.children[i]!, symbols)).join('')}}`;
  }
}

/** A static value for messages (JSON where it can, never throwing). */
function showStatic(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'symbol') return value.toString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Frees what a dropped jitted function's cache still holds, once the function is garbage-collected. */
const dropped = new FinalizationRegistry<TraceCache<Compiled>>((cache) => cache.clear());

interface Compiled {
  /** What runs on concrete inputs: optimized, fused where the backend gains, memory-planned. */
  readonly plan: Plan;
  /** The same program lowered to host steps (cpu, wasm), when every equation has a host kernel. */
  readonly host: HostProgram | undefined;
  /** Otherwise on cpu and wasm: tfjs kernels with elementwise groups as host loops, when any group gains. */
  readonly mixed: Plan | undefined;
  /** What runs on concrete inputs: the host program's IR or the plan's. */
  readonly lowered: IR;
  /** The optimized IR without fusion: replayed through the interpreters when called on tracers. */
  readonly ir: IR;
  readonly outDef: TreeDef;
}

/** One leaf of a signature, with its pytree path, for the retrace message. */
interface LeafSig {
  readonly path: string;
  readonly text: string;
}

function describeLeaves(def: TreeDef, leaves: readonly Tensor[]): LeafSig[] {
  const out: LeafSig[] = [];
  let i = 0;
  const walk = (d: TreeDef, path: string) => {
    if (d.kind === 'leaf') out.push({ path, text: showAval(avalOf(leaves[i++]!)) });
    else if (d.kind === 'static') out.push({ path, text: `static ${showStatic(d.value)}` });
    else if (d.kind === 'array') d.children.forEach((c, j) => walk(c, path ? `${path}[${j}]` : `argument ${j}`));
    else d.children.forEach((c, j) => walk(c, `${path}.${d.keys[j]}`));
  };
  walk(def, '');
  return out;
}

/** Runs a default-target jit on flattened arguments under a cache key made by the caller. */
type RunFlat = (leaves: Tensor[], def: TreeDef, key: string) => unknown;
const RUN_FLAT = Symbol('fluxion.jit.runFlat');

/**
 * Compiles `f`: traced once per input signature, optimized (DCE, CSE,
 * algebraic simplification), run with each intermediate freed after its last
 * use. Branching on a traced value inside `f` throws a `ConcretizationError`
 * naming `fx.cond`/`fx.whileLoop`.
 * @example
 * ```ts
 * const step = fx.jit((x: fx.Tensor<[3], 'float32'>) => fx.sum(fx.mul(x, x)));
 * step(fx.tensor([1, 2, 3])); // 14, traced once
 * step.stats(); // { traces: 1, cacheHits: 0, ... }
 * ```
 * @public
 */
export function jit<F extends (...args: never[]) => unknown>(f: F, options?: JitOptions): F & JitControls<Parameters<F>>;
export function jit<F extends (...args: never[]) => unknown>(f: F, options: JitOptions = {}): Jitted<F> {
  const target = options.target ?? defaultJitTarget();
  if (target === 'onnx' || target === 'auto') {
    const symbols = new Map<symbol, number>();
    const size = options.cacheSize ?? DEFAULT_JIT_CACHE_SIZE;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`jit: cacheSize must be a positive integer, got ${size}`);
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) throw new RangeError(`jit: threads must be a positive integer, got ${options.threads}`);
    const host = { ...options, target: 'default' } as const;
    // Programs that run whole on the host go straight to the default jit's compiled program under the key
    // made here (one flatten and one key per call, not two).
    const hostRun = (jit(f, host) as unknown as Record<symbol, RunFlat>)[RUN_FLAT]!;
    return jitOnnx(f, (def, leaves) => signatureKey(def, leaves, symbols), hostRun, size, {
      auto: target === 'auto',
      threads: options.threads,
      hostJit: (g) => jit(g, host),
    }) as unknown as Jitted<F>;
  }
  if (target !== 'default') throw new RangeError(`jit: target must be 'default', 'onnx' or 'auto', got ${String(target)}`);
  const symbols = new Map<symbol, number>();
  const signatures: LeafSig[][] = [];
  const threshold = options.retraceWarning ?? 8;
  const cacheSize = options.cacheSize ?? DEFAULT_JIT_CACHE_SIZE;
  if (!Number.isInteger(cacheSize) || cacheSize < 1) throw new RangeError(`jit: cacheSize must be a positive integer, got ${cacheSize}`);
  const cache = new TraceCache<Compiled>(cacheSize, (c) => c.ir._release());
  let traces = 0;
  let cacheHits = 0;
  let evictions = 0;
  let peakBytes = 0;
  let warned = false;
  const optimized: OptimizeReport & { fused: number } = { simplified: 0, commonSubexpressions: 0, deadCode: 0, fused: 0 };
  let perExampleLoops = 0;

  const compile = (args: readonly unknown[]): [Compiled, Tensor[]] => {
    const [leaves, def] = flatten(args);
    return compileFlat(leaves, def, signatureKey(def, leaves, symbols));
  };

  /** `compile` of flattened arguments whose cache key the caller has made (an `'auto'` jit's host programs). */
  const compileFlat = (leaves: Tensor[], def: TreeDef, key: string): [Compiled, Tensor[]] => {
    const backend = getBackend();
    const hit = cache.get(key);
    if (hit) {
      cacheHits++;
      return [hit, leaves];
    }
    traces++;
    const traced = traceOptimized(f as unknown as (...a: unknown[]) => unknown, def, leaves);
    const { ir, outDef } = traced;
    perExampleLoops += traced.perExampleLoops;
    addReport(optimized, traced.report);
    let host: HostProgram | undefined;
    let mixed: Plan | undefined;
    let unfused = options.fuse === false;
    if (options.host !== false && hostBackend(backend)) {
      try {
        host = lowerToHost(ir, !unfused);
        // Programs the host cannot take whole (a large matmul, conv2d, …) still run their elementwise groups as host loops.
        if (!host && !unfused) mixed = planMixed(ir);
      } catch (e) {
        if (!(e instanceof KernelCompileError)) throw e;
        console.warn(`fluxion jit: ${e.message}; this program runs on tfjs kernels instead (same results, slower).`);
        unfused = true;
      }
      if (host) optimized.fused += host.fusedLoops;
    }
    const { ir: fusedIR, fusedGroups } = host || mixed || unfused || !fusionPays(backend) ? { ir, fusedGroups: 0 } : fuse(ir, maxFusedInputs(backend), backend === 'webgpu');
    optimized.fused += fusedGroups + (mixed ? mixed.items.filter((item) => item.kind === 'host').length : 0);
    const plan = planMemory(fusedIR);
    const compiled = { plan, host, mixed, lowered: host ? host.ir : (mixed ?? plan).ir, ir, outDef: outDef! };
    evictions += cache.add(key, compiled);
    const sig = describeLeaves(def, leaves);
    signatures.push(sig);
    if (signatures.length > threshold && !warned) {
      warned = true;
      const prev = signatures[signatures.length - 2]!;
      const changed = sig.filter((s, j) => prev[j]?.text !== s.text).map((s) => `${s.path}: ${prev.find((p) => p.path === s.path)?.text ?? '?'} → ${s.text}`);
      console.warn(
        `fluxion jit: ${signatures.length} signatures traced for one function (excessive recompilation). ` +
          `What changed last time: ${changed.join('; ') || 'the pytree structure'}. ` +
          'Keep shapes fixed (pad batches) or pass changing numbers as tensors rather than static values.',
      );
    }
    return [compiled, leaves];
  };

  const run = (compiled: Compiled, leaves: Tensor[]): unknown => {
    if (leaves.some((t) => t instanceof Tracer)) {
      // Inside another transformation: replay the program through the interpreters.
      return unflatten(compiled.outDef, evalIR(compiled.ir, leaves, zerosLike));
    }
    let outputs: ConcreteTensor[];
    // Debugging observers (fx.debug.nans, …) watch tfjs kernels equation by equation.
    if (compiled.host && !hasObservers()) {
      checkInputs(compiled.ir, leaves as ConcreteTensor[]);
      outputs = runHost(compiled.host, leaves as ConcreteTensor[]);
      peakBytes = compiled.host.peakBytes;
    } else {
      ({ outputs, peakBytes } = execute(compiled.mixed && !hasObservers() ? compiled.mixed : compiled.plan, leaves as ConcreteTensor[]));
    }
    // Results never alias inputs (`jit((x) => x)` gives a fresh handle on every path). Checked on the flat
    // lists (what `unaliased` would find by flattening both trees again, on every call).
    for (let i = 0; i < outputs.length; i++) if (leaves.includes(outputs[i]!)) outputs[i] = freshHandle(outputs[i]!);
    return unflatten(compiled.outDef, outputs);
  };

  const jitted = ((...args: Parameters<F>) => run(...compile(args))) as Jitted<F>;
  (jitted as unknown as Record<symbol, RunFlat>)[RUN_FLAT] = (leaves, def, key) => run(...compileFlat(leaves, def, key));

  jitted.stats = () => ({ traces, cacheHits, evictions, peakBytes, optimized: { ...optimized }, perExampleLoops });
  jitted.lower = (...args) => compile(args)[0].lowered;
  jitted.clear = () => {
    cache.clear();
  };
  dropped.register(jitted, cache);
  return jitted;
}
