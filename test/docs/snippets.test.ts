// Every ```ts block in README.md and docs/get-started.md is compiled against the packages' sources, so the docs cannot
// drift from the API. Each block is its own module (top-level await allowed) and must type-check on its own.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const documents = ['README.md', 'docs/get-started.md'];

interface Snippet {
  doc: string;
  /** 1-based line of the first code line in the document. */
  line: number;
  code: string;
}

/** The ```ts / ```typescript blocks of a Markdown text. */
function extractTsBlocks(doc: string, markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  let open: { line: number; fence: string; body: string[] } | undefined;
  lines.forEach((text, i) => {
    if (open) {
      if (text.trim() === open.fence) {
        snippets.push({ doc, line: open.line, code: open.body.join('\n') });
        open = undefined;
      } else {
        open.body.push(text);
      }
      return;
    }
    const m = /^\s*(`{3,})(ts|typescript)\s*$/.exec(text);
    if (m) open = { line: i + 2, fence: m[1]!, body: [] };
  });
  if (open) throw new Error(`${doc}:${open.line - 1}: unterminated code block`);
  return snippets;
}

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  customConditions: ['@source'],
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
  noEmit: true,
};

/** Type-checks the snippets; returns one `doc:line: message` per error, mapped back to the document. */
function typecheck(snippets: Snippet[], tag: string): string[] {
  const dir = path.join(root, '.tmp', `snippets-${tag}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const files = snippets.map((s, i) => {
      const file = path.join(dir, `${path.basename(s.doc, '.md')}-${i + 1}.ts`);
      writeFileSync(file, `${s.code}\nexport {};\n`);
      return { file, snippet: s };
    });
    const program = ts.createProgram(
      files.map((f) => f.file),
      options,
    );
    const errors: string[] = [];
    for (const { file, snippet } of files) {
      const source = program.getSourceFile(file)!;
      const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      for (const d of diagnostics) {
        const { line } = d.start === undefined ? { line: 0 } : source.getLineAndCharacterOfPosition(d.start);
        errors.push(`${snippet.doc}:${snippet.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      }
    }
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('documentation snippets', () => {
  const snippets = documents.flatMap((doc) => extractTsBlocks(doc, readFileSync(path.join(root, doc), 'utf8')));

  it('finds the TypeScript blocks of README.md and docs/get-started.md', () => {
    for (const doc of documents) expect(snippets.filter((s) => s.doc === doc).length, doc).toBeGreaterThan(2);
  });

  it('every block type-checks', () => {
    expect(typecheck(snippets, 'docs')).toEqual([]);
  });

  it('a wrong snippet is reported at its line in the document', () => {
    const bad = extractTsBlocks(
      'bad.md',
      "# bad\n\n```ts\nimport { NanoClient } from '@nanokit/client';\n\nnew NanoClient({ uri: 'ws://x' });\n```\n",
    );
    const errors = typecheck(bad, 'negative');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^bad\.md:6: Object literal may only specify known properties, and 'uri' does not exist/);
  });
});
