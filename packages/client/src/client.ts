/**
 * The game client: one instance, one connection at a time (wire spec §3–§5, §7; client-survey §7).
 * @packageDocumentation
 */
import {
  DEFAULT_MAX_BODY_LENGTH,
  decodeMessage,
  decodePackets,
  decodeUtf8,
  encodeDataPacket,
  encodeHandshakeRequest,
  encodePacket,
  type HandshakeResponse,
  jsonSerializer,
  MAX_PACKET_BODY_LENGTH,
  MessageType,
  type Packet,
  PacketType,
  ProtocolError,
  parseHandshakeResponse,
  parseKick,
  type Serializer,
} from '@nanokit/protocol';
import { EventEmitter } from 'eventemitter3';
import { backoffDelay, type ReconnectOptions } from './backoff.js';
import {
  ConnectionClosedError,
  NotifyQueueFullError,
  RequestAbortedError,
  RequestTimeoutError,
  ServerError,
} from './errors.js';
import { Heartbeat } from './heartbeat.js';
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
import { PendingRequests } from './pending-requests.js';
import { type TimerHandle, Timers } from './timers.js';
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
  transport: Transport | undefined;
  /** Set when the handshake completed: requests may be sent. */
  handshake: HandshakeResponse | undefined;
  heartbeat: Heartbeat | undefined;
  timer: TimerHandle | undefined;
  upAt: number;
  ended: boolean;
  resolve(handshake: HandshakeResponse): void;
  reject(error: unknown): void;
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
  private queue: Uint8Array[] = [];
  private link: Link | undefined;
  private current: HandshakeResponse | undefined;
  private connecting: Promise<HandshakeResponse> | undefined;
  private attempts = 0;
  private kicked = false;
  private paused = false;
  private sleeper: { timer: TimerHandle | undefined; wake(): void } | undefined;
  private signalListeners = 0;
  /** `connect()` calls made while reconnecting. */
  private waiters: { resolve(hs: HandshakeResponse): void; reject(error: unknown): void }[] = [];
  private status: ClientState = 'idle';
  /** How the last connection (or attempt) ended. */
  private lastClose = { code: 0, reason: '' };

  constructor(options: NanoClientOptions) {
    if (!options || (typeof options.url !== 'string' && typeof options.url !== 'function')) {
      throw new ProtocolError('ERR_INVALID_ARGUMENT', 'NanoClient needs a url (string or function)');
    }
    this.options = options;
    this.serializer = options.serializer || jsonSerializer;
    this.timers = new Timers(options.env);
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
   * becomes `closed`. Called while already open, it resolves at once; while reconnecting, it tries at once.
   */
  connect(): Promise<HandshakeResponse> {
    if (this.status === 'open' && this.current) return Promise.resolve(this.current);
    if (this.connecting) return this.connecting;
    if (this.status === 'reconnecting') {
      const waiter = new Promise<HandshakeResponse>((resolve, reject) => this.waiters.push({ resolve, reject }));
      this.wake();
      return waiter;
    }
    this.kicked = false;
    this.attempts = 0;
    this.status = 'connecting';
    const connecting = this.attempt().then(
      (hs) => {
        this.connecting = undefined;
        if (!this.established(hs, false)) {
          // The connection ended right after its handshake (e.g. a Kick), before this callback ran.
          if (this.status === 'connecting') this.status = 'closed';
          throw new ConnectionClosedError(this.lastClose.code, this.lastClose.reason);
        }
        return hs;
      },
      (error: unknown) => {
        this.connecting = undefined;
        if (this.status === 'connecting') this.status = 'closed';
        this.queue = [];
        throw error;
      },
    );
    this.connecting = connecting;
    return connecting;
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
    return new Promise((resolve, reject) => {
      const link = this.link;
      const signal = options?.signal;
      if (!link?.handshake) throw new ConnectionClosedError(0, 'not-connected');
      if (signal?.aborted) throw new RequestAbortedError(route, signal.reason);
      const id = this.pending.next();
      const packet = encodeDataPacket(
        {
          type: MessageType.Request,
          id,
          route,
          body: this.serializer.encode(route, body === undefined ? {} : body, MessageType.Request),
        },
        { dictionary: link.handshake.dictionary, maxBodyLength: this.maxBodyLength() },
      );
      const timeout = options && options.timeout !== undefined ? options.timeout : this.options.requestTimeout;
      const ms = timeout === undefined ? 10000 : timeout;
      const entry = {
        route,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer:
          ms > 0 && ms < 0x7fffffff
            ? this.timers.set(() => this.settle(id, new RequestTimeoutError(route, id, ms)), ms)
            : undefined,
        signal,
        onAbort: signal ? () => this.settle(id, new RequestAbortedError(route, signal.reason)) : undefined,
      };
      if (signal && entry.onAbort) {
        signal.addEventListener('abort', entry.onAbort);
        this.signalListeners++;
      }
      this.pending.map.set(id, entry);
      if (!this.send(link, packet)) this.settle(id, new ConnectionClosedError(CloseCode.Abnormal, 'send-failed'));
    });
  }

  /**
   * Sends a notify (no response). While connecting or reconnecting it is queued (up to `maxQueuedNotifies`, then
   * this throws `NotifyQueueFullError`) and sent once the connection is back, after `onReconnect`. Queued notifies
   * are dropped by `close()` or when reconnecting gives up.
   * @throws {ConnectionClosedError} when the client is idle or closed.
   * @throws {ProtocolError} `ERR_PACKET_TOO_LARGE` over `maxBodyLength`; serializer errors.
   */
  notify<K extends keyof Routes & string>(route: K, body?: RequestBody<Routes, K>): void {
    const link = this.link;
    const live = link?.handshake;
    const init = {
      type: MessageType.Notify,
      route,
      body: this.serializer.encode(route, body === undefined ? {} : body, MessageType.Notify),
    };
    if (live) {
      const packet = encodeDataPacket(init, { dictionary: live.dictionary, maxBodyLength: this.maxBodyLength() });
      if (this.send(link, packet)) return;
    }
    if (this.status !== 'connecting' && this.status !== 'reconnecting') {
      throw new ConnectionClosedError(0, 'not-connected');
    }
    const limit = this.options.maxQueuedNotifies === undefined ? 100 : this.options.maxQueuedNotifies;
    if (this.queue.length >= limit) throw new NotifyQueueFullError(route, limit);
    // Queued without route compression: the next connection's dictionary is not known yet.
    this.queue.push(encodeDataPacket(init, { maxBodyLength: this.maxBodyLength() }));
  }

  /**
   * Listens to a lifecycle event (`connect`, `disconnect`, `reconnecting`, `reconnect`, `kick`, `error`, `push`)
   * or, for any other name, to pushes of that route. Returns a function that removes the listener.
   */
  on<E extends keyof ClientEvents>(event: E, fn: (arg: ClientEvents[E]) => void): () => void;
  on<K extends keyof Pushes & string>(route: K, fn: (body: Pushes[K]) => void): () => void;
  // biome-ignore lint/suspicious/noExplicitAny: implementation signature of the typed overloads
  on(event: string, fn: (arg: any) => void): () => void {
    const emitter = isLifecycleEvent(event) ? this.events : this.pushes;
    emitter.on(event, fn);
    return () => {
      emitter.off(event, fn);
    };
  }

  /** Like {@link NanoClient.on}, for one call. */
  once<E extends keyof ClientEvents>(event: E, fn: (arg: ClientEvents[E]) => void): () => void;
  once<K extends keyof Pushes & string>(route: K, fn: (body: Pushes[K]) => void): () => void;
  // biome-ignore lint/suspicious/noExplicitAny: implementation signature of the typed overloads
  once(event: string, fn: (arg: any) => void): () => void {
    const emitter = isLifecycleEvent(event) ? this.events : this.pushes;
    emitter.once(event, fn);
    return () => {
      emitter.off(event, fn);
    };
  }

  /** Removes a listener added with `on`/`once` (omit `fn` to remove all of that name). */
  off<E extends keyof ClientEvents>(event: E, fn?: (arg: ClientEvents[E]) => void): void;
  off<K extends keyof Pushes & string>(route: K, fn?: (body: Pushes[K]) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: implementation signature of the typed overloads
  off(event: string, fn?: (arg: any) => void): void {
    (isLifecycleEvent(event) ? this.events : this.pushes).off(event, fn);
  }

  /** Listens to pushes of `route` only, whatever its name (also `error`, `connect`…). Returns the remover. */
  onPush<K extends keyof Pushes & string>(route: K, fn: (body: Pushes[K]) => void): () => void {
    this.pushes.on(route, fn);
    return () => {
      this.pushes.off(route, fn);
    };
  }

  /**
   * The host is going to the background (`wx.onHide`, `visibilitychange`): stop judging heartbeats, since timers
   * and the socket may freeze.
   */
  pause(): void {
    this.paused = true;
    if (this.link?.heartbeat) this.link.heartbeat.pause();
  }

  /**
   * Back in the foreground (`wx.onShow`): probe the connection at once (a heartbeat; a dead link is detected within
   * one interval + grace), or retry at once when reconnecting.
   */
  resume(): void {
    this.paused = false;
    if (this.link?.heartbeat) this.link.heartbeat.resume();
    this.wake();
  }

  /**
   * Closes the connection for good (no reconnect). Pending requests reject with `ConnectionClosedError`
   * (`client-close`), queued notifies are dropped, an open connection emits `disconnect`. `connect()` may be
   * called again later.
   */
  close(): void {
    const wasOpen = this.status === 'open';
    if (this.status !== 'idle') this.status = 'closed';
    this.queue = [];
    this.current = undefined;
    const sleeper = this.sleeper;
    if (sleeper) {
      this.timers.clear(sleeper.timer);
      sleeper.wake();
    }
    if (this.link) this.end(this.link, CloseCode.Normal, 'client-close');
    this.release(new ConnectionClosedError(CloseCode.Normal, 'client-close'));
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

  private maxBodyLength(): number {
    return this.options.maxBodyLength === undefined ? DEFAULT_MAX_BODY_LENGTH : this.options.maxBodyLength;
  }

  private emit<E extends keyof ClientEvents>(event: E, arg: ClientEvents[E]): void {
    try {
      this.events.emit(event, arg);
    } catch (error) {
      // A throwing listener must not break the connection; report it unless it came from an error listener.
      if (event !== 'error') this.emit('error', error);
    }
  }

  private send(link: Link, packet: Uint8Array): boolean {
    if (!link.transport?.send(packet)) return false;
    if (link.heartbeat) link.heartbeat.sent();
    return true;
  }

  /** One connection attempt: resolves when the handshake is complete. */
  private attempt(): Promise<HandshakeResponse> {
    return new Promise<HandshakeResponse>((resolve, reject) => {
      const o = this.options;
      const link: Link = {
        transport: undefined,
        handshake: undefined,
        heartbeat: undefined,
        timer: undefined,
        upAt: 0,
        ended: false,
        resolve,
        reject,
      };
      this.link = link;
      link.timer = this.timers.set(
        () => this.end(link, CloseCode.ConnectTimeout, 'connect-timeout'),
        o.connectTimeout === undefined ? 10000 : o.connectTimeout,
      );
      new Promise<string>((r) => r(typeof o.url === 'function' ? o.url() : o.url))
        .then((url) => {
          if (link.ended) return;
          const factory = o.transport || this.defaultTransport();
          let openedEarly = false;
          const hello = () => {
            if (!link.ended && link.transport) {
              link.transport.send(encodePacket(PacketType.Handshake, encodeHandshakeRequest(o.handshake)));
            }
          };
          link.transport = factory(
            { url, protocols: o.protocols, headers: o.headers, connectTimeout: o.connectTimeout },
            {
              onOpen: () => {
                // A transport may open before the factory has returned it.
                if (link.transport) hello();
                else openedEarly = true;
              },
              onMessage: (data) => this.receive(link, data),
              onClose: (info) => this.end(link, info.code, info.reason),
              onError: (error) => {
                if (!link.ended) this.emit('error', error);
              },
            },
          );
          if (link.ended) link.transport.close();
          else if (openedEarly) hello();
        })
        .then(undefined, (error: unknown) => this.end(link, CloseCode.Abnormal, 'connect-failed', error));
    });
  }

  private receive(link: Link, data: Uint8Array): void {
    if (link.ended) return;
    let packets: Packet[];
    try {
      // Whole packets only (one or more per WebSocket message; the TCP transport reassembles its stream).
      packets = decodePackets(data, { maxBodyLength: MAX_PACKET_BODY_LENGTH });
    } catch (error) {
      // Framing is lost: this connection cannot continue.
      this.emit('error', error);
      this.end(link, CloseCode.ProtocolError, 'protocol-error', error);
      return;
    }
    for (const packet of packets) if (!link.ended) this.packet(link, packet);
  }

  private packet(link: Link, packet: Packet): void {
    if (link.heartbeat) link.heartbeat.received();
    switch (packet.type) {
      case PacketType.Handshake:
        if (!link.handshake) this.handshaken(link, packet.body);
        return;
      case PacketType.Heartbeat:
        if (link.heartbeat) link.heartbeat.answer();
        else if (link.handshake) this.send(link, encodePacket(PacketType.Heartbeat));
        return;
      case PacketType.Data:
        if (link.handshake) this.data(link, link.handshake, packet.body);
        return;
      case PacketType.Kick: {
        let reason: string | undefined;
        try {
          reason = parseKick(packet.body).reason;
        } catch {
          // A Kick with a body that is not JSON is still a Kick.
        }
        this.kicked = true;
        this.emit('kick', reason === undefined ? {} : { reason });
        this.end(link, CloseCode.Kick, 'kick');
        return;
      }
      default:
      // HandshakeAck from a server: nothing to do.
    }
  }

  private handshaken(link: Link, body: Uint8Array): void {
    let hs: HandshakeResponse;
    try {
      hs = parseHandshakeResponse(body, this.options.gunzip ? { gunzip: this.options.gunzip } : undefined);
    } catch (error) {
      this.end(link, CloseCode.ProtocolError, 'protocol-error', error);
      return;
    }
    link.handshake = hs;
    this.timers.clear(link.timer);
    link.upAt = this.timers.now();
    this.send(link, encodePacket(PacketType.HandshakeAck));
    const hb = this.options.heartbeat;
    if (hs.heartbeatMs > 0 && hb !== false) {
      link.heartbeat = new Heartbeat(hs.heartbeatMs, hb?.grace ?? 2000, this.timers, {
        beat: () => this.send(link, encodePacket(PacketType.Heartbeat)),
        dead: () => this.end(link, CloseCode.HeartbeatTimeout, 'heartbeat-timeout'),
      });
      if (this.paused) link.heartbeat.pause();
    }
    link.resolve(hs);
  }

  private data(link: Link, hs: HandshakeResponse, body: Uint8Array): void {
    let msg: ReturnType<typeof decodeMessage>;
    try {
      msg = decodeMessage(body, { dictionary: hs.dictionary });
    } catch (error) {
      // An unknown route code is reported and skipped (never delivered as an empty push); anything else is a
      // broken peer.
      this.emit('error', error);
      if (!(error instanceof ProtocolError && error.code === 'ERR_UNKNOWN_ROUTE_CODE')) {
        this.end(link, CloseCode.ProtocolError, 'protocol-error', error);
      }
      return;
    }
    if (msg.type === MessageType.Response) {
      const entry = this.pending.map.get(msg.id);
      if (!entry) return; // Late (timed out, aborted) or unknown: nothing waits for it.
      if (msg.error) {
        let data: unknown;
        try {
          data = JSON.parse(decodeUtf8(msg.body));
        } catch {
          data = undefined;
        }
        this.settle(msg.id, new ServerError(entry.route, data));
        return;
      }
      let value: unknown;
      try {
        value = this.serializer.decode(entry.route, msg.body, MessageType.Response);
      } catch (error) {
        this.settle(msg.id, error);
        return;
      }
      this.settle(msg.id, undefined, value);
    } else if (msg.type === MessageType.Push) {
      let value: unknown;
      try {
        value = this.serializer.decode(msg.route, msg.body, MessageType.Push);
      } catch (error) {
        this.emit('error', error);
        return;
      }
      try {
        this.pushes.emit(msg.route, value);
      } catch (error) {
        this.emit('error', error);
      }
      this.emit('push', { route: msg.route, body: value });
    }
  }

  /** Settles request `id` with an error, or with `value` when `error` is undefined. */
  private settle(id: number, error: unknown, value?: unknown): void {
    const entry = this.pending.map.get(id);
    if (!entry) return;
    this.pending.map.delete(id);
    this.timers.clear(entry.timer);
    if (entry.signal && entry.onAbort) {
      entry.signal.removeEventListener('abort', entry.onAbort);
      this.signalListeners--;
    }
    if (error === undefined) entry.resolve(value);
    else entry.reject(error);
  }

  /** Ends a link, whoever decided it (socket close, timeout, protocol error, kick, `close()`). */
  private end(link: Link, code: number, reason: string, error?: unknown): void {
    if (link.ended) return;
    link.ended = true;
    this.lastClose = { code, reason };
    if (this.link === link) this.link = undefined;
    this.timers.clear(link.timer);
    if (link.heartbeat) link.heartbeat.stop();
    if (link.transport) link.transport.close(code === CloseCode.Abnormal ? CloseCode.Normal : code, reason);
    if (!link.handshake) {
      link.reject(error === undefined ? new ConnectionClosedError(code, reason) : error);
      return;
    }
    for (const id of Array.from(this.pending.map.keys())) this.settle(id, new ConnectionClosedError(code, reason));
    if (this.status !== 'open') return; // Still connecting or reconnecting: the attempt's owner handles it.
    if (link.upAt > 0 && this.timers.now() - link.upAt >= this.reconnectOptions().minUptime) this.attempts = 0;
    const policy = this.options.reconnect;
    const willReconnect = policy !== false && !this.kicked;
    this.status = willReconnect ? 'reconnecting' : 'closed';
    this.current = undefined;
    this.emit('disconnect', { code, reason, willReconnect });
    if (willReconnect) void this.reconnect(code, reason);
  }

  private reconnectOptions(): ReconnectOptions & { minUptime: number; maxAttempts: number } {
    const r = this.options.reconnect || {};
    return {
      ...r,
      minUptime: r.minUptime === undefined ? 5000 : r.minUptime,
      maxAttempts: r.maxAttempts === undefined ? Infinity : r.maxAttempts,
    };
  }

  /** The reconnect loop: backoff, attempt, `onReconnect`, flush. Ends when connected, closed or out of attempts. */
  private async reconnect(code: number, reason: string): Promise<void> {
    const policy = this.reconnectOptions();
    const random = this.options.env?.random || Math.random;
    while (this.status === 'reconnecting') {
      if (this.attempts >= policy.maxAttempts) {
        this.status = 'closed';
        this.queue = [];
        const error = new ConnectionClosedError(
          code,
          'reconnect-failed',
          `gave up reconnecting after ${this.attempts} attempts (last close: ${code} ${reason})`,
        );
        this.release(error);
        this.emit('error', error);
        return;
      }
      const attempt = ++this.attempts;
      const delay = backoffDelay(attempt, policy, random);
      this.emit('reconnecting', { attempt, delay });
      await this.sleep(delay);
      if (this.status !== 'reconnecting') return;
      let hs: HandshakeResponse;
      try {
        hs = await this.attempt();
      } catch (error) {
        if (error instanceof ConnectionClosedError) {
          code = error.closeCode;
          reason = error.reason;
        }
        continue;
      }
      const link = this.link;
      if (this.options.onReconnect) {
        try {
          await this.options.onReconnect(hs);
        } catch (error) {
          this.emit('error', error);
          if (link) this.end(link, CloseCode.ReconnectHookFailed, 'reconnect-hook-failed');
          continue;
        }
      }
      if (this.status !== 'reconnecting') return;
      if (this.established(hs, true)) return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const sleeper = {
        timer: undefined as TimerHandle | undefined,
        wake: () => {
          if (this.sleeper === sleeper) this.sleeper = undefined;
          this.timers.clear(sleeper.timer);
          resolve();
        },
      };
      this.sleeper = sleeper;
      sleeper.timer = this.timers.set(sleeper.wake, ms);
    });
  }

  /** Settles the `connect()` calls made while reconnecting. */
  private release(error: unknown, hs?: HandshakeResponse): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (hs) w.resolve(hs);
      else w.reject(error);
    }
  }

  /** Cuts a reconnect delay short. */
  private wake(): void {
    if (this.sleeper) this.sleeper.wake();
  }

  /** The connection is ready: state `open`, queued notifies sent, events emitted. False if the link is gone. */
  private established(hs: HandshakeResponse, reconnected: boolean): boolean {
    const link = this.link;
    if (!link || link.ended || link.handshake !== hs) return false;
    this.status = 'open';
    this.current = hs;
    const queue = this.queue;
    this.queue = [];
    for (const packet of queue) this.send(link, packet);
    this.release(undefined, hs);
    this.emit('connect', hs);
    if (reconnected) this.emit('reconnect', hs);
    return true;
  }
}
