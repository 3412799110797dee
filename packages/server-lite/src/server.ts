/**
 * NanoServer: components, the handshake, heartbeats, dispatch, listeners and graceful shutdown.
 * @packageDocumentation
 */
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import {
  encodeHandshakeResponse,
  encodePacket,
  jsonSerializer,
  PacketType,
  RouteDictionary,
  type Serializer,
} from '@nanokit/protocol';
import type { WebSocket } from 'ws';
import { collectHandlers, type RegisterOptions } from './component.js';
import { Dispatcher } from './dispatcher.js';
import { ServerErrorCode, serverError } from './errors.js';
import { Handshaker } from './handshake.js';
import { defaultLogger, type LifetimeHooks, type Logger, type NanoServerOptions } from './options.js';
import { EndMode, type Session, State, WsCloseCode } from './session.js';
import { TcpEndpoint, TcpSession } from './tcp-transport.js';
import { closeForProtocolError, closeForViolation, safeLogger, toBuffer } from './util.js';
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
/** Maximal packets (header included) one WebSocket message may hold by default. */
const DEFAULT_PACKETS_PER_MESSAGE = 16;
/** Packets a client may pipeline behind its handshake while an async validator runs. */
const MAX_DEFERRED_PACKETS = 16;

/** The longest delay Node's timers honour (2^31 − 1 ms, about 24.8 days): a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function checkPositive(name: string, value: number | undefined, fallback: number, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || (!allowInfinity && !Number.isFinite(value))) {
    throw serverError(ServerErrorCode.InvalidOption, `option ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/** A positive timer delay in milliseconds, at most {@link MAX_TIMER_MS}. */
function checkDelay(name: string, value: number | undefined, fallback: number): number {
  const ms = checkPositive(name, value, fallback);
  if (ms > MAX_TIMER_MS) {
    throw serverError(ServerErrorCode.InvalidOption, `option ${name} must be at most ${MAX_TIMER_MS} ms, got ${ms}`);
  }
  return ms;
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
  /** @internal */ readonly _maxPacketSize: number;
  private readonly maxConnections: number;
  private readonly maxMessageSize: number;
  private readonly checkOrigin: NanoServerOptions['checkOrigin'];
  private readonly shutdownTimeout: number;
  private readonly hooks: LifetimeHooks;
  private readonly closedListeners: Array<(session: Session) => void> = [];
  /**
   * Ended sessions whose close listeners have not run yet, and how many deferring sections (a group push, a run of
   * close listeners) are in progress. A session that ends inside one is reported after it, from one loop: reporting
   * it at once would recurse (broadcast → slow member cut → listener → broadcast → …) once per member closed, which
   * overflowed the stack past about a thousand slow members.
   */
  private readonly endedQueue: Session[] = [];
  private deferDepth = 0;
  private readonly dispatcher: Dispatcher;
  private readonly handshaker: Handshaker;
  private readonly components: object[] = [];
  private readonly sessionSet = new Set<Session>();
  /** Sessions whose socket has not closed yet (closed sessions may still be flushing). */
  private readonly live = new Set<Session>();
  private socketsDrained: (() => void) | null = null;
  private readonly wsEndpoints: WsEndpoint[] = [];
  private readonly tcpEndpoints: TcpEndpoint[] = [];
  private readonly heartbeatPacket: Uint8Array;
  private nextSessionId = 1;
  private tick = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private started: Promise<void> | null = null;
  /** True once `init`/`afterInit` have all run. */
  private initialized = false;
  /** Set when a lifetime hook failed at start: the server then refuses every connection. */
  private startFailure: { error: unknown } | null = null;
  private closing: Promise<void> | null = null;

  /**
   * @throws {ServerLiteError} `ERR_INVALID_OPTION` for a bad option value.
   * @throws {ProtocolError} `ERR_INVALID_DICTIONARY` for a bad dictionary.
   */
  constructor(options: NanoServerOptions = {}) {
    this.heartbeat = checkDelay('heartbeat', options.heartbeat, DEFAULT_HEARTBEAT_MS);
    this._maxPacketSize = checkPositive('maxPacketSize', options.maxPacketSize, DEFAULT_MAX_PACKET);
    const defaultMessageSize = DEFAULT_PACKETS_PER_MESSAGE * (this._maxPacketSize + 4);
    this.maxMessageSize = checkPositive('maxMessageSize', options.maxMessageSize, defaultMessageSize);
    this.maxConnections = checkPositive('maxConnections', options.maxConnections, Number.POSITIVE_INFINITY, true);
    this._maxOutboundBuffer = checkPositive('maxOutboundBuffer', options.maxOutboundBuffer, DEFAULT_MAX_OUTBOUND);
    this.shutdownTimeout = checkDelay('shutdownTimeout', options.shutdownTimeout, DEFAULT_SHUTDOWN_TIMEOUT_MS);
    if (options.rateLimit !== undefined) {
      checkPositive('rateLimit.messages', options.rateLimit.messages, 1);
      checkPositive('rateLimit.interval', options.rateLimit.interval, 1);
    }
    this.dictionary =
      options.dictionary instanceof RouteDictionary ? options.dictionary : new RouteDictionary(options.dictionary);
    this.serializer = options.serializer ?? jsonSerializer;
    // A throwing logger is ignored: logging must never break a connection, a promise callback or the process.
    this._logger = safeLogger(options.logger ?? defaultLogger());
    this.dispatcher = new Dispatcher({
      logger: this._logger,
      serializer: this.serializer,
      dictionary: this.dictionary,
      errorResponses: options.errorResponses !== false,
      rateLimit: options.rateLimit,
      inbound: options.pipeline?.inbound?.length ? options.pipeline.inbound.slice() : null,
      outbound: options.pipeline?.outbound?.length ? options.pipeline.outbound.slice() : null,
    });
    this.checkOrigin = options.checkOrigin;
    this.hooks = options.hooks ?? {};
    if (options.onSessionClosed) this.closedListeners.push(options.onSessionClosed);
    this.startTime = Math.floor(Date.now() / 1000);
    const reply = encodeHandshakeResponse({
      heartbeat: this.heartbeat / 1000,
      dict: this.dictionary,
      servertime: this.startTime,
    });
    this.handshaker = new Handshaker(
      this._logger,
      options.handshakeValidator,
      toBuffer(encodePacket(PacketType.Handshake, reply)),
      (session) => this.replayDeferred(session),
    );
    this.heartbeatPacket = toBuffer(encodePacket(PacketType.Heartbeat));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Public API

  /**
   * Registers a component: each of its methods becomes the handler of `<name>.<method>` (see {@link RegisterOptions}).
   * Methods named `init`, `afterInit`, `beforeShutdown`, `shutdown` are lifetime hooks, not handlers; names starting
   * with `_` are skipped. Only the component's own class chain counts: methods inherited from built-ins (`Object`,
   * `Map`, `Array`…) and from Node's `EventEmitter` are never handlers.
   * @throws {ServerLiteError} `ERR_INVALID_COMPONENT` for a component without handlers, a route already taken, or two
   * methods that `nameFunc` maps to the same route.
   */
  register(component: object, options?: RegisterOptions): this {
    const handlers = collectHandlers(component, options);
    for (const h of handlers) {
      if (this.dispatcher.handlers.has(h.route)) {
        throw serverError(ServerErrorCode.InvalidComponent, `route "${h.route}" is already registered`);
      }
    }
    for (const h of handlers) this.dispatcher.handlers.set(h.route, h);
    this.components.push(component);
    return this;
  }

  /** The routes of every registered handler. */
  routes(): string[] {
    return Array.from(this.dispatcher.handlers.keys());
  }

  /**
   * Registers a listener called once for every session that ends; returns a function that removes it. Listeners
   * never nest: a session that ends while a listener runs or during a group broadcast is reported after it returns.
   */
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
    if (this.closing !== null) throw serverError(ServerErrorCode.ServerClosed, 'the server is closed');
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
      if (this.closing !== null) {
        endpoint.net.close();
        throw serverError(ServerErrorCode.ServerClosed, 'the server was closed while it started listening');
      }
      const address = endpoint.net.address() as AddressInfo;
      return { transport: 'tcp', port: address.port, host: address.address };
    }
    const http = createHttpServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('Upgrade Required');
    });
    const endpoint = this.attachNow(http, options.path, true);
    await listenOn(http, port, options.host);
    if (this.closing !== null) {
      http.close();
      throw serverError(ServerErrorCode.ServerClosed, 'the server was closed while it started listening');
    }
    return this.attachInfo(endpoint);
  }

  /**
   * Serves the WebSocket endpoint on an existing http/https server (its other requests are left alone; use https
   * for wss); the server does not need to be listening yet. The first call runs the lifetime hooks `init` and
   * `afterInit` in the background, as `listen` does: upgrades that arrive before they finish wait for them. When a
   * hook fails, the error is logged, every upgrade is refused with HTTP 503 (none is ever served by a half-started
   * server), and {@link NanoServer.ready} (and any later `listen`) rejects with it; `close()` still works. Await
   * `ready()` to learn when the endpoint serves, or why it never will.
   * @throws {ServerLiteError} `ERR_SERVER_CLOSED` after `close()`.
   */
  attach(server: HttpServer | HttpsServer, options: AttachOptions = {}): this {
    this.attachNow(server, options.path);
    this.start().catch((error: unknown) => this._logger.error('lifetime hooks failed', { error }));
    return this;
  }

  /**
   * Resolves once the lifetime hooks `init` and `afterInit` have run (started by the first `listen` or `attach`, or
   * by this call) and the server serves; rejects with the error of the hook that failed, after which the server
   * refuses every connection (call `close()`).
   * @throws {ServerLiteError} `ERR_SERVER_CLOSED` (rejection) when the server was closed before it ever started.
   */
  ready(): Promise<void> {
    return this.started ?? this.start();
  }

  /**
   * Graceful shutdown: stops accepting connections, runs `beforeShutdown` hooks, kicks every session with the
   * reason `server shutdown` (WebSocket close 1001), waits up to `shutdownTimeout` for the peers to close (then cuts
   * them, and any HTTP connection still open on an http server `listen` created), runs `shutdown` hooks, and
   * resolves. Idempotent. Attached http servers are left open.
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
        this.initialized = true;
      })();
      this.started.catch((error: unknown) => {
        this.startFailure = { error };
      });
    }
    return this.started;
  }

  private attachNow(http: HttpServer | HttpsServer, path: string | undefined, owned = false): WsEndpoint {
    if (this.closing !== null) throw serverError(ServerErrorCode.ServerClosed, 'the server is closed');
    if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
      throw serverError(ServerErrorCode.InvalidOption, `path must start with "/", got ${String(path)}`);
    }
    const endpoint = new WsEndpoint(this, http as HttpServer, owned, { path, maxPayload: this.maxMessageSize });
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
    const stopped = Promise.all([...this.wsEndpoints.map((e) => e.stop()), ...this.tcpEndpoints.map((e) => e.stop())]);
    await this.runHooks('beforeShutdown');
    for (const session of Array.from(this.sessionSet)) {
      session._end(ServerErrorCode.Shutdown, 'server shutdown', EndMode.Kick, WsCloseCode.GoingAway);
    }
    await this.gracePeriod(stopped);
    // Whatever is still open after the grace period is cut: sessions, and the HTTP connections of owned http servers
    // (one that never sent a byte, or only part of a request, would hold the http server open for minutes).
    for (const session of Array.from(this.live)) session._destroy();
    for (const endpoint of this.wsEndpoints) endpoint.cut();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await stopped;
    await this.runHooks('shutdown');
  }

  /** Resolves once every session socket has closed and the listeners have stopped, or after `shutdownTimeout`. */
  private gracePeriod(stopped: Promise<unknown>): Promise<void> {
    const drained =
      this.live.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.socketsDrained = resolve;
          });
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.socketsDrained = null;
        resolve();
      }, this.shutdownTimeout);
      void Promise.all([drained, stopped]).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
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

  /**
   * @internal While the lifetime hooks run: a promise that settles when they are done (an attached endpoint holds
   * its upgrades until then). Null once they have run or failed.
   */
  _starting(): Promise<void> | null {
    return this.initialized || this.startFailure !== null ? null : this.started;
  }

  /** @internal 0 to accept, else the HTTP status to refuse with. */
  _admit(transport: 'ws' | 'tcp', request: IncomingMessage | undefined): number {
    if (this.closing !== null) return 503;
    if (this.startFailure !== null) {
      this._logger.info('connection refused: the lifetime hooks failed', { transport });
      return 503;
    }
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
    this.addSession(new WsSession(this, ws, this.nextSessionId++, remoteAddress, this.tick));
  }

  /** @internal */
  _acceptTcp(socket: Socket): void {
    this.addSession(new TcpSession(this, socket, this.nextSessionId++, this.tick));
  }

  private addSession(session: Session): void {
    this.sessionSet.add(session);
    this.live.add(session);
  }

  /**
   * @internal A session ended (its socket may still be flushing): forgets and logs it, and runs the close listeners,
   * at once or, inside a deferring section, after it.
   */
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
    if (this.closedListeners.length === 0) return;
    this.endedQueue.push(session);
    if (this.deferDepth === 0) this.reportEnded();
  }

  /** @internal Opens a deferring section: sessions that end until {@link NanoServer._undefer} are reported then. */
  _defer(): void {
    this.deferDepth++;
  }

  /** @internal Closes a deferring section; the outermost one reports the sessions that ended inside. */
  _undefer(): void {
    if (--this.deferDepth === 0 && this.endedQueue.length > 0) this.reportEnded();
  }

  /**
   * Runs the close listeners of the queued sessions in order, as one deferring section: sessions ended by a listener
   * join the queue instead of nesting. A listener that throws is logged.
   */
  private reportEnded(): void {
    const queue = this.endedQueue;
    this.deferDepth++;
    try {
      for (let i = 0; i < queue.length; i++) {
        const session = queue[i] as Session;
        for (const listener of this.closedListeners.slice()) {
          try {
            listener(session);
          } catch (error) {
            this._logger.error('session-closed hook failed', { session: session.id, error });
          }
        }
      }
    } finally {
      queue.length = 0;
      this.deferDepth--;
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
    closeForProtocolError(this._logger, session, error);
  }

  /** Holds a packet that arrived while the handshake validator runs (bounded: a few packets, one packet size). */
  private defer(session: Session, type: number, body: Uint8Array): void {
    let deferred = session._deferred;
    if (deferred === null) deferred = session._deferred = { packets: [], bytes: 0 };
    deferred.bytes += body.length;
    if (deferred.packets.length >= MAX_DEFERRED_PACKETS || deferred.bytes > this._maxPacketSize) {
      const reason = 'too much data while the handshake is validated';
      closeForViolation(this._logger, session, ServerErrorCode.DataBeforeAck, reason);
      return;
    }
    deferred.packets.push({ type, body: body.slice() });
  }

  /** Processes the packets held during validation, in order, once the handshake was accepted. */
  private replayDeferred(session: Session): void {
    const deferred = session._deferred;
    if (deferred === null) return;
    session._deferred = null;
    for (const p of deferred.packets) this._onPacket(session, p.type, p.body);
  }

  /** Heartbeat sweep: one timer for every session. */
  private sweep(): void {
    const tick = ++this.tick;
    const packet = this.heartbeatPacket;
    // Closing deletes from the set while iterating, which Set iteration tolerates.
    for (const session of this.sessionSet) {
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
  _onPacket(session: Session, type: number, body: Uint8Array): void {
    const state = session._state;
    if (state === State.Closed) return;
    session._lastTick = this.tick;
    if (state === State.Validating) {
      // A client may pipeline its ack (and more) behind the handshake: hold them until the validator decides.
      this.defer(session, type, body);
      return;
    }
    switch (type) {
      case PacketType.Data:
        if (state !== State.Working) {
          closeForViolation(this._logger, session, ServerErrorCode.DataBeforeAck, 'data before the handshake ack');
          return;
        }
        this.dispatcher.onData(session, body);
        return;
      case PacketType.Heartbeat:
        return;
      case PacketType.Handshake:
        if (state !== State.AwaitHandshake) {
          closeForViolation(this._logger, session, ServerErrorCode.HandshakeOrder, 'unexpected handshake');
          return;
        }
        this.handshaker.onHandshake(session, body);
        return;
      case PacketType.HandshakeAck:
        if (state !== State.AwaitAck) {
          const reason = 'handshake ack before the handshake reply';
          closeForViolation(this._logger, session, ServerErrorCode.HandshakeOrder, reason);
          return;
        }
        session._state = State.Working;
        return;
      default:
        // A Kick from a client: ignored, as nano does.
        return;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Pushes (internal, used by Session and Group)

  /** @internal */
  _push(session: Session, route: string, body: unknown): boolean {
    return this.dispatcher.push(session, route, body);
  }

  /** @internal */
  _serializePush(route: string, body: unknown): Uint8Array | string {
    return this.dispatcher.serializePush(route, body);
  }

  /** @internal */
  _pushSerialized(session: Session, route: string, body: Uint8Array | string): boolean {
    return this.dispatcher.pushSerialized(session, route, body);
  }

  /** @internal */
  _hasOutboundHooks(): boolean {
    return this.dispatcher.hasOutboundHooks();
  }

  /** @internal Encodes a push packet once, for a broadcast. */
  _encodePush(route: string, body: Uint8Array | string): Uint8Array {
    return this.dispatcher.encodePush(route, body);
  }
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
