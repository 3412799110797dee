/**
 * Child-process entry of a benchmark server: `node bench/child/server.mjs <lite|ws>`.
 * Emits `ready` with the bound port, then answers the parent's commands:
 * - `stats`: CPU time, wall clock and counters (the parent diffs two of them around a measurement window);
 * - `memory`: RSS and heap after forced GCs (needs `--expose-gc`);
 * - `exit`: closes the server and exits normally (so that `--cpu-prof` writes its profile).
 * @module
 */
import { emit, serveCommands } from '../lib/ipc.mjs';

const kind = process.argv[2] ?? 'lite';

/** @returns {Promise<import('../servers/ws-echo.mjs').BenchServer>} */
async function start() {
  if (kind === 'ws') return (await import('../servers/ws-echo.mjs')).startEchoServer();
  if (kind === 'lite') return (await import('../servers/lite.mjs')).startLiteServer();
  throw new Error(`unknown server kind ${kind}`);
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const server = await start();
  serveCommands({
    stats: () => ({
      cpu: process.cpuUsage(),
      wallMs: performance.now(),
      // The monotonic clock of V8's CPU profiles (µs), to cut a profile down to the measurement window.
      monoUs: Number(process.hrtime.bigint() / 1000n),
      ...server.counters(),
    }),
    memory: async () => {
      const gc = /** @type {undefined | (() => void)} */ (globalThis.gc);
      if (typeof gc !== 'function') throw new Error('the server needs --expose-gc for memory figures');
      for (let i = 0; i < 3; i++) {
        gc();
        await sleep(50);
      }
      return { ...process.memoryUsage(), ...server.counters() };
    },
    exit: async () => {
      await server.close();
      setImmediate(() => process.exit(0));
      return true;
    },
  });
  process.on('disconnect', () => process.exit(0));
  emit('ready', { port: server.port, pid: process.pid });
} catch (error) {
  emit('fatal', { message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  setTimeout(() => process.exit(1), 50);
}
