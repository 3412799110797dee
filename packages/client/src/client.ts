/**
 * The game client: one instance, one connection at a time.
 * @packageDocumentation
 */
import {
  decodeMessage,
  decodePackets,
  decodeUtf8,
  encodeDataPacket,
  encodeHandshakeRequest,
  encodePacket,
  type HandshakeResponse,
  jsonSerializer,
  MAX_PACKET_BODY_LENGTH,
  type Message,
  type MessageInit,
  MessageType,
  NanoError,
  PacketType,
  ProtocolError,
  parseHandshakeResponse,
  parseKick,
  type Serializer,
} from '@nanokit/protocol';
import { EventEmitter } from 'eventemitter3';
import { backoffDelay } from './backoff.js';
import {
  ConnectionClosedError,
  NotifyQueueFullError,
  RequestAbortedError,
  RequestTimeoutError,
  ServerError,
} from './errors.js';
import { type Heartbeat, startHeartbeat } from './heartbeat.js';
import type {
  AnyPushes,
  AnyRoutes,
  ClientEvents,
  ClientState,
  DebugStats,
  NanoClientOptions,
  RequestBody,
  RequestOptions,
  ResponseBody,
} from './options.js';
import { type PendingRequest, PendingRequests } from './pending-requests.js';
import { createTimers, NOOP, type Timers } from './timers.js';
import type { Transport, TransportFactory } from './transport.js';
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

/** One connection attempt and, once the handshake is done, the live connection. */
interface Link {
  transport?: Transport;
  /** Set when the handshake completed: requests may be sent. */
  handshake?: HandshakeResponse;
  heartbeat?: Heartbeat;
  /** Cancels the connect timeout. */
  cancel: () => void;
  /** When the connection became ready, after `onReconnect` (0 before). */
  upAt: number;
  ended?: boolean;
  /** Set when the server sent a Kick: the `kick` event, emitted when the link has ended. */
  kick?: ClientEvents['kick'];
}

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

/** A listener as eventemitter3 stores it in `guard` form: the user's function is the context. */
// biome-ignore lint/suspicious/noExplicitAny: listeners of any event
type Listener = (arg: any) => void;

/**
 * The function registered with eventemitter3 for every listener, which is passed as the context: one listener that
 * throws cannot stop the others (eventemitter3 stops at a throw), and `off(event, fn)` finds `fn` by context. What a
 * listener throws goes to `report`.
 */
function guard(report: (error: unknown) => void) {
  return function (this: Listener, arg: unknown) {
    try {
      this(arg);
    } catch (error) {
      report(error);
    }
  };
}

function isLifecycleEvent(name: string): boolean {
  return /^(connect|disconnect|reconnecting|reconnect|kick|error|push)$/.test(name);
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
  private readonly events = new EventEmitter();
  private readonly pushes = new EventEmitter();
  private readonly pending = new PendingRequests();
  /** Calls a listener; a throw becomes an `error` event. */
  private readonly safe = guard((error) => this.emit('error', error));
  /** Calls an `error` listener; a throw is dropped (reporting it would call the same listener again). */
  private readonly quiet = guard(NOOP);
  /** Cancels the request-timeout timer; set while one is armed (see `armSweep`). */
  private sweep: (() => void) | undefined;
  /** When the request-timeout timer fires. */
  private sweepAt = 0;
  private queue: Uint8Array[] = [];
  /** Ids of requests waiting for a slot under `maxInFlight`, oldest first; the other pending requests are in flight. */
  private held: number[] = [];
  /** Set while `flush()` runs: a send failure inside it settles a request, which must not flush again. */
  private flushing = false;
  private link: Link | undefined;
  private current: HandshakeResponse | undefined;
  /** `connect()` calls waiting for the connection to open (or to fail for good). */
  private waiters: Waiter[] = [];
  /** Cancels the reconnect delay; set while one runs. */
  private retry: (() => void) | undefined;
  private attempts = 0;
  private kicked = false;
  private paused = false;
  private signalListeners = 0;
  private status: ClientState = 'idle';

  constructor(options: NanoClientOptions) {
    if (!options || (typeof options.url !== 'string' && typeof options.url !== 'function')) {
      throw new ProtocolError('ERR_INVALID_ARGUMENT', 'no url');
    }
    this.options = options;
    this.serializer = options.serializer || jsonSerializer;
    this.timers = createTimers(options.env);
  }

  /** The connection state: `idle` → `connecting` → `open` ⇄ `reconnecting`; `closed` after `close()` or giving up. */
  get state(): ClientState {
    return this.status;
  }

  /** The handshake of the current connection, if open. */
  get handshake(): HandshakeResponse | undefined {
    return this.current;
  }

  /** The transport used when the options name none. Overridden by the Node entry. */
  protected defaultTransport(): TransportFactory {
    return webSocketTransport();
  }

  /**
   * Opens the connection: socket, handshake (with `handshake.user`), ack. Resolves with the server's handshake.
   * The first connect is not retried: it rejects (`ConnectionClosedError`, `HandshakeError`, …) and the state
   * becomes `closed`. Called while already open, it resolves at once; while reconnecting, it tries at once (and
   * inside `onReconnect`, where the connection is up, it resolves at once).
   */
  connect(): Promise<HandshakeResponse> {
    return new Promise((resolve, reject) => {
      const link = this.link;
      if (this.status === 'open') return resolve(this.current as HandshakeResponse);
      // Inside `onReconnect` the connection is up (the hook re-logs in over it): waiting for the hook would deadlock.
      if (this.status === 'reconnecting' && link && link.handshake) return resolve(link.handshake);
      this.waiters.push([resolve, reject]);
      if (this.status === 'reconnecting') this.wake();
      else if (this.status !== 'connecting') {
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
    { timeout = this.option('requestTimeout'), signal }: RequestOptions = {},
  ): Promise<ResponseBody<Routes, K>> {
    return new Promise((resolve, reject) => {
      const link = this.link;
      if (!link || !link.handshake) throw new ConnectionClosedError(0, 'not-connected');
      if (signal && signal.aborted) throw new RequestAbortedError(route, signal.reason);
      const id = this.pending.next();
      const packet = this.encode(MessageType.Request, route, body, link.handshake, id);
      const onAbort = signal && (() => this.settle(id, new RequestAbortedError(route, signal.reason)));
      const deadline = timeout > 0 && timeout < 0x7fffffff ? this.timers.now() + timeout : 0;
      this.pending.map.set(id, {
        route,
        resolve: resolve as (value: unknown) => void,
        reject,
        deadline,
        timeout,
        signal,
        onAbort,
        packet,
      });
      if (deadline > 0) this.armSweep(deadline);
      if (signal && onAbort) {
        signal.addEventListener('abort', onAbort);
        this.signalListeners++;
      }
      this.held.push(id);
      this.flush(link);
    });
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
      this.send(link, this.encode(MessageType.Notify, route, body, link.handshake))
    ) {
      return;
    }
    if (this.status !== 'connecting' && this.status !== 'reconnecting') {
      throw new ConnectionClosedError(0, 'not-connected');
    }
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
    return this.listen(this.emitter(event), event, fn, 'on');
  }

  /** Like {@link NanoClient.on}, for one call. */
  once<E extends keyof ClientEvents>(event: E, fn: (arg: ClientEvents[E]) => void): () => void;
  once<K extends keyof Pushes & string>(route: K, fn: (body: Pushes[K]) => void): () => void;
  // biome-ignore lint/suspicious/noExplicitAny: implementation signature of the typed overloads
  once(event: string, fn: (arg: any) => void): () => void {
    return this.listen(this.emitter(event), event, fn, 'once');
  }

  /** Removes a listener added with `on`/`once` (omit `fn` to remove all of that name). */
  off<E extends keyof ClientEvents>(event: E, fn?: (arg: ClientEvents[E]) => void): void;
  off<K extends keyof Pushes & string>(route: K, fn?: (body: Pushes[K]) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: implementation signature of the typed overloads
  off(event: string, fn?: (arg: any) => void): void {
    const emitter = this.emitter(event);
    emitter.off(event, fn && this.guardOf(emitter, event), fn);
  }

  /** Listens to pushes of `route` only, whatever its name (also `error`, `connect`…). Returns the remover. */
  onPush<K extends keyof Pushes & string>(route: K, fn: (body: Pushes[K]) => void): () => void {
    return this.listen(this.pushes, route, fn, 'on');
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
      pendingRequests: this.pending.map.size,
      timers: this.timers.live,
      signalListeners: this.signalListeners,
      queuedNotifies: this.queue.length,
      transports: this.link ? 1 : 0,
    };
  }

  // ---------------------------------------------------------------------------------------------------------------

  private option(name: keyof typeof DEFAULTS): number {
    const value = this.options[name];
    return value === undefined ? DEFAULTS[name] : value;
  }

  /** A Request or Notify as a Data packet; the route compressed with the dictionary of `hs`, when given. */
  private encode(type: MessageInit['type'], route: string, body: unknown, hs?: HandshakeResponse, id?: number) {
    return encodeDataPacket(
      { type, id, route, body: this.serializer.encode(route, body === undefined ? {} : body, type) } as MessageInit,
      { dictionary: hs && hs.dictionary, maxBodyLength: this.option('maxBodyLength') },
    );
  }

  private emitter(event: string): EventEmitter {
    return isLifecycleEvent(event) ? this.events : this.pushes;
  }

  private listen(emitter: EventEmitter, event: string, fn: Listener, how: 'on' | 'once'): () => void {
    const call = this.guardOf(emitter, event);
    emitter[how](event, call, fn);
    return () => {
      emitter.off(event, call, fn);
    };
  }

  private guardOf(emitter: EventEmitter, event: string) {
    return emitter === this.events && event === 'error' ? this.quiet : this.safe;
  }

  /** Pauses or resumes the heartbeat of the current link. */
  private beats(how: 'pause' | 'resume'): void {
    const heartbeat = this.link && this.link.heartbeat;
    if (heartbeat) heartbeat[how]();
  }

  private emit<E extends keyof ClientEvents>(event: E, arg: ClientEvents[E]): void {
    this.events.emit(event, arg);
  }

  /** Sends `packet` on `link`; false when the transport refused it (or threw, which is also an `error` event). */
  private send(link: Link, packet: Uint8Array): boolean {
    try {
      if (!link.transport || !link.transport.send(packet)) return false;
    } catch (error) {
      this.emit('error', error);
      return false;
    }
    if (link.heartbeat) link.heartbeat.sent();
    return true;
  }

  /** Starts a connection attempt: URL, transport, handshake request. The connect timeout covers all of it. */
  private open(): void {
    const o = this.options;
    const link: Link = (this.link = { cancel: NOOP, upAt: 0 });
    link.cancel = this.timers.set(
      () => this.end(link, CloseCode.ConnectTimeout, 'connect-timeout'),
      this.option('connectTimeout'),
    );
    new Promise<string>((r) => r(typeof o.url === 'function' ? o.url() : o.url))
      .then((url) => {
        if (link.ended) return;
        // Encoded before the socket exists: a `handshake.user` that cannot be encoded fails `connect()` at once.
        const request = encodePacket(PacketType.Handshake, encodeHandshakeRequest(o.handshake));
        let opened = false;
        const hello = () => {
          opened = true;
          if (!link.ended) this.send(link, request);
        };
        link.transport = (o.transport || this.defaultTransport())(
          { url, protocols: o.protocols, headers: o.headers, connectTimeout: o.connectTimeout },
          {
            // A transport may open before the factory has returned it: `hello` then runs again below.
            onOpen: hello,
            onMessage: (data) => this.receive(link, data),
            onClose: (info) => this.end(link, info.code, info.reason),
            onError: (error) => {
              if (!link.ended) this.emit('error', error);
            },
          },
        );
        if (link.ended) link.transport.close();
        else if (opened) hello();
      })
      .then(undefined, (error: unknown) => this.end(link, CloseCode.Abnormal, 'connect-failed', error));
  }

  private receive(link: Link, data: Uint8Array): void {
    if (link.ended) return;
    let packets: ReturnType<typeof decodePackets>;
    try {
      // Whole packets only (one or more per WebSocket message; the TCP transport reassembles its stream).
      packets = decodePackets(data, { maxBodyLength: MAX_PACKET_BODY_LENGTH });
    } catch (error) {
      // Framing is lost: this connection cannot continue.
      this.end(link, CloseCode.ProtocolError, 'protocol-error', error);
      return;
    }
    for (const { type, body } of packets) {
      const { handshake, heartbeat } = link;
      if (link.ended) return;
      if (heartbeat) heartbeat.received();
      if (type === PacketType.Handshake && !handshake) {
        this.handshaken(link, body);
      } else if (type === PacketType.Heartbeat && handshake) {
        if (heartbeat) heartbeat.answer();
        else this.send(link, encodePacket(PacketType.Heartbeat));
      } else if (type === PacketType.Data && handshake) {
        this.data(link, handshake, body);
      } else if (type === PacketType.Kick) {
        let reason: string | undefined;
        try {
          reason = parseKick(body).reason;
        } catch {
          // A Kick with a body that is not JSON is still a Kick.
        }
        this.kicked = true;
        link.kick = reason === undefined ? {} : { reason };
        this.end(link, CloseCode.Kick, 'kick');
      }
      // A HandshakeAck from a server: nothing to do.
    }
  }

  private handshaken(link: Link, body: Uint8Array): void {
    const heartbeat = this.options.heartbeat;
    let hs: HandshakeResponse;
    try {
      hs = parseHandshakeResponse(body, this.options); // reads its `gunzip`
    } catch (error) {
      this.end(link, CloseCode.ProtocolError, 'protocol-error', error);
      return;
    }
    link.handshake = hs;
    this.send(link, encodePacket(PacketType.HandshakeAck));
    if (hs.heartbeatMs > 0 && heartbeat !== false) {
      link.heartbeat = startHeartbeat(
        hs.heartbeatMs,
        heartbeat && heartbeat.grace !== undefined ? heartbeat.grace : 2000,
        this.timers,
        () => this.send(link, encodePacket(PacketType.Heartbeat)),
        () => this.end(link, CloseCode.HeartbeatTimeout, 'heartbeat-timeout'),
      );
      if (this.paused) link.heartbeat.pause();
    }
    // A reconnect runs `onReconnect` (re-login) before the connection counts as open and queued notifies flush; the
    // connect timeout covers it, so a hook that never settles cannot stall the client. Always a tick later, so that
    // a Kick in the same message as the handshake reply ends the attempt first.
    const hook = this.status === 'reconnecting' && this.options.onReconnect;
    new Promise<void>((r) => r(hook ? hook(hs) : undefined)).then(
      () => this.ready(link, hs),
      (error: unknown) => {
        // After the link ended (dropped, `close()`), the hook failing is a consequence, not news: `end` ignores it.
        this.end(link, CloseCode.ReconnectHookFailed, 'reconnect-hook-failed', error);
      },
    );
  }

  private data(link: Link, hs: HandshakeResponse, bytes: Uint8Array): void {
    let msg: Message;
    try {
      msg = decodeMessage(bytes, hs);
    } catch (error) {
      // An unknown route code is reported and skipped (never delivered as an empty push); anything else is a
      // broken peer.
      if ((error as { code?: string }).code === 'ERR_UNKNOWN_ROUTE_CODE') this.emit('error', error);
      else this.end(link, CloseCode.ProtocolError, 'protocol-error', error);
      return;
    }
    const { type, id, route } = msg;
    const entry = this.pending.map.get(id);
    let value: unknown;
    if (type === MessageType.Response) {
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
      this.settle(id, error, value);
    } else if (type === MessageType.Push) {
      try {
        value = this.serializer.decode(route, this.inflate(route, msg), type);
      } catch (error) {
        this.emit('error', error);
        return;
      }
      this.pushes.emit(route, value);
      this.emit('push', { route, body: value });
    }
  }

  /**
   * The body of `msg`, inflated with the `gunzip` option when it carries the gzip flag (0x10: pitaya compresses
   * every Data body that gzip makes smaller when its `dataCompression` is on, the default).
   */
  private inflate(route: string, msg: Message): Uint8Array {
    const { gunzip } = this.options;
    if (!msg.gzip) return msg.body;
    try {
      if (gunzip) return gunzip(msg.body);
    } catch (cause) {
      throw new NanoError('ERR_COMPRESSED_MESSAGE', `${route}: gunzip failed`, { cause });
    }
    throw new NanoError('ERR_COMPRESSED_MESSAGE', `${route}: gzip body: pass gunzip`);
  }

  /**
   * Request timeouts share one timer, armed at the earliest deadline (a timer per request costs more than the rest
   * of a request's bookkeeping). When it fires, expired requests fail and it is armed again for the next deadline.
   * It is not cancelled when the last request is answered, only when the connection ends: a request sent before it
   * fires reuses it. A timer that fires far too late gives answers waiting in the socket a moment first (see below).
   */
  private armSweep(at: number): void {
    if (this.sweep) {
      if (this.sweepAt <= at) return;
      this.sweep();
    }
    this.sweepAt = at;
    this.sweep = this.timers.set(() => {
      this.sweep = undefined;
      const now = this.timers.now();
      // Over 1 s late: the host was suspended (a paused mini-game, a frozen tab), and answers that arrived meanwhile
      // may still be waiting in the socket behind this timer. Requests due get 1 s more for them, once (timers that
      // always run late, as in a throttled tab, must not postpone a timeout for ever).
      const late = now - this.sweepAt > 1000;
      let next = 0;
      for (const [id, entry] of this.pending.map) {
        if (entry.deadline === 0) continue;
        if (late && entry.deadline <= now && !entry.graced) {
          entry.graced = true;
          entry.deadline = now + 1000;
        }
        if (entry.deadline <= now) this.settle(id, new RequestTimeoutError(entry.route, id, entry.timeout));
        else if (next === 0 || entry.deadline < next) next = entry.deadline;
      }
      // (A request failing may have ended the link, and with it every request.)
      if (next > 0 && this.pending.map.size > 0) this.armSweep(next);
    }, at - this.timers.now());
  }

  /**
   * Sends held requests, oldest first, while fewer than `maxInFlight` are in flight. nano queues at most 16
   * outgoing messages per session and drops the rest silently, so a burst of requests would lose
   * answers; held requests wait here instead, their timeouts already running.
   */
  private flush(link: Link): void {
    if (this.flushing || this.held.length === 0) return;
    this.flushing = true;
    try {
      const max = this.option('maxInFlight') || Infinity; // 0, like a 0 timeout, turns it off
      const { held, pending } = this;
      const now = this.timers.now();
      while (held.length > 0 && pending.map.size - held.length < max) {
        const id = held[0] as number;
        const entry = pending.map.get(id) as PendingRequest;
        const { signal, deadline } = entry;
        // Never send one that was aborted (its listener may not have run yet: one signal, several requests) or
        // that expired while held: settling it takes it out of `held`.
        if (signal && signal.aborted) this.settle(id, new RequestAbortedError(entry.route, signal.reason));
        else if (deadline && deadline <= now) this.settle(id, new RequestTimeoutError(entry.route, id, entry.timeout));
        if (held[0] !== id) continue;
        held.shift();
        const packet = entry.packet as Uint8Array;
        entry.packet = undefined;
        if (!this.send(link, packet)) this.settle(id, new ConnectionClosedError(CloseCode.Abnormal, 'send-failed'));
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Settles request `id` with an error, or with `value` when `error` is undefined. Settling one that was sent frees
   * its slot for the oldest held request.
   */
  private settle(id: number, error: unknown, value?: unknown): void {
    const entry = this.pending.map.get(id);
    if (!entry) return;
    this.pending.map.delete(id);
    const link = this.link;
    if (entry.packet) this.held.splice(this.held.indexOf(id), 1);
    else if (link && link.handshake) this.flush(link);
    if (entry.signal && entry.onAbort) {
      entry.signal.removeEventListener('abort', entry.onAbort);
      this.signalListeners--;
    }
    if (error === undefined) entry.resolve(value);
    else entry.reject(error);
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
    for (const id of Array.from(this.pending.map.keys())) this.settle(id, closed);
    // The request-timeout timer outlives answered requests (re-arming it per request would cost a timer per request
    // in the usual one-at-a-time use); with no requests left it has nothing to do.
    if (this.sweep) this.sweep();
    this.sweep = undefined;
    const status = this.status;
    const reconnect = this.options.reconnect;
    const { minUptime = 5000, maxAttempts = Infinity } = reconnect || {};
    if (link.upAt > 0 && this.timers.now() - link.upAt >= minUptime) this.attempts = 0;
    // The first connect is not retried (its callers get the error); `close()` may be handling this end already.
    const retrying = status === 'open' || status === 'reconnecting';
    const mayRetry = retrying && reconnect !== false && !this.kicked;
    const willReconnect = mayRetry && this.attempts < maxAttempts;
    const gaveUp =
      mayRetry && !willReconnect
        ? new ConnectionClosedError(
            code,
            'reconnect-failed',
            `gave up after ${this.attempts} attempts (last: ${code} ${reason})`,
          )
        : undefined;
    if (willReconnect) {
      this.status = 'reconnecting';
      this.current = undefined;
    } else if (retrying || status === 'connecting') {
      this.stop(gaveUp || (status === 'connecting' && error !== undefined ? error : closed));
    }
    // What ended the link is an `error` event, unless the first `connect()` rejects with it (or `close()` ended it).
    if (error !== undefined && retrying) this.emit('error', error);
    if (link.kick) this.emit('kick', link.kick);
    if (status === 'open') this.emit('disconnect', { code, reason, willReconnect });
    if (gaveUp) this.emit('error', gaveUp);
    // A listener closed, or called connect() (which tries at once), or the retry is already scheduled.
    if (!willReconnect || this.status !== 'reconnecting' || this.retry || this.link) return;
    const attempt = ++this.attempts;
    const delay = backoffDelay(attempt, reconnect || {}, (this.options.env || {}).random || Math.random);
    this.retry = this.timers.set(() => this.wake(), delay);
    this.emit('reconnecting', { attempt, delay });
  }

  /** While reconnecting and between attempts: ends the reconnect delay, if one runs, and tries now. */
  private wake(): void {
    if (this.status !== 'reconnecting' || this.link) return;
    if (this.retry) this.retry();
    this.retry = undefined;
    this.open();
  }

  /** The connection is ready: state `open`, queued notifies sent, `connect()` callers and listeners told. */
  private ready(link: Link, hs: HandshakeResponse): void {
    if (link.ended) return;
    const reconnected = this.status === 'reconnecting';
    link.cancel();
    link.upAt = this.timers.now();
    this.status = 'open';
    this.current = hs;
    const queue = this.queue;
    this.queue = [];
    for (const packet of queue) this.send(link, packet);
    this.release(0, hs);
    this.emit('connect', hs);
    if (reconnected) this.emit('reconnect', hs);
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
