/**
 * The WebSocket transport on `ws`: an upgrade handler for an http/https server (owned or attached) and the
 * connection subclass. Incoming WebSocket messages are handed on as one byte stream, as nano reads them.
 * @packageDocumentation
 */
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { Connection, type ConnectionHost, cutWhenStuck, EndMode } from '../connection.js';
import { ServerErrorCode } from '../errors.js';
import { WsCloseCode } from '../session.js';
import type { Gate } from './gate.js';

/** Property under which a socket carries its connection, so the listeners are shared functions, not closures. */
const CONNECTION = Symbol('nanokit.connection');
type Tagged = { [CONNECTION]: WsConnection };

/**
 * The part of ws's receiver that tells whether it holds a message it has not delivered: ws buffers a message whole
 * before emitting it, and has no public API for that. Read defensively: fields it lacks count as nothing held.
 */
interface ReceiverState {
  _bufferedBytes?: unknown;
  _totalPayloadLength?: unknown;
}

/** ws limits the close reason to 123 bytes. */
function closeReason(reason: string): string {
  return Buffer.byteLength(reason) <= 123 ? reason : Buffer.from(reason).subarray(0, 120).toString('utf8');
}

/** A connection over a WebSocket. */
export class WsConnection extends Connection {
  readonly ws: WebSocket;
  /** When the receiver was first seen holding part of a message with no message delivered since (0: not). */
  private partialSince: number;

  constructor(host: ConnectionHost, ws: WebSocket, remoteAddress: string) {
    super(host, remoteAddress);
    this.ws = ws;
    this.partialSince = 0;
    (ws as unknown as Tagged)[CONNECTION] = this;
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
  }

  get transport(): 'ws' {
    return 'ws';
  }

  /** A whole message arrived. */
  message(data: Buffer): void {
    this.partialSince = 0;
    this.receive(data);
  }

  override stalledFor(now: number): number {
    const receiver = (this.ws as unknown as { _receiver?: ReceiverState | null })._receiver;
    const held =
      receiver != null &&
      ((typeof receiver._bufferedBytes === 'number' && receiver._bufferedBytes > 0) ||
        (typeof receiver._totalPayloadLength === 'number' && receiver._totalPayloadLength > 0));
    if (!held) {
      this.partialSince = 0;
      return 0;
    }
    if (this.partialSince === 0) this.partialSince = now;
    return now - this.partialSince;
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  protected write(packet: Uint8Array): void {
    this.ws.send(packet);
  }

  protected endGracefully(code: number, reason: string): void {
    const ws = this.ws;
    ws.close(code, closeReason(reason));
    cutWhenStuck(
      () => ws.bufferedAmount,
      () => ws.readyState === ws.CLOSED,
      () => ws.terminate(),
    );
  }

  destroy(): void {
    this.ws.terminate();
  }
}

function onMessage(this: WebSocket, data: Buffer): void {
  (this as unknown as Tagged)[CONNECTION].message(data);
}

function onClose(this: WebSocket): void {
  (this as unknown as Tagged)[CONNECTION].socketClosedByPeer();
}

function onError(this: WebSocket, error: Error): void {
  // ws reports invalid frames here (bad opcode, unmasked frame, a message over maxPayload…) and closes the
  // connection itself with the matching code; record it as malformed input.
  const conn = (this as unknown as Tagged)[CONNECTION];
  const code = (error as { code?: string }).code;
  conn.fail(
    'invalid websocket frame, closing the connection',
    ServerErrorCode.Protocol,
    `invalid websocket frame (${String(code)}): ${error.message}`,
    EndMode.Graceful,
    WsCloseCode.ProtocolError,
    error,
  );
}

/** Options of a WebSocket endpoint. */
export interface WsEndpointOptions {
  /** URL path of the endpoint; `undefined` accepts every path. */
  path: string | undefined;
  /** Largest WebSocket message accepted (`maxMessageSize`). */
  maxPayload: number;
}

/**
 * Property under which an endpoint's upgrade listener carries its endpoint. Endpoints sharing an http server (several
 * paths, several NanoServers) find each other in the server's own `upgrade` listener list: no registry to keep.
 */
const ENDPOINT = Symbol('nanokit.endpoint');
type UpgradeListener = ((request: IncomingMessage, socket: Duplex, head: Buffer) => void) & {
  [ENDPOINT]?: WsEndpoint;
};
/** {@link ownerOf}: no nanokit endpoint serves the path, but a foreign upgrade listener may. */
const FOREIGN = 'foreign';

/** The path of a request URL, without the query. */
function pathnameOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * The endpoint on `http` that takes an upgrade for `pathname`: the first with exactly that path, else the first
 * without a path (it accepts every path). When none serves it: {@link FOREIGN} if a listener that is not a nanokit
 * endpoint is installed (it may answer), else null (nobody will: refuse it).
 */
function ownerOf(http: HttpServer, pathname: string): WsEndpoint | typeof FOREIGN | null {
  let catchAll: WsEndpoint | null = null;
  let foreign = false;
  for (const listener of http.listeners('upgrade') as UpgradeListener[]) {
    const endpoint = listener[ENDPOINT];
    if (endpoint === undefined) foreign = true;
    else if (endpoint.path === pathname) return endpoint;
    else if (endpoint.path === undefined && catchAll === null) catchAll = endpoint;
  }
  return catchAll ?? (foreign ? FOREIGN : null);
}

/** Error listener of an upgrade socket left to a foreign listener: a reset must not become an uncaught exception. */
function ignoreSocketError(): void {}

/** Answers an upgrade request with an HTTP error and closes the socket. */
function refuse(socket: Duplex, status: number, text: string): void {
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}

/** One WebSocket endpoint on an http/https server. */
export class WsEndpoint {
  readonly http: HttpServer;
  readonly path: string | undefined;
  /** True when the endpoint created the http server (and so closes it). */
  readonly owned: boolean;
  private readonly wss: WebSocketServer;
  private readonly gate: Gate;
  private readonly onUpgrade: UpgradeListener;

  constructor(gate: Gate, http: HttpServer, owned: boolean, options: WsEndpointOptions) {
    this.gate = gate;
    this.http = http;
    this.owned = owned;
    this.path = options.path;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      maxPayload: options.maxPayload,
    });
    this.onUpgrade = (request, socket, head) => this.upgrade(request, socket, head);
    this.onUpgrade[ENDPOINT] = this;
    http.on('upgrade', this.onUpgrade);
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const owner = ownerOf(this.http, pathnameOf(request.url));
    if (owner !== this) {
      if (owner === null) {
        // Every upgrade listener is a nanokit endpoint and none serves the path: the first to see it answers.
        if (!socket.destroyed) refuse(socket, 404, 'Not Found');
      } else if (owner === FOREIGN && socket.listenerCount('error') === 0) {
        // Left to the foreign listener; until it takes the socket, a reset must not crash the process.
        socket.on('error', ignoreSocketError);
      }
      return;
    }
    const starting = this.gate.starting();
    if (starting !== null) {
      // The lifetime hooks still run (attach): hold the upgrade until they are done, then admit or refuse it.
      socket.on('error', ignoreSocketError);
      const resume = () => {
        socket.off('error', ignoreSocketError);
        if (socket.destroyed) return;
        this.admit(request, socket, head);
      };
      starting.then(resume, resume);
      return;
    }
    this.admit(request, socket, head);
  }

  private admit(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const verdict = this.gate.admit('ws', request.socket.remoteAddress ?? '', request);
    if (verdict !== 0) {
      refuse(socket, verdict, verdict === 403 ? 'Forbidden' : 'Service Unavailable');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      if (this.gate.closing()) ws.terminate();
      else this.gate.host.opened(new WsConnection(this.gate.host, ws, request.socket.remoteAddress ?? ''));
    });
  }

  /**
   * Cuts the HTTP connections still open on an owned http server (idle, silent, or in the middle of a request), so
   * that {@link WsEndpoint.stop} resolves. Called at the end of the shutdown grace period.
   */
  cut(): void {
    if (this.owned) this.http.closeAllConnections();
  }

  /** Stops accepting upgrades (and closes the http server when owned). Resolves when the http server is closed. */
  stop(): Promise<void> {
    this.http.off('upgrade', this.onUpgrade);
    if (!this.owned) return Promise.resolve();
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      // Idle keep-alive HTTP connections would hold close() open; the WebSockets are closed by the server.
      this.http.closeIdleConnections();
    });
  }
}
