/**
 * A server-lite room for the CLI's tests, with a route dictionary (so the REPL can complete routes from the
 * handshake): `room.join` and `room.echo` (requests), `room.say` (notify → `onChat` to everybody who joined), and
 * `room.slow` (answers after `ms` milliseconds, for timeouts).
 */
import { Group, NanoServer, type Session } from '@nanokit/server-lite';

export interface TestServer {
  wsUrl: string;
  tcpUrl: string;
  group: Group;
  close(): Promise<void>;
}

class Room {
  constructor(
    readonly group: Group,
    readonly tag: string,
  ) {}
  Join(session: Session, body: { name?: string } | undefined) {
    this.group.add(session);
    return { code: 0, name: body?.name ?? null, ...(this.tag ? { server: this.tag } : {}) };
  }
  Echo(_session: Session, body: unknown) {
    return body ?? {};
  }
  Say(_session: Session, body: unknown) {
    this.group.broadcast('onChat', body);
  }
  async Slow(_session: Session, body: { ms?: number } | undefined) {
    await new Promise((resolve) => setTimeout(resolve, body?.ms ?? 0));
    return { slept: body?.ms ?? 0 };
  }
}

export const DICTIONARY = { 'room.join': 1, 'room.echo': 2, 'room.say': 3, onChat: 4 };

/** `tag`: a `server` field added to every room.join response, to make two servers answer differently. */
export async function startTestServer(tag = ''): Promise<TestServer> {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const server = new NanoServer({ logger: quiet, dictionary: DICTIONARY, heartbeat: 10_000 });
  const group = new Group('room');
  server.register(new Room(group, tag), { name: 'room', nameFunc: (m: string) => m.toLowerCase() });
  const ws = await server.listen({ port: 0, host: '127.0.0.1', path: '/nano' });
  const tcp = await server.listen({ port: 0, host: '127.0.0.1', tcp: true });
  return {
    wsUrl: `ws://127.0.0.1:${ws.port}/nano`,
    tcpUrl: `tcp://127.0.0.1:${tcp.port}`,
    group,
    close: () => server.close(),
  };
}
