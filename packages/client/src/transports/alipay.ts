/**
 * Alipay mini-game / mini-program transport over `my.connectSocket({ multiple: true })`, which returns a SocketTask
 * (without `multiple` there is one global socket). Binary travels as base64 text with `isBuffer: true`; received
 * messages come either as top-level `res.data`/`res.isBuffer` (Alipay docs, Taobao adapter) or nested
 * `res.data.data`/`res.data.isBuffer` (Cocos' and Egret's adapters): both are accepted. Errors carry `errorMessage`.
 * @packageDocumentation
 */
import { encodeUtf8 } from '@nanokit/protocol';
import { decodeBase64, encodeBase64 } from '../base64.js';
import { closeOnce, socketTaskCloseInfo, type TransportFactory } from '../transport.js';
import { toBytes } from './websocket.js';

/** The Alipay SocketTask API used. */
export interface AlipaySocketTaskLike {
  send(options: { data: string; isBuffer?: boolean }): void;
  close(options?: { code?: number; reason?: string }): void;
  onOpen(callback: (res?: unknown) => void): void;
  onMessage(callback: (res: { data?: unknown; isBuffer?: boolean }) => void): void;
  onError(callback: (res: { errorMessage?: string; errMsg?: string }) => void): void;
  onClose(callback: (res: { code?: number; reason?: string }) => void): void;
}

/** The `my` object (Alipay). */
export interface AlipaySocketApi {
  connectSocket(options: { url: string; header?: Record<string, string>; multiple: true }): AlipaySocketTaskLike;
}

/** @internal Bytes of an Alipay message event, in either payload shape. */
export function alipayMessageBytes(res: { data?: unknown; isBuffer?: boolean }): Uint8Array | undefined {
  let data = res.data;
  let isBuffer = res.isBuffer;
  if (typeof data === 'object' && data !== null && !(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
    const nested = data as { data?: unknown; isBuffer?: boolean };
    data = nested.data;
    isBuffer = nested.isBuffer;
  }
  if (typeof data === 'string') return isBuffer ? decodeBase64(data) : encodeUtf8(data);
  return toBytes(data);
}

/**
 * Creates a transport over Alipay's `my.connectSocket` (always with `multiple: true`).
 * @param my - the `my` object.
 * @example new NanoClient({ url: 'wss://game.example.com/nano', transport: alipayTransport(my) })
 */
export function alipayTransport(my: AlipaySocketApi): TransportFactory {
  return (options, handlers) => {
    const h = closeOnce(handlers);
    let open = false;
    const request: Parameters<AlipaySocketApi['connectSocket']>[0] = { url: options.url, multiple: true };
    if (options.headers) request.header = options.headers;
    const task = my.connectSocket(request);
    task.onOpen(() => {
      open = true;
      if (h.closed) task.close({ code: 1000 });
      else h.onOpen();
    });
    task.onMessage((res) => {
      const bytes = res ? alipayMessageBytes(res) : undefined;
      if (bytes) h.onMessage(bytes);
    });
    task.onError((res) => {
      const message = (res && (res.errorMessage || res.errMsg)) || 'socket error';
      h.onError(new Error(message));
      if (h.closed) return;
      h.onClose({ code: 1006, reason: message, wasClean: false });
      if (open) task.close({ code: 1000 });
    });
    task.onClose((res) => {
      open = false;
      h.onClose(socketTaskCloseInfo(res));
    });
    return {
      send(data) {
        if (h.closed || !open) return false;
        task.send({ data: encodeBase64(data), isBuffer: true });
        return true;
      },
      close(code = 1000, reason = '') {
        if (h.closed) return;
        h.onClose({ code, reason, wasClean: true });
        if (open) task.close({ code, reason });
      },
    };
  };
}
