/**
 * `nanokit replay CAPTURE --target URL`: re-sends the client side of a capture, connection by connection in the
 * capture's order, and reports the responses that differ from the recorded ones.
 * @packageDocumentation
 */

import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { type CaptureRecord, parseCapture } from '../capture.js';
import { CONNECT_OPTIONS, checkUrl } from '../client-options.js';
import { type Command, num, println, str, UsageError } from '../command.js';
import { type DecodedMessage, type DecodedPacket, StreamDecoder } from '../decoder.js';
import { fromHex } from '../hex.js';
import { openLink, type RawLink } from '../link.js';
import { formatValue, paint, styleFor } from '../style.js';

/** A response that differs from the recorded one. */
export interface ReplayDifference {
  conn: string;
  id: number;
  route: string;
  expected: unknown;
  /** What came back; undefined when nothing did before the timeout. */
  actual: unknown;
}

interface Conn {
  link: RawLink;
  decoder: StreamDecoder;
  responses: Map<number, DecodedMessage>;
  handshaken: boolean;
  wake: (() => void) | undefined;
}

/** The body of a decoded message, or its raw form when it did not decode. */
const bodyOf = (m: DecodedMessage | undefined) => (m?.bodyHex === undefined ? m?.body : { hex: m.bodyHex });

export const replayCommand: Command = {
  name: 'replay',
  summary: 're-send the client side of a capture to a server and report responses that differ',
  usage: `Usage: nanokit replay CAPTURE --target URL [options]

Opens one connection to URL per connection of CAPTURE (from \`nanokit record\`), re-sends the client's chunks in the
capture's order (each after the server's handshake reply, and after the responses to the requests sent before it),
and compares every response with the recorded one (decoded bodies, deep equality). Pushes are not compared.

Options:
      --target URL      the server (ws://, wss:// or tcp://)
  -t, --timeout MS      how long to wait for each response (default 5000)
      --json            print {"responses":n,"differences":[…]}
  -h, --help            this help

Exit code 1 when a response differs or is missing.`,
  options: { target: { type: 'string' }, timeout: CONNECT_OPTIONS.timeout, json: { type: 'boolean' } },
  async run(args, io) {
    const file = args.positionals[0];
    if (file === undefined) throw new UsageError('give a capture file');
    const target = checkUrl(str(args, 'target'), '--target');
    const timeout = num(args, 'timeout', 5000);
    const records = parseCapture(await readFile(file, 'utf8'));

    // What the client sent and what the capture says each request got, decoded with the dictionary of the recorded
    // handshake (the replayed connection's own is not known before its reply, and a client may send compressed
    // routes in the same chunk as its ack).
    const recorded = new Map<string, Map<number, DecodedMessage>>();
    const sentPackets = new Map<CaptureRecord, DecodedPacket[]>();
    const expectedDecoders = new Map<string, StreamDecoder>();
    for (const rec of records) {
      let d = expectedDecoders.get(rec.conn);
      if (!d) expectedDecoders.set(rec.conn, (d = new StreamDecoder()));
      const packets = d.decode(fromHex(rec.hex), rec.dir).packets;
      if (rec.dir === 'C>S') sentPackets.set(rec, packets);
      for (const p of packets) {
        if (rec.dir !== 'S>C' || p.message?.type !== 'Response' || p.message.id === undefined) continue;
        let m = recorded.get(rec.conn);
        if (!m) recorded.set(rec.conn, (m = new Map()));
        m.set(p.message.id, p.message);
      }
    }

    const conns = new Map<string, Conn>();
    const differences: ReplayDifference[] = [];
    let compared = 0;
    const until = (conn: Conn, ready: () => boolean) =>
      new Promise<boolean>((resolve) => {
        if (ready()) return resolve(true);
        const timer = setTimeout(() => {
          conn.wake = undefined;
          resolve(false);
        }, timeout);
        conn.wake = () => {
          if (!ready()) return;
          clearTimeout(timer);
          conn.wake = undefined;
          resolve(true);
        };
      });
    try {
      for (const rec of records) {
        if (rec.dir !== 'C>S') continue;
        let conn = conns.get(rec.conn);
        if (!conn) {
          const c: Conn = {
            decoder: new StreamDecoder(),
            responses: new Map(),
            handshaken: false,
            wake: undefined,
            link: undefined as unknown as RawLink,
          };
          c.link = await openLink(target, {
            data(chunk) {
              for (const p of c.decoder.decode(chunk, 'S>C').packets) {
                if (p.packet === 'Handshake') c.handshaken = true;
                const m = p.message;
                if (m?.type === 'Response' && m.id !== undefined) c.responses.set(m.id, m);
              }
              c.wake?.();
            },
            close() {
              c.wake?.();
            },
          });
          conns.set(rec.conn, (conn = c));
        }
        const bytes = fromHex(rec.hex);
        const sent = sentPackets.get(rec) ?? [];
        const c = conn;
        // A handshake ack (or anything after the handshake) waits for the server's handshake reply.
        if (sent.some((p) => p.packet !== 'Handshake') && !c.handshaken) await until(c, () => c.handshaken);
        c.link.send(bytes);
        const ids = sent.flatMap((p) =>
          p.message?.type === 'Request' && p.message.id !== undefined ? [p.message.id] : [],
        );
        if (ids.length > 0) await until(c, () => ids.every((id) => c.responses.has(id)));
        for (const p of sent) {
          const m = p.message;
          if (m?.type !== 'Request' || m.id === undefined) continue;
          const expected = recorded.get(rec.conn)?.get(m.id);
          if (!expected) continue; // the capture ended before its response
          compared++;
          const actual = c.responses.get(m.id);
          if (!actual || actual.error !== expected.error || !isDeepStrictEqual(bodyOf(actual), bodyOf(expected))) {
            differences.push({
              conn: rec.conn,
              id: m.id,
              route: m.route,
              expected: bodyOf(expected),
              actual: bodyOf(actual),
            });
          }
        }
      }
    } finally {
      for (const c of conns.values()) c.link.close();
    }
    if (args.values['json'] === true) {
      println(io.stdout, JSON.stringify({ responses: compared, differences }));
    } else {
      const style = styleFor(io.stdout, io.env);
      for (const d of differences) {
        println(io.stdout, paint(style, 'red', `conn ${d.conn} #${d.id} ${d.route} differs`));
        println(io.stdout, `  recorded: ${formatValue(style, d.expected)}`);
        println(io.stdout, `  now:      ${d.actual === undefined ? '(no response)' : formatValue(style, d.actual)}`);
      }
      println(
        io.stdout,
        `${compared} responses compared over ${conns.size} connection(s), ${differences.length} differ`,
      );
    }
    return differences.length > 0 ? 1 : 0;
  },
};
