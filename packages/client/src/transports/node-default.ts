/// <reference types="node" />
/**
 * The Node default transport: `ws` for `ws://` / `wss://` URLs, TCP for `tcp://` URLs.
 * @packageDocumentation
 */
import { encodeUtf8 } from '@nanokit/protocol';
import WebSocket from 'ws';
import type { Transport, TransportFactory } from '../transport.js';
import { tcpTransport } from './tcp.js';

/**
 * Creates the Node transport: picks TCP for `tcp://host:port` URLs and the `ws` package otherwise.
 *
 * The WebSocket path talks to `ws` through its own EventEmitter API rather than the browser-style `onmessage`
 * shim: received messages arrive as the `Buffer`s `ws` already has (no `MessageEvent` object and no `ArrayBuffer`
 * copy per message), and outgoing packets are handed over as views (no copy per send).
 * @param wsOptions - options for the `ws` constructor (`headers`, `handshakeTimeout`, `perMessageDeflate`…).
 */
export function nodeTransport(wsOptions?: WebSocket.ClientOptions): TransportFactory {
  const tcp = tcpTransport();
  return (options, handlers) => {
    if (/^tcp:/i.test(options.url)) return tcp(options, handlers);
    const clientOptions: WebSocket.ClientOptions = { ...wsOptions };
    if (options.headers) clientOptions.headers = { ...clientOptions.headers, ...options.headers };
    const ws = new WebSocket(options.url, options.protocols ?? [], clientOptions);
    let closed = false;
    const finish = (code: number, reason: string, wasClean: boolean) => {
      if (closed) return;
      closed = true;
      ws.removeAllListeners();
      // `ws` emits 'error' when closed while connecting; an EventEmitter 'error' without a listener throws.
      ws.on('error', () => {});
      handlers.onClose({ code, reason, wasClean });
    };
    ws.on('open', () => handlers.onOpen());
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      handlers.onMessage(isBinary ? bytes : encodeUtf8(bytes.toString('utf8')));
    });
    ws.on('error', (error) => {
      if (handlers.onError) handlers.onError(error);
    });
    ws.on('close', (code: number, reason: Buffer) => finish(code || 1006, reason.toString(), code === 1000));
    const transport: Transport = {
      send(data) {
        if (closed || ws.readyState !== WebSocket.OPEN) return false;
        try {
          ws.send(data);
          return true;
        } catch {
          return false;
        }
      },
      close(code = 1000, reason = '') {
        if (closed) return;
        try {
          ws.close(code, reason);
        } catch {
          // Closing a socket that is still connecting throws in some versions; it is abandoned either way.
          ws.terminate();
        }
        finish(code, reason, true);
      },
    };
    return transport;
  };
}
