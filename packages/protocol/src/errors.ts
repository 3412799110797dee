/**
 * The error model: one base class with a stable string `code`, and subclasses per failure family.
 * Every code is listed in docs/errors.md.
 * @packageDocumentation
 */

/**
 * Stable error codes of @nanokit/protocol. Codes never change meaning between releases.
 * @see docs/errors.md
 */
export const ProtocolErrorCode = {
  /** Packet type byte outside 1–5; when encoding, a type that is not one of the numbers 1–5 (1.5, '4'). */
  UnknownPacketType: 'ERR_UNKNOWN_PACKET_TYPE',
  /** Packet body length above the configured limit (or above the 24-bit maximum when encoding). */
  PacketTooLarge: 'ERR_PACKET_TOO_LARGE',
  /** A buffer ended inside a packet header or body. */
  TruncatedPacket: 'ERR_TRUNCATED_PACKET',
  /** A Data packet with an empty body (a message needs at least a flag byte). */
  EmptyMessage: 'ERR_EMPTY_MESSAGE',
  /** Message type bits hold 4–7. */
  UnknownMessageType: 'ERR_UNKNOWN_MESSAGE_TYPE',
  /** The message id varint has no terminating byte. */
  TruncatedVarint: 'ERR_TRUNCATED_VARINT',
  /** A message id that is not an integer in 0…2^53−1. */
  InvalidMessageId: 'ERR_INVALID_MESSAGE_ID',
  /** The message ends where the route length byte should be. */
  MissingRoute: 'ERR_MISSING_ROUTE',
  /** The route length byte points past the end of the message. */
  RouteOverrun: 'ERR_ROUTE_OVERRUN',
  /** A compressed route has fewer than 2 code bytes. */
  TruncatedRouteCode: 'ERR_TRUNCATED_ROUTE_CODE',
  /** A compressed route code that the dictionary does not hold (or no dictionary was given). */
  UnknownRouteCode: 'ERR_UNKNOWN_ROUTE_CODE',
  /** Route bytes that are not valid UTF-8. */
  InvalidUtf8: 'ERR_INVALID_UTF8',
  /** A route longer than 255 UTF-8 bytes. */
  RouteTooLong: 'ERR_ROUTE_TOO_LONG',
  /** A route that is not a string. */
  InvalidRoute: 'ERR_INVALID_ROUTE',
  /**
   * A route dictionary with a code outside 0–65535, a non-integer code, a code given to two routes, or a route given
   * two codes.
   */
  InvalidDictionary: 'ERR_INVALID_DICTIONARY',
  /** A handshake body that is not the expected JSON object. */
  InvalidHandshake: 'ERR_INVALID_HANDSHAKE',
  /**
   * A compressed handshake reply (pitaya: zlib) that could not be inflated: no `inflate` function was supplied, or it
   * threw on bad data (`cause`).
   */
  CompressedHandshake: 'ERR_COMPRESSED_HANDSHAKE',
  /** The server refused the handshake (code other than 200); thrown as {@link HandshakeError}. */
  HandshakeRefused: 'ERR_HANDSHAKE_REFUSED',
  /** A Kick body that is not a JSON object. */
  InvalidKick: 'ERR_INVALID_KICK',
  /** A payload the serializer cannot decode (e.g. invalid JSON, invalid protobuf). */
  InvalidPayload: 'ERR_INVALID_PAYLOAD',
  /** A value the serializer cannot encode (e.g. a cyclic object, a BigInt). */
  SerializeFailed: 'ERR_SERIALIZE_FAILED',
  /** The protobuf serializer has no message type for this route and direction. */
  UnknownProtoRoute: 'ERR_UNKNOWN_PROTO_ROUTE',
  /** pomelo-protobuf protos (`sys.protos` of a pinus or pomelo handshake) that are not in pinus' parsed form. */
  InvalidProtos: 'ERR_INVALID_PROTOS',
  /** An argument of the wrong kind (bytes that are not a Uint8Array, a message that is not an object…). */
  InvalidArgument: 'ERR_INVALID_ARGUMENT',
} as const;
/** One of the {@link ProtocolErrorCode} values. */
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** Options accepted by every nanokit error. */
export interface NanoErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Marks nanokit errors. `Symbol.for` gives every copy of the package (ESM + CJS, two versions) the same key, so
 * {@link isNanoError} recognises them all, and never an error of another library or of Node (`ERR_*` codes too).
 */
const BRAND = Symbol.for('nanokit.error');

/**
 * Base class of every error thrown by nanokit packages. Check errors with {@link isNanoError} rather than
 * `instanceof`: it also works when two copies of the package (ESM and CJS) are loaded.
 */
export class NanoError extends Error {
  /** Stable, documented error code, e.g. `ERR_UNKNOWN_PACKET_TYPE`. */
  readonly code: string;

  /** @internal The mark {@link isNanoError} checks. */
  get [BRAND](): true {
    return true;
  }

  constructor(code: string, message: string, options?: NanoErrorOptions) {
    // Compiled to ES5, an Error subclass loses its prototype chain: the ES5 global build sets it back right after this
    // call (see rollup.config.mjs). ES2015 classes keep it, and the other builds spare browsers' bundles the line.
    super(message);
    this.name = 'NanoError';
    this.code = code;
    if (options && options.cause !== undefined) {
      (this as { cause?: unknown }).cause = options.cause;
    }
  }
}

/** Bad bytes or bad arguments for the codec. `code` is one of {@link ProtocolErrorCode}. */
export class ProtocolError extends NanoError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: NanoErrorOptions) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}

/** The server answered the handshake with a code other than 200. */
export class HandshakeError extends NanoError {
  /** The code the server sent (pomelo: 500 refused, 501 old client; pitaya: 400). */
  readonly serverCode: number;
  /** The whole decoded reply, for server-specific details. */
  readonly response: unknown;

  constructor(serverCode: number, response: unknown, message?: string) {
    super('ERR_HANDSHAKE_REFUSED', message || `handshake refused: ${serverCode}`);
    this.name = 'HandshakeError';
    this.serverCode = serverCode;
    this.response = response;
  }
}

/**
 * True when `error` is a nanokit error, optionally with the given code. Checks a mark shared by every copy of the
 * package (`Symbol.for`), not `instanceof`, so it works across duplicate package copies (ESM + CJS); Node's own
 * errors, which also have `ERR_*` codes, are not nanokit errors.
 */
export function isNanoError(error: unknown, code?: string): error is NanoError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [BRAND]?: unknown })[BRAND] === true &&
    (code === undefined || (error as NanoError).code === code)
  );
}

/** @internal Shorthand used across the codec. */
export function protocolError(code: ProtocolErrorCode, message: string, cause?: unknown): ProtocolError {
  return new ProtocolError(code, message, { cause });
}

/**
 * @internal Throws `ERR_INVALID_ARGUMENT` unless `bytes` is a Uint8Array (Node's byte buffers are). Without this an
 * ArrayBuffer, which has no `length`, would decode as nothing at all, or loop forever in the varint reader, and
 * `undefined` would be a TypeError. Called once per API entry point, never in a loop.
 */
export function checkBytes(bytes: unknown, what: string): void {
  if (!(bytes instanceof Uint8Array)) fail('ERR_INVALID_ARGUMENT', `${what}: not a Uint8Array`);
}

/** @internal Throws a {@link ProtocolError}: the one failure path of the codec (messages stay short; `code` says it all). */
export function fail(code: ProtocolErrorCode, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, { cause });
}
