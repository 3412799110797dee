/**
 * The packet layer: a 4-byte header (type, 24-bit big-endian body length) and a body.
 *
 * ```
 * +------+------------------------+-----------------+
 * | type | body length (3 B, BE)  | body            |
 * | 1 B  | 0 … 16 777 215         | length bytes    |
 * +------+------------------------+-----------------+
 * ```
 * @see docs/protocol.md#packets
 * @packageDocumentation
 */
import { DEFAULT_MAX_BODY_LENGTH, MAX_PACKET_BODY_LENGTH, PACKET_HEADER_LENGTH, type PacketType } from './constants.js';
import { checkBytes, fail } from './errors.js';

/** A decoded packet. `body` is a view into the decoded bytes (no copy): copy it if you keep it and reuse the input. */
export interface Packet {
  type: PacketType;
  body: Uint8Array;
}

/** Options of {@link decodePackets} and {@link PacketReader}. */
export interface PacketDecodeOptions {
  /**
   * Largest body length accepted, inclusive. A header announcing more is rejected as soon as it is read.
   * @default 65536 (nano's MaxPacketSize)
   */
  maxBodyLength?: number;
}

/** Options of {@link encodePacket}. */
export interface PacketEncodeOptions {
  /**
   * Largest body length allowed, inclusive; checked before anything is allocated.
   * @default 16777215 (what the 24-bit length field can hold)
   */
  maxBodyLength?: number;
}

/** @internal The shared empty body. */
export const EMPTY = /*#__PURE__*/ new Uint8Array(0);

/**
 * @internal True for the numbers 1, 2, 3, 4 and 5 only. Strict comparisons, not a range check: 1.5 (which a
 * Uint8Array would silently store as type 1), '4', NaN, a Symbol or a BigInt are not packet types, and none of them
 * is coerced on the way (a coercion could throw a TypeError).
 */
export const isPacketType = (type: number): type is PacketType =>
  type === 1 || type === 2 || type === 3 || type === 4 || type === 5;

/** @internal Throws `ERR_UNKNOWN_PACKET_TYPE` unless `type` is an integer in 1…5. */
function checkPacketType(type: number): void {
  if (!isPacketType(type)) fail('ERR_UNKNOWN_PACKET_TYPE', `packet type ${type}`);
}

/** @internal Validates a header; throws the matching ProtocolError. */
export function checkPacketHeader(type: number, length: number, maxBodyLength: number): void {
  checkPacketType(type);
  tooLarge(length, maxBodyLength);
}

/** @internal The body length in the header at `offset` (24-bit big-endian, after the type byte). */
export function readBodyLength(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number);
}

/**
 * Receives the packets {@link scanPackets} finds: an object with a method rather than a callback, so that a
 * long-lived receiver (a connection) needs no closure.
 */
export interface PacketSink {
  /** One whole packet; `body` is a view into the scanned bytes (the shared empty array for an empty body). */
  onPacket(type: PacketType, body: Uint8Array): void;
}

/**
 * Delivers the whole packets of `bytes` from `offset` on, in place (no copy, no allocation), and returns the
 * offset where it stopped: `bytes.length` when every byte was consumed, else the start of the first packet that is
 * incomplete or whose header is invalid (unknown type, body over `maxBodyLength`). It never throws on the bytes:
 * what is left is for the caller to buffer ({@link PacketReader}) or to reject ({@link decodePackets}). This is the
 * one place that reads packet headers from a chunk.
 */
export function scanPackets(bytes: Uint8Array, offset: number, maxBodyLength: number, sink: PacketSink): number {
  const end = bytes.length;
  while (end - offset >= PACKET_HEADER_LENGTH) {
    const type = bytes[offset] as number;
    const length = readBodyLength(bytes, offset);
    if (!isPacketType(type) || length > maxBodyLength || end - offset - PACKET_HEADER_LENGTH < length) break;
    offset += PACKET_HEADER_LENGTH;
    sink.onPacket(type, length === 0 ? EMPTY : bytes.subarray(offset, (offset += length)));
  }
  return offset;
}

/** @internal Writes a packet header at `offset`. */
export function writePacketHeader(dest: Uint8Array, offset: number, type: number, length: number): void {
  dest[offset] = type;
  dest[offset + 1] = length >>> 16;
  dest[offset + 2] = length >>> 8;
  dest[offset + 3] = length; // a Uint8Array keeps the low byte
}

/** @internal Checks a body length against the encoder limits, before allocation. */
export function checkEncodeLength(length: number, maxBodyLength: number | undefined): void {
  tooLarge(
    length,
    maxBodyLength === undefined ? MAX_PACKET_BODY_LENGTH : Math.min(maxBodyLength, MAX_PACKET_BODY_LENGTH),
  );
}

function tooLarge(length: number, limit: number): void {
  if (length > limit) fail('ERR_PACKET_TOO_LARGE', `${length} > ${limit}`);
}

/**
 * Encodes one packet: header + body, in one allocation.
 *
 * @param type - packet type, an integer in 1–5.
 * @param body - the body; empty when omitted.
 * @throws {ProtocolError} `ERR_UNKNOWN_PACKET_TYPE`, `ERR_PACKET_TOO_LARGE` (body over the 24-bit maximum or
 *   `options.maxBodyLength`), `ERR_INVALID_ARGUMENT` (body not a Uint8Array).
 * @example encodePacket(PacketType.Heartbeat) // 03 00 00 00
 */
export function encodePacket(type: PacketType, body?: Uint8Array, options?: PacketEncodeOptions): Uint8Array {
  checkPacketType(type);
  if (body !== undefined) checkBytes(body, 'body');
  const length = body === undefined ? 0 : body.length;
  checkEncodeLength(length, options && options.maxBodyLength);
  const out = new Uint8Array(PACKET_HEADER_LENGTH + length);
  writePacketHeader(out, 0, type, length);
  if (length > 0) out.set(body as Uint8Array, PACKET_HEADER_LENGTH);
  return out;
}

/** The sink of {@link decodePackets}: a class, so that a call allocates one object and no closure. */
class PacketList implements PacketSink {
  readonly packets: Packet[] = [];
  onPacket(type: PacketType, body: Uint8Array): void {
    this.packets.push({ type, body });
  }
}

/**
 * Decodes every packet in `bytes`, which must hold whole packets only (one WebSocket message may carry several).
 * Always returns an array; an empty input gives `[]`. Bodies are views into `bytes`.
 *
 * @throws {ProtocolError} `ERR_UNKNOWN_PACKET_TYPE`, `ERR_PACKET_TOO_LARGE`, `ERR_TRUNCATED_PACKET`,
 *   `ERR_INVALID_ARGUMENT` (not a Uint8Array). For streams where packets may be split (TCP), use {@link PacketReader}.
 */
export function decodePackets(bytes: Uint8Array, options?: PacketDecodeOptions): Packet[] {
  checkBytes(bytes, 'packets');
  const max = options && options.maxBodyLength !== undefined ? options.maxBodyLength : DEFAULT_MAX_BODY_LENGTH;
  // The usual message, one packet exactly: no sink, and an array of one (a pushed-to `[]` reserves 17 slots).
  const end = bytes.length;
  if (end >= PACKET_HEADER_LENGTH) {
    const type = bytes[0] as number;
    const length = readBodyLength(bytes, 0);
    if (end - PACKET_HEADER_LENGTH === length && isPacketType(type) && length <= max) {
      return [{ type, body: length === 0 ? EMPTY : bytes.subarray(PACKET_HEADER_LENGTH, end) }];
    }
  }
  const list = new PacketList();
  const packets = list.packets;
  const offset = scanPackets(bytes, 0, max, list);
  return offset === bytes.length ? packets : throwPacketError(bytes, offset, max);
}

/**
 * Throws the error for the bytes that {@link scanPackets} left at `offset` of a message that must hold whole
 * packets only: a header cut short, an invalid header (unknown type, body over `maxBodyLength`), or a body cut short.
 *
 * @throws {ProtocolError} `ERR_TRUNCATED_PACKET`, `ERR_UNKNOWN_PACKET_TYPE`, `ERR_PACKET_TOO_LARGE`;
 *   `ERR_INVALID_ARGUMENT` when `bytes` is not a Uint8Array.
 * @example
 * const end = scanPackets(bytes, 0, maxBodyLength, sink);
 * if (end !== bytes.length) throwPacketError(bytes, end, maxBodyLength);
 */
export function throwPacketError(bytes: Uint8Array, offset: number, maxBodyLength: number): never {
  checkBytes(bytes, 'packets');
  if (bytes.length - offset < PACKET_HEADER_LENGTH) fail('ERR_TRUNCATED_PACKET', `header at ${offset}`);
  checkPacketHeader(bytes[offset] as number, readBodyLength(bytes, offset), maxBodyLength);
  return fail('ERR_TRUNCATED_PACKET', `body at ${offset + PACKET_HEADER_LENGTH}`);
}
