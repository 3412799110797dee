/**
 * Errors of @nanokit/client. Every class extends `NanoError` from @nanokit/protocol and carries a stable `code`
 * (listed in docs/errors.md). Check them with `isNanoError(error, code)`, which survives duplicate package copies.
 * `NanoError`'s constructor already restores the subclass prototype for ES5 targets (`new.target`).
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
  constructor(closeCode: number, reason: string, message?: string) {
    super('ERR_CONNECTION_CLOSED', message || `closed: ${closeCode} ${reason}`);
    this.name = 'ConnectionClosedError';
    this.closeCode = closeCode;
    this.reason = reason;
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
