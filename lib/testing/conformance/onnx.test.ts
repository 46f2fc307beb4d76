/**
 * The conformance matrix on the ONNX target: every primitive of the registry
 * with an ONNX form × input class × ONNX path (the primitive, its vmap, its
 * vjp, vmap of its vjp), traced and optimized as `jit` does, lowered to ONNX, run by
 * onnxruntime-node, and compared with the float64 reference of `specs.ts`
 * at the matrix's tolerances. The primitives without an ONNX form must be
 * exactly the list in docs/onnx.md, so a new form, or a lost one, shows up.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import '../../index.js';
import { useBackendInSuite } from '../suiteBackend.js';
import { onnxFormOf } from '../../onnx/lower.js';
import type { Primitive } from '../../core/primitive.js';
import { condPrimitive } from '../../control/cond.js';
import { whileLoopPrimitive, whileTangentPrimitive } from '../../control/whileLoop.js';
import { customVjpLinearPrimitive } from '../../transforms/custom.js';
import { fixedPointTangentPrimitive } from '../../solvers/implicit.js';
import { primitiveRegistry } from './registry.js';
import { casesOf, ONNX_PATHS, runOnnxCase, type OnnxRunner } from './run.js';
import { INPUT_CLASSES, notInMatrix, specs } from './specs.js';
import type { HostArray } from './host.js';

const registry = await primitiveRegistry();
const only = process.env.FLUXION_MATRIX_ONLY?.split(',');
const covered = [...registry.keys()].filter((name) => specs[name] && !notInMatrix[name] && (!only || only.includes(name))).sort();

/** Cases that fail on ONNX Runtime for a documented reason: `primitive/class/path`, one line each. */
const onnxKnownFailures: Readonly<Record<string, string>> = {};

/** Primitives outside the registry that a program can hold (control flow, calls), checked for a form too. */
const EXTRA: readonly Primitive[] = [condPrimitive, whileLoopPrimitive, whileTangentPrimitive, customVjpLinearPrimitive, fixedPointTangentPrimitive] as Primitive[];

/**
 * Paths whose program holds a primitive without an ONNX form other than the
 * one under test (`primitive/path` → those primitives): these cases do not
 * run on ONNX Runtime (the jit target splits or falls back there). Kept
 * exact, so that a new form shows up here too.
 */
const EXPECTED_NEEDS: Readonly<Record<string, readonly string[]>> = {};

/** The list between the markers in docs/onnx.md: `name` entries. */
function documentedWithoutForm(): string[] {
  const doc = readFileSync(new URL('../../../docs/onnx.md', import.meta.url), 'utf8');
  const block = /<!-- no-onnx-form:start -->([\s\S]*?)<!-- no-onnx-form:end -->/.exec(doc);
  if (!block) throw new Error('docs/onnx.md has no <!-- no-onnx-form:start --> … <!-- no-onnx-form:end --> block');
  return [...block[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!).sort();
}

/** Whether a primitive has an ONNX form: its own `onnx` rule, or an elementwise expression to derive one from. */
const hasForm = (p: Primitive) => p.onnx !== undefined || p.lowering.kind === 'elementwise';

const run: OnnxRunner = async (bytes, inputs) => {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 4 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    inputs.forEach((h, i) => {
      const data = h.dtype === 'float32' ? Float32Array.from(h.data) : h.dtype === 'int32' ? Int32Array.from(h.data) : Uint8Array.from(h.data);
      feeds[`in${i}`] = new ort.Tensor(h.dtype, data, [...h.shape]);
    });
    const out = await session.run(feeds);
    return session.outputNames.map((n): HostArray => {
      const t = out[n]!;
      return { shape: [...t.dims], dtype: t.type as HostArray['dtype'], data: Array.from(t.data as ArrayLike<number>, Number) };
    });
  } finally {
    await session.release();
  }
};

describe('conformance matrix on ONNX Runtime', () => {
  useBackendInSuite('cpu');

  it('the primitives without an ONNX form are exactly the list in docs/onnx.md', () => {
    const without = [...[...registry.values()].map((r) => r.primitive), ...EXTRA].filter((p) => !hasForm(p)).map((p) => p.name);
    expect([...new Set(without)].sort()).toEqual(documentedWithoutForm());
    // A form derived from an elementwise expression exists for the dtypes the expression covers.
    expect(onnxFormOf(registry.get('add')!.primitive, ['float32', 'float32'])).toBeDefined();
    expect(onnxFormOf(registry.get('add')!.primitive, ['bool', 'bool'])).toBeUndefined();
  });

  /** Programs on a path that hold a primitive without a form (other than the one under test): path → primitives. */
  const needs = new Map<string, Set<string>>();
  afterAll(() => {
    if (process.env.FLUXION_MATRIX_STATS === '1') for (const [k, v] of needs) console.log(`onnx matrix: ${k} needs ${[...v].join(', ')}`);
  });

  for (const name of covered) {
    const { primitive } = registry.get(name)!;
    it.skipIf(!hasForm(primitive))(name, async () => {
      const spec = specs[name]!;
      const problems: string[] = [];
      const ran = Object.fromEntries(ONNX_PATHS.map((p) => [p, 0]));
      for (const cls of INPUT_CLASSES) {
        for (const path of ONNX_PATHS) {
          const messages: string[] = [];
          for (const [k, c] of casesOf(spec, cls).entries()) {
            const outcome = await runOnnxCase(primitive, spec, cls, c, path, run);
            if (outcome.kind === 'missing') {
              const key = `${name}/${path}`;
              if (!needs.has(key)) needs.set(key, new Set());
              outcome.primitives.forEach((p) => needs.get(key)!.add(p));
              if (path === 'onnx') messages.push(`case ${k}: the program lowers to primitives without an ONNX form: ${outcome.primitives.join(', ')}`);
            } else if (outcome.kind === 'fail') messages.push(`case ${k}: ${outcome.message}`);
            if (outcome.kind === 'pass' || outcome.kind === 'fail') ran[path]!++;
          }
          const key = `${name}/${cls}/${path}`;
          const known = onnxKnownFailures[key];
          if (messages.length > 0 && !known) problems.push(`${key}\n    ${messages.join('\n    ')}`);
          else if (messages.length === 0 && known) problems.push(`${key} passes but is listed in onnxKnownFailures (${known}): delete the entry`);
        }
      }
      if (process.env.FLUXION_MATRIX_STATS === '1') console.log(`onnx matrix: ${name}: cases run ${JSON.stringify(ran)}`);
      for (const path of ONNX_PATHS) {
        const key = `${name}/${path}`;
        expect([...(needs.get(key) ?? [])].sort(), `${key}: the primitives without an ONNX form its programs hold (EXPECTED_NEEDS)`).toEqual([...(EXPECTED_NEEDS[key] ?? [])].sort());
      }
      expect(problems, `${problems.length} ONNX conformance failure(s):\n${problems.join('\n')}`).toEqual([]);
      // Every primitive with a form runs on ONNX Runtime and under vmap (a spec whose cases all trace to errors would pass vacuously).
      expect(ran.onnx, `${name}: no case ran on the onnx path`).toBeGreaterThan(0);
      expect(ran.onnxVmap, `${name}: no case ran on the onnxVmap path`).toBeGreaterThan(0);
    });
  }
});
