/**
 * Small helpers shared by the server modules.
 * @packageDocumentation
 */

import { isNanoError, ProtocolErrorCode } from '@nanokit/protocol';
import type { ServerErrorCode } from './errors.js';
import { ServerErrorCode as Codes } from './errors.js';
import type { Logger } from './options.js';
import { EndMode, type Session, WsCloseCode } from './session.js';

/** @internal True for objects with a `then` method (promises and other thenables). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** @internal The message of an error, or its string form. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** @internal A Buffer view of the bytes (no copy): ws sends Buffers as they are, other views are wrapped per send. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** @internal Malformed input: logs the reason and closes only this connection, after a Kick with the reason. */
export function closeForProtocolError(logger: Logger, session: Session, error: unknown): void {
  const code = isNanoError(error) ? error.code : 'unknown';
  const reason = `protocol violation (${code}): ${errorText(error)}`;
  logger.warn('malformed input, closing the connection', {
    session: session.id,
    remoteAddress: session.remoteAddress,
    code,
    error,
  });
  const wsCode = code === ProtocolErrorCode.PacketTooLarge ? WsCloseCode.MessageTooBig : WsCloseCode.ProtocolError;
  session._end(Codes.Protocol, reason, EndMode.Kick, wsCode);
}

/** @internal A packet out of order: logs it and closes only this connection, after a Kick with the reason. */
export function closeForViolation(logger: Logger, session: Session, code: ServerErrorCode, reason: string): void {
  logger.warn(`${reason}, closing the connection`, {
    session: session.id,
    remoteAddress: session.remoteAddress,
    code,
  });
  session._end(code, reason, EndMode.Kick, WsCloseCode.ProtocolError);
}
