/**
 * The message layer: the body of a Data packet.
 *
 * ```
 * +--------+---------------------+--------------------------------+-----------+
 * | flag   | id (varint, LEB128) | route                          | payload   |
 * | 1 byte | Request / Response  | Request / Notify / Push only:  | the rest  |
 * |        | only                | 1 B length + UTF-8 (≤ 255 B),  |           |
 * |        |                     | or 2 B big-endian dict code    |           |
 * +--------+---------------------+--------------------------------+-----------+
 * flag: bit 0 route compressed · bits 1–3 type · bit 4 gzip (pinus/pitaya) · bit 5 error (pitaya)
 * ```
 * @see docs/protocol.md#messages
 * @packageDocumentation
 */
import {
  FLAG_ERROR,
  FLAG_GZIP,
  FLAG_ROUTE_COMPRESSED,
  MAX_MESSAGE_ID,
  MAX_ROUTE_LENGTH,
  MessageType,
  PACKET_HEADER_LENGTH,
  PacketType,
} from './constants.js';
import { type ProtocolError, ProtocolErrorCode, protocolError } from './errors.js';
import { checkBytes, checkEncodeLength, writePacketHeader } from './packet.js';
import type { RouteDictionary } from './route-dictionary.js';
import { decodeUtf8, encodeUtf8, tryWriteAscii, usesNativeEncoder, utf8Length, writeUtf8 } from './utf8.js';
import { varintLength, writeVarint } from './varint.js';

/** A decoded message. Every field is always present, so all messages share one object shape. */
export interface Message {
  type: MessageType;
  /** Request/Response id; 0 for Notify and Push. */
  id: number;
  /** The route; `''` for a Response (responses carry none: match them to requests by id). */
  route: string;
  /** The payload, a view into the decoded bytes (no copy). May be empty. */
  body: Uint8Array;
  /** True when the route travelled as a dictionary code. */
  compressed: boolean;
  /** The dictionary code when `compressed`, else -1. */
  routeCode: number;
  /** Flag bit 0x10: the payload is compressed (pinus/pitaya gzip). The body is left as received. */
  gzip: boolean;
  /** Flag bit 0x20: pitaya error response; the payload is an error object such as `{code, msg}`. */
  error: boolean;
}

/** What {@link encodeMessage} takes. */
export interface MessageInit {
  type: MessageType;
  /** Required for Request and Response: an integer in 0…2^53−1. Ignored for Notify and Push. */
  id?: number;
  /** Required for Request, Notify and Push (may be `''`). Ignored for Response. */
  route?: string;
  /** The payload: bytes, or a string written as UTF-8. Empty when omitted. */
  body?: Uint8Array | string;
  /** Sets flag bit 0x10 (pinus/pitaya: the payload is already compressed). */
  gzip?: boolean;
  /** Sets flag bit 0x20 (pitaya: error response). */
  error?: boolean;
}

/** Options of {@link encodeMessage} and {@link encodeDataPacket}. */
export interface MessageEncodeOptions {
  /** Routes found here are sent as 2-byte codes (Request, Notify and Push only; never a Response). */
  dictionary?: RouteDictionary | undefined;
  /**
   * Inclusive limit on the message size (the Data packet body); checked before anything is allocated.
   * @default 16777215
   */
  maxBodyLength?: number | undefined;
}

/** Options of {@link decodeMessage}. */
export interface MessageDecodeOptions {
  /** Resolves compressed routes. Without it a compressed route is `ERR_UNKNOWN_ROUTE_CODE`. */
  dictionary?: RouteDictionary | undefined;
}

const EMPTY = /*#__PURE__*/ new Uint8Array(0);

function hasId(type: number): boolean {
  return type === MessageType.Request || type === MessageType.Response;
}

/** @internal The validated flag, id and route of a message: everything before the payload. */
export interface MessageHead {
  flag: number;
  id: number;
  /** Bytes of the id varint; 0 when the type has no id. */
  idLength: number;
  route: string;
  /** The dictionary code, or -1 when the route is written as text (or there is no route). */
  routeCode: number;
  /** True for Request, Notify and Push. */
  hasRoute: boolean;
}

/**
 * @internal Validates the type, id and route of `msg` and resolves the route code.
 * @throws {ProtocolError} `ERR_UNKNOWN_MESSAGE_TYPE`, `ERR_INVALID_MESSAGE_ID`, `ERR_INVALID_ROUTE`,
 *   `ERR_ROUTE_TOO_LONG` (only when the route has more than 255 UTF-16 units; callers check the UTF-8 length).
 */
export function messageHead(msg: MessageInit, dictionary: RouteDictionary | undefined): MessageHead {
  const type = msg.type;
  if (!(type >= 0 && type <= 3) || Math.floor(type) !== type) {
    throw protocolError(ProtocolErrorCode.UnknownMessageType, `unknown message type ${String(type)}`);
  }
  let flag = type << 1;
  if (msg.gzip === true) flag |= FLAG_GZIP;
  if (msg.error === true) flag |= FLAG_ERROR;
  let id = 0;
  let idLength = 0;
  if (hasId(type)) {
    id = msg.id ?? -1;
    idLength = varintLength(id);
  }
  let route = '';
  let routeCode = -1;
  const hasRoute = type !== MessageType.Response;
  if (hasRoute) {
    route = msg.route as string;
    if (typeof route !== 'string') {
      throw protocolError(ProtocolErrorCode.InvalidRoute, 'a Request, Notify or Push needs a string route');
    }
    const code = dictionary === undefined ? undefined : dictionary.code(route);
    if (code !== undefined) {
      flag |= FLAG_ROUTE_COMPRESSED;
      routeCode = code;
    } else if (route.length > MAX_ROUTE_LENGTH) {
      // Every UTF-16 unit takes at least one UTF-8 byte.
      throw routeTooLong(utf8Length(route));
    }
  }
  return { flag, id, idLength, route, routeCode, hasRoute };
}

/** @internal The error for a route of `length` UTF-8 bytes. */
export function routeTooLong(length: number): ProtocolError {
  return protocolError(
    ProtocolErrorCode.RouteTooLong,
    `route is ${length} UTF-8 bytes; the limit is ${MAX_ROUTE_LENGTH}`,
  );
}

/** @internal Writes flag, id and route at `offset`; returns the offset after them. */
export function writeMessageHead(h: MessageHead, dest: Uint8Array, offset: number): number {
  dest[offset++] = h.flag;
  if (h.idLength > 0) offset = writeVarint(h.id, dest, offset);
  if (h.routeCode >= 0) {
    dest[offset++] = (h.routeCode >>> 8) & 0xff;
    dest[offset++] = h.routeCode & 0xff;
  } else if (h.hasRoute) {
    const n = writeUtf8(h.route, dest, offset + 1);
    dest[offset] = n;
    offset += 1 + n;
  }
  return offset;
}

/** @internal Checks the payload type; returns it as bytes or a string. */
export function checkBody(body: unknown): Uint8Array | string {
  if (body === undefined || body === null) return EMPTY;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw protocolError(ProtocolErrorCode.InvalidArgument, 'message body must be a Uint8Array or a string');
}

/**
 * Encodes a message, with a packet header in front when `header` is 4 (0 for the bare message), in one allocation.
 * A string payload of ASCII text (the usual JSON) is written straight into the exactly sized result; other text is
 * measured first (without `TextEncoder`) or encoded once and copied (with it).
 */
function encode(msg: MessageInit, options: MessageEncodeOptions | undefined, header: number): Uint8Array {
  const h = messageHead(msg, options?.dictionary);
  const routeLength = h.routeCode >= 0 ? 2 : h.hasRoute ? 1 + utf8Length(h.route) : 0;
  if (routeLength > 1 + MAX_ROUTE_LENGTH) throw routeTooLong(routeLength - 1);
  let body = checkBody(msg.body);
  const max = options?.maxBodyLength;
  const prefix = 1 + h.idLength + routeLength;
  if (typeof body === 'string' && usesNativeEncoder(body.length)) {
    // Guess ASCII (one byte per unit, the minimum UTF-8 length); fall back to a real encoding when it is not.
    const size = prefix + body.length;
    checkEncodeLength(size, max);
    const out = new Uint8Array(header + size);
    if (tryWriteAscii(body, out, header + prefix)) {
      if (header > 0) writePacketHeader(out, 0, PacketType.Data, size);
      writeMessageHead(h, out, header);
      return out;
    }
    body = encodeUtf8(body);
  }
  const bodyLength = typeof body === 'string' ? utf8Length(body) : body.length;
  const size = prefix + bodyLength;
  checkEncodeLength(size, max);
  const out = new Uint8Array(header + size);
  if (header > 0) writePacketHeader(out, 0, PacketType.Data, size);
  const offset = writeMessageHead(h, out, header);
  if (bodyLength > 0) {
    if (typeof body === 'string') writeUtf8(body, out, offset);
    else out.set(body, offset);
  }
  return out;
}

/**
 * Encodes a message (the body of a Data packet) in one allocation, byte-compatible with nano's Go encoder, minus
 * its bugs: a route over 255 bytes is an error instead of a silent wrap, and a Response never gets a route code.
 *
 * @throws {ProtocolError} `ERR_UNKNOWN_MESSAGE_TYPE`, `ERR_INVALID_MESSAGE_ID`, `ERR_INVALID_ROUTE`,
 *   `ERR_ROUTE_TOO_LONG`, `ERR_PACKET_TOO_LARGE`, `ERR_INVALID_ARGUMENT`.
 * @example encodeMessage({ type: MessageType.Request, id: 1, route: 'Room.Join', body: '{"a":1}' })
 *   // 00 01 09 52 6f 6f 6d 2e 4a 6f 69 6e 7b 22 61 22 3a 31 7d
 */
export function encodeMessage(msg: MessageInit, options?: MessageEncodeOptions): Uint8Array {
  return encode(msg, options, 0);
}

/**
 * Encodes a message directly as a whole Data packet (header + message) in one allocation: the same bytes as
 * `encodePacket(PacketType.Data, encodeMessage(msg))` without the intermediate copy. To encode many small
 * messages quickly, use a {@link PacketWriter}.
 * @throws {ProtocolError} as {@link encodeMessage}.
 */
export function encodeDataPacket(msg: MessageInit, options?: MessageEncodeOptions): Uint8Array {
  return encode(msg, options, PACKET_HEADER_LENGTH);
}

/**
 * Decodes a message (the body of a Data packet). The result's `body` is a view into `bytes`.
 *
 * Decoding is lenient where nano is (non-minimal varints, flag bits 4–7 kept as fields, empty payloads) and strict
 * where nano is unsafe: every length is bounds-checked, so a truncated compressed route such as `03 00` is an
 * error, never an over-read or a crash.
 *
 * @throws {ProtocolError} `ERR_EMPTY_MESSAGE`, `ERR_UNKNOWN_MESSAGE_TYPE`, `ERR_TRUNCATED_VARINT`,
 *   `ERR_INVALID_MESSAGE_ID`, `ERR_MISSING_ROUTE`, `ERR_ROUTE_OVERRUN`, `ERR_TRUNCATED_ROUTE_CODE`,
 *   `ERR_UNKNOWN_ROUTE_CODE`, `ERR_INVALID_UTF8`, `ERR_INVALID_ARGUMENT` (not a Uint8Array).
 */
export function decodeMessage(bytes: Uint8Array, options?: MessageDecodeOptions): Message {
  checkBytes(bytes, 'decodeMessage input');
  const end = bytes.length;
  if (end === 0) throw protocolError(ProtocolErrorCode.EmptyMessage, 'a message needs at least its flag byte');
  const flag = bytes[0] as number;
  const type = (flag >> 1) & 0x07;
  if (type > 3) throw protocolError(ProtocolErrorCode.UnknownMessageType, `unknown message type ${type}`);
  let offset = 1;
  let id = 0;
  if (type === MessageType.Request || type === MessageType.Response) {
    // LEB128, least-significant group first (readVarint, inlined: this is the hot path).
    let scale = 1;
    for (;;) {
      if (offset >= end) throw protocolError(ProtocolErrorCode.TruncatedVarint, 'message id varint is cut short');
      const b = bytes[offset++] as number;
      id += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 128;
    }
    if (!(id <= MAX_MESSAGE_ID)) throw protocolError(ProtocolErrorCode.InvalidMessageId, 'message id exceeds 2^53−1');
  }
  let route = '';
  let compressed = false;
  let routeCode = -1;
  if (type !== MessageType.Response) {
    if ((flag & FLAG_ROUTE_COMPRESSED) !== 0) {
      if (end - offset < 2) {
        throw protocolError(ProtocolErrorCode.TruncatedRouteCode, 'compressed route code is cut short');
      }
      routeCode = ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
      offset += 2;
      const resolved = options?.dictionary?.route(routeCode);
      if (resolved === undefined) {
        throw protocolError(ProtocolErrorCode.UnknownRouteCode, `unknown route code ${routeCode}`);
      }
      route = resolved;
      compressed = true;
    } else {
      if (offset >= end) throw protocolError(ProtocolErrorCode.MissingRoute, 'message ends before its route');
      const length = bytes[offset++] as number;
      if (offset + length > end) {
        throw protocolError(ProtocolErrorCode.RouteOverrun, `route length ${length} runs past the end of the message`);
      }
      route = length === 0 ? '' : decodeUtf8(bytes, offset, offset + length);
      offset += length;
    }
  }
  return {
    type: type as MessageType,
    id,
    route,
    body: offset === end ? EMPTY : bytes.subarray(offset, end),
    compressed,
    routeCode,
    gzip: (flag & FLAG_GZIP) !== 0,
    error: (flag & FLAG_ERROR) !== 0,
  };
}
