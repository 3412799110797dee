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
import {
  FLAG_ERROR,
  FLAG_GZIP,
  FLAG_ROUTE_COMPRESSED,
  MAX_PACKET_BODY_LENGTH,
  MAX_ROUTE_LENGTH,
  PACKET_HEADER_LENGTH,
  PacketType,
} from './constants.js';
import { ProtocolErrorCode, protocolError } from './errors.js';
import {
  checkBody,
  encodeDataPacket,
  encodeMessage,
  type MessageEncodeOptions,
  type MessageInit,
  routeTooLong,
} from './message.js';
import { checkEncodeLength, encodePacket, isPacketType, writePacketHeader } from './packet.js';
import type { RouteDictionary } from './route-dictionary.js';
import { utf8Length, writeUtf8 } from './utf8.js';
import { varintLength, writeVarint } from './varint.js';

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
  /**
   * The last route looked up in {@link PacketWriter.dictionary}, and its code: a connection sends the same few routes
   * over and over, and the dictionary's table, one per connection, is out of the cache by the next message when a
   * program runs thousands of connections.
   */
  private lastRoute = '';
  private lastCode: number | undefined = undefined;
  private lastDictionary: RouteDictionary | undefined = undefined;

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
    if (!isPacketType(type) || (body !== undefined && !(body instanceof Uint8Array))) {
      return encodePacket(type, body); // throws the right error
    }
    const length = body === undefined ? 0 : body.length;
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
    // The checks of `messageHead`, inlined: this is the per-message hot path (property tests keep both in step).
    if (typeof msg !== 'object' || msg === null) return this.fallback(msg, header); // throws
    const type = msg.type;
    if (type !== 0 && type !== 1 && type !== 2 && type !== 3) return this.fallback(msg, header); // throws
    let flag = type << 1;
    if (msg.gzip === true) flag |= FLAG_GZIP;
    if (msg.error === true) flag |= FLAG_ERROR;
    let id = 0;
    let idLength = 0;
    if (type === 0 || type === 2) {
      id = msg.id ?? -1;
      idLength = id >= 0 && id < 128 && Math.floor(id) === id ? 1 : varintLength(id);
    }
    let route = '';
    let code = -1;
    let routeBound = 0;
    if (type !== 2) {
      route = msg.route as string;
      if (typeof route !== 'string') return this.fallback(msg, header); // throws
      const dictionary = this.dictionary;
      let c: number | undefined;
      if (dictionary === undefined) c = undefined;
      else if (route === this.lastRoute && dictionary === this.lastDictionary) c = this.lastCode;
      else {
        c = this.lastCode = dictionary.code(route);
        this.lastRoute = route;
        this.lastDictionary = dictionary;
      }
      if (c !== undefined) {
        flag |= FLAG_ROUTE_COMPRESSED;
        code = c;
        routeBound = 2;
      } else {
        if (route.length > MAX_ROUTE_LENGTH) throw routeTooLong(utf8Length(route));
        routeBound = 1 + 3 * route.length;
      }
    }
    const body = checkBody(msg.body);
    // Lower bound (one byte per UTF-16 unit) checked before allocating; the exact size is checked after writing.
    const max = this.maxBodyLength;
    const routeMin = code >= 0 ? 2 : type !== 2 ? 1 + route.length : 0;
    if (1 + idLength + routeMin + body.length > max) checkEncodeLength(1 + idLength + routeMin + body.length, max);
    // Upper bound: at most 3 UTF-8 bytes per UTF-16 unit.
    const bound = header + 1 + idLength + routeBound + (typeof body === 'string' ? 3 * body.length : body.length);
    if (bound > this.largeSize) return this.fallback(msg, header);
    const dest = this.reserve(bound);
    const base = this.used;
    let p = base + header;
    dest[p++] = flag;
    if (idLength === 1) dest[p++] = id;
    else if (idLength > 1) p = writeVarint(id, dest, p);
    if (code >= 0) {
      dest[p++] = code >>> 8;
      dest[p++] = code & 0xff;
    } else if (type !== 2) {
      const n = writeUtf8(route, dest, p + 1);
      if (n > MAX_ROUTE_LENGTH) throw routeTooLong(n);
      dest[p] = n;
      p += 1 + n;
    }
    if (typeof body === 'string') {
      p += writeUtf8(body, dest, p);
    } else if (body.length > 0) {
      dest.set(body, p);
      p += body.length;
    }
    const size = p - base - header;
    if (size > max) checkEncodeLength(size, max);
    if (header > 0) writePacketHeader(dest, base, PacketType.Data, size);
    this.used = p;
    return dest.subarray(base, p);
  }

  /** The plain encoders: large messages, and the error paths. */
  private fallback(msg: MessageInit, header: number): Uint8Array {
    const options: MessageEncodeOptions = { dictionary: this.dictionary, maxBodyLength: this.maxBodyLength };
    return header > 0 ? encodeDataPacket(msg, options) : encodeMessage(msg, options);
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
