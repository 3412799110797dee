/**
 * Options and hook types of {@link NanoServer}.
 * @packageDocumentation
 */
import type { IncomingMessage } from 'node:http';
import { inspect } from 'node:util';
import type { HandshakeRequest, MessageType, RouteDictionary, Serializer } from '@nanokit/protocol';
import type { Session } from './session.js';

/**
 * Where the server writes what it does not throw: refused connections, malformed input, handler errors. Every
 * method takes a message and an optional context object (session id, remote address, route, error…).
 */
export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/**
 * A message as the pipeline hooks see it. Inbound: decoded from a Request or Notify, `body` still serialized.
 * Outbound: a Response or Push about to be encoded, `body` already serialized. For a Response, `route` is the route
 * of the request it answers (a Response carries no route on the wire).
 */
export interface PipelineMessage {
  type: MessageType;
  /** Request/Response id; 0 for Notify and Push. */
  id: number;
  route: string;
  /** The serialized payload (a string is written as UTF-8). */
  body: Uint8Array | string;
  /** Outbound only: true for an error response (flag 0x20). */
  error?: boolean;
}

/**
 * A pipeline hook (nano's `WithPipeline`): runs synchronously for every inbound or outbound message, e.g. to count
 * or rewrite them. Return nothing to let the message through, a message to replace it, or `false` to drop it
 * (a dropped request gets no response: the hook took responsibility). A hook that throws is logged; the request
 * then gets a `PIT-500` error response: a throwing inbound hook answers the request it saw, a throwing outbound hook
 * the request whose Response it saw (that `PIT-500` is written without running the outbound hooks again). A Push
 * whose outbound hook throws is not sent.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook may simply return nothing
export type PipelineHook = (session: Session, message: PipelineMessage) => PipelineMessage | false | undefined | void;

/**
 * Decides whether a client may complete its handshake (auth tokens live in `request.user`). May be async; may
 * `bind` or `set` on the session. Return (or resolve) nothing or `true` to accept, `false` to refuse with code 500,
 * or a number other than 200 to refuse with that code. A throw or rejection refuses with 500. A refused client gets
 * the handshake reply `{"code":<code>}` and the connection is closed.
 */
export type HandshakeValidator = (
  session: Session,
  request: Partial<HandshakeRequest> & Record<string, unknown>,
) => HandshakeVerdict | PromiseLike<HandshakeVerdict>;

/** What a {@link HandshakeValidator} returns: nothing or `true` accepts, `false` or a code other than 200 refuses. */
// biome-ignore lint/suspicious/noConfusingVoidType: a validator may simply return nothing
export type HandshakeVerdict = boolean | number | undefined | void;

/**
 * Inbound message rate limit per session (a fixed window, timed with the monotonic clock: wall-clock changes do not
 * affect it).
 */
export interface RateLimit {
  /** Messages (Data packets) allowed per window. */
  messages: number;
  /** Window length in milliseconds. */
  interval: number;
}

/** Lifetime hooks of the server itself (components may also have `init`, `afterInit`, `beforeShutdown`, `shutdown`). */
export interface LifetimeHooks {
  /** Before the first listener opens, after the components' `init`. */
  init?: () => void | Promise<void>;
  /** After `init` of everything, still before the first listener opens. */
  afterInit?: () => void | Promise<void>;
  /** At `close()`, after the listeners stopped accepting and before the sessions are kicked. */
  beforeShutdown?: () => void | Promise<void>;
  /** At `close()`, after every session is closed. */
  shutdown?: () => void | Promise<void>;
}

/** Options of {@link NanoServer}. */
export interface NanoServerOptions {
  /**
   * Heartbeat interval in milliseconds: the server sends a heartbeat to every handshaken session each interval and
   * closes sessions silent for more than two intervals (checked at each tick, so the cut comes 2–3 intervals after
   * the last packet, as in nano). Sent to clients in seconds (`sys.heartbeat`). At most 2^31 − 1 (about 24.8 days,
   * the longest timer delay Node honours).
   * @default 30000
   */
  heartbeat?: number;
  /** Route dictionary (route → code): announced as `sys.dict`, compresses pushes, resolves compressed requests. */
  dictionary?: Record<string, number> | RouteDictionary;
  /**
   * Payload serializer; protobuf via `createProtobufSerializer` from `@nanokit/protocol/protobuf`. The default writes
   * emoji and other characters above U+FFFF as JSON escapes (`\ud83d\ude00`), so that the deployed JS clients of nano
   * and pomelo, whose decoder garbles 4-byte UTF-8, show them as the nanokit clients do (docs/protocol.md#utf-8).
   * @default jsonSerializer, with `escapeAstral` applied to what it writes
   */
  serializer?: Serializer;
  /**
   * Where the server logs. A method that throws is ignored (logging never breaks a connection or the process).
   * A connection ended for cause (malformed input, packets out of order, rate limit, handshake timeout) gives one
   * `warn` line with `remoteAddress`, `code` and `reason`; the error behind it, with its stack, goes to `debug`. At
   * most 20 lines with the same message and level are written per second; the rest are summed up in one line.
   * @default console, one line per call (debug messages are dropped)
   */
  logger?: Logger;
  /**
   * Answer failed requests (unknown route, undecodable body, handler error) with a pitaya-style error response
   * (flag 0x20, JSON body `{"code","msg"}`). `false` gives strict nano behaviour: no answer at all.
   * @default true
   */
  errorResponses?: boolean;
  /** Handshake validator (nano's `WithHandshakeValidator`). */
  handshakeValidator?: HandshakeValidator;
  /** Pipeline hooks (nano's `WithPipeline`). */
  pipeline?: { inbound?: PipelineHook[]; outbound?: PipelineHook[] };
  /**
   * Largest inbound packet body in bytes, inclusive; checked as soon as a header arrives.
   * @default 65536
   */
  maxPacketSize?: number;
  /**
   * Largest WebSocket message accepted, in bytes (ws `maxPayload`: ws buffers a whole message before delivering it,
   * so this bounds the memory one message takes). A larger message is refused at its frame header (close 1009,
   * `ERR_PROTOCOL_VIOLATION`). Messages form one byte stream, as in nano (docs/protocol.md, streams), so a message may carry
   * several packets and a packet may span messages: any positive value works, the default takes 16 maximal packets
   * (a client that coalesces its writes). nano itself sets no limit.
   * @default 16 * (maxPacketSize + 4) (1048640 with the default maxPacketSize)
   */
  maxMessageSize?: number;
  /**
   * Most open connections (sockets not yet closed, handshaken or not); more are refused (WebSocket: HTTP 503; TCP:
   * closed at once). Idle sockets cannot hold it: see `handshakeTimeout`.
   * @default Infinity
   */
  maxConnections?: number;
  /**
   * Milliseconds a connection has to complete the handshake (Handshake, reply, HandshakeAck; the validator's time
   * included); a connection still short of it is cut (`ERR_HANDSHAKE_TIMEOUT`), so sockets that never handshake
   * cannot hold `maxConnections` or memory. The same bound applies to one WebSocket message: a message still
   * incomplete after this long without another message arriving cuts the connection, so a peer cannot park up to
   * `maxMessageSize` bytes in the server. Checked every `handshakeTimeout / 4` (at most every 500 ms); at most
   * 2^31 − 1.
   * @default 5000
   */
  handshakeTimeout?: number;
  /** Per-session inbound rate limit; beyond it the session is kicked. @default no limit */
  rateLimit?: RateLimit;
  /**
   * Bound on the bytes waiting to be written to one peer (ws `bufferedAmount` / socket `writableLength`). A send that
   * would exceed it closes the session with `ERR_SLOW_CONSUMER` instead of queueing without bound. (A packet larger
   * than the bound is still written when nothing is queued, so big responses work.)
   * @default 1048576 (1 MiB)
   */
  maxOutboundBuffer?: number;
  /** WebSocket origin check; return false to refuse the upgrade with HTTP 403. @default every origin is accepted */
  checkOrigin?: (origin: string | undefined, request: IncomingMessage) => boolean;
  /**
   * How long `close()` waits for kicked peers to close their connections before cutting them (along with any HTTP
   * connection still open on an http server `listen` created), in milliseconds; at most 2^31 − 1.
   * @default 3000
   */
  shutdownTimeout?: number;
  /**
   * Called once for every session that ends, whatever the reason (see `session.closeCode`). Never nested: a session
   * that ends while it runs or during a group broadcast is reported after that returns.
   */
  onSessionClosed?: (session: Session) => void;
  /** Lifetime hooks of the server. */
  hooks?: LifetimeHooks;
}

/** The default logger: `console` for info/warn/error, one line per call; debug messages are dropped. */
export function defaultLogger(): Logger {
  return {
    debug() {},
    info: (message, context) => console.info(oneLine(message, context)),
    warn: (message, context) => console.warn(oneLine(message, context)),
    error: (message, context) => console.error(oneLine(message, context)),
  };
}

/** `[nanokit] message key=value …` on one line; an error shows its name, code and message, not its stack. */
function oneLine(message: string, context: Record<string, unknown> | undefined): string {
  let line = `[nanokit] ${message}`;
  if (context === undefined) return line;
  for (const key of Object.keys(context)) {
    const value = context[key];
    line += ` ${key}=${value instanceof Error ? errorLine(value) : inspect(value, { breakLength: Number.POSITIVE_INFINITY, compact: true, depth: 2 })}`;
  }
  return line;
}

function errorLine(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return JSON.stringify(`${error.name}${code === undefined ? '' : ` ${String(code)}`}: ${error.message}`);
}
