/**
 * Shared plumbing of the examples: "am I the program being run?", command
 * line flags, progress lines and writing pictures to `examples/out/`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when the module at `moduleUrl` is the program being run (directly or by `npm run example`). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && resolve(entry) === fileURLToPath(moduleUrl);
}

/** `--name=value` / `--name value` flags as numbers or strings; `--flag` alone is `true`. */
export function parseFlags(argv: readonly string[] = process.argv.slice(2)): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    const next = argv[i + 1];
    const raw = inline ?? (next !== undefined && !next.startsWith('--') ? (i++, next) : undefined);
    out[name] = raw === undefined ? true : Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}

/** Where pictures go: `examples/out/` (gitignored). */
export const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');

/** Writes `text` to `examples/out/<name>` and returns the path. */
export function writeOut(name: string, text: string): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const path = join(OUT_DIR, name);
  writeFileSync(path, text);
  return path;
}

/** A logger: prints unless `quiet`. */
export type Log = (line: string) => void;
export const consoleLog: Log = (line) => console.log(line);
export const silent: Log = () => {};

/** `step  40/200  loss 0.01234` with aligned columns. */
export function progressLine(step: number, total: number, fields: Record<string, number | string>): string {
  const w = String(total).length;
  const parts = Object.entries(fields).map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`);
  return `step ${String(step).padStart(w)}/${total}  ${parts.join('  ')}`;
}

export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(3) : v.toFixed(a >= 100 ? 2 : 5);
}

/** Milliseconds since `start` as `1.23 s`. */
export function elapsed(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(2)} s`;
}
