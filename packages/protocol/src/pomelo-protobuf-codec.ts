/**
 * The pomelo-protobuf wire format, byte for byte as pinus-protobuf 1.7.4 writes and reads it. It looks like
 * protobuf but is not: repeated scalars carry the element's wire type and an element count, `int32` is zigzag like
 * `sInt32`, fields go in the value's key order, and the reader dispatches on the tag alone.
 * @see docs/protocol.md#pomelo-protobuf
 * @packageDocumentation
 */
import { fail } from './errors.js';
import type { Field, MessageDef, ProtoSide } from './pomelo-protos.js';
import { resolveType } from './pomelo-protos.js';
import { decodeUtf8, utf8Length, writeUtf8 } from './utf8.js';
import { writeVarint } from './varint.js';

/** Wire types of the scalar types; every other type (string, messages) is 2. No prototype: a type named
 * `constructor` or `toString` is not a scalar. */
const WIRE: Record<string, number> = Object.assign(Object.create(null), {
  uInt32: 0,
  sInt32: 0,
  int32: 0,
  uInt64: 0,
  sInt64: 0,
  bool: 0,
  double: 1,
  float: 5,
});

/** Scalars: written without a key per element when repeated (one key, a count, the elements). */
function isScalar(type: string): boolean {
  return WIRE[type] !== undefined;
}

/**
 * Encoding state. The value is walked twice: to check it and measure it (`bytes` unset: `lengths` collects the
 * UTF-8 length of each string and the size of each nested message, in walk order), then to write it into one
 * buffer of exactly that size (`lengths` read back in the same order).
 */
interface Out {
  bytes: Uint8Array | undefined;
  pos: number;
  lengths: number[];
  next: number;
  side: ProtoSide;
  /** An 8-byte scratch for float/double bits. */
  scratch: DataView;
}

/**
 * Encodes `value` as message `def` of `side`. An empty result (no field written) is an empty array: what pinus
 * sends as an empty body.
 * @throws {ProtocolError} `ERR_SERIALIZE_FAILED` when `value` does not fit the message: not an object, a required
 *   field missing, a value of the wrong kind (checked before anything is allocated).
 */
export function encodePomelo(def: MessageDef, value: unknown, side: ProtoSide, scratch: DataView): Uint8Array {
  const out: Out = { bytes: undefined, pos: 0, lengths: [], next: 0, side, scratch };
  writeMessage(out, def, value, '');
  const bytes = new Uint8Array(out.pos);
  out.bytes = bytes;
  out.pos = 0;
  writeMessage(out, def, value, '');
  return bytes;
}

function writeMessage(out: Out, def: MessageDef, value: unknown, path: string): void {
  if (!isRecord(value)) bad(path, 'an object');
  if (!out.bytes) {
    for (const field of def.required) {
      if (value[field.name] === undefined) fail('ERR_SERIALIZE_FAILED', `${path}${field.name}: required`);
    }
  }
  for (const name of Object.keys(value)) {
    const field = def.fields.get(name);
    const v = value[name];
    // null and undefined are absent (pinus throws on them; a required one was refused above).
    if (!field || v == null) continue;
    const at = path + name;
    switch (field.option) {
      case 'required':
      case 'optional':
        writeKey(out, field);
        writeValue(out, field.type, v, def, at);
        break;
      case 'repeated':
        if (!Array.isArray(v)) bad(at, 'an array');
        if (v.length === 0) break;
        if (isScalar(field.type)) {
          writeKey(out, field);
          writeUint(out, v.length);
          for (let i = 0; i < v.length; i++) writeValue(out, field.type, v[i], def, `${at}[${i}]`);
        } else {
          for (let i = 0; i < v.length; i++) {
            writeKey(out, field);
            writeValue(out, field.type, v[i], def, `${at}[${i}]`);
          }
        }
        break;
      default: {
        // map (a Map) and obj (an object): a count, then key and value of each pair, with no keys of their own.
        const entry = entryType(field, def, out.side, 'ERR_SERIALIZE_FAILED');
        const pairs =
          field.option === 'map' ? (v instanceof Map ? Array.from(v) : bad(at, 'a Map')) : objectPairs(v, at);
        if (field.option === 'obj' && pairs.length === 0) break;
        writeKey(out, field);
        writeUint(out, pairs.length);
        for (const [k, item] of pairs) {
          writeValue(out, entry.key, field.option === 'obj' ? objKey(k as string, entry.key) : k, def, `${at}.key`);
          writeValue(out, entry.value, item, def, `${at}[${String(k)}]`);
        }
      }
    }
  }
}

function objectPairs(value: unknown, path: string): [string, unknown][] {
  if (!isRecord(value)) return bad(path, 'an object');
  return Object.keys(value).map((k) => [k, value[k]]);
}

/** An `obj` key for a numeric key type: the object key's digits (pinus `parseInt`s it), else the string. */
function objKey(key: string, type: string): unknown {
  return type === 'string' || !isScalar(type) ? key : /^-?\d+$/.test(key) ? Number(key) : key;
}

/** The key/value types of a `map`/`obj` field's entry message. */
function entryType(
  field: Field,
  scope: MessageDef,
  side: ProtoSide,
  code: 'ERR_SERIALIZE_FAILED' | 'ERR_INVALID_PAYLOAD',
): { key: string; value: string } {
  const entry = resolveType(field.type, scope, side);
  const key = entry && entry.fields.get('key');
  const value = entry && entry.fields.get('value');
  if (!key || !value) return fail(code, `${field.name}: no message ${field.type} with key and value`);
  return { key: key.type, value: value.type };
}

function writeKey(out: Out, field: Field): void {
  const wire = isScalar(field.type) ? (WIRE[field.type] as number) : 2;
  writeUint(out, field.tag * 8 + wire);
}

function writeUint(out: Out, n: number): void {
  if (out.bytes) out.pos = writeVarint(n, out.bytes, out.pos);
  else {
    let size = 1;
    for (let v = n; v >= 128; v = Math.floor(v / 128)) size++;
    out.pos += size;
  }
}

function writeValue(out: Out, type: string, v: unknown, scope: MessageDef, path: string): void {
  switch (type) {
    case 'uInt32':
    case 'uInt64':
      if (!out.bytes && !(isSafeInteger(v) && v >= 0)) bad(path, 'a non-negative integer');
      writeUint(out, v as number);
      return;
    case 'int32':
    case 'sInt32':
    case 'sInt64': {
      if (!out.bytes && !isSafeInteger(v)) bad(path, 'an integer');
      const n = v as number;
      // pinus-protobuf's zigzag, on doubles (exact beyond 32 bits).
      writeUint(out, n < 0 ? -n * 2 - 1 : n * 2);
      return;
    }
    case 'bool':
      if (typeof v !== 'boolean') bad(path, 'a boolean');
      writeUint(out, v ? 1 : 0);
      return;
    case 'float':
    case 'double': {
      if (typeof v !== 'number') bad(path, 'a number');
      const size = type === 'float' ? 4 : 8;
      const { bytes, scratch } = out;
      if (bytes) {
        if (size === 4) scratch.setFloat32(0, v as number, true);
        else scratch.setFloat64(0, v as number, true);
        for (let i = 0; i < size; i++) bytes[out.pos + i] = scratch.getUint8(i);
      }
      out.pos += size;
      return;
    }
    case 'string': {
      if (typeof v !== 'string') bad(path, 'a string');
      const { bytes } = out;
      if (!bytes) {
        const length = utf8Length(v as string);
        out.lengths.push(length);
        writeUint(out, length);
        out.pos += length;
      } else {
        writeUint(out, out.lengths[out.next++] as number);
        out.pos += writeUtf8(v as string, bytes, out.pos);
      }
      return;
    }
    default: {
      const def = resolveType(type, scope, out.side);
      if (!def) bad(path, `of type ${type}, which the protos do not define`);
      if (!out.bytes) {
        // The size prefix comes first but is known last: keep its slot, fill it once the message is measured.
        const slot = out.lengths.push(0) - 1;
        const start = out.pos;
        writeMessage(out, def, v, `${path}.`);
        const size = out.pos - start;
        out.lengths[slot] = size;
        writeUint(out, size);
      } else {
        writeUint(out, out.lengths[out.next++] as number);
        writeMessage(out, def, v, `${path}.`);
      }
    }
  }
}

/** Decoding state: the bytes and where reading is. */
interface In {
  bytes: Uint8Array;
  pos: number;
  side: ProtoSide;
  scratch: DataView;
}

/**
 * Decodes message `def` of `side` from `bytes` (an empty body is `{}`, as pinus reads it). Stricter than pinus where
 * pinus misreads or reads past the end: an unknown tag, a length past the end of its message, a type the protos do
 * not define, invalid UTF-8 all throw.
 * @throws {ProtocolError} `ERR_INVALID_PAYLOAD` with the position.
 */
export function decodePomelo(def: MessageDef, bytes: Uint8Array, side: ProtoSide, scratch: DataView): unknown {
  const input: In = { bytes, pos: 0, side, scratch };
  return readMessage(input, def, bytes.length);
}

function readMessage(input: In, def: MessageDef, end: number): Record<string, unknown> {
  const msg: Record<string, unknown> = {};
  while (input.pos < end) {
    const at = input.pos;
    // The tag as pinus computes it (`key >> 3`), which keys from a 32-bit tag never exceed.
    const field = def.tags.get(Math.floor(readUint(input, end) / 8));
    if (!field) return corrupt(at, 'unknown tag');
    const { name, type } = field;
    switch (field.option) {
      case 'required':
      case 'optional':
        set(msg, name, readValue(input, type, def, end));
        break;
      case 'repeated': {
        const list = (Array.isArray(msg[name]) ? msg[name] : set(msg, name, [])) as unknown[];
        if (isScalar(type)) {
          const count = readUint(input, end);
          // Each element takes at least one byte: a larger count is garbage, refused before looping.
          if (count > end - input.pos) corrupt(input.pos, 'count past the end');
          for (let i = 0; i < count; i++) list.push(readValue(input, type, def, end));
        } else {
          list.push(readValue(input, type, def, end));
        }
        break;
      }
      default: {
        const entry = entryType(field, def, input.side, 'ERR_INVALID_PAYLOAD');
        const count = readUint(input, end);
        if (count * 2 > end - input.pos) corrupt(input.pos, 'count past the end');
        if (field.option === 'map') {
          const map = (msg[name] instanceof Map ? msg[name] : set(msg, name, new Map())) as Map<unknown, unknown>;
          for (let i = 0; i < count; i++)
            map.set(readValue(input, entry.key, def, end), readValue(input, entry.value, def, end));
        } else {
          const obj = (isRecord(msg[name]) ? msg[name] : set(msg, name, {})) as Record<string, unknown>;
          for (let i = 0; i < count; i++) {
            const key = String(readValue(input, entry.key, def, end));
            set(obj, key, readValue(input, entry.value, def, end));
          }
        }
      }
    }
  }
  return msg;
}

function readValue(input: In, type: string, scope: MessageDef, end: number): unknown {
  switch (type) {
    case 'uInt32':
    case 'uInt64':
      return readUint(input, end);
    case 'int32':
    case 'sInt32':
    case 'sInt64': {
      // pinus-protobuf's zigzag decoding, on doubles.
      const n = readUint(input, end);
      return (((n % 2) + n) / 2) * (n % 2 === 1 ? -1 : 1);
    }
    case 'bool':
      return readUint(input, end) !== 0;
    case 'float':
    case 'double': {
      const size = type === 'float' ? 4 : 8;
      const { bytes, scratch, pos } = input;
      if (pos + size > end) corrupt(pos, `${type} past the end`);
      for (let i = 0; i < size; i++) scratch.setUint8(i, bytes[pos + i] as number);
      input.pos = pos + size;
      return size === 4 ? scratch.getFloat32(0, true) : scratch.getFloat64(0, true);
    }
    case 'string': {
      const length = readUint(input, end);
      const start = input.pos;
      if (length > end - start) corrupt(start, 'string past the end');
      input.pos = start + length;
      return decodeUtf8(input.bytes, start, start + length);
    }
    default: {
      const def = resolveType(type, scope, input.side);
      if (!def) return corrupt(input.pos, `type ${type}, which the protos do not define`);
      const length = readUint(input, end);
      const stop = input.pos + length;
      if (length > end - input.pos) corrupt(input.pos, 'message past the end');
      const value = readMessage(input, def, stop);
      if (input.pos !== stop) corrupt(input.pos, 'message overrun');
      return value;
    }
  }
}

/** A varint as pinus-protobuf reads it (a double, any length up to 10 bytes), not past `end`. */
function readUint(input: In, end: number): number {
  const { bytes } = input;
  let value = 0;
  let scale = 1;
  for (let i = input.pos; i < end && i < input.pos + 10; i++) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      input.pos = i + 1;
      return value;
    }
    scale *= 128;
  }
  return corrupt(input.pos, 'truncated or overlong varint');
}

function corrupt(at: number, what: string): never {
  return fail('ERR_INVALID_PAYLOAD', `pomelo-protobuf: ${what} at byte ${at}`);
}

function bad(path: string, what: string): never {
  return fail('ERR_SERIALIZE_FAILED', `${path || 'message'}: not ${what}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Math.floor(value) === value && Math.abs(value) <= 9007199254740991;
}

/** `object[key] = value`, with `__proto__` an own key (field names come from the server). Returns `value`. */
function set<T>(object: Record<string, unknown>, key: string, value: T): T {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
  return value;
}
