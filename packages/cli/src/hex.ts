/**
 * Hex text ↔ bytes.
 * @packageDocumentation
 */
import { CliError } from './errors.js';

/** Bytes as lower-case hex, no separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Parses hex text. Whitespace, `:` and `0x` prefixes are ignored, so `01 00 00 3b`, `0x01,0x00` and xxd-style
 * pairs all work.
 * @throws {CliError} `ERR_BAD_HEX` for anything else, or an odd number of digits.
 */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/0x/gi, '').replace(/[\s:,]/g, '');
  if (!/^[0-9a-f]*$/i.test(digits)) {
    const bad = digits.match(/[^0-9a-f]/i)?.[0];
    throw new CliError('ERR_BAD_HEX', `not hex: unexpected character ${JSON.stringify(bad)}`);
  }
  if (digits.length % 2 !== 0) throw new CliError('ERR_BAD_HEX', `not hex: odd number of digits (${digits.length})`);
  return new Uint8Array(Buffer.from(digits, 'hex'));
}
