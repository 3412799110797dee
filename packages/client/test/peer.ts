/**
 * A small, scriptable raw protocol peer for the client's integration tests: a `ws` WebSocketServer and a `net`
 * server on 127.0.0.1 (port 0), speaking the nano protocol through @nanokit/protocol. It can announce a route
 * dictionary, send heartbeats, pushes (with a compressed route or not) and Kicks, answer with error responses, stay
 * silent like nano, speak as pitaya does (zlib compression, handshake reply; {@link PeerOptions.pitaya}), be killed
 * abruptly and restarted on the same ports.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { deflateSync } from 'node:zlib';
import {
  decodeMessage,
  encodeDataPacket,
  encodeHandshakeResponse,
  encodeKick,
  encodePacket,
  jsonSerializer,
  type Message,
  type MessageInit,
  MessageType,
  PacketReader,
  PacketType,
  parseHandshakeRequest,
  RouteDictionary,
  type Serializer,
  stringifyGoStyle,
} from '@nanokit/protocol';
import { type WebSocket, WebSocketServer } from 'ws';

/** Returned by a handler: send no response at all (what nano does for failed requests). */
export const NO_REPLY = Symbol('no-reply');

/** Thrown by a handler: answer with the error flag and `{code, msg}`. */
export class PeerError extends Error {
  constructor(
    readonly code: string | number,
    msg: string,
  ) {
    super(msg);
  }
}

export type Handler = (body: unknown, conn: PeerConnection, msg: Message) => unknown;

export interface PeerOptions {
  /** Heartbeat interval in seconds announced in the handshake. @default 30 */
  heartbeat?: number;
  /** Route dictionary announced as sys.dict. */
  dict?: Record<string, number>;
  /** Handshake reply code. @default 200 */
  handshakeCode?: number;
  /** Send heartbeats every interval from the handshake on, as nano does. @default false */
  sendHeartbeats?: boolean;
  /** Unknown routes: answer PIT-404 (server-lite) or stay silent (nano). @default 'error' */
  unknownRoute?: 'error' | 'silent';
  /** Payload serializer (server side: decodes requests, encodes responses and pushes). @default jsonSerializer */
  serializer?: Serializer;
  /**
   * Speak as pitaya v2.5 does (docs/servers.md; pitaya's `hbdEncode` and `MessagesEncoder`):
   * - the handshake reply is `{"code":200,"sys":{"dict":{…},"heartbeat":H,"serializer":"json"}}`, keys sorted as Go's
   *   `json.Marshal` does, `dict` `{}` when there is none;
   * - with `compression` (pitaya's `handler.messages.compression`, on by default) the handshake reply is compressed
   *   whole with zlib (`deflateSync`: `78 9c`, as Go's `compress/zlib`) and no flag, and every Data body (error
   *   responses too) gets zlib and flag 0x10, each only when that is smaller;
   * - error responses carry flag 0x20 and the JSON `Error` `{code, msg}`; an unknown route is `PIT-404`, an error that
   *   is not a {@link PeerError} `PIT-000`.
   */
  pitaya?: { compression?: boolean };
  /**
   * nano's per-session send queue (`agentWriteBacklog`, 16): responses wait in a queue of this size until written,
   * and one that finds the queue full is dropped silently. The queue is written on the next macrotask,
   * or only when the test calls `drain()` with `manualDrain`. @default no queue: responses are written at once
   */
  backlog?: number;
  manualDrain?: boolean;
  /** Writes error-response bodies. @default JSON (server-lite; pitaya with JSON) */
  encodeError?: (error: { code: string | number; msg: string }) => Uint8Array | string;
}

/** One client connection as the peer sees it. */
export class PeerConnection {
  handshake: Record<string, unknown> | undefined;
  acked = false;
  heartbeats = 0;
  /** Every Request and Notify received, in order. */
  readonly messages: Message[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly peer: Peer,
    private readonly write: (bytes: Uint8Array) => void,
    private readonly destroy: () => void,
    readonly kind: 'ws' | 'tcp',
  ) {}

  send(bytes: Uint8Array): void {
    this.write(bytes);
  }

  /** The body of the handshake reply sent (compressed, when it was). */
  handshakeReply: Uint8Array | undefined;
  /** Data messages sent compressed, with flag 0x10 (see {@link PeerOptions.pitaya}). */
  compressed = 0;
  /** Responses dropped because the backlog queue was full (see {@link PeerOptions.backlog}). */
  dropped = 0;
  /** Requests received and not yet answered (written or dropped), now and at most. */
  outstanding = 0;
  maxOutstanding = 0;
  private outbox: Uint8Array[] = [];

  /** Writes the responses waiting in the backlog queue. */
  drain(): void {
    for (const bytes of this.outbox.splice(0)) this.write(bytes);
  }

  /** A response: written at once, or through nano's bounded send queue. */
  private answer(bytes: Uint8Array): void {
    this.outstanding--;
    const { backlog, manualDrain } = this.peer.options;
    if (backlog === undefined) this.write(bytes);
    else if (this.outbox.length >= backlog) this.dropped++;
    else if (this.outbox.push(bytes) === 1 && !manualDrain) setImmediate(() => this.drain());
  }

  /** Sends a push; compressed when the dictionary has the route (as nano does), unless `raw` is set. */
  push(route: string, body: unknown, options: { raw?: boolean } = {}): void {
    const dictionary = options.raw ? undefined : this.peer.dictionary;
    const payload = this.peer.serializer.encode(route, body, MessageType.Push);
    this.write(encodeDataPacket(this.compress({ type: MessageType.Push, route, body: payload }), { dictionary }));
  }

  /** pitaya's `MessagesEncoder`: with compression on, a body is sent as zlib (flag 0x10) when that is smaller. */
  private compress(msg: MessageInit): MessageInit {
    if (!this.peer.compressing || msg.body === undefined) return msg;
    const raw = typeof msg.body === 'string' ? Buffer.from(msg.body) : msg.body;
    const packed = deflateSync(raw);
    if (packed.length >= raw.length) return msg;
    this.compressed++;
    return { ...msg, body: packed, gzip: true };
  }

  heartbeat(): void {
    this.write(encodePacket(PacketType.Heartbeat));
  }

  kick(reason?: string): void {
    this.write(encodePacket(PacketType.Kick, encodeKick(reason)));
  }

  /** Drops the connection without a close frame (what nano does). */
  drop(): void {
    this.stopHeartbeats();
    this.destroy();
  }

  startHeartbeats(ms: number): void {
    this.timer = setInterval(() => this.heartbeat(), ms);
  }

  stopHeartbeats(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  receive(type: number, body: Uint8Array): void {
    switch (type) {
      case PacketType.Handshake: {
        this.handshake = parseHandshakeRequest(body);
        const o = this.peer.options;
        const heartbeat = o.heartbeat ?? 30;
        const code = o.handshakeCode ?? 200;
        let reply = o.pitaya
          ? Buffer.from(
              stringifyGoStyle({
                code,
                sys: { dict: o.dict ?? {}, heartbeat, serializer: o.serializer ? 'protobuf' : 'json' },
              }),
            )
          : encodeHandshakeResponse({ code, heartbeat, ...(o.dict ? { dict: o.dict } : {}) });
        // pitaya's hbdEncode: the reply is compressed whole, without a flag, when that is smaller.
        const packed = this.peer.compressing ? deflateSync(reply) : reply;
        if (packed.length < reply.length) reply = packed;
        this.handshakeReply = Uint8Array.from(reply);
        this.write(encodePacket(PacketType.Handshake, reply));
        if (o.sendHeartbeats) this.startHeartbeats((o.heartbeat ?? 30) * 1000);
        return;
      }
      case PacketType.HandshakeAck:
        this.acked = true;
        return;
      case PacketType.Heartbeat:
        this.heartbeats++;
        return;
      case PacketType.Data:
        this.data(decodeMessage(Uint8Array.from(body), { dictionary: this.peer.dictionary }));
        return;
      default:
    }
  }

  private data(msg: Message): void {
    this.messages.push(msg);
    this.peer.emitMessage(this, msg);
    const handler = this.peer.handlers.get(msg.route);
    const body = this.peer.serializer.decode(msg.route, msg.body, msg.type);
    if (msg.type === MessageType.Notify) {
      handler?.(body, this, msg);
      return;
    }
    if (msg.type !== MessageType.Request) return;
    this.maxOutstanding = Math.max(this.maxOutstanding, ++this.outstanding);
    const respond = (value: unknown, error = false) =>
      this.answer(
        encodeDataPacket(
          this.compress({
            type: MessageType.Response,
            id: msg.id,
            // Error bodies {code, msg}: JSON whatever the serializer (server-lite), or `encodeError` (pitaya+protobuf).
            body: error
              ? (this.peer.options.encodeError ?? JSON.stringify)(value as { code: string; msg: string })
              : this.peer.serializer.encode(msg.route, value, MessageType.Response),
            error,
          }),
        ),
      );
    const pitaya = this.peer.options.pitaya;
    if (!handler) {
      if (this.peer.options.unknownRoute !== 'silent') {
        respond(
          { code: 'PIT-404', msg: pitaya ? `pitaya/handler: ${msg.route} not found` : `route ${msg.route} not found` },
          true,
        );
      }
      return;
    }
    Promise.resolve()
      .then(() => handler(body, this, msg))
      .then(
        (value) => {
          if (value !== NO_REPLY) respond(value ?? {});
        },
        (error: unknown) => {
          if (error instanceof PeerError) respond({ code: error.code, msg: error.message }, true);
          else respond({ code: pitaya ? 'PIT-000' : 'PIT-500', msg: String(error) }, true);
        },
      );
  }
}

export class Peer {
  readonly handlers = new Map<string, Handler>();
  readonly connections = new Set<PeerConnection>();
  readonly dictionary: RouteDictionary | undefined;
  readonly serializer: Serializer;
  wsPort = 0;
  tcpPort = 0;
  private wss: WebSocketServer | undefined;
  private tcp: Server | undefined;
  private sockets = new Set<WebSocket | Socket>();
  private listeners: ((conn: PeerConnection, msg: Message) => void)[] = [];
  private connectionWaiters: ((conn: PeerConnection) => void)[] = [];

  /** pitaya's compression is on (see {@link PeerOptions.pitaya}). */
  readonly compressing: boolean;

  private constructor(readonly options: PeerOptions) {
    this.compressing = !!options.pitaya && options.pitaya.compression !== false;
    this.dictionary = options.dict ? new RouteDictionary(options.dict) : undefined;
    this.serializer = options.serializer ?? jsonSerializer;
  }

  static async start(options: PeerOptions = {}): Promise<Peer> {
    const peer = new Peer(options);
    await peer.listen();
    return peer;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.wsPort}/nano`;
  }

  get tcpUrl(): string {
    return `tcp://127.0.0.1:${this.tcpPort}`;
  }

  /** Registers a handler for a request or notify route. */
  on(route: string, handler: Handler): this {
    this.handlers.set(route, handler);
    return this;
  }

  /** Calls `fn` for every Request and Notify received. */
  onMessage(fn: (conn: PeerConnection, msg: Message) => void): void {
    this.listeners.push(fn);
  }

  emitMessage(conn: PeerConnection, msg: Message): void {
    for (const fn of this.listeners) fn(conn, msg);
  }

  /** Resolves with the next connection that completes the handshake ack (or the current one, if any). */
  nextConnection(): Promise<PeerConnection> {
    return new Promise((resolve) => this.connectionWaiters.push(resolve));
  }

  /** The only connection (fails when there is not exactly one). */
  get connection(): PeerConnection {
    if (this.connections.size !== 1) throw new Error(`expected one connection, have ${this.connections.size}`);
    return [...this.connections][0] as PeerConnection;
  }

  private accept(conn: PeerConnection, feed: (fn: (type: number, body: Uint8Array) => void) => void) {
    this.connections.add(conn);
    feed((type, body) => {
      conn.receive(type, body);
      if (type === PacketType.HandshakeAck) for (const w of this.connectionWaiters.splice(0)) w(conn);
    });
  }

  private async listen(): Promise<void> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: this.wsPort });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    this.wsPort = (wss.address() as { port: number }).port;
    wss.on('connection', (ws) => {
      this.sockets.add(ws);
      const conn = new PeerConnection(
        this,
        (bytes) => ws.send(bytes),
        () => ws.terminate(),
        'ws',
      );
      ws.on('close', () => {
        conn.stopHeartbeats();
        this.connections.delete(conn);
        this.sockets.delete(ws);
      });
      const reader = new PacketReader({ maxBodyLength: 1 << 24 });
      this.accept(conn, (fn) =>
        ws.on('message', (data: Buffer) => {
          try {
            reader.read(new Uint8Array(data), (p) => fn(p.type, p.body));
          } catch {
            ws.terminate();
          }
        }),
      );
    });
    this.wss = wss;

    const tcp = createServer((socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      const conn = new PeerConnection(
        this,
        (bytes) => socket.write(bytes),
        () => socket.destroy(),
        'tcp',
      );
      socket.on('close', () => {
        conn.stopHeartbeats();
        this.connections.delete(conn);
        this.sockets.delete(socket);
      });
      socket.on('error', () => {});
      const reader = new PacketReader({ maxBodyLength: 1 << 24 });
      this.accept(conn, (fn) =>
        socket.on('data', (chunk: Buffer) => {
          try {
            reader.read(new Uint8Array(chunk), (p) => fn(p.type, p.body));
          } catch {
            socket.destroy();
          }
        }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.tcpPort, '127.0.0.1', resolve);
    });
    this.tcpPort = (tcp.address() as { port: number }).port;
    this.tcp = tcp;
  }

  /** Stops listening and drops every connection abruptly (no close frame, like a crashed server). */
  async kill(): Promise<void> {
    for (const conn of this.connections) conn.stopHeartbeats();
    for (const s of this.sockets) {
      if ('terminate' in s) s.terminate();
      else s.destroy();
    }
    this.sockets.clear();
    this.connections.clear();
    const wss = this.wss;
    const tcp = this.tcp;
    this.wss = undefined;
    this.tcp = undefined;
    await Promise.all([
      new Promise<void>((r) => (wss ? wss.close(() => r()) : r())),
      new Promise<void>((r) => (tcp ? tcp.close(() => r()) : r())),
    ]);
  }

  /** Listens again on the same ports. */
  async restart(): Promise<void> {
    await this.listen();
  }

  async close(): Promise<void> {
    await this.kill();
  }
}
