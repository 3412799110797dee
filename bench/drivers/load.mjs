/**
 * The load loop every driver shares: open sessions a batch at a time, start them all, warm up, measure one window
 * (rate, latency percentiles, the driver's CPU), stop.
 *
 * A session (drivers/client.mjs, drivers/raw.mjs) has `startRequestLoop(onReply(ms), onError)`: one outstanding
 * `bench.echo` at a time; `startPingLoop(intervalMs, delayMs, onSent, onPong, onError)`: nano's notify-sleep loop;
 * `stop()`: resolves once nothing is outstanding (bounded wait); `close()`.
 * @module
 */
import { cpuWindow, LatencyRecorder } from '../lib/stats.mjs';
import { PING_INTERVAL_MS } from '../lib/workload.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `client`: @nanokit/client; `raw`: raw ws + codec + nano's handshake; `raw-await`: the same, awaiting a Promise per
 * request; `raw-ws`: no handshake (the echo server).
 */
export async function sessionOpener(kind) {
  if (kind === 'client') return (await import('./client.mjs')).openClientSession;
  const { openRawSession } = await import('./raw.mjs');
  if (kind === 'raw-await') return (url) => openRawSession(url, { handshake: true, awaitEach: true });
  if (kind === 'raw' || kind === 'raw-ws') return (url) => openRawSession(url, { handshake: kind === 'raw' });
  throw new Error(`unknown driver kind ${kind}`);
}

/** Opens `count` sessions, `batch` at a time (so the listen backlog never overflows); all or none. */
export async function openSessions(open, url, count, batch = 50) {
  const sessions = [];
  try {
    while (sessions.length < count) {
      const n = Math.min(batch, count - sessions.length);
      sessions.push(...(await Promise.all(Array.from({ length: n }, () => open(url)))));
    }
  } catch (error) {
    await Promise.all(sessions.map((s) => s.close()));
    throw error;
  }
  return sessions;
}

/**
 * One measured load (`{mode: 'reqres' | 'ping', warmupMs, durationMs, onMark?}`) on open sessions; `onMark('start' |
 * 'end')` at the edges of the window (the parent samples the server's CPU there).
 */
export async function runLoad(sessions, options) {
  const ping = options.mode === 'ping';
  const recorder = new LatencyRecorder();
  let measuring = false;
  let replies = 0;
  let sent = 0;
  let errors = 0;
  let firstError;
  const onReply = (ms) => {
    replies++;
    if (measuring) recorder.record(ms);
  };
  const onSent = () => {
    sent++;
  };
  const onPong = () => {
    replies++;
  };
  const onError = (error) => {
    errors++;
    firstError ??= error instanceof Error ? error.message : String(error);
  };
  sessions.forEach((session, i) => {
    // The first pings spread over one interval, as from clients that connected one after the other.
    const delay = (i * PING_INTERVAL_MS) / sessions.length;
    if (ping) session.startPingLoop(PING_INTERVAL_MS, delay, onSent, onPong, onError);
    else session.startRequestLoop(onReply, onError);
  });

  await sleep(options.warmupMs);
  options.onMark?.('start');
  const cpu = cpuWindow();
  const [replies0, sent0] = [replies, sent];
  measuring = true;
  await sleep(options.durationMs);
  measuring = false;
  const windowReplies = replies - replies0;
  const windowSent = ping ? sent - sent0 : windowReplies;
  const cpuUsed = cpu();
  options.onMark?.('end');

  await Promise.all(sessions.map((s) => s.stop()));
  const seconds = cpuUsed.wallMs / 1000;
  return {
    mode: options.mode,
    connections: sessions.length,
    replies: windowReplies,
    sent: windowSent,
    rate: windowReplies / seconds,
    sentRate: windowSent / seconds,
    latency: ping ? null : recorder.summary(),
    cpu: cpuUsed,
    errors,
    firstError,
  };
}
