// Client core benchmark: what @nanokit/client (the BUILT dist: run `npm run build` first) costs per message against
// a hand-written decode with the same codec, in one process, with no socket: the transport is an in-process fake
// that hands the client the bytes a server would send, so only the client's own work is timed.
//
//   node bench/client.bench.mjs           # print the table
//   BENCH_ROOT=/other/checkout/ node bench/client.bench.mjs   # the builds of another checkout (before/after)
//   import { runClientBench } from './client.bench.mjs'; await runClientBench({ runs: 7 });
//
// "push": one 50-byte JSON push ("onMessage", the body of the request/response benchmark) delivered to one listener:
// the client from the transport's `onMessage` to the listener, against decodePackets + decodeMessage + the JSON
// serializer + a direct call. "request": `await client.request()` answered in the transport's `send`, against
// encodeDataPacket + the same answer + decode + a callback; the answer is built per request on both sides (the fake
// server's cost is in both columns).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './lib/stats.mjs';
import { ECHO_BODY, ECHO_ROUTE } from './lib/workload.mjs';

const root = process.env.BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const PUSH_ROUTE = 'onMessage';

/**
 * CPU time per operation in ns, for about `ms` ms of wall time. `fn(n)` runs n operations (it may return a
 * Promise). CPU time (`process.cpuUsage`), not wall time: other processes on a shared machine do not count.
 * @param {(n: number) => unknown} fn
 * @param {number} ms
 */
async function measure(fn, ms) {
  let batch = 64;
  for (let t0 = performance.now(); performance.now() - t0 < 2; batch *= 2) await fn(batch);
  let ops = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  do {
    await fn(batch);
    ops += batch;
  } while (performance.now() - start < ms);
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) * 1000) / ops;
}

/**
 * A connected client on an in-process transport. `answer(id)`, when given, is called for every request the client
 * sends, and its bytes are handed back at once, as if the server had answered.
 * @param {any} C the client module
 * @param {any} P the protocol module
 * @param {(id: number) => Uint8Array} [answer]
 */
async function connectedClient(C, P, answer) {
  /** @type {any} */
  let handlers;
  const hello = P.encodePacket(P.PacketType.Handshake, P.encodeHandshakeResponse({ heartbeat: 120 }));
  const client = new C.NanoClient({
    url: 'ws://in-process',
    reconnect: false,
    transport: (_options, h) => {
      handlers = h;
      queueMicrotask(() => h.onOpen());
      return {
        send(data) {
          if (data[0] === P.PacketType.Handshake) queueMicrotask(() => h.onMessage(hello));
          else if (answer && data[0] === P.PacketType.Data && data[4] >> 1 === P.MessageType.Request) {
            h.onMessage(answer(requestId(data)));
          }
          return true;
        },
        close() {
          h.onClose({ code: 1000, reason: '', wasClean: true });
        },
      };
    },
  });
  await client.connect();
  return { client, handlers };
}

/** The id of a Request packet (a varint after the header and the flag). */
function requestId(packet) {
  let id = 0;
  let scale = 1;
  for (let i = 5; ; i++) {
    const b = packet[i];
    id += (b & 0x7f) * scale;
    if (b < 0x80) return id;
    scale *= 128;
  }
}

/**
 * Runs the benchmark: one row per case, ns per message of CPU time for each side (medians of `runs` interleaved
 * measurements) and their ratio (client ÷ hand-written: 1.00x is no overhead).
 * @param {{ runs?: number, ms?: number, log?: (line: string) => void }} [options]
 */
export async function runClientBench(options = {}) {
  const runs = Math.max(3, options.runs ?? 7);
  const ms = options.ms ?? 150;
  const log = options.log ?? (() => {});
  for (const f of ['protocol', 'client']) {
    if (!existsSync(`${root}packages/${f}/dist/index.mjs`))
      throw new Error(`packages/${f}/dist is missing: build first`);
  }
  const P = await import(pathToFileURL(`${root}packages/protocol/dist/index.mjs`).href);
  const C = await import(pathToFileURL(`${root}packages/client/dist/node.mjs`).href);
  const json = P.jsonSerializer;
  let sink = 0;
  const listener = (body) => {
    sink += body.roomId;
  };

  // push
  const push = P.encodeDataPacket({
    type: P.MessageType.Push,
    route: PUSH_ROUTE,
    body: JSON.stringify(ECHO_BODY),
  });
  const pushed = await connectedClient(C, P);
  pushed.client.on(PUSH_ROUTE, listener);
  const clientPush = (n) => {
    const h = pushed.handlers;
    for (let i = 0; i < n; i++) h.onMessage(push);
  };
  const handPush = (n) => {
    for (let i = 0; i < n; i++) {
      for (const packet of P.decodePackets(push)) {
        if (packet.type !== P.PacketType.Data) continue;
        const msg = P.decodeMessage(packet.body);
        listener(json.decode(msg.route, msg.body, msg.type));
      }
    }
  };

  // request
  const body = JSON.stringify(ECHO_BODY);
  const answer = (id) => P.encodeDataPacket({ type: P.MessageType.Response, id, body });
  const asked = await connectedClient(C, P, answer);
  const clientRequest = async (n) => {
    for (let i = 0; i < n; i++) listener(await asked.client.request(ECHO_ROUTE, ECHO_BODY));
  };
  let handId = 0;
  const handRequest = (n) => {
    for (let i = 0; i < n; i++) {
      handId = handId >= 0x7fffffff ? 1 : handId + 1;
      const packet = P.encodeDataPacket({
        type: P.MessageType.Request,
        id: handId,
        route: ECHO_ROUTE,
        body: json.encode(ECHO_ROUTE, ECHO_BODY, P.MessageType.Request),
      });
      for (const p of P.decodePackets(answer(requestId(packet)))) {
        const msg = P.decodeMessage(p.body);
        if (msg.id === handId) listener(json.decode(ECHO_ROUTE, msg.body, msg.type));
      }
    }
  };

  const jobs = [
    { case: 'push: 50 B JSON to one listener', client: clientPush, hand: handPush, c: [], h: [] },
    { case: 'request: await request(), answered in-process', client: clientRequest, hand: handRequest, c: [], h: [] },
  ];
  for (const job of jobs) {
    await measure(job.client, ms / 2);
    await measure(job.hand, ms / 2);
  }
  for (let r = 0; r < runs; r++) {
    for (const job of jobs) {
      const order = r % 2 === 0 ? ['client', 'hand'] : ['hand', 'client'];
      for (const side of order) {
        const ns = await measure(side === 'client' ? job.client : job.hand, ms);
        (side === 'client' ? job.c : job.h).push(ns);
      }
    }
    log(`run ${r + 1}/${runs} done`);
  }
  pushed.client.close();
  asked.client.close();
  if (sink === 0.5) console.log(sink); // keeps the listener's work alive
  return jobs.map((job) => {
    const ratios = job.c.map((c, i) => c / /** @type {number} */ (job.h[i]));
    return {
      case: job.case,
      clientNs: median(job.c),
      handNs: median(job.h),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      runs,
    };
  });
}

/** The rows as text lines. */
export function formatClientRows(rows) {
  return rows.map(
    (r) =>
      `${r.case.padEnd(48)} client ${r.clientNs.toFixed(0).padStart(6)} ns  hand-written ${r.handNs
        .toFixed(0)
        .padStart(6)} ns  ratio ${r.ratio.toFixed(2)}x (${r.ratioMin.toFixed(2)}x–${r.ratioMax.toFixed(2)}x)`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runClientBench({
    runs: Number(process.env.BENCH_RUNS ?? 7),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  for (const line of formatClientRows(rows)) console.log(line);
}
