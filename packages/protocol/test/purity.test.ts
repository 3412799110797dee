/**
 * The package is bytes only: importing it (sources and built dist, ESM and CJS) has no side effects, and its source
 * never touches Node or host APIs (`Buffer`, `process`, `require(`, timers, Node modules) nor keeps module-level
 * mutable state.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const srcDir = `${pkgDir}src/`;
const sources = readdirSync(srcDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => [f, readFileSync(srcDir + f, 'utf8')] as const);
/** The sources with comments blanked out (line numbers kept), for checks that concern code only. */
const code = sources.map(
  ([f, text]) =>
    [
      f,
      text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"])\/\/.*$/gm, '$1'),
    ] as const,
);

describe('source hygiene (grep over packages/protocol/src)', () => {
  it('has the expected files', () => {
    expect(sources.map(([f]) => f)).toEqual(expect.arrayContaining(['index.ts', 'packet.ts', 'message.ts', 'utf8.ts']));
  });
  // Checked on the raw text, comments included: not even a mention.
  const forbidden: Array<[string, RegExp]> = [
    ['Buffer', /\bBuffer\b/],
    ['process', /\bprocess\b/],
    ['require(', /\brequire\s*\(/],
    ['setTimeout', /\bsetTimeout\b/],
    ['setInterval / setImmediate / queueMicrotask', /\b(setInterval|setImmediate|queueMicrotask)\b/],
    ['node: imports', /['"]node:/],
    [
      'Node built-in modules',
      /from\s+['"](fs|path|os|zlib|crypto|util|events|stream|net|http|https|tls|url|buffer|child_process|worker_threads)['"]/,
    ],
    ['window / document / globalThis', /\b(window|document|globalThis)\b/],
  ];
  // Checked on code only.
  const forbiddenInCode: Array<[string, RegExp]> = [
    ['dynamic import()', /\bimport\s*\(/],
    ['eval / new Function', /\beval\b|\bFunction\s*\(/],
    ['console', /\bconsole\./],
  ];
  const grep = (files: typeof sources, pattern: RegExp) =>
    files.flatMap(([file, text]) =>
      text.split('\n').flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
  for (const [name, pattern] of forbidden) {
    it(`never references ${name}`, () => {
      expect(grep(sources, pattern)).toEqual([]);
    });
  }
  for (const [name, pattern] of forbiddenInCode) {
    it(`never uses ${name}`, () => {
      expect(grep(code, pattern)).toEqual([]);
    });
  }
  it('imports only its own modules (protobufjs is a type-free optional peer: not imported at all)', () => {
    const imports = code.flatMap(([file, text]) =>
      [...text.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => `${file} → ${m[1]}`),
    );
    expect(imports.length).toBeGreaterThan(10);
    expect(imports.filter((i) => !/→ \.\/[a-z0-9-]+\.js$/.test(i))).toEqual([]);
  });
  it('has no module-level mutable bindings (top-level let / var)', () => {
    const hits = code.flatMap(([file, text]) =>
      text.split('\n').flatMap((line, i) => (/^(export\s+)?(let|var)\s/.test(line) ? [`${file}:${i + 1}`] : [])),
    );
    expect(hits).toEqual([]);
  });
  it('package.json declares sideEffects: false', () => {
    const pkg = JSON.parse(readFileSync(`${pkgDir}package.json`, 'utf8')) as { sideEffects?: unknown };
    expect(pkg.sideEffects).toBe(false);
  });
});

describe('importing has no side effects', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  it('the TypeScript sources: no new globals, no console output, no timers', async () => {
    vi.resetModules();
    const before = new Set(Reflect.ownKeys(globalThis));
    const spies = [
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m)),
      vi.spyOn(globalThis, 'setTimeout'),
      vi.spyOn(globalThis, 'setInterval'),
      vi.spyOn(globalThis, 'queueMicrotask'),
    ];
    const index = await import('../src/index.js');
    const pb = await import('../src/protobuf.js');
    expect(typeof index.decodePackets).toBe('function');
    expect(typeof pb.createProtobufSerializer).toBe('function');
    expect(Reflect.ownKeys(globalThis).filter((k) => !before.has(k))).toEqual([]);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
  it('the built dist (ESM and CJS, both entries), in a fresh Node process', () => {
    const dist = `${pkgDir}dist/`;
    for (const f of ['index.mjs', 'index.js', 'protobuf.mjs', 'protobuf.js']) {
      expect(existsSync(dist + f), `${dist}${f} is missing: run \`npm run build\``).toBe(true);
    }
    const script = `
      import { createRequire } from 'node:module';
      const calls = [];
      for (const m of ['log', 'info', 'warn', 'error', 'debug']) console[m] = () => calls.push('console.' + m);
      for (const t of ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask']) {
        const orig = globalThis[t];
        globalThis[t] = (...a) => { calls.push(t); return orig(...a); };
      }
      const before = new Set(Reflect.ownKeys(globalThis));
      const esm = await import(${JSON.stringify(`${dist}index.mjs`)});
      const esmPb = await import(${JSON.stringify(`${dist}protobuf.mjs`)});
      const require = createRequire(${JSON.stringify(dist)});
      const cjs = require('./index.js');
      const cjsPb = require('./protobuf.js');
      const added = Reflect.ownKeys(globalThis).filter((k) => !before.has(k)).map(String);
      const resources = process.getActiveResourcesInfo().filter((r) => /Timeout|Immediate|Interval/.test(r));
      process.stdout.write(JSON.stringify({
        calls, added, resources,
        exports: [typeof esm.PacketReader, typeof cjs.PacketReader, typeof esmPb.createProtobufSerializer, typeof cjsPb.createProtobufSerializer],
        sameBehaviour: esm.decodePackets(new Uint8Array([3, 0, 0, 0])).length + cjs.decodePackets(new Uint8Array([3, 0, 0, 0])).length,
      }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(JSON.parse(out)).toEqual({
      calls: [],
      added: [],
      resources: [],
      exports: ['function', 'function', 'function', 'function'],
      sameBehaviour: 2,
    });
  });
});
