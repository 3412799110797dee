/**
 * JSON helpers shared by the handshake, kick and the JSON serializer.
 * @packageDocumentation
 */
import { fail, type ProtocolErrorCode } from './errors.js';
import { decodeUtf8 } from './utf8.js';

/**
 * @internal Parses UTF-8 JSON bytes that must hold an object, throwing a ProtocolError with `code` on any failure
 * (the `cause` tells invalid UTF-8 from invalid JSON).
 */
export function parseJsonObject(bytes: Uint8Array, code: ProtocolErrorCode, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8(bytes));
  } catch (cause) {
    fail(code, `${what}: bad JSON`, cause);
  }
  if (!isPlainObject(value)) fail(code, `${what}: not an object`);
  return value;
}

/** @internal True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * `JSON.stringify` with Go `encoding/json` conventions, as `json.Marshal` writes a map: what nano's handshake reply
 * is, reproduced byte for byte.
 *
 * - Object keys are sorted by their UTF-8 bytes, as Go sorts map keys. That is code point order, which differs from
 *   JavaScript's default UTF-16 order when keys mix U+E000–U+FFFF with astral characters: Go puts `！` (U+FF01,
 *   `ef bc 81`) before `😀` (U+1F600, `f0 9f 98 80`); `.sort()` puts it after.
 * - `<`, `>`, `&`, U+2028 and U+2029 are escaped (`\u003c`…).
 * - A lone surrogate, which has no UTF-8 form, becomes U+FFFD, in keys and string values alike, before sorting. This
 *   is the character the codec writes for it everywhere else (encodeUtf8, as TextEncoder does), so the key is the
 *   route that travels on the wire, and Go, holding that valid U+FFFD, writes it as is (it writes the escape `\ufffd`
 *   only for bytes that are not UTF-8, which a JavaScript string cannot hold). `JSON.stringify` alone writes `\ud800`,
 *   which Go never does.
 */
export function stringifyGoStyle(value: unknown): string {
  const text = toGo(value, '');
  return text === undefined ? 'null' : text.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] as string);
}

/**
 * The JSON text of `value`, the member `key` of its holder, as `JSON.stringify` writes it, except that plain objects
 * are written key by key in Go's order and lone surrogates are replaced; `undefined` where `JSON.stringify` gives
 * nothing (a function, `undefined`). Written here, not by `JSON.stringify` over a sorted copy: an object lists
 * integer-like keys ("0", "12") first whatever order they were added in.
 */
function toGo(value: unknown, key: string): string | undefined {
  if (typeof value === 'string') return JSON.stringify(wellFormed(value));
  if (Array.isArray(value)) {
    const items: string[] = [];
    // Indexes, not the iterator: a hole is `null`, as JSON.stringify writes it.
    for (let i = 0; i < value.length; i++) items.push(toGo(value[i], String(i)) ?? 'null');
    return `[${items.join(',')}]`;
  }
  if (isPlainObject(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    const keys = Object.keys(value).map((name) => [wellFormed(name), name] as const);
    keys.sort((a, b) => compareCodePoints(a[0], b[0]));
    const members: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const [goKey, name] = keys[i] as (typeof keys)[number];
      // Keys that differ only in lone surrogates are one key in Go: the last one wins, as in a map (the sort is
      // stable, so it is the last in the object's own order).
      if ((keys[i + 1] as (typeof keys)[number] | undefined)?.[0] === goKey) continue;
      const text = toGo(value[name], name);
      if (text !== undefined) members.push(`${JSON.stringify(goKey)}:${text}`);
    }
    return `{${members.join(',')}}`;
  }
  // Numbers, booleans, null; and objects with a `toJSON`, which gets the member's key as with JSON.stringify.
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const holder = JSON.stringify({ [key]: value });
  return holder === '{}' ? undefined : holder.slice(JSON.stringify(key).length + 2, -1);
}

/**
 * `json` with every character above U+FFFF (emoji) written as a JSON escape pair, `\ud83d\ude00`: the same value for
 * every JSON parser, in bytes that the deployed JS clients of nano and pomelo (starx-wsclient, pomelo's jsclient)
 * read right, where their decoder, which knows 1- to 3-byte UTF-8 sequences only, garbles a 4-byte one. `json` must
 * be JSON text, as `JSON.stringify` writes it (it escapes lone surrogates itself, so every surrogate left is half of a
 * pair inside a string literal). server-lite's default serializer applies it. See docs/protocol.md#utf-8.
 */
export function escapeAstral(json: string): string {
  return /[\ud800-\udfff]/.test(json)
    ? json.replace(/[\ud800-\udfff]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16)}`)
    : json;
}

/** `text` with every lone surrogate replaced by U+FFFD (what `String.prototype.toWellFormed` does, in ES2017). */
function wellFormed(text: string): string {
  return /[\ud800-\udfff]/.test(text)
    ? text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]/g, (s) => (s.length === 2 ? s : '\ufffd'))
    : text;
}

/**
 * Compares well-formed strings by code point, which is the order of their UTF-8 bytes. UTF-16 units already compare
 * that way except a surrogate (half of a code point above U+FFFF) against U+E000–U+FFFF: there the surrogates must
 * come last, so both ranges are shifted before comparing.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x += x < 0xe000 ? 0x2000 : -0x800;
        y += y < 0xe000 ? 0x2000 : -0x800;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}
