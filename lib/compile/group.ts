/**
 * Grouping of elementwise equations for generated loops and kernels (host
 * loops on cpu/wasm, WGSL programs on webgpu).
 */
import type { Equation, IR, Var } from '../core/ir.js';
import type { AbstractValue } from '../core/tensor.js';
import type { Scalar } from '../core/scalar.js';

/**
 * A group of elementwise equations over one output shape, run as one loop:
 * values used only inside the group stay local; `outputs` are the members'
 * results needed elsewhere (or returned).
 */
export interface LoopGroup {
  readonly members: readonly Equation[];
  readonly inputs: readonly Var[];
  readonly outputs: readonly Var[];
  readonly shape: readonly number[];
}

/**
 * An elementwise group as one scalar program, what every emitter (JS loop,
 * wasm SIMD, WGSL) translates: `results[j]` is the expression of the loop's
 * j-th output over `arg(i)` = the i-th loop input (read at the current
 * position, broadcast as its shape says), with `round32` wherever a float32
 * primitive result feeds another member (as a float32 kernel stores it).
 * `reduceInner`, when set, means each result is accumulated (by `reduce`)
 * over runs of `reduceInner` consecutive positions instead of stored per position.
 */
export interface ScalarLoop {
  readonly shape: readonly number[];
  readonly inputs: readonly AbstractValue[];
  readonly results: readonly Scalar[];
}

/** Most equations one generated loop holds (keeps each generated function small enough for V8 to optimize). */
export const MAX_GROUP = 48;

/** One unit of the lowered program: a loop over elementwise equations, or one other equation. */
export type Node = { readonly kind: 'loop'; readonly group: LoopGroup } | { readonly kind: 'eq'; readonly eq: Equation };

/**
 * Groups elementwise equations into loops. An elementwise equation joins the
 * open group of its output shape; a group closes as soon as an equation
 * outside it reads one of its values, so each group can run where its last
 * member stood. With `reduces`, a reduction (`sum`, `max`, `min`) of a value
 * of an open group joins it as its last member: the loop accumulates it.
 */
export function groupLoops(ir: IR, joins: (eq: Equation) => boolean, maxGroup: number, reduces?: (eq: Equation) => boolean): Node[] {
  interface Open {
    members: Equation[];
    shape: readonly number[];
    closed: boolean;
  }
  const producer = new Map<Var, Open>();
  const open = new Map<string, Open>();
  // Program order; a group moves to the end each time it gains a member (its old place becomes null).
  const order: (Open | Equation | null)[] = [];
  const placed = new Map<Open, number>();
  const close = (g: Open) => {
    g.closed = true;
    const key = g.shape.join(',');
    if (open.get(key) === g) open.delete(key);
  };
  for (const eq of ir.equations) {
    const elementwise = eq.outputs.length === 1 && joins(eq);
    const key = elementwise ? eq.outputs[0]!.aval.shape.join(',') : '';
    // A reduction of a value the open group computes ends that group: it accumulates inside the loop.
    const source = !elementwise && eq.inputs.length === 1 && reduces?.(eq) ? producer.get(eq.inputs[0]!) : undefined;
    const reduction = source && !source.closed && source.members.length < maxGroup && source.shape.join(',') === eq.inputs[0]!.aval.shape.join(',') ? source : undefined;
    const target = elementwise ? open.get(key) : reduction;
    for (const v of eq.inputs) {
      const g = producer.get(v);
      if (g && g !== target && !g.closed) close(g);
    }
    if (!elementwise && !reduction) {
      order.push(eq);
      continue;
    }
    let g = target && !target.closed && target.members.length < maxGroup ? target : undefined;
    if (!g) {
      if (target) close(target);
      g = { members: [], shape: eq.outputs[0]!.aval.shape, closed: false };
      open.set(key, g);
    }
    g.members.push(eq);
    producer.set(eq.outputs[0]!, g);
    if (reduction) close(g);
    // The group's place in the program is that of its last member.
    const at = placed.get(g);
    if (at !== undefined) order[at] = null;
    placed.set(g, order.push(g) - 1);
  }
  const items = order.filter((item): item is Open | Equation => item !== null);
  // Values read outside their group (or returned) are the group's outputs.
  const readOutside = new Set<Var>(ir.outputs.filter((o): o is Var => o !== null));
  for (const item of items) {
    const eqs = 'members' in item ? item.members : [item];
    for (const eq of eqs) for (const v of eq.inputs) if (producer.get(v) !== ('members' in item ? item : undefined)) readOutside.add(v);
  }
  return items.map((item) => {
    if (!('members' in item)) return { kind: 'eq', eq: item };
    const produced = new Set(item.members.map((eq) => eq.outputs[0]!));
    const inputs = [...new Set(item.members.flatMap((eq) => eq.inputs.filter((v) => !produced.has(v))))];
    const outputs = item.members.map((eq) => eq.outputs[0]!).filter((v) => readOutside.has(v));
    return { kind: 'loop', group: { members: item.members, inputs, outputs, shape: item.shape } };
  });
}

