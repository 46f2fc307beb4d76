/**
 * Pytrees: nested arrays, tuples and plain objects whose leaves are tensors.
 * Transformations flatten their arguments to a list of tensors, work on the
 * list, and rebuild results in the same structure. Leaves that are not
 * tensors (numbers, strings, functions, null) are static: kept as they are.
 */
import { TransformError } from './errors.js';
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

/** How `flatten` treats JS numbers: static values (the default), or leaves made into tensors by `number`. */
export interface FlattenOptions {
  /** Makes a tensor leaf of a JS number (transformations: a float32 scalar, as JAX's weak type). */
  readonly number?: (x: number) => Tensor;
}

/**
 * Splits a pytree into its tensor leaves (in a fixed order) and its structure.
 * A structure that contains itself is a `TransformError` naming the path
 * (`cyclic pytree at path [0].self`), not a stack overflow.
 */
export function flatten(tree: unknown, options: FlattenOptions = {}): [Tensor[], TreeDef] {
  const leaves: Tensor[] = [];
  const def = walkTree(tree, '', leaves, new Set<object>(), options);
  return [leaves, def];
}

// Module-level rather than closures: a bundle built with esbuild's `keepNames` (as fluxion's is) names every
// inner function on each call, which cost a fifth of a small jitted call (flatten and unflatten run on every call).
function walkTree(x: unknown, path: string, leaves: Tensor[], open: Set<object>, options: FlattenOptions): TreeDef {
  if (x instanceof Tensor) {
    leaves.push(x);
    return { kind: 'leaf' };
  }
  if (typeof x === 'number' && options.number) {
    leaves.push(options.number(x));
    return { kind: 'leaf' };
  }
  const isArray = Array.isArray(x);
  if (!isArray && !isPlainObject(x)) return { kind: 'static', value: x };
  if (open.has(x as object)) throw new TransformError(`cyclic pytree at path ${path || '(root)'}: the value contains itself; a pytree must be a tree`);
  open.add(x as object);
  try {
    if (isArray) {
      const items = x as unknown[];
      const children: TreeDef[] = [];
      for (let i = 0; i < items.length; i++) children.push(walkTree(items[i], `${path}[${i}]`, leaves, open, options));
      return { kind: 'array', children };
    }
    const obj = x as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    const children: TreeDef[] = [];
    for (const k of keys) children.push(walkTree(obj[k], `${path}${showKey(k)}`, leaves, open, options));
    return { kind: 'object', keys, children };
  } finally {
    open.delete(x as object);
  }
}

/** `.name` or `["odd key"]`, for paths in messages. */
function showKey(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

/**
 * Sets an own data property, whatever the key: `out[k] = v` with `k` equal
 * to `"__proto__"` would set the prototype instead (and lose the key).
 */
export function setOwn(out: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** Rebuilds a pytree of structure `def` from leaves (consumed in flatten's order). */
export function unflatten<T = unknown>(def: TreeDef, leaves: readonly unknown[]): T {
  const cursor = { i: 0 };
  const out = buildTree(def, leaves, cursor) as T;
  if (cursor.i !== leaves.length) throw new Error(`pytree rebuild used ${cursor.i} of ${leaves.length} leaves`);
  return out;
}

/** `unflatten`'s walk (module-level, as `walkTree`). */
function buildTree(d: TreeDef, leaves: readonly unknown[], cursor: { i: number }): unknown {
  switch (d.kind) {
    case 'leaf':
      return leaves[cursor.i++];
    case 'static':
      return d.value;
    case 'array': {
      const out: unknown[] = [];
      for (const c of d.children) out.push(buildTree(c, leaves, cursor));
      return out;
    }
    case 'object': {
      // Own keys named __proto__, constructor or prototype round-trip as plain data.
      const out: Record<string, unknown> = {};
      for (let j = 0; j < d.keys.length; j++) setOwn(out, d.keys[j]!, buildTree(d.children[j]!, leaves, cursor));
      return out;
    }
  }
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
      // JSON has no bigint: `3n` keeps it apart from the number 3.
      return typeof def.value === 'bigint' ? `${def.value}n` : (JSON.stringify(def.value) ?? String(def.value));
    case 'array':
      return `[${def.children.map(treeKey).join(',')}]`;
    case 'object':
      return `{${def.keys.map((k, i) => `${k}:${treeKey(def.children[i]!)}`).join(',')}}`;
  }
}
