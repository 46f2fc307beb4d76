import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'effects/**/*.test.ts', 'examples/**/*.test.ts', 'typelevel/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One worker: tfjs backends (wasm threads, Dawn) are process-wide; files run in parallel processes.
    maxWorkers: 2,
  },
});
