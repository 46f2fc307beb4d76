/**
 * Test support: make one backend active for the enclosing `describe` and
 * restore the previous one after it. A module of its own (without
 * backends.ts's webgpu probe) for suites that pin a backend, such as the
 * ONNX suites, whose float reference is the cpu backend.
 * Not part of the public API.
 */
import { afterAll, beforeAll } from 'vitest';
import { getBackend, setBackend, type BackendName } from '../backend/index.js';

/** Inside a `describe`: `backend` is active for its tests, the previous backend comes back after them. */
export function useBackendInSuite(backend: BackendName): void {
  let previous: BackendName;
  beforeAll(async () => {
    previous = getBackend();
    await setBackend(backend);
  });
  afterAll(async () => {
    await setBackend(previous);
  });
}
