// Consumer smoke tests of the packed packages: `npm pack` the three workspaces, install the tarballs into a temp
// project (the tarballs plus `ws` and typings from the npm cache), then use them the ways users do: Node ESM, Node CJS,
// TypeScript (nodenext ESM + CJS), a rollup browser bundle that must contain no Node code, and the <script> global
// build. publint and attw check each package's `exports`.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import vm from 'node:vm';
import commonjs from '@rollup/plugin-commonjs';
import nodeResolve from '@rollup/plugin-node-resolve';
import { publint } from 'publint';
import { rollup } from 'rollup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const requireHere = createRequire(import.meta.url);
const packages = ['protocol', 'client', 'server-lite', 'cli'] as const;

const TYPES_ESM = `// TypeScript consumer (module nodenext, ESM): the published typings resolve and describe the API.
import { type ConnectError, isNanoError, NanoClient, webSocketTransport } from '@nanokit/client';
import { nodeTransport, tcpTransport } from '@nanokit/client/node';
import { encodePacket, PacketType } from '@nanokit/protocol';
import { Group, NanoServer } from '@nanokit/server-lite';

export const wss = nodeTransport({ handshakeTimeout: 1000, maxPayload: 1 << 20, rejectUnauthorized: false });

export async function whyNot(url: string): Promise<string | number | undefined> {
  const client = new NanoClient({ url, reconnect: { firstConnect: true, maxAttempts: 2 }, unhandledErrors: 'throw' });
  return client.connect().then(
    () => undefined,
    (error: unknown) => (isNanoError(error, 'ERR_CONNECT_HTTP') ? (error as ConnectError).status : String(error)),
  );
}

export async function roundTrip(url: string): Promise<unknown> {
  const client = new NanoClient({ url, transport: url.startsWith('tcp:') ? tcpTransport() : webSocketTransport() });
  const off = client.on('disconnect', () => undefined);
  await client.connect();
  const reply: unknown = await client.request('echo.hello', { name: 'ts' }, { timeout: 1000 });
  client.notify('echo.note', {});
  off();
  client.close();
  return reply;
}

export const server = new NanoServer({ heartbeat: 1000 });
export const group = new Group('room');
export const ping: Uint8Array = encodePacket(PacketType.Heartbeat);
`;

const TYPES_CJS = `// TypeScript consumer (module nodenext, CommonJS): the require-side typings resolve too.
import { NanoClient } from '@nanokit/client';
import { tcpTransport } from '@nanokit/client/node';
import { NanoServer } from '@nanokit/server-lite';

export const client = new NanoClient({ url: 'tcp://127.0.0.1:3250', transport: tcpTransport() });
export const server = new NanoServer();
`;

let dir: string;
let project: string;
const tarballs = new Map<string, string>();

/** The last line a fixture printed: its JSON result (the server may log lines before it). */
const lastLine = (stdout: string) => stdout.trim().split('\n').pop() ?? '';

const run = (file: string, args: string[], cwd = project) =>
  exec(file, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 16 << 20 });

beforeAll(async () => {
  for (const p of packages) {
    const main = path.join(root, 'packages', p, 'dist', 'index.mjs');
    try {
      readFileSync(main);
    } catch {
      throw new Error(`${main} is missing: run npm run build first (npm test does)`);
    }
  }
  dir = mkdtempSync(path.join(tmpdir(), 'nanokit-consumers-'));
  // The command docs/get-started.md gives for installing before the first release.
  const { stdout } = await run('npm', ['pack', '-w', 'packages', '--pack-destination', dir, '--json'], root);
  for (const entry of JSON.parse(stdout) as { name: string; filename: string }[]) {
    if (packages.some((p) => entry.name === `@nanokit/${p}`)) tarballs.set(entry.name, path.join(dir, entry.filename));
  }
  project = path.join(dir, 'project');
  await exec('mkdir', ['-p', project]);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // --prefer-offline: the npm cache (filled by the repo's own install) answers; the registry only when it cannot.
  const installed = (name: string) => `${name}@${requireHere(`${name}/package.json`).version}`;
  await run('npm', [
    'install',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    ...tarballs.values(),
    installed('ws'),
    // For the TypeScript consumer: the Node typings refer to node:* types. Not @types/ws: the published typings must
    // not need it.
    installed('@types/node'),
  ]);
  for (const f of ['node-esm.mjs', 'node-cjs.cjs', 'browser-entry.mjs']) {
    copyFileSync(path.join(fixtures, f), path.join(project, f));
  }
  // The TypeScript consumers live here, not in fixtures/, so that the repo's own typecheck does not compile them.
  writeFileSync(path.join(project, 'types-esm.mts'), TYPES_ESM);
  writeFileSync(path.join(project, 'types-cjs.cts'), TYPES_CJS);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('packed packages', () => {
  it('npm pack produced the four tarballs, the client with dist and typings inside', async () => {
    expect([...tarballs.keys()].sort()).toEqual([
      '@nanokit/cli',
      '@nanokit/client',
      '@nanokit/protocol',
      '@nanokit/server-lite',
    ]);
    const { stdout } = await run('tar', ['-tzf', tarballs.get('@nanokit/client')!]);
    for (const file of [
      'index.mjs',
      'index.js',
      'index.d.ts',
      'index.d.mts',
      'node.mjs',
      'node.js',
      'nanokit.global.js',
    ]) {
      expect(stdout).toContain(`package/dist/${file}`);
    }
  });

  it.each(packages)('@nanokit/%s carries LICENSE, README, sources and a source map for every script', async (p) => {
    const { stdout } = await run('tar', ['-tzf', tarballs.get(`@nanokit/${p}`)!]);
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/src/index.ts']));
    const scripts = files.filter((f) => /^package\/dist\/.*\.m?js$/.test(f));
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter((f) => !files.includes(`${f}.map`))).toEqual([]);
  });

  it.each(packages)('publint: @nanokit/%s has no errors or warnings', async (p) => {
    const tarball = readFileSync(tarballs.get(`@nanokit/${p}`)!);
    const { messages } = await publint({
      level: 'warning',
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
    });
    expect(messages.map((m) => `${m.type} ${m.code} ${m.path.join('.')}`)).toEqual([]);
  });

  it.each(packages)('attw: @nanokit/%s types resolve in node10, node16 (CJS + ESM) and bundler', async (p) => {
    const attw = requireHere.resolve('@arethetypeswrong/cli/package.json').replace('package.json', 'dist/index.js');
    const result = await run(process.execPath, [attw, tarballs.get(`@nanokit/${p}`)!, '--format', 'json'], dir).catch(
      (err: { stdout: string }) => err,
    );
    const report = JSON.parse(result.stdout) as { analysis: { problems?: unknown[] } };
    expect(report.analysis.problems ?? []).toEqual([]);
  });
});

describe('consumers', () => {
  const expectedReplies = (via: string) => [
    { hello: '😀', via },
    { hello: '😀', via },
  ];

  it('Node ESM: import, WebSocket + TCP round trips', async () => {
    const { stdout } = await run(process.execPath, ['node-esm.mjs']);
    expect(JSON.parse(lastLine(stdout))).toEqual({ replies: expectedReplies('esm'), group: 'function', data: 4 });
  });

  it('Node CJS: require, WebSocket + TCP round trips', async () => {
    const { stdout } = await run(process.execPath, ['node-cjs.cjs']);
    expect(JSON.parse(lastLine(stdout))).toEqual({ replies: expectedReplies('cjs'), group: 'function', data: 4 });
  });

  it('TypeScript (nodenext): ESM and CJS consumers type-check against the published typings', async () => {
    const tsc = requireHere.resolve('typescript/bin/tsc');
    // No @types/ws in the project, and no skipLibCheck: every published .d.ts is checked as a consumer sees it.
    expect(existsSync(path.join(project, 'node_modules', '@types', 'ws'))).toBe(false);
    const compilerOptions = {
      strict: true,
      noEmit: true,
      module: 'nodenext',
      target: 'es2022',
      types: ['node'],
      skipLibCheck: false,
    };
    const tsconfig = { compilerOptions, files: ['types-esm.mts', 'types-cjs.cts'] };
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const out = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false']).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    expect(out).toBe('');
    // tsc checks all of @types/node too (no skipLibCheck): ~20 s alone on 2 cores, more while other suites run.
  }, 120_000);

  it('rollup browser bundle: resolves the ESM build and contains no ws or Node code', async () => {
    const warnings: string[] = [];
    const bundle = await rollup({
      input: path.join(project, 'browser-entry.mjs'),
      // The usual rollup setup for an app: resolve node_modules with browser conditions, convert CommonJS deps.
      plugins: [nodeResolve({ browser: true, rootDir: project }), commonjs()],
      onwarn: (w) => warnings.push(`${w.code}: ${w.message}`),
    });
    const { output } = await bundle.generate({ format: 'iife' });
    await bundle.close();
    const ids = bundle.watchFiles.map((f) => path.relative(project, f));
    expect(warnings).toEqual([]);
    expect(ids.some((f) => f.includes(path.join('@nanokit', 'client', 'dist', 'index.mjs')))).toBe(true);
    expect(ids.filter((f) => /node_modules[\\/](ws|isomorphic-ws)[\\/]/.test(f) || f.includes('node.mjs'))).toEqual([]);
    const code = output[0].code;
    expect(code).not.toMatch(/require\(|from ['"]node:|['"](ws|net|tls|http|events)['"]/);
    // It runs in a browser-like global: a window and a WebSocket constructor, nothing from Node.
    const sockets: string[] = [];
    class FakeWebSocket {
      binaryType = 'blob';
      constructor(url: string) {
        sockets.push(url);
      }
      send() {}
      close() {}
    }
    const window: Record<string, unknown> = {};
    vm.runInNewContext(code, { window, WebSocket: FakeWebSocket, setTimeout, clearTimeout });
    expect(typeof (window.app as { state: unknown }).state).toBe('string');
  });

  it('<script> global build from the installed package sets window.NanoKit', () => {
    const file = path.join(project, 'node_modules', '@nanokit', 'client', 'dist', 'nanokit.global.min.js');
    const context = vm.createContext({ setTimeout, clearTimeout });
    vm.runInContext('var window = this, self = this;', context);
    vm.runInContext(readFileSync(file, 'utf8'), context);
    expect(vm.runInContext('typeof window.NanoKit.NanoClient', context)).toBe('function');
  });

  it('the installed nanokit binary runs: npx nanokit decode of a Heartbeat packet', async () => {
    const { stdout } = await run('npx', ['--no-install', 'nanokit', 'decode', '03000000', '--json']);
    expect(stdout).toContain('Heartbeat');
  });
});
