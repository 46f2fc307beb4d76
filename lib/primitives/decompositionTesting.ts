/**
 * Test support for the host-only decompositions (eigh, svd, qr, lu, expm):
 * their suites run on cpu and wasm; on webgpu (no synchronous readback) the
 * suite is replaced by one test that checks the clear `BackendError`.
 * Not part of the public API.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend } from '../testing/backends.js';

/** `describeEachBackend` for functions with host kernels only. */
export function describeHostBackends(name: string, body: () => void): void {
  describeEachBackend(name, (backend) => {
    if (backend === 'webgpu') {
      it('webgpu: a BackendError naming the op (host kernels need a synchronous readback)', () => {
        expect(() => fx.linalg.eigh(fx.eye(2))).toThrow(/eigh has no webgpu kernel yet/);
      });
      return;
    }
    body();
  });
}
