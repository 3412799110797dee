// Global typings for the ES5 build `dist/nanokit.global.js` (Egret libs, Cocos 2.x plugin scripts, Laya 2.x,
// <script> tags): the build assigns its API to the global `NanoKit`. This file is a script, not a module: include it
// in the project (tsconfig "files", or next to the .js in an Egret lib) and write `new NanoKit.NanoClient({ … })`.
// The types come from the @nanokit/client package, which must be resolvable (installed, or its dist/*.d.ts copied
// with @nanokit/protocol's).
// Generated from packages/client/src/index.ts by scripts/global-typings.mjs: do not edit by hand.

declare namespace NanoKit {
  type BigIntMode = import('@nanokit/client').BigIntMode;
  type CompressionFormat = import('@nanokit/client').CompressionFormat;
  type HandshakeRequestOptions = import('@nanokit/client').HandshakeRequestOptions;
  type HandshakeResponse = import('@nanokit/client').HandshakeResponse;
  type Inflate = import('@nanokit/client').Inflate;
  type LosslessJsonSerializerOptions = import('@nanokit/client').LosslessJsonSerializerOptions;
  type Serializer = import('@nanokit/client').Serializer;
  const createLosslessJsonSerializer: typeof import('@nanokit/client').createLosslessJsonSerializer;
  const HandshakeError: typeof import('@nanokit/client').HandshakeError;
  type HandshakeError = import('@nanokit/client').HandshakeError;
  const isNanoError: typeof import('@nanokit/client').isNanoError;
  const jsonSerializer: typeof import('@nanokit/client').jsonSerializer;
  const NanoError: typeof import('@nanokit/client').NanoError;
  type NanoError = import('@nanokit/client').NanoError;
  const ProtocolError: typeof import('@nanokit/client').ProtocolError;
  type ProtocolError = import('@nanokit/client').ProtocolError;
  type ReconnectOptions = import('@nanokit/client').ReconnectOptions;
  const backoffDelay: typeof import('@nanokit/client').backoffDelay;
  const CloseCode: typeof import('@nanokit/client').CloseCode;
  const NanoClient: typeof import('@nanokit/client').NanoClient;
  type NanoClient<
    Routes extends object = import('@nanokit/client').AnyRoutes,
    Pushes extends object = import('@nanokit/client').AnyPushes,
  > = import('@nanokit/client').NanoClient<Routes, Pushes>;
  type ConnectErrorCode = import('@nanokit/client').ConnectErrorCode;
  const ClientErrorCode: typeof import('@nanokit/client').ClientErrorCode;
  type ClientErrorCode = import('@nanokit/client').ClientErrorCode;
  const ConnectError: typeof import('@nanokit/client').ConnectError;
  type ConnectError = import('@nanokit/client').ConnectError;
  const ConnectionClosedError: typeof import('@nanokit/client').ConnectionClosedError;
  type ConnectionClosedError = import('@nanokit/client').ConnectionClosedError;
  const NotifyQueueFullError: typeof import('@nanokit/client').NotifyQueueFullError;
  type NotifyQueueFullError = import('@nanokit/client').NotifyQueueFullError;
  const RequestAbortedError: typeof import('@nanokit/client').RequestAbortedError;
  type RequestAbortedError = import('@nanokit/client').RequestAbortedError;
  const RequestTimeoutError: typeof import('@nanokit/client').RequestTimeoutError;
  type RequestTimeoutError = import('@nanokit/client').RequestTimeoutError;
  const ServerError: typeof import('@nanokit/client').ServerError;
  type ServerError = import('@nanokit/client').ServerError;
  type HandshakeCacheOptions = import('@nanokit/client').HandshakeCacheOptions;
  type HandshakeCacheStorage = import('@nanokit/client').HandshakeCacheStorage;
  type MiniGameStorageApi = import('@nanokit/client').MiniGameStorageApi;
  const createHandshakeCache: typeof import('@nanokit/client').createHandshakeCache;
  const memoryStorage: typeof import('@nanokit/client').memoryStorage;
  const miniGameStorage: typeof import('@nanokit/client').miniGameStorage;
  type AnyPushes = import('@nanokit/client').AnyPushes;
  type AnyRoutes = import('@nanokit/client').AnyRoutes;
  type ClientEventName = import('@nanokit/client').ClientEventName;
  type ClientEvents = import('@nanokit/client').ClientEvents;
  type ClientState = import('@nanokit/client').ClientState;
  type DebugStats = import('@nanokit/client').DebugStats;
  type DisconnectEvent = import('@nanokit/client').DisconnectEvent;
  type HandshakeCache = import('@nanokit/client').HandshakeCache;
  type HeartbeatOptions = import('@nanokit/client').HeartbeatOptions;
  type KickEvent = import('@nanokit/client').KickEvent;
  type NanoClientOptions = import('@nanokit/client').NanoClientOptions;
  type PushEvent = import('@nanokit/client').PushEvent;
  type PushSchema = import('@nanokit/client').PushSchema;
  type ReconnectingEvent = import('@nanokit/client').ReconnectingEvent;
  type RequestBody<R extends object, K extends keyof R> = import('@nanokit/client').RequestBody<R, K>;
  type RequestOptions = import('@nanokit/client').RequestOptions;
  type ResponseBody<R extends object, K extends keyof R> = import('@nanokit/client').ResponseBody<R, K>;
  type RouteSchema = import('@nanokit/client').RouteSchema;
  type UrlProvider = import('@nanokit/client').UrlProvider;
  const MAX_REQUEST_ID: typeof import('@nanokit/client').MAX_REQUEST_ID;
  type ClientEnv = import('@nanokit/client').ClientEnv;
  type CloseInfo = import('@nanokit/client').CloseInfo;
  type ConnectOptions = import('@nanokit/client').ConnectOptions;
  type Transport = import('@nanokit/client').Transport;
  type TransportFactory = import('@nanokit/client').TransportFactory;
  type TransportHandlers = import('@nanokit/client').TransportHandlers;
  type AlipaySocketApi = import('@nanokit/client').AlipaySocketApi;
  type AlipaySocketTaskLike = import('@nanokit/client').AlipaySocketTaskLike;
  const alipayTransport: typeof import('@nanokit/client').alipayTransport;
  type EgretApi = import('@nanokit/client').EgretApi;
  type EgretByteArrayLike = import('@nanokit/client').EgretByteArrayLike;
  type EgretWebSocketLike = import('@nanokit/client').EgretWebSocketLike;
  const egretTransport: typeof import('@nanokit/client').egretTransport;
  type MiniGameSocketApi = import('@nanokit/client').MiniGameSocketApi;
  type SocketTaskLike = import('@nanokit/client').SocketTaskLike;
  const miniGameTransport: typeof import('@nanokit/client').miniGameTransport;
  type WebSocketConstructor = import('@nanokit/client').WebSocketConstructor;
  type WebSocketLike = import('@nanokit/client').WebSocketLike;
  const webSocketTransport: typeof import('@nanokit/client').webSocketTransport;
}
