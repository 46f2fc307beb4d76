/**
 * fluxion as an installed dependency: `npm pack` the repository, install the
 * tarball into a fresh app (its own package.json, a tsconfig.json exactly as
 * `tsc --init` writes it), type-check the app and run it on cpu and wasm.
 * The app (fixtureApp.txt) trains a typed MLP with a symbolic batch dim with
 * `fx.optim.adam` inside `fx.jit`, and takes `fx.grad` of an `Eff` program
 * handled by `runRandom`; it imports `fluxion`, `fluxion/effects` and
 * `fluxion/typelevel`.
 *
 * Then every ```ts block of README.md and docs/*.md runs as a test in that
 * app (see docSnippets.ts for the conventions): type-checked against the
 * installed package, run on cpu and wasm, with `// =>` values checked and
 * `compile-error` blocks failing with the quoted text.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, extractBlocks, type Program } from './docSnippets.js';

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

// FLUXION_KEEP_APP=1 keeps the app (and its generated doc modules) for a look.
afterAll(() => (process.env.FLUXION_KEEP_APP === '1' ? console.log(`kept ${app}`) : rmSync(work, { recursive: true, force: true })));

describe('the packed tarball', () => {
  it('holds dist/ for every entry point and nothing from tests, bench or CI', () => {
    for (const entry of ['dist/esm/lib/index.js', 'dist/lib/index.d.ts', 'dist/esm/effects/index.js', 'dist/effects/index.d.ts', 'dist/esm/typelevel/index.js', 'dist/typelevel/index.d.ts', 'lib/require.cjs', 'README.md', 'LICENSE']) {
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

// ---------------------------------------------------------------- doc-tests
const markdown = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const docFiles = markdown
  .map((name) => ({ name, blocks: extractBlocks(join(root, name), name) }))
  .filter((d) => d.blocks.length > 0);
const moduleName = (name: string) => `doc-${name.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-')}`;

interface Compiled {
  runnable: Map<string, Program>;
  errorPrograms: { label: string; program: Program; file: string }[];
  diagnostics: Map<string, { line: number; text: string }[]>;
}
let compiled: Compiled;

/** tsc's diagnostics by file: `file(line,col): error TS…: message` plus its indented continuation lines. */
function parseDiagnostics(output: string): Map<string, { line: number; text: string }[]> {
  const byFile = new Map<string, { line: number; text: string }[]>();
  let current: { line: number; text: string } | undefined;
  for (const l of output.split('\n')) {
    const m = /^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/.exec(l);
    if (m) {
      current = { line: Number(m[2]), text: m[3]! };
      const list = byFile.get(m[1]!) ?? [];
      list.push(current);
      byFile.set(m[1]!, list);
    } else if (current && /^\s+/.test(l)) current.text += `\n${l.trim()}`;
  }
  return byFile;
}

describe('doc snippets (README.md, docs/*.md) in the installed app', () => {
  beforeAll(() => {
    const dir = join(app, 'docs');
    run('mkdir', ['-p', dir], app);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['*.ts'] }));
    const runnable = new Map<string, Program>();
    const errorPrograms: Compiled['errorPrograms'] = [];
    for (const { name, blocks } of docFiles) {
      const program = buildProgram(blocks);
      runnable.set(name, program);
      writeFileSync(join(dir, `${moduleName(name)}.ts`), program.source);
      for (const b of blocks.filter((b) => b.kind === 'compile-error')) {
        const file = `${moduleName(name)}-error-${b.line}.ts`;
        const p = buildProgram(blocks, b);
        errorPrograms.push({ label: `${name}:${b.line}`, program: p, file });
        writeFileSync(join(dir, file), p.source);
      }
    }
    let output = '';
    try {
      run(process.execPath, [tsc, '-p', '.'], dir);
    } catch (e) {
      output = (e as Error).message;
    }
    compiled = { runnable, errorPrograms, diagnostics: parseDiagnostics(output) };
  }, 120_000);

  it('there are doc snippets to test', () => {
    expect(docFiles.map((d) => d.name)).toContain('README.md');
    expect(docFiles.reduce((n, d) => n + d.blocks.length, 0)).toBeGreaterThan(20);
  });

  for (const { name } of docFiles) {
    it(`${name}: every block type-checks against the installed package`, () => {
      const program = compiled.runnable.get(name)!;
      const errors = (compiled.diagnostics.get(`${moduleName(name)}.ts`) ?? []).map((d) => `${program.origin(d.line)}: ${d.text}`);
      expect(errors).toEqual([]);
    });
    for (const backend of ['cpu', 'wasm']) {
      it(`${name}: the blocks run on ${backend} and their // => values hold`, () => {
        run(process.execPath, [`${moduleName(name)}.js`], join(app, 'docs'), { FLUXION_BACKEND: backend });
      }, 60_000);
    }
  }

  it('every compile-error block fails with the text it quotes, on the line that quotes it', () => {
    const problems: string[] = [];
    for (const { label, program, file } of compiled.errorPrograms) {
      const diags = compiled.diagnostics.get(file) ?? [];
      for (const d of diags) {
        if (!program.expectedErrors.has(d.line)) problems.push(`${label}: unexpected error at ${program.origin(d.line)}: ${d.text}`);
      }
      for (const [line, pieces] of program.expectedErrors) {
        const here = diags.filter((d) => d.line === line).map((d) => d.text);
        const ok = here.some((text) => {
          let at = 0;
          return pieces.every((p) => (at = text.indexOf(p, at)) >= 0);
        });
        if (!ok) problems.push(`${program.origin(line)}: expected an error containing ${JSON.stringify(pieces)}, got ${here.length ? here.join(' | ') : 'no error'}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
