/**
 * UTF-8 that works everywhere: `TextEncoder`/`TextDecoder` where the runtime has them, and a built-in codec where
 * it does not (WeChat devices, Cocos 2.x native, older React Native). Astral characters (emoji) are encoded as
 * 4-byte sequences, never as CESU-8 surrogate halves (the bug of nano's JS client).
 *
 * Decoding is strict, with one repair: malformed input throws `ProtocolError` `ERR_INVALID_UTF8` rather than yielding
 * U+FFFD, except for surrogates written as 3-byte sequences (CESU-8), which the deployed JS clients of nano and pomelo
 * send for every emoji: a high and a low one in a row become the character they encode, a lone one U+FFFD. The repair
 * runs only once the strict decode has failed. See docs/protocol.md#utf-8.
 * @packageDocumentation
 */
import { checkBytes, fail } from './errors.js';

/** A UTF-8 codec. Pass one to serializers or the client to override the default. */
export interface Utf8Codec {
  /** UTF-8 bytes of `text`. Lone surrogates become U+FFFD (as `TextEncoder` does). */
  encode(text: string): Uint8Array;
  /**
   * The text of `bytes`; CESU-8 surrogates are repaired (a pair becomes its character, a lone one U+FFFD).
   * @throws {ProtocolError} `ERR_INVALID_UTF8` on any other malformed input.
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

// The protocol package compiles with `"types": []` and an ES-only lib so that no host API leaks in; these two may be
// missing at run time (a ReferenceError, caught below), so they are declared here rather than taken from the DOM lib.
declare const TextEncoder: new () => NativeEncoder;
declare const TextDecoder: new (label: string, options: { fatal: boolean; ignoreBOM: boolean }) => NativeDecoder;

/** Strings shorter than this are encoded by the JS loop, which beats the native call for them. */
const NATIVE_ENCODE_MIN_CHARS = 48;
/** Byte runs longer than this are decoded by the native decoder; shorter ones by the JS code. */
const SHORT_DECODE_MAX_BYTES = 32;

/** `create()`, or undefined when it throws: the API is missing (ReferenceError) or refuses the options. */
function detect<T>(create: () => T): T | undefined {
  try {
    return create();
  } catch (_) {
    return undefined;
  }
}

// Stateless, immutable feature-detected helpers (a `TextEncoder` holds no state). Guarded, so importing this module
// on a runtime without them is harmless.
const nativeEncoder = /*#__PURE__*/ detect(() => new TextEncoder());
const nativeDecoder = /*#__PURE__*/ detect(() => new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }));

/** Number of bytes the UTF-8 encoding of `text` takes (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    // A surrogate pair: 2 UTF-16 units, 4 bytes (charCodeAt past the end is NaN, and NaN & x is 0).
    if ((c & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      i++;
      bytes++;
    }
  }
  return bytes;
}

/** Writes `text` as UTF-8 into `dest` at `offset` with the JS loop; returns the number of bytes written. */
function writeUtf8Js(text: string, dest: Uint8Array, offset: number): number {
  let p = offset;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      dest[p++] = c;
      continue;
    }
    if (c < 0x800) {
      dest[p++] = 0xc0 | (c >> 6);
    } else {
      if ((c & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        // A surrogate pair: one 4-byte sequence.
        c = 0x10000 + ((c & 0x3ff) << 10) + (text.charCodeAt(++i) & 0x3ff);
        dest[p++] = 0xf0 | (c >> 18);
        dest[p++] = 0x80 | ((c >> 12) & 0x3f);
      } else {
        if ((c & 0xf800) === 0xd800) c = 0xfffd; // lone surrogate
        dest[p++] = 0xe0 | (c >> 12);
      }
      dest[p++] = 0x80 | ((c >> 6) & 0x3f);
    }
    dest[p++] = 0x80 | (c & 0x3f);
  }
  return p - offset;
}

/** UTF-8 bytes of `text` with the JS loop, in an exactly sized array. */
function encodeUtf8Js(text: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  writeUtf8Js(text, out, 0);
  return out;
}

/**
 * Writes `text` as UTF-8 into `dest` at `offset`; returns the number of bytes written. The caller must have sized
 * `dest` with {@link utf8Length}.
 */
export function writeUtf8(text: string, dest: Uint8Array, offset: number): number {
  return nativeEncoder && text.length >= NATIVE_ENCODE_MIN_CHARS
    ? nativeEncoder.encodeInto(text, offset ? dest.subarray(offset) : dest).written
    : writeUtf8Js(text, dest, offset);
}

/** UTF-8 bytes of `text` (lone surrogates become U+FFFD). */
export function encodeUtf8(text: string): Uint8Array {
  return nativeEncoder && text.length >= NATIVE_ENCODE_MIN_CHARS ? nativeEncoder.encode(text) : encodeUtf8Js(text);
}

/**
 * Strict JS UTF-8 decoder (rejects overlongs, code points above U+10FFFF and truncation), except for surrogates
 * written as 3-byte sequences (CESU-8, `ed a0..bf xx`): a high one right before a low one (`ed b0..bf`) and that low
 * one become their UTF-16 units, which make the character they encode; any other becomes U+FFFD.
 */
function decodeUtf8Js(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  let units: number[] = [];
  for (let i = start; i < end; i++) {
    let c = bytes[i] as number;
    if (c > 0x7f) {
      // Continuation bytes after this lead byte (0: invalid lead).
      const n = c < 0xc2 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : 0;
      c &= 0x3f >> n;
      let k = 0;
      for (let b: number; k < n && i + k + 1 < end && ((b = bytes[i + k + 1] as number) & 0xc0) === 0x80; k++) {
        c = (c << 6) | (b & 0x3f);
      }
      // Invalid lead, truncated, overlong (a 3-byte sequence starts at U+0800, a 4-byte one at U+10000), above
      // U+10FFFF.
      if (!n || k < n || c < 1 << (5 * n + 1) || c > 0x10ffff) fail('ERR_INVALID_UTF8', `byte ${i}`);
      if (
        c >> 11 === 0x1b &&
        !(c < 0xdc00
          ? i + 4 < end && bytes[i + 3] === 0xed && ((bytes[i + 4] as number) & 0xf0) === 0xb0
          : i - 3 >= start && bytes[i - 3] === 0xed && ((bytes[i - 2] as number) & 0xf0) === 0xa0)
      ) {
        c = 0xfffd;
      }
      i += n;
      if (c > 0xffff) {
        units.push(0xd7c0 + (c >> 10));
        c = 0xdc00 | (c & 0x3ff);
      }
    }
    units.push(c);
    if (units.length > 4096) {
      out += String.fromCharCode.apply(null, units);
      units = [];
    }
  }
  return out + String.fromCharCode.apply(null, units);
}

/**
 * Decodes `bytes[start, end)` as UTF-8: short runs (routes) with JS code, which beats a native call for them, longer
 * ones with `TextDecoder` when the runtime has one. Surrogates written as 3-byte sequences (CESU-8, what the old JS
 * clients send for emoji) are repaired: a pair becomes its character, a lone one U+FFFD; that runs only after the
 * strict decode failed.
 * @throws {ProtocolError} `ERR_INVALID_UTF8` on other malformed input; `ERR_INVALID_ARGUMENT` when `bytes` is not a
 *   Uint8Array.
 */
export function decodeUtf8(bytes: Uint8Array, start = 0, end?: number): string {
  checkBytes(bytes, 'text');
  return decodeUtf8Range(bytes, start, end === undefined ? bytes.length : end);
}

/** @internal {@link decodeUtf8} for callers that checked `bytes` already (the message and JSON decoders). */
export function decodeUtf8Range(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length <= SHORT_DECODE_MAX_BYTES) {
    // ASCII (the usual route) into a presized array: the fastest way to a short string.
    const units = new Array<number>(length);
    for (let i = 0; i < length; i++) {
      if ((units[i] = bytes[start + i] as number) > 0x7f) return decodeUtf8Js(bytes, start, end);
    }
    return String.fromCharCode.apply(null, units);
  }
  if (nativeDecoder) {
    try {
      return nativeDecoder.decode(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
    } catch (_) {
      // Not UTF-8: the JS decoder repairs CESU-8 or throws ERR_INVALID_UTF8 at the first other bad byte.
    }
  }
  return decodeUtf8Js(bytes, start, end);
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
  encode: encodeUtf8Js,
  decode: (bytes) => {
    checkBytes(bytes, 'text');
    return decodeUtf8Js(bytes, 0, bytes.length);
  },
};
