// The http side of the examples' servers: a fixed table of files (the page, its scripts, the client bundle), answers
// for everything else, and the list of open connections so that a restart can drop them like a killed process.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';

/** The path of a request target, or undefined when it is not a URL (`GET http://[ HTTP/1.1` reaches the handler). */
function pathnameOf(target) {
  try {
    return new URL(target ?? '/', 'http://x').pathname;
  } catch {
    return undefined;
  }
}

async function serveFile(files, req, res) {
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
 * An http server for a page. `files` maps URL paths to `[file, content type]`; everything else is a 404.
 * `close(nano, { graceful })` stops it with the nano server attached to it.
 * @param {Record<string, [string, string]>} files
 */
export function createPageServer(files) {
  // A request must never take the process down: whatever serveFile throws is answered 500 (or the socket is cut).
  const http = createServer((req, res) => {
    serveFile(files, req, res).catch(() => {
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
    });
  });
  const sockets = new Set();
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    http,
    /**
     * Stops the http server and `nano`. Default: drop the pages' connections without a Kick, as a crashed or killed
     * nano process does, so that they reconnect by themselves. Graceful: server-lite kicks every session with
     * "server shutdown" first (a kicked client does not reconnect by itself; the pages retry on that reason).
     * @param {import('@nanokit/server-lite').NanoServer} nano
     * @param {{ graceful?: boolean }} [options]
     */
    async close(nano, { graceful = false } = {}) {
      const closed = new Promise((resolve) => http.close(() => resolve(undefined)));
      if (graceful) await nano.close();
      for (const socket of sockets) socket.destroy();
      await nano.close();
      await closed;
    },
  };
}

/**
 * Starts listening and resolves the port actually bound (port 0 picks a free one) and the host as written in a URL
 * (an IPv6 address in brackets).
 * @param {import('node:http').Server} http
 * @param {number} port
 * @param {string} host
 */
export async function listenHttp(http, port, host) {
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve(undefined));
  });
  const address = http.address();
  const bound = typeof address === 'object' && address ? address.port : 0;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { port: bound, hostname: shown };
}
