/**
 * Egret transport over `egret.WebSocket` in binary mode: `type = TYPE_BINARY` before
 * connecting, data out through `writeBytes(new egret.ByteArray(bytes))`, data in through `readBytes` inside the
 * SOCKET_DATA handler (it drains the socket's buffer). CLOSE and IO_ERROR carry no code, and `close()` is a no-op
 * while connecting, so a local close removes the listeners, reports the close itself and closes the socket once it
 * has opened (otherwise it would stay connected, unread, and count against the host's socket limit).
 * @packageDocumentation
 */
import { closeOnce, exactBuffer, type TransportFactory } from '../transport.js';

/** The `egret.ByteArray` API used. */
export interface EgretByteArrayLike {
  readonly buffer: ArrayBuffer;
  readonly length: number;
}

/** The `egret.WebSocket` instance API used. */
export interface EgretWebSocketLike {
  type: string;
  readonly connected: boolean;
  addEventListener(type: string, listener: (event?: unknown) => void, thisObject: unknown): void;
  removeEventListener(type: string, listener: (event?: unknown) => void, thisObject: unknown): void;
  connectByUrl(url: string): void;
  writeBytes(bytes: EgretByteArrayLike, offset?: number, length?: number): void;
  readBytes(bytes: EgretByteArrayLike, offset?: number, length?: number): void;
  close(): void;
}

/** The parts of the `egret` namespace used. */
export interface EgretApi {
  WebSocket: { new (): EgretWebSocketLike; TYPE_BINARY: string };
  ByteArray: new (buffer?: ArrayBuffer) => EgretByteArrayLike;
  Event: { CONNECT: string; CLOSE: string };
  ProgressEvent: { SOCKET_DATA: string };
  IOErrorEvent: { IO_ERROR: string };
}

/**
 * Creates a transport over `egret.WebSocket` (the "socket" module in egretProperties.json).
 * @param egret - the `egret` namespace object.
 * @example new NanoKit.NanoClient({ url: 'wss://game.example.com/nano', transport: NanoKit.egretTransport(egret) })
 */
export function egretTransport(egret: EgretApi): TransportFactory {
  return (options, handlers) => {
    const h = closeOnce(handlers);
    const socket = new egret.WebSocket();
    socket.type = egret.WebSocket.TYPE_BINARY;
    const onOpen = () => h.onOpen();
    const onData = () => {
      const received = new egret.ByteArray();
      socket.readBytes(received);
      if (received.length > 0) h.onMessage(new Uint8Array(received.buffer));
    };
    const onClose = () => {
      detach();
      h.onClose({ code: 1006, reason: '', wasClean: false });
    };
    const onError = (event?: unknown) => {
      h.onError(event);
      onClose();
    };
    const listeners: [string, (event?: unknown) => void][] = [
      [egret.Event.CONNECT, onOpen],
      [egret.ProgressEvent.SOCKET_DATA, onData],
      [egret.Event.CLOSE, onClose],
      [egret.IOErrorEvent.IO_ERROR, onError],
    ];
    const detach = () => {
      for (const [type, fn] of listeners) socket.removeEventListener(type, fn, null);
    };
    for (const [type, fn] of listeners) socket.addEventListener(type, fn, null);
    socket.connectByUrl(options.url);
    return {
      send(data) {
        if (h.closed || !socket.connected) return false;
        const bytes = new egret.ByteArray(exactBuffer(data));
        socket.writeBytes(bytes, 0, bytes.length);
        return true;
      },
      close(code = 1000, reason = '') {
        if (h.closed) return;
        detach();
        if (!socket.connected) {
          const late = () => {
            socket.removeEventListener(egret.Event.CONNECT, late, null);
            socket.close();
          };
          socket.addEventListener(egret.Event.CONNECT, late, null);
        }
        socket.close();
        h.onClose({ code, reason, wasClean: true });
      },
    };
  };
}
