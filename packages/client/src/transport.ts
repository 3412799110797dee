/**
 * The transport contract: the client core talks only to a {@link Transport} made by a
 * {@link TransportFactory}. A transport moves whole socket messages as bytes and knows nothing about the nano
 * protocol beyond packet framing (stream transports deliver whole packets, one by one). Adapters take the host API as a parameter, so importing the SDK never touches
 * `wx`, `egret` or `ws`.
 * @packageDocumentation
 */
import type { PacketType } from '@nanokit/protocol';

/** How a connection ended. */
export interface CloseInfo {
  /** WebSocket-style close code: 1000 normal, 1006 dropped without a close frame, 4000–4999 client-defined. */
  code: number;
  /** The close reason; `''` when the host gives none. */
  reason: string;
  /** True when the close was orderly (a close frame or a local `close()`). */
  wasClean: boolean;
}

/**
 * Callbacks a transport calls, always as methods of this object (`handlers.onMessage(data)`): the client passes a
 * class instance, whose methods a copy (`{ ...handlers }`) does not have and a detached function cannot run. A
 * transport that wraps another forwards each call with a function of its own.
 */
export interface TransportHandlers {
  /** The connection is open; `send` may be called. */
  onOpen(): void;
  /**
   * Bytes received: whole packets (one WebSocket message holds one or more). The client owns the array. Stream
   * transports such as TCP, which reassemble packets themselves, call {@link TransportHandlers.onPacket} instead.
   */
  onMessage(data: Uint8Array): void;
  /**
   * One whole packet received, already framed (a stream transport's `PacketReader.readTo(chunk, handlers)`). `body`
   * may be a view into a larger buffer, but its bytes must never change after the call: what the client delivers may
   * keep views of them (a protobuf `bytes` field, a serializer that returns bytes), so a transport must not reuse that
   * buffer. `PacketReader` never writes into a body it delivered, and Node's socket chunks are not reused.
   */
  onPacket(type: PacketType, body: Uint8Array): void;
  /** Called exactly once per transport, also when it never opened, and also after a local `close()`. */
  onClose(info: CloseInfo): void;
  /** Informational; `onClose` still follows. */
  onError?(error: unknown): void;
}

/** What a factory needs to open a connection. */
export interface ConnectOptions {
  /** The full URL: `ws://`, `wss://`, or `tcp://host:port` for the Node TCP transport. */
  url: string;
  /** WebSocket sub-protocols. */
  protocols?: string[] | undefined;
  /** Extra headers; honoured by `ws`, wx/tt/my; browsers cannot send any. */
  headers?: Record<string, string> | undefined;
  /** Connect timeout in ms, for hosts that take one (wx/tt/my); the client enforces its own as well. */
  connectTimeout?: number | undefined;
}

/**
 * One connection. The client calls `send` and `close` as methods of this object (`transport.send(data)`), so a
 * transport may be a class instance; nothing else should take them apart either.
 */
export interface Transport {
  /**
   * Sends bytes. Only called while open. Returns false when the data could not be handed to the host.
   * The client never changes the bytes later, but the array may be a view into a larger buffer (the Node entry
   * encodes into pooled slabs): a host that needs an exact `ArrayBuffer` copies it
   * (`data.slice().buffer`, when the view does not cover its whole buffer).
   */
  send(data: Uint8Array): boolean;
  /** Closes the connection. Idempotent; safe while connecting; `onClose` follows (exactly once overall). */
  close(code?: number, reason?: string): void;
}

/** Opens a connection. Must not throw for network reasons (those surface as `onError` + `onClose`). */
export type TransportFactory = (options: ConnectOptions, handlers: TransportHandlers) => Transport;

/** @internal An exact ArrayBuffer holding `data` (a copy only when `data` is a view of a larger buffer). */
export function exactBuffer(data: Uint8Array): ArrayBuffer {
  return (
    data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer
  ) as ArrayBuffer;
}

/** @internal Guards a handler set so that `onClose` reaches the client exactly once and nothing follows it. */
export function closeOnce(handlers: TransportHandlers): Required<TransportHandlers> & { readonly closed: boolean } {
  // Arrow functions: hosts may call them detached (`ws.onopen = h.onOpen`).
  const h = {
    closed: false,
    onOpen: () => {
      if (!h.closed) handlers.onOpen();
    },
    onMessage: (data: Uint8Array) => {
      if (!h.closed) handlers.onMessage(data);
    },
    onPacket: (type: PacketType, body: Uint8Array) => {
      if (!h.closed) handlers.onPacket(type, body);
    },
    onError: (error: unknown) => {
      if (!h.closed && handlers.onError) handlers.onError(error);
    },
    onClose: (info: CloseInfo) => {
      if (h.closed) return;
      h.closed = true;
      handlers.onClose(info);
    },
  };
  return h;
}

/**
 * @internal The close info of a mini-game SocketTask `onClose` result (WeChat, Douyin, Alipay): the code and reason
 * when the host gives them, else 1006 (abnormal closure).
 */
export function socketTaskCloseInfo(res: { code?: number; reason?: string } | undefined): CloseInfo {
  return { code: (res && res.code) || 1006, reason: (res && res.reason) || '', wasClean: !!res && res.code === 1000 };
}
