/**
 * Dispatch of Data messages: decode, rate limit, inbound pipeline, handler call. Answers go out through the
 * outbound module.
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import {
  decodeMessage,
  encodeUtf8,
  type Message,
  type MessageDecodeOptions,
  MessageType,
  type RouteDictionary,
  type Serializer,
} from '@nanokit/protocol';
import type { Handler } from './component.js';
import { type Connection, EndMode } from './connection.js';
import { ErrorResponseCode, HandlerError, ServerErrorCode } from './errors.js';
import type { Logger, PipelineHook, RateLimit } from './options.js';
import type { Outbound } from './outbound.js';
import { runPipeline } from './pipeline.js';
import type { Session } from './session.js';
import { WsCloseCode } from './session.js';
import { errorText, isThenable } from './util.js';

/** What the dispatcher needs from the server options. */
export interface DispatcherOptions {
  logger: Logger;
  serializer: Serializer;
  dictionary: RouteDictionary;
  rateLimit: RateLimit | undefined;
  inbound: PipelineHook[] | null;
  outbound: Outbound;
}

/** Routes Data messages to handlers. One per server. */
export class Dispatcher {
  /** Route → handler. */
  readonly handlers = new Map<string, Handler>();
  private readonly logger: Logger;
  private readonly serializer: Serializer;
  private readonly rateLimit: RateLimit | undefined;
  private readonly inbound: PipelineHook[] | null;
  private readonly outbound: Outbound;
  private readonly decodeOptions: MessageDecodeOptions;

  constructor(options: DispatcherOptions) {
    this.logger = options.logger;
    this.serializer = options.serializer;
    this.rateLimit = options.rateLimit;
    this.inbound = options.inbound;
    this.outbound = options.outbound;
    this.decodeOptions = { dictionary: options.dictionary };
  }

  /** Handles the body of a Data packet from a connection in state Working. */
  onData(conn: Connection, body: Uint8Array): void {
    let msg: Message;
    try {
      msg = decodeMessage(body, this.decodeOptions);
    } catch (error) {
      conn.malformed(error);
      return;
    }
    const session = conn.session;
    const type = msg.type;
    if (type !== MessageType.Request && type !== MessageType.Notify) {
      this.logger.debug('ignored a message of type Response/Push from a client', { session: session.id });
      return;
    }
    const limit = this.rateLimit;
    if (limit !== undefined && !this.withinRate(conn, limit)) return;
    if (type === MessageType.Request && msg.id === 0) {
      this.logger.debug('request with id 0: the handler runs, no response is sent (as in nano)', {
        session: session.id,
        route: msg.route,
      });
    }
    let route = msg.route;
    let payload: Uint8Array | string = msg.body;
    const inbound = this.inbound;
    const outbound = this.outbound;
    if (inbound !== null) {
      const result = runPipeline(inbound, session, msg, this.logger);
      if (result === null) {
        if (type === MessageType.Request) {
          outbound.answerError(conn, msg.id, route, ErrorResponseCode.Internal, 'inbound pipeline failed');
        }
        return;
      }
      if (result === false) return;
      route = result.route;
      payload = result.body;
    }
    const handler = this.handlers.get(route);
    if (handler === undefined) {
      this.logger.warn('no handler for route', { session: session.id, route });
      if (type === MessageType.Request) {
        outbound.answerError(conn, msg.id, route, ErrorResponseCode.NotFound, `no handler for route "${route}"`);
      }
      return;
    }
    let value: unknown;
    try {
      const bytes = typeof payload === 'string' ? encodeUtf8(payload) : payload;
      value = handler.raw ? bytes.slice() : this.serializer.decode(route, bytes, type);
    } catch (error) {
      this.logger.warn('undecodable message body', { session: session.id, route, reason: errorText(error) });
      if (type === MessageType.Request) {
        outbound.answerError(conn, msg.id, route, ErrorResponseCode.BadRequest, errorText(error));
      }
      return;
    }
    let result: unknown;
    let later: Promise<unknown> | null = null;
    try {
      result = (handler.fn as (s: Session, b: unknown) => unknown).call(handler.component, session, value);
      // Promise.resolve reads `then` once, settles once (a thenable that calls back twice answers once), and turns a
      // throwing `then` into a rejection.
      if (isThenable(result)) later = Promise.resolve(result);
    } catch (error) {
      this.handlerFailed(conn, type, msg.id, route, error);
      return;
    }
    if (type === MessageType.Request) {
      if (later !== null) {
        const id = msg.id;
        later.then(
          (v) => outbound.answer(conn, id, route, v),
          (error: unknown) => this.handlerFailed(conn, type, id, route, error),
        );
      } else {
        outbound.answer(conn, msg.id, route, result);
      }
    } else if (later !== null) {
      later.then(undefined, (error: unknown) => this.handlerFailed(conn, type, 0, route, error));
    }
  }

  /**
   * Counts a message in the connection's fixed window. The windows run on the monotonic clock (`performance.now()`),
   * not the wall clock: a wall-clock step back (NTP correction, VM resume) would otherwise keep a window open until
   * the clock caught up, and kick clients sending well under the limit.
   */
  private withinRate(conn: Connection, limit: RateLimit): boolean {
    const now = performance.now();
    if (now - conn.windowStart >= limit.interval) {
      conn.windowStart = now;
      conn.windowCount = 0;
    }
    if (++conn.windowCount <= limit.messages) return true;
    const reason = `more than ${limit.messages} messages in ${limit.interval} ms`;
    conn.fail(
      'rate limit exceeded, closing the connection',
      ServerErrorCode.RateLimited,
      reason,
      EndMode.Kick,
      WsCloseCode.PolicyViolation,
    );
    return false;
  }

  /** A handler threw or rejected: logs it and answers a request. Never throws (it also runs in promise callbacks). */
  private handlerFailed(conn: Connection, type: number, id: number, route: string, error: unknown): void {
    const failure = describeFailure(error);
    const session = conn.session.id;
    if (failure.refused) {
      this.logger.info('handler refused the message', { session, route, code: failure.code });
    } else {
      this.logger.error('handler failed', { session, route, error });
    }
    if (type === MessageType.Request) {
      this.outbound.answerError(conn, id, route, failure.code, failure.msg, failure.metadata);
    }
  }
}

/** What the client is told about a handler failure. */
interface Failure {
  /** True for a {@link HandlerError}: the handler chose the code. */
  refused: boolean;
  code: string;
  msg: string;
  metadata: Record<string, unknown> | undefined;
}

/**
 * A HandlerError keeps its code, message and metadata; anything else is `PIT-500` with its text. Never throws, whatever
 * was thrown (a proxy, a HandlerError subclass with throwing getters).
 */
function describeFailure(error: unknown): Failure {
  try {
    if (error instanceof HandlerError) {
      return { refused: true, code: String(error.code), msg: String(error.message), metadata: error.metadata };
    }
  } catch {
    // Fall through: reported as any other failure.
  }
  return { refused: false, code: ErrorResponseCode.Internal, msg: errorText(error), metadata: undefined };
}
