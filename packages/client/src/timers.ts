/**
 * The clock and timers the client runs on, injectable for engines with their own scheduler (Cocos, Egret) and for
 * tests. Live timers are counted, so tests can prove that nothing is left behind after `close()`.
 * @packageDocumentation
 */

/** Host services the client uses; every field is optional. */
export interface ClientEnv {
  /**
   * Wall clock in ms. Heartbeat liveness is judged by elapsed wall time, so throttled or paused timers cannot fake
   * a dead link. Never pass `wx.getPerformance().now()` (µs on devices).
   * @default Date.now
   */
  now?: () => number;
  /** @default the global setTimeout */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  /** @default the global clearTimeout */
  clearTimeout?: (id: unknown) => void;
  /** Random numbers in [0, 1) for backoff jitter. @default Math.random */
  random?: () => number;
}

/** @internal Timer functions of one client, counting live timers. A closure, so its state minifies. */
export interface Timers {
  /** Live timers (started, neither fired nor cancelled). */
  live: number;
  now(): number;
  /**
   * Starts a timer; returns its canceller (idempotent, and a no-op once the timer fired). A delay of 2^31 ms or more
   * starts nothing (hosts would run it at once).
   */
  set(fn: () => void, ms: number): () => void;
}

/** A canceller that cancels nothing. */
export const NOOP = (): void => {};

/** @internal The timers of one client on `env` (or the host's globals). */
export function createTimers(env: ClientEnv = {}): Timers {
  const timers: Timers = {
    live: 0,
    now: env.now || Date.now,
    set(fn, ms) {
      // Hosts run a delay of 2^31 ms or more (also Infinity) at once: such a timer would never be due anyway.
      if (!(ms < 0x80000000)) return NOOP;
      let live = true;
      timers.live++;
      const stop = (): boolean => {
        if (!live) return false;
        live = false;
        timers.live--;
        return true;
      };
      const id = env.setTimeout ? env.setTimeout(() => stop() && fn(), ms) : setTimeout(() => stop() && fn(), ms);
      return () => {
        if (stop()) {
          if (env.clearTimeout) env.clearTimeout(id);
          else clearTimeout(id);
        }
      };
    },
  };
  return timers;
}

declare function setTimeout(fn: () => void, ms: number): unknown;
declare function clearTimeout(id: unknown): void;
