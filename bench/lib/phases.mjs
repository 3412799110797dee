/**
 * One benchmark run = one server process + one driver process, both children of the orchestrator. These functions
 * start them, drive one measurement and tear both down.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { spawnChild } from './ipc.mjs';
import { WS_PATH } from './workload.mjs';

const SERVER_SCRIPT = fileURLToPath(new URL('../child/server.mjs', import.meta.url));
const DRIVER_SCRIPT = fileURLToPath(new URL('../child/driver.mjs', import.meta.url));

/** @typedef {'lite' | 'ws'} ServerKind */

/**
 * @typedef {object} ThroughputOptions
 * @property {ServerKind} server
 * @property {import('../drivers/open.mjs').DriverKind} driver
 * @property {number} connections
 * @property {'reqres' | 'ping'} mode
 * @property {number} warmupMs
 * @property {number} durationMs
 * @property {string[]} [serverExecArgv] extra node flags of the server process (e.g. `--cpu-prof`)
 * @property {string[]} [driverExecArgv] extra node flags of the driver process
 */

/**
 * @typedef {object} ThroughputResult
 * @property {import('../drivers/load.mjs').LoadResult} load the driver's view
 * @property {number} serverCpu server CPU in the window, % of one core
 * @property {number} serverRate messages handled by the server per second in the window
 * @property {number} serverCpuPerMessageUs server CPU time per handled message (µs): the server's cost, which
 *   contention on a shared machine distorts much less than throughput
 * @property {number} driverCpuPerReplyUs driver CPU time per answer received (µs)
 * @property {number} connectMs time to open every session
 * @property {number} serverMessagesTotal messages the server handled from its start to the end of the window
 * @property {number} windowMessages messages the server handled in the window
 * @property {[number, number]} windowMonoUs the window on the system's monotonic clock (µs), as CPU profiles time
 *   their samples
 */

/**
 * @param {ServerKind} kind
 * @param {string[]} [execArgv]
 */
export async function startServer(kind, execArgv = []) {
  const server = spawnChild(SERVER_SCRIPT, [kind], { execArgv });
  const { port } = await server.ready;
  return { server, url: `ws://127.0.0.1:${port}${WS_PATH}` };
}

/**
 * Closes a child politely, then for sure.
 * @param {import('./ipc.mjs').ChildHandle} child
 */
export async function stopChild(child) {
  try {
    await child.call('exit', undefined, 15_000);
  } catch {
    // Already gone, or stuck: killed below.
  }
  const timer = setTimeout(() => child.kill(), 5000);
  await child.exited;
  clearTimeout(timer);
}

/**
 * One throughput measurement (request/response or nano-style ping).
 * @param {ThroughputOptions} options
 * @returns {Promise<ThroughputResult>}
 */
export async function runThroughput(options) {
  const { server, url } = await startServer(options.server, options.serverExecArgv);
  const driver = spawnChild(DRIVER_SCRIPT, [options.driver], { execArgv: options.driverExecArgv ?? [] });
  try {
    await driver.ready;
    /** @type {Record<string, Promise<any>>} */
    const marks = {};
    driver.on('mark', (/** @type {string} */ phase) => {
      marks[phase] = server.call('stats');
    });
    const connected = await driver.call('connect', { url, count: options.connections });
    /** @type {import('../drivers/load.mjs').LoadResult} */
    const load = await driver.call('load', {
      mode: options.mode,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
    });
    const [start, end] = await Promise.all([marks['start'], marks['end']]);
    const wallMs = end.wallMs - start.wallMs;
    const cpuMs = (end.cpu.user - start.cpu.user + end.cpu.system - start.cpu.system) / 1000;
    await driver.call('close');
    const messages = end.messages - start.messages;
    return {
      load,
      serverCpu: (cpuMs / wallMs) * 100,
      serverRate: (messages / wallMs) * 1000,
      serverCpuPerMessageUs: messages > 0 ? (cpuMs * 1000) / messages : Number.NaN,
      driverCpuPerReplyUs:
        load.replies > 0 ? ((load.cpu.userMs + load.cpu.systemMs) * 1000) / load.replies : Number.NaN,
      connectMs: connected.ms,
      serverMessagesTotal: end.messages,
      windowMessages: messages,
      windowMonoUs: [start.monoUs, end.monoUs],
    };
  } finally {
    await stopChild(driver);
    await stopChild(server);
  }
}

/**
 * @typedef {object} MemoryResult
 * @property {number} sessions idle sessions held by the server when measured
 * @property {number} perSessionBytes RSS growth per session, after GC
 * @property {number} heapPerSessionBytes V8 heap growth per session, after GC
 * @property {number} baselineRss RSS before the sessions (after a warm-up batch came and went)
 * @property {number} loadedRss RSS with every session open
 * @property {number} heapTotalPerSessionBytes growth of the V8 heap's reserved size per session (young generation
 *   included)
 */

/**
 * Server memory per idle session: RSS after GC with `sessions` idle sessions minus the RSS after GC before them.
 * A first batch of 50 sessions is opened and closed before the baseline, so that lazily compiled code and buffers
 * are already in the baseline.
 * @param {{server: ServerKind, sessions: number, execArgv?: string[]}} options `execArgv`: more node flags for the
 *   server (e.g. a fixed semi-space size)
 * @returns {Promise<MemoryResult>}
 */
export async function runMemory(options) {
  const { server, url } = await startServer(options.server, ['--expose-gc', ...(options.execArgv ?? [])]);
  const driver = spawnChild(DRIVER_SCRIPT, [options.server === 'ws' ? 'raw-ws' : 'raw']);
  try {
    await driver.ready;
    await driver.call('connect', { url, count: 50 });
    await driver.call('close');
    await settleSessions(server, 0);
    const before = await server.call('memory');
    await driver.call('connect', { url, count: options.sessions });
    await settleSessions(server, options.sessions);
    const after = await server.call('memory');
    await driver.call('close');
    return {
      sessions: after.sessions,
      perSessionBytes: (after.rss - before.rss) / options.sessions,
      heapPerSessionBytes: (after.heapUsed - before.heapUsed) / options.sessions,
      heapTotalPerSessionBytes: (after.heapTotal - before.heapTotal) / options.sessions,
      baselineRss: before.rss,
      loadedRss: after.rss,
    };
  } finally {
    await stopChild(driver);
    await stopChild(server);
  }
}

/**
 * Waits (bounded) until the server reports `count` open sessions, so that closes and handshakes have landed.
 * @param {import('./ipc.mjs').ChildHandle} server
 * @param {number} count
 */
async function settleSessions(server, count) {
  for (let i = 0; i < 50; i++) {
    const stats = await server.call('stats');
    if (stats.sessions === count || stats.sessions < 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}
