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
import { gunzipSync, unzlibSync } from 'fflate';

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

/**
 * Inflates a zlib (pitaya) or gzip body. fflate checks neither trailer, so this does: the Adler-32 of a zlib body, the
 * CRC-32 and length of a gzip body must match what was inflated, else truncated or corrupt data (or a gzip length
 * that fflate trusts to size its output) could pass as a shorter body. A gzip body announcing more than the
 * protocol's largest packet body (16 MiB) is refused before anything is allocated.
 * @throws {Error} on bad data (the client reports it as `ERR_COMPRESSED_HANDSHAKE` / `ERR_COMPRESSED_MESSAGE`, with
 *   this error as `cause`).
 */
export function inflate(bytes: Uint8Array, format: CompressionFormat): Uint8Array {
  const n = bytes.length;
  if (format === 'zlib') {
    const out = unzlibSync(bytes);
    if (n < 6 || adler32(out) !== uint32(bytes, n - 4, false)) throw new Error('invalid zlib data: bad Adler-32');
    return out;
  }
  const size = n < 18 ? -1 : uint32(bytes, n - 4, true);
  if (size > MAX_PACKET_BODY_LENGTH) throw new RangeError(`gzip body of ${size} bytes: over 16 MiB`);
  const out = gunzipSync(bytes);
  if (out.length !== size || crc32(out) !== uint32(bytes, n - 8, true))
    throw new Error('invalid gzip data: bad CRC-32');
  return out;
}
