/**
 * Child-process entry of a load driver: `node bench/child/driver.mjs <client|raw|raw-ws>`.
 * Commands: `connect {url, count}` opens sessions; `load {mode, warmupMs, durationMs}` runs one measured load and
 * emits `mark` events at the start and end of its window; `close` closes every session; `exit` closes them and
 * exits.
 * @module
 */

import { runLoad } from '../drivers/load.mjs';
import { openSessions, sessionOpener } from '../drivers/open.mjs';
import { emit, serveCommands } from '../lib/ipc.mjs';

const kind = /** @type {import('../drivers/open.mjs').DriverKind} */ (process.argv[2] ?? 'raw');

try {
  const open = await sessionOpener(kind);
  /** @type {import('../drivers/session.mjs').LoadSession[]} */
  let sessions = [];
  serveCommands({
    connect: async (/** @type {{url: string, count: number}} */ args) => {
      const start = performance.now();
      sessions.push(...(await openSessions(open, args.url, args.count)));
      return { sessions: sessions.length, ms: performance.now() - start };
    },
    load: (/** @type {import('../drivers/load.mjs').LoadOptions} */ args) =>
      runLoad(sessions, { ...args, onMark: (phase) => emit('mark', phase) }),
    close: async () => {
      const closing = sessions;
      sessions = [];
      await Promise.all(closing.map((s) => s.close()));
      return true;
    },
    exit: async () => {
      await Promise.all(sessions.map((s) => s.close()));
      setImmediate(() => process.exit(0));
      return true;
    },
  });
  process.on('disconnect', () => process.exit(0));
  emit('ready', { pid: process.pid, kind });
} catch (error) {
  emit('fatal', { message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  setTimeout(() => process.exit(1), 50);
}
