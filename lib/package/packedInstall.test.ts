/**
 * fluxion as an installed dependency: `npm pack` the repository, install the
 * tarball into a fresh app (its own package.json, a tsconfig.json exactly as
 * `tsc --init` writes it), type-check the app and run it on cpu and wasm.
 * The app (fixtureApp.txt) trains a typed MLP with a symbolic batch dim with
 * `fx.optim.adam` inside `fx.jit`, and takes `fx.grad` of an `Eff` program
 * handled by `runRandom`; it imports `fluxion`, `fluxion/effects` and
 * `fluxion/typelevel`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'fluxion-pack-'));
const app = join(work, 'app');
let tarball = '';
let files: string[] = [];

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? ''}\n${err.message}`);
  }
}

beforeAll(() => {
  // `npm pack` runs the `prepack` build, so the tarball holds the current dist/.
  const out = run('npm', ['pack', '--json', '--pack-destination', work], root);
  const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info[0]!.filename);
  files = info[0]!.files.map((f) => f.path);
  run('mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', type: 'module', private: true }, null, 2));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
  run(process.execPath, [tsc, '--init'], app);
  copyFileSync(join(import.meta.dirname, 'fixtureApp.txt'), join(app, 'app.ts'));
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('holds dist/ for every entry point and nothing from tests, bench or CI', () => {
    for (const entry of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/effects/index.js', 'dist/effects/index.d.ts', 'dist/typelevel/index.js', 'dist/typelevel/index.d.ts', 'lib/require.cjs', 'README.md', 'LICENSE']) {
      expect(files).toContain(entry);
    }
    const stray = files.filter((f) => /\.test(-d)?\.|^bench\/|^\.ci\/|^temp\/|^examples\/|^type-tests\/|\.ts$/.test(f) && !f.endsWith('.d.ts'));
    expect(stray).toEqual([]);
    for (const f of files.filter((f) => f.endsWith('.js'))) {
      expect(f.startsWith('dist/')).toBe(true);
    }
  });

  it('a fresh app with the tsconfig `tsc --init` writes (module nodenext) type-checks against it', () => {
    const tsconfig = readFileSync(join(app, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/"module":\s*"nodenext"/);
    run(process.execPath, [tsc, '-p', '.'], app);
    expect(readdirSync(app)).toContain('app.js');
  }, 60_000);

  it('a type error in the app is reported against the installed types', () => {
    const bad = join(app, 'bad.ts');
    writeFileSync(bad, "import * as fx from 'fluxion';\nexport const t: fx.Tensor<[3], 'float32'> = fx.zeros([4]);\n");
    try {
      expect(() => run(process.execPath, [tsc, '--noEmit', '-p', '.'], app)).toThrow(/Type '4' is not assignable to type '3'/);
    } finally {
      rmSync(bad);
    }
  }, 60_000);

  it.each(['wasm', 'cpu'])('the app runs on %s: trains the MLP in jit and differentiates the Eff program', (backend) => {
    const out = run(process.execPath, ['app.js'], app, { FLUXION_BACKEND: backend });
    expect(out).toContain(`on ${backend}, traces 1`);
    expect(out).toContain('APP OK');
  }, 60_000);

  it('require() says fluxion is ESM-only', () => {
    expect(() => run(process.execPath, ['-e', "require('fluxion')"], app)).toThrow(/fluxion is ESM-only/);
  });
});
