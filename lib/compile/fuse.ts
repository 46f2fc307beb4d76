/**
 * Elementwise fusion for `jit`. Chains of elementwise float32 primitives
 * whose intermediate values are used only inside the chain become one
 * `fused` equation, run as one generated kernel:
 *
 * | backend | kernel |
 * | --- | --- |
 * | webgpu | one generated WGSL program through tfjs-backend-webgpu's program interface |
 * | cpu, wasm | none here: the host lowering (lib/compile/host.ts) runs elementwise groups as generated JS loops, also inside programs it cannot take whole; `jit(f, { host: false })` runs tfjs kernels unfused |
 *
 * Each member's scalar expression (its primitive's `lowering`) is inlined
 * into one expression, translated by the WGSL emitter (emitWgsl.ts), whose
 * output holds only fixed translations, local names and literal bit patterns
 * — never user strings or number text.
 */
import * as tf from '@tensorflow/tfjs-core';
import { IR, Var, type Equation } from '../core/ir.js';
import type { Params, Primitive } from '../core/primitive.js';
import { isExactChoice, sc, showScalar, substitute, type Scalar } from '../core/scalar.js';
import { groupLoops, MAX_GROUP } from './group.js';
import { elementwiseExpr, isFloatSum } from './hostKernels.js';
import { emitWgsl, WGSL_HELPERS, wgslSupports } from './emitWgsl.js';
import { backendHooks, type WebgpuUtil } from '../core/kernels.js';

interface FusedParams extends Params {
  /** The fused chain as one scalar expression over the kernel's inputs (`arg j` = input j). */
  readonly expr: Scalar;
  readonly outShape: readonly number[];
  /**
   * When set, the expression's values are summed over their trailing `inner`
   * positions (webgpu only): one workgroup per output element.
   */
  readonly reduceInner?: number;
  /** Printed in the IR: the fused primitives in order. */
  readonly ops: string;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

// ------------------------------------------------------------------ kernels

/** `let` statements computing the fused expression; `read(j)` is the WGSL expression of input j. */
function wgslSteps(params: FusedParams, read: (j: number) => string, indent: string): { lines: string[]; value: string } {
  const { lines, values } = emitWgsl([params.expr], read, indent);
  return { lines, value: values[0]! };
}

/** A tfjs-backend-webgpu program computing the fused chain in one dispatch. */
class FusedWgslProgram {
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [128, 1, 1];
  readonly size = true;

  constructor(
    private readonly params: FusedParams,
    inputCount: number,
    util: { flatDispatchLayout(s: number[]): { x: number[] }; computeDispatch(l: { x: number[] }, s: number[], w: number[]): [number, number, number] },
  ) {
    this.variableNames = Array.from({ length: inputCount }, (_, j) => `x${j}`);
    this.outputShape = params.outShape.slice();
    this.shaderKey = `fluxion_fused_${showScalar(params.expr)}`;
    this.dispatchLayout = util.flatDispatchLayout(this.outputShape);
    this.dispatch = util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
  }

  getUserCode(): string {
    const { lines, value } = wgslSteps(this.params, (j) => `getX${j}ByOutputIndex(index)`, '      ');
    return [
      ...WGSL_HELPERS,
      'fn main(index : i32) {',
      '  if (index < uniforms.size) {',
      ...lines,
      `      setOutputAtIndex(index, ${value});`,
      '  }',
      '}',
    ].join('\n');
  }
}

/** Threads per workgroup of a fused reduction. */
const REDUCE_THREADS = 64;

/**
 * A fused chain whose last value is summed over trailing positions: one
 * workgroup per output element; each thread computes the chain at a strided
 * subset of the `inner` positions, then the workgroup adds its partial sums
 * in shared memory. Operands have the chain's full shape or one element.
 */
class FusedReduceWgslProgram {
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [REDUCE_THREADS, 1, 1];
  readonly size = true;

  constructor(
    private readonly params: FusedParams,
    private readonly scalars: readonly boolean[],
    util: { flatDispatchLayout(s: number[]): { x: number[] }; computeDispatch(l: { x: number[] }, s: number[], w: number[]): [number, number, number] },
  ) {
    this.variableNames = scalars.map((_, j) => `x${j}`);
    this.outputShape = params.outShape.length ? params.outShape.slice() : [1];
    this.shaderKey = `fluxion_fused_sum_${params.reduceInner}_${scalars.map((b) => (b ? 's' : 'a')).join('')}_${showScalar(params.expr)}`;
    this.dispatchLayout = util.flatDispatchLayout(this.outputShape);
    // One workgroup per output element.
    this.dispatch = util.computeDispatch(this.dispatchLayout, this.outputShape, [1, 1, 1]);
  }

  getUserCode(): string {
    const inner = this.params.reduceInner!;
    const { lines, value } = wgslSteps(this.params, (j) => (this.scalars[j] ? `x${j}[0]` : `x${j}[p]`), '    ');
    return [
      ...WGSL_HELPERS,
      `var<workgroup> partial : array<f32, ${REDUCE_THREADS}>;`,
      'fn main(index : i32) {',
      `  let row = index / ${REDUCE_THREADS};`,
      '  var acc = 0.0;',
      `  for (var k = i32(localId.x); k < ${inner} && row < uniforms.size; k = k + ${REDUCE_THREADS}) {`,
      `    let p = row * ${inner} + k;`,
      ...lines,
      `    acc = acc + ${value};`,
      '  }',
      '  partial[localId.x] = acc;',
      '  workgroupBarrier();',
      `  for (var half = ${REDUCE_THREADS / 2}u; half > 0u; half = half / 2u) {`,
      '    if (localId.x < half) {',
      '      partial[localId.x] = partial[localId.x] + partial[localId.x + half];',
      '    }',
      '    workgroupBarrier();',
      '  }',
      '  if (localId.x == 0u && row < uniforms.size) {',
      '    setOutputAtIndex(row, partial[0]);',
      '  }',
      '}',
    ].join('\n');
  }
}

interface WebgpuBackendLike {
  runWebGPUProgram(program: unknown, inputs: tf.TensorInfo[], dtype: 'float32'): tf.TensorInfo;
}

/** Loaded with the webgpu backend (lib/backend sets it); the fused kernel needs its dispatch helpers. */
const util = (): WebgpuUtil | undefined => backendHooks.webgpuUtil;

function runWgsl(inputs: readonly tf.Tensor[], params: FusedParams): tf.Tensor {
  const backend = tf.backend() as unknown as WebgpuBackendLike;
  const program =
    params.reduceInner !== undefined
      ? new FusedReduceWgslProgram(params, inputs.map((x) => x.size === 1), util()!)
      : new FusedWgslProgram(params, inputs.length, util()!);
  const info = backend.runWebGPUProgram(program, inputs as tf.Tensor[], 'float32');
  const out = tf.engine().makeTensorFromTensorInfo(info);
  if (out.rank === params.outShape.length) return out;
  // A reduction to a scalar ran with output shape [1].
  const scalar = tf.reshape(out, params.outShape as number[]);
  out.dispose();
  return scalar;
}

export const fusedPrimitive: Primitive<FusedParams> = {
  name: 'fused',
  lowering: { kind: 'kernel', reason: 'a generated WGSL kernel' },
  abstractEval: (_inputs, params) => [{ shape: params.outShape, dtype: 'float32' }],
  impl(inputs, params) {
    const backend = tf.getBackend();
    if (backend === 'webgpu' && util()) return [runWgsl(inputs, params)];
    throw new Error(`fluxion internal error: a fused WGSL kernel cannot run on ${backend}`);
  },
  showParams: (p) => `ops=${p.ops}${p.reduceInner !== undefined ? '→sum' : ''}`,
};

// ------------------------------------------------------------------ the pass

/** Whether this backend gains from fused elementwise kernels (measured; see the table above). */
export function fusionPays(backend: string): boolean {
  return backend === 'webgpu' && util() !== undefined;
}

function fusable(eq: Equation): boolean {
  if (eq.outputs.length !== 1 || eq.outputs[0]!.aval.dtype !== 'float32' || !eq.inputs.every((v) => v.aval.dtype === 'float32')) return false;
  const e = elementwiseExpr(eq);
  return e !== undefined && wgslSupports(e);
}

/**
 * Groups elementwise chains into `fused` equations. A value may be folded into
 * a group only when every use of it is inside the group and it is not an
 * output of the program; each group has one result.
 */
export function fuse(ir: IR, maxInputs = 16, reductions = false): { ir: IR; fusedGroups: number } {
  const whole = fuseWholeGroups(ir, maxInputs, reductions);
  const chains = fuseChains(whole.ir, maxInputs);
  return { ir: chains.ir, fusedGroups: whole.fusedGroups + chains.fusedGroups };
}

/**
 * First pass: an elementwise group (lib/compile/group.ts) whose values are
 * all consumed inside it except one becomes one kernel, even where members
 * share intermediates (a gradient that reuses sin(x), exp(−x²) and tanh(x)
 * several times is one kernel reading x once).
 */
function fuseWholeGroups(ir: IR, maxInputs: number, reductions: boolean): { ir: IR; fusedGroups: number } {
  let fusedGroups = 0;
  const equations = groupLoops(ir, fusable, MAX_GROUP, reductions ? reducible : undefined).flatMap((node): Equation[] => {
    if (node.kind === 'eq') return [node.eq];
    const { members, outputs, inputs, shape } = node.group;
    const last = members[members.length - 1]!;
    if (isFloatSum(last)) {
      // A chain feeding a sum: one reduction kernel when the sum's result is all the group gives out
      // and every operand has the chain's shape or one element.
      const full = inputs.every((v) => sizeOf(v.aval.shape) === 1 || sameShape(v.aval.shape, shape)) && members.length > 1 && last.inputs[0] === members[members.length - 2]!.outputs[0];
      const fused = outputs.length === 1 && outputs[0] === last.outputs[0] && members.length > 1 && full ? fusedEquation(members.slice(0, -1), maxInputs) : undefined;
      if (fused) {
        fusedGroups++;
        const inner = sizeOf(shape) / sizeOf(last.outputs[0]!.aval.shape);
        const params = { ...(fused.params as FusedParams), outShape: last.outputs[0]!.aval.shape, reduceInner: inner };
        return [{ ...fused, params: { ...params, ops: `${params.ops}` }, outputs: last.outputs }];
      }
      return [...members];
    }
    if (members.length > 1 && outputs.length === 1 && outputs[0] === last.outputs[0]) {
      const fused = fusedEquation(members, maxInputs);
      if (fused) {
        fusedGroups++;
        return [fused];
      }
    }
    return [...members];
  });
  if (fusedGroups === 0) return { ir, fusedGroups };
  return { ir: new IR(ir.inputs, ir.constVars, ir.constValues, equations, ir.outputs, ir.outAvals), fusedGroups };
}

/** A float32 sum over trailing axes (or all of them), with a safe integer extent: it can close a fused WGSL chain. */
function reducible(eq: Equation): boolean {
  if (!isFloatSum(eq)) return false;
  const rank = eq.inputs[0]!.aval.shape.length;
  const axes = [...(eq.params['axes'] as readonly number[])].sort((a, b) => a - b);
  const inner = sizeOf(eq.inputs[0]!.aval.shape) / Math.max(1, sizeOf(eq.outputs[0]!.aval.shape));
  return axes.length > 0 && axes.every((a, i) => a === rank - axes.length + i) && Number.isSafeInteger(inner) && inner > 0 && sizeOf(eq.outputs[0]!.aval.shape) < 65535;
}

/** Second pass: single-use chains of one shape. */
function fuseChains(ir: IR, maxInputs: number): { ir: IR; fusedGroups: number } {
  const uses = new Map<Var, number>();
  for (const eq of ir.equations) for (const v of new Set(eq.inputs)) uses.set(v, (uses.get(v) ?? 0) + 1);
  for (const o of ir.outputs) if (o) uses.set(o, (uses.get(o) ?? 0) + 1e9);

  // Each group: its equations in order; `groupOf` maps a produced var to its group.
  const groups: Equation[][] = [];
  const groupOf = new Map<Var, number>();
  const mergedInto = new Map<number, number>();
  const find = (g: number): number => (mergedInto.has(g) ? find(mergedInto.get(g)!) : g);

  ir.equations.forEach((eq) => {
    if (!fusable(eq)) return;
    const out = eq.outputs[0]!;
    const absorb = new Set<number>();
    for (const v of eq.inputs) {
      const g = groupOf.get(v);
      if (g === undefined) continue;
      const gid = find(g);
      const groupShape = groups[gid]![groups[gid]!.length - 1]!.outputs[0]!.aval.shape;
      // Only a single-use intermediate of the same shape can be folded in.
      if (uses.get(v) === 1 && sameShape(groupShape, out.aval.shape)) absorb.add(gid);
    }
    let target: number;
    if (absorb.size === 0) {
      target = groups.push([eq]) - 1;
    } else {
      const ids = [...absorb].sort((a, b) => a - b);
      target = ids[0]!;
      for (const other of ids.slice(1)) {
        groups[target]!.push(...groups[other]!);
        groups[other] = [];
        mergedInto.set(other, target);
      }
      groups[target]!.push(eq);
    }
    groupOf.set(out, target);
  });

  const position = new Map<Equation, number>();
  ir.equations.forEach((eq, i) => position.set(eq, i));
  const replacement = new Map<Equation, Equation>();
  const member = new Set<Equation>();
  let fusedGroups = 0;
  for (const g of groups) {
    if (g.length < 2) continue;
    const ordered = g.slice().sort((a, b) => position.get(a)! - position.get(b)!);
    const fused = fusedEquation(ordered, maxInputs);
    if (!fused) continue;
    fusedGroups++;
    ordered.forEach((eq) => member.add(eq));
    // The group runs where its last member ran: every input exists by then.
    replacement.set(ordered[ordered.length - 1]!, fused);
  }
  if (fusedGroups === 0) return { ir, fusedGroups };

  const equations: Equation[] = [];
  for (const eq of ir.equations) {
    const fused = replacement.get(eq);
    if (fused) equations.push(fused);
    else if (!member.has(eq)) equations.push(eq);
  }
  return { ir: new IR(ir.inputs, ir.constVars, ir.constValues, equations, ir.outputs, ir.outAvals), fusedGroups };
}

/**
 * Most inputs one generated kernel takes: WebGPU guarantees 8 storage buffers
 * per shader stage, and the output takes one.
 */
export function maxFusedInputs(backend: string): number {
  return backend === 'webgpu' ? 7 : 16;
}

/** The one equation standing for a group (members in program order), or undefined when it has too many inputs. */
function fusedEquation(ordered: readonly Equation[], maxInputs: number): Equation | undefined {
  const value = new Map<Var, Scalar>();
  const inputs: Var[] = [];
  const readInside = new Set<Var>(ordered.flatMap((eq) => eq.inputs));
  for (const eq of ordered) {
    const operands = eq.inputs.map((v) => {
      const known = value.get(v);
      if (known) return known;
      let at = inputs.indexOf(v);
      if (at < 0) at = inputs.push(v) - 1;
      const arg = sc.arg(at, v.aval.dtype);
      value.set(v, arg);
      return arg;
    });
    const e = substitute(elementwiseExpr(eq)!, operands);
    const out = eq.outputs[0]!;
    value.set(out, readInside.has(out) && !isExactChoice(e) ? sc.round32(e) : e);
  }
  const out = ordered[ordered.length - 1]!.outputs[0]!;
  if (inputs.length > maxInputs) return undefined;
  const params: FusedParams = { expr: value.get(out)!, outShape: out.aval.shape, ops: ordered.map((eq) => eq.prim.name).join('→') };
  return { prim: fusedPrimitive as Primitive, inputs, params, outputs: [out] };
}
