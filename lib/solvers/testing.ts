/**
 * Test support for the solvers (not part of the public API). The solvers
 * decide convergence and step sizes in JavaScript, reading values
 * synchronously; the webgpu backend cannot read synchronously in Node. So on
 * webgpu a solver suite checks only that the solver says so (a
 * `ReadbackError` pointing to cpu/wasm) and skips the rest, printing why.
 */
import { expect, it } from 'vitest';
import { ReadbackError } from '../core/errors.js';
import { describeEachBackend } from '../testing/backends.js';

export const webgpuSkipReason =
  'the solvers read values synchronously (convergence tests, step-size control) and webgpu has no synchronous readback in Node';

let printed = false;

/** `describeEachBackend` for a solver: the full suite on cpu and wasm; on webgpu, `webgpuCall` must fail clearly. */
export function describeSolver(name: string, body: () => void, webgpuCall: () => unknown): void {
  describeEachBackend(name, (backend) => {
    if (backend !== 'webgpu') {
      body();
      return;
    }
    if (!printed) {
      printed = true;
      console.warn(`fluxion solver tests: skipping the solver suites on webgpu: ${webgpuSkipReason}`);
    }
    it('on webgpu in Node the solver throws a ReadbackError that points to cpu/wasm', () => {
      expect(webgpuCall).toThrow(ReadbackError);
      expect(webgpuCall).toThrow(/synchronously.*cpu or wasm/);
    });
    it.skip(`the value and derivative tests (${webgpuSkipReason})`, () => {});
  });
}
