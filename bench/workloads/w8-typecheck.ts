/**
 * W8: type-check cost. Runs `bench/typecheck.ts` (`npm run bench:types`,
 * maintained beside this harness) when it exists and reports its output and
 * wall time; otherwise measures `tsc --noEmit` itself over the tsd type tests
 * (against the built declarations in dist/) and over the examples (which pull
 * in lib/ from source), with `--extendedDiagnostics`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

export interface TypecheckRun {
  readonly label: string;
  readonly wallMs: number;
  readonly ok: boolean;
  /** Selected `--extendedDiagnostics` lines, or the script's output. */
  readonly detail: string;
}

export interface TypecheckResult {
  readonly runs: TypecheckRun[];
  readonly summary: string;
}

/** Runs a child process (asynchronously, so the harness can do other work meanwhile). */
function run(label: string, cmd: string, args: string[], timeoutMs: number): Promise<TypecheckRun> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const out = `${stdout ?? ''}${stderr ?? ''}` || (error?.message ?? '');
      resolve({ label, wallMs: performance.now() - t0, ok: !error, detail: out.trim() });
    });
  });
}

const DIAGNOSTICS = /^(Files|Lines of TypeScript|Types|Instantiations|Memory used|Check time|Total time):/;

async function tsc(label: string, project: string): Promise<TypecheckRun> {
  const r = await run(label, process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '--extendedDiagnostics', '-p', project], 300_000);
  const errors = r.detail.split('\n').filter((l) => /error TS\d+/.test(l));
  const diag = r.detail
    .split('\n')
    .filter((l) => DIAGNOSTICS.test(l))
    .map((l) => l.replace(/\s+/g, ' '))
    .join('; ');
  return { ...r, detail: `${diag}${errors.length ? `; ${errors.length} type errors (first: ${errors[0]!.slice(0, 160)})` : ''}` };
}

export async function typecheckCost(): Promise<TypecheckResult> {
  if (existsSync('bench/typecheck.ts')) {
    const r = await run('npm run bench:types (bench/typecheck.ts)', process.execPath, ['node_modules/tsx/dist/cli.mjs', 'bench/typecheck.ts'], 420_000);
    const tail = r.detail.split('\n').slice(-40).join('\n');
    return { runs: [{ ...r, detail: tail }], summary: `bench/typecheck.ts ${r.ok ? 'ran' : 'failed'} in ${(r.wallMs / 1000).toFixed(1)} s` };
  }
  const runs: TypecheckRun[] = [];
  if (existsSync('dist/lib/index.d.ts')) runs.push(await tsc('tsc --noEmit -p type-tests (tsd tests against dist/*.d.ts)', 'type-tests/tsconfig.json'));
  else runs.push({ label: 'type-tests', wallMs: 0, ok: false, detail: 'dist/lib/index.d.ts missing: run npm run build first' });
  mkdirSync('temp', { recursive: true });
  writeFileSync(
    'temp/tsconfig.bench-examples.json',
    JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true, declaration: false, declarationMap: false, sourceMap: false }, include: ['../examples/**/*.ts'], exclude: ['../examples/**/*.test.ts'] }, null, 2),
  );
  runs.push(await tsc('tsc --noEmit over examples/ (and the lib/ sources they import)', 'temp/tsconfig.bench-examples.json'));
  return { runs, summary: runs.map((r) => `${r.label}: ${(r.wallMs / 1000).toFixed(1)} s${r.ok ? '' : ' (errors)'}`).join('; ') };
}
