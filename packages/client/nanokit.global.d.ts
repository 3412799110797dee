// Global typings for the ES5 build `dist/nanokit.global.js` (Egret libs, Cocos 2.x plugin scripts, Laya 2.x,
// <script> tags): the build assigns its API to the global `NanoKit`. This file is a script, not a module: include it
// in the project (tsconfig "files", or next to the .js in an Egret lib) and write `new NanoKit.NanoClient({ … })`.
// The types come from the @nanokit/client package, which must be resolvable (installed, or its dist/*.d.ts copied
// with @nanokit/protocol's).

declare namespace NanoKit {
  type Client = import('@nanokit/client').NanoClient;
  const NanoClient: typeof import('@nanokit/client').NanoClient;
  type NanoClient<
    Routes extends object = import('@nanokit/client').AnyRoutes,
    Pushes extends object = import('@nanokit/client').AnyPushes,
  > = import('@nanokit/client').NanoClient<Routes, Pushes>;
  const webSocketTransport: typeof import('@nanokit/client').webSocketTransport;
  const wxTransport: typeof import('@nanokit/client').wxTransport;
  const ttTransport: typeof import('@nanokit/client').ttTransport;
  const miniGameTransport: typeof import('@nanokit/client').miniGameTransport;
  const alipayTransport: typeof import('@nanokit/client').alipayTransport;
  const egretTransport: typeof import('@nanokit/client').egretTransport;
  const backoffDelay: typeof import('@nanokit/client').backoffDelay;
  const jsonSerializer: typeof import('@nanokit/client').jsonSerializer;
  const isNanoError: typeof import('@nanokit/client').isNanoError;
  const CloseCode: typeof import('@nanokit/client').CloseCode;
  const ClientErrorCode: typeof import('@nanokit/client').ClientErrorCode;
  const MAX_REQUEST_ID: typeof import('@nanokit/client').MAX_REQUEST_ID;
  const NanoError: typeof import('@nanokit/client').NanoError;
  type NanoError = import('@nanokit/client').NanoError;
  const ProtocolError: typeof import('@nanokit/client').ProtocolError;
  type ProtocolError = import('@nanokit/client').ProtocolError;
  const HandshakeError: typeof import('@nanokit/client').HandshakeError;
  type HandshakeError = import('@nanokit/client').HandshakeError;
  const RequestTimeoutError: typeof import('@nanokit/client').RequestTimeoutError;
  type RequestTimeoutError = import('@nanokit/client').RequestTimeoutError;
  const ConnectionClosedError: typeof import('@nanokit/client').ConnectionClosedError;
  type ConnectionClosedError = import('@nanokit/client').ConnectionClosedError;
  const ServerError: typeof import('@nanokit/client').ServerError;
  type ServerError = import('@nanokit/client').ServerError;
  const RequestAbortedError: typeof import('@nanokit/client').RequestAbortedError;
  type RequestAbortedError = import('@nanokit/client').RequestAbortedError;
  const NotifyQueueFullError: typeof import('@nanokit/client').NotifyQueueFullError;
  type NotifyQueueFullError = import('@nanokit/client').NotifyQueueFullError;
  type NanoClientOptions = import('@nanokit/client').NanoClientOptions;
  type ClientEvents = import('@nanokit/client').ClientEvents;
  type ClientState = import('@nanokit/client').ClientState;
  type DisconnectEvent = import('@nanokit/client').DisconnectEvent;
  type ReconnectingEvent = import('@nanokit/client').ReconnectingEvent;
  type KickEvent = import('@nanokit/client').KickEvent;
  type RequestOptions = import('@nanokit/client').RequestOptions;
  type ReconnectOptions = import('@nanokit/client').ReconnectOptions;
  type HandshakeResponse = import('@nanokit/client').HandshakeResponse;
  type Transport = import('@nanokit/client').Transport;
  type TransportFactory = import('@nanokit/client').TransportFactory;
}
