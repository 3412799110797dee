// Codec benchmark: @nanokit/protocol (the BUILT dist: run `npm run build` first) against pinus-protocol, in the same
// process, interleaved, median of several runs. Owned by the protocol engineer; docs/benchmarks.md's codec section
// is written between the `codec` markers, the rest of that file belongs to the benchmarks script.
//
//   node bench/protocol.bench.mjs            # print the table and update docs/benchmarks.md
//   import { runProtocolBench } from './protocol.bench.mjs'; await runProtocolBench({ runs: 5 });
//
// "full" = JSON.stringify + encode message + encode packet + decode packet + decode message + JSON.parse.
// "framing" = the same with the payload already bytes (no JSON, no UTF-8). Our side encodes message and packet in
// one step (PacketWriter.encodeDataPacket, byte-identical to encodePacket(Data, encodeMessage(…))); pinus-protocol
// needs Message.encode then Package.encode. Every case is checked for correct output before it is timed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const distEntry = `${root}packages/protocol/dist/index.mjs`;
const MARK_START = '<!-- codec:start -->';
const MARK_END = '<!-- codec:end -->';

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

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function check(cond, message) {
  if (!cond) throw new Error(`benchmark self-check failed: ${message}`);
}

/**
 * Runs the codec benchmark and returns one row per case and mode.
 * @param {{ runs?: number, ms?: number, log?: (line: string) => void }} [options] runs: measured rounds (median
 *   taken, at least 5; default 7); ms: time per measurement (default 120).
 * @returns {Promise<Array<{ case: string, mode: 'full' | 'framing', nanokit: number, pinus: number, ratio: number,
 *   runs: number }>>} operations per second of CPU time, medians over `runs` interleaved measurements.
 */
export async function runProtocolBench(options = {}) {
  const runs = Math.max(5, options.runs ?? 7);
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
  return jobs.map((job) => {
    const nanokit = median(job.oursOps);
    const pinusOps = median(job.pinusOps);
    return { case: job.label, mode: job.mode, nanokit, pinus: pinusOps, ratio: nanokit / pinusOps, runs };
  });
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** A Markdown table with padded columns, as biome formats it (so the generated file passes `npm run lint`). */
function markdownTable(head, align, rows) {
  const widths = head.map((_, c) => Math.max(3, ...[head, ...rows].map((r) => r[c].length)));
  const cell = (text, c) => (align[c] === 'right' ? text.padStart(widths[c]) : text.padEnd(widths[c]));
  const line = (r) => `| ${r.map(cell).join(' | ')} |`;
  const rule = widths.map((w, c) => (align[c] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(head), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** The rows as a Markdown table. */
export function formatProtocolTable(rows) {
  return markdownTable(
    ['Case', 'Mode', '@nanokit/protocol ops per CPU-s', 'pinus-protocol ops per CPU-s', 'Ratio'],
    ['left', 'left', 'right', 'right', 'right'],
    rows.map((r) => [r.case, r.mode, fmt(r.nanokit), fmt(r.pinus), `${r.ratio.toFixed(2)}x`]),
  );
}

/** A one-line description of the machine, for the section header. */
export function describeEnvironment() {
  const cpus = os.cpus();
  return `Node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores, shared)`;
}

/**
 * Writes the codec section of docs/benchmarks.md between its markers (creating the file when needed); the rest of
 * the file is left alone.
 */
export function writeProtocolSection(rows, meta = describeEnvironment()) {
  const file = `${root}docs/benchmarks.md`;
  const section = [
    MARK_START,
    '## Codec: @nanokit/protocol vs pinus-protocol',
    '',
    `Measured by \`npm run bench:protocol\` (bench/protocol.bench.mjs) on ${meta}. Median of ${rows[0]?.runs ?? '?'} interleaved`,
    'runs per cell, in operations per second of CPU time of the benchmark process (so other processes on the shared',
    'machine do not skew the figures). "full" = JSON.stringify + encode message + encode packet + decode packet + decode message +',
    'JSON.parse; "framing" = the same with the payload already bytes. nanokit uses a `PacketWriter` (pooled slab,',
    'one per connection) and the default `jsonSerializer`; pinus-protocol 1.7.4 uses Node `Buffer`s. Targets:',
    '≥ 2x on (a) full, ≥ 5x on (a) framing. The reference row is not a codec: JSON plus one native UTF-8 call each',
    'way into a pooled slab, with no checks and no objects: about the ceiling of any JavaScript codec for that round.',
    '',
    formatProtocolTable(rows),
    MARK_END,
  ].join('\n');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const a = text.indexOf(MARK_START);
  const b = text.indexOf(MARK_END);
  if (a >= 0 && b > a) text = text.slice(0, a) + section + text.slice(b + MARK_END.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text);
  return file;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.env.BENCH_RUNS ?? 7);
  const t0 = performance.now();
  const rows = await runProtocolBench({ runs, log: (line) => process.stderr.write(`${line}\n`) });
  console.log(formatProtocolTable(rows));
  const file = writeProtocolSection(rows);
  console.log(`\n${((performance.now() - t0) / 1000).toFixed(1)} s; wrote ${file}`);
}
