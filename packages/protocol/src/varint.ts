/**
 * Message ids: base-128 varints, least-significant 7-bit group first (LEB128), exactly as nano's Go encoder
 * writes them. Exact for every id up to 2^53−1 (nano's JS client corrupts ids ≥ 2^31 with 32-bit shifts; this
 * code never uses bitwise operators on values that may exceed 2^31).
 * @see docs/protocol.md#message-id
 * @packageDocumentation
 */
import { MAX_MESSAGE_ID } from './constants.js';
import { fail } from './errors.js';

/**
 * Number of bytes the varint of `value` takes (1–8 for ids up to 2^53−1).
 * @throws {ProtocolError} `ERR_INVALID_MESSAGE_ID` if `value` is not an integer in 0…2^53−1.
 */
export function varintLength(value: number): number {
  if (!(value >= 0 && value <= MAX_MESSAGE_ID) || Math.floor(value) !== value)
    fail('ERR_INVALID_MESSAGE_ID', `id ${value}`);
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes the varint of `value` at `offset`; returns the offset after it. `value` must be valid (see {@link varintLength}). */
export function writeVarint(value: number, dest: Uint8Array, offset: number): number {
  while (value >= 128) {
    dest[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  dest[offset++] = value;
  return offset;
}

/** Result of {@link readVarint}: the value and the offset just after the varint. */
export interface VarintRead {
  value: number;
  offset: number;
}

/**
 * Reads a varint at `offset`, not past `end`. Accepts non-minimal forms (`81 00` is 1), as nano does.
 * @throws {ProtocolError} `ERR_TRUNCATED_VARINT` when no terminating byte comes before `end`;
 *   `ERR_INVALID_MESSAGE_ID` when the value exceeds 2^53−1.
 */
export function readVarint(bytes: Uint8Array, offset: number, end: number): VarintRead {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < end; i++) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      // `!(<=)` also catches NaN: a long run of 0x80 bytes drives `scale` to Infinity and 0 * Infinity is NaN.
      if (!(value <= MAX_MESSAGE_ID)) fail('ERR_INVALID_MESSAGE_ID', 'id > 2^53-1');
      return { value, offset: i + 1 };
    }
    scale *= 128;
  }
  return fail('ERR_TRUNCATED_VARINT', 'id');
}
