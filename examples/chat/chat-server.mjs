// The chat server: one node:http server serves the page on `/` and the nano WebSocket endpoint on `/nano`.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { NanoServer } from '@nanokit/server-lite';
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

/** The path of a request target, or undefined when it is not a URL (`GET http://[ HTTP/1.1` reaches the handler). */
function pathnameOf(target) {
  try {
    return new URL(target ?? '/', 'http://x').pathname;
  } catch {
    return undefined;
  }
}

async function serveFile(req, res) {
  const pathname = pathnameOf(req.url);
  if (pathname === undefined) {
    res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('bad request');
    return;
  }
  const entry = files[pathname];
  if (!entry || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  try {
    const body = await readFile(entry[0]);
    res.writeHead(200, { 'content-type': entry[1], 'cache-control': 'no-store' }).end(body);
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`missing ${entry[0]}: run npm run build`);
  }
}

/**
 * Starts the chat room. Port 0 picks a free port; `tcpPort` also opens nano's raw TCP endpoint.
 * @param {import('./chat-server.d.mts').ChatServerOptions} [options]
 * @returns {Promise<import('./chat-server.d.mts').ChatServer>}
 */
export async function startChatServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  // A request must never take the process down: whatever serveFile throws is answered 500 (or the socket is cut).
  const http = createServer((req, res) => {
    serveFile(req, res).catch(() => {
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
    });
  });
  const sockets = new Set();
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const nano = new NanoServer({ heartbeat: options.heartbeat ?? 10_000, ...(options.quiet ? { logger: quiet } : {}) });
  nano.register(new Room(), { name: 'room', nameFunc: (method) => method.toLowerCase() });
  nano.attach(http, { path: '/nano' });
  await nano.ready(); // init/afterInit have run: the endpoint serves
  const tcp = options.tcpPort === undefined ? undefined : await nano.listen({ port: options.tcpPort, host, tcp: true });

  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 3250, host, () => resolve(undefined));
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    wsUrl: `ws://${shown}:${port}/nano`,
    tcpUrl: tcp ? `tcp://${shown}:${tcp.port}` : undefined,
    port,
    host,
    async close({ graceful = false } = {}) {
      const closed = new Promise((resolve) => http.close(() => resolve(undefined)));
      // Default: drop the browsers' connections without a Kick, as a crashed or killed nano process does, so that
      // they reconnect by themselves. Graceful: server-lite kicks every session with "server shutdown" first (a kicked
      // client does not reconnect by itself; the page retries on that reason).
      if (graceful) await nano.close();
      for (const socket of sockets) socket.destroy();
      await nano.close();
      await closed;
    },
  };
}
