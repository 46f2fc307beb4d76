/**
 * Doc-tests: the ```ts blocks of README.md and docs/*.md as programs.
 *
 * Each markdown file becomes one module: its blocks in order, so a later
 * block uses what an earlier one defined (as a reader does). Conventions:
 * - ```ts compile-error — the block must not compile: every line with a
 *   `// error: TEXT` comment must have a type error whose message contains
 *   TEXT (pieces between `...` are matched in turn). It is not run.
 * - `expr; // => VALUE` and `const x = expr; // => VALUE` — VALUE (JSON:
 *   numbers, arrays, booleans, strings; a remark may follow after two
 *   spaces) is checked when the module runs;
 *   numbers compare to the digits shown. A tensor is read with `array()`.
 * - `import * as fx from 'fluxion'` is added at the top when a file does not
 *   import fluxion itself.
 * Not part of the package; used by lib/package/installed.test.ts.
 */
import { readFileSync } from 'node:fs';

export interface Block {
  file: string;
  /** Line of the opening fence in the markdown file (1-based). */
  line: number;
  kind: 'run' | 'compile-error';
  code: string;
}

/** The ```ts blocks of one markdown file. */
export function extractBlocks(path: string, name: string): Block[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```ts\b(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const info = open[1]!.trim();
    if (info !== '' && info !== 'compile-error') throw new Error(`${name}:${i + 1}: unknown doc-test tag '${info}' (use \`\`\`ts or \`\`\`ts compile-error)`);
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`${name}:${i + 1}: unclosed code block`);
    blocks.push({ file: name, line: i + 1, kind: info === 'compile-error' ? 'compile-error' : 'run', code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** A generated module and, per generated line, the markdown place it came from. */
export interface Program {
  source: string;
  origin: (generatedLine: number) => string;
  /** For compile-error programs: generated line → the text its error must contain. */
  expectedErrors: Map<number, string[]>;
}

// `stmt; // => VALUE` — VALUE ends at two spaces (a remark may follow) or at the end of the line.
const EXPECT = /^(\s*)(.*?);\s*\/\/\s*=>\s*(.+?)(?:\s{2,}.*)?$/;
const DECLARED = /^(?:const|let)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=/;

const PRELUDE = [
  "import * as __fx from 'fluxion';",
  'async function __value(v: unknown): Promise<unknown> {',
  '  if (v instanceof __fx.Tensor) return await v.array();',
  '  if (Array.isArray(v)) return Promise.all(v.map(__value));',
  '  if (v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint32Array || v instanceof Uint8Array) return Array.from(v);',
  '  return v;',
  '}',
  'function __close(actual: unknown, expected: unknown, digits: number): boolean {',
  "  if (typeof expected === 'number' && typeof actual === 'number') {",
  '    if (Number.isNaN(expected)) return Number.isNaN(actual);',
  '    return Math.abs(actual - expected) <= 0.5 * 10 ** -digits + 1e-6 * Math.abs(expected);',
  '  }',
  '  if (Array.isArray(expected) && Array.isArray(actual)) return expected.length === actual.length && expected.every((e, i) => __close(actual[i], e, digits));',
  '  return Object.is(actual, expected) || JSON.stringify(actual) === JSON.stringify(expected);',
  '}',
  'async function __expect(v: unknown, expectedText: string, where: string): Promise<void> {',
  '  const actual = await __value(v);',
  '  const expected = JSON.parse(expectedText.replace(/\\bNaN\\b/g, \'"NaN"\').replace(/-?Infinity/g, (m) => `"${m}"`), (_k, x) => (x === "NaN" ? NaN : x === "Infinity" ? Infinity : x === "-Infinity" ? -Infinity : x));',
  "  const digits = Math.max(0, ...(expectedText.match(/\\.\\d+/g) ?? ['']).map((d) => d.length - 1));",
  '  if (!__close(actual, expected, digits)) throw new Error(`doc-test ${where}: expected ${expectedText}, got ${JSON.stringify(actual)}`);',
  '}',
].join('\n');

/**
 * One markdown file's runnable blocks as a module, plus (if `errorBlock` is
 * given) that compile-error block appended after the runnable blocks that
 * precede it, as a separate program to type-check.
 */
export function buildProgram(blocks: Block[], errorBlock?: Block): Program {
  const out: string[] = [];
  const origins: string[] = [];
  const expectedErrors = new Map<number, string[]>();
  const push = (text: string, origin: string) => {
    for (const l of text.split('\n')) {
      out.push(l);
      origins.push(origin);
    }
  };
  const all = blocks.filter((b) => b.kind === 'run' && (!errorBlock || b.line < errorBlock.line));
  const importsFluxion = blocks.some((b) => /from 'fluxion'/.test(b.code));
  push(PRELUDE, 'doc-test prelude');
  if (!importsFluxion) push("import * as fx from 'fluxion';", 'doc-test prelude');
  const imports: [string, string][] = [];
  const body: [string, string][] = [];
  for (const b of errorBlock ? [...all, errorBlock] : all) {
    b.code.split('\n').forEach((line, k) => {
      const where = `${b.file}:${b.line + 1 + k}`;
      if (/^import\b/.test(line)) imports.push([line, where]);
      else body.push([line, where]);
    });
  }
  const seen = new Set<string>();
  for (const [l, w] of imports) {
    // The same import in two blocks (each shown complete) is one import of the module.
    if (!seen.has(l.trim())) push(l, w);
    seen.add(l.trim());
  }
  push('export {};', 'doc-test prelude');
  for (const [line, where] of body) {
    if (errorBlock && where.startsWith(`${errorBlock.file}:`) && Number(where.split(':')[1]) > errorBlock.line) {
      const m = /\/\/\s*error:\s*(.+)$/.exec(line);
      push(line, where);
      if (m) expectedErrors.set(out.length, m[1]!.split('...').map((s) => s.trim().replace(/^'|'$/g, '')).filter((s) => s.length > 0));
      continue;
    }
    const m = EXPECT.exec(line);
    if (!m || errorBlock) {
      push(line, where);
      continue;
    }
    const [, indent, stmt, expected] = m as unknown as [string, string, string, string];
    const declared = DECLARED.exec(stmt);
    if (!declared && /^(const|let|var)\b/.test(stmt)) throw new Error(`${where}: '// =>' needs a plain \`const name = expr\` or an expression statement`);
    const check = (expr: string) => `${indent}await __expect(${expr}, ${JSON.stringify(expected)}, ${JSON.stringify(where)});`;
    if (declared) push(`${indent}${stmt};\n${check(declared[1]!)}`, where);
    else push(check(stmt), where);
  }
  return { source: out.join('\n') + '\n', origin: (n) => origins[n - 1] ?? '?', expectedErrors };
}
