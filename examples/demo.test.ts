/**
 * `npm run demo` on every backend the run tests (cpu, wasm, and webgpu where
 * it starts): the demo is run as users run it, in its own process with
 * `FLUXION_BACKEND` set, and its printed results are checked.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testBackends } from '../lib/testing/backends.js';

const root = resolve(import.meta.dirname, '..');

describe('npm run demo', () => {
  for (const backend of testBackends) {
    it(`runs to the end on ${backend} [${backend}]`, () => {
      const out = execFileSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'examples/demo.ts'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, FLUXION_BACKEND: backend },
      });
      expect(out).toContain(`backend: ${backend}`);
      expect(out).toContain('ShapeError: shape error in matmul: inner dims 3 and 4 differ');
      expect(out).toMatch(/hessian {6}= \[ \[ 802, -400 \], \[ -400, 200 \] \]/);
      expect(out).toMatch(/live tensors at steps 0, 10, …, 50: (\d+), \1, \1, \1, \1, \1 \(flat\)/);
      const losses = [...out.matchAll(/step +\d+ +loss ([\d.]+)/g)].map((m) => Number(m[1]));
      expect(losses.length).toBe(6);
      expect(losses[5]!).toBeLessThan(losses[0]! / 10);
    }, 180_000);
  }
});
