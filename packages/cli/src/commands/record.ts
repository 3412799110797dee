/**
 * `nanokit record --listen PORT --target URL`: a proxy between a game and its server that writes every chunk, both
 * ways, to a JSON-lines capture: time, connection, direction, raw hex and the decoded packets.
 * @packageDocumentation
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import type { CaptureRecord } from '../capture.js';
import { checkUrl } from '../client-options.js';
import { type Command, num, println, str, UsageError } from '../command.js';
import { type Direction, StreamDecoder } from '../decoder.js';
import { errorMessage } from '../errors.js';
import { toHex } from '../hex.js';
import { openLink, type RawLink } from '../link.js';

export const recordCommand: Command = {
  name: 'record',
  summary: 'a recording proxy: game ⇄ nanokit ⇄ server, every packet to a JSON-lines capture',
  usage: `Usage: nanokit record --listen PORT --target URL [-o FILE]

Listens on PORT (WebSocket when URL is ws:// or wss://, TCP when it is tcp://), opens a connection to URL for each
client, forwards bytes both ways unchanged, and writes one JSON line per chunk: {"t":ms,"time":ISO,"conn":n,
"dir":"C>S"|"S>C","hex":…,"packets":[decoded]}. Ctrl+C (SIGINT) or SIGTERM stops it. Read the capture with
\`nanokit decode -c FILE\`, replay it with \`nanokit replay FILE --target URL\`.

Options:
  -l, --listen PORT   port to listen on (0: a free one, printed on stderr)
      --host HOST     interface to listen on (default 127.0.0.1)
      --target URL    the server
  -o, --out FILE      the capture (default: stdout)
  -h, --help          this help`,
  options: {
    listen: { type: 'string', short: 'l' },
    host: { type: 'string' },
    target: { type: 'string' },
    out: { type: 'string', short: 'o' },
  },
  async run(args, io) {
    if (str(args, 'listen') === undefined) throw new UsageError('--listen PORT is required');
    const port = num(args, 'listen', 0);
    const host = str(args, 'host') ?? '127.0.0.1';
    const target = checkUrl(str(args, 'target'), '--target');
    const outFile = str(args, 'out');
    const out = outFile === undefined ? io.stdout : createWriteStream(outFile);
    const started = performance.now();
    let nextConn = 1;

    /** One proxied connection: the client side given, the server side opened here. */
    const proxy = (sendToClient: (b: Uint8Array) => void, closeClient: () => void) => {
      const conn = nextConn++;
      const decoder = new StreamDecoder();
      const write = (dir: Direction, bytes: Uint8Array) => {
        const t = Math.round((performance.now() - started) * 10) / 10;
        const rec: CaptureRecord = { t, time: new Date().toISOString(), conn: String(conn), dir, hex: toHex(bytes) };
        const frame = decoder.decode(bytes, dir);
        rec.packets = frame.packets;
        out.write(`${JSON.stringify(frame.error ? { ...rec, error: frame.error } : rec)}\n`);
      };
      const early: Uint8Array[] = [];
      let upstream: RawLink | undefined;
      let closed = false;
      openLink(target, {
        data(chunk) {
          write('S>C', chunk);
          sendToClient(chunk);
        },
        close() {
          closed = true;
          closeClient();
        },
      }).then(
        (link) => {
          if (closed) return link.close();
          upstream = link;
          for (const b of early.splice(0)) link.send(b);
        },
        (error) => {
          println(io.stderr, `record: connection ${conn}: cannot reach ${target}: ${errorMessage(error)}`);
          closeClient();
        },
      );
      return {
        fromClient(bytes: Uint8Array) {
          write('C>S', bytes);
          if (upstream) upstream.send(bytes);
          else early.push(bytes);
        },
        close() {
          closed = true;
          upstream?.close();
        },
      };
    };

    let stop: () => Promise<void>;
    let bound: number;
    if (target.startsWith('tcp://')) {
      const server = net.createServer((socket) => {
        socket.setNoDelay(true);
        const p = proxy(
          (b) => socket.write(b),
          () => socket.destroy(),
        );
        socket.on('data', (d: Buffer) => p.fromClient(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
        socket.on('error', () => socket.destroy());
        socket.on('close', () => p.close());
      });
      server.listen(port, host);
      await once(server, 'listening');
      bound = (server.address() as net.AddressInfo).port;
      stop = () => new Promise((resolve) => server.close(() => resolve()));
    } else {
      const wss = new WebSocketServer({ port, host, perMessageDeflate: false });
      await once(wss, 'listening');
      wss.on('connection', (ws) => {
        const p = proxy(
          (b) => ws.send(b),
          () => ws.terminate(),
        );
        ws.on('message', (d: Buffer) => p.fromClient(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
        ws.on('error', () => ws.terminate());
        ws.on('close', () => p.close());
      });
      bound = (wss.address() as net.AddressInfo).port;
      stop = () =>
        new Promise((resolve) => {
          for (const ws of wss.clients) ws.terminate();
          wss.close(() => resolve());
        });
    }
    const scheme = target.startsWith('tcp://') ? 'tcp' : 'ws';
    println(io.stderr, `record: listening on ${scheme}://${host}:${bound} → ${target} (Ctrl+C stops)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stop();
    if (out !== io.stdout) await new Promise<void>((resolve) => (out as NodeJS.WritableStream).end(() => resolve()));
    println(io.stderr, `record: stopped after ${nextConn - 1} connection(s)`);
    return 0;
  },
};
