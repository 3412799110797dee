/**
 * A per-connection encoder that carves packets out of pooled slabs.
 *
 * V8 allocates a typed array of more than 64 bytes with its own off-heap backing store, which costs several hundred
 * nanoseconds: more than encoding a typical message. A `PacketWriter` allocates one slab (16 KiB by default) and
 * hands out consecutive views of it, so encoding a small packet costs one view instead of one backing store. Slab
 * regions are never reused: a returned packet stays valid forever (it merely keeps its slab alive, like the pooled
 * allocations of Node's byte buffers). Large packets get their own exactly sized allocation.
 * @see docs/protocol.md#encoding-fast
 * @packageDocumentation
 */
import { MAX_PACKET_BODY_LENGTH, MAX_ROUTE_LENGTH, PACKET_HEADER_LENGTH, PacketType } from './constants.js';
import { ProtocolErrorCode, protocolError } from './errors.js';
import {
  checkBody,
  encodeDataPacket,
  encodeMessage,
  type MessageEncodeOptions,
  type MessageInit,
  messageHead,
  routeTooLong,
  writeMessageHead,
} from './message.js';
import { checkEncodeLength, encodePacket, isPacketType, writePacketHeader } from './packet.js';
import type { RouteDictionary } from './route-dictionary.js';
import { writeUtf8 } from './utf8.js';

/** Options of {@link PacketWriter}. */
export interface PacketWriterOptions {
  /** Routes found here are sent as 2-byte codes. Can be replaced later through {@link PacketWriter.dictionary}. */
  dictionary?: RouteDictionary | undefined;
  /**
   * Inclusive limit on a packet body; checked before anything is allocated.
   * @default 16777215
   */
  maxBodyLength?: number | undefined;
  /**
   * Size in bytes of each slab. Packets whose worst-case size exceeds a quarter of it get their own allocation.
   * @default 16384
   */
  slabSize?: number | undefined;
}

/**
 * Encodes packets and messages, byte-identical to {@link encodePacket}, {@link encodeDataPacket} and
 * {@link encodeMessage}, but several times faster for small packets. Use one per connection (it is not shared
 * state: nothing is module-level).
 *
 * The results are views (`byteOffset` may be non-zero) into a slab shared with other packets from the same writer.
 * They stay valid and unchanged forever; a transport that needs a standalone `ArrayBuffer` (WeChat
 * `SocketTask.send`) must copy with `bytes.slice().buffer`.
 *
 * @example
 * const writer = new PacketWriter({ dictionary });
 * socket.send(writer.encodeDataPacket({ type: MessageType.Request, id: 1, route: 'Room.Join', body: '{}' }));
 */
export class PacketWriter {
  /** Routes found here are sent as 2-byte codes; set it when a handshake brings a new dictionary. */
  dictionary: RouteDictionary | undefined;
  /** The inclusive body-length limit in force. */
  readonly maxBodyLength: number;
  /** The slab size in bytes. */
  readonly slabSize: number;
  private readonly largeSize: number;
  private slab: Uint8Array | null = null;
  private used = 0;

  constructor(options?: PacketWriterOptions) {
    this.dictionary = options?.dictionary;
    this.maxBodyLength = Math.min(options?.maxBodyLength ?? MAX_PACKET_BODY_LENGTH, MAX_PACKET_BODY_LENGTH);
    const slabSize = options?.slabSize ?? 16384;
    if (!(slabSize >= 64 && slabSize <= 1 << 30) || Math.floor(slabSize) !== slabSize) {
      throw protocolError(ProtocolErrorCode.InvalidArgument, `slabSize must be an integer in 64…2^30, got ${slabSize}`);
    }
    this.slabSize = slabSize;
    this.largeSize = slabSize >>> 2;
  }

  /**
   * Encodes one packet, as {@link encodePacket}.
   * @throws {ProtocolError} `ERR_UNKNOWN_PACKET_TYPE`, `ERR_PACKET_TOO_LARGE`, `ERR_INVALID_ARGUMENT`.
   */
  encodePacket(type: PacketType, body?: Uint8Array): Uint8Array {
    const length = body === undefined ? 0 : body.length;
    if (!isPacketType(type) || (body !== undefined && !(body instanceof Uint8Array))) {
      return encodePacket(type, body); // throws the right error
    }
    checkEncodeLength(length, this.maxBodyLength);
    const size = PACKET_HEADER_LENGTH + length;
    if (size > this.largeSize) return encodePacket(type, body, { maxBodyLength: this.maxBodyLength });
    const dest = this.reserve(size);
    const base = this.used;
    writePacketHeader(dest, base, type, length);
    if (body !== undefined && length > 0) dest.set(body, base + PACKET_HEADER_LENGTH);
    return this.commit(dest, base, base + size);
  }

  /**
   * Encodes a message as a whole Data packet, as {@link encodeDataPacket}, with {@link PacketWriter.dictionary}.
   * @throws {ProtocolError} as {@link encodeMessage}.
   */
  encodeDataPacket(msg: MessageInit): Uint8Array {
    return this.encode(msg, PACKET_HEADER_LENGTH);
  }

  /**
   * Encodes a bare message (no packet header), as {@link encodeMessage}, with {@link PacketWriter.dictionary}.
   * @throws {ProtocolError} as {@link encodeMessage}.
   */
  encodeMessage(msg: MessageInit): Uint8Array {
    return this.encode(msg, 0);
  }

  private encode(msg: MessageInit, header: number): Uint8Array {
    const h = messageHead(msg, this.dictionary);
    const body = checkBody(msg.body);
    const routeChars = h.routeCode >= 0 ? 2 : h.hasRoute ? 1 + h.route.length : 0;
    // Lower bound (one byte per UTF-16 unit) checked before allocating; the exact size is checked after writing.
    checkEncodeLength(1 + h.idLength + routeChars + body.length, this.maxBodyLength);
    // Upper bound: at most 3 UTF-8 bytes per UTF-16 unit.
    const bound =
      header +
      1 +
      h.idLength +
      (h.routeCode >= 0 ? 2 : h.hasRoute ? 1 + 3 * h.route.length : 0) +
      (typeof body === 'string' ? 3 * body.length : body.length);
    if (bound > this.largeSize) {
      const options: MessageEncodeOptions = { dictionary: this.dictionary, maxBodyLength: this.maxBodyLength };
      return header > 0 ? encodeDataPacket(msg, options) : encodeMessage(msg, options);
    }
    const dest = this.reserve(bound);
    const base = this.used;
    const routeAt = base + header + 1 + h.idLength;
    let p = writeMessageHead(h, dest, base + header);
    if (h.hasRoute && h.routeCode < 0 && p - routeAt - 1 > MAX_ROUTE_LENGTH) throw routeTooLong(p - routeAt - 1);
    if (typeof body === 'string') {
      p += writeUtf8(body, dest, p);
    } else if (body.length > 0) {
      dest.set(body, p);
      p += body.length;
    }
    const size = p - base - header;
    checkEncodeLength(size, this.maxBodyLength);
    if (header > 0) writePacketHeader(dest, base, PacketType.Data, size);
    return this.commit(dest, base, p);
  }

  /** A slab with at least `size` free bytes after `this.used`. */
  private reserve(size: number): Uint8Array {
    const slab = this.slab;
    if (slab !== null && slab.length - this.used >= size) return slab;
    const fresh = new Uint8Array(this.slabSize);
    this.slab = fresh;
    this.used = 0;
    return fresh;
  }

  private commit(dest: Uint8Array, start: number, end: number): Uint8Array {
    this.used = end;
    return dest.subarray(start, end);
  }
}
