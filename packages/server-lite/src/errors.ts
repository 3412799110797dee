/**
 * Errors and close reasons of @nanokit/server-lite. Every code is listed in docs/errors.md.
 * @packageDocumentation
 */
import { NanoError, type NanoErrorOptions } from '@nanokit/protocol';

/**
 * Stable codes of @nanokit/server-lite: thrown by its API, and recorded as {@link Session.closeCode} when a session
 * ends. Codes never change meaning between releases.
 * @see docs/errors.md
 */
export const ServerErrorCode = {
  /** The server closed the session: {@link Session.close}. */
  Closed: 'ERR_SESSION_CLOSED_BY_SERVER',
  /** The server kicked the session: {@link Session.kick}. */
  Kicked: 'ERR_KICKED',
  /** The peer closed the connection (or it failed). */
  PeerClosed: 'ERR_PEER_CLOSED',
  /** The server is shutting down ({@link NanoServer.close}). */
  Shutdown: 'ERR_SERVER_SHUTDOWN',
  /** Malformed input: bad framing or an undecodable message. The ProtocolError is the `cause` in the log. */
  Protocol: 'ERR_PROTOCOL_VIOLATION',
  /** A Data packet before the HandshakeAck. */
  DataBeforeAck: 'ERR_DATA_BEFORE_ACK',
  /** A Handshake or HandshakeAck packet out of order (second handshake, ack before the handshake reply). */
  HandshakeOrder: 'ERR_HANDSHAKE_ORDER',
  /** The handshake validator refused the client. */
  HandshakeRejected: 'ERR_HANDSHAKE_REJECTED',
  /**
   * The handshake was not completed within `handshakeTimeout`, or a WebSocket message stayed incomplete that long.
   */
  HandshakeTimeout: 'ERR_HANDSHAKE_TIMEOUT',
  /** Nothing received for two heartbeat intervals. */
  HeartbeatTimeout: 'ERR_HEARTBEAT_TIMEOUT',
  /** The peer does not read fast enough: its outbound buffer passed `maxOutboundBuffer`. */
  SlowConsumer: 'ERR_SLOW_CONSUMER',
  /** The peer sent more messages than `rateLimit` allows. */
  RateLimited: 'ERR_RATE_LIMITED',
  /** `maxConnections` sessions are already open; the connection was refused. */
  TooManyConnections: 'ERR_TOO_MANY_CONNECTIONS',
  /** `bind` with a uid that is not a positive safe integer or a non-empty string. */
  IllegalUid: 'ERR_ILLEGAL_UID',
  /** `register` with a component that has no handler, or a route registered twice. */
  InvalidComponent: 'ERR_INVALID_COMPONENT',
  /** An invalid option or argument (bad heartbeat, bad listen options…). */
  InvalidOption: 'ERR_INVALID_OPTION',
  /** `listen` or `attach` after `close`. */
  ServerClosed: 'ERR_SERVER_CLOSED',
  /** `add` on a closed {@link Group}. */
  GroupClosed: 'ERR_GROUP_CLOSED',
} as const;
/** One of the {@link ServerErrorCode} values. */
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

/**
 * Codes of the error responses a request gets when `errorResponses` is on (pitaya-style `{code, msg}` bodies with
 * message flag 0x20).
 */
export const ErrorResponseCode = {
  /** The request body could not be decoded by the serializer. */
  BadRequest: 'PIT-400',
  /** No handler is registered for the route. */
  NotFound: 'PIT-404',
  /** The handler threw (or its promise rejected) with something other than a {@link HandlerError}. */
  Internal: 'PIT-500',
} as const;

/** An error thrown by the @nanokit/server-lite API; `code` is one of {@link ServerErrorCode}. */
export class ServerLiteError extends NanoError {
  declare readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: NanoErrorOptions) {
    super(code, message, options);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ServerLiteError';
  }
}

/**
 * Throw (or reject with) this from a handler to choose the error response the client gets:
 * `{"code": code, "msg": message}` with the error flag (0x20). Other errors become `PIT-500`.
 *
 * @example
 * if (!room) throw new HandlerError('ROOM-404', 'no such room');
 */
export class HandlerError extends NanoError {
  /** Extra JSON-serializable fields sent as `metadata` in the error body (pitaya's `metadata`). */
  readonly metadata: Record<string, unknown> | undefined;

  /**
   * @param code - the application error code sent to the client (e.g. `PIT-403`, `ROOM_FULL`).
   * @param message - the human-readable `msg` sent to the client.
   */
  constructor(code: string, message: string, metadata?: Record<string, unknown>, options?: NanoErrorOptions) {
    super(code, message, options);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'HandlerError';
    this.metadata = metadata;
  }
}

/** @internal */
export function serverError(code: ServerErrorCode, message: string, cause?: unknown): ServerLiteError {
  return new ServerLiteError(code, message, cause === undefined ? undefined : { cause });
}
