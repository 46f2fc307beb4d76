/**
 * The ONNX target's planner (issue #23): which parts of an optimized program
 * run on ONNX Runtime and which on fluxion's own (host-JS) jit.
 *
 * 1. **Split.** Equations whose primitive has an ONNX form are ONNX-able, the
 *    rest host. The equations are re-ordered (a topological order that stays
 *    on the current kind as long as it can) and cut into maximal runs of one
 *    kind: the segments of a mixed plan.
 * 2. **Cost.** Under `target: 'auto'`, an ONNX segment stays on ONNX Runtime
 *    only if its estimated work reaches {@link ONNX_MIN_WORK} and
 *    {@link ONNX_MIN_WORK_PER_EQUATION} per equation: ONNX Runtime costs
 *    ~30 µs per `run` and a few µs per node on small tensors (it neither
 *    fuses elementwise nodes on the CPU nor skips its per-kernel dispatch),
 *    which a tiny program, or a long chain of tiny operations, never earns
 *    back.
 *    Work is counted per equation: `2·m·n·k` for a matrix product (and the
 *    same product count for convolutions), the elements read and written for
 *    everything else. A demoted segment joins its host neighbours.
 */
import type { Equation, IR, Var } from '../core/ir.js';
import { equationHasOnnxForm } from './lower.js';
import { visitProtoFields } from './protobuf.js';

/** Where one segment runs. */
export type SegmentTarget = 'onnx' | 'host';

/** A run of equations (in a valid order) on one target. */
export interface PlannedSegment {
  readonly target: SegmentTarget;
  readonly equations: readonly Equation[];
  /** Estimated work of the segment ({@link equationWork} summed). */
  readonly work: number;
}

/**
 * Work below which `target: 'auto'` keeps an ONNX-able segment on the host
 * lowering, in work units (a multiply-add counts 2, an element read or
 * written by any other primitive 1). Measured on the 2-core dev machine
 * (wasm backend, shared with other jobs) by bench/onnx.ts's crossover rows,
 * medians of wall time: an 8-op elementwise chain of n elements (≈ 20·n
 * units) is even at n = 4096 (8e4 units: 0.05 ms both) and twice as fast on
 * ONNX Runtime at n = 65536 (1.3e6: host 0.69–0.75 ms, ONNX 0.30–0.35);
 * `tanh(x·w)` with m×m operands is even or slower on ONNX Runtime at m = 64
 * (5.4e5: host 0.03–0.04 ms, ONNX 0.04) and faster from m = 128 (4.3e6:
 * host 0.16–0.18, ONNX 0.09–0.10). 1e6 separates both.
 * @example
 * ```ts
 * fx.ONNX_MIN_WORK; // 1e6: a 128×128 matmul (4.2e6) goes to ONNX Runtime under target 'auto', a 64×64 one (5.2e5) stays
 * ```
 * @public
 */
export const ONNX_MIN_WORK = 1e6;

/**
 * Average work per equation below which `target: 'auto'` keeps an ONNX-able
 * segment on the host even when its total reaches {@link ONNX_MIN_WORK}:
 * each ONNX node costs ONNX Runtime a few µs of dispatch, while fluxion's
 * host code fuses small elementwise operations into one loop. Measured with
 * bench/onnx.ts's W5 row (a 200-step spring chain of 100 particles: 6,192
 * equations, 1.5e6 units, ≈ 240 per equation): 4.1 ms of CPU per call on
 * ONNX Runtime against 1.1 ms on the default jit; the crossover rows' chains
 * break even near 1e4 units per equation (n = 4096: 8 equations of ~1e4).
 * @example
 * ```ts
 * fx.ONNX_MIN_WORK_PER_EQUATION; // 1e4
 * ```
 * @public
 */
export const ONNX_MIN_WORK_PER_EQUATION = 1e4;

/** Whether an ONNX-able segment earns ONNX Runtime's costs (the `'auto'` rule). */
export function worthOnnx(segment: { readonly equations: readonly unknown[]; readonly work: number }, minWork = ONNX_MIN_WORK, minPerEquation = ONNX_MIN_WORK_PER_EQUATION): boolean {
  return segment.work >= minWork && segment.work >= minPerEquation * segment.equations.length;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Estimated work of one equation (see the module comment). */
export function equationWork(eq: Equation): number {
  const outs = eq.outputs.reduce((n, v) => n + size(v.aval.shape), 0);
  const ins = eq.inputs.reduce((n, v) => n + size(v.aval.shape), 0);
  switch (eq.prim.name) {
    case 'matmul': {
      const k = eq.inputs[0]!.aval.shape.at(-1) ?? 1;
      return 2 * outs * k + ins + outs;
    }
    case 'conv2d':
    case 'conv2dBackpropInput':
    case 'conv2dBackpropFilter': {
      // Each element of the convolution's output (dy for the gradients) is a dot product over
      // a kh·kw·cin window of the HWIO filter.
      const filter = eq.prim.name === 'conv2dBackpropFilter' ? eq.outputs[0]!.aval.shape : eq.inputs[1]!.aval.shape;
      const y = eq.prim.name === 'conv2d' ? eq.outputs[0]! : eq.prim.name === 'conv2dBackpropInput' ? eq.inputs[0]! : eq.inputs[1]!;
      return 2 * size(y.aval.shape) * size(filter.slice(0, 3)) + ins + outs;
    }
    default:
      return ins + outs;
  }
}

/**
 * Primitives with an ONNX form that `target: 'auto'` still keeps on the host,
 * where they are faster whatever the size: eigh's and svd's Jacobi sweeps are
 * ~25 small ONNX nodes per round of rotations (wasm backend, one n×n matrix:
 * n = 32, eigh 20 ms on ONNX Runtime against 2 ms on the host, svd 26
 * against 2.4; n = 100, eigh 370 against 48 ms, svd 580 against 54).
 * `target: 'onnx'` and `fx.exportOnnx` use their forms.
 */
export const HOST_UNDER_AUTO: ReadonlySet<string> = new Set(['eigh', 'svd']);

/** Whether `eq` can go to ONNX Runtime: it has an ONNX form (its bodies included). */
export function onnxAble(eq: Equation): boolean {
  return equationHasOnnxForm(eq);
}

/**
 * The segments of `ir`: maximal runs of ONNX-able and host equations in a
 * topological order that switches kind as rarely as a greedy list schedule
 * can; with `minWork > 0` (the `'auto'` rule), the equations of
 * {@link HOST_UNDER_AUTO} are host ones, and ONNX segments that are not
 * {@link worthOnnx} (below `minWork` in all, or `minPerEquation` per
 * equation) become host segments (merged with their neighbours).
 */
export function planSegments(ir: IR, minWork = 0, minPerEquation = ONNX_MIN_WORK_PER_EQUATION): PlannedSegment[] {
  const eqs = ir.equations;
  const kinds = eqs.map((eq): SegmentTarget => (onnxAble(eq) && !(minWork > 0 && HOST_UNDER_AUTO.has(eq.prim.name)) ? 'onnx' : 'host'));
  const producer = new Map<Var, number>();
  eqs.forEach((eq, i) => eq.outputs.forEach((v) => producer.set(v, i)));
  const consumers: number[][] = eqs.map(() => []);
  const pending = eqs.map((eq, i) => {
    const deps = new Set<number>();
    for (const v of eq.inputs) {
      const p = producer.get(v);
      if (p !== undefined) deps.add(p);
    }
    for (const p of deps) consumers[p]!.push(i);
    return deps.size;
  });
  // Ready equations per kind, each list kept in program order (the schedule takes the lowest index).
  const ready: Record<SegmentTarget, number[]> = { onnx: [], host: [] };
  const insert = (i: number) => {
    const list = ready[kinds[i]!];
    let at = list.length;
    while (at > 0 && list[at - 1]! > i) at--;
    list.splice(at, 0, i);
  };
  pending.forEach((n, i) => n === 0 && insert(i));
  const order: number[] = [];
  let kind: SegmentTarget | undefined;
  while (order.length < eqs.length) {
    if (!kind || ready[kind].length === 0) {
      // Switch to the other kind, or start with the kind of the earliest ready equation.
      const other: SegmentTarget = kind === 'onnx' ? 'host' : 'onnx';
      kind = kind ? other : (ready.onnx[0] ?? Infinity) < (ready.host[0] ?? Infinity) ? 'onnx' : 'host';
    }
    const i = ready[kind].shift()!;
    order.push(i);
    for (const c of consumers[i]!) if (--pending[c]! === 0) insert(c);
  }
  const segments: { target: SegmentTarget; equations: Equation[]; work: number }[] = [];
  for (const i of order) {
    const target = kinds[i]!;
    const last = segments.at(-1);
    if (last?.target === target) {
      last.equations.push(eqs[i]!);
      last.work += equationWork(eqs[i]!);
    } else segments.push({ target, equations: [eqs[i]!], work: equationWork(eqs[i]!) });
  }
  if (minWork <= 0) return segments;
  const merged: typeof segments = [];
  for (const s of segments) {
    const target = s.target === 'onnx' && !worthOnnx(s, minWork, minPerEquation) ? 'host' : s.target;
    const last = merged.at(-1);
    if (last?.target === target) {
      last.equations.push(...s.equations);
      last.work += s.work;
    } else merged.push({ ...s, target });
  }
  return merged;
}

/** The number of nodes in an ONNX model's main graph, read from its bytes. */
export function countOnnxNodes(model: Uint8Array): number {
  return onnxNodes(model).length;
}

/**
 * The nodes of an ONNX model's main graph read back from its bytes, in order:
 * op type and value names (ModelProto.graph = 7, GraphProto.node = 1;
 * NodeProto.input = 1, output = 2, op_type = 4).
 */
export function onnxNodes(model: Uint8Array): { opType: string; inputs: string[]; outputs: string[] }[] {
  const nodes: { opType: string; inputs: string[]; outputs: string[] }[] = [];
  const text = new TextDecoder();
  visitProtoFields(model, 0, model.length, (field, from, to) => {
    if (field !== 7) return;
    visitProtoFields(model, from, to, (f, a, b) => {
      if (f !== 1) return;
      const n = { opType: '', inputs: [] as string[], outputs: [] as string[] };
      visitProtoFields(model, a, b, (g, c, d) => {
        const s = text.decode(model.subarray(c, d));
        if (g === 1) n.inputs.push(s);
        else if (g === 2) n.outputs.push(s);
        else if (g === 4) n.opType = s;
      });
      nodes.push(n);
    });
  });
  return nodes;
}
