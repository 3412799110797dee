/**
 * Compressed bodies: which format a body is in, and inflating it with the function the caller supplies (the codec
 * itself never inflates: Node has `node:zlib`, browsers need a library, and that choice belongs to the client).
 *
 * pitaya compresses with zlib (RFC 1950, `78 9c`): the handshake reply whole and without a flag, Data bodies with flag
 * 0x10, each only when that is smaller. gzip (RFC 1952, `1f 8b`) is recognised too, as pitaya's own Go client does.
 * @see docs/protocol.md#compression
 * @packageDocumentation
 */

/** The formats a compressed body may be in. */
export type CompressionFormat = 'zlib' | 'gzip';

/**
 * Inflates `bytes`, which are in `format` (detected by {@link compressionFormat}). Throws on bad data; the caller
 * wraps what it throws in its own typed error.
 */
export type Inflate = (bytes: Uint8Array, format: CompressionFormat) => Uint8Array;

/** How compressed bodies are inflated. */
export interface InflateOptions {
  /** Inflates zlib and gzip bodies. */
  inflate?: Inflate;
  /**
   * Inflates gzip bodies only. When set, gzip bodies go to it rather than to `inflate`; zlib bodies (what pitaya
   * sends) still need `inflate`.
   * @deprecated Use `inflate`, which also handles zlib.
   */
  gunzip?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * The format of `bytes` from their first bytes: `'gzip'` for `1f 8b`; `'zlib'` for a zlib header (compression
 * method 8 with a history of at most 32 KiB, a valid check value `(b0 * 256 + b1) % 31 === 0` and no preset
 * dictionary: `78 01`, `78 5e`, `78 9c`, `78 da`…); otherwise undefined. Neither can start a JSON text.
 */
export function compressionFormat(bytes: Uint8Array): CompressionFormat | undefined {
  const b0 = bytes[0] as number;
  const b1 = bytes[1] as number;
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  // (A single byte never passes: b1 is then undefined, read as 0, and no `b0 << 8` is a multiple of 31.)
  if ((b0 & 0x8f) === 8 && !(b1 & 0x20) && ((b0 << 8) | b1) % 31 === 0) return 'zlib';
  return undefined;
}

/**
 * Inflates a body known to be compressed (a handshake reply {@link compressionFormat} recognises, a Data body with
 * flag 0x10) with the function `options` give for its format. `error(message, cause)` builds what is thrown when the
 * body is neither zlib nor gzip, when no function for its format was supplied, or when that function threw (`cause`).
 */
export function inflateBody(
  bytes: Uint8Array,
  { inflate, gunzip }: InflateOptions,
  error: (message: string, cause?: unknown) => Error,
): Uint8Array {
  const format = compressionFormat(bytes);
  const fn = format === 'gzip' && gunzip ? gunzip : inflate;
  if (!format || !fn) throw error(format ? `${format} body: pass the inflate option` : 'neither zlib nor gzip');
  try {
    return fn(bytes, format);
  } catch (cause) {
    throw error(`bad ${format} data`, cause);
  }
}
