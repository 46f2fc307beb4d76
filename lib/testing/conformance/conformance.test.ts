/**
 * The conformance matrix: every primitive of the registry (`lib/primitives/`)
 * × input class × path × backend, against a float64 reference in plain JS
 * (`specs.ts`). One `it` per primitive × path; the classes run inside it and
 * every failure is listed in one message (primitive/class/path/backend,
 * expected, actual). Known, tracked defects are listed in `knownFailures`
 * and must keep failing until they are fixed (then the entry must go).
 */
import { afterAll, describe, expect, it } from 'vitest';
// The package entry first: it starts the default backend that the backend helpers switch away from and back to.
import '../../index.js';
import { describeEachBackend } from '../backends.js';
import { primitiveRegistry } from './registry.js';
import { casesOf, runCase } from './run.js';
import { INPUT_CLASSES, PATHS, knownFailures, notInMatrix, specs, type InputClass, type PathName } from './specs.js';

const registry = await primitiveRegistry();
// FLUXION_MATRIX_ONLY=sum,max runs those primitives only (while working on them).
const only = process.env.FLUXION_MATRIX_ONLY?.split(',');
const covered = [...registry.keys()].filter((name) => specs[name] && !notInMatrix[name] && (!only || only.includes(name))).sort();

describe('conformance matrix: coverage', () => {
  it('every primitive in the registry has a spec', () => {
    const missing = [...registry.entries()].filter(([name]) => !specs[name] && !notInMatrix[name]);
    const help = missing.map(
      ([name, { file }]) =>
        `primitive '${name}' (lib/primitives/${file}) is not in the conformance matrix: add an entry '${name}: { cases: { ordinary: …, size1: …, empty: …, … }, ref: (inputs, params) => [...] }' ` +
        `to the spec table in lib/testing/conformance/specs.ts (the unary/binary/reduction helpers there cover the common shapes)`,
    );
    expect(help, help.join('\n')).toEqual([]);
  });

  it('every spec names a primitive of the registry', () => {
    const stale = Object.keys(specs).filter((name) => !registry.has(name));
    expect(stale, `specs without a primitive (renamed or removed?): ${stale.join(', ')}`).toEqual([]);
  });

  it('every spec has ordinary inputs, and every knownFailures key names a covered case', () => {
    const noOrdinary = covered.filter((name) => casesOf(specs[name]!, 'ordinary').length === 0);
    expect(noOrdinary, 'specs without an ordinary case').toEqual([]);
    const bad = Object.keys(knownFailures).filter((key) => {
      const [name, cls, path, backend, ...rest] = key.split('/');
      return (
        rest.length > 0 ||
        !specs[name!] ||
        !(INPUT_CLASSES as readonly string[]).includes(cls!) ||
        casesOf(specs[name!]!, cls as InputClass).length === 0 ||
        !(PATHS as readonly string[]).includes(path!) ||
        !['cpu', 'wasm', 'webgpu', '*'].includes(backend!)
      );
    });
    expect(bad, `malformed knownFailures keys (want primitive/class/path/backend): ${bad.join(', ')}`).toEqual([]);
  });
});

/** Cells and cases run per backend (printed with FLUXION_MATRIX_STATS=1). */
const stats = new Map<string, { cells: number; cases: number; notApplicable: number }>();

describeEachBackend('conformance matrix', (backend) => {
  if (process.env.FLUXION_MATRIX_STATS === '1') {
    afterAll(() => {
      const s = stats.get(backend)!;
      console.log(`conformance matrix [${backend}]: ${covered.length} primitives, ${s.cells} primitive×class×path cells, ${s.cases} cases run (${s.notApplicable} not applicable)`);
    });
  }
  for (const name of covered) {
    const spec = specs[name]!;
    const { primitive } = registry.get(name)!;
    // A primitive with no kernel on this backend by design (a BackendError there) is skipped on it, with the reason in the spec.
    describe.skipIf(spec.unsupportedOn?.[backend] !== undefined)(name, () => {
      for (const path of PATHS) {
        it(path, async () => {
          const problems: string[] = [];
          for (const cls of INPUT_CLASSES) {
            const cases = casesOf(spec, cls);
            if (cases.length === 0) continue;
            const skip = spec.skip?.[path as PathName];
            if (skip) continue;
            const messages: string[] = [];
            let ran = false;
            for (const [k, c] of cases.entries()) {
              const outcome = await runCase(primitive, spec, cls, c, path, backend);
              const counts = stats.get(backend) ?? { cells: 0, cases: 0, notApplicable: 0 };
              stats.set(backend, counts);
              if (outcome.kind === 'n/a') {
                counts.notApplicable++;
                continue;
              }
              counts.cases++;
              if (!ran) counts.cells++;
              ran = true;
              if (outcome.kind === 'fail') messages.push(`case ${k}: ${outcome.message}`);
            }
            const key = `${name}/${cls}/${path}/${backend}`;
            const anyKey = `${name}/${cls}/${path}/*`;
            const known = knownFailures[key] ?? knownFailures[anyKey];
            const listed = knownFailures[key] !== undefined ? key : anyKey;
            if (messages.length > 0 && !known) problems.push(`${key}\n    ${messages.join('\n    ')}`);
            else if (messages.length === 0 && known) {
              problems.push(
                ran
                  ? `${key} passes but is listed in knownFailures as '${listed}' (${known}): the defect is fixed, delete the entry${listed === anyKey ? ` (or narrow it to the backends where it still fails)` : ''}`
                  : `${key} does not apply (no case runs) but is listed in knownFailures as '${listed}': delete the entry`,
              );
            }
          }
          expect(problems, `${problems.length} conformance failure(s):\n${problems.join('\n')}`).toEqual([]);
        });
      }
    });
  }
});
