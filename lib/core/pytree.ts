/**
 * Pytrees: nested arrays, tuples and plain objects whose leaves are tensors.
 * Transformations flatten their arguments to a list of tensors, work on the
 * list, and rebuild results in the same structure. Leaves that are not
 * tensors (numbers, strings, functions, null) are static: kept as they are.
 */
import { Tensor } from './tensor.js';

/** A nested structure of tensors. @public */
export type Pytree = Tensor | readonly Pytree[] | { readonly [key: string]: Pytree } | number | string | boolean | null | undefined;

/** The structure of a pytree without its tensor leaves. */
export type TreeDef =
  | { kind: 'leaf' }
  | { kind: 'static'; value: unknown }
  | { kind: 'array'; children: TreeDef[] }
  | { kind: 'object'; keys: string[]; children: TreeDef[] };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Splits a pytree into its tensor leaves (in a fixed order) and its structure. */
export function flatten(tree: unknown): [Tensor[], TreeDef] {
  const leaves: Tensor[] = [];
  const walk = (x: unknown): TreeDef => {
    if (x instanceof Tensor) {
      leaves.push(x);
      return { kind: 'leaf' };
    }
    if (Array.isArray(x)) return { kind: 'array', children: x.map(walk) };
    if (isPlainObject(x)) {
      const keys = Object.keys(x).sort();
      return { kind: 'object', keys, children: keys.map((k) => walk(x[k])) };
    }
    return { kind: 'static', value: x };
  };
  const def = walk(tree);
  return [leaves, def];
}

/** Rebuilds a pytree of structure `def` from leaves (consumed in flatten's order). */
export function unflatten<T = unknown>(def: TreeDef, leaves: readonly unknown[]): T {
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'leaf':
        return leaves[i++];
      case 'static':
        return d.value;
      case 'array':
        return d.children.map(build);
      case 'object': {
        const out: Record<string, unknown> = {};
        d.keys.forEach((k, j) => (out[k] = build(d.children[j]!)));
        return out;
      }
    }
  };
  const out = build(def) as T;
  if (i !== leaves.length) throw new Error(`pytree rebuild used ${i} of ${leaves.length} leaves`);
  return out;
}

/** The number of tensor leaves of a structure. */
export function leafCount(def: TreeDef): number {
  switch (def.kind) {
    case 'leaf':
      return 1;
    case 'static':
      return 0;
    default:
      return def.children.reduce((n, c) => n + leafCount(c), 0);
  }
}

/** A one-line signature of a structure, used as a cache key together with leaf shapes. */
export function treeKey(def: TreeDef): string {
  switch (def.kind) {
    case 'leaf':
      return '*';
    case 'static':
      return JSON.stringify(def.value) ?? String(def.value);
    case 'array':
      return `[${def.children.map(treeKey).join(',')}]`;
    case 'object':
      return `{${def.keys.map((k, i) => `${k}:${treeKey(def.children[i]!)}`).join(',')}}`;
  }
}
