/**
 * Capture files: nanokit's JSON lines (what `nanokit record` writes) and recordings shaped like the repository's
 * `nano-real-server.json` (`{ scenarios: [{ scenario, steps: [{ t, conn, dir, hex }] }] }`).
 * @packageDocumentation
 */
import type { DecodedPacket, Direction } from './decoder.js';
import { CliError } from './errors.js';

/** One chunk of a capture: the bytes of one WebSocket message or one TCP read, one way. */
export interface CaptureRecord {
  /** Milliseconds since the capture started. */
  t?: number;
  /** Wall-clock time (ISO 8601), in nanokit captures. */
  time?: string;
  /** The connection: records of one connection decode as one stream. */
  conn: string;
  dir?: Direction;
  /** The raw bytes, hex. */
  hex: string;
  /** The decoded packets, as written by `nanokit record`. */
  packets?: DecodedPacket[];
}

const isDirection = (dir: unknown): dir is Direction => dir === 'C>S' || dir === 'S>C';

function record(raw: unknown, where: string, conn: (value: unknown) => string): CaptureRecord | undefined {
  if (typeof raw !== 'object' || raw === null) throw new CliError('ERR_BAD_CAPTURE', `${where}: not an object`);
  const r = raw as Record<string, unknown>;
  if (r['hex'] === undefined) return undefined; // notes and events of a recording
  if (typeof r['hex'] !== 'string') throw new CliError('ERR_BAD_CAPTURE', `${where}: "hex" is not a string`);
  const out: CaptureRecord = { conn: conn(r['conn']), hex: r['hex'] };
  if (typeof r['t'] === 'number') out.t = r['t'];
  if (typeof r['time'] === 'string') out.time = r['time'];
  if (isDirection(r['dir'])) out.dir = r['dir'];
  else if (r['dir'] !== undefined) throw new CliError('ERR_BAD_CAPTURE', `${where}: "dir" must be "C>S" or "S>C"`);
  if (Array.isArray(r['packets'])) out.packets = r['packets'] as DecodedPacket[];
  return out;
}

/**
 * Parses a capture file's text.
 * @throws {CliError} `ERR_BAD_CAPTURE` naming the line or step that is wrong.
 */
export function parseCapture(text: string): CaptureRecord[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  // A recording is one JSON document with `scenarios`; JSON lines have one record per line.
  if (trimmed.startsWith('{') && !trimmed.includes('\n{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      doc = undefined;
    }
    const scenarios = (doc as { scenarios?: unknown } | undefined)?.scenarios;
    if (Array.isArray(scenarios)) {
      const out: CaptureRecord[] = [];
      scenarios.forEach((s: { scenario?: unknown; transport?: unknown; steps?: unknown }, i) => {
        if (!Array.isArray(s?.steps)) throw new CliError('ERR_BAD_CAPTURE', `scenario ${i + 1}: no "steps" array`);
        const name = `${String(s.scenario ?? i + 1)}${s.transport ? `/${String(s.transport)}` : ''}`;
        s.steps.forEach((step: unknown, j: number) => {
          const r = record(step, `scenario ${name} step ${j + 1}`, (c) => `${name}:${String(c ?? '')}`);
          if (r) out.push(r);
        });
      });
      return out;
    }
  }
  const out: CaptureRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new CliError('ERR_BAD_CAPTURE', `line ${i + 1}: not JSON`);
    }
    const r = record(raw, `line ${i + 1}`, (c) => String(c ?? ''));
    if (r) out.push(r);
  });
  return out;
}
