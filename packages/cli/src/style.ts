/**
 * Output styling: colours and pretty-printing on a terminal, plain single-line JSON when piped.
 * @packageDocumentation
 */
import { styleText } from 'node:util';

/** How output is written. */
export interface Style {
  /** ANSI colours (a TTY without `NO_COLOR`). */
  color: boolean;
  /** Bodies indented over several lines. */
  pretty: boolean;
}

/** Plain output, for pipes and files. */
export const PLAIN: Style = { color: false, pretty: false };

type Format = Parameters<typeof styleText>[0];

/** `text` in `format` when colours are on. */
export function paint(style: Style, format: Format, text: string): string {
  return style.color ? styleText(format, text) : text;
}

/** The style for a stream: colours and pretty bodies on a TTY, unless `NO_COLOR` is set. */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  const tty = stream.isTTY === true;
  return { color: tty && !('NO_COLOR' in env) && env['TERM'] !== 'dumb', pretty: tty };
}

const TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;

/** A JSON value as text: pretty and coloured per `style`. `undefined` prints as nothing. */
export function formatValue(style: Style, value: unknown): string {
  if (value === undefined) return '';
  let text: string;
  try {
    text = JSON.stringify(value, jsonReplacer, style.pretty ? 2 : undefined) ?? String(value);
  } catch {
    text = String(value);
  }
  if (!style.color) return text;
  return text.replace(TOKEN, (all, str: string | undefined, colon: string | undefined, num, lit) => {
    if (str !== undefined) return colon ? styleText('cyan', str) + colon : styleText('green', str);
    if (num !== undefined) return styleText('yellow', all);
    if (lit !== undefined) return styleText('magenta', all);
    return all;
  });
}

/** JSON.stringify replacer: bytes as hex, bigints as strings, so any decoded body prints. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/** Local wall-clock time `HH:MM:SS.mmm`. */
export function clock(date: Date = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}`;
}
