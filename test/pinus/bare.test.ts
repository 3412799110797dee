// A pinus cluster with none of heartbeat, useDict and useProtobuf configured (its own cluster: connectorConfig is
// per cluster). docs/servers.md cites these tests by name.
import { MessageType, PacketType } from '@nanokit/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NanoClient } from '../../packages/client/src/node.js';
import { type PinusCluster, startPinusCluster } from './cluster.js';
import { type Tap, tap, until } from './tap.js';

let cluster: PinusCluster;
const clients: NanoClient[] = [];

beforeAll(async () => {
  cluster = await startPinusCluster({ heartbeat: 0, useDict: false, useProtobuf: false });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

describe('pinus with no heartbeat, dictionary or protos configured', () => {
  it('the handshake has no sys.heartbeat, dict or protos; the client sends no heartbeats; pushes carry full routes', async () => {
    const taps: Tap[] = [];
    const c = new NanoClient({ url: cluster.wsUrl, reconnect: false, transport: tap(taps) });
    clients.push(c);
    const hs = await c.connect();
    expect(hs.raw).toEqual({ code: 200, sys: {}, user: { hello: 'from pinus', got: null } });
    expect(hs.heartbeat).toBe(0);
    const chats: unknown[] = [];
    c.onPush('onChat', (body) => chats.push(body));
    await c.request('connector.entryHandler.enter', { uid: 'bare-1', rid: 'bare' });
    await c.request('chat.chatHandler.send', { text: 'plain' });
    await until(() => chats.length === 1);
    expect(chats).toEqual([{ from: 'bare-1', text: 'plain' }]);
    const pushes = taps[0]!.receivedPackets().filter((p) => p.type === PacketType.Data && p.body[0]! >> 1 === 3);
    for (const p of pushes) expect(p.body[0]).toBe(MessageType.Push << 1); // route not compressed
    expect(taps[0]!.sentAt.filter((s) => s.type === PacketType.Heartbeat)).toEqual([]);
    c.close();
  });
});
