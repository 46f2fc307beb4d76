/**
 * Import cost: a fresh Node process that imports a library and has its
 * default backend ready to compute. fluxion is imported as an app imports it
 * (`import('fluxion')`, the built package through its own `exports`; run
 * `npm run build` first), which starts the wasm backend; TF.js is
 * tfjs-core + tfjs-backend-wasm with `setBackend('wasm')` + `ready()`;
 * jax-js is its package plus `init('wasm')`. Each process reports its wall
 * time and the CPU time it used (CPU time is steadier on a shared machine).
 * The three run alternately, `rounds` times each; medians are reported.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ImportRow {
  readonly library: string;
  readonly what: string;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly runs: number;
}

const SCRIPTS: Record<string, { what: string; body: string }> = {
  fluxion: { what: "`await import('fluxion')` (wasm backend started by the import)", body: "const fx = await import('fluxion'); if (fx.getBackend() !== 'wasm') throw new Error(fx.getBackend());" },
  'TF.js': {
    what: "tfjs-core + tfjs-backend-wasm, `setBackend('wasm')`, `ready()`",
    body: [
      "const tf = await import('@tensorflow/tfjs-core');",
      "const wasm = await import('@tensorflow/tfjs-backend-wasm');",
      "const { createRequire } = await import('node:module');",
      "const path = await import('node:path');",
      "wasm.setWasmPaths(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + '/');",
      "await tf.setBackend('wasm'); await tf.ready();",
    ].join('\n'),
  },
  'jax-js': { what: "`@jax-js/jax` + `init('wasm')`", body: "const jax = await import('@jax-js/jax'); await jax.init('wasm');" },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function importCost(rounds = 7): ImportRow[] {
  mkdirSync('temp', { recursive: true });
  const files: Record<string, string> = {};
  for (const [name, { body }] of Object.entries(SCRIPTS)) {
    const file = join('temp', `import-${name.replace(/\W/g, '')}.mjs`);
    writeFileSync(
      file,
      `const c0 = process.cpuUsage(); const t0 = performance.now();\n${body}\nconst c = process.cpuUsage(c0);\n` +
        'console.log(JSON.stringify({ wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));\n',
    );
    files[name] = file;
  }
  const samples: Record<string, { wallMs: number; cpuMs: number }[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, file] of Object.entries(files)) {
      const out = execFileSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env, FLUXION_BACKEND: 'wasm' } });
      (samples[name] ??= []).push(JSON.parse(out.trim().split('\n').pop()!));
    }
  }
  return Object.entries(samples).map(([library, s]) => ({
    library,
    what: SCRIPTS[library]!.what,
    wallMs: median(s.map((x) => x.wallMs)),
    cpuMs: median(s.map((x) => x.cpuMs)),
    runs: s.length,
  }));
}

/** The report's section (also written by `npm run bench:import`). */
export function renderImportSection(rows: ImportRow[], load: string): string {
  const tf = rows.find((r) => r.library === 'TF.js');
  return [
    '## Import cost (issue 15): a fresh process, import + backend ready',
    '',
    `Medians of ${rows[0]?.runs ?? 0} fresh Node processes each, run alternately (bench/workloads/import.ts). Load: \`${load}\`.`,
    '',
    '| library | what is timed | wall ms | CPU ms | CPU / TF.js |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.library} | ${r.what} | ${r.wallMs.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${tf ? `${(r.cpuMs / tf.cpuMs).toFixed(2)}×` : '—'} |`),
    '',
    "fluxion's published JS is one esbuild bundle per entry point with a shared chunk, and each backend's tfjs package loads when that backend is first chosen (the cpu package alone took ~0.15 s of CPU to load).",
    '',
  ].join('\n');
}
