// `nanokit record` as a proxy between `nanokit repl` and server-lite, then `nanokit replay` of that capture against
// the same server (no difference) and against one that answers room.join differently (reported, exit code 1).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './run-cli.js';
import { until } from './terminal.js';
import { startTestServer, type TestServer } from './test-server.js';

let server: TestServer;
let other: TestServer;
let dir: string;
beforeAll(async () => {
  ensureBuilt();
  server = await startTestServer();
  other = await startTestServer('other');
  dir = mkdtempSync(path.join(os.tmpdir(), 'nanokit-record-'));
}, 120_000);
afterAll(async () => {
  await server?.close();
  await other?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function record(target: string, capture: string, script: string): Promise<void> {
  let stderr = '';
  let stop!: () => void;
  const recorder = runCli(['record', '--listen', '0', '--target', target, '-o', capture], {
    onSpawn: (child) => {
      child.stderr?.on('data', (d) => (stderr += d));
      stop = () => child.kill('SIGINT');
    },
  });
  await until(
    () => /listening on (\w+):\/\/127\.0\.0\.1:(\d+)/.test(stderr),
    () => `the recorder to start: ${stderr}`,
  );
  const [, scheme, port] = /listening on (\w+):\/\/127\.0\.0\.1:(\d+)/.exec(stderr) as RegExpExecArray;
  const file = path.join(dir, 'script.nk');
  writeFileSync(file, script);
  const repl = await runCli(['repl', `${scheme}://127.0.0.1:${port}${scheme === 'ws' ? '/nano' : ''}`, '-f', file]);
  expect(repl.stdout).toContain('push onChat');
  expect(repl.code).toBe(0);
  stop();
  const done = await recorder;
  expect(done.code).toBe(0);
  expect(stderr).toContain('record: stopped after 1 connection(s)');
}

const SCRIPT =
  'request room.join {"name":"rec"}\nrequest room.echo {"n":[1,2,3]}\nnotify room.say {"x":1}\nwait onChat\n';

describe('nanokit record → replay', () => {
  it.each(['ws', 'tcp'] as const)('records a session through the proxy (%s) and replays it', async (kind) => {
    const capture = path.join(dir, `${kind}.jsonl`);
    await record(kind === 'ws' ? server.wsUrl : server.tcpUrl, capture, SCRIPT);
    const lines = readFileSync(capture, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ conn: '1', dir: 'C>S', packets: [{ packet: 'Handshake' }] });
    expect(lines.every((l) => typeof l.hex === 'string' && typeof l.time === 'string' && typeof l.t === 'number')).toBe(
      true,
    );
    const messages = lines.flatMap((l) =>
      l.packets.flatMap((p: { message?: unknown }) => (p.message ? [p.message] : [])),
    );
    expect(messages).toContainEqual({
      type: 'Request',
      id: 2,
      route: 'room.echo',
      routeCode: 2,
      body: { n: [1, 2, 3] },
    });
    expect(messages).toContainEqual({ type: 'Response', id: 2, route: 'room.echo', body: { n: [1, 2, 3] } });
    expect(messages).toContainEqual({ type: 'Push', route: 'onChat', routeCode: 4, body: { x: 1 } });

    const decoded = await runCli(['decode', '-c', capture]);
    expect(decoded.code).toBe(0);
    expect(decoded.stdout).toMatch(/1 S>C Response #1 room\.join \{"code":0,"name":"rec"\}/);

    const same = await runCli(['replay', capture, '--target', kind === 'ws' ? server.wsUrl : server.tcpUrl]);
    expect(same.stdout).toBe('2 responses compared over 1 connection(s), 0 differ\n');
    expect(same.code).toBe(0);

    // A client that writes its ack and a first request with a compressed route in one chunk (TCP coalescing does
    // that): the request is still read with the recorded dictionary, sent after the handshake reply, and compared.
    const coalesced = path.join(dir, `${kind}-coalesced.jsonl`);
    const ack = lines.findIndex((l) => l.packets[0]?.packet === 'HandshakeAck');
    const next = lines.findIndex((l, i) => i > ack && l.dir === 'C>S');
    const merged = lines.map((l, i) => (i === ack ? { ...l, hex: l.hex + lines[next].hex, packets: undefined } : l));
    merged.splice(next, 1);
    writeFileSync(coalesced, merged.map((l) => JSON.stringify(l)).join('\n'));
    const joined = await runCli(['replay', coalesced, '--target', server.tcpUrl]);
    expect(joined.stdout).toBe('2 responses compared over 1 connection(s), 0 differ\n');

    const changed = await runCli(['replay', capture, '--target', kind === 'ws' ? other.wsUrl : other.tcpUrl, '--json']);
    expect(changed.code).toBe(1);
    expect(JSON.parse(changed.stdout)).toEqual({
      responses: 2,
      differences: [
        {
          conn: '1',
          id: 1,
          route: 'room.join',
          expected: { code: 0, name: 'rec' },
          actual: { code: 0, name: 'rec', server: 'other' },
        },
      ],
    });
  });
});
