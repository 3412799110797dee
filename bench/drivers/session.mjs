/**
 * What a load driver needs from one connection, whatever the client stack under it.
 * @module
 */

/**
 * @typedef {object} LoadSession
 * @property {(onReply: (latencyMs: number) => void, onError: (error: unknown) => void) => void} startRequestLoop
 *   closed loop with one outstanding request: send `bench.echo`, and on its answer report the round-trip time and
 *   send the next, until `stop()`
 * @property {(intervalMs: number, delayMs: number, onSent: () => void, onPong: () => void, onError: (error: unknown) => void) => void} startPingLoop
 *   nano's benchmark loop: notify `TestHandler.Ping`, sleep `intervalMs`, repeat (the first after `delayMs`);
 *   every `pong` push is reported
 * @property {() => Promise<void>} stop stops sending; resolves once no request is outstanding (bounded wait)
 * @property {() => Promise<void>} close closes the connection
 */

/** Longest wait for the last outstanding request when a loop stops. */
export const DRAIN_TIMEOUT_MS = 5000;

/**
 * Resolves when `promise` settles or after `ms`, whichever comes first (never rejects).
 * @param {Promise<unknown>} promise
 * @param {number} ms
 * @returns {Promise<void>}
 */
export function settleWithin(promise, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
