/**
 * server-lite as benchmarked: one `bench.echo` handler that answers a request with its body, and nano's
 * benchmark component `TestHandler.Ping`, which pushes `pong` for every ping notify.
 * @module
 */
import { NanoServer } from '@nanokit/server-lite';
import {
  BENCH_HEARTBEAT_MS,
  ECHO_COMPONENT,
  PING_BODY,
  PING_COMPONENT,
  PONG_ROUTE,
  WS_PATH,
} from '../lib/workload.mjs';

/**
 * Starts server-lite on 127.0.0.1 (WebSocket).
 * @param {{host?: string, port?: number}} [options]
 * @returns {Promise<import('./ws-echo.mjs').BenchServer>}
 */
export async function startLiteServer(options = {}) {
  const counts = { messages: 0, sessions: 0 };

  class Bench {
    /**
     * @param {unknown} _session
     * @param {unknown} body
     */
    echo(_session, body) {
      counts.messages++;
      return body;
    }
  }
  class TestHandler {
    /** @param {{push(route: string, body: unknown): unknown}} session */
    Ping(session) {
      counts.messages++;
      session.push(PONG_ROUTE, PING_BODY);
    }
  }

  // Quiet about sessions opening and closing (thousands per run); warnings and errors still reach stderr.
  const logger = {
    debug() {},
    info() {},
    warn: (/** @type {string} */ message, /** @type {unknown} */ context) =>
      console.warn(`[server-lite] ${message}`, context ?? ''),
    error: (/** @type {string} */ message, /** @type {unknown} */ context) =>
      console.error(`[server-lite] ${message}`, context ?? ''),
  };
  const server = new NanoServer({ heartbeat: BENCH_HEARTBEAT_MS, logger });
  server.register(new Bench(), { name: ECHO_COMPONENT });
  server.register(new TestHandler(), { name: PING_COMPONENT });
  const { port } = await server.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0, path: WS_PATH });
  return {
    port,
    counters: () => ({ messages: counts.messages, sessions: server.sessionCount }),
    close: () => server.close(),
  };
}
