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

describe('pinus: reconnect across a full cluster restart', () => {
  it.each(['ws', 'tcp'] as const)('over %s: re-login in onReconnect, then channel pushes flow again', async (kind) => {
    const url = kind === 'ws' ? cluster.wsUrl : cluster.tcpUrl;
    const me = `restart-${kind}`;
    const login = () => client.request('connector.entryHandler.enter', { uid: me, rid: `restart-room-${kind}` });
    const logins: unknown[] = [];
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
    const events: string[] = [];
    for (const name of ['disconnect', 'reconnecting', 'reconnect'] as const) client.on(name, () => events.push(name));
    const chats: unknown[] = [];
    client.onPush('onChat', (body) => chats.push(body));

    await client.connect();
    await login();
    await client.request('chat.chatHandler.send', { text: 'before' });
    await until(() => chats.length === 1);

    await cluster.restart();
    await until(() => client.state === 'open', 15_000);
    expect(events[0]).toBe('disconnect');
    expect(events).toContain('reconnect');
    expect(logins).toEqual([expect.objectContaining({ code: 200, uid: me })]);
    // The new backend knows the room only because `onReconnect` logged in again.
    expect(await client.request('chat.chatHandler.send', { text: 'after' })).toMatchObject({ code: 200 });
    await until(() => chats.length === 2);
    expect(chats).toEqual([
      { from: me, text: 'before' },
      { from: me, text: 'after' },
    ]);
    client.close();
  });
});
