/**
 * Sessions: one per connection, transport-independent. The WebSocket and TCP subclasses only supply the four
 * transport primitives (write, buffered bytes, graceful end, destroy).
 * @packageDocumentation
 */
import { encodeKick, encodePacket, PacketReader, PacketType, scanPackets } from '@nanokit/protocol';
import { ServerErrorCode, serverError } from './errors.js';
import type { Group } from './group.js';
import type { NanoServer } from './server.js';

/** @internal Session states. */
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

/** @internal How a session ends. */
export const EndMode = {
  /** Send a Kick packet with the reason, then close gracefully (flushing everything queued). */
  Kick: 0,
  /** Close gracefully without a Kick. */
  Graceful: 1,
  /** Cut the connection at once (dead or slow peer). */
  Destroy: 2,
} as const;
/** @internal */
export type EndMode = (typeof EndMode)[keyof typeof EndMode];

/**
 * WebSocket close codes the server uses. Heartbeat timeouts and slow consumers are cut without a close frame
 * (the client sees 1006).
 */
export const WsCloseCode = {
  /** `session.close()`, `session.kick()`. */
  Normal: 1000,
  /** Server shutdown. */
  GoingAway: 1001,
  /** Malformed input, data before the ack, handshake packets out of order. */
  ProtocolError: 1002,
  /** Handshake refused by the validator, rate limit exceeded. */
  PolicyViolation: 1008,
  /** A packet over `maxPacketSize`. */
  MessageTooBig: 1009,
} as const;

/** A session id or uid a session can be bound to. */
export type Uid = number | string;

/**
 * One client connection (nano's `*session.Session`). Handlers get it as their first argument.
 *
 * Created by the server; never construct one yourself.
 */
export abstract class Session {
  /** Unique per server, counting from 1 (a safe integer, unlike nano's snowflake ids). */
  readonly id: number;
  /** The peer's IP address (`''` when unknown). */
  readonly remoteAddress: string;
  /** Which transport carries the session. */
  abstract readonly transport: 'ws' | 'tcp';
  /** Why the session ended (one of `ServerErrorCode`); undefined while it is open. */
  closeCode: ServerErrorCode | undefined;
  /** A human-readable reason matching {@link Session.closeCode}. */
  closeReason: string | undefined;

  /** @internal */ _server: NanoServer;
  /** @internal */ _state: number;
  /** @internal Heartbeat tick of the last packet received. */ _lastTick: number;
  /**
   * @internal The stream reader, created only once a chunk ends inside a packet: chunks that hold whole packets
   * (every WebSocket message of a well-behaved client) are parsed in place, with no reader and no callback.
   */
  _reader: PacketReader | null;
  /** @internal Groups holding this session; allocated on the first add. */ _groups: Set<Group> | null;
  /** @internal Rate-limit window start (monotonic ms, `performance.now()`) and count. */ _windowStart: number;
  /** @internal */ _windowCount: number;
  /** @internal True once the underlying socket has closed. */ _socketClosed: boolean;
  /** @internal Packets received while the handshake validator runs. */
  _deferred: { packets: Array<{ type: number; body: Uint8Array }>; bytes: number } | null;
  private _uid: Uid | undefined;
  private _data: Map<string, unknown> | null;

  /** @internal */
  constructor(server: NanoServer, id: number, remoteAddress: string, tick: number) {
    this._server = server;
    this.id = id;
    this.remoteAddress = remoteAddress;
    this.closeCode = undefined;
    this.closeReason = undefined;
    this._state = State.AwaitHandshake;
    this._lastTick = tick;
    this._reader = null;
    this._groups = null;
    this._windowStart = Number.NEGATIVE_INFINITY;
    this._windowCount = 0;
    this._socketClosed = false;
    this._deferred = null;
    this._uid = undefined;
    this._data = null;
  }

  /** The uid given to {@link Session.bind}, or undefined. */
  get uid(): Uid | undefined {
    return this._uid;
  }

  /** True once the session is closed; pushes are then ignored. */
  get closed(): boolean {
    return this._state === State.Closed;
  }

  /** True once the client acknowledged the handshake. */
  get ready(): boolean {
    return this._state === State.Working;
  }

  /**
   * Binds the session to a user id (nano's `Bind`).
   * @throws {ServerLiteError} `ERR_ILLEGAL_UID` unless `uid` is a positive safe integer or a non-empty string.
   */
  bind(uid: Uid): void {
    const ok =
      typeof uid === 'number' ? Number.isSafeInteger(uid) && uid >= 1 : typeof uid === 'string' && uid.length > 0;
    if (!ok) throw serverError(ServerErrorCode.IllegalUid, `illegal uid ${String(uid)}`);
    this._uid = uid;
  }

  /** A value stored with {@link Session.set}. */
  get<T = unknown>(key: string): T | undefined {
    return this._data === null ? undefined : (this._data.get(key) as T | undefined);
  }

  /** Stores a value on the session (nano's `Set`). */
  set(key: string, value: unknown): void {
    if (this._data === null) this._data = new Map();
    this._data.set(key, value);
  }

  /** True when `key` holds a value. */
  has(key: string): boolean {
    return this._data?.has(key) === true;
  }

  /** Removes a value; true when there was one. */
  remove(key: string): boolean {
    return this._data?.delete(key) === true;
  }

  /** Removes every stored value. */
  clear(): void {
    this._data = null;
  }

  /**
   * Pushes a message to the client. The route is compressed when it is in the dictionary.
   * @returns false when the session is closed (or was just closed as a slow consumer), true when queued.
   * @throws {ProtocolError} `ERR_SERIALIZE_FAILED` when the serializer cannot encode `body`.
   */
  push(route: string, body: unknown): boolean {
    if (this._state === State.Closed) return false;
    return this._server._push(this, route, body);
  }

  /**
   * Sends a Kick packet `{"reason": reason}`, flushes it, then closes the connection (WebSocket code 1000).
   * `closeCode` becomes `ERR_KICKED`.
   */
  kick(reason = 'kicked'): void {
    this._end(ServerErrorCode.Kicked, reason, EndMode.Kick, WsCloseCode.Normal);
  }

  /** Closes the connection after flushing what is queued, without a Kick (nano's `Close`). */
  close(): void {
    this._end(ServerErrorCode.Closed, 'closed by the server', EndMode.Graceful, WsCloseCode.Normal);
  }

  /** @internal Feeds received bytes. */
  _receive(chunk: Uint8Array): void {
    if (this._state === State.Closed) return;
    // Anything thrown while handling this chunk closes this connection only, never the process.
    try {
      let reader = this._reader;
      if (reader === null) {
        // Whole packets are handled in place; a reader takes over the rest (a partial packet, or a bad header,
        // which it reports).
        const offset = scanPackets(chunk, 0, this._server._maxPacketSize, this);
        if (offset === chunk.length || this._state === State.Closed) return;
        reader = this._reader = new PacketReader({ maxBodyLength: this._server._maxPacketSize });
        chunk = chunk.subarray(offset);
      }
      reader.readTo(chunk, this);
    } catch (error) {
      if (this._state === State.Closed) return;
      this._server._protocolFailure(this, error);
    }
  }

  /** @internal One packet from the stream. */
  onPacket(type: PacketType, body: Uint8Array): void {
    this._server._onPacket(this, type, body);
  }

  /**
   * @internal Writes a whole packet, enforcing the outbound bound.
   * @returns false when the session is closed or was closed as a slow consumer.
   */
  _send(packet: Uint8Array): boolean {
    if (this._state === State.Closed) return false;
    // A packet may always be written to an idle socket, however large; beyond that the queue is bounded.
    const queued = this._bufferedBytes();
    if (queued > 0 && queued + packet.length > this._server._maxOutboundBuffer) {
      this._end(
        ServerErrorCode.SlowConsumer,
        `outbound buffer over ${this._server._maxOutboundBuffer} bytes`,
        EndMode.Destroy,
        WsCloseCode.Normal,
      );
      return false;
    }
    this._write(packet);
    return true;
  }

  /** @internal Ends the session once: records the reason, leaves groups, notifies the server, closes the socket. */
  _end(code: ServerErrorCode, reason: string, mode: EndMode, wsCode: number): void {
    if (this._state === State.Closed) return;
    this._state = State.Closed;
    this.closeCode = code;
    this.closeReason = reason;
    const groups = this._groups;
    if (groups !== null) {
      this._groups = null;
      for (const group of groups) group._remove(this);
    }
    if (!this._socketClosed) {
      if (mode === EndMode.Destroy) {
        this._destroy();
      } else {
        if (mode === EndMode.Kick) this._write(encodePacket(PacketType.Kick, encodeKick(reason)));
        this._endGracefully(wsCode, reason);
      }
    }
    this._server._sessionEnded(this);
  }

  /** @internal Called by the transport when the socket has closed. */
  _onSocketClosed(): void {
    if (this._socketClosed) return;
    this._socketClosed = true;
    this._end(ServerErrorCode.PeerClosed, 'connection closed by the peer', EndMode.Destroy, WsCloseCode.Normal);
    this._server._socketGone(this);
  }

  /** @internal Bytes queued on the socket and not yet written. */
  abstract _bufferedBytes(): number;
  /** @internal Writes one packet. */
  protected abstract _write(packet: Uint8Array): void;
  /** @internal Closes after flushing (WebSocket: close frame with `code`). */
  protected abstract _endGracefully(code: number, reason: string): void;
  /** @internal Cuts the connection. */
  abstract _destroy(): void;
}
