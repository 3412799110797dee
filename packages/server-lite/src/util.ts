/**
 * Small helpers shared by the server modules.
 * @packageDocumentation
 */

import { isNanoError, ProtocolErrorCode } from '@nanokit/protocol';
import type { ServerErrorCode } from './errors.js';
import { ServerErrorCode as Codes } from './errors.js';
import type { Logger } from './options.js';
import { EndMode, type Session, WsCloseCode } from './session.js';

/**
 * @internal True for objects with a `then` method (promises and other thenables). Never throws: a value whose `then`
 * cannot be read (a throwing getter) counts as a thenable, so `Promise.resolve` reads it again and rejects with what
 * it threw.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return true;
  }
}

/**
 * @internal The message of an error, or its string form. Total: values `String()` cannot convert (a prototype-less
 * object, a throwing `toString`, a revoked proxy) give their `Object.prototype.toString` tag or a fixed text.
 */
export function errorText(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    try {
      return Object.prototype.toString.call(error);
    } catch {
      return 'an error that cannot be converted to a string';
    }
  }
}

/**
 * @internal The logger with every method guarded: a logger that throws is ignored, so logging can never break a
 * connection, a promise callback or the process. A logger that failed with a `RangeError` (the stack overflowed:
 * the line to log is often about that very overflow) is called again once from a microtask, on a fresh stack, so
 * the line is not lost.
 */
export function safeLogger(logger: Logger): Logger {
  const guard =
    (level: keyof Logger) =>
    (message: string, context?: Record<string, unknown>): void => {
      try {
        logger[level](message, context);
      } catch (error) {
        if (!(error instanceof RangeError)) return; // Nowhere left to report it.
        try {
          queueMicrotask(() => {
            try {
              logger[level](message, context);
            } catch {
              // It fails on a fresh stack too: nowhere left to report it.
            }
          });
        } catch {
          // Not even that much stack is left.
        }
      }
    };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
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
