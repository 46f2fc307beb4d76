/**
 * `npm run example -- <name> [args…]`: runs `examples/<name>/main.ts`
 * (or `examples/<name>.ts`, such as `demo`). Without a name, lists the examples.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function available(): string[] {
  const names = readdirSync(here, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory() && existsSync(join(here, e.name, 'main.ts'))) return [e.name];
    if (e.isFile() && e.name.endsWith('.ts') && e.name !== 'run.ts' && !e.name.endsWith('.test.ts')) return [e.name.slice(0, -3)];
    return [];
  });
  return names.sort();
}

const [name, ...rest] = process.argv.slice(2);
if (!name) {
  console.log(`usage: npm run example -- <name> [args…]\nexamples: ${available().join(', ')}`);
  process.exit(0);
}
if (!/^[\w-]+$/.test(name)) {
  console.error(`example names are letters, digits, '-' and '_': got ${JSON.stringify(name)}`);
  process.exit(2);
}
const file = [join(here, name, 'main.ts'), join(here, `${name}.ts`)].find((f) => existsSync(f));
if (!file) {
  console.error(`no example named ${JSON.stringify(name)}; examples: ${available().join(', ')}`);
  process.exit(2);
}
// The example sees its own arguments as if it had been run directly.
process.argv = [process.argv[0]!, file, ...rest];
await import(pathToFileURL(file).href);
