// The tadpole page's connection code (examples/tadpole/web/link.js + pond.js) with @nanokit/client against a stub
// that answers as nano's tadpole server does (logic/manager.go, world.go; no Go toolchain here to run nano itself):
// nano's handshake reply, snowflake ids above 2^53 that differ only below a JS number's precision, `update` pushed as
// the bytes received, `message` with the sender's id, `leave` on close, no Kick when the process dies.
// A graceful shutdown (a Kick "server shutdown", which nano never sends) is tried against our own server.

import { NanoClient } from '@nanokit/client/node';
import {
  createLosslessJsonSerializer,
  decodeMessage,
  decodePackets,
  encodeDataPacket,
  encodeHandshakeResponse,
  encodePacket,
  encodeUtf8,
  jsonSerializer,
  MessageType,
  PacketType,
  stringifyGoStyle,
} from '@nanokit/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { snowflakeIds } from '../../examples/tadpole/snowflake.mjs';
import { startTadpoleServer } from '../../examples/tadpole/tadpole-server.mjs';
import { PondLink } from '../../examples/tadpole/web/link.js';
import type { Pond } from '../../examples/tadpole/web/pond.js';

/** nano's tadpole server in miniature: one world, JSON bodies, ids from a snowflake clock stuck on one millisecond. */
async function nanoTadpoleStub() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const nextId = snowflakeIds({ node: 1, now: () => 1_764_680_000_000 });
  const world = new Map<WebSocket, bigint>();
  /** The World.Update bodies received, as text. */
  const updates: string[] = [];
  const issued: bigint[] = [];
  const push = (ws: WebSocket, route: string, body: string) =>
    ws.send(encodeDataPacket({ type: MessageType.Push, route, body: encodeUtf8(body) }));
  const broadcast = (route: string, body: string) => {
    for (const ws of world.keys()) push(ws, route, body);
  };

  wss.on('connection', (ws) => {
    const id = nextId(); // nano: every session has its snowflake id from the start
    issued.push(id);
    ws.on('close', () => {
      world.delete(ws);
      broadcast('leave', `{"id":${id}}`);
    });
    ws.on('message', (data: Buffer) => {
      for (const packet of decodePackets(new Uint8Array(data))) {
        if (packet.type === PacketType.Handshake) {
          ws.send(
            encodePacket(PacketType.Handshake, encodeHandshakeResponse({ heartbeat: 30, servertime: 1764680000 })),
          );
        } else if (packet.type === PacketType.Data) {
          const m = decodeMessage(packet.body);
          const text = new TextDecoder().decode(m.body);
          const reply = (body: string) =>
            ws.send(encodeDataPacket({ type: MessageType.Response, id: m.id, body: encodeUtf8(body) }));
          if (m.route === 'Manager.Login') reply(`{"status":1,"id":${id},"error":""}`);
          else if (m.route === 'World.Enter') {
            world.set(ws, id);
            reply(`{"id":${id}}`);
          } else if (m.route === 'World.Update') {
            updates.push(text);
            broadcast('update', text); // nano: w.Broadcast("update", msg []byte)
          } else if (m.route === 'World.Message') {
            const { message } = JSON.parse(text) as { message: string };
            broadcast('message', `{"id":${id},"message":${stringifyGoStyle(message)}}`);
          }
        }
      }
    });
  });
  const port = (wss.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/`,
    updates,
    issued,
    /** Like a killed nano process: every socket cut, no Kick. */
    dropAll() {
      for (const ws of wss.clients) ws.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Polls `check` until it holds (bounded by the test timeout). */
async function until(check: () => boolean) {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

const links: PondLink[] = [];
const stubs: Awaited<ReturnType<typeof nanoTadpoleStub>>[] = [];
afterEach(async () => {
  for (const link of links.splice(0)) link.close();
  for (const stub of stubs.splice(0)) await stub.close();
});

async function setup(serializer: typeof jsonSerializer) {
  const stub = await nanoTadpoleStub();
  stubs.push(stub);
  const open = async (name: string) => {
    const link = new PondLink({ url: stub.url, NanoClient, serializer, name, interval: 0 });
    links.push(link);
    await link.start();
    return link;
  };
  return { stub, alice: await open('alice'), bob: await open('bob') };
}

/** Moves `who` to (x, y) and sends it. */
function moveTo(who: PondLink, x: number, y: number) {
  Object.assign(who.pond.me, { x, y });
  expect(who.tick()).toBe(true);
}

const seen = (pond: Pond, key: string) => pond.others.get(key);

describe('tadpole page code against a nano-like server', () => {
  it('with the lossless JSON mode, ids above 2^53 stay distinct: moves, bubbles and leave reach the right tadpole', async () => {
    const { stub, alice, bob } = await setup(createLosslessJsonSerializer());
    const [aliceId, bobId] = stub.issued.map(String);
    expect(Number(aliceId)).toBe(Number(bobId)); // one JS number: plain JSON.parse would make them one player
    expect(alice.pond.me.key).toBe(aliceId);
    expect(bob.pond.me.key).toBe(bobId);
    expect(typeof bob.pond.me.id).toBe('bigint');

    moveTo(bob, 120.5, -40.25);
    // The id goes back to the server as the exact JSON number it came as.
    await until(() => stub.updates.length === 1);
    expect(stub.updates.at(-1)).toBe(`{"id":${bobId},"x":120.5,"y":-40.25,"name":"bob","momentum":0,"angle":0}`);
    await until(() => seen(alice.pond, bobId!) !== undefined);
    alice.pond.step(performance.now() + 1000);
    expect(alice.pond.snapshot().others).toMatchObject([{ key: bobId, name: 'bob', x: 120.5, y: -40.25 }]);
    moveTo(bob, 200, 10);
    await until(() => seen(alice.pond, bobId!)!.snapshots.length === 2);
    alice.pond.step(performance.now() + 1000);
    expect(seen(alice.pond, bobId!)).toMatchObject({ x: 200, y: 10 });
    expect(alice.pond.players()).toBe(2);
    // Bob's own echo came back to him and is not another tadpole.
    await until(() => bob.pond.recentUpdates.length > 0);
    expect(bob.pond.others.size).toBe(0);

    expect(bob.say('hello pond 🐸 <3')).toBe(true);
    await until(() => seen(alice.pond, bobId!)!.bubble !== undefined);
    expect(seen(alice.pond, bobId!)!.bubble!.text).toBe('hello pond 🐸 <3');
    await until(() => bob.pond.me.bubble !== undefined);

    bob.close();
    await until(() => alice.pond.others.size === 0);
    expect(alice.pond.players()).toBe(1);
  });

  it('with plain JSON the two ids collapse into one and the other tadpole is never seen (why the lossless mode)', async () => {
    const { stub, alice, bob } = await setup(jsonSerializer);
    expect(alice.pond.me.key).toBe(bob.pond.me.key);
    expect(alice.pond.me.key).not.toBe(String(stub.issued[0]));
    moveTo(bob, 50, 50);
    await until(() => alice.pond.recentUpdates.length > 0);
    expect(alice.pond.others.size).toBe(0); // bob's update looks like alice's own echo
  });

  it('after the server drops every connection, both log in and enter again with new ids and see each other', async () => {
    const { stub, alice, bob } = await setup(createLosslessJsonSerializer());
    moveTo(bob, 10, 10);
    await until(() => alice.pond.others.size === 1);
    const states: string[] = [];
    alice.onState = (s) => states.push(s);
    stub.dropAll();
    await until(() => alice.entered === 2 && bob.entered === 2 && alice.state === 'connected');
    expect(states).toContain('reconnecting');
    expect(stub.issued).toHaveLength(4);
    expect(new Set(stub.issued.map(String)).size).toBe(4);
    expect([alice.pond.me.key, bob.pond.me.key].sort()).toEqual(stub.issued.slice(2).map(String).sort());
    expect(alice.pond.others.size).toBe(0); // the old world is forgotten
    moveTo(bob, 30, 40);
    moveTo(alice, -5, -5);
    await until(() => alice.pond.others.size === 1 && bob.pond.others.size === 1);
    expect([...alice.pond.others.keys()]).toEqual([bob.pond.me.key]);
    expect([...bob.pond.others.keys()]).toEqual([alice.pond.me.key]);

    // Bob goes quiet without leaving (his page froze): 3 s later he fades, 4 s later he is gone, still connected.
    const heard = alice.pond.others.get(bob.pond.me.key!)!.heard;
    alice.pond.step(heard + 3500);
    expect(alice.pond.others.get(bob.pond.me.key!)!.alpha).toBeCloseTo(0.5);
    alice.pond.step(heard + 4001);
    expect(alice.pond.others.size).toBe(0);
    expect(bob.state).toBe('connected');
  });
});

describe('tadpole page code against our server', () => {
  it('a graceful shutdown kicks with "server shutdown"; the page retries every 2 s and enters again', async () => {
    let pond = await startTadpoleServer({ port: 0, quiet: true });
    const link = new PondLink({ url: pond.wsUrl, NanoClient, serializer: createLosslessJsonSerializer(), name: 'a' });
    links.push(link);
    try {
      await link.start();
      const states: string[] = [];
      link.onState = (s, detail) => states.push(`${s}${detail ? ` (${detail})` : ''}`);
      const port = pond.port;
      await pond.close({ graceful: true });
      await until(() => link.state === 'reconnecting');
      pond = await startTadpoleServer({ port, quiet: true });
      await until(() => link.entered === 2 && link.state === 'connected');
      expect(states[0]).toBe('reconnecting (retrying)');
      expect(pond.players()).toBe(1);
    } finally {
      link.close();
      await pond.close();
    }
  });
});
