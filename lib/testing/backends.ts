/**
 * Test support: run one suite on every backend. cpu and wasm always run;
 * webgpu runs where an adapter exists, and must run in CI (`FLUXION_REQUIRE_WEBGPU=1`,
 * set by `.ci/run`); elsewhere it is skipped with a printed reason.
 * Not part of the public API.
 */
import { describe, expect, it } from 'vitest';
import { getBackend, initDefaultBackend, setBackend, type BackendName } from '../backend/index.js';
import type { Tensor } from '../core/tensor.js';
import { useBackendInSuite } from './suiteBackend.js';

let webgpuProbe: Promise<string | null> | undefined;

/** null when webgpu can start; otherwise the reason it cannot. */
export function webgpuUnavailable(): Promise<string | null> {
  webgpuProbe ??= (async () => {
    // A test file that imports modules below lib/index.ts has no backend yet (each backend's package loads when chosen).
    if (!getBackend()) await initDefaultBackend();
    const before = getBackend();
    try {
      await setBackend('webgpu');
      return null;
    } catch (e) {
      return (e as Error).message;
    } finally {
      await setBackend(before);
    }
  })();
  return webgpuProbe;
}

const requireWebgpu = process.env.FLUXION_REQUIRE_WEBGPU === '1';
const only = process.env.FLUXION_TEST_BACKENDS?.split(',') as BackendName[] | undefined;
const webgpuReason = only && !only.includes('webgpu') ? 'not selected by FLUXION_TEST_BACKENDS' : await webgpuUnavailable();
if (webgpuReason && requireWebgpu && !(only && !only.includes('webgpu'))) {
  throw new Error(`FLUXION_REQUIRE_WEBGPU=1 but webgpu cannot start: ${webgpuReason}`);
}
if (webgpuReason && !globalThis.__fluxionWebgpuReasonPrinted) {
  globalThis.__fluxionWebgpuReasonPrinted = true;
  console.warn(`fluxion tests: skipping webgpu: ${webgpuReason}`);
}

declare global {
  // eslint-disable-next-line no-var
  var __fluxionWebgpuReasonPrinted: boolean | undefined;
}

/** The backends this run tests. */
export const testBackends: BackendName[] = (['cpu', 'wasm', 'webgpu'] as BackendName[]).filter(
  (b) => (!only || only.includes(b)) && (b !== 'webgpu' || !webgpuReason),
);

/** `describe` once per backend, with that backend active inside. */
export function describeEachBackend(name: string, body: (backend: BackendName) => void): void {
  for (const backend of testBackends) {
    describe(`${name} [${backend}]`, () => {
      useBackendInSuite(backend);
      body(backend);
    });
  }
}

/**
 * Asserts a tensor's values (nested arrays or a number) within a relative
 * tolerance. Reads asynchronously, so it works on every backend.
 */
export async function expectClose(actual: Tensor | number, expected: unknown, tol = 1e-4): Promise<void> {
  const got = typeof actual === 'number' ? actual : await actual.array();
  const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [Number(x)]);
  const g = flat(got);
  const w = flat(expected);
  expect(g.length, 'element count').toBe(w.length);
  g.forEach((gi, i) => {
    const wi = w[i]!;
    if (Number.isNaN(wi)) expect(gi, `element ${i}`).toBeNaN();
    else if (!Number.isFinite(wi)) expect(gi, `element ${i}`).toBe(wi);
    else expect(Math.abs(gi - wi), `element ${i}: got ${gi}, want ${wi}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(wi)));
  });
}

const gapsPrinted = new Set<string>();

/**
 * `it`, or on webgpu `it.skip` with the reason printed once: for a known gap
 * on webgpu (tests that read values synchronously, which webgpu cannot do in
 * Node, or a kernel tfjs-webgpu lacks), each listed in the notes.
 */
export function itExceptWebgpu(backend: BackendName, reason: string): typeof it {
  if (backend !== 'webgpu') return it;
  if (!gapsPrinted.has(reason)) {
    gapsPrinted.add(reason);
    console.warn(`fluxion tests: skipped on webgpu: ${reason}`);
  }
  return it.skip as typeof it;
}
