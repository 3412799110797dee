/**
 * `@nanokit/client/inflate`: a synchronous zlib and gzip inflater for browsers and mini-games (fflate), to pass as
 * the client's `inflate` option when the server compresses (pitaya does by default). It lives on its own entry so
 * that the main bundle does not carry it; the Node entry needs none (it uses `node:zlib`).
 * @example
 * import { NanoClient } from '@nanokit/client';
 * import { inflate } from '@nanokit/client/inflate';
 * const client = new NanoClient({ url: 'wss://game.example.com/ws', inflate });
 * @packageDocumentation
 */
import { type CompressionFormat, MAX_PACKET_BODY_LENGTH } from '@nanokit/protocol';
import { Gunzip, Unzlib } from 'fflate';

/** The 32-bit number at `bytes[at, at + 4)`, little-endian (gzip) or big-endian (zlib). */
function uint32(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  let value = 0;
  for (let i = 0; i < 4; i++) value = value * 256 + (bytes[littleEndian ? at + 3 - i : at + i] as number);
  return value;
}

/** Adler-32 of `bytes` (RFC 1950), the checksum that ends a zlib stream. */
function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; ) {
    // 5552 bytes at most between reductions keep `b` exact (zlib's NMAX).
    for (const end = Math.min(i + 5552, bytes.length); i < end; i++) b += a += bytes[i] as number;
    a %= 65521;
    b %= 65521;
  }
  return b * 65536 + a;
}

/** CRC-32 of `bytes` (RFC 1952), the checksum before a gzip stream's length. */
function crc32(bytes: Uint8Array): number {
  // Built per call (2,048 steps, nothing next to inflating) rather than kept in module state.
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) crc = (table[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** Input bytes per step: a step inflates to at most ~1,032 times this (deflate's best ratio), so ~4 MiB. */
const STEP = 4096;

/**
 * `bytes` inflated by fflate's streaming inflater, a step at a time, refusing more than the protocol's largest packet
 * body (16 MiB) as soon as the output passes it: a small compressed body cannot make the page allocate gigabytes.
 */
function inflateCapped(bytes: Uint8Array, format: CompressionFormat, members: number[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  const stream = format === 'gzip' ? new Gunzip() : new Unzlib();
  // Where each gzip member after the first starts: its input offset, and the output length before it.
  if (stream instanceof Gunzip) stream.onmember = (offset) => void members.push(offset, length);
  stream.ondata = (part) => {
    length += part.length;
    if (length > MAX_PACKET_BODY_LENGTH) throw new RangeError(`${format} body inflates to over 16 MiB`);
    parts.push(part);
  };
  let at = 0;
  do stream.push(bytes.subarray(at, at + STEP), at + STEP >= bytes.length);
  while ((at += STEP) < bytes.length);
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Inflates a zlib (pitaya) or gzip body, at most 16 MiB of output (the protocol's largest packet body). fflate checks
 * neither trailer, so this does: the Adler-32 of a zlib body, the CRC-32 and length of a gzip body must match what was
 * inflated (each member's, when gzip members are concatenated), else truncated or corrupt data could pass as a shorter
 * body.
 * @throws {Error} on bad data, `RangeError` over 16 MiB (the client reports either as `ERR_COMPRESSED_HANDSHAKE` /
 *   `ERR_COMPRESSED_MESSAGE`, with this error as `cause`).
 */
export function inflate(bytes: Uint8Array, format: CompressionFormat): Uint8Array {
  const n = bytes.length;
  const members: number[] = [];
  const out = inflateCapped(bytes, format, members);
  if (format === 'zlib') {
    if (n < 6 || adler32(out) !== uint32(bytes, n - 4, false)) throw new Error('invalid zlib data: bad Adler-32');
    return out;
  }
  // Concatenated gzip members are one body (RFC 1952; node:zlib and Go read them so): each has its own trailer.
  members.push(n, out.length);
  for (let i = 0, at = 0, from = 0; i < members.length; i += 2) {
    const end = members[i] as number;
    const to = members[i + 1] as number;
    if (
      end - at < 18 ||
      to - from !== uint32(bytes, end - 4, true) ||
      crc32(out.subarray(from, to)) !== uint32(bytes, end - 8, true)
    ) {
      throw new Error('invalid gzip data: bad CRC-32 or length');
    }
    at = end;
    from = to;
  }
  return out;
}
