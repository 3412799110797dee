// N chat bots: each joins the chat room (examples/chat) through @nanokit/client, says a few things, and counts the
// `onMessage` pushes it gets. Half of them use the WebSocket transport, half nano's raw TCP transport.
// `@nanokit/client/node` picks the transport from the URL: `ws` for ws:// and wss://, raw TCP for tcp://.
import { NanoClient } from '@nanokit/client/node';

/**
 * @typedef {object} BotOptions
 * @property {number} count how many bots
 * @property {number} messages messages each bot sends
 * @property {string} [wsUrl] WebSocket endpoint, e.g. ws://127.0.0.1:3250/nano
 * @property {string} [tcpUrl] TCP endpoint, e.g. tcp://127.0.0.1:3251 (bots alternate between the two when both given)
 * @property {number} [timeoutMs] gives up waiting for pushes after this long (default 20000)
 */

/**
 * Runs the bots and resolves a summary; never throws for a bot's failure (it is counted in `errors`).
 * @param {BotOptions} options
 */
export async function runBots(options) {
  const { count, messages } = options;
  const urls = [options.wsUrl, options.tcpUrl].filter((u) => typeof u === 'string');
  if (urls.length === 0) throw new Error('runBots needs wsUrl and/or tcpUrl');
  const started = Date.now();
  const expected = count * messages;
  const errors = [];
  const bots = [];
  let progress = () => {};
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(resolve, options.timeoutMs ?? 20_000, 'timeout');
  });

  try {
    // Connect and join one by one, like players arriving; everybody is in the room before anybody speaks.
    for (let i = 0; i < count; i++) {
      const url = urls[i % urls.length];
      const tcp = url.startsWith('tcp:');
      const client = new NanoClient({ url, reconnect: false });
      const bot = { name: `bot-${i + 1}`, transport: tcp ? 'tcp' : 'ws', client, received: 0, joinMs: 0 };
      client.on('onMessage', () => {
        bot.received += 1;
        progress();
      });
      client.on('error', (err) => errors.push(`${bot.name}: ${err?.message ?? err}`));
      bots.push(bot);
      await client.connect();
      const t0 = Date.now();
      const reply = await client.request('room.join', {}, { timeout: 10_000 });
      bot.joinMs = Date.now() - t0;
      if (reply?.code !== 0) errors.push(`${bot.name}: room.join replied ${JSON.stringify(reply)}`);
    }
    // Rounds: every bot says one thing, then everybody waits until each bot has heard the whole round. This keeps the
    // burst per connection at `count` pushes (nano itself queues only 16 outgoing messages per session).
    let outcome;
    for (let round = 1; round <= messages && outcome !== 'timeout'; round++) {
      const heardAll = new Promise((resolve) => {
        progress = () => {
          if (bots.every((b) => b.received >= round * count)) resolve('ok');
        };
      });
      for (const bot of bots) bot.client.notify('room.message', { name: bot.name, content: `round ${round} 🤖` });
      outcome = await Promise.race([heardAll, deadline]);
    }
    if (outcome === 'timeout') errors.push('timed out waiting for pushes');
  } catch (err) {
    errors.push(err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
    for (const bot of bots) bot.client.close();
  }

  const received = bots.map((b) => b.received);
  return {
    bots: bots.length,
    transports: {
      ws: bots.filter((b) => b.transport === 'ws').length,
      tcp: bots.filter((b) => b.transport === 'tcp').length,
    },
    sent: bots.length * messages,
    expectedPerBot: expected,
    receivedMin: received.length ? Math.min(...received) : 0,
    receivedMax: received.length ? Math.max(...received) : 0,
    receivedTotal: received.reduce((a, b) => a + b, 0),
    joinMsMax: bots.length ? Math.max(...bots.map((b) => b.joinMs)) : 0,
    elapsedMs: Date.now() - started,
    errors,
  };
}

/** One line per fact, for the console. */
export function formatSummary(s) {
  return [
    `bots: ${s.bots} (ws ${s.transports.ws}, tcp ${s.transports.tcp})`,
    `messages sent: ${s.sent}, pushes expected per bot: ${s.expectedPerBot}`,
    `pushes received per bot: min ${s.receivedMin}, max ${s.receivedMax} (total ${s.receivedTotal})`,
    `slowest room.join: ${s.joinMsMax} ms, elapsed: ${s.elapsedMs} ms`,
    s.errors.length ? `errors (${s.errors.length}):\n  ${s.errors.join('\n  ')}` : 'errors: none',
  ].join('\n');
}
