/**
 * Options, events and route typing of {@link NanoClient}.
 * @packageDocumentation
 */
import type { HandshakeRequestOptions, HandshakeResponse, Inflate, Serializer } from '@nanokit/protocol';
import type { ReconnectOptions } from './backoff.js';
import type { DebugTraceOptions } from './debug.js';
import type { ClientEnv } from './timers.js';
import type { TransportFactory } from './transport.js';

/** A URL, or a function giving one per connection attempt (gate → connector, failover). */
export type UrlProvider = string | (() => string | Promise<string>);

/** Options of {@link NanoClient}. */
export interface NanoClientOptions {
  /** `ws://`, `wss://` (or `tcp://` with the Node TCP transport) URL, or a function giving one per attempt. */
  url: UrlProvider;
  /**
   * How to open connections.
   * @default webSocketTransport() in browsers (global WebSocket); in Node (`node` export condition or
   *   `@nanokit/client/node`) `ws` for ws:// URLs and TCP for tcp:// URLs
   */
  transport?: TransportFactory;
  /**
   * Payload serializer.
   * @default jsonSerializer
   */
  serializer?: Serializer;
  /** Handshake fields: `user` (auth payload), `sys` extras, `type`, `version`. */
  handshake?: HandshakeRequestOptions;
  /**
   * Keeps the route dictionary and protos of pomelo and pinus servers between connections (and, with persistent
   * storage, between sessions) and sends their versions in the next handshake, so that the server leaves them out
   * of its reply. Create one with `createHandshakeCache()`.
   * @default undefined: every handshake is a full one
   */
  handshakeCache?: HandshakeCache;
  /**
   * Default request timeout in ms; 0 disables it (not advised: nano never answers a failed request).
   * @default 10000
   */
  requestTimeout?: number;
  /**
   * Time allowed for opening the socket and completing the handshake, in ms; on a reconnect it also covers
   * `onReconnect`, so a re-login that hangs is retried like a connection that does not open.
   * @default 10000
   */
  connectTimeout?: number;
  /**
   * Reconnect policy after an unexpected drop, or `false` to never reconnect. Never used after `close()` or a Kick.
   * @default {}
   */
  reconnect?: ReconnectOptions | false;
  /**
   * Heartbeat settings, or `false` to neither send our own heartbeats nor detect dead links. Server heartbeats are
   * still answered, at most one per half interval; pomelo and pinus, which keep only clients that send heartbeats,
   * then drop the connection after 2 intervals. The client sends one every interval `sys.heartbeat` (at least
   * 100 ms), whatever else it sends, and counts any bytes received as life (docs/protocol.md, "Heartbeat").
   * @default {}
   */
  heartbeat?: HeartbeatOptions | false;
  /**
   * Largest outgoing packet body in bytes; bigger requests and notifies are rejected before sending with
   * `ERR_PACKET_TOO_LARGE` (nano closes connections that send more than 65 536).
   * @default 65536
   */
  maxBodyLength?: number;
  /**
   * Requests sent and not yet answered, at most. More wait in the client, oldest first, and are sent as answers
   * arrive; their timeouts run from `request()`. nano queues at most 16 outgoing messages per session, pushes
   * included, and silently drops the rest, so an unbounded burst of requests loses answers. Raise it
   * for servers without that limit, e.g. when requests are held open by the server; `0` or `Infinity`: no cap.
   * @default 8
   */
  maxInFlight?: number;
  /**
   * Notifies kept while disconnected (connecting or reconnecting), sent after the connection is back; beyond this
   * `notify()` throws `NotifyQueueFullError`.
   * @default 100
   */
  maxQueuedNotifies?: number;
  /**
   * Awaited after each successful reconnect handshake, before queued notifies are flushed and `reconnect` is
   * emitted: re-login here with requests (they work; notifies made meanwhile are queued behind the earlier ones, and
   * `connect()` resolves at once). If it throws or outlasts `connectTimeout`, the connection is closed and the next
   * attempt follows.
   */
  onReconnect?: (handshake: HandshakeResponse) => void | Promise<void>;
  /** WebSocket sub-protocols. */
  protocols?: string[];
  /** Extra handshake headers, where the transport supports them (`ws`, wx/tt/my). */
  headers?: Record<string, string>;
  /**
   * Inflates compressed bodies: the handshake reply when it is zlib or gzip (pitaya compresses it whole, without a
   * flag, when that is smaller) and every message with flag 0x10 (pitaya's `handler.messages.compression`, on by
   * default: zlib). Called with the bytes and their format; it must return the inflated bytes or throw. Without it a
   * compressed handshake fails the connection with `ERR_COMPRESSED_HANDSHAKE` and a compressed message with
   * `ERR_COMPRESSED_MESSAGE`. Browsers and mini-games: `import { inflate } from '@nanokit/client/inflate'` (fflate).
   * @default undefined in the browser entry; `node:zlib` (output capped at 16 MiB) in the Node entry
   */
  inflate?: Inflate;
  /**
   * Inflates gzip bodies only; when set, gzip bodies go to it rather than to `inflate`. zlib bodies (what pitaya sends)
   * need `inflate`.
   * @deprecated Use `inflate`, which handles zlib and gzip.
   * @default undefined
   */
  gunzip?: (bytes: Uint8Array) => Uint8Array;
  /** Clock, timers and randomness (engines' schedulers, tests). */
  env?: ClientEnv;
  /**
   * Node entry: what happens to an error when no `error` listener is registered. `'log'`: `console.error`, once per
   * distinct error, with a hint to add a listener. `'throw'`: thrown on a fresh stack (a timer, never from inside a
   * socket callback), so that Node reports it as uncaught and exits, as for an EventEmitter's unhandled `error`.
   * The browser entry always logs each one with `console.error`.
   * @default 'log'
   */
  unhandledErrors?: 'log' | 'throw';
  /**
   * Node entry: trace the connection's life and every packet in and out to stderr (`true`), or as configured
   * (`bodies`, `log`…). Also on without this option when `DEBUG` names `nanokit:client` (`DEBUG=nanokit*`) or
   * `NANOKIT_DEBUG` is `1` (`NANOKIT_DEBUG=bodies` prints bodies too); `false` keeps it off whatever the
   * environment says. In browsers, wrap the transport with `debugTransport` from `@nanokit/client/debug`.
   * @default off, unless the environment turns it on
   */
  debug?: boolean | DebugTraceOptions;
}

/**
 * What the client needs from a handshake cache (see `createHandshakeCache`): called once per connection attempt,
 * before the handshake is sent.
 */
export interface HandshakeCache {
  /**
   * Returns the handshake request to send (the client's `handshake` option with the cached versions added to `sys`)
   * and `complete`, which the client calls with the server's parsed reply: it fills in what the server left out
   * because the versions matched, stores what the server sent, and returns the reply to use; and `reject`, which
   * the client calls when that handshake failed (a refused or unreadable reply, a serializer whose `onHandshake`
   * threw on the protos): the stored entry must not be offered again, or every later handshake fails the same way.
   */
  prepare(request: HandshakeRequestOptions | undefined): {
    request: HandshakeRequestOptions;
    complete(reply: HandshakeResponse): HandshakeResponse;
    reject(): void;
  };
}

/** Heartbeat settings. */
export interface HeartbeatOptions {
  /**
   * Extra silence tolerated on top of 2 heartbeat intervals before the link is declared dead, in ms.
   * @default 2000
   */
  grace?: number;
}

/** Options of one request. */
export interface RequestOptions {
  /** Timeout in ms (0 disables). @default the client's `requestTimeout` */
  timeout?: number;
  /** Cancels the request: it rejects with `RequestAbortedError` (its late response is ignored). */
  signal?: AbortSignal;
}

/** The `disconnect` event. */
export interface DisconnectEvent {
  /** Close code: from the socket (1006 dropped, 1000 normal…), or the client's own (4000 heartbeat-timeout…). */
  code: number;
  /** Close reason, e.g. `'heartbeat-timeout'`, `'kick'`, `'client-close'`, or the socket's reason. */
  reason: string;
  /** True when the client will try to reconnect. */
  willReconnect: boolean;
}

/** The `reconnecting` event. */
export interface ReconnectingEvent {
  /** 1-based attempt number. */
  attempt: number;
  /** Delay before this attempt, in ms. */
  delay: number;
}

/** The `kick` event. */
export interface KickEvent {
  /** The server's reason, when the Kick body had one. */
  reason?: string;
}

/** The `push` event (every push, whatever its route). */
export interface PushEvent {
  route: string;
  body: unknown;
}

/**
 * Lifecycle events. They live on their own emitter: a push route with the same name never
 * reaches these listeners; listen to such a push with `onPush(route, fn)`.
 */
export interface ClientEvents {
  /** The handshake completed (first connect and every reconnect). */
  connect: HandshakeResponse;
  /** An open connection ended. */
  disconnect: DisconnectEvent;
  /** A reconnect attempt is scheduled. */
  reconnecting: ReconnectingEvent;
  /** A reconnect succeeded (after `onReconnect` and the notify flush); follows `connect`. */
  reconnect: HandshakeResponse;
  /** The server sent a Kick; no reconnect follows. */
  kick: KickEvent;
  /** Something went wrong outside any request (bad push, protocol error, reconnect given up…). */
  error: unknown;
  /** Any push, with its route. */
  push: PushEvent;
}

/** Names of the lifecycle events. */
export type ClientEventName = keyof ClientEvents;

/** Connection state. */
export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * The shape of a route map (documentation; any interface works): request route → request and response bodies, e.g.
 * `{ 'Room.Join': { request: { name: string }; response: { id: number } } }`.
 */
export type RouteSchema = { [route: string]: { request?: unknown; response?: unknown } };
/** Push route → body, e.g. `{ onMessage: { text: string } }`. */
export type PushSchema = { [route: string]: unknown };

/** The default, untyped route schema. */
// biome-ignore lint/suspicious/noExplicitAny: untyped routes accept and return anything
export type AnyRoutes = { [route: string]: { request: any; response: any } };
/** The default, untyped push schema. */
// biome-ignore lint/suspicious/noExplicitAny: untyped pushes carry anything
export type AnyPushes = { [route: string]: any };

/** The request body type of `K`. */
export type RequestBody<R extends object, K extends keyof R> = R[K] extends { request: infer Q } ? Q : unknown;
/** The response body type of `K`. */
export type ResponseBody<R extends object, K extends keyof R> = R[K] extends { response: infer S } ? S : unknown;

/** Counters for tests and diagnostics. */
export interface DebugStats {
  /** Requests waiting for a response. */
  pendingRequests: number;
  /** Live timers (request timeouts, heartbeat, reconnect delay, connect timeout). */
  timers: number;
  /** Abort listeners attached to request signals. */
  signalListeners: number;
  /** Notifies waiting for a connection. */
  queuedNotifies: number;
  /** Open or opening transports (0 or 1). */
  transports: number;
}
