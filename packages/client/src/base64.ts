/**
 * A small base64 codec for hosts whose socket API carries binary as base64 text (Alipay). No `btoa`/`atob`
 * (mini-game hosts lack them) and no Buffer.
 * @packageDocumentation
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (with `=` padding) of `bytes`. */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  const n = bytes.length;
  for (let i = 0; i < n; i += 3) {
    const a = bytes[i] as number;
    const b = i + 1 < n ? (bytes[i + 1] as number) : 0;
    const c = i + 2 < n ? (bytes[i + 2] as number) : 0;
    const triple = (a << 16) | (b << 8) | c;
    out +=
      ALPHABET.charAt(triple >> 18) +
      ALPHABET.charAt((triple >> 12) & 63) +
      (i + 1 < n ? ALPHABET.charAt((triple >> 6) & 63) : '=') +
      (i + 2 < n ? ALPHABET.charAt(triple & 63) : '=');
  }
  return out;
}

/** Bytes of a base64 string (standard or URL-safe alphabet; padding and whitespace optional). */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/[^A-Za-z0-9+/\-_]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const ch = clean.charAt(i);
    const v = ch === '-' ? 62 : ch === '_' ? 63 : ALPHABET.indexOf(ch);
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return o === out.length ? out : out.subarray(0, o);
}
