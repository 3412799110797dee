/**
 * pitaya's error body in protobuf. pitaya serializes error responses (flag 0x20) with the session's serializer, so a
 * pitaya server that speaks protobuf sends its `protos.Error` (pitaya `protos/pitaya.proto`):
 * `message Error { string code = 1; string msg = 2; map<string, string> metadata = 3; }`.
 * Decoded here from the protobuf wire format directly: no protobufjs, no schema, no code generation.
 * @packageDocumentation
 */
import { checkBytes, fail } from './errors.js';
import { decodeUtf8 } from './utf8.js';
import { readVarint } from './varint.js';

/** pitaya's `protos.Error`; fields absent from the bytes have their proto3 defaults. */
export interface PitayaError {
  /** e.g. `PIT-404` (unknown route), `PIT-500` (handler error), or the application's code. */
  code: string;
  msg: string;
  metadata: Record<string, string>;
}

/** Calls `onBytes` for each length-delimited field of the message in `bytes[start, end)`; skips the other fields. */
function readFields(
  bytes: Uint8Array,
  start: number,
  end: number,
  onBytes: (field: number, from: number, to: number) => void,
): void {
  let at = start;
  while (at < end) {
    const tag = readVarint(bytes, at, end);
    const wire = tag.value % 8;
    const field = Math.floor(tag.value / 8);
    at = tag.offset;
    if (field === 0) fail('ERR_INVALID_PAYLOAD', 'field number 0');
    if (wire === 0) {
      at = readVarint(bytes, at, end).offset;
    } else if (wire === 2) {
      const length = readVarint(bytes, at, end);
      at = length.offset + length.value;
      if (at > end) fail('ERR_INVALID_PAYLOAD', `field ${field} overruns the message`);
      onBytes(field, length.offset, at);
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > end) fail('ERR_INVALID_PAYLOAD', `field ${field} overruns the message`);
    } else {
      fail('ERR_INVALID_PAYLOAD', `wire type ${wire}`);
    }
  }
}

/**
 * Decodes pitaya's protobuf `Error` body.
 * @throws {ProtocolError} `ERR_INVALID_PAYLOAD` when the bytes are not a protobuf message of that shape (truncated,
 *   a group or an unknown wire type, invalid UTF-8); `cause` tells which. `ERR_INVALID_ARGUMENT` when `bytes` is not
 *   a Uint8Array.
 */
export function decodePitayaError(bytes: Uint8Array): PitayaError {
  checkBytes(bytes, 'pitaya Error');
  const error: PitayaError = { code: '', msg: '', metadata: {} };
  try {
    readFields(bytes, 0, bytes.length, (field, from, to) => {
      if (field === 1) error.code = decodeUtf8(bytes, from, to);
      else if (field === 2) error.msg = decodeUtf8(bytes, from, to);
      else if (field === 3) {
        // A map entry: key = 1, value = 2. defineProperty: a key such as `__proto__` stays an ordinary key.
        let key = '';
        let value = '';
        readFields(bytes, from, to, (f, a, b) => {
          if (f === 1) key = decodeUtf8(bytes, a, b);
          else if (f === 2) value = decodeUtf8(bytes, a, b);
        });
        Object.defineProperty(error.metadata, key, { value, enumerable: true, writable: true, configurable: true });
      }
    });
  } catch (cause) {
    fail('ERR_INVALID_PAYLOAD', 'not a pitaya protobuf Error', cause);
  }
  return error;
}
