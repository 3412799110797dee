/**
 * The ceiling: a raw `ws` server that echoes every message back unchanged. No handshake, no decoding; what is left
 * is the cost of WebSocket framing and sockets, which any server on `ws` pays.
 * @module
 */
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { WS_PATH } from '../lib/workload.mjs';

/**
 * @typedef {object} BenchServer
 * @property {number} port the bound port
 * @property {() => {messages: number, sessions: number}} counters messages handled so far and open sessions
 * @property {() => Promise<void>} close
 */

/**
 * Starts the echo server on 127.0.0.1.
 * @param {{host?: string, port?: number}} [options]
 * @returns {Promise<BenchServer>}
 */
export async function startEchoServer(options = {}) {
  const wss = new WebSocketServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    path: WS_PATH,
    perMessageDeflate: false,
  });
  let messages = 0;
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      messages++;
      ws.send(/** @type {Buffer} */ (data), { binary: isBinary });
    });
    ws.on('error', () => {});
  });
  await once(wss, 'listening');
  const address = /** @type {import('node:net').AddressInfo} */ (wss.address());
  return {
    port: address.port,
    counters: () => ({ messages, sessions: wss.clients.size }),
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}
