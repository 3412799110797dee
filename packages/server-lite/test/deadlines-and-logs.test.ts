// The handshake deadline (idle sockets cannot hold maxConnections; an incomplete WebSocket message cannot park
// memory) and the log a flood of bad connections produces: one line each, no stack, rate-limited.
import { type Socket, connect as tcpConnect } from 'node:net';
import { encodeHandshakeRequest, encodePacket, PacketType } from '@nanokit/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NanoServer, type NanoServerOptions, type Session } from '../src/index.js';
import { RawClient, recordingLogger } from './raw-client.js';

const servers: NanoServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(options: NanoServerOptions, tcp: boolean) {
  const logger = recordingLogger();
  const closed: Session[] = [];
  const server = new NanoServer({ logger, onSessionClosed: (s) => closed.push(s), ...options });
  server.register({ ping: () => 'pong' }, { name: 'game' });
  servers.push(server);
  const { port } = await server.listen(
    tcp ? { tcp: true, port: 0, host: '127.0.0.1' } : { port: 0, host: '127.0.0.1' },
  );
  const connect = () => (tcp ? RawClient.tcp(port) : RawClient.ws(`ws://127.0.0.1:${port}/`));
  return { server, port, logger, closed, connect };
}

/** A TCP socket to `port` that is connected, and then says nothing. */
function silentSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ port, host: '127.0.0.1' });
    sockets.push(socket);
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A socket that completed the WebSocket upgrade to `port` by hand, so that it can write any frame bytes. */
async function upgradedSocket(port: number): Promise<Socket> {
  const socket = await silentSocket(port);
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (text.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(text.split('\r\n')[0]));
    };
    socket.on('data', onData);
  });
  return socket;
}

/** A masked binary frame header (mask key 0, so the payload goes as is) announcing `length` bytes. */
function frameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x82, 0x80 | length, 0, 0, 0, 0]);
  return Buffer.from([0x82, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0]);
}

const frame = (payload: Uint8Array) => Buffer.concat([frameHeader(payload.length), payload]);

describe('handshakeTimeout', () => {
  for (const tcp of [false, true]) {
    const name = tcp ? 'tcp' : 'ws';
    it(`${name}: with maxConnections N held by N sockets that never handshake, a new client connects within handshakeTimeout + 1 s`, async () => {
      const N = 20;
      const handshakeTimeout = 400;
      const { port, closed, connect, logger } = await start({ maxConnections: N, handshakeTimeout }, tcp);
      const t0 = performance.now();
      // ws: upgraded but silent; tcp: connected but silent. Either way a session that never handshakes.
      const idle = await Promise.all(
        Array.from({ length: N }, () => (tcp ? silentSocket(port) : upgradedSocket(port))),
      );
      expect(idle).toHaveLength(N);
      if (tcp) {
        const refused = await RawClient.tcp(port);
        await refused.closed; // closed at once: the cap is full
      } else {
        await expect(connect()).rejects.toThrow('HTTP 503');
      }
      const refusal = logger.entries.find((e) => e.context?.['code'] === 'ERR_TOO_MANY_CONNECTIONS');
      expect(refusal?.context).toMatchObject({ transport: name, remoteAddress: '127.0.0.1' });
      let client: RawClient | undefined;
      while (client === undefined && performance.now() - t0 < handshakeTimeout + 1000) {
        const attempt = await connect().catch(() => undefined);
        if (attempt === undefined) {
          await sleep(20);
          continue;
        }
        // A TCP connection over the cap is accepted by the kernel and closed by the server: try again.
        const handshook = await Promise.race([attempt.handshake().then(() => true), attempt.closed.then(() => false)]);
        if (handshook) client = attempt;
        else await sleep(20);
      }
      expect(client, 'a new client got in').toBeDefined();
      expect(performance.now() - t0).toBeLessThan(handshakeTimeout + 1000);
      const id = (client as RawClient).request('game.ping');
      expect((await (client as RawClient).response(id)).body).toBe('pong');
      // Every idle socket is cut (the client got in as soon as the first slot was free).
      const timedOut = () => closed.filter((s) => s.closeCode === 'ERR_HANDSHAKE_TIMEOUT');
      await vi.waitFor(() => expect(timedOut()).toHaveLength(N), { timeout: handshakeTimeout + 1000 });
      expect(timedOut()[0]?.closeReason).toBe(`no handshake within ${handshakeTimeout} ms`);
      const lines = logger.entries.filter((e) => e.level === 'warn' && e.context?.['code'] === 'ERR_HANDSHAKE_TIMEOUT');
      expect(lines).toHaveLength(N);
      expect(lines[0]?.context?.['remoteAddress']).toBe('127.0.0.1');
    });
  }

  it('ws: sockets refused before the handshake that never answer the close frame free their slots by handshakeTimeout', async () => {
    const N = 5;
    const handshakeTimeout = 400;
    const { port, closed, connect } = await start({ maxConnections: N, handshakeTimeout }, false);
    const t0 = performance.now();
    // Each sends a handshake that is not JSON (refused: close frame 1008) or Data before the handshake (kicked:
    // close frame 1002), and then never sends its own close frame: ws would wait 30 s for it.
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const socket = await upgradedSocket(port);
        const bad =
          i % 2 === 0 ? encodePacket(PacketType.Handshake, Uint8Array.of(0x7b)) : encodePacket(PacketType.Data);
        socket.write(frame(bad));
      }),
    );
    await vi.waitFor(() => expect(closed).toHaveLength(N));
    let client: RawClient | undefined;
    while (client === undefined && performance.now() - t0 < handshakeTimeout + 1000) {
      client = await connect().catch(() => undefined);
      if (client === undefined) await sleep(20);
    }
    expect(client, 'a new client got in').toBeDefined();
    await (client as RawClient).handshake();
    expect((await (client as RawClient).response((client as RawClient).request('game.ping'))).body).toBe('pong');
  });

  it('leaves handshaken sessions alone, however long they live', async () => {
    const { closed, connect } = await start({ handshakeTimeout: 100 }, false);
    const client = await connect();
    await client.handshake();
    for (let i = 0; i < 6; i++) {
      await sleep(50);
      expect((await client.response(client.request('game.ping'))).body).toBe('pong');
    }
    expect(closed).toEqual([]);
  });

  it('cuts a WebSocket message that stays incomplete for handshakeTimeout (its bytes are not held for minutes)', async () => {
    const handshakeTimeout = 300;
    const { port, closed } = await start({ handshakeTimeout, heartbeat: 60_000 }, false);
    const socket = await upgradedSocket(port);
    const gone = new Promise((resolve) => socket.once('close', resolve));
    socket.write(frame(encodePacket(PacketType.Handshake, encodeHandshakeRequest({}))));
    await sleep(50);
    socket.write(frame(encodePacket(PacketType.HandshakeAck)));
    await sleep(50);
    // 60 000 bytes announced, 1 000 sent, then nothing more.
    const t0 = performance.now();
    socket.write(Buffer.concat([frameHeader(60_000), Buffer.alloc(1000)]));
    await gone;
    expect(performance.now() - t0).toBeLessThan(handshakeTimeout + 1000);
    expect(closed[0]?.closeCode).toBe('ERR_HANDSHAKE_TIMEOUT');
    expect(closed[0]?.closeReason).toBe(`a message incomplete for ${handshakeTimeout} ms`);
  });

  it('keeps a WebSocket whose messages complete, even when they arrive in pieces', async () => {
    const handshakeTimeout = 200;
    const { port, closed } = await start({ handshakeTimeout }, false);
    const socket = await upgradedSocket(port);
    socket.write(frame(encodePacket(PacketType.Handshake, encodeHandshakeRequest({}))));
    await sleep(20);
    socket.write(frame(encodePacket(PacketType.HandshakeAck)));
    const heartbeat = frame(encodePacket(PacketType.Heartbeat));
    for (let i = 0; i < 8; i++) {
      // Each heartbeat message split in two writes 60 ms apart: always in progress, never stalled.
      socket.write(heartbeat.subarray(0, 3));
      await sleep(60);
      socket.write(heartbeat.subarray(3));
    }
    expect(closed).toEqual([]);
  });

  it('is validated like the other delays', () => {
    expect(() => new NanoServer({ handshakeTimeout: 0 })).toThrow(/handshakeTimeout/);
    expect(() => new NanoServer({ handshakeTimeout: 2 ** 31 })).toThrow(/handshakeTimeout/);
  });
});

describe('logging of bad connections', () => {
  /** Opens `count` TCP connections that each send a packet of unknown type, and waits until all are closed. */
  async function burst(port: number, count: number) {
    await Promise.all(
      Array.from({ length: count }, async () => {
        const socket = await silentSocket(port);
        const gone = new Promise((resolve) => socket.once('close', resolve));
        socket.resume(); // read the Kick and the FIN
        socket.write(Uint8Array.from([9, 0, 0, 0]));
        await gone;
      }),
    );
  }

  it('writes one line per malformed connection, with reason, remote address and code; the stack only at debug', async () => {
    const { port, logger } = await start({}, true);
    await burst(port, 5);
    const lines = logger.entries.filter((e) => e.level !== 'debug');
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line.level).toBe('warn');
      expect(line.message).toBe('malformed input, closing the connection');
      expect(line.context).toMatchObject({ remoteAddress: '127.0.0.1', code: 'ERR_PROTOCOL_VIOLATION' });
      expect(line.context?.['reason']).toMatch(/ERR_UNKNOWN_PACKET_TYPE/);
      expect(line.context).not.toHaveProperty('error');
    }
    const debug = logger.entries.filter((e) => e.level === 'debug' && e.context?.['error'] instanceof Error);
    expect(debug).toHaveLength(5);
  });

  it('rate-limits a burst: 20 lines a second for one message, then one line that counts the rest', async () => {
    const { port, logger } = await start({}, true);
    const t0 = performance.now();
    await burst(port, 60);
    const elapsed = performance.now() - t0;
    const malformed = () =>
      logger.entries.filter((e) => e.level === 'warn' && e.message.startsWith('malformed input, closing'));
    // The burst took well under a second on loopback, so it fell in one or two windows.
    expect(malformed().length).toBeLessThanOrEqual(elapsed < 1000 ? 40 : 60);
    await vi.waitFor(
      () => {
        const written = malformed().filter((e) => e.context?.['suppressed'] === undefined).length;
        const suppressed = malformed().reduce((n, e) => n + Number(e.context?.['suppressed'] ?? 0), 0);
        expect(written + suppressed).toBe(60);
        expect(suppressed).toBeGreaterThan(0);
      },
      { timeout: 3000, interval: 50 },
    );
    const summary = malformed().find((e) => e.context?.['suppressed'] !== undefined);
    expect(summary?.message).toMatch(/^malformed input, closing the connection \(\d+ more such lines in 1000 ms/);
  });

  it('the default logger writes each line on one line, without a stack', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      written.push(args.map(String).join(' '));
    });
    try {
      const server = new NanoServer();
      servers.push(server);
      const { port } = await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
      await burst(port, 3);
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(3);
    for (const line of written) {
      expect(line).not.toContain('\n');
      expect(line).toMatch(/^\[nanokit\] malformed input, closing the connection .*remoteAddress='127\.0\.0\.1'/);
      expect(line).toContain("code='ERR_PROTOCOL_VIOLATION'");
    }
  });
});
