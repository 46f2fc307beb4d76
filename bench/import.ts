/**
 * `npm run bench:import`: the import-cost measurement alone (see
 * bench/workloads/import.ts); prints its table and replaces the section of
 * bench/RESULTS.md between the `import-cost` markers.
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { importCost, renderImportSection } from './workloads/import.js';

const rows = importCost(Number(process.env.ROUNDS ?? 7));
const section = renderImportSection(rows, execSync('uptime').toString().trim());
console.log(section);
const path = 'bench/RESULTS.md';
const text = readFileSync(path, 'utf8');
const begin = '<!-- import-cost -->';
const end = '<!-- /import-cost -->';
const block = `${begin}\n${section}\n${end}`;
writeFileSync(path, text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${text.trimEnd()}\n\n${block}\n`);
