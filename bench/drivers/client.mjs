/**
 * The @nanokit/client driver: one `NanoClient` per connection, used as an application uses it
 * (`await client.request(route, body)` in a loop, `client.notify`, `client.on`). Sessions as in load.mjs.
 * @module
 */
import { NanoClient } from '@nanokit/client/node';
import {
  DRAIN_TIMEOUT_MS,
  ECHO_BODY,
  ECHO_ROUTE,
  PING_BODY,
  PING_ROUTE,
  PONG_ROUTE,
  settleWithin,
} from '../lib/workload.mjs';

export async function openClientSession(url) {
  const client = new NanoClient({ url, reconnect: false });
  await client.connect();
  let running = false;
  /** @type {Promise<void>} */
  let loop = Promise.resolve();
  /** @type {NodeJS.Timeout | undefined} */
  let pingTimer;
  /** @type {undefined | (() => void)} */
  let offPong;
  return {
    startRequestLoop(onReply, onError) {
      running = true;
      loop = (async () => {
        while (running) {
          const start = performance.now();
          try {
            await client.request(ECHO_ROUTE, ECHO_BODY);
          } catch (error) {
            if (running) onError(error);
            return;
          }
          onReply(performance.now() - start);
        }
      })();
    },
    startPingLoop(intervalMs, delayMs, onSent, onPong, onError) {
      running = true;
      offPong = client.on(PONG_ROUTE, () => onPong());
      const tick = () => {
        if (!running) return;
        try {
          client.notify(PING_ROUTE, PING_BODY);
        } catch (error) {
          onError(error);
          return;
        }
        onSent();
        pingTimer = setTimeout(tick, intervalMs);
      };
      pingTimer = setTimeout(tick, delayMs);
    },
    stop() {
      running = false;
      clearTimeout(pingTimer);
      offPong?.();
      offPong = undefined;
      return settleWithin(loop, DRAIN_TIMEOUT_MS);
    },
    async close() {
      running = false;
      client.close();
    },
  };
}
