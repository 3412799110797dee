/**
 * Heartbeats and dead-link detection (docs/protocol.md, "Heartbeat"). The client sends its own Heartbeat packet
 * every interval H, whatever else it sent meanwhile: pomelo and pinus re-arm their 2 H timeout on Heartbeat packets
 * only, never on Data, so a busy client that let its requests stand in for heartbeats was dropped. nano and pitaya
 * count any packet, and are content with the same beat. A server heartbeat is answered only when our own last beat
 * is H/2 old or more, so that pinus' and pomelo's echo of our beat is not echoed back. The link is declared dead when
 * nothing at all (any bytes) has arrived for 2 H + grace: pomelo and pinus only echo, nano only beats.
 *
 * Liveness is judged by wall-clock time. A timer that fires much later than planned means the host was suspended
 * or throttled (background tab, paused mini-game): then the silence is not the server's fault, so the client probes
 * (sends a heartbeat) and gives the server one more interval instead of declaring the link dead. `pause()` and
 * `resume()` do the same explicitly for `onHide`/`onShow`: while paused the client keeps sending its own heartbeats
 * (an echo-only server such as pomelo would drop it otherwise) but judges nothing.
 * @packageDocumentation
 */
import { NOOP, type Timers } from './timers.js';

/**
 * @internal When something last arrived on a connection (`Timers.now()`). The client sets it for every packet, on
 * its own record of the connection: with thousands of clients in one process, a packet then touches that one object,
 * already in the cache, rather than the heartbeat's too.
 */
export interface Arrivals {
  received: number;
}

/** @internal The heartbeat of one connection. */
export interface Heartbeat {
  /** A server heartbeat arrived: answer it, unless our own last beat went out less than half an interval ago. */
  answer(): void;
  /** Stops judging, keeps beating (host in the background). */
  pause(): void;
  /** Judges again, probing first (a heartbeat) and giving the server one more interval. */
  resume(): void;
  /** Stops everything (the end of the connection). */
  stop(): void;
}

/** @internal Shortest heartbeat interval the client runs, in ms: a server announcing a faster one gets this one. */
export const MIN_HEARTBEAT_INTERVAL = 100;

/**
 * @internal The interval in ms for a server's `sys.heartbeat` of `seconds`: 0 (no heartbeat) only when the server
 * announced none (0 or absent); anything else is at least {@link MIN_HEARTBEAT_INTERVAL}, so that a tiny value
 * neither rounds to 0 (which would turn dead-link detection off) nor makes the client beat in a tight loop.
 */
export function heartbeatInterval(seconds: number): number {
  return seconds > 0 ? Math.max(MIN_HEARTBEAT_INTERVAL, Math.round(seconds * 1000)) : 0;
}

/**
 * @internal Starts the heartbeat of a connection with heartbeat interval `interval` ms, judging by `seen.received`
 * (set to now here): `beat` sends one Heartbeat packet, `dead` ends the link. `passive` (`heartbeat: false`, or a
 * server that announced no interval): no beats of our own and no judging, only server heartbeats answered, the first
 * at once and then at most one per half interval, since pinus and pomelo echo every client heartbeat at once and
 * answering each echo would ping-pong without end.
 */
export function startHeartbeat(
  interval: number,
  grace: number,
  timers: Timers,
  seen: Arrivals,
  beat: () => void,
  dead: () => void,
  passive?: boolean,
): Heartbeat {
  const now0 = timers.now();
  seen.received = now0;
  // When our last Heartbeat went out. Other packets do not count: pomelo and pinus only re-arm on Heartbeats.
  let lastSent = passive ? -Infinity : now0;
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
    seen.received = Math.max(seen.received, timers.now() - interval);
    send();
  };
  let schedule = () => {
    const now = timers.now();
    const due = lastSent + interval;
    expectedAt = Math.max(paused ? due : Math.min(due, seen.received + 2 * interval + grace), now);
    cancel = timers.set(tick, expectedAt - now);
  };
  const tick = () => {
    const now = timers.now();
    if (paused) {
      if (now - lastSent >= interval) send();
    } else if (now - expectedAt > interval) {
      // Woke up far too late: the host was suspended or throttled. Probe instead of judging.
      probe();
    } else if (now - seen.received >= 2 * interval + grace) {
      return dead();
    } else if (now - lastSent >= interval) {
      send();
    }
    schedule();
  };
  const hb: Heartbeat = {
    answer: () => {
      if (timers.now() - lastSent >= interval / 2) send();
    },
    pause: () => {
      paused = !passive;
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
  if (passive) schedule = NOOP;
  schedule();
  return hb;
}
