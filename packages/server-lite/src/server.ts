/**
 * NanoServer: components, the handshake, heartbeats, dispatch, listeners and graceful shutdown.
 * @packageDocumentation
 */
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { MessageType, Serializer } from '@nanokit/protocol';
import {
  encodeHandshakeResponse,
  encodePacket,
  escapeAstral,
  jsonSerializer,
  PacketType,
  RouteDictionary,
} from '@nanokit/protocol';
import { collectHandlers, type RegisterOptions } from './component.js';
import { EndMode } from './connection.js';
import { Dispatcher } from './dispatcher.js';
import { ServerErrorCode, serverError } from './errors.js';
import { Handshaker } from './handshake.js';
import { type ServerLogger, serverLogger } from './log.js';
import { defaultLogger, type LifetimeHooks, type NanoServerOptions } from './options.js';
import { Outbound } from './outbound.js';
import { type Session, WsCloseCode } from './session.js';
import { ClosedListeners, SessionRegistry } from './sessions.js';
import type { Gate } from './transports/gate.js';
import { TcpEndpoint } from './transports/tcp.js';
import { WsEndpoint } from './transports/ws.js';
import { toBuffer } from './util.js';

/** Options of {@link NanoServer.listen}. */
export interface ListenOptions {
  /** Port to listen on; 0 picks a free one. @default 3250 */
  port?: number;
  /** Interface to bind. @default every interface (Node's default) */
  host?: string;
  /** WebSocket URL path. Ignored for TCP. @default every path is accepted */
  path?: string;
  /** Listen with plain TCP instead of WebSocket. Call `listen` twice to serve both at the same time. @default false */
  tcp?: boolean;
  /**
   * Serve the WebSocket endpoint on this existing http/https server instead of creating one.
   * @deprecated Use {@link NanoServer.attach} (`server.attach(http, { path })`, then `await server.ready()`), the one
   * way to serve on a server you own; `listen` opens listeners. This option still works and does the same.
   */
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
  /** WebSocket URL path. @default every path is accepted */
  path?: string;
}

const DEFAULT_HEARTBEAT_MS = 30_000;
const DEFAULT_MAX_PACKET = 65536;
const DEFAULT_MAX_OUTBOUND = 1024 * 1024;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 3000;
/**
 * The default serializer: JSON, with emoji written as `\\u` escapes ({@link escapeAstral}) so that the deployed JS
 * clients of nano and pomelo, whose decoder garbles 4-byte UTF-8, show what nanokit clients send.
 */
const JSON_SERIALIZER: Serializer = Object.freeze({
  name: 'json',
  encode: (route: string, value: unknown, type: MessageType) =>
    escapeAstral(jsonSerializer.encode(route, value, type) as string),
  decode: jsonSerializer.decode,
});
/** Maximal packets (header included) one WebSocket message may hold by default. */
const DEFAULT_PACKETS_PER_MESSAGE = 16;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;

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

  private readonly logger: ServerLogger;
  private readonly maxConnections: number;
  private readonly maxMessageSize: number;
  private readonly checkOrigin: NanoServerOptions['checkOrigin'];
  private readonly shutdownTimeout: number;
  private readonly hooks: LifetimeHooks;
  private readonly dispatcher: Dispatcher;
  private readonly registry: SessionRegistry;
  /** What the transport endpoints see of the server. */
  private readonly gate: Gate;
  private readonly components: object[] = [];
  private readonly wsEndpoints: WsEndpoint[] = [];
  private readonly tcpEndpoints: TcpEndpoint[] = [];
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
    const maxPacketSize = checkPositive('maxPacketSize', options.maxPacketSize, DEFAULT_MAX_PACKET);
    const defaultMessageSize = DEFAULT_PACKETS_PER_MESSAGE * (maxPacketSize + 4);
    this.maxMessageSize = checkPositive('maxMessageSize', options.maxMessageSize, defaultMessageSize);
    this.maxConnections = checkPositive('maxConnections', options.maxConnections, Number.POSITIVE_INFINITY, true);
    const maxOutboundBuffer = checkPositive('maxOutboundBuffer', options.maxOutboundBuffer, DEFAULT_MAX_OUTBOUND);
    this.shutdownTimeout = checkDelay('shutdownTimeout', options.shutdownTimeout, DEFAULT_SHUTDOWN_TIMEOUT_MS);
    const handshakeTimeout = checkDelay('handshakeTimeout', options.handshakeTimeout, DEFAULT_HANDSHAKE_TIMEOUT_MS);
    if (options.rateLimit !== undefined) {
      checkPositive('rateLimit.messages', options.rateLimit.messages, 1);
      checkPositive('rateLimit.interval', options.rateLimit.interval, 1);
    }
    this.dictionary =
      options.dictionary instanceof RouteDictionary ? options.dictionary : new RouteDictionary(options.dictionary);
    this.serializer = options.serializer ?? JSON_SERIALIZER;
    // A throwing logger is ignored: logging must never break a connection, a promise callback or the process.
    const logger = (this.logger = serverLogger(options.logger ?? defaultLogger()));
    this.checkOrigin = options.checkOrigin;
    this.hooks = options.hooks ?? {};
    this.startTime = Math.floor(Date.now() / 1000);

    const closedListeners = new ClosedListeners(logger);
    if (options.onSessionClosed) closedListeners.listeners.push(options.onSessionClosed);
    const outbound = new Outbound({
      logger,
      serializer: this.serializer,
      dictionary: this.dictionary,
      errorResponses: options.errorResponses !== false,
      outbound: options.pipeline?.outbound?.length ? options.pipeline.outbound.slice() : null,
      sections: closedListeners,
    });
    this.dispatcher = new Dispatcher({
      logger,
      serializer: this.serializer,
      dictionary: this.dictionary,
      rateLimit: options.rateLimit,
      inbound: options.pipeline?.inbound?.length ? options.pipeline.inbound.slice() : null,
      outbound,
    });
    const reply = encodeHandshakeResponse({
      heartbeat: this.heartbeat / 1000,
      dict: this.dictionary,
      servertime: this.startTime,
    });
    const handshaker = new Handshaker(
      logger,
      options.handshakeValidator,
      toBuffer(encodePacket(PacketType.Handshake, reply)),
    );
    this.registry = new SessionRegistry(
      {
        logger,
        maxPacketSize,
        maxOutboundBuffer,
        heartbeat: this.heartbeat,
        handshakeTimeout,
        heartbeatPacket: toBuffer(encodePacket(PacketType.Heartbeat)),
      },
      { handshaker, dispatcher: this.dispatcher, outbound, closedListeners },
    );
    this.gate = {
      host: this.registry,
      starting: () => (this.initialized || this.startFailure !== null ? null : this.started),
      admit: (transport, remoteAddress, request) => this.admit(transport, remoteAddress, request),
      closing: () => this.closing !== null,
    };
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
    const listeners = this.registry.closedListeners.listeners;
    listeners.push(listener);
    return () => {
      const i = listeners.indexOf(listener);
      if (i !== -1) listeners.splice(i, 1);
    };
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.registry.sessions.size;
  }

  /** The open sessions. */
  sessions(): Session[] {
    return Array.from(this.registry.sessions, (conn) => conn.session);
  }

  /**
   * Opens a listener: WebSocket by default (on a new http server), plain TCP with `tcp: true`. To serve on an http
   * server of your own, use {@link NanoServer.attach}. Call it again to listen on more ports or transports at once. The first call runs the lifetime
   * hooks `init` and `afterInit` (components, then the server's) and starts the heartbeat timer.
   * @throws {ServerLiteError} `ERR_SERVER_CLOSED` after `close()`; socket errors such as `EADDRINUSE` as is.
   */
  async listen(options: ListenOptions = {}): Promise<ListenInfo> {
    await this.start();
    if (this.closing !== null) throw serverError(ServerErrorCode.ServerClosed, 'the server is closed');
    if (options.server !== undefined) {
      // The deprecated form of attach(server, { path }) + ready().
      if (options.tcp === true) {
        throw serverError(ServerErrorCode.InvalidOption, 'listen: `server` and `tcp` cannot be combined');
      }
      return this.attachInfo(this.attachNow(options.server, options.path));
    }
    const port = options.port ?? 3250;
    if (options.tcp === true) {
      const endpoint = new TcpEndpoint(this.gate);
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
    this.start().catch((error: unknown) => this.logger.error('lifetime hooks failed', { error }));
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
        this.registry.start();
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
    const endpoint = new WsEndpoint(this.gate, http as HttpServer, owned, { path, maxPayload: this.maxMessageSize });
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
    const registry = this.registry;
    for (const conn of Array.from(registry.sessions)) {
      conn.end(ServerErrorCode.Shutdown, 'server shutdown', EndMode.Kick, WsCloseCode.GoingAway);
    }
    await this.gracePeriod(Promise.all([registry.allClosed(), stopped]));
    // Whatever is still open after the grace period is cut: sessions, and the HTTP connections of owned http servers
    // (one that never sent a byte, or only part of a request, would hold the http server open for minutes).
    for (const conn of Array.from(registry.live)) conn.destroy();
    for (const endpoint of this.wsEndpoints) endpoint.cut();
    registry.stop();
    await stopped;
    await this.runHooks('shutdown');
    this.logger.flush();
  }

  /** Resolves once `done` does, or after `shutdownTimeout`. */
  private gracePeriod(done: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.shutdownTimeout);
      void done.then(() => {
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
        this.logger.error(`component ${name} hook failed`, { error });
      }
    }
    try {
      await this.hooks[name]?.();
    } catch (error) {
      this.logger.error(`${name} hook failed`, { error });
    }
  }

  /** 0 to accept a connection, else the HTTP status to refuse it with. Logs one line per refusal. */
  private admit(transport: 'ws' | 'tcp', remoteAddress: string, request: IncomingMessage | undefined): number {
    if (this.closing !== null) return 503;
    if (this.startFailure !== null) {
      this.logger.info('connection refused: the lifetime hooks failed', { transport, remoteAddress });
      return 503;
    }
    if (request !== undefined && this.checkOrigin !== undefined) {
      let allowed = false;
      try {
        allowed = this.checkOrigin(request.headers.origin, request);
      } catch (error) {
        this.logger.error('checkOrigin threw', { error });
      }
      if (!allowed) {
        this.logger.info('connection refused: origin not allowed', { remoteAddress, origin: request.headers.origin });
        return 403;
      }
    }
    if (this.registry.live.size >= this.maxConnections) {
      this.logger.warn('connection refused: too many connections', {
        transport,
        remoteAddress,
        code: ServerErrorCode.TooManyConnections,
        maxConnections: this.maxConnections,
      });
      return 503;
    }
    return 0;
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
