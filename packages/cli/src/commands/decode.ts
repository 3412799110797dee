/**
 * `nanokit decode`: hex bytes or a capture file → packets and messages.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { RouteDictionary } from '@nanokit/protocol';
import { type CaptureRecord, parseCapture } from '../capture.js';
import { type Command, type CommandArgs, type Io, println, readAll, str, UsageError } from '../command.js';
import { type DecodedFrame, type DecodedPacket, StreamDecoder } from '../decoder.js';
import { CliError, errorMessage } from '../errors.js';
import { fromHex } from '../hex.js';
import { loadSerializer } from '../serializer.js';
import { formatValue, jsonReplacer, paint, type Style, styleFor } from '../style.js';

/** One packet as a line of text: `Data Request #1 Room.Join {"name":"a"}`. */
export function formatPacket(style: Style, p: DecodedPacket): string {
  const m = p.message;
  if (!m) {
    const body = p.body === undefined ? '' : ` ${formatValue(style, p.body)}`;
    return `${paint(style, 'bold', p.packet)}${p.length > 0 && p.body === undefined ? ` (${p.length} B)` : ''}${body}`;
  }
  const parts = [paint(style, 'bold', m.type)];
  if (m.id !== undefined) parts.push(`#${m.id}`);
  if (m.route !== '')
    parts.push(paint(style, 'blue', m.routeCode === undefined ? m.route : `${m.route}(${m.routeCode})`));
  if (m.error) parts.push(paint(style, 'red', 'error'));
  if (m.gzip) parts.push('gzip');
  if (m.bodyText !== undefined) parts.push(`${paint(style, 'dim', 'text')} ${JSON.stringify(m.bodyText)}`);
  else if (m.bodyHex !== undefined) parts.push(`${paint(style, 'dim', 'hex')} ${m.bodyHex}`);
  else if (m.body !== undefined) parts.push(formatValue(style, m.body));
  return parts.join(' ');
}

/** A JSON value read from inline JSON or from a file. */
async function jsonArg(value: string, name: string): Promise<unknown> {
  const text = value.trim().startsWith('{') ? value : await readFile(value, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--${name}: not JSON (${errorMessage(error)})`);
  }
}

async function dictionaryOf(args: CommandArgs): Promise<RouteDictionary | undefined> {
  const dict = str(args, 'dict');
  const hs = str(args, 'handshake');
  if (dict !== undefined) return new RouteDictionary((await jsonArg(dict, 'dict')) as Record<string, number>);
  if (hs === undefined) return undefined;
  const reply = (await jsonArg(hs, 'handshake')) as { sys?: { dict?: Record<string, number> } };
  return new RouteDictionary(reply?.sys?.dict ?? {});
}

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'decode hex bytes or a capture file into packets and messages',
  usage: `Usage: nanokit decode [HEX...] [options]
       echo HEX | nanokit decode
       nanokit decode --capture FILE

Decodes packets and messages. Hex comes from the arguments (one chunk) or from stdin (one chunk per line); a
capture file (JSON lines from \`nanokit record\`, or a recording with "scenarios") decodes per connection and
direction, learning the route dictionary from the handshake and the route of each response from its request.

Options:
  -c, --capture FILE     a capture file
      --handshake JSON   the server's handshake reply (JSON or a file): its sys.dict decodes compressed routes
      --dict JSON        a route → code dictionary (JSON or a file)
      --proto FILE       decode bodies with protobuf (.proto file) ...
      --types JSON       ... and this route → type map: {"requests":{},"responses":{},"pushes":{}}
      --pomelo           decode bodies with pomelo-protobuf, protos from the server's handshake reply
      --json             one JSON object per chunk
  -h, --help             this help

Exit code 1 when a chunk does not decode (the rest is still decoded).`,
  options: {
    capture: { type: 'string', short: 'c' },
    handshake: { type: 'string' },
    dict: { type: 'string' },
    proto: { type: 'string' },
    types: { type: 'string' },
    pomelo: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const dictionary = await dictionaryOf(args);
    const newSerializer = await loadSerializer({
      proto: str(args, 'proto'),
      types: str(args, 'types'),
      pomelo: args.values['pomelo'] === true,
    });
    const decoderOptions = () => ({ serializer: newSerializer(), ...(dictionary ? { dictionary } : {}) });
    const capturePath = str(args, 'capture');
    let records: CaptureRecord[];
    if (capturePath !== undefined) {
      if (args.positionals.length > 0) throw new UsageError('give hex or --capture, not both');
      records = parseCapture(await readFile(capturePath, 'utf8'));
    } else if (args.positionals.length > 0) {
      records = [{ conn: '', hex: args.positionals.join('') }];
    } else {
      if (io.stdin.isTTY) throw new UsageError('no input: give hex, pipe it in, or use --capture FILE');
      const text = await readAll(io.stdin);
      records = text.trim().startsWith('{')
        ? parseCapture(text)
        : text
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((hex) => ({ conn: '', hex }));
    }
    const style = styleFor(io.stdout, io.env);
    const decoders = new Map<string, StreamDecoder>();
    let failed = 0;
    for (const rec of records) {
      if (rec.dir !== 'S>C') continue;
      let decoder = decoders.get(rec.conn);
      if (!decoder) decoders.set(rec.conn, (decoder = new StreamDecoder(decoderOptions())));
      try {
        decoder.prime(fromHex(rec.hex));
      } catch {
        // bad hex is reported by the decoding pass
      }
    }
    for (const rec of records) {
      let decoder = decoders.get(rec.conn);
      if (!decoder) decoders.set(rec.conn, (decoder = new StreamDecoder(decoderOptions())));
      let frame: DecodedFrame;
      try {
        frame = decoder.decode(fromHex(rec.hex), rec.dir);
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        frame = { packets: [], error: { code: error.code, message: error.message } };
      }
      if (frame.error) failed++;
      writeFrame(io, style, rec, frame, args.values['json'] === true);
    }
    for (const [conn, decoder] of decoders) {
      const error = decoder.finish();
      if (!error) continue;
      failed++;
      if (args.values['json'] === true) println(io.stdout, JSON.stringify({ ...(conn ? { conn } : {}), error }));
      else println(io.stdout, `${conn ? `${conn} ` : ''}${paint(style, 'red', `${error.code}: ${error.message}`)}`);
    }
    return failed > 0 ? 1 : 0;
  },
};

function writeFrame(io: Io, style: Style, rec: CaptureRecord, frame: DecodedFrame, json: boolean): void {
  if (json) {
    const out: Record<string, unknown> = {};
    if (rec.conn !== '') out['conn'] = rec.conn;
    if (rec.t !== undefined) out['t'] = rec.t;
    if (rec.dir) out['dir'] = rec.dir;
    out['packets'] = frame.packets;
    if (frame.error) out['error'] = frame.error;
    println(io.stdout, JSON.stringify(out, jsonReplacer));
    return;
  }
  const head = [rec.t === undefined ? '' : `${rec.t}ms`, rec.conn, rec.dir ?? ''].filter((s) => s !== '').join(' ');
  const prefix = head === '' ? '' : `${paint(style, 'dim', head)} `;
  const pad = ' '.repeat(head === '' ? 0 : head.length + 1);
  frame.packets.forEach((p, i) => {
    println(io.stdout, `${i === 0 ? prefix : pad}${formatPacket(style, p)}`);
  });
  if (frame.packets.length === 0 && !frame.error)
    println(io.stdout, `${prefix}${paint(style, 'dim', '(partial packet)')}`);
  if (frame.error) {
    println(
      io.stdout,
      `${frame.packets.length === 0 ? prefix : pad}${paint(style, 'red', `${frame.error.code}: ${frame.error.message}`)}`,
    );
  }
}
