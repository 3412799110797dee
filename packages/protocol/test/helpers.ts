/**
 * Test helpers in the style of mqtt-packet's `testParseGenerate`: each golden vector (a value and its literal hex)
 * expands into decode, encode (byte-exact) and mirror tests; `parseError` / `generateError` pin error codes.
 */
import { expect, it } from 'vitest';
import {
  decodeMessage,
  decodePackets,
  encodeDataPacket,
  encodePacket,
  isNanoError,
  type Message,
  type MessageInit,
  type MessageType,
  PacketReader,
  PacketType,
  PacketWriter,
  ProtocolError,
  type RouteDictionary,
} from '../src/index.js';

/** Bytes from a hex string; spaces, newlines and `|` separators are ignored. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/[\s|]/g, '');
  if (!/^(?:[0-9a-f]{2})*$/i.test(clean)) throw new Error(`bad hex literal: ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Lower-case hex with a space between bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Normalises a hex literal to the {@link toHex} form. */
export function normHex(text: string): string {
  return toHex(hex(text));
}

/** UTF-8 bytes of `text` (through the platform encoder, independent of the codec under test). */
export function utf8Bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A message in a vector: what `encodeMessage` takes; a string body is UTF-8 text. */
export interface MessageSpec {
  type: MessageType;
  id?: number;
  route?: string;
  body?: string | Uint8Array;
  gzip?: boolean;
  error?: boolean;
}

/** One packet of a vector: a Data packet carries a message, the others raw body bytes (or text). */
export type PacketSpec =
  | { type: typeof PacketType.Data; message: MessageSpec }
  | { type: Exclude<PacketType, typeof PacketType.Data>; body?: string | Uint8Array };

/** Options of {@link roundTrip}. */
export interface VectorOptions {
  dictionary?: RouteDictionary;
  /** Inbound body limit for decoding (default: the codec's 65 536). */
  maxBodyLength?: number;
}

const asBytes = (body: string | Uint8Array | undefined): Uint8Array =>
  body === undefined ? new Uint8Array(0) : typeof body === 'string' ? utf8Bytes(body) : body;

/** The message `decodeMessage` must return for `spec`. */
export function expectedMessage(spec: MessageSpec, dictionary?: RouteDictionary): Message {
  const hasId = spec.type === 0 || spec.type === 2;
  const hasRoute = spec.type !== 2;
  const code = hasRoute && dictionary !== undefined ? dictionary.code(spec.route ?? '') : undefined;
  return {
    type: spec.type,
    id: hasId ? (spec.id ?? 0) : 0,
    route: hasRoute ? (spec.route ?? '') : '',
    body: asBytes(spec.body),
    compressed: code !== undefined,
    routeCode: code ?? -1,
    gzip: spec.gzip === true,
    error: spec.error === true,
  };
}

function init(spec: MessageSpec): MessageInit {
  const m: MessageInit = { type: spec.type };
  if (spec.id !== undefined) m.id = spec.id;
  if (spec.route !== undefined) m.route = spec.route;
  if (spec.body !== undefined) m.body = spec.body;
  if (spec.gzip !== undefined) m.gzip = spec.gzip;
  if (spec.error !== undefined) m.error = spec.error;
  return m;
}

/** Encodes every packet of a vector with the plain functions. */
export function encodeSpecs(specs: readonly PacketSpec[], options: VectorOptions = {}): Uint8Array {
  return concat(
    ...specs.map((s) =>
      s.type === PacketType.Data
        ? encodeDataPacket(init(s.message), { dictionary: options.dictionary })
        : encodePacket(s.type, asBytes(s.body)),
    ),
  );
}

/** Encodes every packet of a vector with a PacketWriter (must give the same bytes). */
export function encodeSpecsWithWriter(specs: readonly PacketSpec[], options: VectorOptions = {}): Uint8Array {
  const writer = new PacketWriter({ dictionary: options.dictionary });
  return concat(
    ...specs.map((s) =>
      s.type === PacketType.Data
        ? writer.encodeDataPacket(init(s.message))
        : writer.encodePacket(s.type, asBytes(s.body)),
    ),
  );
}

/** A decoded packet in comparable form: raw body, or the decoded message for Data packets. */
export type DecodedPacket = { type: PacketType; body: Uint8Array } | { type: 4; message: Message };

/** Decodes whole packets and their messages. */
export function decodeAll(bytes: Uint8Array, options: VectorOptions = {}): DecodedPacket[] {
  return decodePackets(bytes, { maxBodyLength: options.maxBodyLength ?? 65536 }).map((p) =>
    p.type === PacketType.Data
      ? { type: PacketType.Data, message: decodeMessage(p.body, { dictionary: options.dictionary }) }
      : { type: p.type, body: p.body },
  );
}

/** What {@link decodeAll} must return for `specs`. */
export function expectedPackets(specs: readonly PacketSpec[], dictionary?: RouteDictionary): DecodedPacket[] {
  return specs.map((s) =>
    s.type === PacketType.Data
      ? { type: PacketType.Data, message: expectedMessage(s.message, dictionary) }
      : { type: s.type, body: asBytes(s.body) },
  );
}

/** Plain, comparable copies (typed-array views become plain byte arrays, so offsets do not matter). */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/**
 * Expands one golden vector into three tests: decode (hex → value), encode (value → the same hex, with the plain
 * functions and with a PacketWriter) and mirror (decode(encode(value)) → value).
 */
export function roundTrip(
  name: string,
  value: PacketSpec | readonly PacketSpec[],
  hexText: string,
  options: VectorOptions = {},
): void {
  const specs: readonly PacketSpec[] = Array.isArray(value) ? value : [value as PacketSpec];
  const bytes = hex(hexText);
  it(`${name}: decode`, () => {
    expect(plain(decodeAll(bytes, options))).toEqual(plain(expectedPackets(specs, options.dictionary)));
  });
  it(`${name}: encode`, () => {
    expect(toHex(encodeSpecs(specs, options))).toBe(toHex(bytes));
    expect(toHex(encodeSpecsWithWriter(specs, options))).toBe(toHex(bytes));
  });
  it(`${name}: mirror`, () => {
    const again = decodeAll(encodeSpecs(specs, options), options);
    expect(plain(again)).toEqual(plain(expectedPackets(specs, options.dictionary)));
  });
}

/** Asserts that `fn` throws a ProtocolError (not null, not `{}`) with `code`; returns it. */
export function expectProtocolError(fn: () => unknown, code: string): ProtocolError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${code}`).toBeInstanceOf(ProtocolError);
  const err = thrown as ProtocolError;
  expect(err.code).toBe(code);
  expect(err.name).toBe('ProtocolError');
  expect(isNanoError(err)).toBe(true);
  expect(isNanoError(err, code)).toBe(true);
  expect(err.message.length).toBeGreaterThan(0);
  return err;
}

/**
 * Decoding `hexText` (packets, then every Data packet's message) fails with `code`, both with `decodePackets` and
 * with a `PacketReader` fed the whole input.
 */
export function parseError(code: string, hexText: string, options: VectorOptions = {}, name = hexText): void {
  it(`parse error ${code}: ${name.length > 60 ? `${name.slice(0, 57)}...` : name}`, () => {
    const bytes = hex(hexText);
    expectProtocolError(() => decodeAll(bytes, options), code);
    const isPacketLevel = code === 'ERR_UNKNOWN_PACKET_TYPE' || code === 'ERR_PACKET_TOO_LARGE';
    if (isPacketLevel) {
      const reader = new PacketReader({ maxBodyLength: options.maxBodyLength ?? 65536 });
      expectProtocolError(() => reader.push(bytes), code);
    }
  });
}

/** Decoding the bare message `hexText` fails with `code`. */
export function messageError(code: string, hexText: string, options: VectorOptions = {}): void {
  it(`message error ${code}: ${hexText}`, () => {
    expectProtocolError(() => decodeMessage(hex(hexText), { dictionary: options.dictionary }), code);
  });
}

/** Encoding `value` fails with `code`, with the plain functions and with a PacketWriter. */
export function generateError(code: string, value: PacketSpec, options: VectorOptions = {}, name?: string): void {
  it(`generate error ${code}: ${name ?? JSON.stringify(value).slice(0, 60)}`, () => {
    expectProtocolError(() => encodeSpecs([value], options), code);
    expectProtocolError(() => encodeSpecsWithWriter([value], options), code);
  });
}
