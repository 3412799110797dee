/**
 * The public face of a connection: what handlers, validators, hooks and groups get. Its state lives in the
 * connection behind it (connection.ts), reached through {@link SessionLink}, which this module declares so that it
 * imports nothing of the layers that implement it.
 * @packageDocumentation
 */
import { ServerErrorCode, serverError } from './errors.js';

/**
 * WebSocket close codes the server uses. Heartbeat timeouts, handshake timeouts and slow consumers are cut without
 * a close frame (the client sees 1006).
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

/** Serializes and writes pushes; implemented by the outbound module of the session's server. */
export interface PushPort {
  /** Serializes and pushes to one session; false when it was not sent. */
  push(link: SessionLink, route: string, body: unknown): boolean;
  /** Serializes a push body once, for several sessions. */
  serializePush(route: string, body: unknown): Uint8Array | string;
  /** The push packet, encoded once; null when outbound hooks must see each member's packet. */
  encodePush(route: string, body: Uint8Array | string): Uint8Array | null;
  /** Pushes an already serialized body to one session (outbound hooks run). */
  pushSerialized(link: SessionLink, route: string, body: Uint8Array | string): boolean;
  /** Opens a section in which ended sessions are reported to close listeners only when it closes. */
  enter(): void;
  /** Closes a section opened by {@link PushPort.enter}. */
  leave(): void;
}

/** What a {@link Session} and its groups need from the connection behind it. */
export interface SessionLink {
  readonly session: Session;
  readonly transport: 'ws' | 'tcp';
  readonly closed: boolean;
  readonly ready: boolean;
  readonly closeCode: ServerErrorCode | undefined;
  readonly closeReason: string | undefined;
  readonly outbound: PushPort;
  /** The member sets of the groups holding the session (it leaves them when it ends); null until the first. */
  memberships: Set<Set<Session>> | null;
  /** Writes a whole packet; false when the session is (or was just) closed. */
  send(packet: Uint8Array): boolean;
  kick(reason: string): void;
  close(): void;
}

/**
 * One client connection (nano's `*session.Session`). Handlers get it as their first argument.
 *
 * Created by the server; never construct one yourself.
 */
export class Session {
  /** Unique per server, counting from 1 (a safe integer, unlike nano's snowflake ids). */
  readonly id: number;
  /** The peer's IP address (`''` when unknown). */
  readonly remoteAddress: string;
  private readonly link: SessionLink;
  private boundUid: Uid | undefined;
  /** Allocated on the first `set`. */
  private data: Map<string, unknown> | null;

  /** @internal */
  constructor(link: SessionLink, id: number, remoteAddress: string) {
    this.link = link;
    this.id = id;
    this.remoteAddress = remoteAddress;
    this.boundUid = undefined;
    this.data = null;
  }

  /** Which transport carries the session. */
  get transport(): 'ws' | 'tcp' {
    return this.link.transport;
  }

  /** Why the session ended (one of `ServerErrorCode`); undefined while it is open. */
  get closeCode(): ServerErrorCode | undefined {
    return this.link.closeCode;
  }

  /** A human-readable reason matching {@link Session.closeCode}. */
  get closeReason(): string | undefined {
    return this.link.closeReason;
  }

  /** The uid given to {@link Session.bind}, or undefined. */
  get uid(): Uid | undefined {
    return this.boundUid;
  }

  /** True once the session is closed; pushes are then ignored. */
  get closed(): boolean {
    return this.link.closed;
  }

  /** True once the client acknowledged the handshake. */
  get ready(): boolean {
    return this.link.ready;
  }

  /**
   * Binds the session to a user id (nano's `Bind`).
   * @throws {ServerLiteError} `ERR_ILLEGAL_UID` unless `uid` is a positive safe integer or a non-empty string.
   */
  bind(uid: Uid): void {
    const ok =
      typeof uid === 'number' ? Number.isSafeInteger(uid) && uid >= 1 : typeof uid === 'string' && uid.length > 0;
    if (!ok) throw serverError(ServerErrorCode.IllegalUid, `illegal uid ${String(uid)}`);
    this.boundUid = uid;
  }

  /** A value stored with {@link Session.set}. */
  get<T = unknown>(key: string): T | undefined {
    return this.data === null ? undefined : (this.data.get(key) as T | undefined);
  }

  /** Stores a value on the session (nano's `Set`). */
  set(key: string, value: unknown): void {
    if (this.data === null) this.data = new Map();
    this.data.set(key, value);
  }

  /** True when `key` holds a value. */
  has(key: string): boolean {
    return this.data?.has(key) === true;
  }

  /** Removes a value; true when there was one. */
  remove(key: string): boolean {
    return this.data?.delete(key) === true;
  }

  /** Removes every stored value. */
  clear(): void {
    this.data = null;
  }

  /**
   * Pushes a message to the client. The route is compressed when it is in the dictionary.
   * @returns false when the session is closed (or was just closed as a slow consumer), true when queued.
   * @throws {ProtocolError} `ERR_SERIALIZE_FAILED` when the serializer cannot encode `body`.
   */
  push(route: string, body: unknown): boolean {
    const link = this.link;
    if (link.closed) return false;
    return link.outbound.push(link, route, body);
  }

  /**
   * Sends a Kick packet `{"reason": reason}`, flushes it, then closes the connection (WebSocket code 1000).
   * `closeCode` becomes `ERR_KICKED`.
   */
  kick(reason = 'kicked'): void {
    this.link.kick(reason);
  }

  /** Closes the connection after flushing what is queued, without a Kick (nano's `Close`). */
  close(): void {
    this.link.close();
  }
}

/**
 * The sessions of one transport, for code written when each transport had its own session class: it stays importable
 * as a value and `session instanceof WsSession` still tells the transport.
 * @deprecated Use {@link Session} (`session.transport === 'ws'`): one class serves both transports.
 */
export abstract class WsSession extends Session {
  static override [Symbol.hasInstance](value: unknown): value is WsSession {
    return value instanceof Session && value.transport === 'ws';
  }
}
/**
 * The sessions of one transport, for code written when each transport had its own session class: it stays importable
 * as a value and `session instanceof TcpSession` still tells the transport.
 * @deprecated Use {@link Session} (`session.transport === 'tcp'`): one class serves both transports.
 */
export abstract class TcpSession extends Session {
  static override [Symbol.hasInstance](value: unknown): value is TcpSession {
    return value instanceof Session && value.transport === 'tcp';
  }
}

/** The connection behind a session, for the modules of this package (not exported from the package). */
export function linkOf(session: Session): SessionLink {
  return session['link'];
}
