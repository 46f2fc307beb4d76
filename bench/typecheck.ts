/**
 * `npm run bench:types`: how long the compiler takes to check programs
 * written against fluxion's types — the tsd type tests and the examples,
 * both against the built declarations in dist/, as a user of the package
 * compiles them — with what `tsc --noEmit` does, as an editor or CI would. Type-level shape rules cost
 * compile time, so this has a budget: it fails above 20 s of compiler CPU
 * time in total (wall-clock time is printed too).
 *
 * Usage: `npm run bench:types [-- --budget <seconds>] [-- --no-build]`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const args = process.argv.slice(2);
const budgetArg = args.indexOf('--budget');
const BUDGET_S = budgetArg >= 0 ? Number(args[budgetArg + 1]) : 20;

interface Run {
  name: string;
  /** Wall-clock seconds. */
  seconds: number;
  /** CPU seconds (user + system) of the compiler. */
  cpuSeconds: number;
  instantiations: number;
  files: number;
  errors: number;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The type tests read dist/: build it when it is missing or older than the sources (not timed). */
function ensureBuild(): void {
  const typings = path.join(root, 'dist', 'lib', 'index.d.ts');
  const stale = !existsSync(typings) || ['lib', 'typelevel', 'effects'].some((d) => existsSync(path.join(root, d)) && newestMtime(path.join(root, d)) > statSync(typings).mtimeMs);
  if (stale && !args.includes('--no-build')) {
    console.log('building dist/ first (npm run build, not timed)…');
    try {
      execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    } catch {
      console.log('(the build reported errors; timing what it emitted)');
    }
  }
}

/**
 * What `tsc --noEmit -p <project>` does (build the program, collect every
 * diagnostic), in a fresh Node process so that no compiler state carries over;
 * reports wall-clock and CPU seconds. CPU time is what the budget applies to:
 * on a busy machine wall-clock time measures the neighbours too.
 */
const CHILD = `
const ts = require(process.argv[1]);
const wall0 = performance.now(), cpu0 = process.cpuUsage();
const config = ts.getParsedCommandLineOfConfigFile(process.argv[2], { noEmit: true }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\\n')); } });
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, projectReferences: config.projectReferences });
const diagnostics = ts.getPreEmitDiagnostics(program);
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  seconds: (performance.now() - wall0) / 1000,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  instantiations: program.getInstantiationCount(),
  files: program.getSourceFiles().length,
  errors: diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length,
}));
`;

function time(name: string, project: string): Run {
  const r = spawnSync(process.execPath, ['-e', CHILD, path.join(root, 'node_modules', 'typescript', 'lib', 'typescript.js'), path.resolve(root, project)], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`type-checking ${project} failed to run:\n${r.stderr}`);
  return { name, ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<Run, 'name'>) };
}

/**
 * The examples as a user of the package would compile them: copied to
 * dist/examples/, where their relative imports (`../../lib/index.js`) land on
 * the built declarations in dist/lib/ instead of the sources, so the time is
 * that of checking the examples, not of re-checking the library.
 */
function examplesProject(): string | null {
  const src = path.join(root, 'examples');
  if (!existsSync(src)) return null;
  const copy = path.join(root, 'dist', 'examples');
  rmSync(copy, { recursive: true, force: true });
  cpSync(src, copy, { recursive: true, filter: (from) => statSync(from).isDirectory() || (from.endsWith('.ts') && !from.endsWith('.test.ts')) });
  const dir = path.join(root, 'dist', '.bench-types');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'tsconfig.examples.json');
  writeFileSync(file, JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true, incremental: false }, include: ['../examples/**/*.ts'], exclude: [] }, null, 2));
  return file;
}

ensureBuild();
const runs: Run[] = [time('type-tests (tsd files, against dist/ declarations)', 'type-tests/tsconfig.json')];
const examples = examplesProject();
if (examples) runs.push(time('examples (against dist/ declarations)', examples));

const total = runs.reduce((s, r) => s + r.cpuSeconds, 0);
const wall = runs.reduce((s, r) => s + r.seconds, 0);
console.log('\ntsc --noEmit, TypeScript ' + execFileSync(process.execPath, [tsc, '--version'], { encoding: 'utf8' }).trim().replace('Version ', ''));
for (const r of runs) {
  console.log(
    `  ${r.name.padEnd(52)} ${r.cpuSeconds.toFixed(2).padStart(6)} s CPU  ${r.seconds.toFixed(2).padStart(6)} s wall   (${r.instantiations} instantiations, ${r.files} files${r.errors ? `, ${r.errors} errors` : ''})`,
  );
}
console.log(`  ${'total'.padEnd(52)} ${total.toFixed(2).padStart(6)} s CPU  ${wall.toFixed(2).padStart(6)} s wall   (budget ${BUDGET_S} s CPU; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`);
if (total > BUDGET_S) {
  console.error(`type-check time ${total.toFixed(1)} s CPU is over the ${BUDGET_S} s budget`);
  process.exitCode = 1;
}
