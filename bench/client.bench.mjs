// Client core benchmark: what @nanokit/client (the BUILT dist: run `npm run build` first) costs per message against
// a hand-written decode with the same codec, in one process, with no socket: the transport is an in-process fake
// that hands the client the bytes a server would send, so only the client's own work is timed.
//
//   node bench/client.bench.mjs           # print the table
//   BENCH_ROOT=/other/checkout/ node bench/client.bench.mjs   # the builds of another checkout (before/after)
//   BENCH_CLIENTS=100 node bench/client.bench.mjs          # the many-clients case with 100 clients
//   import { runClientBench } from './client.bench.mjs'; await runClientBench({ runs: 8 });
//
// "push": one 50-byte JSON push ("onMessage", the body of the request/response benchmark) delivered to one listener:
// the client from the transport's `onMessage` to the listener, against decodePackets + decodeMessage + the JSON
// serializer + a direct call. "request": `await client.request()` answered in the transport's `send`, against
// encodeDataPacket + the same answer + decode + a callback; the answer is built per request on both sides (the fake
// server's cost is in both columns). "1000 clients": a thousand connected clients with one request outstanding each,
// answered from macrotasks as sockets answer, against as many hand-written sessions awaiting a Promise each: the
// in-process view of a load test, where each client's objects have left the CPU's caches by its next answer.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { poolRows } from './lib/stats.mjs';
import { ECHO_BODY, ECHO_ROUTE } from './lib/workload.mjs';

const root = process.env.BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const PUSH_ROUTE = 'onMessage';
/** Clients in the many-clients case (`BENCH_CLIENTS` to try another count). */
const MANY = Number(process.env.BENCH_CLIENTS ?? 1000);

/**
 * CPU time per operation in ns, for about `ms` ms of wall time. `fn(n)` runs n operations (it may return a
 * Promise). CPU time (`process.cpuUsage`), not wall time: other processes on a shared machine do not count.
 * @param {(n: number) => unknown} fn
 * @param {number} ms
 * @param {number} [callMs]
 */
async function measure(fn, ms, callMs = 2) {
  let batch = 64;
  // Batches of at least `callMs`, so that what a call costs by itself (starting the sessions) does not count.
  for (let t0 = performance.now(); performance.now() - t0 < callMs; batch *= 2) await fn(batch);
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
 * sends, and its bytes are handed back at once, as if the server had answered; with `later`, from a macrotask of
 * their own, as a socket delivers them.
 * @param {any} C the client module
 * @param {any} P the protocol module
 * @param {(id: number) => Uint8Array} [answer]
 */
async function connectedClient(C, P, answer, later = false, options = {}) {
  /** @type {any} */
  let handlers;
  const hello = P.encodePacket(P.PacketType.Handshake, P.encodeHandshakeResponse({ heartbeat: 120 }));
  const client = new C.NanoClient({
    ...options,
    url: 'ws://in-process',
    reconnect: false,
    transport: (_options, h) => {
      handlers = h;
      queueMicrotask(() => h.onOpen());
      return {
        send(data) {
          if (data[0] === P.PacketType.Handshake) queueMicrotask(() => h.onMessage(hello));
          else if (answer && data[0] === P.PacketType.Data && data[4] >> 1 === P.MessageType.Request) {
            const bytes = answer(requestId(data));
            if (later) setImmediate(() => h.onMessage(bytes));
            else h.onMessage(bytes);
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
 * The many-clients case: `count` connected clients, and as many hand-written sessions awaiting a Promise each, each
 * with one request outstanding, answered (`answer(id)`) from a macrotask as a socket answers. By the time a session
 * gets its answer the others have run, so the objects its round touches are no longer in the CPU's caches (with 1 to
 * 100 clients they are, and the client costs what a hand-written loop does): what a bots or load-test process pays.
 * `clients(n)` and `hand(n)` run `n` requests spread over all sessions; `listener` gets every answer.
 * @param {any} C the client module
 * @param {any} P the protocol module
 * @param {number} count
 * @param {(id: number) => Uint8Array} answer
 * @param {(body: any) => void} listener
 * @param {object} [clientOptions] more options for each `NanoClient`
 */
export async function manyLoops(C, P, count, answer, listener, clientOptions = {}) {
  const json = P.jsonSerializer;
  const many = [];
  for (let i = 0; i < count; i++) many.push((await connectedClient(C, P, answer, true, clientOptions)).client);
  let left = 0;
  const clients = (n) => {
    left = n;
    return Promise.all(
      many.map(async (client) => {
        while (left > 0) {
          left--;
          listener(await client.request(ECHO_ROUTE, ECHO_BODY));
        }
      }),
    );
  };
  const handSessions = Array.from({ length: count }, () => ({ id: 0, resolve: (_body) => {} }));
  const hand = (n) => {
    left = n;
    return Promise.all(
      handSessions.map(async (session) => {
        const onData = (data) => {
          for (const p of P.decodePackets(data)) {
            const msg = P.decodeMessage(p.body);
            if (msg.id === session.id) session.resolve(json.decode(ECHO_ROUTE, msg.body, msg.type));
          }
        };
        while (left > 0) {
          left--;
          const body = await new Promise((resolve) => {
            session.resolve = resolve;
            session.id = session.id >= 0x7fffffff ? 1 : session.id + 1;
            const packet = P.encodeDataPacket({
              type: P.MessageType.Request,
              id: session.id,
              route: ECHO_ROUTE,
              body: json.encode(ECHO_ROUTE, ECHO_BODY, P.MessageType.Request),
            });
            const bytes = answer(requestId(packet));
            setImmediate(() => onData(bytes));
          });
          listener(body);
        }
      }),
    );
  };
  const close = () => {
    for (const client of many) client.close();
  };
  return { clients, hand, close };
}

/**
 * Runs the benchmark: one row per case, ns per message of CPU time for each side (medians of `runs` interleaved
 * measurements; default 8, an even count, so that each side is measured first as often as the other) and their
 * ratio (client ÷ hand-written: 1.00x is no overhead).
 * @param {{ runs?: number, ms?: number, log?: (line: string) => void }} [options]
 */
export async function runClientBench(options = {}) {
  const runs = Math.max(2, options.runs ?? 8);
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

  const { clients: manyClients, hand: manyHand, close: closeMany } = await manyLoops(C, P, MANY, answer, listener);

  const jobs = [
    { case: 'push: 50 B JSON to one listener', client: clientPush, hand: handPush, c: [], h: [] },
    { case: 'request: await request(), answered in-process', client: clientRequest, hand: handRequest, c: [], h: [] },
    {
      case: `request: ${MANY} clients, answers per macrotask`,
      client: manyClients,
      hand: manyHand,
      c: [],
      h: [],
      callMs: 40,
    },
  ];
  for (const job of jobs) {
    await measure(job.client, ms / 2, job.callMs);
    await measure(job.hand, ms / 2, job.callMs);
  }
  for (let r = 0; r < runs; r++) {
    for (const job of jobs) {
      const order = r % 2 === 0 ? ['client', 'hand'] : ['hand', 'client'];
      for (const side of order) {
        const ns = await measure(side === 'client' ? job.client : job.hand, ms, job.callMs);
        (side === 'client' ? job.c : job.h).push(ns);
      }
    }
    log(`run ${r + 1}/${runs} done`);
  }
  pushed.client.close();
  asked.client.close();
  closeMany();
  if (sink === 0.5) console.log(sink); // keeps the listener's work alive
  return poolClientRows([jobs.map((job) => ({ case: job.case, clientRuns: job.c, handRuns: job.h }))]);
}

/**
 * @typedef {object} ClientRow
 * @property {string} case
 * @property {number} clientNs CPU ns per message, median of every run
 * @property {number} handNs the same for the hand-written side
 * @property {number} ratio median of the paired ratios (each client run ÷ the hand-written run beside it)
 * @property {number} ratioMin lowest paired ratio
 * @property {number} ratioMax highest paired ratio
 * @property {number} processMin lowest of the processes' own median ratios
 * @property {number} processMax highest of them
 * @property {number} runs runs in all
 * @property {number} processes processes the runs were made in
 * @property {number[]} clientRuns every client run, in the order measured
 * @property {number[]} handRuns every hand-written run
 */

/**
 * Pools the rows of several processes (`runClientBench` in each): every run counts once. `npm run bench` runs this
 * benchmark in three processes, as the codec's (see `poolProtocolRows` in protocol.bench.mjs).
 * @param {Array<Array<{ case: string, clientRuns: number[], handRuns: number[] }>>} perProcess
 * @returns {ClientRow[]}
 */
export function poolClientRows(perProcess) {
  return poolRows(perProcess, (r) => r.case, 'clientRuns', 'handRuns').map(({ row, pooled, aRuns, bRuns }) => ({
    case: row.case,
    clientNs: pooled.a,
    handNs: pooled.b,
    ratio: pooled.ratio,
    ratioMin: pooled.ratioMin,
    ratioMax: pooled.ratioMax,
    processMin: pooled.processMin,
    processMax: pooled.processMax,
    runs: pooled.runs,
    processes: pooled.processes,
    clientRuns: aRuns,
    handRuns: bRuns,
  }));
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
    runs: Number(process.env.BENCH_RUNS ?? 8),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  for (const line of formatClientRows(rows)) console.log(line);
}
