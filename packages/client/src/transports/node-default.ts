/// <reference types="node" />
/**
 * The Node default transport: `ws` for `ws://` / `wss://` URLs, TCP for `tcp://` URLs.
 * @packageDocumentation
 */
import type { LookupFunction } from 'node:net';
import { encodeUtf8, MAX_PACKET_BODY_LENGTH, NanoError, PACKET_HEADER_LENGTH } from '@nanokit/protocol';
import WebSocket from 'ws';
import type { Transport, TransportFactory } from '../transport.js';
import { nodeSocketError } from './node-errors.js';
import { tcpTransport } from './tcp.js';

/**
 * Options for the `ws` constructor (any of its client options passes through; the common ones are listed). Typed
 * here, so that the published typings do not need `@types/ws`.
 */
export interface NodeWebSocketOptions {
  /** Extra HTTP headers of the upgrade request (the client's `headers` option is merged over them). */
  headers?: Record<string, string>;
  /** Time allowed for the HTTP upgrade, in ms (the client's `connectTimeout` applies anyway). */
  handshakeTimeout?: number;
  /**
   * Largest incoming WebSocket message in bytes; a bigger one closes the connection (1009) before it is buffered.
   * @default 16777219 (a 4-byte packet header + the largest body the protocol can express, 2^24 − 1)
   */
  maxPayload?: number;
  /**
   * How long closing waits for the server's answer to the WebSocket close frame before it cuts the socket, in ms. A
   * dead server never answers (a link closed for `heartbeat-timeout`, say), and `ws`'s own 30 s would keep the
   * socket, and the process, alive that long.
   * @default 1000
   */
  closeTimeout?: number;
  /** permessage-deflate negotiation, as `ws` takes it. @default true (`ws`'s default: offered to the server) */
  perMessageDeflate?: boolean | Record<string, unknown>;
  /** Host name resolution, as for `net.connect` (tests, custom DNS). */
  lookup?: LookupFunction;
  /** `wss://`: reject certificates that do not verify. @default true */
  rejectUnauthorized?: boolean;
  /** `wss://`: trusted CA certificates (PEM), e.g. a self-signed development certificate. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Any other option of the `ws` client. */
  [option: string]: unknown;
}

/**
 * Creates the Node transport: picks TCP for `tcp://host:port` URLs and the `ws` package otherwise.
 *
 * The WebSocket path talks to `ws` through its own EventEmitter API rather than the browser-style `onmessage`
 * shim: received messages arrive as the `Buffer`s `ws` already has (no `MessageEvent` object and no `ArrayBuffer`
 * copy per message), and outgoing packets are handed over as views (no copy per send).
 * @param wsOptions - options for the `ws` constructor (`headers`, `handshakeTimeout`, `perMessageDeflate`…).
 */
export function nodeTransport(wsOptions?: NodeWebSocketOptions): TransportFactory {
  const tcp = tcpTransport(wsOptions && wsOptions.lookup ? { lookup: wsOptions.lookup } : {});
  return (options, handlers) => {
    const { url } = options;
    if (/^tcp:/i.test(url)) return tcp(options, handlers);
    checkWebSocketUrl(url);
    const clientOptions: NodeWebSocketOptions = {
      maxPayload: PACKET_HEADER_LENGTH + MAX_PACKET_BODY_LENGTH,
      closeTimeout: 1000,
      ...wsOptions,
    };
    if (options.headers) clientOptions.headers = { ...clientOptions.headers, ...options.headers };
    const ws = new WebSocket(url, options.protocols ?? [], clientOptions as WebSocket.ClientOptions);
    const transport = new WsTransport(ws, (code, reason) => finish(code, reason, true));
    let opened = false;
    const finish = (code: number, reason: string, wasClean: boolean) => {
      if (transport.closed) return;
      transport.closed = true;
      ws.removeAllListeners();
      // `ws` emits 'error' when closed while connecting; an EventEmitter 'error' without a listener throws.
      ws.on('error', () => {});
      handlers.onClose({ code, reason, wasClean });
    };
    ws.on('open', () => {
      opened = true;
      handlers.onOpen();
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      handlers.onMessage(isBinary ? bytes : encodeUtf8(bytes.toString('utf8')));
    });
    // Set when `ws` refused a message over `maxPayload`: it then closes with 1009 but stops reading, so the server's
    // close frame never arrives and it would report 1006.
    let tooBig = false;
    ws.on('error', (error) => {
      if ((error as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') tooBig = true;
      if (handlers.onError) handlers.onError(nodeSocketError(error, url, opened));
    });
    ws.on('close', (code: number, reason: Buffer) =>
      tooBig ? finish(1009, 'message too big', false) : finish(code || 1006, reason.toString(), code === 1000),
    );
    return transport;
  };
}

/**
 * Throws `ERR_INVALID_URL` for what `ws` would refuse with a bare `SyntaxError` (a port over 65535, a space in the
 * host, an unclosed `[`) or a scheme it cannot dial, before any socket is opened.
 */
function checkWebSocketUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch (cause) {
    throw new NanoError('ERR_INVALID_URL', `invalid URL: ${url}`, { cause });
  }
  if (!/^(wss?|https?|ws\+unix):$/.test(protocol)) {
    throw new NanoError('ERR_INVALID_URL', `not a ws://, wss:// or tcp:// URL: ${url}`);
  }
}

/**
 * One `ws` connection. A class, not closures: with thousands of clients in one process (bots, load tests), a send
 * touches this one object rather than a closure and its context, each a cache miss by then.
 */
class WsTransport implements Transport {
  /** Set once the client has been told that the connection ended. */
  closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly finish: (code: number, reason: string) => void,
  ) {}

  send(data: Uint8Array): boolean {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return false;
    try {
      this.ws.send(data);
      return true;
    } catch {
      return false;
    }
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    try {
      this.ws.close(code, reason);
    } catch {
      // Closing a socket that is still connecting throws in some versions; it is abandoned either way.
      this.ws.terminate();
    }
    this.finish(code, reason);
  }
}
