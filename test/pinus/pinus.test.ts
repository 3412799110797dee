// @nanokit/client against a real pinus 1.7.4 cluster (test/pinus/game-server: master + hybrid connector + chat
// backend by rpc), over WS and over TCP on the same client port. The cluster runs with a 1.5 s heartbeat so that the
// heartbeat tests are short. docs/servers.md cites these tests by name.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  decodeMessage,
  encodeDataPacket,
  encodeHandshakeRequest,
  encodePacket,
  MessageType,
  PacketType,
  RouteDictionary,
} from '@nanokit/protocol';
import { pomeloProtobuf } from '@nanokit/protocol/pomelo-protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandshakeCache, NanoClient, type NanoClientOptions } from '../../packages/client/src/node.js';
import { type PinusCluster, startPinusCluster } from './cluster.js';
import { type RawConnection, rawHandshake, rawTcp, rawWs } from './raw.js';
import { sentPackets, type Tap, tap, until } from './tap.js';

const HEARTBEAT = 1.5;

let cluster: PinusCluster;
const clients: NanoClient[] = [];

beforeAll(async () => {
  cluster = await startPinusCluster({ heartbeat: HEARTBEAT });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

function client(url: string, options: Partial<NanoClientOptions> = {}): NanoClient {
  const c = new NanoClient({ url, reconnect: false, requestTimeout: 5000, ...options });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

let users = 0;
const uid = (kind: string) => `${kind}-user-${++users}`;

describe.each(['ws', 'tcp'] as const)('pinus over %s', (kind) => {
  const url = () => (kind === 'ws' ? cluster.wsUrl : cluster.tcpUrl);

  it('handshake: the user data reaches the handshake callback and its result comes back as `user`', async () => {
    const c = client(url(), { handshake: { user: { token: 'secret', n: 1 } } });
    const hs = await c.connect();
    expect(hs.user).toEqual({ hello: 'from pinus', got: { token: 'secret', n: 1 } });
    expect(hs.heartbeat).toBe(HEARTBEAT);
    // useDict: every handler method as serverType.handler.method, then config/dictionary.json.
    expect(hs.dict).toMatchObject({ 'connector.entryHandler.enter': expect.any(Number), onChat: expect.any(Number) });
    expect(hs.raw['sys']).toMatchObject({
      useDict: true,
      dictVersion: expect.any(String),
      useProto: true,
      protos: { server: expect.any(Object), client: expect.any(Object), version: expect.any(String) },
    });
    c.close();
  });

  it('JSON requests to the frontend and to the backend (by rpc) are answered', async () => {
    const c = client(url());
    await c.connect();
    expect(await c.request('connector.entryHandler.echo', { a: [1, 'x'], big: 2 ** 40 })).toEqual({
      code: 200,
      echo: { a: [1, 'x'], big: 2 ** 40 },
    });
    const me = uid(kind);
    expect(await c.request('connector.entryHandler.enter', { uid: me, rid: `echo-${kind}` })).toMatchObject({
      code: 200,
      uid: me,
      server: 'connector-server-1',
    });
    expect(await c.request('chat.chatHandler.echo', { text: 'hé' })).toEqual({
      code: 200,
      echo: { text: 'hé' },
      server: 'chat-server-1',
      uid: me,
    });
    c.close();
  });

  it('errors are normal responses: a handler that throws and an unknown route both answer {"code":500}', async () => {
    const c = client(url());
    await c.connect();
    expect(await c.request('connector.entryHandler.fail', {})).toEqual({ code: 500 });
    expect(await c.request('chat.chatHandler.nope', {})).toEqual({ code: 500 });
    expect(await c.request('connector.entryHandler.echo', { still: 'open' })).toMatchObject({ code: 200 });
    c.close();
  });

  it('notify: to the frontend and to the backend, each answered by a push to the caller', async () => {
    const c = client(url());
    await c.connect();
    await c.request('connector.entryHandler.enter', { uid: uid(kind), rid: `notify-${kind}` });
    const pushes: unknown[] = [];
    c.onPush('onNotified', (body) => pushes.push(body));
    c.notify('connector.entryHandler.noteFront', { n: 1 });
    c.notify('chat.chatHandler.note', { n: 2 });
    await until(() => pushes.length === 2);
    expect(pushes).toEqual(
      expect.arrayContaining([
        { got: { n: 1 }, server: 'connector-server-1' },
        { got: { n: 2 }, server: 'chat-server-1' },
      ]),
    );
    c.close();
  });

  it('pushes from the backend through a channel arrive with compressed routes (route codes from the dictionary)', async () => {
    const taps: Tap[] = [];
    const rid = `room-${kind}`;
    const a = client(url(), { transport: tap(taps) });
    const b = client(url());
    await a.connect();
    await b.connect();
    const ua = uid(kind);
    const ub = uid(kind);
    const pushes: { route: string; body: unknown }[] = [];
    a.on('push', (p) => pushes.push(p));
    await a.request('connector.entryHandler.enter', { uid: ua, rid });
    await b.request('connector.entryHandler.enter', { uid: ub, rid });
    expect(await b.request('chat.chatHandler.send', { text: 'hi from b' })).toEqual({
      code: 200,
      server: 'chat-server-1',
    });
    await until(() => pushes.some((p) => p.route === 'onChat'));
    expect(pushes).toContainEqual({ route: 'onAdd', body: { user: ub } });
    expect(pushes).toContainEqual({ route: 'onChat', body: { from: ub, text: 'hi from b' } });
    // On the wire: Push messages with the route-compressed flag (07) and the dictionary's code for onChat.
    const code = a.handshake!.dict!['onChat']!;
    const pushBytes = taps[0]!.receivedPackets().filter((p) => p.type === PacketType.Data && p.body[0]! >> 1 === 3);
    expect(pushBytes.length).toBeGreaterThanOrEqual(2);
    for (const p of pushBytes) expect(p.body[0]).toBe((MessageType.Push << 1) | 1);
    expect(pushBytes.some((p) => ((p.body[1]! << 8) | p.body[2]!) === code)).toBe(true);
    a.close();
    b.close();
  });

  it('kick: a Kick {"reason":…} then close; the client reports the reason and does not reconnect', async () => {
    const c = client(url(), { reconnect: { initialDelay: 50 } });
    await c.connect();
    const kicked = new Promise((resolve) => c.on('kick', resolve));
    const disconnected = new Promise((resolve) => c.on('disconnect', resolve));
    expect(await c.request('connector.entryHandler.kickMe', { reason: `go away (${kind})` })).toEqual({ code: 200 });
    expect(await kicked).toEqual({ reason: `go away (${kind})` });
    expect(await disconnected).toMatchObject({ willReconnect: false });
    expect(c.state).toBe('closed');
  });

  it('request ids stay within 1…2^31−1: ids around the wrap are answered, each with its own response', async () => {
    const c = client(url());
    await c.connect();
    // Start just below the largest id (pinus decodes ids with 32-bit shifts: 2^31 and above would come back wrong).
    (c as unknown as { requests: { last: number } }).requests.last = 2 ** 31 - 3;
    const replies = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => c.request('connector.entryHandler.echo', { n }) as Promise<{ echo: unknown }>),
    );
    expect(replies.map((r) => r.echo)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    expect((c as unknown as { requests: { last: number } }).requests.last).toBe(3);
    c.close();
  });

  it('bodies beyond 64 KiB: a 100 KB request (with maxBodyLength raised) and its 100 KB echo go through', async () => {
    const c = client(url(), { maxBodyLength: 200_000 });
    await c.connect();
    const text = 'é'.repeat(50_000); // 100,000 bytes of UTF-8
    const reply = (await c.request('chat.chatHandler.echo', { text })) as { echo: { text: string } };
    expect(reply.echo.text).toBe(text);
    // The default limit (nano's 65,536) refuses it before sending, and the connection stays usable.
    const strict = client(url());
    await strict.connect();
    await expect(strict.request('chat.chatHandler.echo', { text })).rejects.toMatchObject({
      code: 'ERR_PACKET_TOO_LARGE',
    });
    expect(await strict.request('connector.entryHandler.echo', {})).toMatchObject({ code: 200 });
    c.close();
    strict.close();
  });

  it('one packet per WebSocket message: a burst of requests and notifies in one tick is all answered', async () => {
    const taps: Tap[] = [];
    const c = client(url(), { transport: tap(taps), maxInFlight: 0 });
    await c.connect();
    await c.request('connector.entryHandler.enter', { uid: uid(kind), rid: `burst-${kind}` });
    const pushes: unknown[] = [];
    c.onPush('onNotified', (body) => pushes.push(body));
    const requests = Array.from({ length: 40 }, (_, n) => c.request('chat.chatHandler.echo', { n }));
    for (let n = 0; n < 10; n++) c.notify('chat.chatHandler.note', { n });
    const replies = (await Promise.all(requests)) as { echo: { n: number } }[];
    expect(replies.map((r) => r.echo.n)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    await until(() => pushes.length === 10);
    // What the client wrote: every write is exactly one packet (pinus closes a WS message holding two).
    for (const write of taps[0]!.sent) expect(sentPackets(write)).toHaveLength(1);
    expect(c.state).toBe('open');
    c.close();
  });
});

/** Whether `bytes` holds `part` somewhere. */
const holds = (bytes: Uint8Array, part: number[]) => bytes.some((_, i) => part.every((b, j) => bytes[i + j] === b));

describe.each(['ws', 'tcp'] as const)('pinus useProtobuf over %s', (kind) => {
  const url = () => (kind === 'ws' ? cluster.wsUrl : cluster.tcpUrl);

  it('pomelo-protobuf request, response and push, with the protos from the handshake and no other setup', async () => {
    const taps: Tap[] = [];
    const c = client(url(), { serializer: pomeloProtobuf(), transport: tap(taps) });
    await c.connect();
    const me = uid(kind);
    // Routes without protos stay JSON: login and a JSON push on the same connection.
    await c.request('connector.entryHandler.enter', { uid: me, rid: `proto-${kind}` });
    const pushes: unknown[] = [];
    c.onPush('onChatProto', (body) => pushes.push(body));
    const path = [
      { x: 1.5, y: -2 },
      { x: 0, y: 1e10 },
    ];
    const reply = await c.request('chat.chatHandler.sendProto', { text: 'hé ✓', n: -5, nums: [1, 2, 300], path });
    expect(reply).toEqual({ code: 200, echo: 'hé ✓', n: -5, nums: [1, 2, 300] });
    await until(() => pushes.length === 1);
    expect(pushes).toEqual([{ from: me, text: 'hé ✓', nums: [1, 2, 300], n: -5, path }]);
    // On the wire, both ways: pomelo-protobuf, not JSON and not protobuf (repeated uInt32 `nums` = 3 is key 18, then
    // the element count 3, then the varints; protobuf would write 1a and the byte length 4).
    const dataOut = taps[0]!.sent.flatMap((bytes) => sentPackets(bytes)).filter((p) => p.type === PacketType.Data);
    const request = dataOut.find(
      (p) => decodeMessage(p.body, { dictionary: c.handshake!.dictionary }).route === 'chat.chatHandler.sendProto',
    );
    expect(
      holds(decodeMessage(request!.body, { dictionary: c.handshake!.dictionary }).body, [0x18, 3, 1, 2, 0xac, 2]),
    ).toBe(true);
    const push = taps[0]!
      .receivedPackets()
      .filter((p) => p.type === PacketType.Data)
      .map((p) => decodeMessage(p.body, { dictionary: c.handshake!.dictionary }))
      .find((m) => m.route === 'onChatProto');
    expect(holds(push!.body, [0x18, 3, 1, 2, 0xac, 2])).toBe(true);
    expect(push!.body[0]).not.toBe(0x7b); // not '{'
    c.close();
  });

  it('handshake cache: a second connection names dictVersion and protoVersion, pinus omits dict and protos, pushes still decode', async () => {
    const cache = createHandshakeCache();
    const first = client(url(), { serializer: pomeloProtobuf(), handshakeCache: cache });
    const full = await first.connect();
    expect(full.raw['sys']).toMatchObject({ dict: expect.any(Object), protos: expect.any(Object) });
    first.close();

    const taps: Tap[] = [];
    const c = client(url(), { serializer: pomeloProtobuf(), handshakeCache: cache, transport: tap(taps) });
    const hs = await c.connect();
    // What went out and what came back, as bytes on the wire.
    const sentHandshake = taps[0]!.sent.flatMap((b) => sentPackets(b)).find((p) => p.type === PacketType.Handshake)!;
    expect(JSON.parse(new TextDecoder().decode(sentHandshake.body)).sys).toMatchObject({
      dictVersion: full.raw['sys'] && (full.raw['sys'] as { dictVersion: string }).dictVersion,
      protoVersion: (full.raw['sys'] as { protos: { version: string } }).protos.version,
    });
    const reply = taps[0]!.receivedPackets().find((p) => p.type === PacketType.Handshake)!;
    const sys = JSON.parse(new TextDecoder().decode(reply.body)).sys;
    expect(sys).toEqual({ heartbeat: HEARTBEAT, useDict: true, useProto: true });
    // The client completed the reply from the cache: routes compress and protos work as on the first connection.
    expect(hs.dict).toEqual(full.dict);

    const me = uid(kind);
    const chats: unknown[] = [];
    const protoPushes: unknown[] = [];
    c.onPush('onChat', (body) => chats.push(body));
    c.onPush('onChatProto', (body) => protoPushes.push(body));
    await c.request('connector.entryHandler.enter', { uid: me, rid: `cache-${kind}` });
    await c.request('chat.chatHandler.send', { text: 'json push' });
    expect(await c.request('chat.chatHandler.sendProto', { text: 'proto push', nums: [7] })).toEqual({
      code: 200,
      echo: 'proto push',
      nums: [7],
    });
    await until(() => chats.length === 1 && protoPushes.length === 1);
    expect(chats).toEqual([{ from: me, text: 'json push' }]);
    expect(protoPushes).toEqual([{ from: me, text: 'proto push', nums: [7] }]);
    // Both pushes came with route codes from the cached dictionary.
    const pushFlags = taps[0]!
      .receivedPackets()
      .filter((p) => p.type === PacketType.Data && p.body[0]! >> 1 === MessageType.Push)
      .map((p) => p.body[0]);
    expect(pushFlags.length).toBeGreaterThanOrEqual(2);
    expect(new Set(pushFlags)).toEqual(new Set([(MessageType.Push << 1) | 1]));
    c.close();
  });

  it('the debug trace names routes compressed with the cached dictionary (the reply carried none)', async () => {
    const cache = createHandshakeCache();
    const first = client(url(), { handshakeCache: cache });
    await first.connect();
    first.close();
    const lines: string[] = [];
    const c = client(url(), { handshakeCache: cache, debug: { log: (line) => lines.push(line) } });
    await c.connect();
    const me = uid(kind);
    const chats: unknown[] = [];
    c.onPush('onChat', (body) => chats.push(body));
    await c.request('connector.entryHandler.enter', { uid: me, rid: `trace-${kind}` });
    await c.request('chat.chatHandler.send', { text: 'traced' });
    await until(() => chats.length === 1);
    const traced = lines.map((line) => line.replace(/^nanokit #\d+ \+\d+ms /, ''));
    expect(traced).toContainEqual(expect.stringMatching(/^← Handshake \d+ B code 200 heartbeat \d+ ms$/));
    expect(traced).toContainEqual(expect.stringMatching(/^→ Request #1 connector\.entryHandler\.enter \d+ B$/));
    expect(traced).toContainEqual(expect.stringMatching(/^← Push onChat \d+ B$/));
    expect(traced.filter((line) => line.includes('undecodable'))).toEqual([]);
    c.close();
  });
});

describe('pinus heartbeats (H = 1.5 s)', () => {
  it.concurrent('a client sending a request every second for 4 heartbeat intervals stays connected (WS and TCP)', async () => {
    const run = async (url: string) => {
      const taps: Tap[] = [];
      const c = client(url, { transport: tap(taps) });
      const drops: unknown[] = [];
      c.on('disconnect', (e) => drops.push(e));
      await c.connect();
      const start = Date.now();
      let n = 0;
      while (Date.now() - start < 4 * HEARTBEAT * 1000) {
        expect(await c.request('connector.entryHandler.echo', { n: ++n })).toMatchObject({ code: 200 });
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(drops).toEqual([]);
      expect(c.state).toBe('open');
      // Our own Heartbeats went out every interval, busy or not (pinus re-arms its timeout on those only).
      const beats = taps[0]!.sentAt.filter((s) => s.type === PacketType.Heartbeat);
      expect(beats.length).toBeGreaterThanOrEqual(3);
      c.close();
      return n;
    };
    // 6 s: long past the 2 H = 3 s after which pinus drops a client that sends no Heartbeat.
    const [ws, tcp] = await Promise.all([run(cluster.wsUrl), run(cluster.tcpUrl)]);
    expect(ws).toBeGreaterThanOrEqual(5);
    expect(tcp).toBeGreaterThanOrEqual(5);
  });

  it.concurrent("with heartbeat: false the client does not answer pinus' echo of its answer (no heartbeat storm)", async () => {
    const taps: Tap[] = [];
    const c = client(cluster.wsUrl, { heartbeat: false, transport: tap(taps) });
    await c.connect();
    await new Promise((r) => setTimeout(r, 1000));
    // pinus sends one Heartbeat after the handshake ack and echoes every client Heartbeat at once: answering each
    // echo made ~2,000 heartbeats a second each way.
    expect(taps[0]!.sentAt.filter((s) => s.type === PacketType.Heartbeat)).toHaveLength(1);
    expect(taps[0]!.receivedPackets().filter((p) => p.type === PacketType.Heartbeat)).toHaveLength(2);
    c.close();
  });

  it.concurrent('pinus drops a client that sends Data but no Heartbeat after 2 H, and only echoes heartbeats', async () => {
    const conn = await rawWs(cluster.wsUrl);
    await rawHandshake(conn, {});
    const start = Date.now();
    let id = 0;
    const closed = conn.closed.then((code) => ({ code, after: Date.now() - start }));
    let done = false;
    void closed.then(() => (done = true));
    while (!done && Date.now() - start < 4 * HEARTBEAT * 1000) {
      conn.send(
        encodeDataPacket({ type: MessageType.Request, id: ++id, route: 'connector.entryHandler.echo', body: '{}' }),
      );
      await new Promise((r) => setTimeout(r, 500));
    }
    const { code, after } = await closed;
    expect(code).toBe(1005);
    expect(after).toBeGreaterThanOrEqual(2 * HEARTBEAT * 1000 - 200);
    expect(after).toBeLessThan(2 * HEARTBEAT * 1000 + 1500);
    // The one Heartbeat pinus sent came right after the handshake: it never sends one on its own timer.
    expect(conn.packets.filter((p) => p.type === PacketType.Heartbeat)).toHaveLength(1);
  });
});

describe('pinus dialect, raw packets (what the client never does, and what pinus answers)', () => {
  const request = (id: number, route: string, body: unknown, extra: { gzip?: boolean } = {}) =>
    encodeDataPacket({ type: MessageType.Request, id, route, body: JSON.stringify(body), ...extra });
  const response = (conn: RawConnection, id: number) =>
    conn.next((p) => p.type === PacketType.Data && decodeMessage(p.body).id === id, 3000);
  const json = (p: { body: Uint8Array }) => JSON.parse(new TextDecoder().decode(decodeMessage(p.body).body));

  it('two packets in one WebSocket message: pinus closes the connection', async () => {
    const conn = await rawWs(cluster.wsUrl);
    await rawHandshake(conn);
    conn.send(request(1, 'connector.entryHandler.echo', { one: 1 }));
    expect(json(await response(conn, 1))).toMatchObject({ code: 200 });
    const two = [request(2, 'connector.entryHandler.echo', {}), request(3, 'connector.entryHandler.echo', {})];
    conn.send(new Uint8Array([...two[0]!, ...two[1]!]));
    expect(await conn.closed).toBe(1005); // a close frame with no status code
    expect(conn.packets.filter((p) => p.type === PacketType.Data)).toHaveLength(1);
  });

  it('a handshake without `sys` is refused with {"code":500} and a close (the client always sends sys)', async () => {
    const conn = await rawWs(cluster.wsUrl);
    conn.send(encodePacket(PacketType.Handshake, new TextEncoder().encode('{"user":{"a":1}}')));
    const reply = await conn.next((p) => p.type === PacketType.Handshake);
    expect(JSON.parse(new TextDecoder().decode(reply.body))).toEqual({ code: 500 });
    await conn.closed;
  });

  it('no answer, connection kept: request id 0, an unknown route code, Data before the ack, a route without a dot', async () => {
    const conn = await rawTcp(cluster.port);
    conn.send(encodePacket(PacketType.Handshake, encodeHandshakeRequest({})));
    await conn.next((p) => p.type === PacketType.Handshake);
    conn.send(request(7, 'connector.entryHandler.echo', { early: true })); // before the HandshakeAck
    conn.send(encodePacket(PacketType.HandshakeAck));
    conn.send(request(0, 'connector.entryHandler.echo', { zero: true }));
    const unknownCode = new RouteDictionary({ 'connector.entryHandler.nope': 4000 });
    conn.send(
      encodeDataPacket(
        { type: MessageType.Request, id: 8, route: 'connector.entryHandler.nope', body: '{}' },
        { dictionary: unknownCode },
      ),
    );
    conn.send(request(9, 'nodot', {}));
    conn.send(request(10, 'connector.entryHandler.echo', { last: true }));
    expect(json(await response(conn, 10))).toEqual({ code: 200, echo: { last: true } });
    await new Promise((r) => setTimeout(r, 300));
    const answered = conn.packets.filter((p) => p.type === PacketType.Data).map((p) => decodeMessage(p.body).id);
    expect(answered).toEqual([10]);
  });

  it('the 0x10 ("gzip") flag on a JSON request is ignored: answered normally, never set on replies', async () => {
    const conn = await rawWs(cluster.wsUrl);
    await rawHandshake(conn);
    conn.send(request(1, 'connector.entryHandler.echo', { z: 1 }, { gzip: true }));
    const reply = await response(conn, 1);
    expect(json(reply)).toEqual({ code: 200, echo: { z: 1 } });
    expect(reply.body[0]! & 0x10).toBe(0);
    conn.close();
  });
});

describe('docs/servers.md', () => {
  it("the pinus snippet runs against the real cluster (URL replaced by the test cluster's)", async () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/servers.md', import.meta.url)), 'utf8');
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toContain("'ws://127.0.0.1:3010'");
    const dir = fileURLToPath(new URL('../../.tmp/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `servers-md-${process.pid}.ts`);
    writeFileSync(file, blocks[0]!.replaceAll('ws://127.0.0.1:3010', cluster.wsUrl));
    try {
      await import(/* @vite-ignore */ pathToFileURL(file).href);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
