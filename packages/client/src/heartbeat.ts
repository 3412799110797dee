/**
 * Heartbeats and dead-link detection (wire spec §4). nano sends `03 00 00 00` every interval H and closes a client
 * that stays silent for ~2.5 H; it never echoes. pomelo echoes the client's heartbeat after H. So the client
 * answers server heartbeats (unless it sent something in the last H/2), also sends its own when it has sent nothing
 * for H, and declares the link dead
 * when nothing has arrived for 2 H + grace.
 *
 * Liveness is judged by wall-clock time. A timer that fires much later than planned means the host was suspended
 * or throttled (background tab, paused mini-game): then the silence is not the server's fault, so the client probes
 * (sends a heartbeat) and gives the server one more interval instead of declaring the link dead. `pause()` and
 * `resume()` do the same explicitly for `onHide`/`onShow`.
 * @packageDocumentation
 */
import { NOOP, type Timers } from './timers.js';

/** @internal The heartbeat state of one connection. */
export interface Heartbeat {
  /** Something arrived. */
  received(): void;
  /** Something was sent. */
  sent(): void;
  /** A server heartbeat arrived: answer it, unless something was sent in the last half interval. */
  answer(): void;
  /** Stops judging (host in the background; also the end of the connection). */
  pause(): void;
  /** Judges again, probing first (a heartbeat) and giving the server one more interval. */
  resume(): void;
}

/**
 * @internal Starts the heartbeat of a connection with heartbeat interval `interval` ms: `beat` sends one Heartbeat
 * packet (reported back through `sent()`), `dead` ends the link.
 */
export function startHeartbeat(
  interval: number,
  grace: number,
  timers: Timers,
  beat: () => void,
  dead: () => void,
): Heartbeat {
  let lastReceived = timers.now();
  let lastSent = lastReceived;
  let expectedAt = 0;
  let paused = false;
  let cancel = NOOP;
  const probe = () => {
    lastReceived = Math.max(lastReceived, timers.now() - interval);
    beat();
  };
  const schedule = () => {
    if (paused) return;
    const now = timers.now();
    expectedAt = Math.max(Math.min(lastSent + interval, lastReceived + 2 * interval + grace), now);
    cancel = timers.set(tick, expectedAt - now);
  };
  const tick = () => {
    const now = timers.now();
    if (now - expectedAt > interval) {
      // Woke up far too late: the host was suspended or throttled. Probe instead of judging.
      probe();
    } else if (now - lastReceived >= 2 * interval + grace) {
      paused = true;
      return dead();
    } else if (now - lastSent >= interval) {
      beat();
    }
    schedule();
  };
  schedule();
  return {
    received: () => {
      lastReceived = timers.now();
    },
    sent: () => {
      lastSent = timers.now();
    },
    answer: () => {
      if (timers.now() - lastSent >= interval / 2) beat();
    },
    pause: () => {
      paused = true;
      cancel();
    },
    resume: () => {
      if (paused) {
        paused = false;
        probe();
        schedule();
      }
    },
  };
}
