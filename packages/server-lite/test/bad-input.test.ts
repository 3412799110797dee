// Malformed input closes only the connection that sent it, with a logged reason; the others keep working.
import { PacketType, parseKick } from '@nanokit/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NanoServer, type Session } from '../src/index.js';
import { RawClient, recordingLogger } from './raw-client.js';

class Echo {
  echo(_s: Session, body: unknown) {
    return body;
  }
}

interface Case {
  name: string;
  /** Whether the handshake and ack are done first. */
  after: 'nothing' | 'handshake' | 'ack';
  bytes: number[];
  /** Expected `session.closeCode`. */
  code: string;
  /** WebSocket close code. */
  ws: number;
}

const cases: Case[] = [
  // The packet that panics nano's whole process: a compressed route cut short.
  {
    name: 'truncated compressed route 04 00 00 02 03 00',
    after: 'ack',
    bytes: [4, 0, 0, 2, 3, 0],
    code: 'ERR_PROTOCOL_VIOLATION',
    ws: 1002,
  },
  { name: 'unknown packet type 6', after: 'ack', bytes: [6, 0, 0, 0], code: 'ERR_PROTOCOL_VIOLATION', ws: 1002 },
  { name: 'unknown packet type 0', after: 'nothing', bytes: [0, 0, 0, 0], code: 'ERR_PROTOCOL_VIOLATION', ws: 1002 },
  // Only the header of a 65 537-byte body: rejected before any body byte arrives.
  { name: 'oversized packet header', after: 'ack', bytes: [4, 1, 0, 1], code: 'ERR_PROTOCOL_VIOLATION', ws: 1009 },
  { name: 'empty data packet', after: 'ack', bytes: [4, 0, 0, 0], code: 'ERR_PROTOCOL_VIOLATION', ws: 1002 },
  { name: 'message type 5', after: 'ack', bytes: [4, 0, 0, 1, 0x0a], code: 'ERR_PROTOCOL_VIOLATION', ws: 1002 },
  { name: 'truncated id varint', after: 'ack', bytes: [4, 0, 0, 2, 0, 0x80], code: 'ERR_PROTOCOL_VIOLATION', ws: 1002 },
  { name: 'request without route', after: 'ack', bytes: [4, 0, 0, 2, 0, 1], code: 'ERR_PROTOCOL_VIOLATION', ws: 1002 },
  {
    name: 'route length overrun',
    after: 'ack',
    bytes: [4, 0, 0, 3, 2, 5, 0x61],
    code: 'ERR_PROTOCOL_VIOLATION',
    ws: 1002,
  },
  {
    name: 'invalid UTF-8 route',
    after: 'ack',
    bytes: [4, 0, 0, 4, 2, 2, 0xff, 0xfe],
    code: 'ERR_PROTOCOL_VIOLATION',
    ws: 1002,
  },
  {
    name: 'unknown route code',
    after: 'ack',
    bytes: [4, 0, 0, 3, 3, 0x12, 0x34],
    code: 'ERR_PROTOCOL_VIOLATION',
    ws: 1002,
  },
  {
    name: 'data before the handshake',
    after: 'nothing',
    bytes: [4, 0, 0, 2, 2, 0],
    code: 'ERR_DATA_BEFORE_ACK',
    ws: 1002,
  },
  { name: 'data before the ack', after: 'handshake', bytes: [4, 0, 0, 2, 2, 0], code: 'ERR_DATA_BEFORE_ACK', ws: 1002 },
  { name: 'ack before the handshake', after: 'nothing', bytes: [2, 0, 0, 0], code: 'ERR_HANDSHAKE_ORDER', ws: 1002 },
  { name: 'second handshake after the ack', after: 'ack', bytes: [1, 0, 0, 0], code: 'ERR_HANDSHAKE_ORDER', ws: 1002 },
];

describe.each(['ws', 'tcp'] as const)('bad input over %s', (transport) => {
  const logger = recordingLogger();
  const closed: Session[] = [];
  let server: NanoServer;
  let port = 0;
  let bystander: RawClient;
  const connect = () => (transport === 'ws' ? RawClient.ws(`ws://127.0.0.1:${port}/`) : RawClient.tcp(port));

  beforeAll(async () => {
    server = new NanoServer({ logger, dictionary: { 'echo.echo': 1 }, onSessionClosed: (s) => closed.push(s) });
    server.register(new Echo(), { name: 'echo' });
    port = (await server.listen({ port: 0, host: '127.0.0.1', tcp: transport === 'tcp' })).port;
    bystander = await connect();
    await bystander.handshake();
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(cases)('$name closes only its sender', async (c) => {
    const client = await connect();
    if (c.after !== 'nothing') {
      client.send([1, 0, 0, 0]);
      await client.next((p) => p.type === PacketType.Handshake);
      if (c.after === 'ack') client.send([2, 0, 0, 0]);
    }
    client.send(c.bytes);
    const how = await client.closed;
    if (transport === 'ws') expect(how.code).toBe(c.ws);
    // A Kick packet with the reason is flushed before the close.
    const kick = await client.next((p) => p.type === PacketType.Kick, 'the kick');
    expect(parseKick(kick.body).reason).toMatch(/./);
    const session = closed.at(-1) as Session;
    expect(session.closeCode).toBe(c.code);
    expect(
      logger.entries.some(
        (e) => e.level === 'warn' && e.context?.['session'] === session.id && e.message.includes('closing'),
      ),
    ).toBe(true);
    // The bystander still gets answers.
    const id = bystander.request('echo.echo', { still: 'here' });
    expect((await bystander.response(id)).body).toEqual({ still: 'here' });
  });

  it('answers packets that precede a bad one in the same chunk, then closes', async () => {
    const client = await connect();
    await client.handshake();
    const good = Buffer.from([0x00, 0x09, 0x09, ...Buffer.from('echo.echo'), ...Buffer.from('"x"')]);
    client.send([4, 0, 0, good.length, ...good, 4, 0, 0, 2, 3, 0]);
    expect((await client.response(9)).body).toBe('x');
    await client.closed;
    expect(bystander.isClosed).toBe(false);
  });

  it('refuses a handshake that is not JSON with code 400, then closes', async () => {
    const client = await connect();
    client.send([1, 0, 0, 3, 0x7b, 0x7b, 0x7b]);
    const reply = await client.next((p) => p.type === PacketType.Handshake);
    expect(Buffer.from(reply.body).toString()).toBe('{"code":400}');
    await client.closed;
    expect((closed.at(-1) as Session).closeCode).toBe('ERR_HANDSHAKE_REJECTED');
  });

  it('ignores Response and Push messages and Kick packets from a client, as nano does', async () => {
    const client = await connect();
    await client.handshake();
    client.send([4, 0, 0, 3, 0x04, 0x01, 0x31]); // a Response
    client.send([4, 0, 0, 3, 0x06, 0x00, 0x31]); // a Push
    client.send([5, 0, 0, 0]); // a Kick
    const id = client.request('echo.echo', 1);
    expect((await client.response(id)).body).toBe(1);
    client.close();
    await client.closed;
  });
});

describe('websocket byte stream', () => {
  it('reassembles a packet split across messages and splits several packets in one message', async () => {
    const server = new NanoServer({ logger: recordingLogger() });
    server.register(new Echo(), { name: 'echo' });
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    const client = await RawClient.ws(`ws://127.0.0.1:${port}/`);
    await client.handshake();
    const body = Buffer.from([0x00, 0x03, 0x09, ...Buffer.from('echo.echo'), ...Buffer.from('[1,2]')]);
    const packet = Buffer.from([4, 0, 0, body.length, ...body]);
    client.send(packet.subarray(0, 2));
    client.send(packet.subarray(2, 9));
    client.send(packet.subarray(9));
    expect((await client.response(3)).body).toEqual([1, 2]);
    const two = Buffer.concat([packet, packet]);
    two[5] = 4; // second copy keeps id 3, first gets id 4
    client.send(two);
    expect((await client.response(4)).body).toEqual([1, 2]);
    expect((await client.response(3)).body).toEqual([1, 2]);
    client.close();
    await server.close();
  });

  it('parses whole packets in place, then hands a trailing partial packet to the stream reader', async () => {
    const server = new NanoServer({ logger: recordingLogger() });
    server.register(new Echo(), { name: 'echo' });
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    const client = await RawClient.ws(`ws://127.0.0.1:${port}/`);
    await client.handshake();
    const packet = (id: number) => {
      const body = Buffer.from([0x00, id, 0x09, ...Buffer.from('echo.echo'), ...Buffer.from(String(id))]);
      return Buffer.from([4, 0, 0, body.length, ...body]);
    };
    const second = packet(2);
    client.send(Buffer.concat([packet(1), second.subarray(0, 7)]));
    expect((await client.response(1)).body).toBe(1);
    client.send(second.subarray(7));
    expect((await client.response(2)).body).toBe(2);
    client.close();
    await server.close();
  });
});

describe('tcp byte stream', () => {
  it('reassembles packets written one byte at a time', async () => {
    const server = new NanoServer({ logger: recordingLogger() });
    server.register(new Echo(), { name: 'echo' });
    const { port } = await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
    const client = await RawClient.tcp(port);
    await client.handshake();
    const body = Buffer.from([0x00, 0x07, 0x09, ...Buffer.from('echo.echo'), ...Buffer.from('{"a":[1]}')]);
    const packet = Buffer.from([4, 0, 0, body.length, ...body]);
    for (const byte of packet) {
      client.send([byte]);
      await new Promise((r) => setImmediate(r));
    }
    expect((await client.response(7)).body).toEqual({ a: [1] });
    client.close();
    await server.close();
  });
});

describe('websocket frames', () => {
  /** A request for echo.echo with a JSON string payload, padded to a body of exactly `size` bytes. */
  const echoPacket = (id: number, size: number) => {
    const head = Buffer.from([0x00, id, 0x09, ...Buffer.from('echo.echo')]);
    const text = Buffer.from(`"${'a'.repeat(size - head.length - 2)}"`);
    return Buffer.from([4, 0, (size >> 8) & 0xff, size & 0xff, ...head, ...text]);
  };

  it('accepts a message holding 16 maximal packets by default (nano reads messages as one stream)', async () => {
    const server = new NanoServer({ logger: recordingLogger(), maxPacketSize: 100 });
    server.register(new Echo(), { name: 'echo' });
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    const client = await RawClient.ws(`ws://127.0.0.1:${port}/`);
    await client.handshake();
    const ids = Array.from({ length: 16 }, (_, i) => i + 1);
    client.send(Buffer.concat(ids.map((id) => echoPacket(id, 100))));
    for (const id of ids) expect(((await client.response(id)).body as string).length).toBe(86);
    client.close();
    await server.close();
  });

  it('closes a connection whose WebSocket message exceeds maxMessageSize at the frame header (1009)', async () => {
    for (const options of [{ maxMessageSize: 150 }, {}]) {
      const logger = recordingLogger();
      const closed: Session[] = [];
      const server = new NanoServer({ logger, maxPacketSize: 100, onSessionClosed: (s) => closed.push(s), ...options });
      server.register(new Echo(), { name: 'echo' });
      const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
      const client = await RawClient.ws(`ws://127.0.0.1:${port}/`);
      await client.handshake();
      // 151 bytes over the option, or 17 maximal packets (16 × 104 + 104) over the default.
      const ids = Array.from({ length: 17 }, (_, i) => i + 1);
      client.send(
        options.maxMessageSize === undefined ? Buffer.concat(ids.map((id) => echoPacket(id, 100))) : echoPacket(1, 147),
      );
      expect((await client.closed).code).toBe(1009);
      for (let i = 0; i < 100 && closed.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(closed[0]?.closeCode).toBe('ERR_PROTOCOL_VIOLATION');
      expect(logger.entries.some((e) => e.message.startsWith('invalid websocket frame'))).toBe(true);
      await server.close();
    }
    expect(() => new NanoServer({ maxMessageSize: 0 })).toThrow(/maxMessageSize/);
  });
});
