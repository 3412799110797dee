/**
 * The state machine of one connection, between a transport (below) and the session registry (above): it hands the
 * byte stream to protocol's framing, enforces the packet order (handshake, ack, data), holds what a client pipelines
 * while the handshake validator runs, stamps the heartbeat, bounds the outbound buffer and ends the connection once.
 * Transports subclass it with their four socket primitives; everything it needs from above comes through
 * {@link ConnectionHost}.
 * @packageDocumentation
 */
import {
  encodeKick,
  encodePacket,
  isNanoError,
  PacketReader,
  type PacketSink,
  PacketType,
  ProtocolErrorCode,
  scanPackets,
} from '@nanokit/protocol';
import { ServerErrorCode } from './errors.js';
import type { Logger } from './options.js';
import { type PushPort, Session, type SessionLink, WsCloseCode } from './session.js';
import { errorText } from './util.js';

/** Connection states. */
export const State = {
  /** Connected, waiting for the Handshake packet. */
  AwaitHandshake: 0,
  /** The handshake validator is running. */
  Validating: 1,
  /** Handshake reply sent, waiting for the HandshakeAck. */
  AwaitAck: 2,
  /** Acked: Data packets are accepted. */
  Working: 3,
  /** Closed (the socket may still be flushing). */
  Closed: 4,
} as const;

/** How a connection ends. */
export const EndMode = {
  /** Send a Kick packet with the reason, then close gracefully (flushing everything queued). */
  Kick: 0,
  /** Close gracefully without a Kick. */
  Graceful: 1,
  /** Cut the connection at once (dead or slow peer). */
  Destroy: 2,
} as const;
export type EndMode = (typeof EndMode)[keyof typeof EndMode];

/** Packets a client may pipeline behind its handshake while an async validator runs. */
const MAX_DEFERRED_PACKETS = 16;

/**
 * How long a gracefully ended connection whose output has all been handed to the kernel may wait for its peer (TCP:
 * the FIN; WebSocket: the close frame) before it is cut, in ms. A peer that never answers would otherwise hold the
 * socket (`ws` alone waits 30 s for the close frame).
 */
export const END_GRACE_MS = 2000;
/** Longest wait for a peer still reading what was queued for it before the end (a slow network), in ms. */
export const END_DRAIN_MS = 30_000;

/**
 * Cuts a gracefully ended socket that its peer does not finish closing: `END_GRACE_MS` after its output is all
 * flushed, or after `END_DRAIN_MS` when the peer is still reading it (the last pushes and the Kick of a slow but
 * healthy client are not thrown away). `pending()`: bytes not yet handed to the kernel; `closed()`: the socket is gone.
 */
export function cutWhenStuck(pending: () => number, closed: () => boolean, cut: () => void): void {
  const started = performance.now();
  const check = (): void => {
    if (closed()) return;
    if (pending() > 0 && performance.now() - started < END_DRAIN_MS) setTimeout(check, END_GRACE_MS).unref();
    else cut();
  };
  setTimeout(check, END_GRACE_MS).unref();
}

/** What a connection needs from the layers above it (implemented by the session registry). */
export interface ConnectionHost {
  readonly logger: Logger;
  readonly maxPacketSize: number;
  readonly maxOutboundBuffer: number;
  readonly outbound: PushPort;
  /** The heartbeat tick now. */
  readonly tick: number;
  /** The next session id. */
  nextId(): number;
  /** A connection was opened (its transport has wired its socket). */
  opened(conn: Connection): void;
  /** A Handshake packet in state AwaitHandshake. */
  handshake(conn: Connection, body: Uint8Array): void;
  /** The HandshakeAck arrived: the connection works. */
  acked(conn: Connection): void;
  /** A Data packet in state Working. */
  data(conn: Connection, body: Uint8Array): void;
  /** The connection ended (its socket may still be flushing). */
  ended(conn: Connection): void;
  /** Its socket has closed. */
  socketGone(conn: Connection): void;
}

/** One client connection. Subclasses supply the socket primitives. */
export abstract class Connection implements SessionLink, PacketSink {
  readonly host: ConnectionHost;
  readonly session: Session;
  abstract readonly transport: 'ws' | 'tcp';
  /** One of {@link State}. */
  state: number;
  /** Heartbeat tick of the last packet received. */
  lastTick: number;
  /** When the connection opened (monotonic ms), for the handshake deadline. */
  readonly openedAt: number;
  closeCode: ServerErrorCode | undefined;
  closeReason: string | undefined;
  memberships: Set<Set<Session>> | null;
  /** Rate-limit window start (monotonic ms) and count, kept by the dispatcher. */
  windowStart: number;
  windowCount: number;
  /**
   * The stream reader, created only once a chunk ends inside a packet: chunks that hold whole packets (every
   * WebSocket message of a well-behaved client) are scanned in place.
   */
  private reader: PacketReader | null;
  /** Packets received while the handshake validator runs. */
  private deferred: { packets: Array<{ type: number; body: Uint8Array }>; bytes: number } | null;
  private socketClosed: boolean;

  constructor(host: ConnectionHost, remoteAddress: string) {
    this.host = host;
    this.state = State.AwaitHandshake;
    this.lastTick = host.tick;
    this.openedAt = performance.now();
    this.closeCode = undefined;
    this.closeReason = undefined;
    this.memberships = null;
    this.windowStart = Number.NEGATIVE_INFINITY;
    this.windowCount = 0;
    this.reader = null;
    this.deferred = null;
    this.socketClosed = false;
    this.session = new Session(this, host.nextId(), remoteAddress);
  }

  get closed(): boolean {
    return this.state === State.Closed;
  }

  get ready(): boolean {
    return this.state === State.Working;
  }

  get outbound(): PushPort {
    return this.host.outbound;
  }

  kick(reason: string): void {
    this.end(ServerErrorCode.Kicked, reason, EndMode.Kick, WsCloseCode.Normal);
  }

  close(): void {
    this.end(ServerErrorCode.Closed, 'closed by the server', EndMode.Graceful, WsCloseCode.Normal);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Inbound: bytes → packets → the order rules

  /** Bytes from the transport, in order. Anything thrown while handling them closes this connection only. */
  receive(chunk: Uint8Array): void {
    if (this.state === State.Closed) return;
    try {
      let reader = this.reader;
      if (reader === null) {
        const max = this.host.maxPacketSize;
        const offset = scanPackets(chunk, 0, max, this);
        if (offset === chunk.length || this.state === State.Closed) return;
        // A partial packet or a bad header: the reader buffers the one and reports the other.
        reader = this.reader = new PacketReader({ maxBodyLength: max });
        chunk = chunk.subarray(offset);
      }
      reader.readTo(chunk, this);
    } catch (error) {
      if (this.state !== State.Closed) this.malformed(error);
    }
  }

  /** Every packet of the connection comes through here. */
  onPacket(type: PacketType, body: Uint8Array): void {
    const state = this.state;
    if (state === State.Closed) return;
    this.lastTick = this.host.tick;
    if (state === State.Validating) {
      // A client may pipeline its ack (and more) behind the handshake: hold them until the validator decides.
      this.hold(type, body);
      return;
    }
    switch (type) {
      case PacketType.Data:
        if (state !== State.Working) {
          this.violation(ServerErrorCode.DataBeforeAck, 'data before the handshake ack');
          return;
        }
        this.host.data(this, body);
        return;
      case PacketType.Heartbeat:
        return;
      case PacketType.Handshake:
        if (state !== State.AwaitHandshake) {
          this.violation(ServerErrorCode.HandshakeOrder, 'unexpected handshake');
          return;
        }
        this.host.handshake(this, body);
        return;
      case PacketType.HandshakeAck:
        if (state !== State.AwaitAck) {
          this.violation(ServerErrorCode.HandshakeOrder, 'handshake ack before the handshake reply');
          return;
        }
        this.state = State.Working;
        this.host.acked(this);
        return;
      default:
        // A Kick from a client: ignored, as nano does.
        return;
    }
  }

  /** Holds a packet that arrived while the handshake validator runs (bounded: a few packets, one packet size). */
  private hold(type: number, body: Uint8Array): void {
    let deferred = this.deferred;
    if (deferred === null) deferred = this.deferred = { packets: [], bytes: 0 };
    deferred.bytes += body.length;
    if (deferred.packets.length >= MAX_DEFERRED_PACKETS || deferred.bytes > this.host.maxPacketSize) {
      this.violation(ServerErrorCode.DataBeforeAck, 'too much data while the handshake is validated');
      return;
    }
    deferred.packets.push({ type, body: body.slice() });
  }

  /** The validator accepted: processes the packets held meanwhile, in order. */
  replayHeld(): void {
    const deferred = this.deferred;
    if (deferred === null) return;
    this.deferred = null;
    for (const p of deferred.packets) this.onPacket(p.type as PacketType, p.body);
  }

  /** The validator refused: the held packets are dropped. */
  dropHeld(): void {
    this.deferred = null;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Ending: one log line per connection ended for cause

  /** Malformed input: one log line, then a Kick with the reason and close. */
  malformed(error: unknown): void {
    const code = isNanoError(error) ? error.code : 'unknown';
    const wsCode = code === ProtocolErrorCode.PacketTooLarge ? WsCloseCode.MessageTooBig : WsCloseCode.ProtocolError;
    this.fail(
      'malformed input, closing the connection',
      ServerErrorCode.Protocol,
      `protocol violation (${code}): ${errorText(error)}`,
      EndMode.Kick,
      wsCode,
      error,
    );
  }

  /** A packet out of order: one log line, then a Kick with the reason and close. */
  violation(code: ServerErrorCode, reason: string): void {
    this.fail(`${reason}, closing the connection`, code, reason, EndMode.Kick, WsCloseCode.ProtocolError);
  }

  /**
   * Ends the connection for a cause the operator may want to see: one `warn` line with the reason, the remote
   * address and the code (the error, with its stack, only at `debug`).
   */
  fail(message: string, code: ServerErrorCode, reason: string, mode: EndMode, wsCode: number, error?: unknown): void {
    if (this.state === State.Closed) return;
    const logger = this.host.logger;
    const context = { session: this.session.id, remoteAddress: this.session.remoteAddress, code, reason };
    logger.warn(message, context);
    if (error !== undefined) logger.debug(message, { ...context, error });
    this.end(code, reason, mode, wsCode);
  }

  /**
   * Writes a whole packet, enforcing the outbound bound.
   * @returns false when the connection is closed or was closed as a slow consumer.
   */
  send(packet: Uint8Array): boolean {
    if (this.state === State.Closed) return false;
    // A packet may always be written to an idle socket, however large; beyond that the queue is bounded.
    const queued = this.bufferedBytes();
    const bound = this.host.maxOutboundBuffer;
    if (queued > 0 && queued + packet.length > bound) {
      this.end(
        ServerErrorCode.SlowConsumer,
        `outbound buffer over ${bound} bytes`,
        EndMode.Destroy,
        WsCloseCode.Normal,
      );
      return false;
    }
    this.write(packet);
    return true;
  }

  /** Ends the connection once: records the reason, leaves groups, tells the host, closes the socket. */
  end(code: ServerErrorCode, reason: string, mode: EndMode, wsCode: number): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.closeCode = code;
    this.closeReason = reason;
    this.deferred = null;
    const memberships = this.memberships;
    if (memberships !== null) {
      this.memberships = null;
      for (const members of memberships) members.delete(this.session);
    }
    if (!this.socketClosed) {
      if (mode === EndMode.Destroy) {
        this.destroy();
      } else {
        if (mode === EndMode.Kick) this.write(encodePacket(PacketType.Kick, encodeKick(reason)));
        this.endGracefully(wsCode, reason);
      }
    }
    this.host.ended(this);
  }

  /** The transport's socket has closed. */
  socketClosedByPeer(): void {
    if (this.socketClosed) return;
    this.socketClosed = true;
    this.end(ServerErrorCode.PeerClosed, 'connection closed by the peer', EndMode.Destroy, WsCloseCode.Normal);
    this.host.socketGone(this);
  }

  /**
   * How long (monotonic ms, at `now`) an incomplete message has been held by the transport below the packet stream
   * without progress to a whole one; 0 when none is. Only WebSocket buffers messages.
   */
  stalledFor(_now: number): number {
    return 0;
  }

  /** Bytes queued on the socket and not yet written. */
  abstract bufferedBytes(): number;
  /** Writes one packet. */
  protected abstract write(packet: Uint8Array): void;
  /** Closes after flushing (WebSocket: close frame with `code`). */
  protected abstract endGracefully(code: number, reason: string): void;
  /** Cuts the connection. */
  abstract destroy(): void;
}
