/// <reference types="node" />
/**
 * The Node default transport: `ws` for `ws://` / `wss://` URLs, TCP for `tcp://` URLs.
 * @packageDocumentation
 */
import WebSocket from 'ws';
import type { TransportFactory } from '../transport.js';
import { tcpTransport } from './tcp.js';
import { type WebSocketConstructor, webSocketTransport } from './websocket.js';

/**
 * Creates the Node transport: picks TCP for `tcp://host:port` URLs and the `ws` package otherwise.
 * @param wsOptions - options for the `ws` constructor (`headers`, `handshakeTimeout`, `perMessageDeflate`…).
 */
export function nodeTransport(wsOptions?: WebSocket.ClientOptions): TransportFactory {
  const tcp = tcpTransport();
  return (options, handlers) => {
    if (/^tcp:/i.test(options.url)) return tcp(options, handlers);
    const clientOptions: WebSocket.ClientOptions = { ...wsOptions };
    if (options.headers) clientOptions.headers = { ...clientOptions.headers, ...options.headers };
    return webSocketTransport(WebSocket as unknown as WebSocketConstructor, [clientOptions])(options, handlers);
  };
}
