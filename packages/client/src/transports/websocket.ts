/**
 * Standard WebSocket transport: browsers, Cocos Creator 2.x/3.x (web, native and the mini-game shims), React Native,
 * Node ≥ 22's global WebSocket, and the `ws` package (pass its constructor). Uses `on*` properties only, because the
 * weapp-adapter shims have no `addEventListener`.
 * @packageDocumentation
 */
import { encodeUtf8, NanoError, ProtocolError } from '@nanokit/protocol';
import { exactBuffer, type TransportFactory } from '../transport.js';

/** The part of a WebSocket instance the transport uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code?: number; reason?: string; wasClean?: boolean }) => void) | null;
  send(data: ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}

/**
 * A WebSocket constructor: the global `WebSocket`, `ws`'s default export, a Cocos/RN/undici WebSocket. Its
 * instances must behave as {@link WebSocketLike} (typed loosely so that every host's declarations fit).
 */
// biome-ignore lint/suspicious/noExplicitAny: constructors of every host's WebSocket must fit
export type WebSocketConstructor = new (...args: any[]) => object;

declare const WebSocket: WebSocketConstructor | undefined;

const OPEN = 1;

/** @internal Bytes of a received message: ArrayBuffer, a view (Node Buffer) or text. */
export function toBytes(data: unknown): Uint8Array | undefined {
  if (typeof data === 'string') return encodeUtf8(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/**
 * Creates a WebSocket transport factory.
 *
 * @param ctor - the WebSocket constructor; by default the global `WebSocket`, read when connecting (not at import).
 * @param extraArgs - arguments after `protocols`: Cocos native < 3.5 wss takes the CA bundle path
 *   (`[caUrl]`), `ws` takes an options object (`[{ handshakeTimeout: 5000 }]`). When given, `protocols` is passed
 *   as `[]` if none were set.
 * @example new NanoClient({ url: 'wss://game.example.com/nano', transport: webSocketTransport() })
 */
export function webSocketTransport(ctor?: WebSocketConstructor, extraArgs?: unknown[]): TransportFactory {
  return ({ url, protocols }, handlers) => {
    const Ctor = ctor || (typeof WebSocket === 'function' ? WebSocket : undefined);
    if (!Ctor) throw new NanoError('ERR_NO_TRANSPORT', 'no WebSocket');
    const ws = (
      extraArgs && extraArgs.length > 0
        ? new Ctor(url, protocols || [], ...extraArgs)
        : protocols
          ? new Ctor(url, protocols)
          : new Ctor(url)
    ) as WebSocketLike;
    const onError = (error: unknown) => {
      if (handlers.onError) handlers.onError(error);
    };
    let closed = false;
    const shut = (code?: number, reason?: string) => {
      try {
        ws.close(code, reason);
      } catch {
        // A host that throws here (a socket still connecting) is covered by the `onopen` set in `close()`.
      }
    };
    // Nothing reaches the client after `onClose`: the socket's handlers are detached first. A no-op error handler
    // stays: `ws` emits 'error' when closed while connecting, and an EventEmitter 'error' without a listener throws.
    const detach = () => {
      closed = true;
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.onerror = () => {};
    };
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => handlers.onOpen();
    ws.onmessage = (event) => {
      const bytes = toBytes(event.data);
      if (bytes) handlers.onMessage(bytes);
      else onError(new ProtocolError('ERR_INVALID_PAYLOAD', 'not binary'));
    };
    ws.onerror = onError;
    ws.onclose = (event) => {
      detach();
      handlers.onClose({ code: event.code || 1006, reason: event.reason || '', wasClean: event.wasClean === true });
    };
    return {
      send(data) {
        if (closed || ws.readyState !== OPEN) return false;
        try {
          ws.send(exactBuffer(data));
          return true;
        } catch {
          return false;
        }
      },
      close(code = 1000, reason = '') {
        if (closed) return;
        detach();
        shut(code, reason);
        // Some hosts cannot close a socket that is still connecting (shims throw; mini-game adapters ignore it):
        // should it open later, it is closed then.
        ws.onopen = () => shut();
        handlers.onClose({ code, reason, wasClean: true });
      },
    };
  };
}
