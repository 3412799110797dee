// End to end, continued: 1000 @nanokit/client sessions in one group, heartbeat timeout of a silent client, and
// clients that keep working while a raw socket sends the packet that crashes nano.
import { connect } from 'node:net';
import { NanoClient } from '@nanokit/client/node';
import { Group, NanoServer, type Session } from '@nanokit/server-lite';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

class Lobby {
  readonly group = new Group('lobby');
  enter(session: Session) {
    session.bind(session.id);
    this.group.add(session);
    return { count: this.group.count() };
  }
  shout(_session: Session, body: { text: string }) {
    return this.group.broadcast('onShout', body);
  }
  echo(_session: Session, body: unknown) {
    return body;
  }
}

describe('server-lite with @nanokit/client at scale', () => {
  it('broadcasts to a group of 1000 client sessions, which leave it when they close', async () => {
    const lobby = new Lobby();
    const server = new NanoServer({ logger: quiet, heartbeat: 60_000 });
    server.register(lobby, { name: 'lobby' });
    const { port } = await server.listen({ port: 0, host: '127.0.0.1', path: '/nano' });
    const clients: NanoClient[] = [];
    try {
      for (let i = 0; i < 1000; i += 100) {
        const batch = Array.from(
          { length: 100 },
          () => new NanoClient({ url: `ws://127.0.0.1:${port}/nano`, reconnect: false, requestTimeout: 10_000 }),
        );
        clients.push(...batch);
        await Promise.all(batch.map((c) => c.connect().then(() => c.request('lobby.enter', {}))));
      }
      expect(lobby.group.count()).toBe(1000);
      const heard = clients.map((c) => new Promise((resolve) => c.once('onShout', resolve)));
      expect(await clients[0]!.request('lobby.shout', { text: 'hello all' })).toBe(1000);
      const bodies = await Promise.all(heard);
      expect(bodies.every((b) => (b as { text: string }).text === 'hello all')).toBe(true);

      for (const c of clients.splice(0, 500)) c.close();
      for (let i = 0; i < 300 && lobby.group.count() > 500; i++) await new Promise((r) => setTimeout(r, 10));
      expect(lobby.group.count()).toBe(500);
      expect(server.sessionCount).toBe(500);
    } finally {
      for (const c of clients) c.close();
      await server.close();
    }
  }, 60_000);
});

describe('server-lite with @nanokit/client: failures stay local', () => {
  it('cuts a silent connection after two heartbeat intervals and keeps the client that answers heartbeats', async () => {
    const server = new NanoServer({ logger: quiet, heartbeat: 150 });
    server.register(new Lobby(), { name: 'lobby' });
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    const closed: string[] = [];
    server.onSessionClosed((s) => closed.push(s.closeCode as string));
    const client = new NanoClient({ url: `ws://127.0.0.1:${port}/`, reconnect: false });
    try {
      await client.connect();
      let dropped = false;
      client.on('disconnect', () => {
        dropped = true;
      });
      // A raw socket that handshakes, acks, then never sends another byte.
      const code = await new Promise<number>((resolve, reject) => {
        const raw = new WebSocket(`ws://127.0.0.1:${port}/`);
        raw.on('error', reject);
        raw.on('open', () => raw.send(Buffer.from('0100000002000000', 'hex')));
        raw.on('close', (c) => resolve(c));
      });
      expect(code).toBe(1006);
      expect(closed).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
      expect(dropped).toBe(false);
      expect(await client.request('lobby.echo', 1)).toBe(1);
    } finally {
      client.close();
      await server.close();
    }
  });

  it.each(['ws', 'tcp'] as const)('clients keep working while a raw %s socket sends 04 00 00 02 03 00', async (t) => {
    const server = new NanoServer({ logger: quiet });
    server.register(new Lobby(), { name: 'lobby' });
    const ws = await server.listen({ port: 0, host: '127.0.0.1', path: '/nano' });
    const tcp = await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
    const good = [
      new NanoClient({ url: `ws://127.0.0.1:${ws.port}/nano`, reconnect: false }),
      new NanoClient({ url: `tcp://127.0.0.1:${tcp.port}`, reconnect: false }),
    ];
    try {
      await Promise.all(good.map((c) => c.connect()));
      const handshake = Buffer.from('0100000002000000', 'hex'); // empty handshake body + ack, as nano's Go client
      const crash = Buffer.from('040000020300', 'hex');
      await new Promise<void>((resolve, reject) => {
        if (t === 'ws') {
          const raw = new WebSocket(`ws://127.0.0.1:${ws.port}/nano`);
          raw.on('error', reject);
          raw.on('open', () => {
            raw.send(handshake);
            raw.send(crash);
          });
          raw.on('close', () => resolve());
        } else {
          const raw = connect({ port: tcp.port, host: '127.0.0.1' });
          raw.on('error', reject);
          raw.on('connect', () => raw.write(Buffer.concat([handshake, crash])));
          raw.on('close', () => resolve());
          raw.resume();
        }
      });
      for (const c of good) expect(await c.request('lobby.echo', { alive: true })).toEqual({ alive: true });
      expect(server.sessionCount).toBe(2);
    } finally {
      for (const c of good) c.close();
      await server.close();
    }
  });
});
