/**
 * Dispatch of Data messages: decode, pipeline, handler call, responses and error responses, pushes.
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import {
  decodeMessage,
  encodeUtf8,
  type Message,
  type MessageDecodeOptions,
  MessageType,
  PacketWriter,
  type RouteDictionary,
  type Serializer,
} from '@nanokit/protocol';
import type { Handler } from './component.js';
import { ErrorResponseCode, HandlerError, ServerErrorCode } from './errors.js';
import type { Logger, PipelineHook, PipelineMessage, RateLimit } from './options.js';
import { EndMode, type Session, State, WsCloseCode } from './session.js';
import { closeForProtocolError, errorText, isThenable, toBuffer } from './util.js';

/** @internal What the dispatcher needs from the server options. */
export interface DispatcherOptions {
  logger: Logger;
  serializer: Serializer;
  dictionary: RouteDictionary;
  errorResponses: boolean;
  rateLimit: RateLimit | undefined;
  inbound: PipelineHook[] | null;
  outbound: PipelineHook[] | null;
}

/** @internal Routes Data messages to handlers and encodes what goes back. One per server. */
export class Dispatcher {
  /** Route → handler. */
  readonly handlers = new Map<string, Handler>();
  private readonly _logger: Logger;
  private readonly serializer: Serializer;
  private readonly errorResponses: boolean;
  private readonly rateLimit: RateLimit | undefined;
  private readonly inbound: PipelineHook[] | null;
  private readonly outbound: PipelineHook[] | null;
  private readonly decodeOptions: MessageDecodeOptions;
  /** True when the serializer is JSON, whose bodies must never be empty. */
  private readonly jsonBodies: boolean;
  /** One slab encoder for the whole server (its packets are never overwritten, so sharing it is safe). */
  private readonly writer: PacketWriter;

  constructor(options: DispatcherOptions) {
    this._logger = options.logger;
    this.serializer = options.serializer;
    this.jsonBodies = options.serializer.name === 'json';
    this.errorResponses = options.errorResponses;
    this.rateLimit = options.rateLimit;
    this.inbound = options.inbound;
    this.outbound = options.outbound;
    this.decodeOptions = { dictionary: options.dictionary };
    this.writer = new PacketWriter({ dictionary: options.dictionary });
  }

  /** Handles the body of a Data packet from a session in state Working. */
  onData(session: Session, body: Uint8Array): void {
    let msg: Message;
    try {
      msg = decodeMessage(body, this.decodeOptions);
    } catch (error) {
      closeForProtocolError(this._logger, session, error);
      return;
    }
    const type = msg.type;
    if (type !== MessageType.Request && type !== MessageType.Notify) {
      this._logger.debug('ignored a message of type Response/Push from a client', { session: session.id });
      return;
    }
    const limit = this.rateLimit;
    if (limit !== undefined && !this.withinRate(session, limit)) return;
    if (type === MessageType.Request && msg.id === 0) {
      this._logger.debug('request with id 0: the handler runs, no response is sent (as in nano)', {
        session: session.id,
        route: msg.route,
      });
    }
    let route = msg.route;
    let payload: Uint8Array | string = msg.body;
    const inbound = this.inbound;
    if (inbound !== null) {
      const result = this.runPipeline(inbound, session, msg);
      if (result === null) {
        if (type === MessageType.Request) {
          this.answerError(session, msg.id, route, ErrorResponseCode.Internal, 'inbound pipeline failed');
        }
        return;
      }
      if (result === false) return;
      route = result.route;
      payload = result.body;
    }
    const handler = this.handlers.get(route);
    if (handler === undefined) {
      this._logger.warn('no handler for route', { session: session.id, route });
      if (type === MessageType.Request) {
        this.answerError(session, msg.id, route, ErrorResponseCode.NotFound, `no handler for route "${route}"`);
      }
      return;
    }
    let value: unknown;
    try {
      const bytes = typeof payload === 'string' ? encodeUtf8(payload) : payload;
      value = handler.raw ? bytes.slice() : this.serializer.decode(route, bytes, type);
    } catch (error) {
      this._logger.warn('undecodable message body', { session: session.id, route, error });
      if (type === MessageType.Request) {
        this.answerError(session, msg.id, route, ErrorResponseCode.BadRequest, errorText(error));
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
      this.handlerFailed(session, type, msg.id, route, error);
      return;
    }
    if (type === MessageType.Request) {
      if (later !== null) {
        const id = msg.id;
        later.then(
          (v) => this.answer(session, id, route, v),
          (error: unknown) => this.handlerFailed(session, type, id, route, error),
        );
      } else {
        this.answer(session, msg.id, route, result);
      }
    } else if (later !== null) {
      later.then(undefined, (error: unknown) => this.handlerFailed(session, type, 0, route, error));
    }
  }

  /**
   * Counts a message in the session's fixed window. The windows run on the monotonic clock (`performance.now()`), not
   * the wall clock: a wall-clock step back (NTP correction, VM resume) would otherwise keep a window open until the
   * clock caught up, and kick clients sending well under the limit.
   */
  private withinRate(session: Session, limit: RateLimit): boolean {
    const now = performance.now();
    if (now - session._windowStart >= limit.interval) {
      session._windowStart = now;
      session._windowCount = 0;
    }
    if (++session._windowCount <= limit.messages) return true;
    const reason = `more than ${limit.messages} messages in ${limit.interval} ms`;
    this._logger.warn('rate limit exceeded, closing the connection', {
      session: session.id,
      remoteAddress: session.remoteAddress,
      code: ServerErrorCode.RateLimited,
    });
    session._end(ServerErrorCode.RateLimited, reason, EndMode.Kick, WsCloseCode.PolicyViolation);
    return false;
  }

  /** Runs hooks in order; null when one threw, false when one dropped the message. */
  private runPipeline(hooks: PipelineHook[], session: Session, msg: PipelineMessage): PipelineMessage | false | null {
    let current = msg;
    for (let i = 0; i < hooks.length; i++) {
      let result: ReturnType<PipelineHook>;
      try {
        result = (hooks[i] as PipelineHook)(session, current);
      } catch (error) {
        this._logger.error('pipeline hook threw', { session: session.id, route: current.route, error });
        return null;
      }
      if (result === false) return false;
      if (result !== undefined && result !== null) current = result;
    }
    return current;
  }

  /** A handler threw or rejected: logs it and answers a request. Never throws (it also runs in promise callbacks). */
  private handlerFailed(session: Session, type: number, id: number, route: string, error: unknown): void {
    const failure = describeFailure(error);
    if (failure.refused) {
      this._logger.info('handler refused the message', { session: session.id, route, code: failure.code });
    } else {
      this._logger.error('handler failed', { session: session.id, route, error });
    }
    if (type === MessageType.Request) this.answerError(session, id, route, failure.code, failure.msg, failure.metadata);
  }

  /**
   * Sends a handler's result as the response to request `id`. Never throws (it also runs in promise callbacks): a
   * result that cannot be serialized or encoded (a cycle, a BigInt, over 16 MiB) becomes a `PIT-500` answer.
   * Request id 0 is never answered, as in nano (`ResponseMid` refuses mid 0): pomelo-family clients
   * would take a Response with id 0 for a Push to route "".
   */
  private answer(session: Session, id: number, route: string, value: unknown): void {
    if (id === 0 || session._state === State.Closed) return;
    try {
      this.sendMessage(
        session,
        MessageType.Response,
        id,
        route,
        this.encodeBody(route, value, MessageType.Response),
        false,
      );
    } catch (error) {
      this._logger.error('cannot send the response', { session: session.id, route, error });
      this.answerError(
        session,
        id,
        route,
        ErrorResponseCode.Internal,
        `the response could not be sent: ${errorText(error)}`,
      );
    }
  }

  /** Sends an error response (flag 0x20, JSON body); nothing for id 0 or with `errorResponses` off. Never throws. */
  private answerError(
    session: Session,
    id: number,
    route: string,
    code: string,
    msg: string,
    metadata?: Record<string, unknown>,
  ): void {
    if (id === 0 || !this.errorResponses || session._state === State.Closed) return;
    const error: Record<string, unknown> = { code, msg };
    if (metadata !== undefined) error['metadata'] = metadata;
    try {
      let body: string;
      try {
        body = JSON.stringify(error);
      } catch {
        body = JSON.stringify({ code, msg });
      }
      this.sendMessage(session, MessageType.Response, id, route, body, true);
    } catch (failure) {
      this._logger.error('cannot send the error response', { session: session.id, route, error: failure });
    }
  }

  /**
   * Runs the outbound hooks (unless `hooks` is false), encodes and writes a Response or Push.
   *
   * A Response whose hooks threw is answered `PIT-500` (with `errorResponses` on) written without the hooks, which
   * already failed on this response: a request is always answered, as when an inbound hook or the handler fails. A
   * Push whose hooks threw is not sent (false).
   */
  private sendMessage(
    session: Session,
    type: MessageType,
    id: number,
    route: string,
    body: Uint8Array | string,
    error: boolean,
    hooks = true,
  ): boolean {
    const outbound = hooks ? this.outbound : null;
    if (outbound !== null) {
      const msg: PipelineMessage = { type, id, route, body };
      if (error) msg.error = true;
      const result = this.runPipeline(outbound, session, msg);
      if (result === false) return false;
      if (result === null) {
        if (type !== MessageType.Response || id === 0 || !this.errorResponses) return false;
        const failure = JSON.stringify({ code: ErrorResponseCode.Internal, msg: 'outbound pipeline failed' });
        return this.sendMessage(session, type, id, route, failure, true, false);
      }
      route = result.route;
      body = result.body;
      error = result.error === true;
    }
    const packet = this.writer.encodeDataPacket(
      type === MessageType.Response ? { type, id, body, error } : { type: MessageType.Push, route, body },
    );
    return session._send(packet);
  }

  /** Serializes and pushes. */
  push(session: Session, route: string, body: unknown): boolean {
    return this.pushSerialized(session, route, this.serializePush(route, body));
  }

  /** Serializes a push body once. */
  serializePush(route: string, body: unknown): Uint8Array | string {
    return this.encodeBody(route, body, MessageType.Push);
  }

  /**
   * A response or push body: bytes are sent raw (nano sends a `[]byte` value unserialized), anything else goes
   * through the serializer. JSON never yields an empty body: `undefined` and empty bytes become `null`, because
   * nano's Go decoder and the reference JS client both fail on an empty body.
   */
  private encodeBody(route: string, value: unknown, type: MessageType): Uint8Array | string {
    const body = value instanceof Uint8Array ? value : this.serializer.encode(route, value ?? null, type);
    return body.length === 0 && this.jsonBodies ? 'null' : body;
  }

  /** Pushes an already serialized body (runs the outbound hooks). */
  pushSerialized(session: Session, route: string, body: Uint8Array | string): boolean {
    return this.sendMessage(session, MessageType.Push, 0, route, body, false);
  }

  /** True when outbound hooks are configured (broadcasts then encode per member). */
  hasOutboundHooks(): boolean {
    return this.outbound !== null;
  }

  /** Encodes a push packet once, for a broadcast. */
  encodePush(route: string, body: Uint8Array | string): Uint8Array {
    return toBuffer(this.writer.encodeDataPacket({ type: MessageType.Push, route, body }));
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
