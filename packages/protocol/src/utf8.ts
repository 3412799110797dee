/**
 * UTF-8 that works everywhere: `TextEncoder`/`TextDecoder` where the runtime has them, and a built-in codec where
 * it does not (WeChat devices, Cocos 2.x native, older React Native). Astral characters (emoji) are encoded as
 * 4-byte sequences, never as CESU-8 surrogate halves (the bug of nano's JS client).
 *
 * Decoding is strict: malformed input throws `ProtocolError` `ERR_INVALID_UTF8` rather than yielding U+FFFD.
 * @packageDocumentation
 */
import { ProtocolErrorCode, protocolError } from './errors.js';

/** A UTF-8 codec. Pass one to serializers or the client to override the default. */
export interface Utf8Codec {
  /** UTF-8 bytes of `text`. Lone surrogates become U+FFFD (as `TextEncoder` does). */
  encode(text: string): Uint8Array;
  /**
   * The text of `bytes`.
   * @throws {ProtocolError} `ERR_INVALID_UTF8` on malformed input.
   */
  decode(bytes: Uint8Array): string;
}

interface NativeEncoder {
  encode(text: string): Uint8Array;
  encodeInto(text: string, dest: Uint8Array): { read: number; written: number };
}
interface NativeDecoder {
  decode(bytes: Uint8Array): string;
}

// The protocol package compiles with `"types": []` and an ES-only lib so that no host API leaks in; these two are
// feature-detected at run time, so they are declared here rather than taken from the DOM lib.
declare const TextEncoder: { new (): unknown } | undefined;
declare const TextDecoder:
  | { new (label: string, options: { fatal: boolean; ignoreBOM: boolean }): unknown }
  | undefined;

/** Strings shorter than this are encoded by the JS loop, which beats the native call for them. */
const NATIVE_ENCODE_MIN_CHARS = 48;
/** Byte runs longer than this are decoded by the native decoder; shorter ones by the JS code. */
const SHORT_DECODE_MAX_BYTES = 32;

function createNativeEncoder(): NativeEncoder | undefined {
  try {
    return typeof TextEncoder === 'function' ? (new TextEncoder() as NativeEncoder) : undefined;
  } catch {
    return undefined;
  }
}
function createNativeDecoder(): NativeDecoder | undefined {
  try {
    return typeof TextDecoder === 'function'
      ? (new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }) as NativeDecoder)
      : undefined;
  } catch {
    return undefined;
  }
}

// Stateless, immutable feature-detected helpers (a `TextEncoder` holds no state). Guarded, so importing this module
// on a runtime without them is harmless.
const nativeEncoder: NativeEncoder | undefined = /*#__PURE__*/ createNativeEncoder();
const nativeDecoder: NativeDecoder | undefined = /*#__PURE__*/ createNativeDecoder();

/** Number of bytes the UTF-8 encoding of `text` takes (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  const n = text.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        // A pair: 2 UTF-16 units become 4 bytes.
        bytes += 2;
        i++;
      } else {
        bytes += 2;
      }
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/** Writes `text` as UTF-8 into `dest` at `offset` with the JS loop; returns the number of bytes written. */
function writeUtf8Js(text: string, dest: Uint8Array, offset: number): number {
  let p = offset;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      dest[p++] = c;
    } else if (c < 0x800) {
      dest[p++] = 0xc0 | (c >> 6);
      dest[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          dest[p++] = 0xf0 | (c >> 18);
          dest[p++] = 0x80 | ((c >> 12) & 0x3f);
          dest[p++] = 0x80 | ((c >> 6) & 0x3f);
          dest[p++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd; // lone surrogate
      }
      dest[p++] = 0xe0 | (c >> 12);
      dest[p++] = 0x80 | ((c >> 6) & 0x3f);
      dest[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - offset;
}

/**
 * Writes `text` as UTF-8 into `dest` at `offset`; returns the number of bytes written. The caller must have sized
 * `dest` with {@link utf8Length}.
 */
export function writeUtf8(text: string, dest: Uint8Array, offset: number): number {
  if (nativeEncoder !== undefined && text.length >= NATIVE_ENCODE_MIN_CHARS) {
    return nativeEncoder.encodeInto(text, offset === 0 ? dest : dest.subarray(offset)).written;
  }
  return writeUtf8Js(text, dest, offset);
}

/** UTF-8 bytes of `text` (lone surrogates become U+FFFD). */
export function encodeUtf8(text: string): Uint8Array {
  if (nativeEncoder !== undefined && text.length >= NATIVE_ENCODE_MIN_CHARS) {
    return nativeEncoder.encode(text);
  }
  const out = new Uint8Array(utf8Length(text));
  writeUtf8Js(text, out, 0);
  return out;
}

function invalidUtf8(at: number): never {
  throw protocolError(ProtocolErrorCode.InvalidUtf8, `invalid UTF-8 sequence at byte ${at}`);
}

/** Strict JS UTF-8 decoder (rejects overlongs, surrogates, code points above U+10FFFF and truncation). */
function decodeUtf8Js(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  const units: number[] = [];
  let i = start;
  while (i < end) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      units.push(b);
      i++;
    } else if (b >= 0xc2 && b <= 0xdf) {
      if (i + 1 >= end) invalidUtf8(i);
      const b1 = bytes[i + 1] as number;
      if ((b1 & 0xc0) !== 0x80) invalidUtf8(i);
      units.push(((b & 0x1f) << 6) | (b1 & 0x3f));
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      if (i + 2 >= end) invalidUtf8(i);
      const b1 = bytes[i + 1] as number;
      const b2 = bytes[i + 2] as number;
      if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80) invalidUtf8(i);
      if (b === 0xe0 && b1 < 0xa0) invalidUtf8(i); // overlong
      if (b === 0xed && b1 >= 0xa0) invalidUtf8(i); // surrogate (CESU-8)
      units.push(((b & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f));
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (i + 3 >= end) invalidUtf8(i);
      const b1 = bytes[i + 1] as number;
      const b2 = bytes[i + 2] as number;
      const b3 = bytes[i + 3] as number;
      if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) invalidUtf8(i);
      if (b === 0xf0 && b1 < 0x90) invalidUtf8(i); // overlong
      if (b === 0xf4 && b1 >= 0x90) invalidUtf8(i); // above U+10FFFF
      const cp = (((b & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f)) - 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      i += 4;
    } else {
      invalidUtf8(i);
    }
    if (units.length >= 4096) {
      out += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return units.length > 0 ? out + String.fromCharCode.apply(null, units) : out;
}

/**
 * Short ASCII runs (routes) as `String.fromCharCode` calls with explicit arguments: no temporary array or view,
 * several times faster than `apply` or a native decoder call for a handful of bytes. `n` is 1…16.
 */
function asciiUpTo16(b: Uint8Array, o: number, n: number): string {
  const f = String.fromCharCode;
  switch (n) {
    case 1:
      return f(b[o] as number);
    case 2:
      return f(b[o] as number, b[o + 1] as number);
    case 3:
      return f(b[o] as number, b[o + 1] as number, b[o + 2] as number);
    case 4:
      return f(b[o] as number, b[o + 1] as number, b[o + 2] as number, b[o + 3] as number);
    case 5:
      return f(b[o] as number, b[o + 1] as number, b[o + 2] as number, b[o + 3] as number, b[o + 4] as number);
    case 6:
      return f(
        b[o] as number,
        b[o + 1] as number,
        b[o + 2] as number,
        b[o + 3] as number,
        b[o + 4] as number,
        b[o + 5] as number,
      );
    case 7:
      return f(
        b[o] as number,
        b[o + 1] as number,
        b[o + 2] as number,
        b[o + 3] as number,
        b[o + 4] as number,
        b[o + 5] as number,
        b[o + 6] as number,
      );
    case 8:
      return f(
        b[o] as number,
        b[o + 1] as number,
        b[o + 2] as number,
        b[o + 3] as number,
        b[o + 4] as number,
        b[o + 5] as number,
        b[o + 6] as number,
        b[o + 7] as number,
      );
    default:
      return asciiUpTo16(b, o, 8) + asciiUpTo16(b, o + 8, n - 8);
  }
}

/**
 * Decodes `bytes[start, end)` as UTF-8.
 * @throws {ProtocolError} `ERR_INVALID_UTF8` on malformed input.
 */
export function decodeUtf8(bytes: Uint8Array, start = 0, end: number = bytes.length): string {
  const len = end - start;
  if (len <= SHORT_DECODE_MAX_BYTES) {
    if (len <= 0) return '';
    for (let i = start; i < end; i++) {
      if ((bytes[i] as number) >= 0x80) return decodeUtf8Js(bytes, start, end);
    }
    return len <= 16
      ? asciiUpTo16(bytes, start, len)
      : asciiUpTo16(bytes, start, 16) + asciiUpTo16(bytes, start + 16, len - 16);
  }
  if (nativeDecoder !== undefined) {
    try {
      return nativeDecoder.decode(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
    } catch (cause) {
      throw protocolError(ProtocolErrorCode.InvalidUtf8, 'invalid UTF-8 sequence', cause);
    }
  }
  if (len <= 4096) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if ((bytes[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return decodeUtf8Js(bytes, start, end);
}

/**
 * @internal Writes `text` at `offset` if it is pure ASCII and `dest` has `text.length` bytes there; returns false
 * (having written an unspecified prefix) as soon as a non-ASCII character appears. Lets encoders size a buffer
 * exactly for the common ASCII case without a separate length pass.
 */
export function tryWriteAscii(text: string, dest: Uint8Array, offset: number): boolean {
  const n = text.length;
  if (nativeEncoder !== undefined && n >= NATIVE_ENCODE_MIN_CHARS) {
    const r = nativeEncoder.encodeInto(text, dest.subarray(offset, offset + n));
    return r.read === n && r.written === n;
  }
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return false;
    dest[offset + i] = c;
  }
  return true;
}

/** @internal True when the fast native encoder is used for strings of this length. */
export function usesNativeEncoder(length: number): boolean {
  return nativeEncoder !== undefined && length >= NATIVE_ENCODE_MIN_CHARS;
}

/** The default codec: native `TextEncoder`/`TextDecoder` where present, else the built-in JS codec. */
export const utf8: Utf8Codec = {
  encode: encodeUtf8,
  decode: (bytes) => decodeUtf8(bytes),
};

/**
 * The built-in JS codec alone, never touching `TextEncoder`/`TextDecoder`. Behaves exactly like {@link utf8};
 * useful to test what runtimes without them will do.
 */
export const jsUtf8: Utf8Codec = {
  encode(text) {
    const out = new Uint8Array(utf8Length(text));
    writeUtf8Js(text, out, 0);
    return out;
  },
  decode: (bytes) => decodeUtf8Js(bytes, 0, bytes.length),
};
