// The debug trace over real sockets (ws and TCP against the raw peer): the connection's life and every packet in and
// out, decoded; bodies only when asked; off by default; switched on in Node by the `debug` option, DEBUG=nanokit*
// or NANOKIT_DEBUG=1, and off again with `debug: false`.
import { NanoClient, type NanoClientOptions, webSocketTransport } from '@nanokit/client';
import { debugTransport } from '@nanokit/client/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { debugFromEnv } from '../src/debug-env.js';
import { Peer } from './peer.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

async function peer(options?: Parameters<typeof Peer.start>[0]): Promise<Peer> {
  const p = await Peer.start(options);
  cleanups.push(() => p.close());
  p.on('Echo.Echo', (body) => body);
  return p;
}

function client(options: NanoClientOptions): NanoClient {
  const c = new NanoClient({ reconnect: false, ...options });
  cleanups.push(() => c.close());
  return c;
}

/** Connects, makes a request, gets a push, sends a notify, closes; resolves with the trace lines. */
async function session(p: Peer, url: string, debug: NanoClientOptions['debug'] | undefined): Promise<void> {
  const c = client(debug === undefined ? { url } : { url, debug });
  await c.connect();
  const pushed = new Promise((resolve) => c.once('onChat', resolve));
  expect(await c.request('Echo.Echo', { text: 'secret' })).toEqual({ text: 'secret' });
  p.connection.push('onChat', { text: 'hi' });
  await pushed;
  c.notify('Room.Note', { n: 1 });
  c.close();
}

const strip = (line: string) => line.replace(/ \+\d+ms /, ' ');

/** What the code under test writes to stderr from now on (the test's own output is not shown). */
function captureStderr(): string[] {
  const written: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  return written;
}

describe('the debug option (Node entry)', () => {
  it('traces the life of the connection and each packet, decoded, without bodies', async () => {
    const p = await peer();
    const lines: string[] = [];
    await session(p, p.wsUrl, { log: (line) => lines.push(line) });
    const trace = lines.map(strip);
    expect(trace).toEqual([
      `nanokit #1 connecting ${p.wsUrl}`,
      'nanokit #1 open',
      expect.stringMatching(/^nanokit #1 → Handshake \d+ B$/),
      expect.stringMatching(/^nanokit #1 ← Handshake \d+ B code 200 heartbeat 30000 ms$/),
      'nanokit #1 → HandshakeAck 0 B',
      'nanokit #1 → Request #1 Echo.Echo 17 B',
      'nanokit #1 ← Response #1 Echo.Echo 17 B',
      'nanokit #1 ← Push onChat 13 B',
      'nanokit #1 → Notify Room.Note 7 B',
      'nanokit #1 close 1000 client-close (by the client)',
      'nanokit #1 closed 1000 client-close',
    ]);
    expect(lines.join('\n')).not.toContain('secret');
    expect(lines[1]).toMatch(/^nanokit #1 \+\d+ms open$/);
  });

  it("shows the server's heartbeat unrounded: 0.7 ms, not 1", async () => {
    const p = await peer({ heartbeat: 0.0007 });
    const lines: string[] = [];
    await session(p, p.wsUrl, { log: (line) => lines.push(line) });
    expect(lines.map(strip)).toContainEqual(
      expect.stringMatching(/^nanokit #1 ← Handshake \d+ B code 200 heartbeat 0\.7 ms$/),
    );
  });

  it('prints bodies when asked', async () => {
    const p = await peer();
    const lines: string[] = [];
    await session(p, p.wsUrl, { bodies: true, log: (line) => lines.push(line) });
    const trace = lines.map(strip);
    expect(trace).toContain('nanokit #1 → Request #1 Echo.Echo 17 B {"text":"secret"}');
    expect(trace).toContain('nanokit #1 ← Push onChat 13 B {"text":"hi"}');
  });

  it('traces TCP too (packets framed by the transport), and names compressed routes from the dictionary', async () => {
    const p = await peer({ dict: { 'Echo.Echo': 1, onChat: 2 } });
    const lines: string[] = [];
    await session(p, p.tcpUrl, { log: (line) => lines.push(line) });
    const trace = lines.map(strip);
    expect(trace).toContain(`nanokit #1 connecting ${p.tcpUrl}`);
    expect(trace).toContainEqual(expect.stringMatching(/← Handshake \d+ B code 200 heartbeat 30000 ms dict 2 routes$/));
    expect(trace).toContainEqual(expect.stringMatching(/→ Request #1 Echo\.Echo \d+ B$/));
    expect(trace).toContainEqual(expect.stringMatching(/← Response #1 Echo\.Echo \d+ B$/));
    expect(trace).toContainEqual(expect.stringMatching(/← Push onChat \d+ B$/));
  });

  it("reads pitaya's compressed handshake with the client's inflater, so compressed routes are named", async () => {
    const p = await peer({ dict: { 'Echo.Echo': 1, onChat: 2 }, pitaya: {} });
    const lines: string[] = [];
    await session(p, p.wsUrl, { log: (line) => lines.push(line) });
    const trace = lines.map(strip);
    expect(trace).toContainEqual(expect.stringMatching(/← Handshake \d+ B code 200 heartbeat \d+ ms dict 2 routes$/));
    expect(trace).toContainEqual(expect.stringMatching(/← Push onChat \d+ B$/));
    expect(trace.join('\n')).not.toContain('undecodable');
  });

  it('says why a connection failed: the error and the close', async () => {
    const p = await peer();
    await p.kill();
    const lines: string[] = [];
    const c = client({ url: p.wsUrl, debug: { log: (line) => lines.push(line) } });
    await expect(c.connect()).rejects.toMatchObject({ code: 'ERR_CONNECT_REFUSED' });
    const trace = lines.map(strip);
    expect(trace[0]).toBe(`nanokit #1 connecting ${p.wsUrl}`);
    expect(trace).toContainEqual(
      expect.stringMatching(/^nanokit #1 error ERR_CONNECT_REFUSED connect to .* ECONNREFUSED/),
    );
    expect(trace.at(-1)).toBe('nanokit #1 closed 1006 "" (not clean)');
  });

  it('tells the reconnect attempts and their delays, each attempt a new connection number', async () => {
    const p = await peer();
    const lines: string[] = [];
    const c = new NanoClient({
      url: p.wsUrl,
      reconnect: { initialDelay: 20, maxDelay: 20 },
      env: { random: () => 0 },
      debug: { log: (line) => lines.push(line) },
    });
    cleanups.push(() => c.close());
    await c.connect();
    const back = new Promise((resolve) => c.once('reconnect', resolve));
    p.connection.drop();
    await back;
    const trace = lines.map(strip);
    expect(trace).toContain('nanokit #1 closed 1006 "" (not clean)');
    expect(trace).toContain('nanokit reconnecting: attempt 1 in 20 ms');
    expect(trace).toContain(`nanokit #2 connecting ${p.wsUrl}`);
    expect(trace.indexOf('nanokit reconnecting: attempt 1 in 20 ms')).toBeLessThan(
      trace.indexOf(`nanokit #2 connecting ${p.wsUrl}`),
    );
  });

  it('is off by default: nothing on stderr', async () => {
    vi.stubEnv('DEBUG', '');
    vi.stubEnv('NANOKIT_DEBUG', '');
    const write = vi.spyOn(process.stderr, 'write');
    const p = await peer();
    await session(p, p.wsUrl, undefined);
    expect(write.mock.calls.filter(([chunk]) => String(chunk).startsWith('nanokit #'))).toEqual([]);
  });

  it('DEBUG=nanokit* turns it on, to stderr; debug: false keeps it off', async () => {
    vi.stubEnv('DEBUG', 'nanokit*');
    const written = captureStderr();
    const p = await peer();
    await session(p, p.wsUrl, undefined);
    expect(written.filter((s) => s.startsWith('nanokit #1')).length).toBeGreaterThan(5);
    written.length = 0;
    await session(p, p.wsUrl, false);
    expect(written.filter((s) => s.startsWith('nanokit #'))).toEqual([]);
  });

  it.each([
    ['1', false],
    ['bodies', true],
  ])('NANOKIT_DEBUG=%s turns it on, to stderr (bodies: %s)', async (value, bodies) => {
    vi.stubEnv('DEBUG', '');
    vi.stubEnv('NANOKIT_DEBUG', value);
    const written = captureStderr();
    const p = await peer();
    await session(p, p.wsUrl, undefined);
    const trace = written.filter((s) => s.startsWith('nanokit #1'));
    expect(trace.length).toBeGreaterThan(5);
    expect(trace.some((line) => line.includes('secret'))).toBe(bodies);
  });
});

describe('debugFromEnv', () => {
  it.each([
    [{ DEBUG: 'nanokit*' }, {}],
    [{ DEBUG: 'nanokit:*' }, {}],
    [{ DEBUG: 'nanokit:client' }, {}],
    [{ DEBUG: 'express,nanokit*' }, {}],
    [{ DEBUG: '*' }, {}],
    [{ DEBUG: '*,-nanokit*' }, undefined],
    [{ DEBUG: 'express' }, undefined],
    [{ DEBUG: 'nanokit' }, undefined],
    [{}, undefined],
    [{ NANOKIT_DEBUG: '1' }, { bodies: false }],
    [{ NANOKIT_DEBUG: 'bodies' }, { bodies: true }],
    [{ NANOKIT_DEBUG: '0' }, undefined],
  ])('%j → %j', (env, expected) => {
    expect(debugFromEnv(env)).toEqual(expected);
  });
});

describe('debugTransport (how browsers turn it on)', () => {
  it('wraps any transport: here the WebSocket transport on the ws constructor', async () => {
    const p = await peer();
    const lines: string[] = [];
    const transport = debugTransport(webSocketTransport(WebSocket), { log: (line) => lines.push(line) });
    const c = client({ url: p.wsUrl, transport, debug: false });
    await c.connect();
    await c.request('Echo.Echo', {});
    c.close();
    expect(lines.map(strip)).toContain('nanokit #1 ← Response #1 Echo.Echo 2 B');
  });

  it('a logger that throws does not break the connection', async () => {
    const p = await peer();
    const transport = debugTransport(webSocketTransport(WebSocket), {
      log: () => {
        throw new Error('full disk');
      },
    });
    const c = client({ url: p.wsUrl, transport, debug: false });
    await c.connect();
    expect(await c.request('Echo.Echo', { ok: 1 })).toEqual({ ok: 1 });
  });
});
