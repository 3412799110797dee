/**
 * Kick packets (type 5): the server announces it is closing the session. The body is optional; pomelo sends
 * `{"reason":"…"}`, pitaya an empty body, nano never sends a Kick at all.
 * @see docs/protocol.md#kick
 * @packageDocumentation
 */
import { checkBytes } from './errors.js';
import { escapeAstral, parseJsonObject } from './json.js';
import { encodeUtf8 } from './utf8.js';

/** A parsed Kick body. */
export interface Kick {
  /** The `reason` field when the body carried one as a string. */
  reason?: string;
  /** The whole JSON object, when the body was not empty. */
  raw?: Record<string, unknown>;
}

/**
 * Body of a Kick packet: `{"reason":"…"}`, or empty when `reason` is undefined. Characters above U+FFFF are written
 * as JSON escapes ({@link escapeAstral}), which the deployed JS clients read right (docs/protocol.md#utf-8).
 */
export function encodeKick(reason?: string): Uint8Array {
  return reason === undefined ? new Uint8Array(0) : encodeUtf8(escapeAstral(JSON.stringify({ reason })));
}

/**
 * Parses a Kick body. An empty body is a kick without a reason.
 * @throws {ProtocolError} `ERR_INVALID_KICK` when the body is not empty and not a JSON object;
 *   `ERR_INVALID_ARGUMENT` when it is not a Uint8Array.
 */
export function parseKick(body: Uint8Array): Kick {
  checkBytes(body, 'kick');
  if (body.length === 0) return {};
  const raw = parseJsonObject(body, 'ERR_INVALID_KICK', 'kick');
  const kick: Kick = { raw };
  if (typeof raw['reason'] === 'string') kick.reason = raw['reason'];
  return kick;
}
