// Every ```ts block in README.md and docs/get-started.md is compiled against the packages' sources, so the docs cannot
// drift from the API, and then run as a user would: each block is its own ES module (top-level await allowed) run by
// Node against the built packages, the clients against the servers the same document starts, on free ports. The
// blocks of the reference pages (package READMEs, docs/protocol.md…) are fragments that use a socket, `wx` or a
// client from the text around them: they are compiled the same way, with those names declared (FRAGMENT_NAMES).
// docs/servers.md runs in test/pinus, docs/tadpole.md's blocks are checked against their sources in tadpole-doc.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const documents = ['README.md', 'docs/get-started.md'];
const referenceDocuments = [
  'packages/client/README.md',
  'packages/protocol/README.md',
  'packages/server-lite/README.md',
  'docs/errors.md',
  'docs/protocol.md',
  'docs/route-compression.md',
  'docs/runtimes.md',
  'docs/server-lite.md',
];

/**
 * What the reference fragments take from the text around them, declared for the compiler: nanokit names a fragment
 * uses after an earlier block imported them, and the reader's own objects (a socket, `wx`, a token).
 */
const FRAGMENT_NAMES = `import type * as Client from '@nanokit/client';
import type * as Protocol from '@nanokit/protocol';
import type * as Server from '@nanokit/server-lite';
declare global {
  const NanoClient: typeof Client.NanoClient;
  const miniGameTransport: typeof Client.miniGameTransport;
  const PacketReader: typeof Protocol.PacketReader;
  const PacketWriter: typeof Protocol.PacketWriter;
  const MessageReader: typeof Protocol.MessageReader;
  const MessageType: typeof Protocol.MessageType;
  const NanoServer: typeof Server.NanoServer;
  const createServer: typeof import('node:http').createServer;
  /** A browser WebSocket (binaryType 'arraybuffer') or a Node TCP socket, as the fragment uses it. */
  const socket: {
    send(data: Uint8Array): void;
    onmessage: ((event: { data: ArrayBuffer }) => void) | null;
    on(event: 'data', listener: (chunk: Uint8Array) => void): void;
  };
  const wx: Client.MiniGameSocketApi & { onHide(fn: () => void): void; onShow(fn: () => void): void };
  const client: Client.NanoClient;
  const url: string;
  const token: string;
  const uid: string;
  const descriptor: import('protobufjs').INamespace;
  const handshake: Protocol.HandshakeResponse;
  const handshakeBody: Uint8Array;
  const packet: Protocol.Packet;
  function handle(packet: Protocol.Packet): void;
  function servePage(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void;
  class Room {}
}
export {};
`;

interface Snippet {
  doc: string;
  /** 1-based line of the first code line in the document. */
  line: number;
  code: string;
}

/** The ```ts / ```typescript blocks of a Markdown text (and ```js ones with `js`). */
function extractTsBlocks(doc: string, markdown: string, js = false): Snippet[] {
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
    const m = /^\s*(`{3,})(ts|typescript|js|javascript)\s*$/.exec(text);
    if (m && (js || !m[2]!.startsWith('j'))) open = { line: i + 2, fence: m[1]!, body: [] };
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
function typecheck(snippets: Snippet[], tag: string, declarations?: string): string[] {
  const dir = path.join(root, '.tmp', `snippets-${tag}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const files = snippets.map((s, i) => {
      const file = path.join(dir, `${s.doc.replace(/[/.]/g, '-')}-${i + 1}.ts`);
      writeFileSync(file, `${s.code}\nexport {};\n`);
      return { file, snippet: s };
    });
    const roots = files.map((f) => f.file);
    if (declarations) {
      roots.push(path.join(dir, 'fragment-names.ts'));
      writeFileSync(roots[roots.length - 1]!, declarations);
    }
    const program = ts.createProgram(roots, options);
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

  it('every block of the reference pages type-checks, with the names the page around it gives declared', () => {
    const fragments = referenceDocuments.flatMap((doc) =>
      extractTsBlocks(doc, readFileSync(path.join(root, doc), 'utf8'), true),
    );
    for (const doc of referenceDocuments)
      expect(
        fragments.some((s) => s.doc === doc),
        doc,
      ).toBe(true);
    expect(typecheck(fragments, 'reference', FRAGMENT_NAMES)).toEqual([]);
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

/** What a run printed, and how it ended. */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const runDir = path.join(root, '.tmp', `snippets-run-${process.pid}`);
const wxShim = fileURLToPath(new URL('./wx-over-ws.mjs', import.meta.url));

/** The snippet as an ES module that Node can run from the repository (so `@nanokit/*` resolve to the builds). */
function toModule(snippet: Snippet, index: number, serverUrl: string | undefined): string {
  let code = snippet.code.replace(/port: 325\d/g, 'port: 0');
  if (serverUrl) code = code.replace(/wss?:\/\/(127\.0\.0\.1:3250|game\.example\.com)\/nano/g, serverUrl);
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = path.join(runDir, `${path.basename(snippet.doc, '.md')}-${index}.mjs`);
  writeFileSync(file, js);
  return file;
}

function start(file: string): ChildProcess {
  return spawn(process.execPath, ['--import', wxShim, file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a snippet that must end by itself within `ms`. */
function runToEnd(file: string, ms = 15_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = start(file);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a server snippet and resolves with the WebSocket URL it prints. */
function startServer(file: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = start(file);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${file} printed no ws:// URL in 15 s: ${out}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /ws:\/\/127\.0\.0\.1:\d+\/nano/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[0] });
      }
    });
    child.on('exit', (code) => reject(new Error(`${file} exited with ${code}: ${out}`)));
  });
}

describe('documentation snippets, run', () => {
  const servers: ChildProcess[] = [];
  const urls = new Map<string, string>();
  const all = documents.flatMap((doc) => extractTsBlocks(doc, readFileSync(path.join(root, doc), 'utf8')));
  const isServer = (s: Snippet) => s.code.includes('.listen(');

  beforeAll(async () => {
    for (const pkg of ['protocol', 'client', 'server-lite']) {
      const dist = path.join(root, 'packages', pkg, 'dist', 'index.mjs');
      if (!existsSync(dist)) throw new Error(`${dist} is missing: run npm run build first (npm test does)`);
    }
    mkdirSync(runDir, { recursive: true });
    for (const [i, s] of all.entries()) {
      if (!isServer(s)) continue;
      const { child, url } = await startServer(toModule(s, i, undefined));
      servers.push(child);
      urls.set(s.doc, url);
    }
  });

  afterAll(() => {
    for (const child of servers) child.kill('SIGKILL');
    rmSync(runDir, { recursive: true, force: true });
  });

  it('each document with client snippets starts a server of its own', () => {
    expect([...urls.keys()].sort()).toEqual([...documents].sort());
  });

  // A block written for nano's own server (its chat demo) talks to the README's server, which is that chat room.
  const serverFor = (s: Snippet) => urls.get(s.code.includes('nano.WithIsWebsocket') ? 'README.md' : s.doc);

  for (const [i, s] of all.entries()) {
    if (isServer(s)) continue;
    it(`${s.doc}:${s.line} runs to its end against a server from the docs, with nothing on stderr`, async () => {
      const result = await runToEnd(toModule(s, i, serverFor(s)));
      expect({ code: result.code, stderr: result.stderr }, result.stdout).toEqual({ code: 0, stderr: '' });
    });
  }
});
