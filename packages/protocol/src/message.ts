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
 * flag: bit 0 route compressed · bits 1–3 type · bit 4 compressed payload (pitaya: zlib) · bit 5 error (pitaya)
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
import { checkBytes, fail } from './errors.js';
import { isPlainObject } from './json.js';
import { checkEncodeLength, EMPTY, writePacketHeader } from './packet.js';
import type { RouteDictionary } from './route-dictionary.js';
import { decodeUtf8Range, encodeUtf8, utf8Length, writeUtf8 } from './utf8.js';
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
  /**
   * Flag bit 0x10: the payload is compressed (pitaya: zlib; the field keeps pinus-protocol's name). The body is left as
   * received: see `inflateBody`.
   */
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

/** @internal Throws the error for a route of `length` UTF-8 bytes. */
export function routeTooLong(length: number): never {
  return fail('ERR_ROUTE_TOO_LONG', `route: ${length} > ${MAX_ROUTE_LENGTH} bytes`);
}

/** @internal Checks the payload type; returns it as bytes or a string. */
export function checkBody(body: unknown): Uint8Array | string {
  if (body == null) return EMPTY;
  if (typeof body !== 'string') checkBytes(body, 'body');
  return body as Uint8Array | string;
}

/**
 * Encodes a message, with a packet header in front when `header` is 4 (0 for the bare message), into one exactly
 * sized result. Text is encoded once (`TextEncoder` for long strings, the JS loop for short ones) and copied.
 * The hot path of many small messages is {@link PacketWriter}; this one stays small for the browser client.
 */
function encode(
  msg: MessageInit,
  { dictionary, maxBodyLength }: MessageEncodeOptions = {},
  header: number,
): Uint8Array {
  if (!isPlainObject(msg)) fail('ERR_INVALID_ARGUMENT', 'message');
  const type = msg.type;
  // `& 3` keeps 0–3 as they are and changes anything else (non-integers, strings, NaN, out of range).
  if ((type & 3) !== type) fail('ERR_UNKNOWN_MESSAGE_TYPE', `type ${type}`);
  let flag = (type << 1) | (msg.gzip === true ? FLAG_GZIP : 0) | (msg.error === true ? FLAG_ERROR : 0);
  const id = msg.id as number;
  // Request (0) and Response (2) carry an id; Notify (1) and Push (3) do not.
  const idLength = type & 1 ? 0 : varintLength(id);
  const route = msg.route as string;
  let code: number | undefined;
  let routeLength = -1; // UTF-8 bytes of a text route; -1 for none
  if (type !== MessageType.Response) {
    if (typeof route !== 'string') fail('ERR_INVALID_ROUTE', 'route');
    code = dictionary === undefined ? undefined : dictionary.code(route);
    if (code !== undefined) flag |= FLAG_ROUTE_COMPRESSED;
    else if ((routeLength = utf8Length(route)) > MAX_ROUTE_LENGTH) routeTooLong(routeLength);
  }
  const raw = checkBody(msg.body);
  // Long text is encoded once (natively, where the runtime can) and copied; shorter text is measured and written in
  // place. (The many-small-messages hot path is PacketWriter; this one stays small for the browser client.)
  const body = typeof raw === 'string' && raw.length > 255 ? encodeUtf8(raw) : raw;
  const bodyLength = typeof body === 'string' ? utf8Length(body) : body.length;
  const size = 1 + idLength + (code !== undefined ? 2 : routeLength + 1) + bodyLength;
  checkEncodeLength(size, maxBodyLength);
  const out = new Uint8Array(header + size);
  if (header > 0) writePacketHeader(out, 0, PacketType.Data, size);
  let p = header;
  out[p++] = flag;
  if (idLength > 0) p = writeVarint(id, out, p);
  if (code !== undefined) {
    out[p++] = code >>> 8;
    out[p++] = code; // a Uint8Array keeps the low byte
  } else if (routeLength >= 0) {
    out[p++] = routeLength;
    p += writeUtf8(route, out, p);
  }
  if (typeof body === 'string') writeUtf8(body, out, p);
  else out.set(body, p);
  return out;
}

/**
 * Encodes a message (the body of a Data packet) in one allocation, byte-compatible with nano's Go encoder, minus
 * its bugs: a route over 255 bytes is an error instead of a silent wrap, and a Response never gets a route code.
 *
 * @throws {ProtocolError} `ERR_UNKNOWN_MESSAGE_TYPE`, `ERR_INVALID_MESSAGE_ID`, `ERR_INVALID_ROUTE`,
 *   `ERR_ROUTE_TOO_LONG`, `ERR_PACKET_TOO_LARGE`, `ERR_INVALID_ARGUMENT` (`msg` not an object, body neither bytes
 *   nor a string).
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
export function decodeMessage(bytes: Uint8Array, { dictionary }: MessageDecodeOptions = {}): Message {
  return readMessage(bytes, dictionary, decodeUtf8Range);
}

/**
 * @internal {@link decodeMessage}, reading an uncompressed route with `readRoute` (`decodeUtf8Range`, or the cache of
 * a {@link MessageReader}).
 */
export function readMessage(
  bytes: Uint8Array,
  dictionary: RouteDictionary | undefined,
  readRoute: (bytes: Uint8Array, start: number, end: number) => string,
): Message {
  checkBytes(bytes, 'message');
  const end = bytes.length;
  if (end === 0) fail('ERR_EMPTY_MESSAGE', 'no flag');
  const flag = bytes[0] as number;
  const type = (flag >> 1) & 0x07;
  if (type > 3) fail('ERR_UNKNOWN_MESSAGE_TYPE', `type ${type}`);
  let offset = 1;
  let id = 0;
  if (!(type & 1)) {
    // Request (0) and Response (2) carry an id: LEB128, least-significant group first (readVarint, inlined: this is
    // the hot path).
    let scale = 1;
    for (;;) {
      if (offset >= end) fail('ERR_TRUNCATED_VARINT', 'id');
      const b = bytes[offset++] as number;
      id += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 128;
    }
    if (!(id <= MAX_MESSAGE_ID)) fail('ERR_INVALID_MESSAGE_ID', 'id > 2^53-1');
  }
  let route = '';
  let routeCode = -1;
  if (type !== MessageType.Response) {
    if (flag & FLAG_ROUTE_COMPRESSED) {
      if (end - offset < 2) fail('ERR_TRUNCATED_ROUTE_CODE', 'route code');
      routeCode = ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
      offset += 2;
      const resolved = dictionary === undefined ? undefined : dictionary.route(routeCode);
      if (resolved === undefined) return fail('ERR_UNKNOWN_ROUTE_CODE', `route code ${routeCode}`);
      route = resolved;
    } else {
      if (offset >= end) fail('ERR_MISSING_ROUTE', 'route');
      const length = bytes[offset++] as number;
      if (offset + length > end) fail('ERR_ROUTE_OVERRUN', `route length ${length}`);
      route = readRoute(bytes, offset, (offset += length));
    }
  }
  return {
    type: type as MessageType,
    id,
    route,
    body: offset === end ? EMPTY : bytes.subarray(offset, end),
    compressed: routeCode >= 0,
    routeCode,
    gzip: (flag & FLAG_GZIP) !== 0,
    error: (flag & FLAG_ERROR) !== 0,
  };
}
