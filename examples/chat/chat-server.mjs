// The chat server: one node:http server serves the page on `/` and the nano WebSocket endpoint on `/nano`.
import { fileURLToPath } from 'node:url';
import { NanoServer } from '@nanokit/server-lite';
import { createPageServer, listenHttp } from '../lib/page-server.mjs';
import { Room } from './room.mjs';

const webDir = fileURLToPath(new URL('./web/', import.meta.url));
const clientDist = fileURLToPath(new URL('../../packages/client/dist/', import.meta.url));

/** URL path -> [file, content type]. Everything else is a 404. */
const files = {
  '/': [`${webDir}index.html`, 'text/html; charset=utf-8'],
  '/index.html': [`${webDir}index.html`, 'text/html; charset=utf-8'],
  '/chat.js': [`${webDir}chat.js`, 'text/javascript; charset=utf-8'],
  '/chat.css': [`${webDir}chat.css`, 'text/css; charset=utf-8'],
  '/nanokit.global.js': [`${clientDist}nanokit.global.js`, 'text/javascript; charset=utf-8'],
};

/**
 * Starts the chat room. Port 0 picks a free port; `tcpPort` also opens nano's raw TCP endpoint.
 * @param {import('./chat-server.d.mts').ChatServerOptions} [options]
 * @returns {Promise<import('./chat-server.d.mts').ChatServer>}
 */
export async function startChatServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const page = createPageServer(files);
  const { http } = page;

  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const nano = new NanoServer({ heartbeat: options.heartbeat ?? 10_000, ...(options.quiet ? { logger: quiet } : {}) });
  nano.register(new Room(), { name: 'room', nameFunc: (method) => method.toLowerCase() });
  nano.attach(http, { path: '/nano' });
  await nano.ready(); // init/afterInit have run: the endpoint serves
  const tcp = options.tcpPort === undefined ? undefined : await nano.listen({ port: options.tcpPort, host, tcp: true });

  const { port, hostname: shown } = await listenHttp(http, options.port ?? 3250, host);
  return {
    url: `http://${shown}:${port}/`,
    wsUrl: `ws://${shown}:${port}/nano`,
    tcpUrl: tcp ? `tcp://${shown}:${tcp.port}` : undefined,
    port,
    host,
    close: (closeOptions) => page.close(nano, closeOptions),
  };
}
