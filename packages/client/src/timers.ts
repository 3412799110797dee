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

/** A timer started by {@link Timers.set}. */
export interface TimerHandle {
  id: unknown;
  done: boolean;
}

/** @internal Timer functions of one client, counting live timers. */
export class Timers {
  /** Timers set and neither fired nor cleared. */
  live = 0;
  readonly now: () => number;
  private readonly env: ClientEnv;

  constructor(env: ClientEnv = {}) {
    this.env = env;
    this.now = env.now || Date.now;
  }

  set(fn: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = { id: undefined, done: false };
    this.live++;
    const run = () => {
      if (handle.done) return;
      handle.done = true;
      this.live--;
      fn();
    };
    handle.id = this.env.setTimeout ? this.env.setTimeout(run, ms) : setTimeout(run, ms);
    return handle;
  }

  clear(handle: TimerHandle | undefined): void {
    if (!handle || handle.done) return;
    handle.done = true;
    this.live--;
    if (this.env.clearTimeout) this.env.clearTimeout(handle.id);
    else clearTimeout(handle.id as number);
  }
}

declare function setTimeout(fn: () => void, ms: number): unknown;
declare function clearTimeout(id: unknown): void;
