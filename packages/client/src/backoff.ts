/**
 * Reconnect delays: exponential, capped, with jitter (socket.io backo2, partysocket).
 * @packageDocumentation
 */

/** Reconnect policy. */
export interface ReconnectOptions {
  /**
   * Delay before the first attempt, in ms.
   * @default 1000
   */
  initialDelay?: number;
  /**
   * Largest delay, in ms (after jitter).
   * @default 30000
   */
  maxDelay?: number;
  /**
   * Growth factor per attempt.
   * @default 2
   */
  factor?: number;
  /**
   * Jitter fraction: each delay is reduced by a random share of up to this fraction (0 disables jitter).
   * @default 0.5
   */
  jitter?: number;
  /**
   * Attempts after one drop before giving up (`Infinity`: never give up). Every successful reconnect starts the count
   * (and the delays) over.
   * @default Infinity
   */
  maxAttempts?: number;
  /**
   * Retry the first `connect()` too, with the same delays and `maxAttempts`: it resolves once an attempt succeeds, or
   * rejects with `ConnectionClosedError` `reconnect-failed` (the last failure as `cause`) when they are used up. Each
   * failed attempt is an `error` event and each retry a `reconnecting` event; the state stays `connecting`, and
   * `onReconnect` does not run (there is no session to restore).
   * @default false
   */
  firstConnect?: boolean;
}

/** Delay in ms before reconnect attempt `attempt` (1-based). */
export function backoffDelay(
  attempt: number,
  { initialDelay = 1000, maxDelay = 30000, factor = 2, jitter = 0.5 }: ReconnectOptions,
  random: () => number,
): number {
  return Math.round(Math.min(maxDelay, initialDelay * factor ** (attempt - 1)) * (1 - jitter * random()));
}
