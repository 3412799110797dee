/**
 * @nanokit/client — the game client SDK for the nano / pomelo-family protocol: browsers, Cocos Creator, Egret,
 * WeChat / Douyin / Alipay mini-games, React Native. This entry is browser-safe (no Node or `ws` code); Node gets
 * `@nanokit/client/node` (also picked by the `node` export condition of `@nanokit/client`).
 * Importing it has no side effects.
 * @packageDocumentation
 */
export type {
  BigIntMode,
  CompressionFormat,
  HandshakeRequestOptions,
  HandshakeResponse,
  Inflate,
  LosslessJsonSerializerOptions,
  Serializer,
} from '@nanokit/protocol';
export {
  createLosslessJsonSerializer,
  HandshakeError,
  isNanoError,
  jsonSerializer,
  NanoError,
  ProtocolError,
} from '@nanokit/protocol';
export type { ReconnectOptions } from './backoff.js';
export { backoffDelay } from './backoff.js';
export { CloseCode, NanoClient } from './client.js';
export type { ConnectErrorCode } from './errors.js';
export {
  ClientErrorCode,
  ConnectError,
  ConnectionClosedError,
  NotifyQueueFullError,
  RequestAbortedError,
  RequestTimeoutError,
  ServerError,
} from './errors.js';
export type { HandshakeCacheOptions, HandshakeCacheStorage, MiniGameStorageApi } from './handshake-cache.js';
export { createHandshakeCache, memoryStorage, miniGameStorage } from './handshake-cache.js';
export type {
  AnyPushes,
  AnyRoutes,
  ClientEventName,
  ClientEvents,
  ClientState,
  DebugStats,
  DisconnectEvent,
  HandshakeCache,
  HeartbeatOptions,
  KickEvent,
  NanoClientOptions,
  PushEvent,
  PushSchema,
  ReconnectingEvent,
  RequestBody,
  RequestOptions,
  ResponseBody,
  RouteSchema,
  UrlProvider,
} from './options.js';
export { MAX_REQUEST_ID } from './requests.js';
export type { ClientEnv } from './timers.js';
export type { CloseInfo, ConnectOptions, Transport, TransportFactory, TransportHandlers } from './transport.js';
export type { AlipaySocketApi, AlipaySocketTaskLike } from './transports/alipay.js';
export { alipayTransport } from './transports/alipay.js';
export type { EgretApi, EgretByteArrayLike, EgretWebSocketLike } from './transports/egret.js';
export { egretTransport } from './transports/egret.js';
export type { MiniGameSocketApi, SocketTaskLike } from './transports/mini-game.js';
export { miniGameTransport } from './transports/mini-game.js';
export type { WebSocketConstructor, WebSocketLike } from './transports/websocket.js';
export { webSocketTransport } from './transports/websocket.js';
