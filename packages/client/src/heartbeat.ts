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
import type { TimerHandle, Timers } from './timers.js';

/** What the heartbeat drives. */
export interface HeartbeatHost {
  /** Sends one Heartbeat packet (and reports it through {@link Heartbeat.sent}). */
  beat(): void;
  /** The link is dead. */
  dead(): void;
}

/** @internal The heartbeat state of one connection. */
export class Heartbeat {
  private lastReceived: number;
  private lastSent: number;
  private expectedAt = 0;
  private timer: TimerHandle | undefined;
  private paused = false;

  constructor(
    private readonly interval: number,
    private readonly grace: number,
    private readonly timers: Timers,
    private readonly host: HeartbeatHost,
  ) {
    this.lastReceived = this.lastSent = timers.now();
    this.schedule();
  }

  /** Any packet arrived. */
  received(): void {
    this.lastReceived = this.timers.now();
  }

  /** Any packet was sent. */
  sent(): void {
    this.lastSent = this.timers.now();
  }

  /** The server sent a heartbeat: answer it, unless something was sent less than half an interval ago. */
  answer(): void {
    if (this.timers.now() - this.lastSent >= this.interval / 2) this.host.beat();
  }

  /** Stops the timer (the host is going to the background). Liveness is not judged while paused. */
  pause(): void {
    this.paused = true;
    this.timers.clear(this.timer);
  }

  /** Restarts after {@link Heartbeat.pause}: probes at once and gives the server one interval to answer. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.probe();
    this.schedule();
  }

  stop(): void {
    this.paused = true;
    this.timers.clear(this.timer);
  }

  private probe(): void {
    this.lastReceived = Math.max(this.lastReceived, this.timers.now() - this.interval);
    this.host.beat();
  }

  private schedule(): void {
    if (this.paused) return;
    const now = this.timers.now();
    const due = Math.min(this.lastSent + this.interval, this.lastReceived + 2 * this.interval + this.grace);
    this.expectedAt = Math.max(due, now);
    this.timer = this.timers.set(() => this.tick(), this.expectedAt - now);
  }

  private tick(): void {
    const now = this.timers.now();
    if (now - this.expectedAt > this.interval) {
      // Woke up far too late: the host was suspended or throttled. Probe instead of judging.
      this.probe();
    } else if (now - this.lastReceived >= 2 * this.interval + this.grace) {
      this.paused = true;
      this.host.dead();
      return;
    } else if (now - this.lastSent >= this.interval) {
      this.host.beat();
    }
    this.schedule();
  }
}
