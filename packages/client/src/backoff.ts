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
   * Attempts after one drop before giving up (`Infinity`: never give up).
   * @default Infinity
   */
  maxAttempts?: number;
  /**
   * A connection that stayed up this long (ms) resets the attempt counter when it drops.
   * @default 5000
   */
  minUptime?: number;
}

/** Delay in ms before reconnect attempt `attempt` (1-based). */
export function backoffDelay(
  attempt: number,
  { initialDelay = 1000, maxDelay = 30000, factor = 2, jitter = 0.5 }: ReconnectOptions,
  random: () => number,
): number {
  return Math.round(Math.min(maxDelay, initialDelay * factor ** (attempt - 1)) * (1 - jitter * random()));
}
