/**
 * The two servers under load, each `{port, counters(): {messages, sessions}, close()}`: server-lite with the
 * `bench.echo` and nano's `TestHandler.Ping` handlers, and the ceiling, a raw `ws` server that echoes every message
 * (no handshake, no decoding: the cost of WebSocket framing and sockets that any server on `ws` pays).
 * @module
 */
import { once } from 'node:events';
import { NanoServer } from '@nanokit/server-lite';
import { WebSocketServer } from 'ws';
import { BENCH_HEARTBEAT_MS, PING_BODY, PONG_ROUTE, WS_PATH } from './lib/workload.mjs';

export async function startLiteServer() {
  let messages = 0;
  // Quiet about the thousands of sessions opening and closing; warnings and errors still reach stderr.
  const say = (m, c) => console.error(`[server-lite] ${m}`, c ?? '');
  const logger = { debug() {}, info() {}, warn: say, error: say };
  const server = new NanoServer({ heartbeat: BENCH_HEARTBEAT_MS, logger });
  class Bench {
    echo(_session, body) {
      messages++;
      return body;
    }
  }
  class TestHandler {
    Ping(/** @type {{push(route: string, body: unknown): unknown}} */ session) {
      messages++;
      session.push(PONG_ROUTE, PING_BODY);
    }
  }
  server.register(new Bench(), { name: 'bench' }).register(new TestHandler(), { name: 'TestHandler' });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0, path: WS_PATH });
  return { port, counters: () => ({ messages, sessions: server.sessionCount }), close: () => server.close() };
}

export async function startEchoServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: WS_PATH, perMessageDeflate: false });
  let messages = 0;
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      messages++;
      ws.send(/** @type {Buffer} */ (data), { binary: isBinary });
    });
    ws.on('error', () => {});
  });
  await once(wss, 'listening');
  return {
    port: /** @type {import('node:net').AddressInfo} */ (wss.address()).port,
    counters: () => ({ messages, sessions: wss.clients.size }),
    close: () =>
      /** @type {Promise<void>} */ (
        new Promise((resolve) => {
          for (const ws of wss.clients) ws.terminate();
          wss.close(() => resolve());
        })
      ),
  };
}
