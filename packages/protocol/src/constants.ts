/**
 * Wire constants of the nano / pomelo packet and message layers.
 *
 * Values are `as const` objects plus a type alias of their values (no TS `enum`), so they survive
 * `isolatedModules` builds (Cocos Creator) and tree-shake to plain numbers.
 *
 * @see docs/protocol.md
 * @packageDocumentation
 */

/**
 * Packet types: the first byte of every 4-byte packet header. Types 0 and 6–255 are invalid.
 * @see docs/protocol.md#packets
 */
export const PacketType = {
  /** Client → server handshake request, and the server's JSON reply. */
  Handshake: 1,
  /** Client → server acknowledgement of the handshake reply; empty body. */
  HandshakeAck: 2,
  /** Keep-alive, either direction; empty body. */
  Heartbeat: 3,
  /** Carries one message (request, notify, response or push). */
  Data: 4,
  /** Server → client: the session is being closed; optional JSON body such as `{"reason":"…"}`. */
  Kick: 5,
} as const;
/** One of the {@link PacketType} values. */
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/**
 * Message types: bits 1–3 of a Data packet's flag byte.
 * @see docs/protocol.md#messages
 */
export const MessageType = {
  /** Client → server; has an id and a route; expects a Response with the same id. */
  Request: 0,
  /** Client → server; has a route, no id; no reply. */
  Notify: 1,
  /** Server → client; has the id of its Request and no route. */
  Response: 2,
  /** Server → client; has a route, no id. */
  Push: 3,
} as const;
/** One of the {@link MessageType} values. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Handshake reply codes used by the pomelo family (nano only ever sends 200). */
export const HandshakeCode = {
  /** Accepted. */
  Ok: 200,
  /** pitaya: malformed client handshake or validator refusal. */
  BadRequest: 400,
  /** pomelo/pinus: the user handshake callback refused the client. */
  Refused: 500,
  /** pomelo/pinus: the client is too old. */
  OldClient: 501,
} as const;

/** Length of the packet header: 1 type byte + 3 length bytes (big-endian). */
export const PACKET_HEADER_LENGTH = 4;

/** Largest body length the 24-bit length field can express (16 777 215). */
export const MAX_PACKET_BODY_LENGTH = 0xffffff;

/**
 * Default inbound limit on a packet body, inclusive: nano's `MaxPacketSize` (64 KiB). A body of exactly 65 536
 * bytes is accepted, 65 537 is rejected.
 */
export const DEFAULT_MAX_BODY_LENGTH = 65536;

/** Longest uncompressed route, in UTF-8 bytes (the length prefix is one byte). */
export const MAX_ROUTE_LENGTH = 255;

/** Largest route-dictionary code (the code is a big-endian uint16). */
export const MAX_ROUTE_CODE = 0xffff;

/** Largest message id this codec accepts: ids are exact JavaScript numbers up to 2^53−1. */
export const MAX_MESSAGE_ID: number = 9007199254740991; // Number.MAX_SAFE_INTEGER, written out (shorter when minified)

/** Flag bit 0: the route is a 2-byte dictionary code. */
export const FLAG_ROUTE_COMPRESSED = 0x01;
/**
 * Flag bit 4: the payload is compressed (pitaya: zlib; pinus-protocol calls it gzip, pinus' connector never sets it).
 * nano ignores it.
 * @see docs/protocol.md#compression
 */
export const FLAG_GZIP = 0x10;
/** Flag bit 5: pitaya error response. nano ignores it. */
export const FLAG_ERROR = 0x20;
