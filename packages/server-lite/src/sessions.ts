/**
 * The session registry of one server: the connections it holds, the heartbeat sweep, the handshake deadline, and
 * the close listeners. It is the {@link ConnectionHost} of every connection: handshakes go to the handshaker, Data
 * to the dispatcher, pushes to the outbound module.
 * @packageDocumentation
 */
import { type Connection, type ConnectionHost, EndMode, State } from './connection.js';
import type { Dispatcher } from './dispatcher.js';
import { ServerErrorCode } from './errors.js';
import type { Handshaker } from './handshake.js';
import type { Logger } from './options.js';
import type { Outbound, Sections } from './outbound.js';
import { type Session, WsCloseCode } from './session.js';

/** Limits and timing of a registry. */
export interface RegistryOptions {
  logger: Logger;
  maxPacketSize: number;
  maxOutboundBuffer: number;
  heartbeat: number;
  handshakeTimeout: number;
  /** The heartbeat packet, encoded once. */
  heartbeatPacket: Uint8Array;
}

/** Idle and stalled sockets are cut, not closed gracefully: a close handshake would hold them for seconds more. */
const CUT = EndMode.Destroy;

/** Longest pause between two checks of the handshake deadline, in ms. */
const MAX_DEADLINE_CHECK_MS = 500;

/**
 * Ended sessions wait for their close listeners in one queue, and sections (a group broadcast, a run of listeners)
 * hold the queue until they end: a session that ends inside one is reported after it, from one loop. Reporting it at
 * once would recurse (broadcast → slow member cut → listener → broadcast → …) once per member closed.
 */
export class ClosedListeners implements Sections {
  readonly listeners: Array<(session: Session) => void> = [];
  private readonly queue: Session[] = [];
  private depth = 0;
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Reports `session` now, or when the outermost section ends. */
  ended(session: Session): void {
    if (this.listeners.length === 0) return;
    this.queue.push(session);
    if (this.depth === 0) this.report();
  }

  enter(): void {
    this.depth++;
  }

  leave(): void {
    if (--this.depth === 0 && this.queue.length > 0) this.report();
  }

  /** Runs the listeners of the queued sessions in order, as one section. A listener that throws is logged. */
  private report(): void {
    const queue = this.queue;
    this.depth++;
    try {
      for (let i = 0; i < queue.length; i++) {
        const session = queue[i] as Session;
        for (const listener of this.listeners.slice()) {
          try {
            listener(session);
          } catch (error) {
            this.logger.error('session-closed hook failed', { session: session.id, error });
          }
        }
      }
    } finally {
      queue.length = 0;
      this.depth--;
    }
  }
}

/** The connections of one server. */
export class SessionRegistry implements ConnectionHost {
  readonly logger: Logger;
  readonly maxPacketSize: number;
  readonly maxOutboundBuffer: number;
  readonly outbound: Outbound;
  readonly closedListeners: ClosedListeners;
  tick = 0;
  /** Open sessions, by their connection. */
  readonly sessions = new Set<Connection>();
  /** Connections whose socket has not closed yet (ended ones may still be flushing). */
  readonly live = new Set<Connection>();
  /**
   * Connections that have not completed the handshake, oldest first, until their socket closes: one ended before it
   * (refused, kicked) still holds a `maxConnections` slot while its peer withholds the close, so the deadline cuts it.
   */
  private readonly handshaking = new Set<Connection>();
  private readonly handshaker: Handshaker;
  private readonly dispatcher: Dispatcher;
  private readonly heartbeat: number;
  private readonly heartbeatPacket: Uint8Array;
  private readonly handshakeTimeout: number;
  private nextSessionId = 1;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private deadlineTimer: ReturnType<typeof setInterval> | null = null;
  private drained: (() => void) | null = null;

  constructor(
    options: RegistryOptions,
    parts: { handshaker: Handshaker; dispatcher: Dispatcher; outbound: Outbound; closedListeners: ClosedListeners },
  ) {
    this.logger = options.logger;
    this.maxPacketSize = options.maxPacketSize;
    this.maxOutboundBuffer = options.maxOutboundBuffer;
    this.heartbeat = options.heartbeat;
    this.heartbeatPacket = options.heartbeatPacket;
    this.handshakeTimeout = options.handshakeTimeout;
    this.handshaker = parts.handshaker;
    this.dispatcher = parts.dispatcher;
    this.outbound = parts.outbound;
    this.closedListeners = parts.closedListeners;
  }

  /** Starts the heartbeat sweep and the deadline checks. */
  start(): void {
    this.heartbeatTimer = setInterval(() => this.sweep(), this.heartbeat);
    this.heartbeatTimer.unref();
    const every = Math.min(MAX_DEADLINE_CHECK_MS, Math.max(1, Math.floor(this.handshakeTimeout / 4)));
    this.deadlineTimer = setInterval(() => this.checkDeadlines(), every);
    this.deadlineTimer.unref();
  }

  /** Stops the timers. */
  stop(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    if (this.deadlineTimer !== null) clearInterval(this.deadlineTimer);
    this.heartbeatTimer = this.deadlineTimer = null;
  }

  /** Resolves once every socket has closed. */
  allClosed(): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.drained = resolve;
    });
  }

  // ConnectionHost

  nextId(): number {
    return this.nextSessionId++;
  }

  opened(conn: Connection): void {
    this.sessions.add(conn);
    this.live.add(conn);
    this.handshaking.add(conn);
  }

  handshake(conn: Connection, body: Uint8Array): void {
    this.handshaker.onHandshake(conn, body);
  }

  acked(conn: Connection): void {
    this.handshaking.delete(conn);
  }

  data(conn: Connection, body: Uint8Array): void {
    this.dispatcher.onData(conn, body);
  }

  ended(conn: Connection): void {
    if (!this.sessions.delete(conn)) return;
    const code = conn.closeCode;
    // Ends for cause were logged where they were detected; these have no other line.
    const level =
      code === ServerErrorCode.SlowConsumer ? 'warn' : code === ServerErrorCode.HeartbeatTimeout ? 'info' : 'debug';
    this.logger[level]('session closed', {
      session: conn.session.id,
      remoteAddress: conn.session.remoteAddress,
      code,
      reason: conn.closeReason,
    });
    this.closedListeners.ended(conn.session);
  }

  socketGone(conn: Connection): void {
    this.handshaking.delete(conn);
    this.live.delete(conn);
    if (this.live.size === 0 && this.drained !== null) {
      const done = this.drained;
      this.drained = null;
      done();
    }
  }

  // Timers

  /** Heartbeat sweep: one timer for every session. */
  private sweep(): void {
    const tick = ++this.tick;
    const packet = this.heartbeatPacket;
    // Closing deletes from the set while iterating, which Set iteration tolerates.
    for (const conn of this.sessions) {
      if (tick - conn.lastTick > 2) {
        const reason = `nothing received for ${2 * this.heartbeat} ms`;
        conn.end(ServerErrorCode.HeartbeatTimeout, reason, EndMode.Destroy, WsCloseCode.Normal);
      } else if (conn.state >= State.AwaitAck) {
        conn.send(packet);
      }
    }
  }

  /**
   * Cuts the connections that have not completed the handshake within `handshakeTimeout`, ended ones still flushing
   * included (the set is in opening order, so the scan stops at the first one still in time), and those whose transport has held an incomplete
   * message that long.
   */
  private checkDeadlines(): void {
    const now = performance.now();
    const limit = this.handshakeTimeout;
    for (const conn of this.handshaking) {
      if (now - conn.openedAt < limit) break;
      if (conn.closed) {
        conn.destroy();
        continue;
      }
      const reason = `no handshake within ${limit} ms`;
      conn.fail(`${reason}, closing the connection`, ServerErrorCode.HandshakeTimeout, reason, CUT, WsCloseCode.Normal);
    }
    for (const conn of this.sessions) {
      if (conn.stalledFor(now) < limit) continue;
      const reason = `a message incomplete for ${limit} ms`;
      conn.fail(`${reason}, closing the connection`, ServerErrorCode.HandshakeTimeout, reason, CUT, WsCloseCode.Normal);
    }
  }
}
