/**
 * A peephole pass over the nodes of a lowered ONNX graph: removes negations
 * that a neighbouring `Add`/`Sub` can absorb (ONNX Runtime does not fuse
 * elementwise nodes on the CPU, so each `Neg` is one more pass over memory).
 *
 * - `Add(p, Neg(q))` and `Add(Neg(q), p)` → `Sub(p, q)`; `Sub(p, Neg(q))` → `Add(p, q)`.
 * - `m = Mul(a, Neg(q))` (either operand) whose every consumer is an
 *   `Add(·, m)`, `Add(m, ·)` or `Sub(·, m)` → `m' = Mul(a, q)` and each
 *   consumer flipped (`Add(p, m)` → `Sub(p, m')`, `Sub(p, m)` → `Add(p, m')`).
 *
 * Each rewrite is exact in IEEE arithmetic (`p − q` is defined as
 * `p + (−q)`; negation commutes with a product's rounding) and in int32's
 * wrapping arithmetic, with the same broadcasting. A `Neg` left without
 * consumers is dropped. Values that are graph outputs keep their meaning;
 * graphs with sub-graphs (`Loop`/`If` bodies read outer values by name) are
 * left as they are.
 */
import type { OnnxNode } from './proto.js';
import type { AbstractValue } from '../core/tensor.js';

/** Whether any node holds a sub-graph: `Loop`/`If` bodies read outer values by name, so the passes leave such graphs as they are. */
function hasSubgraph(nodes: readonly OnnxNode[]): boolean {
  return nodes.some((n) => Object.values(n.attributes ?? {}).some((a) => 'graph' in a));
}

/** The index of the node that writes each value. */
function producers(out: readonly (OnnxNode | null)[]): Map<string, number> {
  const p = new Map<string, number>();
  out.forEach((n, i) => n?.outputs.forEach((o) => p.set(o, i)));
  return p;
}

/** The indices of the nodes that read each value, once per read. */
function consumers(out: readonly (OnnxNode | null)[]): Map<string, number[]> {
  const uses = new Map<string, number[]>();
  out.forEach((n, i) => n?.inputs.forEach((v) => uses.set(v, [...(uses.get(v) ?? []), i])));
  return uses;
}

/** The node that writes `name` and its index, if one (not yet removed) does. */
function writerOf(out: readonly (OnnxNode | null)[], producer: ReadonlyMap<string, number>, name: string): { node: OnnxNode; index: number } | undefined {
  const index = producer.get(name);
  const node = index === undefined ? null : out[index];
  return node ? { node, index: index! } : undefined;
}

/** The remaining nodes, less the `opType` ones whose result is neither read nor a graph output. */
function withoutUnread(out: readonly (OnnxNode | null)[], opType: string, kept: ReadonlySet<string>): OnnxNode[] {
  const uses = consumers(out);
  return out.filter((n): n is OnnxNode => n !== null && !(n.opType === opType && !kept.has(n.outputs[0]!) && !uses.has(n.outputs[0]!)));
}

/** The nodes of a graph with absorbed negations removed (see the module comment); `outputs` are the graph's output names. */
export function absorbNegations(nodes: readonly OnnxNode[], outputs: readonly string[]): OnnxNode[] {
  if (hasSubgraph(nodes)) return [...nodes];
  const kept = new Set(outputs);
  const out: (OnnxNode | null)[] = [...nodes];
  const producer = producers(out);
  const negated = (name: string): string | undefined => {
    const w = writerOf(out, producer, name);
    return w?.node.opType === 'Neg' ? w.node.inputs[0] : undefined;
  };
  // Products of a negation whose consumers all absorb a sign.
  const uses = consumers(out);
  out.forEach((n, i) => {
    if (n?.opType !== 'Mul' || n.outputs.length !== 1) return;
    const m = n.outputs[0]!;
    if (kept.has(m)) return;
    const k = n.inputs.findIndex((v) => negated(v) !== undefined);
    if (k < 0) return;
    const users = uses.get(m) ?? [];
    const absorbs = (j: number) => {
      const u = out[j]!;
      return (u.opType === 'Add' && u.inputs.includes(m) && !(u.inputs[0] === m && u.inputs[1] === m)) || (u.opType === 'Sub' && u.inputs[1] === m && u.inputs[0] !== m);
    };
    if (users.length === 0 || !users.every(absorbs)) return;
    const inputs = [...n.inputs];
    inputs[k] = negated(inputs[k]!)!;
    out[i] = { ...n, inputs };
    for (const j of new Set(users)) {
      const u = out[j]!;
      const p = u.inputs[0] === m ? u.inputs[1]! : u.inputs[0]!;
      out[j] = { ...u, opType: u.opType === 'Add' ? 'Sub' : 'Add', inputs: [p, m] };
    }
  });
  // Sums and differences with a negated operand.
  out.forEach((n, i) => {
    if (!n || (n.opType !== 'Add' && n.opType !== 'Sub')) return;
    const [a, b] = n.inputs as [string, string];
    const qb = negated(b);
    if (qb !== undefined) out[i] = { ...n, opType: n.opType === 'Add' ? 'Sub' : 'Add', inputs: [a, qb] };
    else if (n.opType === 'Add') {
      const qa = negated(a);
      if (qa !== undefined) out[i] = { ...n, opType: 'Sub', inputs: [b, qa] };
    }
  });
  // Negations nothing reads any more.
  return withoutUnread(out, 'Neg', kept);
}

/** A 2-D transpose (`perm = [1, 0]`): what a `Gemm` flag can stand for. */
function isMatrixTranspose(n: OnnxNode | null | undefined): n is OnnxNode {
  const perm = n?.opType === 'Transpose' ? n.attributes?.perm : undefined;
  return perm !== undefined && 'ints' in perm && perm.ints.length === 2 && perm.ints[0] === 1 && perm.ints[1] === 0;
}

const flag = (n: OnnxNode, name: 'transA' | 'transB'): boolean => {
  const a = n.attributes?.[name];
  return a !== undefined && 'int' in a && a.int === 1;
};

/**
 * Matrix products with their transposes as `Gemm` flags (the matmul form
 * writes a 2-D product as a `Gemm` without flags or bias):
 *
 * - `Transpose(Gemm(a, b))`, the product read only by the transpose, is
 *   `Gemm(b, a)` with both flags flipped (`(a·b)ᵀ = bᵀ·aᵀ`);
 * - a `Gemm` operand written by a 2-D `Transpose` reads the transpose's
 *   input with its flag flipped;
 * - `Add(Gemm(a, b), c)` (either order), the product read only by the sum and
 *   `c` a float32 value of rank ≤ 2 that broadcasts to the product's shape
 *   by ONNX's one-way rule (a bias row `[N]`, a column `[M, 1]`, a matrix),
 *   is `Gemm(a, b, c)`; `avalOf` gives the shapes (values it does not know
 *   are left alone).
 *
 * Transposes nothing reads any more are dropped. The flags are exact: MLAS
 * and every ONNX runtime read a flagged operand in place, summing the same
 * products in the same order as over a transposed copy. The bias is a
 * reassociation: MLAS starts each sum from `c` instead of adding it last
 * (within float32 rounding of the two-node form; ONNX Runtime's own
 * `MatMul` + `Add` fusion does the same). Graphs with sub-graphs are left as
 * they are (see `absorbNegations`).
 */
export function foldGemmTransposes(nodes: readonly OnnxNode[], outputs: readonly string[], avalOf: (name: string) => AbstractValue | undefined = () => undefined): OnnxNode[] {
  if (hasSubgraph(nodes)) return [...nodes];
  const kept = new Set(outputs);
  const out: (OnnxNode | null)[] = [...nodes];
  /** The plain product (a Gemm without bias) that writes `y`, read only once and not a graph output. */
  const productOnlyReadOnce = (producer: ReadonlyMap<string, number>, uses: ReadonlyMap<string, number[]>, y: string) => {
    const w = writerOf(out, producer, y);
    return w && w.node.opType === 'Gemm' && w.node.inputs.length === 2 && !kept.has(y) && uses.get(y)?.length === 1 ? w : undefined;
  };
  const withFlags = (n: OnnxNode, inputs: string[], a: boolean, b: boolean): OnnxNode => {
    const attributes = { ...n.attributes };
    delete attributes.transA;
    delete attributes.transB;
    if (a) attributes.transA = { int: 1 };
    if (b) attributes.transB = { int: 1 };
    return { ...n, inputs, attributes };
  };
  // (a·b)ᵀ = bᵀ·aᵀ: the transpose becomes the product, in the transpose's place (its consumers come after it).
  let producer = producers(out);
  let uses = consumers(out);
  out.forEach((t, i) => {
    if (!isMatrixTranspose(t)) return;
    const w = productOnlyReadOnce(producer, uses, t.inputs[0]!);
    if (!w) return;
    const g = w.node;
    out[i] = withFlags({ ...g, outputs: t.outputs }, [g.inputs[1]!, g.inputs[0]!], !flag(g, 'transB'), !flag(g, 'transA'));
    out[w.index] = null;
  });
  // Transposed operands as flags.
  producer = producers(out);
  out.forEach((g, i) => {
    if (g?.opType !== 'Gemm') return;
    const inputs = [...g.inputs];
    const flags = [flag(g, 'transA'), flag(g, 'transB')];
    for (const k of [0, 1]) {
      const t = writerOf(out, producer, inputs[k]!)?.node;
      if (!isMatrixTranspose(t)) continue;
      inputs[k] = t.inputs[0]!;
      flags[k] = !flags[k];
    }
    out[i] = withFlags(g, inputs, flags[0]!, flags[1]!);
  });
  // A bias added to the product as Gemm's C, in the sum's place.
  producer = producers(out);
  uses = consumers(out);
  const broadcastsTo = (c: AbstractValue | undefined, y: AbstractValue | undefined): boolean => {
    if (!c || !y || c.dtype !== 'float32' || y.shape.length !== 2 || c.shape.length > 2) return false;
    const [m, n] = y.shape as [number, number];
    const [rows, cols] = c.shape.length === 2 ? c.shape : [1, c.shape[0] ?? 1];
    return (rows === 1 || rows === m) && (cols === 1 || cols === n);
  };
  out.forEach((add, i) => {
    if (add?.opType !== 'Add' || add.inputs[0] === add.inputs[1]) return;
    for (const k of [0, 1]) {
      const y = add.inputs[k]!;
      const c = add.inputs[1 - k]!;
      const w = productOnlyReadOnce(producer, uses, y);
      if (!w || !broadcastsTo(avalOf(c), avalOf(y))) continue;
      out[i] = { ...w.node, inputs: [...w.node.inputs, c], outputs: add.outputs };
      out[w.index] = null;
      return;
    }
  });
  // Transposes nothing reads any more.
  return withoutUnread(out, 'Transpose', kept);
}
