/**
 * NanoServer: components, the handshake, heartbeats, dispatch, listeners and graceful shutdown.
 * @packageDocumentation
 */
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import {
  decodeMessage,
  encodeHandshakeResponse,
  encodePacket,
  encodeUtf8,
  isNanoError,
  jsonSerializer,
  type Message,
  type MessageDecodeOptions,
  MessageType,
  type Packet,
  PacketType,
  PacketWriter,
  ProtocolErrorCode,
  parseHandshakeRequest,
  RouteDictionary,
  type Serializer,
} from '@nanokit/protocol';
import type { WebSocket } from 'ws';
import { collectHandlers, type Handler, type RegisterOptions } from './component.js';
import { ErrorResponseCode, HandlerError, ServerErrorCode, serverError } from './errors.js';
import {
  defaultLogger,
  type HandshakeValidator,
  type LifetimeHooks,
  type Logger,
  type NanoServerOptions,
  type PipelineHook,
  type PipelineMessage,
  type RateLimit,
} from './options.js';
import { EndMode, type Session, State, WsCloseCode } from './session.js';
import { TcpEndpoint, TcpSession } from './tcp-transport.js';
import { WsEndpoint, WsSession } from './ws-transport.js';

/** Options of {@link NanoServer.listen}. */
export interface ListenOptions {
  /** Port to listen on; 0 picks a free one. @default 3250 */
  port?: number;
  /** Interface to bind. @default every interface (Node's default) */
  host?: string;
  /** WebSocket URL path; every path is accepted when omitted. Ignored for TCP. */
  path?: string;
  /** Listen with plain TCP instead of WebSocket. Call `listen` twice to serve both at the same time. */
  tcp?: boolean;
  /** Attach the WebSocket endpoint to this existing http/https server instead of creating one (same as `attach`). */
  server?: HttpServer | HttpsServer;
}

/** What {@link NanoServer.listen} resolves with. */
export interface ListenInfo {
  transport: 'ws' | 'tcp';
  /** The bound port (0 when attached to a server that is not listening yet). */
  port: number;
  /** The bound address (`''` when attached to a server that is not listening yet). */
  host: string;
  /** The WebSocket path (WebSocket only). */
  path?: string;
}

/** Options of {@link NanoServer.attach}. */
export interface AttachOptions {
  /** WebSocket URL path; every path is accepted when omitted. */
  path?: string;
}

const DEFAULT_HEARTBEAT_MS = 30_000;
const DEFAULT_MAX_PACKET = 65536;
const DEFAULT_MAX_OUTBOUND = 1024 * 1024;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 3000;

type Thenable = PromiseLike<unknown>;

function isThenable(value: unknown): value is Thenable {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkPositive(name: string, value: number | undefined, fallback: number, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || (!allowInfinity && !Number.isFinite(value))) {
    throw serverError(ServerErrorCode.InvalidOption, `option ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/**
 * A nano-style game server: register components, listen on WebSocket and/or TCP, and let handlers answer requests,
 * take notifies and push to sessions and groups.
 *
 * @example
 * const server = new NanoServer({ heartbeat: 30_000, dictionary: { 'room.join': 1 } });
 * server.register(new Room(), { name: 'room', nameFunc: (m) => m.toLowerCase() });
 * const { port } = await server.listen({ port: 0, host: '127.0.0.1', path: '/nano' });
 * // …
 * await server.close();
 */
export class NanoServer {
  /** Unix seconds at construction: `sys.servertime` of every handshake reply, as nano sends its start time. */
  readonly startTime: number;
  /** The heartbeat interval in milliseconds. */
  readonly heartbeat: number;
  /** The route dictionary in use (empty when none was given). */
  readonly dictionary: RouteDictionary;
  /** The payload serializer. */
  readonly serializer: Serializer;

  /** @internal */ readonly _logger: Logger;
  /** @internal */ readonly _maxOutboundBuffer: number;
  private readonly maxPacketSize: number;
  private readonly maxConnections: number;
  private readonly rateLimit: RateLimit | undefined;
  private readonly errorResponses: boolean;
  private readonly validator: HandshakeValidator | undefined;
  private readonly inbound: PipelineHook[] | null;
  private readonly outbound: PipelineHook[] | null;
  private readonly checkOrigin: NanoServerOptions['checkOrigin'];
  private readonly shutdownTimeout: number;
  private readonly hooks: LifetimeHooks;
  private readonly closedListeners: Array<(session: Session) => void> = [];
  private readonly handlers = new Map<string, Handler>();
  private readonly components: object[] = [];
  private readonly sessionSet = new Set<Session>();
  /** Sessions whose socket has not closed yet (closed sessions may still be flushing). */
  private readonly live = new Set<Session>();
  private socketsDrained: (() => void) | null = null;
  private readonly wsEndpoints: WsEndpoint[] = [];
  private readonly tcpEndpoints: TcpEndpoint[] = [];
  private readonly decodeOptions: MessageDecodeOptions;
  /** One slab encoder for the whole server (its packets are never overwritten, so sharing it is safe). */
  private readonly writer: PacketWriter;
  private readonly handshakeReply: Uint8Array;
  private readonly heartbeatPacket: Uint8Array;
  private nextSessionId = 1;
  private tick = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private started: Promise<void> | null = null;
  private closing: Promise<void> | null = null;

  /**
   * @throws {ServerLiteError} `ERR_INVALID_OPTION` for a bad option value.
   * @throws {ProtocolError} `ERR_INVALID_DICTIONARY` for a bad dictionary.
   */
  constructor(options: NanoServerOptions = {}) {
    this.heartbeat = checkPositive('heartbeat', options.heartbeat, DEFAULT_HEARTBEAT_MS);
    this.maxPacketSize = checkPositive('maxPacketSize', options.maxPacketSize, DEFAULT_MAX_PACKET);
    this.maxConnections = checkPositive('maxConnections', options.maxConnections, Number.POSITIVE_INFINITY, true);
    this._maxOutboundBuffer = checkPositive('maxOutboundBuffer', options.maxOutboundBuffer, DEFAULT_MAX_OUTBOUND);
    this.shutdownTimeout = checkPositive('shutdownTimeout', options.shutdownTimeout, DEFAULT_SHUTDOWN_TIMEOUT_MS);
    if (options.rateLimit !== undefined) {
      checkPositive('rateLimit.messages', options.rateLimit.messages, 1);
      checkPositive('rateLimit.interval', options.rateLimit.interval, 1);
    }
    this.rateLimit = options.rateLimit;
    this.dictionary =
      options.dictionary instanceof RouteDictionary ? options.dictionary : new RouteDictionary(options.dictionary);
    this.serializer = options.serializer ?? jsonSerializer;
    this._logger = options.logger ?? defaultLogger();
    this.errorResponses = options.errorResponses !== false;
    this.validator = options.handshakeValidator;
    this.inbound = options.pipeline?.inbound?.length ? options.pipeline.inbound.slice() : null;
    this.outbound = options.pipeline?.outbound?.length ? options.pipeline.outbound.slice() : null;
    this.checkOrigin = options.checkOrigin;
    this.hooks = options.hooks ?? {};
    if (options.onSessionClosed) this.closedListeners.push(options.onSessionClosed);
    this.decodeOptions = { dictionary: this.dictionary };
    this.writer = new PacketWriter({ dictionary: this.dictionary });
    this.startTime = Math.floor(Date.now() / 1000);
    this.handshakeReply = toBuffer(
      encodePacket(
        PacketType.Handshake,
        encodeHandshakeResponse({
          heartbeat: this.heartbeat / 1000,
          dict: this.dictionary,
          servertime: this.startTime,
        }),
      ),
    );
    this.heartbeatPacket = toBuffer(encodePacket(PacketType.Heartbeat));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Public API

  /**
   * Registers a component: each of its methods becomes the handler of `<name>.<method>` (see {@link RegisterOptions}).
   * Methods named `init`, `afterInit`, `beforeShutdown`, `shutdown` are lifetime hooks, not handlers; names starting
   * with `_` are skipped.
   * @throws {ServerLiteError} `ERR_INVALID_COMPONENT` for a component without handlers or a route already taken.
   */
  register(component: object, options?: RegisterOptions): this {
    const handlers = collectHandlers(component, options);
    for (const h of handlers) {
      if (this.handlers.has(h.route)) {
        throw serverError(ServerErrorCode.InvalidComponent, `route "${h.route}" is already registered`);
      }
    }
    for (const h of handlers) this.handlers.set(h.route, h);
    this.components.push(component);
    return this;
  }

  /** The routes of every registered handler. */
  routes(): string[] {
    return Array.from(this.handlers.keys());
  }

  /** Registers a listener called once for every session that ends; returns a function that removes it. */
  onSessionClosed(listener: (session: Session) => void): () => void {
    this.closedListeners.push(listener);
    return () => {
      const i = this.closedListeners.indexOf(listener);
      if (i !== -1) this.closedListeners.splice(i, 1);
    };
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.sessionSet.size;
  }

  /** The open sessions. */
  sessions(): Session[] {
    return Array.from(this.sessionSet);
  }

  /**
   * Opens a listener: WebSocket by default (on a new http server, or on `options.server`), plain TCP with
   * `tcp: true`. Call it again to listen on more ports or transports at once. The first call runs the lifetime
   * hooks `init` and `afterInit` (components, then the server's) and starts the heartbeat timer.
   * @throws {ServerLiteError} `ERR_SERVER_CLOSED` after `close()`; socket errors such as `EADDRINUSE` as is.
   */
  async listen(options: ListenOptions = {}): Promise<ListenInfo> {
    await this.start();
    if (options.server !== undefined) {
      if (options.tcp === true) {
        throw serverError(ServerErrorCode.InvalidOption, 'listen: `server` and `tcp` cannot be combined');
      }
      return this.attachInfo(this.attachNow(options.server, options.path));
    }
    const port = options.port ?? 3250;
    if (options.tcp === true) {
      const endpoint = new TcpEndpoint(this);
      this.tcpEndpoints.push(endpoint);
      await listenOn(endpoint.net, port, options.host);
      const address = endpoint.net.address() as AddressInfo;
      return { transport: 'tcp', port: address.port, host: address.address };
    }
    const http = createHttpServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('Upgrade Required');
    });
    const endpoint = this.attachNow(http, options.path, true);
    await listenOn(http, port, options.host);
    return this.attachInfo(endpoint);
  }

  /**
   * Serves the WebSocket endpoint on an existing http/https server (its other requests are left alone; use https
   * for wss). Lifetime hooks run asynchronously; the server does not need to be listening yet.
   * @throws {ServerLiteError} `ERR_SERVER_CLOSED` after `close()`.
   */
  attach(server: HttpServer | HttpsServer, options: AttachOptions = {}): this {
    this.attachNow(server, options.path);
    this.start().catch((error: unknown) => this._logger.error('lifetime hooks failed', { error }));
    return this;
  }

  /**
   * Graceful shutdown: stops accepting connections, runs `beforeShutdown` hooks, kicks every session with the
   * reason `server shutdown` (WebSocket close 1001), waits up to `shutdownTimeout` for the peers to close (then cuts
   * them), runs `shutdown` hooks, and resolves. Idempotent. Attached http servers are left open.
   */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.shutdown();
    return this.closing;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lifetime

  private start(): Promise<void> {
    if (this.closing !== null) return Promise.reject(serverError(ServerErrorCode.ServerClosed, 'the server is closed'));
    if (this.started === null) {
      this.started = (async () => {
        for (const c of this.components) await (c as { init?: () => unknown }).init?.();
        await this.hooks.init?.();
        for (const c of this.components) await (c as { afterInit?: () => unknown }).afterInit?.();
        await this.hooks.afterInit?.();
        this.timer = setInterval(() => this.sweep(), this.heartbeat);
        this.timer.unref();
      })();
    }
    return this.started;
  }

  private attachNow(http: HttpServer | HttpsServer, path: string | undefined, owned = false): WsEndpoint {
    if (this.closing !== null) throw serverError(ServerErrorCode.ServerClosed, 'the server is closed');
    if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
      throw serverError(ServerErrorCode.InvalidOption, `path must start with "/", got ${String(path)}`);
    }
    const endpoint = new WsEndpoint(this, http as HttpServer, owned, {
      path,
      // Packets may span messages, but one message never needs to hold more than one maximal packet.
      maxPayload: this.maxPacketSize + 4,
    });
    this.wsEndpoints.push(endpoint);
    return endpoint;
  }

  private attachInfo(endpoint: WsEndpoint): ListenInfo {
    const address = endpoint.http.address();
    const info: ListenInfo =
      address !== null && typeof address === 'object'
        ? { transport: 'ws', port: address.port, host: address.address }
        : { transport: 'ws', port: 0, host: '' };
    if (endpoint.path !== undefined) info.path = endpoint.path;
    return info;
  }

  private async shutdown(): Promise<void> {
    if (this.started !== null) await this.started.catch(() => undefined);
    const stopped = [...this.wsEndpoints.map((e) => e.stop()), ...this.tcpEndpoints.map((e) => e.stop())];
    await this.runHooks('beforeShutdown');
    for (const session of Array.from(this.sessionSet)) {
      session._end(ServerErrorCode.Shutdown, 'server shutdown', EndMode.Kick, WsCloseCode.GoingAway);
    }
    if (this.live.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.socketsDrained = null;
          resolve();
        }, this.shutdownTimeout);
        this.socketsDrained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      // Whatever is still open after the grace period is cut.
      for (const session of Array.from(this.live)) session._destroy();
    }
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(stopped);
    await this.runHooks('shutdown');
  }

  private async runHooks(name: 'beforeShutdown' | 'shutdown'): Promise<void> {
    // Reverse registration order, as nano does.
    for (const c of this.components.slice().reverse()) {
      try {
        await (c as Record<string, (() => unknown) | undefined>)[name]?.();
      } catch (error) {
        this._logger.error(`component ${name} hook failed`, { error });
      }
    }
    try {
      await this.hooks[name]?.();
    } catch (error) {
      this._logger.error(`${name} hook failed`, { error });
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Connections (internal, called by the transports)

  /** @internal 0 to accept, else the HTTP status to refuse with. */
  _admit(transport: 'ws' | 'tcp', request: IncomingMessage | undefined): number {
    if (this.closing !== null) return 503;
    if (request !== undefined && this.checkOrigin !== undefined) {
      let allowed = false;
      try {
        allowed = this.checkOrigin(request.headers.origin, request);
      } catch (error) {
        this._logger.error('checkOrigin threw', { error });
      }
      if (!allowed) {
        this._logger.info('connection refused: origin not allowed', { origin: request.headers.origin });
        return 403;
      }
    }
    if (this.live.size >= this.maxConnections) {
      this._logger.warn('connection refused: too many connections', {
        transport,
        code: ServerErrorCode.TooManyConnections,
        maxConnections: this.maxConnections,
      });
      return 503;
    }
    return 0;
  }

  /** @internal */
  _acceptWs(ws: WebSocket, remoteAddress: string): void {
    if (this.closing !== null) {
      ws.terminate();
      return;
    }
    this.addSession(new WsSession(this, ws, this.nextSessionId++, remoteAddress, this.maxPacketSize, this.tick));
  }

  /** @internal */
  _acceptTcp(socket: Socket): void {
    this.addSession(new TcpSession(this, socket, this.nextSessionId++, this.maxPacketSize, this.tick));
  }

  private addSession(session: Session): void {
    this.sessionSet.add(session);
    this.live.add(session);
  }

  /** @internal A session ended (its socket may still be flushing). */
  _sessionEnded(session: Session): void {
    if (!this.sessionSet.delete(session)) return;
    // Violations were logged where they were detected; only these two have no other log line.
    const code = session.closeCode;
    const level =
      code === ServerErrorCode.SlowConsumer ? 'warn' : code === ServerErrorCode.HeartbeatTimeout ? 'info' : 'debug';
    this._logger[level]('session closed', {
      session: session.id,
      remoteAddress: session.remoteAddress,
      code: session.closeCode,
      reason: session.closeReason,
    });
    for (const listener of this.closedListeners.slice()) {
      try {
        listener(session);
      } catch (error) {
        this._logger.error('session-closed hook failed', { session: session.id, error });
      }
    }
  }

  /** @internal The socket of a session has closed. */
  _socketGone(session: Session): void {
    this.live.delete(session);
    if (this.live.size === 0 && this.socketsDrained !== null) {
      const done = this.socketsDrained;
      this.socketsDrained = null;
      done();
    }
  }

  /** @internal Malformed input: log the reason and close only this connection. */
  _protocolFailure(session: Session, error: unknown): void {
    const code = isNanoError(error) ? error.code : 'unknown';
    const reason = `protocol violation (${code}): ${errorText(error)}`;
    this._logger.warn('malformed input, closing the connection', {
      session: session.id,
      remoteAddress: session.remoteAddress,
      code,
      error,
    });
    const wsCode = code === ProtocolErrorCode.PacketTooLarge ? WsCloseCode.MessageTooBig : WsCloseCode.ProtocolError;
    session._end(ServerErrorCode.Protocol, reason, EndMode.Kick, wsCode);
  }

  /** Heartbeat sweep: one timer for every session. */
  private sweep(): void {
    const tick = ++this.tick;
    const packet = this.heartbeatPacket;
    for (const session of Array.from(this.sessionSet)) {
      if (tick - session._lastTick > 2) {
        session._end(
          ServerErrorCode.HeartbeatTimeout,
          `nothing received for ${2 * this.heartbeat} ms`,
          EndMode.Destroy,
          WsCloseCode.Normal,
        );
      } else if (session._state >= State.AwaitAck) {
        session._send(packet);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Packets

  /** @internal Every packet of every session comes through here. */
  _onPacket(session: Session, packet: Packet): void {
    const state = session._state;
    if (state === State.Closed) return;
    session._lastTick = this.tick;
    switch (packet.type) {
      case PacketType.Data:
        if (state !== State.Working) {
          this.violation(session, ServerErrorCode.DataBeforeAck, 'data before the handshake ack');
          return;
        }
        this.onData(session, packet.body);
        return;
      case PacketType.Heartbeat:
        return;
      case PacketType.Handshake:
        if (state !== State.AwaitHandshake) {
          this.violation(session, ServerErrorCode.HandshakeOrder, 'unexpected handshake');
          return;
        }
        this.onHandshake(session, packet.body);
        return;
      case PacketType.HandshakeAck:
        if (state !== State.AwaitAck) {
          this.violation(session, ServerErrorCode.HandshakeOrder, 'handshake ack before the handshake reply');
          return;
        }
        session._state = State.Working;
        return;
      default:
        // A Kick from a client: ignored, as nano does.
        return;
    }
  }

  private violation(session: Session, code: ServerErrorCode, reason: string): void {
    this._logger.warn(`${reason}, closing the connection`, {
      session: session.id,
      remoteAddress: session.remoteAddress,
      code,
    });
    session._end(code, reason, EndMode.Kick, WsCloseCode.ProtocolError);
  }

  private onHandshake(session: Session, body: Uint8Array): void {
    let request: ReturnType<typeof parseHandshakeRequest>;
    try {
      request = parseHandshakeRequest(body);
    } catch (error) {
      this.refuseHandshake(session, 400, `invalid handshake: ${errorText(error)}`);
      return;
    }
    const validator = this.validator;
    if (validator === undefined) {
      session._state = State.AwaitAck;
      session._send(this.handshakeReply);
      return;
    }
    session._state = State.Validating;
    let verdict: unknown;
    try {
      verdict = validator(session, request);
    } catch (error) {
      this.refuseHandshake(session, 500, `handshake validator threw: ${errorText(error)}`);
      return;
    }
    if (isThenable(verdict)) {
      verdict.then(
        (value) => this.validated(session, value),
        (error: unknown) => this.refuseHandshake(session, 500, `handshake validator rejected: ${errorText(error)}`),
      );
    } else {
      this.validated(session, verdict);
    }
  }

  private validated(session: Session, verdict: unknown): void {
    if (session._state !== State.Validating) return;
    if (verdict === false) {
      this.refuseHandshake(session, 500, 'handshake refused by the validator');
    } else if (typeof verdict === 'number' && verdict !== 200) {
      this.refuseHandshake(session, verdict, `handshake refused by the validator with code ${verdict}`);
    } else {
      session._state = State.AwaitAck;
      session._send(this.handshakeReply);
    }
  }

  private refuseHandshake(session: Session, code: number, reason: string): void {
    if (session.closed) return;
    this._logger.info('handshake refused', {
      session: session.id,
      remoteAddress: session.remoteAddress,
      code: ServerErrorCode.HandshakeRejected,
      reason,
    });
    session._send(encodePacket(PacketType.Handshake, encodeUtf8(`{"code":${Math.trunc(code)}}`)));
    session._end(ServerErrorCode.HandshakeRejected, reason, EndMode.Graceful, WsCloseCode.PolicyViolation);
  }

  private onData(session: Session, body: Uint8Array): void {
    let msg: Message;
    try {
      msg = decodeMessage(body, this.decodeOptions);
    } catch (error) {
      this._protocolFailure(session, error);
      return;
    }
    const type = msg.type;
    if (type !== MessageType.Request && type !== MessageType.Notify) {
      this._logger.debug('ignored a message of type Response/Push from a client', { session: session.id });
      return;
    }
    const limit = this.rateLimit;
    if (limit !== undefined && !this.withinRate(session, limit)) return;
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
      value = this.serializer.decode(route, typeof payload === 'string' ? encodeUtf8(payload) : payload, type);
    } catch (error) {
      this._logger.warn('undecodable message body', { session: session.id, route, error });
      if (type === MessageType.Request) {
        this.answerError(session, msg.id, route, ErrorResponseCode.BadRequest, errorText(error));
      }
      return;
    }
    let result: unknown;
    try {
      result = (handler.fn as (s: Session, b: unknown) => unknown).call(handler.component, session, value);
    } catch (error) {
      this.handlerFailed(session, type, msg.id, route, error);
      return;
    }
    if (type === MessageType.Request) {
      if (isThenable(result)) {
        const id = msg.id;
        result.then(
          (v) => this.answer(session, id, route, v),
          (error: unknown) => this.handlerFailed(session, type, id, route, error),
        );
      } else {
        this.answer(session, msg.id, route, result);
      }
    } else if (isThenable(result)) {
      result.then(undefined, (error: unknown) => this.handlerFailed(session, type, 0, route, error));
    }
  }

  private withinRate(session: Session, limit: RateLimit): boolean {
    const now = Date.now();
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

  private handlerFailed(session: Session, type: number, id: number, route: string, error: unknown): void {
    if (error instanceof HandlerError) {
      this._logger.info('handler refused the message', { session: session.id, route, code: error.code });
      if (type === MessageType.Request) this.answerError(session, id, route, error.code, error.message, error.metadata);
      return;
    }
    this._logger.error('handler failed', { session: session.id, route, error });
    if (type === MessageType.Request) {
      this.answerError(session, id, route, ErrorResponseCode.Internal, errorText(error));
    }
  }

  /** Sends a handler's result as the response to request `id`. */
  private answer(session: Session, id: number, route: string, value: unknown): void {
    if (session._state === State.Closed) return;
    let body: Uint8Array | string;
    try {
      // JSON of undefined is no text at all: send `null`, never an empty body (wire spec §11.2).
      body = this.serializer.encode(route, value === undefined ? null : value, MessageType.Response);
    } catch (error) {
      this._logger.error('cannot serialize the response', { session: session.id, route, error });
      this.answerError(session, id, route, ErrorResponseCode.Internal, 'the response could not be serialized');
      return;
    }
    this.sendMessage(session, MessageType.Response, id, route, body, false);
  }

  private answerError(
    session: Session,
    id: number,
    route: string,
    code: string,
    msg: string,
    metadata?: Record<string, unknown>,
  ): void {
    if (!this.errorResponses || session._state === State.Closed) return;
    const error: Record<string, unknown> = { code, msg };
    if (metadata !== undefined) error['metadata'] = metadata;
    let body: string;
    try {
      body = JSON.stringify(error);
    } catch {
      body = JSON.stringify({ code, msg });
    }
    this.sendMessage(session, MessageType.Response, id, route, body, true);
  }

  private sendMessage(
    session: Session,
    type: MessageType,
    id: number,
    route: string,
    body: Uint8Array | string,
    error: boolean,
  ): boolean {
    const outbound = this.outbound;
    if (outbound !== null) {
      const msg: PipelineMessage = { type, id, route, body };
      if (error) msg.error = true;
      const result = this.runPipeline(outbound, session, msg);
      if (result === null || result === false) return false;
      route = result.route;
      body = result.body;
      error = result.error === true;
    }
    const packet = this.writer.encodeDataPacket(
      type === MessageType.Response ? { type, id, body, error } : { type: MessageType.Push, route, body },
    );
    return session._send(packet);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Pushes (internal, used by Session and Group)

  /** @internal */
  _push(session: Session, route: string, body: unknown): boolean {
    return this._pushSerialized(session, route, this._serializePush(route, body));
  }

  /** @internal */
  _serializePush(route: string, body: unknown): Uint8Array | string {
    return this.serializer.encode(route, body === undefined ? null : body, MessageType.Push);
  }

  /** @internal */
  _pushSerialized(session: Session, route: string, body: Uint8Array | string): boolean {
    return this.sendMessage(session, MessageType.Push, 0, route, body, false);
  }

  /** @internal */
  _hasOutboundHooks(): boolean {
    return this.outbound !== null;
  }

  /** @internal Encodes a push packet once, for a broadcast. */
  _encodePush(route: string, body: Uint8Array | string): Uint8Array {
    return toBuffer(this.writer.encodeDataPacket({ type: MessageType.Push, route, body }));
  }
}

/** A Buffer view of the bytes (no copy): ws sends Buffers as they are, other views are wrapped on every send. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function listenOn(server: HttpServer | NetServer, port: number, host: string | undefined) {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
