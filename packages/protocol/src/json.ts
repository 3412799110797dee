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
 * `JSON.stringify` with Go `encoding/json` conventions for maps: object keys sorted (by UTF-16 code unit order,
 * which equals Go's byte order for the BMP), and `<`, `>`, `&`, U+2028, U+2029 escaped. Used for byte-exact
 * handshake replies (wire spec §3.3).
 */
export function stringifyGoStyle(value: unknown): string {
  const text = JSON.stringify(sortKeys(value));
  return text === undefined ? 'null' : text.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] as string);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainObject(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    // No prototype: a `__proto__` key is an own key like any other (on a `{}` it would set the prototype and vanish).
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}
