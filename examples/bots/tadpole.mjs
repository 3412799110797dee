// The tadpole scenario: N Node bots swim in the pond (examples/tadpole) through @nanokit/client, each with the page's
// own connection code (examples/tadpole/web/link.js): log in, enter the world, then send their position `rate`
// times a second along a circle around the middle of the pond, where a new page starts. They count the `update`
// pushes they hear.
import { createLosslessJsonSerializer, NanoClient } from '@nanokit/client/node';
import { PondLink } from '../tadpole/web/link.js';

/**
 * Starts the bots and resolves once all of them are in the world; they swim until `stop()`.
 * @param {import('./tadpole.d.mts').TadpoleBotOptions} options
 * @returns {Promise<import('./tadpole.d.mts').TadpoleBots>}
 */
export async function startTadpoleBots(options) {
  const { count, wsUrl } = options;
  const rate = options.rate ?? 10;
  const radius = options.radius ?? 220;
  if (!(Number.isInteger(count) && count > 0)) throw new RangeError('count must be a positive integer');
  if (!(rate > 0 && rate <= 20)) throw new RangeError('rate must be in (0, 20] updates/s (nano pages send 10)');
  const started = performance.now();
  const errors = [];
  const bots = [];
  // Connect one by one, like players arriving; one serializer for all (it holds no state).
  const serializer = createLosslessJsonSerializer();
  for (let i = 0; i < count; i++) {
    const name = `bot-${i + 1}`;
    const onError = (err) => errors.push(`${name}: ${err?.message ?? err}`);
    const link = new PondLink({ url: wsUrl, NanoClient, serializer, name, interval: 0, onError });
    bots.push(link);
    try {
      await link.start();
    } catch (err) {
      errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // Each bot has its own circle (radius, speed, phase), so the pond looks busy and every update differs.
  const swimmers = bots.map((link, i) => ({
    link,
    r: radius * (0.35 + (0.65 * ((i * 37) % count)) / count),
    w: (0.4 + ((i * 13) % 7) / 10) * (i % 2 ? 1 : -1),
    phase: (i / count) * 2 * Math.PI,
  }));
  let sent = 0;
  const swim = () => {
    const t = (performance.now() - started) / 1000;
    for (const s of swimmers) {
      const a = s.phase + s.w * t;
      const me = s.link.pond.me;
      me.x = Math.cos(a) * s.r;
      me.y = Math.sin(a) * s.r;
      me.angle = a + (s.w > 0 ? Math.PI / 2 : -Math.PI / 2);
      me.momentum = 1;
      if (s.link.tick()) sent += 1;
      s.link.pond.step(performance.now()); // as a page does every frame: counters, buffers, fading
    }
  };
  const timer = setInterval(swim, 1000 / rate);
  const swimStart = performance.now();
  const heard = () => bots.map((b) => b.pond.recentUpdates.length);
  return {
    bots,
    errors,
    sent: () => sent,
    async stop() {
      clearInterval(timer);
      const seconds = (performance.now() - swimStart) / 1000;
      for (const b of bots) b.close();
      return {
        bots: bots.length,
        inWorld: bots.filter((b) => b.entered > 0).length,
        rate,
        seconds,
        sent,
        heardLastSecondMin: Math.min(...heard()),
        heardLastSecondMax: Math.max(...heard()),
        errors,
      };
    },
  };
}

/**
 * Runs the bots for `seconds` and resolves a summary; a bot's failure is counted in `errors`, never thrown.
 * @param {import('./tadpole.d.mts').TadpoleBotOptions & { seconds: number }} options
 */
export async function runTadpoleBots(options) {
  const bots = await startTadpoleBots(options);
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  for (const b of bots.bots) b.pond.step(performance.now());
  return bots.stop();
}

/** One line per fact, for the console. */
export function formatTadpoleSummary(s) {
  return [
    `tadpole bots: ${s.bots} (${s.inWorld} in the world), ${s.rate} updates/s each for ${s.seconds.toFixed(1)} s`,
    `updates sent: ${s.sent} (${(s.sent / s.bots / s.seconds).toFixed(1)}/s per bot; less than the rate when the machine is busy); update pushes each bot heard in the last second: min ${s.heardLastSecondMin}, max ${s.heardLastSecondMax}`,
    s.errors.length ? `errors (${s.errors.length}):\n  ${s.errors.join('\n  ')}` : 'errors: none',
  ].join('\n');
}
