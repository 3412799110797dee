// The tadpole server: one node:http server serves the page on `/` and nano's WebSocket endpoint on every other
// upgrade (nano's tadpole listens on `/`, which in Go's mux matches every path), on port 23456 like nano's demo.
import { fileURLToPath } from 'node:url';
import { NanoServer } from '@nanokit/server-lite';
import { createPageServer, listenHttp } from '../lib/page-server.mjs';
import { snowflakeIds } from './snowflake.mjs';
import { leaveWorld, Manager, World } from './world.mjs';

const webDir = fileURLToPath(new URL('./web/', import.meta.url));
const clientDist = fileURLToPath(new URL('../../packages/client/dist/', import.meta.url));
const js = 'text/javascript; charset=utf-8';

/** URL path -> [file, content type]. Everything else is a 404. */
const files = {
  '/': [`${webDir}index.html`, 'text/html; charset=utf-8'],
  '/index.html': [`${webDir}index.html`, 'text/html; charset=utf-8'],
  '/tadpole.css': [`${webDir}tadpole.css`, 'text/css; charset=utf-8'],
  '/tadpole.js': [`${webDir}tadpole.js`, js],
  '/pond.js': [`${webDir}pond.js`, js],
  '/link.js': [`${webDir}link.js`, js],
  '/nanokit.global.js': [`${clientDist}nanokit.global.js`, js],
};

/**
 * Starts the pond. Port 0 picks a free port.
 * @param {import('./tadpole-server.d.mts').TadpoleServerOptions} [options]
 * @returns {Promise<import('./tadpole-server.d.mts').TadpoleServer>}
 */
export async function startTadpoleServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const page = createPageServer(files);
  const { http } = page;
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const logger = options.quiet ? quiet : console;
  const nano = new NanoServer({ heartbeat: options.heartbeat ?? 10_000, logger });
  // Manager and World share one id source, as nano's sessions share one snowflake node.
  const ids = { next: snowflakeIds(options.snowflake) };
  const world = new World(ids, logger);
  nano.register(new Manager(ids));
  nano.register(world, { raw: ['Update'] });
  nano.onSessionClosed((session) => leaveWorld(world, session));
  // No path: this endpoint takes the upgrades of every path, as nano's does.
  await nano.listen({ server: http });

  const { port, hostname } = await listenHttp(http, options.port ?? 23456, host);
  return {
    url: `http://${hostname}:${port}/`,
    wsUrl: `ws://${hostname}:${port}/`,
    port,
    host,
    stats: world.stats,
    players: () => world.group.count(),
    close: (closeOptions) => page.close(nano, closeOptions),
  };
}
