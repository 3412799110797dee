/**
 * What every subcommand provides, and the streams it runs with.
 * @packageDocumentation
 */
import type { ParseArgsConfig } from 'node:util';
import { CliError } from './errors.js';

/** The process streams a command uses (tests and embedders may pass others). */
export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Parsed arguments of one command. */
export interface CommandArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** A subcommand of `nanokit`. */
export interface Command {
  name: string;
  /** One line for `nanokit --help`. */
  summary: string;
  /** The text of `nanokit <name> --help`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Runs the command; resolves with the exit code. */
  run(args: CommandArgs, io: Io): Promise<number>;
}

/** A string option's value, or undefined. */
export function str(args: CommandArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A numeric option's value, or `fallback`.
 * @throws {CliError} `ERR_USAGE` when it is not a number in range.
 */
export function num(args: CommandArgs, name: string, fallback: number, min = 0): number {
  const v = str(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min) {
    throw new UsageError(`--${name} must be a number ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** A usage error (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

/** Reads a whole stream as text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes a line. */
export function println(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
