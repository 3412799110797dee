/// <reference types="node" />
/**
 * Node TCP transport (`net`): nano also listens on plain TCP, which suits bots, load tests and server-to-server
 * tools. URLs look like `tcp://127.0.0.1:3251`. `setNoDelay(true)` avoids Nagle's ~40 ms stall on back-to-back small
 * packets. TCP is a byte stream: a {@link PacketReader} reassembles it and hands each packet to the
 * client as it is framed (`onPacket`), with no copy and no second decode.
 * @packageDocumentation
 */
import { connect, type LookupFunction, type Socket } from 'node:net';
import { MAX_PACKET_BODY_LENGTH, NanoError, PacketReader } from '@nanokit/protocol';
import { closeOnce, type TransportFactory } from '../transport.js';
import { nodeSocketError } from './node-errors.js';

/** Options of {@link tcpTransport}. */
export interface TcpTransportOptions {
  /**
   * TCP keep-alive initial delay in ms; 0 disables keep-alive.
   * @default 0
   */
  keepAlive?: number;
  /** Host name resolution, as for `net.connect` (tests, custom DNS). */
  lookup?: LookupFunction;
}

/** @internal Host and port of a `tcp://host:port` URL. */
export function parseTcpUrl(url: string): { host: string; port: number } {
  const match = /^tcp:\/\/(\[[\da-f:.]+\]|[^\s:/?#@[\]]+):(\d{1,5})\/?$/i.exec(url);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65535) throw new NanoError('ERR_INVALID_URL', `not a tcp://host:port URL: ${url}`);
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

/**
 * Creates a Node TCP transport for `tcp://host:port` URLs.
 * @example new NanoClient({ url: 'tcp://127.0.0.1:3251', transport: tcpTransport() })
 */
export function tcpTransport(transportOptions: TcpTransportOptions = {}): TransportFactory {
  return (options, handlers) => {
    const { host, port } = parseTcpUrl(options.url);
    const h = closeOnce(handlers);
    let open = false;
    const socket: Socket = connect(
      transportOptions.lookup ? { host, port, lookup: transportOptions.lookup } : { host, port },
    );
    socket.setNoDelay(true);
    if (transportOptions.keepAlive) socket.setKeepAlive(true, transportOptions.keepAlive);
    socket.on('connect', () => {
      open = true;
      h.onOpen();
    });
    const reader = new PacketReader({ maxBodyLength: MAX_PACKET_BODY_LENGTH });
    socket.on('data', (chunk: Buffer) => {
      try {
        // Each packet goes to the client as it is framed: no copy, no second decode.
        reader.readTo(chunk, h);
      } catch (error) {
        // The stream's framing is lost: end this connection.
        h.onError(error);
        socket.destroy();
        h.onClose({ code: 4002, reason: 'protocol-error', wasClean: false });
      }
    });
    socket.on('error', (error) => h.onError(nodeSocketError(error, options.url, open)));
    // Only a local `close()` is clean: TCP has no close handshake, so the peer ending the stream (reset, error, or
    // a FIN, possibly inside a packet) is a drop, 1006, as for a WebSocket closed without a close frame.
    socket.on('close', (hadError) => {
      open = false;
      h.onClose({
        code: 1006,
        reason: hadError ? 'socket error' : reader.bufferedBytes > 0 ? 'closed inside a packet' : 'closed by the peer',
        wasClean: false,
      });
    });
    return {
      send(data) {
        if (h.closed || !open) return false;
        socket.write(data);
        return true;
      },
      close(code = 1000, reason = '') {
        if (h.closed) return;
        open = false;
        socket.destroy();
        h.onClose({ code, reason, wasClean: true });
      },
    };
  };
}
