/**
 * The load loop shared by every driver: start all sessions, warm up, measure one window (rate, latency
 * percentiles, the driver's CPU), stop.
 * @module
 */
import { CpuWindow, LatencyRecorder } from '../lib/stats.mjs';
import { PING_INTERVAL_MS } from '../lib/workload.mjs';

/**
 * @typedef {object} LoadOptions
 * @property {'reqres' | 'ping'} mode request/response ping-pong, or nano's notify+push ping
 * @property {number} warmupMs load before the window (not measured)
 * @property {number} durationMs the measured window
 * @property {number} [intervalMs] ping mode: pause between two pings of one client (default 10 ms)
 * @property {(phase: 'start' | 'end') => void} [onMark] called at the start and the end of the window (the parent
 *   samples the server's CPU there)
 */

/**
 * @typedef {object} LoadResult
 * @property {'reqres' | 'ping'} mode
 * @property {number} connections
 * @property {number} replies answers (responses, or pong pushes) received in the window
 * @property {number} sent ping mode: pings sent in the window (request mode: equal to replies, ±connections)
 * @property {number} rate replies per second
 * @property {number} sentRate ping mode: pings sent per second
 * @property {null | ReturnType<LatencyRecorder['summary']>} latency request mode: round-trip times (ms)
 * @property {ReturnType<CpuWindow['stop']>} cpu the driver's CPU in the window
 * @property {number} errors
 * @property {string | undefined} firstError
 */

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one measured load on already-open sessions.
 * @param {import('./session.mjs').LoadSession[]} sessions
 * @param {LoadOptions} options
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(sessions, options) {
  const recorder = new LatencyRecorder();
  const interval = options.intervalMs ?? PING_INTERVAL_MS;
  let measuring = false;
  let replies = 0;
  let sent = 0;
  let errors = 0;
  /** @type {string | undefined} */
  let firstError;
  const onReply = (/** @type {number} */ ms) => {
    replies++;
    if (measuring) recorder.record(ms);
  };
  const onPong = () => {
    replies++;
  };
  const onSent = () => {
    sent++;
  };
  const onError = (/** @type {unknown} */ error) => {
    errors++;
    firstError ??= error instanceof Error ? error.message : String(error);
  };

  sessions.forEach((session, i) => {
    if (options.mode === 'ping') {
      // Spread the first pings over one interval, as clients that connected one after the other would.
      session.startPingLoop(interval, (i * interval) / sessions.length, onSent, onPong, onError);
    } else {
      session.startRequestLoop(onReply, onError);
    }
  });

  await sleep(options.warmupMs);
  options.onMark?.('start');
  const cpu = new CpuWindow();
  const replies0 = replies;
  const sent0 = sent;
  measuring = true;
  await sleep(options.durationMs);
  measuring = false;
  const windowReplies = replies - replies0;
  const windowSent = sent - sent0;
  const cpuUsed = cpu.stop();
  options.onMark?.('end');

  await Promise.all(sessions.map((s) => s.stop()));
  const seconds = cpuUsed.wallMs / 1000;
  return {
    mode: options.mode,
    connections: sessions.length,
    replies: windowReplies,
    sent: options.mode === 'ping' ? windowSent : windowReplies,
    rate: windowReplies / seconds,
    sentRate: (options.mode === 'ping' ? windowSent : windowReplies) / seconds,
    latency: options.mode === 'ping' ? null : recorder.summary(),
    cpu: cpuUsed,
    errors,
    firstError,
  };
}
