/**
 * The primitive registry as the conformance matrix sees it: every `Primitive`
 * exported by a module in `lib/primitives/` (one primitive per file), found
 * by listing the folder, so a new primitive file is in the matrix without
 * anyone writing a test for it; plus the loop primitives of `LOOP_MODULES`.
 * Not part of the public API.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Primitive } from '../../core/primitive.js';

const PRIMITIVES_DIR = fileURLToPath(new URL('../../primitives/', import.meta.url));

function isPrimitive(x: unknown): x is Primitive {
  const p = x as Primitive | null;
  return typeof p === 'object' && p !== null && typeof p.name === 'string' && typeof p.abstractEval === 'function' && typeof p.impl === 'function';
}

/** Every primitive defined in `lib/primitives/`, by name, with the file that exports it. */
export async function primitiveRegistry(): Promise<Map<string, { primitive: Primitive; file: string }>> {
  const files = readdirSync(PRIMITIVES_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort();
  const registry = new Map<string, { primitive: Primitive; file: string }>();
  for (const file of files) {
    const mod = (await import(pathToFileURL(PRIMITIVES_DIR + file).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (!isPrimitive(value)) continue;
      const seen = registry.get(value.name);
      if (seen && seen.primitive !== value) throw new Error(`two primitives are named '${value.name}' (lib/primitives/${seen.file} and lib/primitives/${file})`);
      registry.set(value.name, { primitive: value, file });
    }
  }
  // Primitives defined outside lib/primitives because their rules need the transformations (loops with a body sub-program).
  for (const file of LOOP_MODULES) {
    const mod = (await import(pathToFileURL(fileURLToPath(new URL(`../../${file}`, import.meta.url))).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) if (isPrimitive(value)) registry.set(value.name, { primitive: value, file: `../${file}` });
  }
  return registry;
}

/** Modules outside lib/primitives whose primitives are in the matrix too. */
const LOOP_MODULES = ['control/scanPrimitive.ts'];
