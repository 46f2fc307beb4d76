/**
 * Compile-time errors must read like sentences. tsd cannot assert the text of
 * an error, so the type tests mark each rejected line with
 * `// @ts-expect-error <expected text>`; this test type-checks those files
 * with the directives switched off (against the sources, so no build is
 * needed) and asserts that every marked line fails with a message containing
 * its text, and that nothing else fails.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testsDir = path.join(root, 'type-tests');

/** The type-test files whose `@ts-expect-error` comments carry the expected message. */
const FILES = ['tensors', 'elementwise', 'dense', 'shapes', 'grad', 'transforms', 'symbolic'].map((f) => path.join(testsDir, `${f}.test-d.ts`));

const DIRECTIVE = /\/\/ @ts-expect-error(?: (.*))?$/;

interface Expectation {
  file: string;
  /** 0-based line of the statement that must fail. */
  line: number;
  text: string;
}

/** The file as compiled here: directives off, imports of the built package pointed at the sources. */
function prepare(source: string): string {
  return source
    .replaceAll('// @ts-expect-error', '// (expected error)')
    .replaceAll("'../dist/lib/index.js'", "'../lib/index.js'")
    .replaceAll("'../dist/typelevel/index.js'", "'../typelevel/index.js'");
}

function typeCheck(): { expectations: Expectation[]; diagnostics: Map<string, Map<number, string[]>> } {
  const expectations: Expectation[] = [];
  const sources = new Map<string, string>();
  for (const file of FILES) {
    const text = readFileSync(file, 'utf8');
    text.split('\n').forEach((l, i) => {
      const m = DIRECTIVE.exec(l.trim());
      if (m) expectations.push({ file, line: i + 1, text: (m[1] ?? '').trim() });
    });
    sources.set(file, prepare(text));
  }
  const config = ts.getParsedCommandLineOfConfigFile(path.join(testsDir, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options = { ...config.options, noEmit: true, skipLibCheck: true };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => {
    const text = sources.get(path.resolve(name));
    return text !== undefined ? ts.createSourceFile(name, text, lang) : read(name, lang, ...rest);
  };
  const program = ts.createProgram(FILES, options, host);
  const diagnostics = new Map<string, Map<number, string[]>>();
  for (const file of FILES) {
    const sf = program.getSourceFile(file)!;
    const byLine = new Map<number, string[]>();
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = sf.getLineAndCharacterOfPosition(d.start ?? 0).line;
      byLine.set(line, [...(byLine.get(line) ?? []), ts.flattenDiagnosticMessageText(d.messageText, '\n')]);
    }
    diagnostics.set(file, byLine);
  }
  return { expectations, diagnostics };
}

describe('compile-time error messages', () => {
  let expectations: Expectation[] = [];
  let diagnostics = new Map<string, Map<number, string[]>>();
  beforeAll(() => {
    ({ expectations, diagnostics } = typeCheck());
  }, 180_000);

  it('the type tests mark at least 30 rejected programs, each with its expected message', () => {
    expect(expectations.length).toBeGreaterThanOrEqual(30);
    expect(expectations.filter((e) => e.text === '').map((e) => `${path.basename(e.file)}:${e.line}`)).toEqual([]);
  });

  it('every marked line fails with a message containing the expected text', () => {
    const wrong = expectations.flatMap((e) => {
      const got = diagnostics.get(e.file)!.get(e.line) ?? [];
      return got.some((m) => m.includes(e.text)) ? [] : [`${path.basename(e.file)}:${e.line + 1}: expected "${e.text}", got ${got.length ? got.map((m) => JSON.stringify(m.slice(0, 600))).join(' | ') : 'no error'}`];
    });
    expect(wrong).toEqual([]);
  });

  it('nothing else in the type tests fails', () => {
    const marked = new Set(expectations.map((e) => `${e.file}:${e.line}`));
    const stray = [...diagnostics].flatMap(([file, byLine]) =>
      [...byLine].filter(([line]) => !marked.has(`${file}:${line}`)).map(([line, ms]) => `${path.basename(file)}:${line + 1}: ${ms.join(' | ').slice(0, 400)}`),
    );
    expect(stray).toEqual([]);
  });
});
