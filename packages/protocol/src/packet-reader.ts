/**
 * Incremental packet decoder for byte streams (TCP, or WebSocket messages treated as one stream as nano does).
 * Handles any split of the stream: a packet may arrive one byte at a time, and one chunk may hold many packets.
 *
 * Unlike nano's Go decoder it never stalls on bodies of 1–3 bytes (vector V30 in docs/protocol.md), and it validates the
 * type and length as soon as the 4-byte header is complete, before any of the body is buffered.
 * @see docs/protocol.md#streams
 * @packageDocumentation
 */
import { DEFAULT_MAX_BODY_LENGTH, PACKET_HEADER_LENGTH, type PacketType } from './constants.js';
import { checkBytes, type ProtocolError } from './errors.js';
import {
  checkPacketHeader,
  EMPTY,
  type Packet,
  type PacketDecodeOptions,
  type PacketSink,
  readBodyLength,
  scanPackets,
} from './packet.js';

/** Smallest buffer for a body that spans chunks (unless the body is smaller). A header alone allocates nothing. */
const MIN_PARTIAL_CAPACITY = 1024;
/**
 * A spanning body's buffer is sized to this many times the bytes received so far: it bounds what a peer can make
 * the reader hold (8x what it sent) while keeping reallocations rare (a 60 KiB body in 1460-byte TCP segments
 * takes 2 allocations; doubling took 6 and made that case ~3x slower than one up-front allocation).
 */
const GROWTH = 8;

/**
 * A streaming packet reader: feed it chunks in arrival order, it returns the packets completed by each chunk.
 *
 * Bodies of packets that lie wholly inside one chunk are views into that chunk (no copy). Bodies that span chunks
 * are copied into a buffer that grows with the bytes actually received (to 8 times them, at least 1 KiB, never past
 * the announced length), so a header that announces 64 KiB and sends nothing more costs nothing: memory follows what
 * the peer sent, not what it claimed (nano's Go decoder grows the same way). The body handed out is exactly sized.
 *
 * After an error the reader is poisoned: every later call throws the same error (the stream position is lost;
 * close the connection).
 *
 * @example
 * const reader = new PacketReader({ maxBodyLength: 65536 });
 * socket.on('data', (chunk) => { for (const p of reader.push(chunk)) handle(p); });
 */
export class PacketReader {
  /** The inclusive body-length limit in force. */
  readonly maxBodyLength: number;
  /** A header split across chunks; allocated on the first one, so an idle reader holds no buffer. */
  private header: Uint8Array | null = null;
  private headerFill = 0;
  private type = 0;
  /** Announced length of the body being received across chunks; 0 when none is. */
  private bodyLength = 0;
  /** Its bytes so far, in a buffer of at most `bodyLength` bytes (null until the first body byte arrives). */
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  private failure: ProtocolError | null = null;

  constructor(options?: PacketDecodeOptions) {
    this.maxBodyLength = options?.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH;
  }

  /** Bytes held for a packet that is not complete yet (header and body). */
  get bufferedBytes(): number {
    return this.headerFill + this.bodyFill;
  }

  /**
   * Feeds a chunk and returns the packets it completes (possibly none).
   * @throws {ProtocolError} `ERR_UNKNOWN_PACKET_TYPE` or `ERR_PACKET_TOO_LARGE` as soon as a bad header is complete.
   *   Packets completed earlier in the same chunk are lost with the throw; use {@link PacketReader.read} to handle
   *   them before the error.
   */
  push(chunk: Uint8Array): Packet[] {
    const packets: Packet[] = [];
    this.read(chunk, (p) => {
      packets.push(p);
    });
    return packets;
  }

  /**
   * Feeds a chunk and calls `onPacket` for every packet it completes, in order. If the chunk holds a bad header,
   * every packet before it is delivered first, then the error is thrown (nano's "partial + error" behaviour).
   * If `onPacket` itself throws, the error propagates and the rest of the chunk is not read: treat the stream as lost.
   * @throws {ProtocolError} as {@link PacketReader.push}.
   */
  read(chunk: Uint8Array, onPacket: (packet: Packet) => void): void {
    this.readTo(chunk, {
      onPacket(type, body) {
        onPacket({ type, body });
      },
    });
  }

  /**
   * Like {@link PacketReader.read}, delivering to a {@link PacketSink} (no packet object per packet). Whole packets
   * are found by {@link scanPackets}; the reader only keeps what spans chunks.
   * @throws {ProtocolError} as {@link PacketReader.push}.
   */
  readTo(chunk: Uint8Array, sink: PacketSink): void {
    if (this.failure !== null) throw this.failure;
    checkBytes(chunk, 'PacketReader input'); // does not poison: nothing was consumed
    const end = chunk.length;
    let offset = 0;
    while (offset < end) {
      const bodyLength = this.bodyLength;
      if (bodyLength > 0) {
        // Continue a body that spans chunks. When this chunk brings more than its buffer holds, the buffer grows to
        // GROWTH times the bytes received (at least MIN_PARTIAL_CAPACITY, at most the announced length).
        const fill = this.bodyFill;
        const take = Math.min(bodyLength - fill, end - offset);
        let body = this.body;
        if (body === null || fill + take > body.length) {
          const grown = new Uint8Array(Math.min(bodyLength, Math.max(MIN_PARTIAL_CAPACITY, GROWTH * (fill + take))));
          if (body !== null) grown.set(body.subarray(0, fill));
          this.body = body = grown;
        }
        body.set(chunk.subarray(offset, offset + take), fill);
        this.bodyFill = fill + take;
        offset += take;
        if (this.bodyFill === bodyLength) {
          // The buffer is exactly `bodyLength` bytes now: it only ever grows to the bytes needed, capped at the length.
          this.bodyLength = 0;
          this.body = null;
          this.bodyFill = 0;
          sink.onPacket(this.type as PacketType, body);
        }
        continue;
      }
      let length: number;
      if (this.headerFill === 0) {
        offset = scanPackets(chunk, offset, this.maxBodyLength, sink);
        if (offset === end) return;
        if (end - offset < PACKET_HEADER_LENGTH) {
          this.keepHeader(chunk, offset, end);
          return;
        }
        // The scan stopped at a whole header: either it is invalid, or its body spans chunks.
        this.type = chunk[offset] as number;
        length = readBodyLength(chunk, offset);
        offset += PACKET_HEADER_LENGTH;
      } else {
        offset = this.keepHeader(chunk, offset, end);
        if (this.headerFill < PACKET_HEADER_LENGTH) return;
        const h = this.header as Uint8Array;
        this.headerFill = 0;
        this.type = h[0] as number;
        length = readBodyLength(h, 0);
      }
      try {
        checkPacketHeader(this.type, length, this.maxBodyLength);
      } catch (error) {
        this.failure = error as ProtocolError;
        throw error;
      }
      if (length === 0) {
        sink.onPacket(this.type as PacketType, EMPTY);
      } else if (end - offset >= length) {
        sink.onPacket(this.type as PacketType, chunk.subarray(offset, offset + length));
        offset += length;
      } else {
        // The body spans chunks: the loop above buffers what this chunk holds of it (nothing is allocated when the
        // chunk ended with the header).
        this.bodyLength = length;
      }
    }
  }

  /** Copies header bytes from `chunk` until the header is complete or the chunk ends; returns the new offset. */
  private keepHeader(chunk: Uint8Array, offset: number, end: number): number {
    let h = this.header;
    if (h === null) h = this.header = new Uint8Array(PACKET_HEADER_LENGTH);
    while (this.headerFill < PACKET_HEADER_LENGTH && offset < end) h[this.headerFill++] = chunk[offset++] as number;
    return offset;
  }

  /** Drops any partial packet and clears a previous error, e.g. when a connection is reused. */
  reset(): void {
    this.headerFill = 0;
    this.bodyLength = 0;
    this.body = null;
    this.bodyFill = 0;
    this.failure = null;
  }
}
