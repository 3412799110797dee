/**
 * Small helpers shared by the server modules.
 * @packageDocumentation
 */

/**
 * True for objects with a `then` method (promises and other thenables). Never throws: a value whose `then`
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
 * The message of an error, or its string form. Total: values `String()` cannot convert (a prototype-less
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

/** A Buffer view of the bytes (no copy): ws sends Buffers as they are, other views are wrapped per send. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
