/**
 * The CLI's error class and its stable codes. Every code is listed in docs/errors.md.
 * @packageDocumentation
 */
import { NanoError, type NanoErrorOptions } from '@nanokit/protocol';

/**
 * Stable codes of @nanokit/cli. Codes never change meaning between releases.
 * @see docs/errors.md
 */
export const CliErrorCode = {
  /** Bad command line: unknown command or option, missing argument, bad number. Exit code 2. */
  Usage: 'ERR_USAGE',
  /** Text that should be hex bytes is not (odd length, non-hex characters). */
  BadHex: 'ERR_BAD_HEX',
  /** A capture file that is neither nanokit JSON lines nor a recording with `scenarios`. */
  BadCapture: 'ERR_BAD_CAPTURE',
  /** A scenario file that does not describe steps the bots can run. */
  BadScenario: 'ERR_BAD_SCENARIO',
  /** A REPL command that cannot be parsed (unknown command, body that is not JSON). */
  BadCommand: 'ERR_BAD_COMMAND',
  /** An `expect` matcher did not match a response or a push. */
  ExpectationFailed: 'ERR_EXPECTATION_FAILED',
  /** A `wait` step saw no push of its route in time. */
  PushTimeout: 'ERR_PUSH_TIMEOUT',
  /** A `.proto` file, a route → type map, or a serializer option that cannot be used. */
  BadSerializer: 'ERR_BAD_SERIALIZER',
} as const;
/** One of the {@link CliErrorCode} values. */
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** Every error the CLI raises itself; client and protocol errors pass through with their own codes. */
export class CliError extends NanoError {
  constructor(code: CliErrorCode, message: string, options?: NanoErrorOptions) {
    super(code, message, options);
    this.name = 'CliError';
  }
}

/** `code` of any nanokit error (or a Node system error), else `'ERR_UNKNOWN'`. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : typeof code === 'number' ? String(code) : 'ERR_UNKNOWN';
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
