/**
 * @nanokit/server-lite — a small Node reference server with nano's programming model: components whose methods
 * handle `<component>.<method>` routes, sessions, groups, heartbeats, a handshake validator and pipeline hooks,
 * over WebSocket (`ws`) and plain TCP, speaking the wire protocol through @nanokit/protocol.
 * @packageDocumentation
 */
export type { ComponentLifetime, HandlerFunction, RegisterOptions } from './component.js';
export { ErrorResponseCode, HandlerError, ServerErrorCode, ServerLiteError } from './errors.js';
export { Group } from './group.js';
export type {
  HandshakeValidator,
  HandshakeVerdict,
  LifetimeHooks,
  Logger,
  NanoServerOptions,
  PipelineHook,
  PipelineMessage,
  RateLimit,
} from './options.js';
export type { AttachOptions, ListenInfo, ListenOptions } from './server.js';
export { NanoServer } from './server.js';
export type { Uid } from './session.js';
export { Session, TcpSession, WsCloseCode, WsSession } from './session.js';
