// Reconnect across a full restart of a real pinus cluster (every process stopped, ports closed, started again): the
// client reconnects by itself and re-logs in from `onReconnect`, after which the backend's channel pushes reach it
// again. Its own cluster: the restart would disturb the tests in pinus.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NanoClient } from '../../packages/client/src/node.js';
import { type PinusCluster, startPinusCluster } from './cluster.js';
import { until } from './tap.js';

let cluster: PinusCluster;
const clients: NanoClient[] = [];

beforeAll(async () => {
  cluster = await startPinusCluster({ heartbeat: 2 });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

/** A client that logs in again from `onReconnect`, and what it saw. */
function player(url: string, me: string) {
  const logins: unknown[] = [];
  const events: string[] = [];
  const chats: unknown[] = [];
  const login = () => client.request('connector.entryHandler.enter', { uid: me, rid: `restart-room-${me}` });
  const client: NanoClient = new NanoClient({
    url,
    requestTimeout: 5000,
    reconnect: { initialDelay: 100, maxDelay: 500 },
    // The connector may accept clients before the backend is reachable by rpc: a login answered {"code":500}
    // fails the hook, and the client tries again.
    onReconnect: async () => {
      const reply = (await login()) as { code?: number };
      if (reply.code !== 200) throw new Error(`login answered ${JSON.stringify(reply)}`);
      logins.push(reply);
    },
  });
  client.on('error', () => {});
  clients.push(client);
  for (const name of ['disconnect', 'reconnecting', 'reconnect'] as const) client.on(name, () => events.push(name));
  client.onPush('onChat', (body) => chats.push(body));
  return { client, login, logins, events, chats };
}

describe('pinus: reconnect across a full cluster restart', () => {
  it('over WS and TCP: re-login in onReconnect, then channel pushes flow again', async () => {
    const players = [player(cluster.wsUrl, 'restart-ws'), player(cluster.tcpUrl, 'restart-tcp')];
    for (const p of players) {
      await p.client.connect();
      await p.login();
      await p.client.request('chat.chatHandler.send', { text: 'before' });
    }
    await until(() => players.every((p) => p.chats.length === 1));

    await cluster.restart(); // every process stopped and every port closed, then a new cluster
    for (const [i, p] of players.entries()) {
      const me = i === 0 ? 'restart-ws' : 'restart-tcp';
      await until(() => p.client.state === 'open', 15_000);
      expect(p.events[0]).toBe('disconnect');
      expect(p.events).toContain('reconnect');
      expect(p.logins).toEqual([expect.objectContaining({ code: 200, uid: me })]);
      // The new backend knows the room only because `onReconnect` logged in again.
      expect(await p.client.request('chat.chatHandler.send', { text: 'after' })).toMatchObject({ code: 200 });
      await until(() => p.chats.length === 2);
      expect(p.chats).toEqual([
        { from: me, text: 'before' },
        { from: me, text: 'after' },
      ]);
      p.client.close();
    }
  });
});
