/**
 * First call in a fresh process (issue 21): `jit(valueAndGrad(loss))` of
 * W1's MLP and W9's transformer, traced, compiled and run once with every
 * output read back, fluxion against jax-js, both on wasm. Each measurement
 * is its own Node process (bench/firstcall.ts), so no cache, JIT-compiled
 * JavaScript or warmed kernel of an earlier call helps; imports, backend
 * start and input upload are outside the timer. The processes alternate
 * between the frameworks; medians are reported.
 */
import { execFileSync } from 'node:child_process';

export interface FirstCallRow {
  readonly model: 'mlp' | 'transformer';
  readonly fluxionMs: number[];
  readonly jaxMs: number[];
  readonly fluxionCpuMs: number[];
  readonly jaxCpuMs: number[];
  /** Loss of the first call: fluxion, jax-js (they must agree). */
  readonly loss: [number, number];
}

export interface FirstCallResult {
  readonly rows?: FirstCallRow[];
  readonly error?: string;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function once(model: string, framework: string): { ms: number; cpuMs: number; loss: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/firstcall.ts', model, framework], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').pop()!) as { ms: number; cpuMs: number; loss: number };
}

/** `rounds` fresh processes per model and framework, alternating; stops starting rounds once `deadline` (ms, performance.now()) passes. */
export function firstCallCost(rounds: number, deadline = Infinity): FirstCallResult {
  try {
    const rows: FirstCallRow[] = [];
    for (const model of ['mlp', 'transformer'] as const) {
      const fluxionMs: number[] = [];
      const jaxMs: number[] = [];
      const fluxionCpuMs: number[] = [];
      const jaxCpuMs: number[] = [];
      let loss: [number, number] = [NaN, NaN];
      for (let r = 0; r < rounds && (r === 0 || performance.now() < deadline); r++) {
        const a = once(model, 'fluxion');
        const b = once(model, 'jax-js');
        fluxionMs.push(a.ms);
        jaxMs.push(b.ms);
        fluxionCpuMs.push(a.cpuMs);
        jaxCpuMs.push(b.cpuMs);
        loss = [a.loss, b.loss];
      }
      rows.push({ model, fluxionMs, jaxMs, fluxionCpuMs, jaxCpuMs, loss });
    }
    return { rows };
  } catch (e) {
    return { error: (e as Error).message.split('\n').slice(0, 3).join(' ') };
  }
}

export function renderFirstCallSection(r: FirstCallResult, load: string): string[] {
  const out = [
    '## First call in a fresh process (issue 21): trace + compile + first run',
    '',
    `\`jit(valueAndGrad(loss))\` called once, every output read back, in a fresh Node process per measurement (bench/firstcall.ts, spawned by bench/workloads/firstcall.ts), wasm for both; imports, backend start and uploading the inputs are not timed. Processes alternate between the frameworks; medians (range). Load: \`${load}\`.`,
    '',
  ];
  if (r.error || !r.rows) return [...out, `Failed: ${r.error}`, ''];
  out.push(
    '| model | fluxion wall ms | jax-js wall ms | fluxion / jax-js (wall) | fluxion CPU ms | jax-js CPU ms | fluxion / jax-js (CPU) | runs | loss (fluxion, jax-js) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  const ratioCell = (a: number[], b: number[]) => {
    const q = median(a) / median(b);
    return q > 1.1 ? `**${q.toFixed(2)}×**` : `${q.toFixed(2)}×`;
  };
  const range = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  for (const row of r.rows) {
    out.push(
      `| ${row.model === 'mlp' ? 'W1 MLP' : 'W9 transformer'} | ${range(row.fluxionMs)} | ${range(row.jaxMs)} | ${ratioCell(row.fluxionMs, row.jaxMs)} | ${range(row.fluxionCpuMs)} | ${range(row.jaxCpuMs)} | ${ratioCell(row.fluxionCpuMs, row.jaxCpuMs)} | ${row.fluxionMs.length} | ${row.loss.map((l) => l.toPrecision(6)).join(', ')} |`,
    );
  }
  out.push('');
  return out;
}
