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
  const open = new Set<object>();
  const walk = (x: unknown, path: string): TreeDef => {
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
      if (isArray) return { kind: 'array', children: (x as unknown[]).map((c, i) => walk(c, `${path}[${i}]`)) };
      const obj = x as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      return { kind: 'object', keys, children: keys.map((k) => walk(obj[k], `${path}${showKey(k)}`)) };
    } finally {
      open.delete(x as object);
    }
  };
  const def = walk(tree, '');
  return [leaves, def];
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
        // Own keys named __proto__, constructor or prototype round-trip as plain data.
        const out: Record<string, unknown> = {};
        d.keys.forEach((k, j) => setOwn(out, k, build(d.children[j]!)));
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
      // JSON has no bigint: `3n` keeps it apart from the number 3.
      return typeof def.value === 'bigint' ? `${def.value}n` : (JSON.stringify(def.value) ?? String(def.value));
    case 'array':
      return `[${def.children.map(treeKey).join(',')}]`;
    case 'object':
      return `{${def.keys.map((k, i) => `${k}:${treeKey(def.children[i]!)}`).join(',')}}`;
  }
}
