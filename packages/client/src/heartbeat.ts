/**
 * Heartbeats and dead-link detection (docs/protocol.md, heartbeat). nano sends `03 00 00 00` every interval H and closes a client
 * that stays silent for ~2.5 H; it never echoes. pomelo echoes the client's heartbeat after H. So the client
 * answers server heartbeats (unless it sent something in the last H/2), also sends its own when it has sent nothing
 * for H, and declares the link dead
 * when nothing has arrived for 2 H + grace.
 *
 * Liveness is judged by wall-clock time. A timer that fires much later than planned means the host was suspended
 * or throttled (background tab, paused mini-game): then the silence is not the server's fault, so the client probes
 * (sends a heartbeat) and gives the server one more interval instead of declaring the link dead. `pause()` and
 * `resume()` do the same explicitly for `onHide`/`onShow`: while paused the client keeps sending its own heartbeats
 * (an echo-only server such as pomelo would drop it otherwise) but judges nothing.
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
  /** Stops judging, keeps beating (host in the background). */
  pause(): void;
  /** Judges again, probing first (a heartbeat) and giving the server one more interval. */
  resume(): void;
  /** Stops everything (the end of the connection). */
  stop(): void;
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
  // A beat counts as sent even when the transport refused it (a socket already closing): the next one is due an
  // interval later, not at once.
  const send = () => {
    lastSent = timers.now();
    beat();
  };
  const probe = () => {
    lastReceived = Math.max(lastReceived, timers.now() - interval);
    send();
  };
  let schedule = () => {
    const now = timers.now();
    const due = lastSent + interval;
    expectedAt = Math.max(paused ? due : Math.min(due, lastReceived + 2 * interval + grace), now);
    cancel = timers.set(tick, expectedAt - now);
  };
  const tick = () => {
    const now = timers.now();
    if (paused) {
      if (now - lastSent >= interval) send();
    } else if (now - expectedAt > interval) {
      // Woke up far too late: the host was suspended or throttled. Probe instead of judging.
      probe();
    } else if (now - lastReceived >= 2 * interval + grace) {
      return dead();
    } else if (now - lastSent >= interval) {
      send();
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
    },
    resume: () => {
      if (paused) {
        paused = false;
        cancel();
        probe();
        schedule();
      }
    },
    stop: () => {
      cancel();
      cancel = schedule = NOOP;
    },
  };
}
