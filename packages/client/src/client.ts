/**
 * The game client: one instance, one connection at a time.
 * @packageDocumentation
 */
import {
  decodeMessage,
  decodeUtf8,
  encodeDataPacket,
  encodeHandshakeRequest,
  encodePacket,
  type HandshakeResponse,
  inflateBody,
  jsonSerializer,
  MAX_PACKET_BODY_LENGTH,
  type Message,
  type MessageDecodeOptions,
  type MessageEncodeOptions,
  type MessageInit,
  MessageType,
  NanoError,
  type PacketSink,
  PacketType,
  ProtocolError,
  parseHandshakeResponse,
  parseKick,
  type RouteDictionary,
  type Serializer,
  scanPackets,
  throwPacketError,
} from '@nanokit/protocol';
import { backoffDelay } from './backoff.js';
import {
  ConnectError,
  ConnectionClosedError,
  NotifyQueueFullError,
  RequestAbortedError,
  ServerError,
} from './errors.js';
import { type Arrivals, type Heartbeat, heartbeatInterval, startHeartbeat } from './heartbeat.js';
import { createListeners, type Listeners } from './listeners.js';
import type {
  AnyPushes,
  AnyRoutes,
  ClientEvents,
  ClientState,
  DebugStats,
  HandshakeCache,
  NanoClientOptions,
  RequestBody,
  RequestOptions,
  ResponseBody,
} from './options.js';
import { type PendingRequest, type Requests, RequestTable, type Sender } from './requests.js';
import type { MapLike } from './slot-map.js';
import { createTimers, type Timers } from './timers.js';
import type { CloseInfo, Transport, TransportFactory, TransportHandlers } from './transport.js';
import { webSocketTransport } from './transports/websocket.js';

/** Close codes the client uses for closes it decides itself (4000–4999 is the application range). */
export const CloseCode = {
  /** `close()` was called. */
  Normal: 1000,
  /** Dropped without a close frame (also the code when the host reports none). */
  Abnormal: 1006,
  /** Nothing arrived for 2 heartbeat intervals + grace. Reason `heartbeat-timeout`. */
  HeartbeatTimeout: 4000,
  /** The socket did not open and complete the handshake in `connectTimeout`. Reason `connect-timeout`. */
  ConnectTimeout: 4001,
  /** The server sent bytes that are not the protocol, or refused the handshake. Reason `protocol-error`. */
  ProtocolError: 4002,
  /** The server sent a Kick. Reason `kick`. */
  Kick: 4003,
  /** `onReconnect` threw. Reason `reconnect-hook-failed`. */
  ReconnectHookFailed: 4004,
} as const;

/** One connection attempt and, once the handshake is done, the live connection (see `NanoClient.Link`). */
type Link = InstanceType<(typeof NanoClient)['Link']>;

/** A `connect()` call waiting for the connection: `[resolve, reject]`. */
type Waiter = [(hs: HandshakeResponse) => void, (error: unknown) => void];

/** Numeric options and their defaults. */
const DEFAULTS = {
  maxBodyLength: 65536,
  requestTimeout: 10000,
  connectTimeout: 10000,
  maxQueuedNotifies: 100,
  maxInFlight: 8,
} as const;

/** A socket error as the `error` event carries it: `ERR_SOCKET` with the host's error as `cause`. */
function socketError(error: unknown): unknown {
  return error instanceof NanoError ? error : new NanoError('ERR_SOCKET', 'socket error', { cause: error });
}

/**
 * Why a connection attempt failed: `error` when it is already typed (a refused handshake, a protocol error, a bad
 * URL), what the transport classified (the Node transports give a {@link ConnectError}), else a timeout or a
 * failure whose cause is whatever the host reported (browsers report nothing).
 */
function connectFailure(link: Link, code: number, reason: string, error: unknown): unknown {
  if (error instanceof NanoError) return error;
  const cause = error === undefined ? link.error : error;
  if (code !== CloseCode.ConnectTimeout && cause instanceof ConnectError) return cause;
  return new ConnectError(
    code === CloseCode.ConnectTimeout ? 'ERR_CONNECT_TIMEOUT' : 'ERR_CONNECT_FAILED',
    code,
    reason,
    `connect to ${link.url || '?'} failed: ${code} ${reason}`,
    cause,
  );
}

/**
 * A nano / pomelo-family game client.
 *
 * @typeParam Routes - request route → `{ request, response }` bodies, for typed `request()`.
 * @typeParam Pushes - push route → body, for typed `on()` / `onPush()`.
 * @example
 * const client = new NanoClient({ url: 'ws://127.0.0.1:3250/nano' });
 * await client.connect();
 * const res = await client.request('Room.Join', { name: 'alice' });
 * const off = client.on('onMessage', (body) => console.log(body));
 */
export class NanoClient<Routes extends object = AnyRoutes, Pushes extends object = AnyPushes> {
  private readonly options: NanoClientOptions;
  private readonly serializer: Serializer;
  private readonly timers: Timers;
  /** `timers.now`, kept here: a packet or a request then touches this object, not the timers' too. */
  private readonly now: () => number;
  private readonly listeners: Listeners;
  private readonly requests: Requests;
  /** The `maxBodyLength` option, read once. */
  private readonly maxBodyLength: number;
  private readonly requestTimeout: number;
  private queue: Uint8Array[] = [];
  private link: Link | undefined;
  private current: HandshakeResponse | undefined;
  /** `connect()` calls waiting for the connection to open (or to fail for good). */
  private waiters: Waiter[] = [];
  /** Cancels the reconnect delay; set while one runs. */
  private retry: (() => void) | undefined;
  private attempts = 0;
  private kicked?: boolean;
  private paused?: boolean;
  private status: ClientState = 'idle';

  constructor(options: NanoClientOptions) {
    if (!options || (typeof options.url !== 'string' && typeof options.url !== 'function')) {
      throw new ProtocolError('ERR_INVALID_ARGUMENT', 'no url');
    }
    this.options = options;
    this.serializer = options.serializer || jsonSerializer;
    this.timers = createTimers(options.env);
    this.now = this.timers.now;
    this.listeners = createListeners((error) => this.unhandled(error));
    this.requestTimeout = this.option('requestTimeout');
    this.maxBodyLength = this.option('maxBodyLength');
    this.requests = new RequestTable(
      this.timers,
      this.option('maxInFlight') || Infinity, // 0, like a 0 timeout, turns it off
      this.requestMap(),
    );
  }

  /** The connection state: `idle` → `connecting` → `open` ⇄ `reconnecting`; `closed` after `close()` or giving up. */
  get state(): ClientState {
    return this.status;
  }

  /** The handshake of the current connection, if open. */
  get handshake(): HandshakeResponse | undefined {
    return this.current;
  }

  /**
   * Reports an error that no `error` listener received: `console.error`. The Node entry logs each distinct error
   * once, with a hint, or throws it (`unhandledErrors`).
   */
  protected unhandled(error: unknown): void {
    console.error('nanokit: unhandled error', error);
  }

  /** @internal The pending requests by id. Overridden by the Node entry. */
  protected requestMap(): MapLike<number, PendingRequest> {
    return new Map();
  }

  /** The transport used when the options name none. Overridden by the Node entry. */
  protected defaultTransport(): TransportFactory {
    return webSocketTransport();
  }

  /**
   * Opens the connection: socket, handshake (with `handshake.user`), ack. Resolves with the server's handshake.
   * The first connect is not retried unless `reconnect.firstConnect` is set: it rejects (`ConnectError` saying why,
   * `HandshakeError`, …) and the state becomes `closed`. Called while already open, it resolves at once; while reconnecting, it tries at once (and
   * inside `onReconnect`, where the connection is up, it resolves at once).
   */
  connect(): Promise<HandshakeResponse> {
    return new Promise((resolve, reject) => {
      const link = this.link;
      if (this.status === 'open') return resolve(this.current as HandshakeResponse);
      // Inside `onReconnect` the connection is up (the hook re-logs in over it): waiting for the hook would deadlock.
      if (this.status === 'reconnecting' && link && link.handshake) return resolve(link.handshake);
      this.waiters.push([resolve, reject]);
      if (this.status === 'reconnecting' || this.status === 'connecting') this.wake();
      else {
        this.status = 'connecting';
        this.kicked = false;
        this.attempts = 0;
        this.open();
      }
    });
  }

  /**
   * Sends a request and resolves with the decoded response (decoded with the serializer for this route).
   * Rejects with `RequestTimeoutError`, `RequestAbortedError`, `ServerError` (error-flag response),
   * `ConnectionClosedError` (not open, or dropped while pending: requests are never replayed), or
   * `ProtocolError` `ERR_PACKET_TOO_LARGE` (over `maxBodyLength`, before sending).
   * A body of `undefined` is sent as `{}` (what nano's JSON handlers expect).
   */
  request<K extends keyof Routes & string>(
    route: K,
    body?: RequestBody<Routes, K>,
    options?: RequestOptions,
  ): Promise<ResponseBody<Routes, K>> {
    let timeout = this.requestTimeout;
    let signal: AbortSignal | undefined;
    if (options) {
      if (options.timeout !== undefined) timeout = options.timeout;
      signal = options.signal;
    }
    try {
      const link = this.link;
      if (!link || !link.handshake) throw this.notConnected();
      if (signal && signal.aborted) throw new RequestAbortedError(route, signal.reason);
      const requests = this.requests;
      const id = requests.next();
      const packet = this.encode(MessageType.Request, route, body, link.dictionary, id);
      return requests.add(id, route, packet, timeout, signal, link) as Promise<ResponseBody<Routes, K>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends a notify (no response). Until the connection is open (connecting, reconnecting, `onReconnect` running) it
   * is queued (up to `maxQueuedNotifies`, then this throws `NotifyQueueFullError`) and sent in order once the
   * connection is open. Queued notifies are dropped by `close()` or when reconnecting gives up.
   * @throws {ConnectionClosedError} when the client is idle or closed.
   * @throws {ProtocolError} `ERR_PACKET_TOO_LARGE` over `maxBodyLength`; serializer errors.
   */
  notify<K extends keyof Routes & string>(route: K, body?: RequestBody<Routes, K>): void {
    const link = this.link;
    // Until the connection is ready (also while `onReconnect` runs) notifies queue, so that they go out in order.
    if (
      this.status === 'open' &&
      link &&
      link.handshake &&
      link.send(this.encode(MessageType.Notify, route, body, link.dictionary))
    ) {
      return;
    }
    if (this.status !== 'connecting' && this.status !== 'reconnecting') throw this.notConnected();
    const limit = this.option('maxQueuedNotifies');
    if (this.queue.length >= limit) throw new NotifyQueueFullError(route, limit);
    // Queued without route compression: the next connection's dictionary is not known yet.
    this.queue.push(this.encode(MessageType.Notify, route, body));
  }

  /**
   * Listens to a lifecycle event (`connect`, `disconnect`, `reconnecting`, `reconnect`, `kick`, `error`, `push`)
   * or, for any other name, to pushes of that route. Returns a function that removes the listener. A listener that
   * throws does not stop the others; what it throws becomes an `error` event (from an `error` listener: dropped).
   */
  on<E extends keyof ClientEvents>(event: E, fn: (arg: ClientEvents[E]) => void): () => void;
  on<K extends keyof Pushes & string>(route: K, fn: (body: Pushes[K]) => void): () => void;
  // biome-ignore lint/suspicious/noExplicitAny: implementation signature of the typed overloads
  on(event: string, fn: (arg: any) => void): () => void {
    return this.listeners.listen(event, fn, 'on');
  }

  /** Like {@link NanoClient.on}, for one call. */
  once<E extends keyof ClientEvents>(event: E, fn: (arg: ClientEvents[E]) => void): () => void;
  once<K extends keyof Pushes & string>(route: K, fn: (body: Pushes[K]) => void): () => void;
  // biome-ignore lint/suspicious/noExplicitAny: implementation signature of the typed overloads
  once(event: string, fn: (arg: any) => void): () => void {
    return this.listeners.listen(event, fn, 'once');
  }

  /** Removes a listener added with `on`/`once` (omit `fn` to remove all of that name). */
  off<E extends keyof ClientEvents>(event: E, fn?: (arg: ClientEvents[E]) => void): void;
  off<K extends keyof Pushes & string>(route: K, fn?: (body: Pushes[K]) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: implementation signature of the typed overloads
  off(event: string, fn?: (arg: any) => void): void {
    this.listeners.off(event, fn);
  }

  /** Listens to pushes of `route` only, whatever its name (also `error`, `connect`…). Returns the remover. */
  onPush<K extends keyof Pushes & string>(route: K, fn: (body: Pushes[K]) => void): () => void {
    return this.listeners.listen(route, fn, 'on', true);
  }

  /**
   * The host is going to the background (`wx.onHide`, `visibilitychange`): stop judging heartbeats, since timers
   * and the socket may freeze. The client's own heartbeats go on where timers still run (a hidden browser tab), so
   * that servers which drop silent clients keep the session.
   */
  pause(): void {
    this.paused = true;
    this.beats('pause');
  }

  /**
   * Back in the foreground (`wx.onShow`): probe the connection at once (a heartbeat; a dead link is detected within
   * one interval + grace), or retry at once when reconnecting.
   */
  resume(): void {
    this.paused = false;
    this.beats('resume');
    this.wake();
  }

  /**
   * Closes the connection for good (no reconnect). Pending requests reject with `ConnectionClosedError`
   * (`client-close`), queued notifies are dropped, an open connection emits `disconnect`. `connect()` may be
   * called again later.
   */
  close(): void {
    const wasOpen = this.status === 'open';
    this.stop(new ConnectionClosedError(CloseCode.Normal, 'client-close'));
    if (this.link) this.end(this.link, CloseCode.Normal, 'client-close');
    if (wasOpen) this.emit('disconnect', { code: CloseCode.Normal, reason: 'client-close', willReconnect: false });
  }

  /** Counters for tests and diagnostics: after `close()` every one of them is 0. */
  debugStats(): DebugStats {
    return {
      pendingRequests: this.requests.size(),
      timers: this.timers.live,
      signalListeners: this.requests.signals,
      queuedNotifies: this.queue.length,
      transports: this.link ? 1 : 0,
    };
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** The error of `request()` and `notify()` without a connection, saying what to do. */
  private notConnected(): ConnectionClosedError {
    return new ConnectionClosedError(0, 'not-connected', `not connected (${this.status}): call connect() first`);
  }

  private option(name: keyof typeof DEFAULTS): number {
    const value = this.options[name];
    return value === undefined ? DEFAULTS[name] : value;
  }

  /** A Request or Notify as a Data packet; the route compressed with `dictionary`, when given. */
  private encode(type: MessageInit['type'], route: string, body: unknown, dictionary?: RouteDictionary, id?: number) {
    // Options made per message: a fresh object is in the cache, while one kept per client is not by its next
    // request when a process runs thousands of clients.
    return this.encodeData(
      { type, id, route, body: this.serializer.encode(route, body === undefined ? {} : body, type) } as MessageInit,
      { dictionary, maxBodyLength: this.maxBodyLength },
    );
  }

  /**
   * A Request or Notify as a whole Data packet, in one exactly sized array. The Node entry carves packets out of a
   * pooled slab instead (`PacketWriter`: views, byte-identical), which browsers do without to keep the bundle small.
   */
  protected encodeData(msg: MessageInit, options: MessageEncodeOptions): Uint8Array {
    return encodeDataPacket(msg, options);
  }

  /**
   * The message in the body of a Data packet, with the handshake's route dictionary. The Node entry decodes with a
   * per-client `MessageReader` instead (the same result, but a route that comes again is not decoded again).
   */
  protected decodeData(bytes: Uint8Array, options: MessageDecodeOptions): Message {
    return decodeMessage(bytes, options);
  }

  /** Pauses or resumes the heartbeat of the current link. */
  private beats(how: 'pause' | 'resume'): void {
    const heartbeat = this.link && this.link.heartbeat;
    if (heartbeat) heartbeat[how]();
  }

  private emit<E extends keyof ClientEvents>(event: E, arg: ClientEvents[E]): void {
    this.listeners.emit(event, arg);
  }

  /** Starts a connection attempt: URL, transport, handshake request. The connect timeout covers all of it. */
  private open(): void {
    const o = this.options;
    const link: Link = (this.link = new NanoClient.Link(this));
    link.cancel = this.timers.set(
      () => this.end(link, CloseCode.ConnectTimeout, 'connect-timeout'),
      this.option('connectTimeout'),
    );
    new Promise<string>((r) => r(typeof o.url === 'function' ? o.url() : o.url))
      .then((url) => {
        if (link.ended) return;
        if (!/^[a-z][\w+.-]*:\/\/[^\s/?#]/i.test(url)) throw new NanoError('ERR_INVALID_URL', `invalid URL: ${url}`);
        link.url = url;
        // Encoded before the socket exists: a `handshake.user` that cannot be encoded fails `connect()` at once.
        const cache = (link.cache = o.handshakeCache && o.handshakeCache.prepare(o.handshake));
        link.hello = encodePacket(PacketType.Handshake, encodeHandshakeRequest(cache ? cache.request : o.handshake));
        link.transport = (o.transport || this.defaultTransport())(
          { url, protocols: o.protocols, headers: o.headers, connectTimeout: o.connectTimeout },
          link,
        );
        if (link.ended) link.transport.close();
        // A transport that opened before its factory returned could not send the handshake request yet.
        else if (link.opened) link.onOpen();
      })
      .then(undefined, (error: unknown) => this.end(link, CloseCode.Abnormal, 'connect-failed', error));
  }

  /**
   * @internal One connection attempt and, once the handshake is done, the live connection; also the handler set that
   * its transport calls, the sink of its packets, and the sender of the requests made on it. One object and methods
   * shared by all links, rather than a handler object and closures over a context: with thousands of clients in one
   * process (bots, load tests), each of those is a cache miss per packet. Declared in the client's class body, so
   * that its methods reach the client's private ones.
   */
  private static readonly Link = class implements TransportHandlers, PacketSink, Arrivals, Sender {
    // The fields that every packet or request reads, and that are set only after the constructor returns, get a
    // value in the constructor, so that V8 keeps them in the object itself however many connections start at once.
    // (`ended`, absent until the end, costs nothing to read.)
    transport: Transport | undefined;
    /** Set when the handshake completed: requests may be sent. */
    handshake: HandshakeResponse | undefined;
    /** The route dictionary of `handshake`, kept here: a request or an answer then reads this object only. */
    dictionary: RouteDictionary | undefined;
    heartbeat: Heartbeat | undefined;
    received: number;
    ended: boolean | undefined;
    /** Cancels the connect timeout; set by `open()` as soon as the link exists. */
    cancel!: () => void;
    /** Set when the server sent a Kick: the `kick` event, emitted when the link has ended. */
    kick: ClientEvents['kick'] | undefined;
    /** The URL of this attempt, once known. */
    url: string | undefined;
    /** The last socket error before the handshake: why connecting failed (the `cause`). */
    error: unknown;
    /** What the handshake cache prepared for this attempt. */
    cache: ReturnType<HandshakeCache['prepare']> | undefined;
    /** The handshake request, sent when the transport opens. */
    hello: Uint8Array | undefined;
    /** Set when the transport opened (it may do so before its factory has returned). */
    opened?: boolean;

    constructor(private readonly client: NanoClient<object, object>) {
      this.transport = this.handshake = this.dictionary = undefined;
      this.received = 0;
    }

    onOpen(): void {
      this.opened = true;
      if (!this.ended) this.send(this.hello as Uint8Array);
    }

    /** A message of whole packets (one or more per WebSocket message), each delivered in place to `onPacket`. */
    onMessage(data: Uint8Array): void {
      // (After the link ended, `onPacket` drops what this finds.)
      const end = scanPackets(data, 0, MAX_PACKET_BODY_LENGTH, this);
      if (end === data.length || this.ended) return;
      // Framing is lost (a bad header, a cut packet, not bytes at all): this connection cannot continue. The error
      // says why.
      try {
        throwPacketError(data, end, MAX_PACKET_BODY_LENGTH);
      } catch (error) {
        this.client.end(this, CloseCode.ProtocolError, 'protocol-error', error);
      }
    }

    /** One packet from the server. */
    onPacket(type: PacketType, body: Uint8Array): void {
      const { handshake, client } = this;
      if (this.ended) return;
      this.received = client.now();
      if (type === PacketType.Handshake && !handshake) {
        client.handshaken(this, body);
      } else if (type === PacketType.Heartbeat && handshake) {
        if (this.heartbeat) this.heartbeat.answer();
      } else if (type === PacketType.Data && handshake) {
        client.data(this, body);
      } else if (type === PacketType.Kick) {
        let reason: string | undefined;
        try {
          reason = parseKick(body).reason;
        } catch {
          // A Kick with a body that is not JSON is still a Kick.
        }
        client.kicked = true;
        this.kick = reason === undefined ? {} : { reason };
        client.end(this, CloseCode.Kick, 'kick');
      }
      // A HandshakeAck from a server: nothing to do.
    }

    onClose(info: CloseInfo): void {
      this.client.end(this, info.code, info.reason);
    }

    /** Before the handshake a socket error is why connecting fails (see `end`); after it, news. */
    onError(error: unknown): void {
      if (this.ended) return;
      if (!this.handshake) this.error = error;
      else this.client.emit('error', socketError(error));
    }

    /** Sends `packet`; false when the transport refused it (or threw, which is also an `error` event). */
    send(packet: Uint8Array): boolean {
      try {
        return this.transport ? this.transport.send(packet) : false;
      } catch (error) {
        this.client.emit('error', socketError(error));
        return false;
      }
    }
  };

  private handshaken(link: Link, body: Uint8Array): void {
    const heartbeat = this.options.heartbeat;
    let hs: HandshakeResponse;
    try {
      hs = parseHandshakeResponse(body, this.options); // reads its `inflate` and `gunzip`
      if (link.cache) hs = link.cache.complete(hs);
      if (this.serializer.onHandshake) this.serializer.onHandshake(hs);
    } catch (error) {
      // A cached dict or protos that the serializer refuses would fail every later handshake the same way.
      if (link.cache) link.cache.reject();
      this.end(link, CloseCode.ProtocolError, 'protocol-error', error);
      return;
    }
    link.handshake = hs;
    link.dictionary = hs.dictionary;
    link.send(encodePacket(PacketType.HandshakeAck));
    const interval = heartbeatInterval(hs.heartbeat);
    const beat = () => link.send(encodePacket(PacketType.Heartbeat));
    link.heartbeat = startHeartbeat(
      interval,
      heartbeat && heartbeat.grace !== undefined ? heartbeat.grace : 2000,
      this.timers,
      link, // the heartbeat sets `received` first
      beat,
      () => this.end(link, CloseCode.HeartbeatTimeout, 'heartbeat-timeout'),
      !interval || heartbeat === false,
    );
    if (this.paused) link.heartbeat.pause();
    // A reconnect runs `onReconnect` (re-login) before the connection counts as open and queued notifies flush; the
    // connect timeout covers it, so a hook that never settles cannot stall the client. Always a tick later, so that
    // a Kick in the same message as the handshake reply ends the attempt first.
    const hook = this.status === 'reconnecting' && this.options.onReconnect;
    new Promise<void>((r) => r(hook ? hook(hs) : undefined)).then(
      () => this.ready(link, hs),
      (error: unknown) => {
        // After the link ended (dropped, `close()`), the hook failing is a consequence, not news: `end` ignores it.
        const reason = 'reconnect-hook-failed';
        this.end(link, CloseCode.ReconnectHookFailed, reason, new ConnectionClosedError(4004, reason, reason, error));
      },
    );
  }

  private data(link: Link, bytes: Uint8Array): void {
    let msg: Message;
    try {
      msg = this.decodeData(bytes, link); // the link's `dictionary`
    } catch (error) {
      // An unknown route code is reported and skipped (never delivered as an empty push); anything else is a
      // broken peer.
      if ((error as { code?: string }).code === 'ERR_UNKNOWN_ROUTE_CODE') this.emit('error', error);
      else this.end(link, CloseCode.ProtocolError, 'protocol-error', error);
      return;
    }
    const { type, route } = msg;
    let value: unknown;
    if (type === MessageType.Response) {
      const entry = this.requests.get(msg.id);
      if (!entry) return; // Late (timed out, aborted) or unknown: nothing waits for it.
      // An error response is a ServerError (its body `{code, msg}`: JSON, or what the serializer's `decodeError` reads,
      // e.g. pitaya's protobuf Error; nothing when it cannot be read); a body that cannot be inflated or decoded
      // rejects the request with that error.
      const { serializer } = this;
      let error: unknown = msg.error ? new ServerError(entry.route, undefined) : undefined;
      try {
        const body = this.inflate(entry.route, msg);
        if (!error) value = serializer.decode(entry.route, body, type);
        else {
          const data = serializer.decodeError
            ? serializer.decodeError(entry.route, body)
            : JSON.parse(decodeUtf8(body));
          error = new ServerError(entry.route, data);
        }
      } catch (failure) {
        if (!error) error = failure;
      }
      this.requests.settle(entry, error, value);
    } else if (type === MessageType.Push) {
      try {
        value = this.serializer.decode(route, this.inflate(route, msg), type);
      } catch (error) {
        this.emit('error', error);
        return;
      }
      this.listeners.push(route, value);
    }
  }

  /** The body of `msg`, inflated with the `inflate` option when it carries flag 0x10 (pitaya's compression). */
  private inflate(route: string, msg: Message): Uint8Array {
    return msg.gzip
      ? inflateBody(
          msg.body,
          this.options,
          (text, cause) => new NanoError('ERR_COMPRESSED_MESSAGE', `${route}: ${text}`, { cause }),
        )
      : msg.body;
  }

  /**
   * Ends a link, whoever decided it (socket close, timeout, protocol error, kick, `close()`), and decides what next.
   * The client's state is settled before any event is emitted, so a listener may call `connect()` or `close()`.
   */
  private end(link: Link, code: number, reason: string, error?: unknown): void {
    if (link.ended) return;
    link.ended = true;
    if (this.link === link) this.link = undefined;
    link.cancel();
    if (link.heartbeat) link.heartbeat.stop();
    if (link.transport) link.transport.close(code === CloseCode.Abnormal ? CloseCode.Normal : code, reason);
    const closed = new ConnectionClosedError(code, reason);
    this.requests.rejectAll(closed);
    const status = this.status;
    // A connection attempt that failed (before its handshake, or in `onReconnect`): why, as a typed error with the
    // host's cause.
    if (status === 'reconnecting' || (!link.handshake && status === 'connecting')) {
      error = connectFailure(link, code, reason, error);
    }
    const reconnect = this.options.reconnect;
    const { maxAttempts = Infinity, firstConnect } = reconnect || {};
    // The first connect is retried only when asked (else its callers get the error); `close()` may be handling this
    // end already.
    const first = status === 'connecting';
    const retrying = status === 'open' || status === 'reconnecting' || (first && !!firstConnect);
    const mayRetry = retrying && reconnect !== false && !this.kicked;
    const willReconnect = mayRetry && this.attempts < maxAttempts;
    const gaveUp =
      mayRetry && !willReconnect
        ? new ConnectionClosedError(
            code,
            'reconnect-failed',
            `gave up after ${this.attempts} attempts (last: ${code} ${reason})`,
            error,
          )
        : undefined;
    if (willReconnect) {
      // Retrying the first connect stays `connecting`: no session to restore, no `reconnect` event.
      if (!first) this.status = 'reconnecting';
      this.current = undefined;
    } else if (retrying || first) {
      this.stop(gaveUp || (first && error !== undefined ? error : closed));
    }
    // What ended the link is an `error` event, unless the first `connect()` rejects with it (or `close()` ended it).
    if (error !== undefined && retrying) this.emit('error', error);
    if (link.kick) this.emit('kick', link.kick);
    // As things stand now: an `error` or `kick` listener may have called close().
    if (status === 'open') this.emit('disconnect', { code, reason, willReconnect: this.status === 'reconnecting' });
    // (The first connect's callers get it.)
    if (gaveUp && !first) this.emit('error', gaveUp);
    // A listener closed, or called connect() (which tries at once), or the retry is already scheduled.
    if (!willReconnect || this.status !== (first ? status : 'reconnecting') || this.retry || this.link) return;
    const attempt = ++this.attempts;
    const delay = backoffDelay(attempt, reconnect || {}, (this.options.env || {}).random || Math.random);
    this.retry = this.timers.set(() => this.wake(), delay);
    this.emit('reconnecting', { attempt, delay });
  }

  /** Between attempts (reconnecting, or retrying the first connect): ends the delay and tries now. */
  private wake(): void {
    if ((this.status !== 'reconnecting' && this.status !== 'connecting') || this.link) return;
    if (this.retry) this.retry();
    this.retry = undefined;
    this.open();
  }

  /** The connection is ready: state `open`, queued notifies sent, `connect()` callers and listeners told. */
  private ready(link: Link, hs: HandshakeResponse): void {
    if (link.ended) return;
    const reconnected = this.status === 'reconnecting';
    link.cancel();
    // Up again: the next drop starts the delays over.
    this.attempts = 0;
    this.status = 'open';
    this.current = hs;
    const queue = this.queue;
    this.queue = [];
    for (const packet of queue) link.send(packet);
    this.release(0, hs);
    this.emit('connect', hs);
    // Unless a `connect` listener closed it (`disconnect` has then been told).
    if (reconnected && !link.ended) this.emit('reconnect', hs);
  }

  /** Gives up for good: state `closed`, queued notifies dropped, no retry, waiting `connect()` calls rejected. */
  private stop(error: unknown): void {
    if (this.status !== 'idle') this.status = 'closed';
    this.queue = [];
    this.current = undefined;
    if (this.retry) this.retry();
    this.retry = undefined;
    this.release(1, error);
  }

  /** Settles the waiting `connect()` calls: 0 resolves them with a handshake, 1 rejects them with an error. */
  private release(how: 0 | 1, value: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) (waiter[how] as (value: unknown) => void)(value);
  }
}
