/**
 * Errors of @nanokit/client. Every class extends `NanoError` from @nanokit/protocol and carries a stable `code`
 * (listed in docs/errors.md). Check them with `isNanoError(error, code)`, which survives duplicate package copies.
 * @packageDocumentation
 */
import { NanoError } from '@nanokit/protocol';

/** Stable error codes of @nanokit/client. */
export const ClientErrorCode = {
  /** A request got no response within its timeout (nano never answers failed requests). */
  RequestTimeout: 'ERR_REQUEST_TIMEOUT',
  /** The connection is not open, or closed while the operation was pending. */
  ConnectionClosed: 'ERR_CONNECTION_CLOSED',
  /** The server answered with an error response (pitaya error flag 0x20, body `{code, msg}`). */
  ServerError: 'ERR_SERVER_ERROR',
  /** The request's AbortSignal fired. */
  Aborted: 'ERR_ABORTED',
  /** A notify was sent while disconnected and the notify buffer was already full. */
  NotifyQueueFull: 'ERR_NOTIFY_QUEUE_FULL',
  /**
   * A response or push with flag 0x10 (pitaya's compression: zlib) that could not be inflated: neither zlib nor gzip,
   * no `inflate` option (the browser entry; `import { inflate } from '@nanokit/client/inflate'`), or it threw on bad
   * data (`cause`).
   */
  CompressedMessage: 'ERR_COMPRESSED_MESSAGE',
  /** No transport can be created here (e.g. no global `WebSocket`, and none was passed). */
  NoTransport: 'ERR_NO_TRANSPORT',
  /** The URL is not `scheme://host…` (or not `tcp://host:port` for the TCP transport). */
  InvalidUrl: 'ERR_INVALID_URL',
  /** Connecting failed: the port refused the connection (`ECONNREFUSED`). */
  ConnectRefused: 'ERR_CONNECT_REFUSED',
  /** Connecting failed: the host name could not be resolved (`ENOTFOUND`, `EAI_AGAIN`). */
  ConnectDns: 'ERR_CONNECT_DNS',
  /** Connecting failed: the server answered the WebSocket upgrade with another HTTP status (`status`, e.g. 404). */
  ConnectHttp: 'ERR_CONNECT_HTTP',
  /** Connecting failed: TLS (`wss://`) could not be set up, e.g. an untrusted or expired certificate. */
  ConnectTls: 'ERR_CONNECT_TLS',
  /** Connecting failed: the socket did not open and complete the handshake within `connectTimeout`. */
  ConnectTimeout: 'ERR_CONNECT_TIMEOUT',
  /** Connecting failed for another reason, or one the host does not tell (browsers never do). */
  ConnectFailed: 'ERR_CONNECT_FAILED',
  /** The socket reported an error while open (`cause`: the host's error); a `disconnect` follows. */
  Socket: 'ERR_SOCKET',
  /** A listener (push handler, lifecycle listener) threw; `cause` is what it threw. */
  ListenerThrew: 'ERR_LISTENER_THREW',
} as const;
/** One of the {@link ClientErrorCode} values. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** A request got no response within its timeout. */
export class RequestTimeoutError extends NanoError {
  /** The request's route. */
  readonly route: string;
  /** The request's message id. */
  readonly id: number;
  constructor(route: string, id: number, timeout: number) {
    super('ERR_REQUEST_TIMEOUT', `${route} #${id}: no response in ${timeout} ms`);
    this.name = 'RequestTimeoutError';
    this.route = route;
    this.id = id;
  }
}

/**
 * The connection is not open, or it closed while a request was pending. `code`/`reason` are the close code and
 * reason of the connection (see the README for the codes the client uses itself, e.g. 4000 `heartbeat-timeout`).
 */
export class ConnectionClosedError extends NanoError {
  /** The close code, e.g. 1006 for a dropped connection, 1000 for `close()`. */
  readonly closeCode: number;
  /** The close reason, e.g. `'heartbeat-timeout'`, `'client-close'`, `'not-connected'`. */
  readonly reason: string;
  constructor(closeCode: number, reason: string, message?: string, cause?: unknown) {
    super('ERR_CONNECTION_CLOSED', message || `closed: ${closeCode} ${reason}`, { cause });
    this.name = 'ConnectionClosedError';
    this.closeCode = closeCode;
    this.reason = reason;
  }
}

/** The `code`s of {@link ConnectError}. */
export type ConnectErrorCode =
  | 'ERR_CONNECT_REFUSED'
  | 'ERR_CONNECT_DNS'
  | 'ERR_CONNECT_HTTP'
  | 'ERR_CONNECT_TLS'
  | 'ERR_CONNECT_TIMEOUT'
  | 'ERR_CONNECT_FAILED';

/**
 * Opening the connection failed before the handshake: `connect()` rejects with it (a reconnect attempt emits it as
 * an `error` event). `code` says why, `cause` holds the host's own error where the host gives one (Node: the
 * `ECONNREFUSED`… error; browsers give none, see docs/errors.md). A {@link ConnectionClosedError} too, with the close
 * code and reason of the socket.
 */
export class ConnectError extends ConnectionClosedError {
  declare readonly code: ConnectErrorCode;
  /** The HTTP status of a refused WebSocket upgrade (`ERR_CONNECT_HTTP`), e.g. 404. */
  readonly status: number | undefined;
  constructor(
    code: ConnectErrorCode,
    closeCode: number,
    reason: string,
    message: string,
    cause?: unknown,
    status?: number,
  ) {
    super(closeCode, reason, message, cause);
    (this as { code: string }).code = code;
    this.name = 'ConnectError';
    this.status = status;
  }
}

/**
 * The server answered a request with an error response (pitaya / server-lite error flag 0x20). The body of such a
 * response is always JSON `{code, msg}`, whatever the serializer.
 */
export class ServerError extends NanoError {
  /** The server's code, e.g. `'PIT-404'` (unknown route), `'PIT-500'` (handler error), or a number. */
  readonly serverCode: string | number | undefined;
  /** The server's message. */
  readonly msg: string;
  /** The route of the request. */
  readonly route: string;
  /** The whole decoded error body. */
  readonly data: unknown;
  constructor(route: string, data: unknown) {
    const { code, msg } = Object(data) as { code?: unknown; msg?: unknown };
    const serverCode = typeof code === 'string' || typeof code === 'number' ? code : undefined;
    const text = typeof msg === 'string' ? msg : '';
    super('ERR_SERVER_ERROR', `${route}: ${serverCode} ${text}`);
    this.name = 'ServerError';
    this.serverCode = serverCode;
    this.msg = text;
    this.route = route;
    this.data = data;
  }
}

/** The request's AbortSignal fired; `cause` holds the signal's reason. */
export class RequestAbortedError extends NanoError {
  /** The request's route. */
  readonly route: string;
  constructor(route: string, reason: unknown) {
    super('ERR_ABORTED', `${route}: aborted`, { cause: reason });
    this.name = 'RequestAbortedError';
    this.route = route;
  }
}

/** Thrown by `notify()` while disconnected when the notify buffer is full. */
export class NotifyQueueFullError extends NanoError {
  /** The route of the rejected notify. */
  readonly route: string;
  constructor(route: string, limit: number) {
    super('ERR_NOTIFY_QUEUE_FULL', `${route}: ${limit} notifies queued`);
    this.name = 'NotifyQueueFullError';
    this.route = route;
  }
}
