// Codec benchmark: @nanokit/protocol (the BUILT dist: run `npm run build` first) against pinus-protocol, in the same
// process, interleaved, median of several runs (the ratio: of each run's ratio). It fills the block between the
// `codec` markers of docs/benchmarks.md; so does `npm run bench`, which pools three processes (`poolProtocolRows`).
// The prose around the block is hand-written there.
//
//   node bench/protocol.bench.mjs            # print the table and fill its block of docs/benchmarks.md
//   import { runProtocolBench } from './protocol.bench.mjs'; await runProtocolBench({ runs: 8 });
//
// "full" = JSON.stringify + encode message + encode packet + decode packet + decode message + JSON.parse.
// "framing" = the same with the payload already bytes (no JSON, no UTF-8). Our side encodes message and packet in
// one step (PacketWriter.encodeDataPacket, byte-identical to encodePacket(Data, encodeMessage(…))); pinus-protocol
// needs Message.encode then Package.encode. Every case is checked for correct output before it is timed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fillSection, mdTable } from './lib/markdown.mjs';
import { poolRows } from './lib/stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const distEntry = `${root}packages/protocol/dist/index.mjs`;

/** A JSON body of about `bytes` bytes. */
function bodyOfSize(bytes) {
  const items = [];
  let size = 12;
  for (let i = 0; size < bytes - 60; i++) {
    const item = { id: i, name: `player-${i}`, score: (i * 7919) % 10007, online: i % 3 === 0 };
    size += JSON.stringify(item).length + 1;
    items.push(item);
  }
  const value = { items };
  const pad = bytes - JSON.stringify(value).length - 10;
  if (pad > 0) value.note = 'x'.repeat(pad);
  return value;
}

/** The benchmark cases: one message each. */
function cases() {
  const join = { roomId: 42, name: 'alice', pos: { x: 1.5, y: -2 } };
  return [
    {
      key: 'a',
      label: '(a) request id 1234 "Room.Join", 50 B JSON',
      type: 0,
      id: 1234,
      route: 'Room.Join',
      value: join,
    },
    {
      key: 'b',
      label: '(b) same, route compressed (code 1)',
      type: 0,
      id: 1234,
      route: 'Room.Join',
      value: join,
      dict: true,
    },
    { key: 'c', label: '(c) push "onMessage", 1 KB JSON', type: 3, id: 0, route: 'onMessage', value: bodyOfSize(1024) },
    { key: 'd', label: '(d) response id 1234, 60 KB JSON', type: 2, id: 1234, route: '', value: bodyOfSize(60 * 1024) },
  ];
}

function makeOurs(P, c) {
  const dictionary = c.dict ? new P.RouteDictionary({ 'Room.Join': 1, onMessage: 2 }) : undefined;
  const writer = new P.PacketWriter({ dictionary });
  const serializer = P.jsonSerializer;
  const decodeOptions = { dictionary };
  const bytes = P.encodeUtf8(JSON.stringify(c.value));
  const { type, id, route } = c;
  // Decoding a Response needs the route of its request (an id → route map in a real client).
  const full = () => {
    const packet = writer.encodeDataPacket({ type, id, route, body: serializer.encode(route, c.value, type) });
    const msg = P.decodeMessage(P.decodePackets(packet)[0].body, decodeOptions);
    return serializer.decode(msg.route || route, msg.body, msg.type);
  };
  const framing = () => {
    const packet = writer.encodeDataPacket({ type, id, route, body: bytes });
    return P.decodeMessage(P.decodePackets(packet)[0].body, decodeOptions);
  };
  return { full, framing };
}

function makePinus(pinus, c) {
  const { Package, Message, Protocol } = pinus;
  const codes = { 'Room.Join': 1, onMessage: 2 };
  const abbrs = { 1: 'Room.Join', 2: 'onMessage' };
  const buf = Buffer.from(JSON.stringify(c.value));
  const { type, id, route } = c;
  const compress = c.dict === true && type !== 2;
  const wireRoute = compress ? codes[route] : route;
  const full = () => {
    const msg = Message.encode(id, type, compress, wireRoute, Protocol.strencode(JSON.stringify(c.value)));
    const packet = Package.encode(Package.TYPE_DATA, msg);
    const decoded = Message.decode(Package.decode(packet).body);
    if (decoded.compressRoute) decoded.route = abbrs[decoded.route];
    return JSON.parse(Protocol.strdecode(decoded.body));
  };
  const framing = () => {
    const msg = Message.encode(id, type, compress, wireRoute, buf);
    const packet = Package.encode(Package.TYPE_DATA, msg);
    const decoded = Message.decode(Package.decode(packet).body);
    if (decoded.compressRoute) decoded.route = abbrs[decoded.route];
    return decoded;
  };
  return { full, framing };
}

/**
 * A reference, not a codec: the least any implementation of case (a)'s full round can do in JavaScript. One
 * `TextEncoder.encodeInto` of the JSON into a pooled slab behind 17 hard-coded header bytes, one view, one
 * `TextDecoder.decode`, and JSON; no validation, no objects. It shows how much of the round JSON and the native
 * UTF-8 calls take, whatever the codec does.
 */
function makeMinimal(c) {
  const te = new TextEncoder();
  const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const head = new Uint8Array([4, 0, 0, 0, 0x00, 0xd2, 0x09, 9, ...new TextEncoder().encode('Room.Join')]);
  let slab = new Uint8Array(16384);
  let used = 0;
  return () => {
    const json = JSON.stringify(c.value);
    if (slab.length - used < head.length + 3 * json.length) {
      slab = new Uint8Array(16384);
      used = 0;
    }
    const base = used;
    slab.set(head, base);
    const n = te.encodeInto(json, slab.subarray(base + head.length)).written;
    slab[base + 3] = head.length - 4 + n;
    used = base + head.length + n;
    const packet = slab.subarray(base, used);
    return JSON.parse(td.decode(packet.subarray(head.length)));
  };
}

/**
 * A second reference: the least a conforming codec does for one message per frame, with no options and no state
 * across messages. What `makeMinimal` does, plus what the protocol asks of any codec: the header fields written from
 * the message (flag, id varint for requests and responses, UTF-8 route with its length for the others) and read back
 * with every bound checked (one Data packet filling the frame, message type, id limit, route length; a compressed
 * route, which needs a dictionary this codec does not have, is refused), the route decoded into a string, and one
 * message object with the flags a caller needs (error, gzip). No dictionary, no large-packet path, no other errors
 * than a throw. `checkLeanConforming` holds it to pinus-protocol's bytes and to refusing what it cannot decode.
 * @returns {{ round: () => unknown, encode: (type: number, id: number, route: string, json: string) => Uint8Array,
 *   decode: (bytes: Uint8Array) => { type: number, id: number, route: string, body: Uint8Array, error: boolean,
 *   gzip: boolean } }}
 */
export function makeLeanConforming(c) {
  const te = new TextEncoder();
  const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let slab = new Uint8Array(16384);
  let used = 0;
  const encode = (type, id, route, json) => {
    if (type !== 0 && type !== 1 && type !== 2 && type !== 3) throw new Error('unknown message type');
    const withId = type === 0 || type === 2;
    if (withId && !(Number.isInteger(id) && id >= 0 && id <= Number.MAX_SAFE_INTEGER)) throw new Error('bad id');
    const withRoute = type !== 2;
    const bound = 11 + 3 * route.length + 3 * json.length;
    if (slab.length - used < bound) {
      slab = new Uint8Array(Math.max(16384, bound));
      used = 0;
    }
    const base = used;
    let p = base + 4;
    slab[p++] = type << 1;
    if (withId) {
      let v = id;
      for (; v >= 128; v = Math.floor(v / 128)) slab[p++] = (v & 0x7f) | 0x80;
      slab[p++] = v;
    }
    if (withRoute) {
      const at = p++;
      let ascii = true;
      for (let i = 0; i < route.length && ascii; i++) ascii = route.charCodeAt(i) < 0x80;
      if (ascii) for (let i = 0; i < route.length; i++) slab[p++] = route.charCodeAt(i);
      else p += te.encodeInto(route, slab.subarray(p)).written;
      if (p - at - 1 > 255) throw new Error('route too long');
      slab[at] = p - at - 1;
    }
    p += te.encodeInto(json, slab.subarray(p)).written;
    const n = p - base - 4;
    if (n > 0xffffff) throw new Error('packet too large');
    slab[base] = 4;
    slab[base + 1] = n >>> 16;
    slab[base + 2] = n >>> 8;
    slab[base + 3] = n;
    used = p;
    return slab.subarray(base, p);
  };
  const decode = (b) => {
    const end = b.length;
    if (end < 5 || b[0] !== 4 || ((b[1] << 16) | (b[2] << 8) | b[3]) !== end - 4)
      throw new Error('not one Data packet');
    const flag = b[4];
    const type = (flag >> 1) & 7;
    if (type > 3) throw new Error('unknown message type');
    let o = 5;
    let id = 0;
    if (type === 0 || type === 2) {
      for (let scale = 1; ; scale *= 128) {
        if (o >= end) throw new Error('truncated id');
        const x = b[o++];
        id += (x & 0x7f) * scale;
        if (x < 128) break;
      }
      if (!(id <= Number.MAX_SAFE_INTEGER)) throw new Error('id too large'); // NaN too (a long run of 0x80)
    }
    let route = '';
    if (type !== 2) {
      if (flag & 1) throw new Error('compressed route without a dictionary');
      if (o >= end) throw new Error('missing route');
      const length = b[o++];
      if (o + length > end) throw new Error('route overruns the message');
      const units = new Array(length);
      let ascii = true;
      for (let i = 0; i < length && ascii; i++) ascii = (units[i] = b[o + i]) < 0x80;
      route = ascii ? String.fromCharCode.apply(null, units) : td.decode(b.subarray(o, o + length));
      o += length;
    }
    return { type, id, route, body: b.subarray(o), error: (flag & 0x20) !== 0, gzip: (flag & 0x10) !== 0 };
  };
  const round = () => {
    const msg = decode(encode(c.type, c.id, c.route, JSON.stringify(c.value)));
    return JSON.parse(td.decode(msg.body));
  };
  return { round, encode, decode };
}

/**
 * Operations per second of `fn`, run in batches for about `ms` milliseconds of wall time. The seconds are the CPU
 * time of this process (`process.cpuUsage`, user + system), not wall time: on a shared machine other processes steal
 * the CPU at random, and CPU time does not count what they take.
 */
export function measure(fn, ms) {
  let batch = 1;
  // Size the batch so that one batch takes ~1 ms.
  for (let t0 = performance.now(); performance.now() - t0 < 1; batch *= 2) for (let i = 0; i < batch; i++) fn();
  let ops = 0;
  let sink = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  do {
    for (let i = 0; i < batch; i++) sink ^= fn() === undefined ? 1 : 0;
    ops += batch;
  } while (performance.now() - start < ms);
  const cpu = process.cpuUsage(cpuStart);
  if (sink === 2) console.log(sink); // keep results alive
  return ops / ((cpu.user + cpu.system) / 1e6);
}

function check(cond, message) {
  if (!cond) throw new Error(`benchmark self-check failed: ${message}`);
}

/** True when `fn` throws. */
const throws = (fn) => {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
};

/**
 * Holds the least conforming codec to what its comment says: pinus-protocol's bytes for every message type (with an
 * id over one varint byte and a non-ASCII route), the same fields back, the error and gzip flags, and a throw for
 * every input it cannot decode or encode. Without the check behind a refusal below, the refusal fails (or, for the
 * truncated id, the decoder never returns).
 */
export function checkLeanConforming(lean, c, pinus) {
  const { Package, Message } = pinus;
  const json = JSON.stringify(c.value);
  const route = 'Räum.Join';
  for (const [type, id] of [
    [0, 1234],
    [1, 0],
    [2, 300000],
    [3, 0],
  ]) {
    const ours = lean.encode(type, id, route, json);
    const wire = Package.encode(
      Package.TYPE_DATA,
      Message.encode(id, type, false, type === 2 ? '' : route, Buffer.from(json)),
    );
    check(Buffer.from(ours).equals(wire), `lean conforming bytes, type ${type}`);
    const msg = lean.decode(wire);
    const fields = msg.type === type && msg.id === (type % 2 === 0 ? id : 0) && msg.route === (type === 2 ? '' : route);
    check(fields && Buffer.from(msg.body).toString() === json && !msg.error && !msg.gzip, `lean decode, type ${type}`);
  }
  check(JSON.stringify(lean.round()) === json, 'lean round');
  const good = lean.encode(c.type, c.id, c.route, json).slice();
  /** `good` with `edit` applied and the packet length made right again: only the message is wrong. */
  const bad = (edit) => {
    const bytes = edit(good.slice());
    const n = bytes.length - 4;
    bytes.set([n >>> 16, (n >>> 8) & 0xff, n & 0xff], 1);
    return bytes;
  };
  const flagged = (bit) =>
    bad((b) => {
      b[4] |= bit;
      return b;
    });
  const withError = lean.decode(flagged(0x20));
  const withGzip = lean.decode(flagged(0x10));
  check(withError.error && !withError.gzip, 'lean reads the error flag');
  check(withGzip.gzip && !withGzip.error, 'lean reads the gzip flag');
  const notify = lean.encode(1, 0, c.route, json).slice(); // no id: a type 5 with it parses but for the type
  const refusals = {
    'a message cut inside its id': bad((b) => b.slice(0, 6)),
    'a message cut after its id': bad((b) => b.slice(0, 7)),
    'a route cut short': bad((b) => b.slice(0, 12)),
    'a packet cut short': good.subarray(0, good.length - 1),
    'a Heartbeat packet': Uint8Array.from([3, ...good.subarray(1)]),
    'a compressed route': flagged(1),
    'message type 5': Uint8Array.from(notify, (v, i) => (i === 4 ? 5 << 1 : v)),
    'an id over 2^53': bad((b) =>
      Uint8Array.from([...b.subarray(0, 5), ...Array(8).fill(0xff), 0x7f, ...b.subarray(7)]),
    ),
    'an id of 150 continuation bytes': bad((b) =>
      Uint8Array.from([...b.subarray(0, 5), ...Array(150).fill(0x80), 0, ...b.subarray(7)]),
    ),
  };
  const refuses = (what, fn) => check(throws(fn), `lean refuses ${what}`);
  for (const [what, bytes] of Object.entries(refusals)) refuses(what, () => lean.decode(bytes));
  refuses('to encode type 5', () => lean.encode(5, 0, c.route, json));
  refuses('to encode id 1.5', () => lean.encode(0, 1.5, c.route, json));
  refuses('to encode a 256-byte route', () => lean.encode(1, 0, 'r'.repeat(256), json));
  const big = 'x'.repeat(20000);
  const long = lean.decode(lean.encode(1, 0, c.route, big));
  check(long.body.length === big.length, 'lean encodes a body larger than its slab whole');
}

/**
 * Runs the codec benchmark and returns one row per case and mode.
 * @param {{ runs?: number, ms?: number, log?: (line: string) => void }} [options] runs: measured rounds (median
 *   taken, at least 4; default 8: an even count, so that each side is measured first as often as the other); ms: time
 *   per measurement (default 120).
 * @returns {Promise<Array<ProtocolRow>>} one row per case and mode.
 */
export async function runProtocolBench(options = {}) {
  const runs = Math.max(4, options.runs ?? 8);
  const ms = options.ms ?? 120;
  const log = options.log ?? (() => {});
  if (!existsSync(distEntry)) throw new Error(`${distEntry} is missing: run \`npm run build\` first`);
  const P = await import(pathToFileURL(distEntry).href);
  const pinus = createRequire(`${root}package.json`)('pinus-protocol');
  const jobs = [];
  for (const c of cases()) {
    const ours = makeOurs(P, c);
    const theirs = makePinus(pinus, c);
    // Self-check: both sides give back the value (full) and the payload bytes and route (framing).
    const expected = JSON.stringify(c.value);
    check(JSON.stringify(ours.full()) === expected, `${c.key} full (nanokit)`);
    check(JSON.stringify(theirs.full()) === expected, `${c.key} full (pinus)`);
    const m = ours.framing();
    const pm = theirs.framing();
    check(P.decodeUtf8(m.body) === expected && pm.body.toString() === expected, `${c.key} framing body`);
    if (c.type !== 2) check(m.route === c.route && pm.route === c.route, `${c.key} framing route`);
    check(m.id === c.id && pm.id === c.id, `${c.key} framing id`);
    for (const mode of ['full', 'framing']) {
      jobs.push({ c, label: c.label, mode, ours: ours[mode], pinus: theirs[mode], oursOps: [], pinusOps: [] });
    }
    if (c.key === 'a') {
      const minimal = makeMinimal(c);
      check(JSON.stringify(minimal()) === expected, 'a minimal reference');
      const label = '(a) reference: hand-written minimum, not a codec';
      jobs.push({ c, label, mode: 'full', ours: minimal, pinus: theirs.full, oursOps: [], pinusOps: [] });
      const lean = makeLeanConforming(c);
      checkLeanConforming(lean, c, pinus);
      const leanLabel = '(a) reference: least conforming codec, not ours';
      const round = lean.round;
      jobs.push({ c, label: leanLabel, mode: 'full', ours: round, pinus: theirs.full, oursOps: [], pinusOps: [] });
    }
  }
  // Warm up every function before the first measured round.
  for (const job of jobs) {
    measure(job.ours, ms / 2);
    measure(job.pinus, ms / 2);
  }
  for (let r = 0; r < runs; r++) {
    for (const job of jobs) {
      // Interleave, alternating which side goes first.
      if (r % 2 === 0) {
        job.oursOps.push(measure(job.ours, ms));
        job.pinusOps.push(measure(job.pinus, ms));
      } else {
        job.pinusOps.push(measure(job.pinus, ms));
        job.oursOps.push(measure(job.ours, ms));
      }
    }
    log(`run ${r + 1}/${runs} done`);
  }
  return poolProtocolRows([
    jobs.map((job) => ({ case: job.label, mode: job.mode, oursOps: job.oursOps, pinusOps: job.pinusOps })),
  ]);
}

/**
 * @typedef {object} ProtocolRow
 * @property {string} case
 * @property {'full' | 'framing'} mode
 * @property {number} nanokit operations per CPU-second, median of every run
 * @property {number} pinus the same for pinus-protocol
 * @property {number} ratio median of the paired ratios (each run of ours ÷ the pinus run measured beside it)
 * @property {number} processMin lowest of the processes' own median ratios
 * @property {number} processMax highest of them
 * @property {number} runs runs in all
 * @property {number} processes processes the runs were made in
 * @property {number[]} oursOps every run of ours, in the order measured
 * @property {number[]} pinusOps every run of pinus-protocol
 */

/**
 * Pools the rows of several processes (`runProtocolBench` in each, the same cases): every run counts once. `npm run
 * bench` runs the codec in three processes: within one, the runs agree far better than one process agrees with the
 * next (the case (a) ratio read 1.54x–2.03x across ten processes of the same build).
 * @param {Array<Array<{ case: string, mode: 'full' | 'framing', oursOps: number[], pinusOps: number[] }>>} perProcess
 * @returns {ProtocolRow[]}
 */
export function poolProtocolRows(perProcess) {
  const byCase = poolRows(perProcess, (r) => `${r.case} ${r.mode}`, 'oursOps', 'pinusOps');
  return byCase.map(({ row, pooled, aRuns, bRuns }) => ({
    case: row.case,
    mode: row.mode,
    nanokit: pooled.a,
    pinus: pooled.b,
    ratio: pooled.ratio,
    processMin: pooled.processMin,
    processMax: pooled.processMax,
    runs: pooled.runs,
    processes: pooled.processes,
    oursOps: aRuns,
    pinusOps: bRuns,
  }));
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** The rows as a Markdown table. */
export function formatProtocolTable(rows) {
  const x = (v) => `${v.toFixed(2)}x`;
  const several = rows.some((r) => r.processes > 1);
  return mdTable(
    [
      'Case',
      'Mode',
      '@nanokit/protocol ops per CPU-s',
      'pinus-protocol ops per CPU-s',
      'Ratio',
      ...(several ? ['Ratio in each process'] : []),
    ],
    rows.map((r) => [
      r.case,
      r.mode,
      fmt(r.nanokit),
      fmt(r.pinus),
      x(r.ratio),
      ...(several ? [`${x(r.processMin)}–${x(r.processMax)}`] : []),
    ]),
  );
}

/** The codec block of docs/benchmarks.md (between the `codec` markers; the prose around it is hand-written). */
export function codecSection(rows) {
  const cpus = os.cpus();
  const machine = `Node ${process.version}, ${cpus[0]?.model?.trim() ?? 'unknown CPU'} (${cpus.length} cores, shared)`;
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const first = rows[0];
  const runs = first
    ? `${first.runs} interleaved runs${first.processes > 1 ? ` in ${first.processes} processes` : ''}`
    : '?';
  return `Run of ${when} UTC on ${machine}; medians of ${runs} per cell, the ratio the median of each run of ours ÷ the pinus-protocol run beside it.\n\n${formatProtocolTable(rows)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.env.BENCH_RUNS ?? 8);
  const t0 = performance.now();
  const rows = await runProtocolBench({ runs, log: (line) => process.stderr.write(`${line}\n`) });
  console.log(formatProtocolTable(rows));
  const file = `${root}docs/benchmarks.md`;
  writeFileSync(file, fillSection(readFileSync(file, 'utf8'), 'codec', codecSection(rows)));
  console.log(`\n${((performance.now() - t0) / 1000).toFixed(1)} s; wrote ${file}`);
}
