/**
 * Raw byte links to a server (WebSocket or TCP), for the recorder's upstream side and the replayer: bytes go out
 * exactly as given, chunks come back exactly as received.
 * @packageDocumentation
 */
import net from 'node:net';
import WebSocket from 'ws';

/** An open raw connection. */
export interface RawLink {
  send(bytes: Uint8Array): void;
  close(): void;
}

/** Callbacks of {@link openLink}. */
export interface LinkHandlers {
  data(chunk: Uint8Array): void;
  close(): void;
}

/** Opens a raw connection to a `ws://`, `wss://` or `tcp://` URL; resolves once it is open. */
export function openLink(url: string, handlers: LinkHandlers): Promise<RawLink> {
  return new Promise((resolve, reject) => {
    if (url.startsWith('tcp://')) {
      const { hostname, port } = new URL(url);
      const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', () => socket.destroy());
        socket.on('data', (d: Buffer) => handlers.data(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
        socket.on('close', () => handlers.close());
        resolve({ send: (b) => socket.write(b), close: () => socket.destroy() });
      });
      return;
    }
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => ws.terminate());
      ws.on('message', (d: Buffer) => handlers.data(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
      ws.on('close', () => handlers.close());
      resolve({
        send: (b) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(b);
        },
        close: () => ws.terminate(),
      });
    });
  });
}
