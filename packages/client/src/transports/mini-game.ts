/**
 * WeChat (`wx`) and Douyin (`tt`) mini-game transport: `connectSocket` returns a SocketTask.
 * Binary goes out as an exact ArrayBuffer (never a view: old adapters throw on views, and `u8.buffer` may hold more
 * bytes than the view). Closing a task before it opens is unreliable, so a close while connecting is deferred to
 * `onOpen`. An error ends the connection (the host may send no close after it): one close per connection.
 * @packageDocumentation
 */
import { closeOnce, exactBuffer, socketTaskCloseInfo, type TransportFactory } from '../transport.js';
import { toBytes } from './websocket.js';

/** The SocketTask API used (wx.connectSocket / tt.connectSocket / qq / ks). */
export interface SocketTaskLike {
  send(options: { data: ArrayBuffer | string; fail?: (res: unknown) => void }): void;
  close(options?: { code?: number; reason?: string }): void;
  onOpen(callback: (res?: unknown) => void): void;
  onMessage(callback: (res: { data: unknown }) => void): void;
  onError(callback: (res: { errMsg?: string; errorMessage?: string }) => void): void;
  onClose(callback: (res: { code?: number; reason?: string }) => void): void;
}

/** A host object with `connectSocket` (`wx`, `tt`, `qq`, `ks`…). */
export interface MiniGameSocketApi {
  connectSocket(options: {
    url: string;
    header?: Record<string, string>;
    protocols?: string[];
    timeout?: number;
  }): SocketTaskLike;
}

/**
 * Creates a transport over a mini-game host's `connectSocket`: WeChat (`wx`), Douyin (`tt`), QQ (`qq`) and Kuaishou
 * (`ks`) all share its shape. Alipay's differs: use `alipayTransport`.
 * @param api - the host's global object (passed in, so importing the SDK never touches it).
 * @example new NanoClient({ url: 'wss://game.example.com/nano', transport: miniGameTransport(wx) })
 */
export function miniGameTransport(api: MiniGameSocketApi): TransportFactory {
  return (options, handlers) => {
    const h = closeOnce(handlers);
    let open = false;
    const request: Parameters<MiniGameSocketApi['connectSocket']>[0] = { url: options.url };
    if (options.headers) request.header = options.headers;
    if (options.protocols) request.protocols = options.protocols;
    if (options.connectTimeout) request.timeout = options.connectTimeout;
    const task = api.connectSocket(request);
    const end = (code: number, reason: string) => {
      if (h.closed) return;
      h.onClose({ code, reason, wasClean: code === 1000 });
      // No reason: the host's error text may exceed the 123 bytes a close reason allows, and the close would fail.
      if (open) task.close({ code: 1000 });
    };
    // Register synchronously after connectSocket (the docs require it).
    task.onOpen(() => {
      open = true;
      // Closed while connecting: close now that the host can do it.
      if (h.closed) task.close({ code: 1000 });
      else h.onOpen();
    });
    task.onMessage((res) => {
      const bytes = toBytes(res.data);
      if (bytes) h.onMessage(bytes);
    });
    task.onError((res) => {
      const message = (res && (res.errMsg || res.errorMessage)) || 'socket error';
      h.onError(new Error(message));
      end(1006, message);
    });
    task.onClose((res) => {
      open = false;
      h.onClose(socketTaskCloseInfo(res));
    });
    return {
      send(data) {
        if (h.closed || !open) return false;
        task.send({ data: exactBuffer(data) });
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
