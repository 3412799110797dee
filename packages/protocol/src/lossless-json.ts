/**
 * JSON that keeps integers beyond 2^53 exact: nano's snowflake session ids (~2.1·10^18) travel as JSON numbers, and
 * `JSON.parse` rounds them, so two users can get one id. Opt-in and separate from the default serializer, which it
 * does not touch: an app that does not import it does not carry it.
 * @see docs/protocol.md#integers-beyond-253
 * @packageDocumentation
 */
import { checkBytes, fail } from './errors.js';
import type { Serializer } from './serializer.js';
import { decodeUtf8Range, type Utf8Codec } from './utf8.js';

// The package's lib is ES2017, which has no BigInt declaration; the function exists wherever `bigint` values do.
// biome-ignore lint/suspicious/noShadowRestrictedNames: declares the global for the ES2017 lib, shadows nothing
declare const BigInt: (digits: string) => bigint;

/** How integers beyond ±(2^53−1) are decoded: as `bigint`, or as their decimal digits in a string. */
export type BigIntMode = 'bigint' | 'string';

/** Options of {@link createLosslessJsonSerializer}. */
export interface LosslessJsonSerializerOptions {
  /**
   * What an integer beyond ±(2^53−1) decodes to. `'string'` needs no BigInt support (old mini-game hosts) and
   * survives `JSON.stringify` elsewhere in the app; `'bigint'` keeps arithmetic. Smaller integers, fractions and
   * exponents (`1.5`, `1e20`) stay numbers in both modes.
   * @default 'bigint'
   */
  bigInts?: BigIntMode;
  /** UTF-8 codec used to decode bodies. @default the built-in codec (native TextDecoder where present) */
  utf8?: Utf8Codec;
}

/**
 * Creates a JSON serializer that keeps integers beyond 2^53 exact. Decoding: with no run of 16 or more digits in the
 * text (the shortest unsafe integer has 16) it is plain `JSON.parse`; otherwise a strict parser decodes such
 * integers as `bigint` or decimal strings (`options.bigInts`). Encoding: `bigint` values are written as JSON numbers
 * (digits); decimal strings stay strings, so to send one back as a number pass `BigInt(text)`. Empty bodies and
 * `undefined` behave as in {@link createJsonSerializer}.
 * @example
 * const client = new NanoClient({ url, serializer: createLosslessJsonSerializer({ bigInts: 'string' }) });
 * // {"uid":2100000000000000001} → { uid: '2100000000000000001' }
 */
export function createLosslessJsonSerializer(options: LosslessJsonSerializerOptions = {}): Serializer {
  const codec = options.utf8;
  const mode = options.bigInts || 'bigint';
  // The shape of createJsonSerializer's serializer. Sharing one factory cost the default bundle 20 B (measured).
  return {
    name: 'json',
    encode(route, value) {
      try {
        return stringifyLosslessJson(value) || '';
      } catch (cause) {
        return fail('ERR_SERIALIZE_FAILED', route, cause);
      }
    },
    decode(route, bytes) {
      checkBytes(bytes, route);
      if (bytes.length === 0) return undefined;
      try {
        return parseLosslessJson(codec ? codec.decode(bytes) : decodeUtf8Range(bytes, 0, bytes.length), mode);
      } catch (cause) {
        return fail('ERR_INVALID_PAYLOAD', route, cause);
      }
    },
  };
}

/**
 * `JSON.parse` that decodes integers beyond ±(2^53−1) as `bigint` (or decimal strings with `'string'`). Accepts
 * exactly what `JSON.parse` accepts and returns the same for every other value.
 * @throws {SyntaxError} for text that is not JSON, as `JSON.parse` does.
 */
export function parseLosslessJson(text: string, bigInts: BigIntMode = 'bigint'): unknown {
  return hasDigitRun16(text) ? new LosslessParser(text, bigInts).parse() : JSON.parse(text);
}

/**
 * True when `text` holds 16 or more digits in a row. Any such run covers one of every 16 positions, so only those
 * are looked at (and the run around a digit found there): about a sixth of what `/\d{16}/` costs, which is a
 * fifth of `JSON.parse` on a 1 KB body.
 */
function hasDigitRun16(text: string): boolean {
  const n = text.length;
  for (let i = 15; i < n; i += 16) {
    if (!isDigit(text.charCodeAt(i))) continue;
    let start = i;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    while (i + 1 < n && isDigit(text.charCodeAt(i + 1))) i++;
    // A later run starts after i + 1, so it covers one of i + 16, i + 32, …
    if (i - start >= 15) return true;
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * `JSON.stringify(value)` that writes `bigint` values as JSON numbers (their digits) instead of throwing. Without
 * a bigint in `value` it is `JSON.stringify` itself.
 * @throws {TypeError} for a cyclic value, as `JSON.stringify` does.
 */
export function stringifyLosslessJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    // A bigint (or a cycle, which the walk below reports).
    return write(value, '', []);
  }
}

/** JSON.stringify's SerializeJSONProperty, with bigint → digits. `stack` holds the open containers (cycle check). */
function write(value: unknown, key: string, stack: object[]): string | undefined {
  let v = value;
  if ((typeof v === 'object' && v !== null) || typeof v === 'bigint') {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') v = toJSON.call(v, key);
  }
  if (v instanceof Number) v = Number(v);
  else if (v instanceof String) v = String(v);
  else if (v instanceof Boolean) v = v.valueOf();
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return String(v);
    case 'object': {
      if (stack.indexOf(v) >= 0) throw new TypeError('Converting circular structure to JSON');
      stack.push(v);
      const parts: string[] = [];
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) parts.push(write(v[i], String(i), stack) ?? 'null');
        stack.pop();
        return `[${parts.join(',')}]`;
      }
      const record = v as Record<string, unknown>;
      for (const k of Object.keys(record)) {
        const item = write(record[k], k, stack);
        if (item !== undefined) parts.push(`${JSON.stringify(k)}:${item}`);
      }
      stack.pop();
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined; // undefined, functions and symbols: skipped in objects, null in arrays
  }
}

/** A container being filled: an array, or an object and the key of the value being read. */
interface Frame {
  array?: unknown[];
  object?: Record<string, unknown>;
  key: string;
}

/**
 * A strict JSON parser (RFC 8259, as `JSON.parse`), iterative so that deep nesting cannot overflow the call stack.
 * Used only when the text may hold an unsafe integer.
 */
class LosslessParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly mode: BigIntMode,
  ) {}

  parse(): unknown {
    const stack: Frame[] = [];
    let value: unknown;
    for (;;) {
      // Read one value; containers are opened and their first item awaited.
      const c = this.skip();
      if (c === 0x7b /* { */) {
        this.pos++;
        const object: Record<string, unknown> = {};
        if (this.skip() === 0x7d /* } */) {
          this.pos++;
          value = object;
        } else {
          stack.push({ object, key: this.key() });
          continue;
        }
      } else if (c === 0x5b /* [ */) {
        this.pos++;
        const array: unknown[] = [];
        if (this.skip() === 0x5d /* ] */) {
          this.pos++;
          value = array;
        } else {
          stack.push({ array, key: '' });
          continue;
        }
      } else {
        value = this.scalar(c);
      }
      // Store it, then close every container that ends here.
      for (;;) {
        const frame = stack[stack.length - 1];
        if (!frame) {
          if (this.skip() !== -1) this.error();
          return value;
        }
        if (frame.array) frame.array.push(value);
        else set(frame.object as Record<string, unknown>, frame.key, value);
        const next = this.skip();
        this.pos++;
        if (next === 0x2c /* , */) {
          if (frame.object) frame.key = this.key();
          break;
        }
        if (next !== (frame.array ? 0x5d : 0x7d)) this.error(this.pos - 1);
        stack.pop();
        value = frame.array || frame.object;
      }
    }
  }

  /** An object key and its colon; leaves `pos` at the value. */
  private key(): string {
    if (this.skip() !== 0x22) this.error();
    const key = this.string();
    if (this.skip() !== 0x3a /* : */) this.error();
    this.pos++;
    return key;
  }

  private scalar(c: number): unknown {
    const { text } = this;
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    for (const [word, value] of WORDS) {
      if (text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.error();
  }

  private number(): unknown {
    const { text } = this;
    const start = this.pos;
    let i = start;
    if (text.charCodeAt(i) === 0x2d) i++;
    const first = i;
    if (text.charCodeAt(i) === 0x30) i++;
    else i = digits(text, i);
    if (i < 0) return this.error(first);
    let integer = true;
    if (text.charCodeAt(i) === 0x2e /* . */) {
      integer = false;
      i = digits(text, i + 1);
      if (i < 0) return this.error();
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      i = digits(text, i);
      if (i < 0) return this.error();
    }
    this.pos = i;
    const token = text.slice(start, i);
    const n = Number(token);
    if (!integer || i - first < 16 || Number.isSafeInteger(n)) return n;
    return this.mode === 'string' ? token : BigInt(token);
  }

  private string(): string {
    const { text } = this;
    let i = this.pos + 1;
    let out = '';
    let from = i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20 || Number.isNaN(c)) this.error(i);
      if (c === 0x5c /* \ */) {
        out += text.slice(from, i);
        const e = text.charCodeAt(i + 1);
        const simple = ESCAPES[e];
        if (simple !== undefined) {
          out += simple;
          i += 2;
        } else if (e === 0x75 /* u */ && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          this.error(i);
        }
        from = i;
      } else {
        i++;
      }
    }
    this.pos = i + 1;
    return out + text.slice(from, i);
  }

  /** Skips whitespace; the code unit at `pos`, or -1 at the end. */
  private skip(): number {
    const { text } = this;
    let c = text.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++this.pos);
    return Number.isNaN(c) ? -1 : c;
  }

  /** Throws what `JSON.parse` throws, naming the position `at` (default: the current one). */
  private error(at = this.pos): never {
    throw new SyntaxError(
      at >= this.text.length ? 'Unexpected end of JSON input' : `Unexpected token in JSON at position ${at}`,
    );
  }
}

const WORDS: ReadonlyArray<readonly [string, unknown]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];

const ESCAPES: Record<number, string> = {
  34: '"',
  92: '\\',
  47: '/',
  98: '\b',
  102: '\f',
  110: '\n',
  114: '\r',
  116: '\t',
};

/** The index after a run of at least one digit from `i`; -1 when there is none. */
function digits(text: string, i: number): number {
  let j = i;
  while (isDigit(text.charCodeAt(j))) j++;
  return j === i ? -1 : j;
}

/** `object[key] = value` as JSON.parse does it: `__proto__` is an own property, not the prototype. */
function set(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}
