/**
 * Turns the raw results of a run into the console tables, docs/benchmarks.md and the chart data.
 * @module
 */
import { BROWSER_CLIENT_BUNDLE } from './bundle-size.mjs';
import { PAIRINGS } from './configs.mjs';
import { spread } from './stats.mjs';

/**
 * @typedef {object} ThroughputRow
 * @property {number} connections
 * @property {import('./configs.mjs').Pairing['id']} pairing
 * @property {import('./phases.mjs').ThroughputResult[]} runs one per repetition, in run order
 */

/**
 * @typedef {object} MemoryRow
 * @property {import('./phases.mjs').ServerKind} server
 * @property {'default' | 'pinned'} youngGen V8's young generation: default sizing, or pinned small
 *   (`--max-semi-space-size`)
 * @property {import('./phases.mjs').MemoryResult[]} runs
 */

/**
 * @typedef {object} BenchResults
 * @property {import('./environment.mjs').Environment} env
 * @property {{reps: number, pingReps: number, memoryReps: number, warmupMs: number, durationMs: number, connections: number[], pingConnections: number, sessions: number, phases: string[]}} settings
 * @property {ThroughputRow[]} reqres
 * @property {ThroughputRow[]} ping
 * @property {MemoryRow[]} memory
 * @property {import('./bundle-size.mjs').BundleSize[]} bundles
 * @property {ProfileRun[]} profiles CPU profiles of the servers under load
 * @property {string[]} [failures] measurements left out after two failed attempts
 * @property {number[]} [loadAverageEnd] load averages at the end of the run
 * @property {null | import('./codec.mjs').CodecResult} codec
 * @property {null | {rows: import('./codec.mjs').ClientCoreRow[], error: string | undefined}} [clientCore]
 * @property {null | {connections: number, raw: number[], bots: number[]}} [bots] requests/s of `nanokit bots` and of
 *   the hand-rolled driver, interleaved (server-side counts)
 * @property {number} elapsedMs
 */

/**
 * @typedef {import('./cpu-profile.mjs').ProfileSummary & {role: 'server' | 'driver', pairing: import('./configs.mjs').Pairing['id'], rate: number, connections: number, messages: number}} ProfileRun
 */

/** Targets from the issues (benchmarks, server-lite, client). */
export const TARGETS = Object.freeze({
  ceilingRatio: 0.8,
  clientRatio: 0.9,
  clientPushRatio: 1.15,
  idleSessionBytes: 12 * 1024,
  browserGzipBytes: 5 * 1024,
});

export const CODEC_START = '<!-- codec:start -->';
/** A hand-written section (profiles before and after a change) that every run carries over as it is. */
export const NOTES_START = '<!-- notes:start -->';
export const NOTES_END = '<!-- notes:end -->';
export const CODEC_END = '<!-- codec:end -->';

// ---------------------------------------------------------------------------------------------------- formatting

/** @param {number} v */
const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
/** @param {number} v */
const ms = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '–');
/** @param {number} v */
const pct = (v) => (Number.isFinite(v) ? `${v.toFixed(0)} %` : '–');
/** @param {number} v */
const ratio = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : '–');
/** @param {number} v */
const us = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–');
/** @param {number} v */
const kb = (v) => (Number.isFinite(v) ? `${(v / 1024).toFixed(2)} KB` : '–');

/**
 * `median (min–max)`.
 * @param {import('./stats.mjs').Spread} s
 * @param {(v: number) => string} f
 */
function mmm(s, f) {
  if (s.values.length <= 1) return f(s.median);
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

// ---------------------------------------------------------------------------------------------------- summaries

/**
 * `nanokit bots` against the hand-rolled driver: requests/s of each (median, min–max) and the ratio paired per
 * repetition.
 * @param {BenchResults} results
 */
export function botsTable(results) {
  const b = results.bots;
  if (!b || b.raw.length === 0 || b.bots.length === 0) return { head: [], rows: [] };
  const int = (/** @type {number} */ v) => Math.round(v).toLocaleString('en-US');
  const pairs = Math.min(b.raw.length, b.bots.length);
  const ratios = spread(Array.from({ length: pairs }, (_, i) => (b.bots[i] ?? 0) / (b.raw[i] ?? 1)));
  return {
    head: ['N', 'hand-rolled driver req/s', 'nanokit bots req/s', 'bots ÷ hand-rolled'],
    rows: [
      [
        String(b.connections),
        mmm(spread(b.raw), int),
        mmm(spread(b.bots), int),
        mmm(ratios, (v) => `${v.toFixed(2)}x`),
      ],
    ],
  };
}

/**
 * @param {ThroughputRow} row
 */
export function summariseThroughput(row) {
  const of = (/** @type {(r: import('./phases.mjs').ThroughputResult) => number} */ f) => spread(row.runs.map(f));
  return {
    rate: of((r) => r.load.rate),
    sentRate: of((r) => r.load.sentRate),
    serverRate: of((r) => r.serverRate),
    p50: of((r) => r.load.latency?.p50 ?? Number.NaN),
    p99: of((r) => r.load.latency?.p99 ?? Number.NaN),
    p999: of((r) => r.load.latency?.p999 ?? Number.NaN),
    serverCpu: of((r) => r.serverCpu),
    driverCpu: of((r) => r.load.cpu.percent),
    serverUs: of((r) => r.serverCpuPerMessageUs),
    driverUs: of((r) => r.driverCpuPerReplyUs),
    errors: row.runs.reduce((sum, r) => sum + r.load.errors, 0),
    firstError: row.runs.find((r) => r.load.firstError)?.load.firstError,
  };
}

/**
 * Per-repetition ratios of two rows' rates (repetition i of one against repetition i of the other: they ran next
 * to each other), summarised as min–median–max.
 * @param {ThroughputRow | undefined} a
 * @param {ThroughputRow | undefined} b
 * @param {(r: import('./phases.mjs').ThroughputResult) => number} [value]
 */
export function pairedRatio(a, b, value = (r) => r.load.rate) {
  if (!a || !b) return spread([]);
  const n = Math.min(a.runs.length, b.runs.length);
  const ratios = [];
  for (let i = 0; i < n; i++)
    ratios.push(value(/** @type {any} */ (a.runs[i])) / value(/** @type {any} */ (b.runs[i])));
  return spread(ratios);
}

/** @param {import('./phases.mjs').ThroughputResult} r */
const serverUs = (r) => r.serverCpuPerMessageUs;
/** @param {import('./phases.mjs').ThroughputResult} r */
const driverUs = (r) => r.driverCpuPerReplyUs;

/**
 * @param {ThroughputRow[]} rows
 * @param {number} n
 * @param {string} id
 */
const find = (rows, n, id) => rows.find((r) => r.connections === n && r.pairing === id);

/** @param {MemoryRow} row */
function summariseMemory(row) {
  return {
    perSession: spread(row.runs.map((r) => r.perSessionBytes)),
    heapPerSession: spread(row.runs.map((r) => r.heapPerSessionBytes)),
    heapTotalPerSession: spread(row.runs.map((r) => r.heapTotalPerSessionBytes)),
    baseline: spread(row.runs.map((r) => r.baselineRss)),
    sessions: Math.min(...row.runs.map((r) => r.sessions)),
  };
}

/**
 * @param {number} measured
 * @param {number} target
 * @param {'min' | 'max'} kind `min`: measured must be ≥ target; `max`: ≤ target
 * @param {(v: number) => string} f
 */
function verdict(measured, target, kind, f) {
  if (!Number.isFinite(measured)) return 'not measured';
  const ok = kind === 'min' ? measured >= target : measured <= target;
  if (ok) return 'met';
  const gap = Math.abs(measured - target);
  return `missed by ${f(gap)} (${((gap / target) * 100).toFixed(0)} %)`;
}

/**
 * The rows of the "against the targets" table.
 * @param {BenchResults} results
 * @returns {{what: string, target: string, measured: string, verdict: string}[]}
 */
export function targetRows(results) {
  const out = [];
  const nMax = Math.max(...results.settings.connections);
  const ceiling = pairedRatio(find(results.reqres, nMax, 'raw-lite'), find(results.reqres, nMax, 'raw-ws'));
  if (Number.isFinite(ceiling.median)) {
    out.push({
      what: `server-lite ÷ raw ws echo, N = ${nMax}, same hand-rolled driver`,
      target: `≥ ${TARGETS.ceilingRatio}x`,
      measured: mmm(ceiling, ratio),
      verdict: verdict(ceiling.median, TARGETS.ceilingRatio, 'min', ratio),
    });
  }
  const cost = pairedRatio(find(results.reqres, nMax, 'raw-ws'), find(results.reqres, nMax, 'raw-lite'), serverUs);
  if (Number.isFinite(cost.median)) {
    out.push({
      what: `the same, by server CPU per request (ws µs/req ÷ server-lite µs/req), N = ${nMax}`,
      target: `(≥ ${TARGETS.ceilingRatio}x)`,
      measured: mmm(cost, ratio),
      verdict: verdict(cost.median, TARGETS.ceilingRatio, 'min', ratio),
    });
  }
  const clientCeiling = pairedRatio(find(results.reqres, nMax, 'client-lite'), find(results.reqres, nMax, 'raw-ws'));
  if (Number.isFinite(clientCeiling.median)) {
    out.push({
      what: `server-lite with @nanokit/client ÷ raw ws echo, N = ${nMax} (whole stack)`,
      target: `≥ ${TARGETS.ceilingRatio}x`,
      measured: mmm(clientCeiling, ratio),
      verdict: verdict(clientCeiling.median, TARGETS.ceilingRatio, 'min', ratio),
    });
  }
  for (const n of results.settings.connections) {
    const client = pairedRatio(find(results.reqres, n, 'client-lite'), find(results.reqres, n, 'raw-lite'));
    if (!Number.isFinite(client.median)) continue;
    out.push({
      what: `@nanokit/client ÷ hand-rolled driver, N = ${n}, against server-lite`,
      target: `≥ ${TARGETS.clientRatio}x`,
      measured: mmm(client, ratio),
      verdict: verdict(client.median, TARGETS.clientRatio, 'min', ratio),
    });
    const clientCost = pairedRatio(
      find(results.reqres, n, 'raw-lite'),
      find(results.reqres, n, 'client-lite'),
      driverUs,
    );
    out.push({
      what: `the same, by driver CPU per request (hand-rolled µs/req ÷ client µs/req), N = ${n}`,
      target: `(≥ ${TARGETS.clientRatio}x)`,
      measured: mmm(clientCost, ratio),
      verdict: verdict(clientCost.median, TARGETS.clientRatio, 'min', ratio),
    });
  }
  const push = (results.clientCore?.rows ?? []).find((r) => r.case.startsWith('push'));
  if (push) {
    out.push({
      what: '@nanokit/client push handling ÷ a hand-written decode, CPU per push, in-process (bench/client.bench.mjs)',
      target: `≤ ${TARGETS.clientPushRatio}x`,
      measured: `${ratio(push.ratio)} (${ratio(push.ratioMin)}–${ratio(push.ratioMax)})`,
      verdict: verdict(push.ratio, TARGETS.clientPushRatio, 'max', ratio),
    });
  }
  const lite = results.memory.find((m) => m.server === 'lite' && m.youngGen !== 'pinned');
  if (lite) {
    const m = summariseMemory(lite);
    out.push({
      what: `server-lite RSS per idle session (${m.sessions} sessions, after GC)`,
      target: `≤ ${kb(TARGETS.idleSessionBytes)}`,
      measured: mmm(m.perSession, kb),
      verdict: verdict(m.perSession.median, TARGETS.idleSessionBytes, 'max', kb),
    });
  }
  const browser = results.bundles.find((b) => b.file === BROWSER_CLIENT_BUNDLE);
  if (browser) {
    out.push({
      what: 'browser client: `import { NanoClient }` bundled with protocol + eventemitter3, min+gzip',
      target: `≤ ${kb(TARGETS.browserGzipBytes)}`,
      measured: kb(browser.gzip),
      verdict: verdict(browser.gzip, TARGETS.browserGzipBytes, 'max', kb),
    });
  }
  const global = results.bundles.find((b) => b.file === 'nanokit.global.min.js');
  if (global) {
    out.push({
      what: 'global build (nanokit.global.min.js: every transport), min+gzip',
      target: `(≤ ${kb(TARGETS.browserGzipBytes)})`,
      measured: kb(global.gzip),
      verdict: verdict(global.gzip, TARGETS.browserGzipBytes, 'max', kb),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------- tables

/**
 * @param {string[]} head
 * @param {string[][]} rows
 */
export function mdTable(head, rows) {
  // Text columns align left, figures right; cells are padded to the column width, as Biome formats tables.
  const numeric = head.map((_h, i) => i > 0 && rows.every((r) => /^[\d–(≥≤.-]|^$/.test(r[i] ?? '')));
  const widths = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (/** @type {string} */ cell, /** @type {number} */ i) =>
    numeric[i] ? cell.padStart(/** @type {number} */ (widths[i])) : cell.padEnd(/** @type {number} */ (widths[i]));
  const line = (/** @type {string[]} */ cells) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(head), `| ${rule.join(' | ')} |`, ...rows.map((r) => line(head.map((_h, i) => r[i] ?? '')))].join('\n');
}

/**
 * @param {string[]} head
 * @param {string[][]} rows
 */
function textTable(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ cells) =>
    cells
      .map((c, i) =>
        i === 0 ? c.padEnd(/** @type {number} */ (widths[i])) : c.padStart(/** @type {number} */ (widths[i])),
      )
      .join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** @param {BenchResults} results */
function reqresTable(results) {
  const head = [
    'N',
    'stack',
    'req/s',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'server CPU',
    'server µs/req',
    'driver CPU',
    'driver µs/req',
  ];
  const rows = [];
  for (const n of results.settings.connections) {
    for (const p of PAIRINGS) {
      const row = find(results.reqres, n, p.id);
      if (!row) continue;
      const s = summariseThroughput(row);
      rows.push([
        String(n),
        p.label + (s.errors ? ` (${s.errors} errors: ${s.firstError})` : ''),
        mmm(s.rate, int),
        mmm(s.p50, ms),
        mmm(s.p99, ms),
        mmm(s.p999, ms),
        mmm(s.serverCpu, pct),
        mmm(s.serverUs, us),
        mmm(s.driverCpu, pct),
        mmm(s.driverUs, us),
      ]);
    }
  }
  return { head, rows };
}

/** @param {BenchResults} results */
function pingTable(results) {
  const head = [
    'stack',
    'pings handled/s (server)',
    'pongs received/s',
    'pings sent/s',
    '÷ ceiling',
    'server CPU',
    'server µs/ping',
    'driver CPU',
  ];
  const ceiling = results.ping.find((r) => r.pairing === 'raw-ws');
  const rows = [];
  for (const p of PAIRINGS) {
    const row = results.ping.find((r) => r.pairing === p.id);
    if (!row) continue;
    const s = summariseThroughput(row);
    rows.push([
      p.label + (s.errors ? ` (${s.errors} errors: ${s.firstError})` : ''),
      mmm(s.serverRate, int),
      mmm(s.rate, int),
      mmm(s.sentRate, int),
      p.id === 'raw-ws'
        ? '1.00x'
        : mmm(
            pairedRatio(row, ceiling, (r) => r.serverRate),
            ratio,
          ),
      mmm(s.serverCpu, pct),
      mmm(s.serverUs, us),
      mmm(s.driverCpu, pct),
    ]);
  }
  return { head, rows };
}

/** @param {BenchResults} results */
function memoryTable(results) {
  const head = [
    'server',
    'V8 young generation',
    'RSS per idle session',
    'V8 heap used per session',
    'V8 heap reserved per session',
    'baseline RSS',
  ];
  const rows = results.memory.map((row) => {
    const m = summariseMemory(row);
    return [
      row.server === 'lite' ? 'server-lite (handshake + ack done)' : 'raw ws (open socket)',
      row.youngGen === 'pinned' ? 'pinned (1 MB semi-space)' : 'default',
      mmm(m.perSession, kb),
      mmm(m.heapPerSession, kb),
      mmm(m.heapTotalPerSession, kb),
      mmm(m.baseline, (v) => `${(v / 2 ** 20).toFixed(1)} MB`),
    ];
  });
  return { head, rows };
}

/** @param {BenchResults} results */
function bundleTable(results) {
  const head = ['file', 'raw', 'min', 'min+gzip'];
  const rows = results.bundles.map((b) => [b.file, int(b.raw), int(b.min), int(b.gzip)]);
  return { head, rows };
}

/** @param {BenchResults} results */
function ratioTable(results) {
  const head = [
    'N',
    'server-lite ÷ ceiling, req/s',
    'server-lite + client ÷ ceiling, req/s',
    'client ÷ hand-rolled, req/s',
    'ceiling ÷ server-lite, server µs/req',
    'hand-rolled ÷ client, driver µs/req',
  ];
  const rows = results.settings.connections
    .filter((n) => find(results.reqres, n, 'raw-lite'))
    .map((n) => [
      String(n),
      mmm(pairedRatio(find(results.reqres, n, 'raw-lite'), find(results.reqres, n, 'raw-ws')), ratio),
      mmm(pairedRatio(find(results.reqres, n, 'client-lite'), find(results.reqres, n, 'raw-ws')), ratio),
      mmm(pairedRatio(find(results.reqres, n, 'client-lite'), find(results.reqres, n, 'raw-lite')), ratio),
      mmm(pairedRatio(find(results.reqres, n, 'raw-ws'), find(results.reqres, n, 'raw-lite'), serverUs), ratio),
      mmm(pairedRatio(find(results.reqres, n, 'raw-lite'), find(results.reqres, n, 'client-lite'), driverUs), ratio),
    ]);
  return { head, rows };
}

/**
 * The console report.
 * @param {BenchResults} results
 * @returns {string}
 */
export function consoleReport(results) {
  const parts = [];
  const section = (/** @type {string} */ title, /** @type {{head: string[], rows: string[][]}} */ t) => {
    if (t.rows.length > 0) parts.push(`\n${title}\n${textTable(t.head, t.rows)}\n`);
  };
  if (results.codec && results.codec.rows.length > 0)
    section('Codec (bench/protocol.bench.mjs)', codecTable(results.codec.rows));
  if (results.clientCore && results.clientCore.rows.length > 0)
    section('Client core, in-process (bench/client.bench.mjs)', clientCoreTable(results.clientCore.rows));
  section('Request/response ping-pong (median (min–max) of the repetitions)', reqresTable(results));
  section('Ratios (paired per repetition)', ratioTable(results));
  section(
    `nano-style ping: ${results.settings.pingConnections} clients, a notify every 10 ms, a push back`,
    pingTable(results),
  );
  section('nanokit bots against the hand-rolled driver (request loop on server-lite)', botsTable(results));
  section('Memory', memoryTable(results));
  section('Client bundle sizes (bytes)', bundleTable(results));
  const { servers, drivers, liteServer: lite, clientDriver: client } = pickProfiles(results.profiles);
  if (lite) section('CPU profile of server-lite under load: top self time', profileTable(lite, 10));
  if (servers.length > 0) section('Server CPU by origin (profiles)', profileGroupTable(servers));
  if (client) section('CPU profile of the @nanokit/client driver: top self time', profileTable(client, 10));
  if (drivers.length > 0) section('Driver CPU by origin (profiles)', profileGroupTable(drivers));
  const targets = targetRows(results);
  section('Against the targets', {
    head: ['what', 'target', 'measured', 'verdict'],
    rows: targets.map((t) => [t.what, t.target, t.measured, t.verdict]),
  });
  return `${parts.join('')}\n`;
}

/**
 * @param {ProfileRun} profile
 * @param {number} limit
 */
function profileTable(profile, limit) {
  const busy = 100 - profile.idlePercent;
  return {
    head: ['function', 'where', 'self ms', 'µs per request', '% of busy'],
    rows: profile.top
      .slice(0, limit)
      .map((e) => [
        `\`${e.name}\``,
        e.location ? `\`${e.location}\`` : '',
        e.selfMs.toFixed(0),
        profile.messages > 0 ? ((e.selfMs * 1000) / profile.messages).toFixed(2) : '–',
        busy > 0 ? `${((e.percent / busy) * 100).toFixed(1)} %` : '–',
      ]),
  };
}

/**
 * The profiles the report compares: the servers under the same hand-rolled driver (server-lite, ws echo) and the
 * drivers against the same server (@nanokit/client, hand-rolled, both on server-lite).
 * @param {ProfileRun[]} profiles
 */
function pickProfiles(profiles) {
  const find = (/** @type {'server' | 'driver'} */ role, /** @type {string[]} */ ids) =>
    ids.map((id) => profiles.find((p) => p.role === role && p.pairing === id)).find((p) => p !== undefined);
  const liteServer = find('server', ['raw-lite', 'client-lite']);
  const wsServer = find('server', ['raw-ws']);
  const clientDriver = find('driver', ['client-lite']);
  const rawDriver = find('driver', ['raw-lite', 'raw-ws']);
  return {
    liteServer,
    wsServer,
    clientDriver,
    rawDriver,
    servers: /** @type {ProfileRun[]} */ ([liteServer, wsServer].filter(Boolean)),
    drivers: /** @type {ProfileRun[]} */ ([clientDriver, rawDriver].filter(Boolean)),
  };
}

/**
 * Where `a` spends more CPU per request than `b`: the per-request self time of each origin in `a` minus that in
 * `b`, largest first, and the totals.
 * @param {ProfileRun} a
 * @param {ProfileRun} b
 */
export function profileDifference(a, b) {
  const per = (/** @type {ProfileRun} */ p, /** @type {number} */ ms) =>
    p.messages > 0 ? (ms * 1000) / p.messages : Number.NaN;
  /** @type {Set<string>} */
  const groups = new Set([...a.groups.map((g) => g.group), ...b.groups.map((g) => g.group)]);
  const rows = [...groups]
    .map((group) => ({
      group,
      delta:
        per(a, a.groups.find((g) => g.group === group)?.selfMs ?? 0) -
        per(b, b.groups.find((g) => g.group === group)?.selfMs ?? 0),
    }))
    .sort((x, y) => y.delta - x.delta);
  const total = (/** @type {ProfileRun} */ p) =>
    per(
      p,
      p.groups.reduce((sum, g) => sum + g.selfMs, 0),
    );
  return { a: total(a), b: total(b), rows };
}

/**
 * One sentence: "a costs X µs per request more than b (A vs B): +x in …, +y in …".
 * @param {string} aName
 * @param {string} bName
 * @param {ReturnType<typeof profileDifference>} d
 */
function differenceSentence(aName, bName, d) {
  const more = d.a - d.b;
  const parts = d.rows
    .filter((r) => Math.abs(r.delta) >= 0.05)
    .map((r) => `${r.delta >= 0 ? '+' : '−'}${Math.abs(r.delta).toFixed(2)} µs ${r.group}`);
  return `${aName} used ${us(d.a)} µs of CPU per request, ${bName} ${us(d.b)} µs (${more >= 0 ? '+' : '−'}${Math.abs(more).toFixed(2)} µs, ${ratio(d.b / d.a)} of the cost): ${parts.join(', ')}.`;
}

/**
 * Self time by origin, per request, for each profiled server side by side.
 * @param {ProfileRun[]} profiles
 */
function profileGroupTable(profiles) {
  /** @type {string[]} */
  const groups = [];
  for (const p of profiles) for (const g of p.groups) if (!groups.includes(g.group)) groups.push(g.group);
  const name = (/** @type {ProfileRun} */ p) =>
    p.role === 'server'
      ? p.pairing === 'raw-ws'
        ? 'raw ws echo'
        : 'server-lite'
      : p.pairing === 'client-lite'
        ? '@nanokit/client driver'
        : 'hand-rolled driver';
  const head = ['origin', ...profiles.flatMap((p) => [`${name(p)}: µs/request`, `${name(p)}: % of busy`])];
  const rows = groups.map((group) => [
    group,
    ...profiles.flatMap((p) => {
      const g = p.groups.find((x) => x.group === group);
      if (!g) return ['–', '–'];
      const busy = 100 - p.idlePercent;
      return [
        p.messages > 0 ? ((g.selfMs * 1000) / p.messages).toFixed(2) : '–',
        busy > 0 ? `${((g.percent / busy) * 100).toFixed(1)} %` : '–',
      ];
    }),
  ]);
  rows.push([
    '**total busy**',
    ...profiles.flatMap((p) => {
      const busyMs = p.groups.reduce((sum, g) => sum + g.selfMs, 0);
      return [p.messages > 0 ? ((busyMs * 1000) / p.messages).toFixed(2) : '–', '100 %'];
    }),
  ]);
  return { head, rows };
}

/**
 * A table of whatever rows the codec benchmark returned (its columns, in first-seen order).
 * @param {Record<string, unknown>[]} rows
 */
function genericTable(rows) {
  /** @type {string[]} */
  const head = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!head.includes(key)) head.push(key);
  const cell = (/** @type {unknown} */ v) => {
    if (typeof v === 'number') return Number.isInteger(v) ? int(v) : Math.abs(v) >= 100 ? int(v) : v.toFixed(2);
    if (v === undefined || v === null) return '';
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  };
  return { head, rows: rows.map((r) => head.map((k) => cell(r[k]))) };
}

// ---------------------------------------------------------------------------------------------------- markdown

/**
 * docs/benchmarks.md, with an empty codec section (see {@link replaceCodecSection}).
 * @param {BenchResults} results
 * @returns {string}
 */
export function markdownReport(results) {
  const { env, settings } = results;
  const out = [];
  const table = (/** @type {{head: string[], rows: string[][]}} */ t) => mdTable(t.head, t.rows);
  out.push('# Benchmarks');
  out.push('');
  out.push(
    '<!-- Written by `npm run bench` (bench/run.mjs) from a real run: change the script, not this file. The codec',
  );
  out.push('     section between the codec markers comes from bench/protocol.bench.mjs. -->');
  out.push('');
  out.push(
    `Run of ${env.date.slice(0, 16).replace('T', ' ')} UTC · Node ${env.node} · ${env.platform} · ${env.cpus} CPUs (${env.cpuModel}) · ${env.memoryGiB} GiB · ws ${env.ws} · load average at start ${env.loadAverage.join(' / ')} · whole run ${(results.elapsedMs / 1000).toFixed(0)} s.`,
  );
  out.push('');
  out.push(
    `**The machine was shared**: ${env.cpus} cores, used by other engineers' test suites through the day (load average ${env.loadAverage[0]} at the start of this run${results.loadAverageEnd ? `, ${results.loadAverageEnd[0]} at its end` : ''}), and every server shares those cores with its load driver. Absolute figures are therefore low and noisy; compare the ratios, which pair configurations measured next to each other in the same run. Every figure is the **median of the repetitions, with min–max** in brackets (request/response: ${settings.reps} repetitions; ping and memory: ${settings.pingReps} and ${settings.memoryReps}); the configurations are interleaved within each repetition, in an order rotated from one repetition to the next.`,
  );
  out.push('');
  out.push(`Reproduce with \`npm install && npm run bench\` (builds first; about 5 minutes; loopback only).`);
  out.push('');
  if ((results.failures ?? []).length > 0) {
    out.push(
      `**Left out** after two failed attempts each (the figures above have fewer repetitions there): ${(results.failures ?? []).join(', ')}.`,
    );
    out.push('');
  }

  const targets = targetRows(results);
  if (targets.length > 0) {
    out.push('## Against the targets');
    out.push('');
    out.push(
      mdTable(
        ['what', 'target', 'measured', 'verdict'],
        targets.map((t) => [t.what, t.target, t.measured, t.verdict]),
      ),
    );
    out.push('');
  }

  out.push(CODEC_START);
  out.push(CODEC_END);
  out.push('');

  if (results.clientCore && results.clientCore.rows.length > 0) {
    out.push('## Client core, in-process');
    out.push('');
    out.push(
      "What @nanokit/client costs per message on top of the codec, with no socket (bench/client.bench.mjs, alone: `node bench/client.bench.mjs`; in its own process). The transport is an in-process fake that hands the client the bytes a server would send. **push**: one 50-byte JSON push to one `on(route)` listener, from the transport's `onMessage` to the listener, against `decodePackets` + `decodeMessage` + the JSON serializer + a direct call. **request**: `await client.request()` answered inside the transport's `send`, against `encodeDataPacket` + the same answer + decode + a callback (building the answer costs both sides alike). CPU ns per message (`process.cpuUsage`), median of the interleaved runs; the ratio is taken per run, then the median (min–max).",
    );
    out.push('');
    out.push(table(clientCoreTable(results.clientCore.rows)));
    out.push('');
  }

  out.push(NOTES_START);
  out.push(NOTES_END);
  out.push('');

  if (results.reqres.length > 0) {
    out.push('## Request/response ping-pong');
    out.push('');
    out.push(
      `Each connection keeps one request outstanding: \`bench.echo\` with the ~50-byte JSON body \`{"roomId":42,"name":"alice","pos":{"x":1.5,"y":-2}}\`, answered with the same object. Server and driver are separate processes on 127.0.0.1. ${settings.warmupMs / 1000} s warm-up, then a ${settings.durationMs / 1000} s window: shorter than the issue's 10 s so that the whole run stays near 5 minutes, but ${settings.reps} windows per configuration (${(settings.reps * settings.durationMs) / 1000} s measured in all), whose median resists the bursts of a shared machine better than one long window. Latency is the round trip seen by the application. CPU is % of one core over the window (server: \`process.cpuUsage\` sampled at the window's edges; driver: its own); "µs/req" is that CPU time divided by the requests answered in the window: the cost of one request, which contention distorts far less than the rate.`,
    );
    out.push('');
    out.push(
      '- **server-lite ← @nanokit/client**: one `NanoClient` per connection, `await client.request(route, body)` in a loop.',
    );
    out.push(
      '- **server-lite ← hand-rolled driver**: a raw `ws` socket + the @nanokit/protocol codec, callbacks only: the least a client can do.',
    );
    out.push(
      '- **raw ws echo (ceiling)**: a `ws` server that sends every message back unchanged, driven by the same hand-rolled driver with the same request frames (no handshake); the driver decodes the echoed request packet (about 70 bytes) exactly as it decodes a server-lite response (about 58 bytes).',
    );
    out.push('');
    out.push(table(reqresTable(results)));
    out.push('');
    out.push('![req/s, p99 latency and server CPU per request against the number of connections](benchmarks.svg)');
    out.push('');
    out.push(
      'How to read the ratios. On two cores the rate of a closed loop is bounded by the CPU of server and driver together, not by the server alone: a single-threaded driver that needs more CPU per request than the server saturates its core first and sets the rate, and a server and a driver of similar speed can fall into lockstep (each idle while the other works, their CPU adding up to about one core). So the req/s ratios move with the driver and with the machine, and can even exceed 1. The server CPU per request compares the servers themselves, whatever the rate: it is the steadier measure of what server-lite costs over the ceiling, and the driver CPU per request likewise for the client.',
    );
    const driverCpu = results.settings.connections
      .map((n) => ({ n, row: find(results.reqres, n, 'raw-ws') }))
      .filter((x) => x.row !== undefined)
      .map((x) => ({ n: x.n, cpu: summariseThroughput(/** @type {ThroughputRow} */ (x.row)).driverCpu.median }));
    if (driverCpu.length > 0) {
      const saturated = driverCpu.every((d) => d.cpu >= 85);
      out.push('');
      out.push(
        `In this run the hand-rolled driver of the ceiling ran at a median of ${driverCpu.map((d) => `${pct(d.cpu)} at N = ${d.n}`).join(' and ')} of one core (${saturated ? "near 100 %: the rate was the driver's, not the server's" : 'below 100 %: the shared cores, not the driver alone, set the rate'}).`,
      );
    }
    out.push('');
    out.push('Ratios, computed per repetition (each pair ran back to back) then summarised:');
    out.push('');
    out.push(table(ratioTable(results)));
    out.push('');
  }

  if (results.ping.length > 0) {
    out.push('## nano-style ping (the seed\'s "1000 concurrent, IOPS 11W")');
    out.push('');
    out.push(
      `${settings.pingConnections} clients each send a notify \`TestHandler.Ping\` with the body \`{}\` (a 24-byte packet; nano's protobuf version sends an empty body, 22 bytes), then sleep 10 ms, as nano's benchmark/io does; the server counts the ping and pushes \`pong\` with \`{}\` (12 bytes). The ceiling of this test is ${settings.pingConnections} × 100 = ${int(settings.pingConnections * 100)} pings/s minus the sleep overshoot; here one Node driver process runs all ${settings.pingConnections} clients' timers on a core it shares with the server, so "pings sent/s" shows what the driver managed to send, and the figure measures the driver as much as the server: compare the stacks with each other (the ws echo server sends each ping back as its pong). "pings handled/s" is nano's QPS (handler calls per second, counted by the server).`,
    );
    out.push('');
    out.push(table(pingTable(results)));
    out.push('');
  }

  const bots = botsTable(results);
  if (bots.rows.length > 0) {
    out.push('## nanokit bots as a load driver');
    out.push('');
    out.push(
      `\`nanokit bots\` (the CLI binary, packages/cli) runs a request-loop scenario (connect, then \`${'bench.echo'}\` requests back to back, one outstanding per bot) against server-lite, interleaved with the hand-rolled driver at the same N; both rates are counted on the server over a ${settings.durationMs} ms window after every session is connected and a ${settings.warmupMs} ms warm-up. Target: bots ≥ 0.8x the hand-rolled driver.`,
    );
    out.push('');
    out.push(table(bots));
    out.push('');
  }

  if (results.memory.length > 0) {
    out.push('## Memory per idle session');
    out.push('');
    out.push(
      `Server RSS with ${settings.sessions} idle sessions minus the RSS before them, divided by ${settings.sessions}; both readings after three forced GCs (\`--expose-gc\`). A warm-up batch of 50 sessions comes and goes before the baseline. Same process setup for both servers; the sessions come from a hand-rolled driver in another process (server-lite sessions have completed the handshake and ack). KB = 1024 bytes. Each server is measured twice: with Node's defaults (the target's figure), and with V8's young generation pinned small (\`--max-semi-space-size=1\`). The 1000 handshakes arrive in a burst, V8 grows the young generation to absorb the garbage they make, and a forced GC does not give that reservation back: with default flags most of the difference between the two servers is that reservation (see "heap reserved"), not state kept per session ("heap used").`,
    );
    out.push('');
    out.push(table(memoryTable(results)));
    out.push('');
  }

  if (results.bundles.length > 0) {
    out.push('## Client bundle sizes');
    out.push('');
    out.push(
      'The entries of packages/client/dist, minified with terser (2 passes; `.min.js` files as built) and gzipped with zlib level 9. An ESM entry alone is a few re-exports: "+ its chunks" is the entry bundled (rollup) with the shared chunks it imports, still importing @nanokit/protocol and eventemitter3; the next line adds those dependencies, tree-shaken, as an app bundler would, and the `import { NanoClient }` line bundles only what an app that uses the client (JSON, reconnect, heartbeats, timeouts) ships: the figure of the client\'s 5 KB budget (issue 3; the client\'s own size test measures the same bundle). The global build bundles every transport.',
    );
    out.push('');
    out.push(table({ head: ['file', 'raw (B)', 'min (B)', 'min+gzip (B)'], rows: bundleTable(results).rows }));
    out.push('');
  }

  const { servers, drivers, liteServer, wsServer, clientDriver, rawDriver } = pickProfiles(results.profiles);
  if (servers.length > 0) {
    out.push('## Where the time goes');
    out.push('');
    const described = [...new Map([...servers, ...drivers].map((p) => [p.pairing, p])).values()]
      .map(
        (p) =>
          `${p.pairing === 'raw-ws' ? 'the raw ws echo server' : 'server-lite'} with the ${p.pairing === 'client-lite' ? '@nanokit/client' : 'hand-rolled'} driver: ${int(p.rate)} req/s in that run, ${p.idlePercent.toFixed(0)} % of the samples idle`,
      )
      .join('; ');
    out.push(
      `CPU profiles (\`node --cpu-prof\`) of the server and of the driver process, during one extra request/response run per stack at N = ${servers[0]?.connections}. The servers are compared under the same hand-rolled driver, the drivers against the same server-lite (${described}). Only the samples taken inside the measurement window count (start-up, the ${servers[0]?.connections} handshakes, warm-up and shutdown are cut off), and "µs per request" divides each figure by the requests the server answered in that window; the profiler itself costs some throughput. "Idle" is the event loop waiting for I/O (server and driver share the two cores). Line numbers are those of the built \`dist\` files; "(program)" is V8 and native work outside JavaScript functions; "node internals / native" includes the socket writes (\`writev\`) and reads.`,
    );
    out.push('');
    out.push('Server self time by origin, per request answered:');
    out.push('');
    out.push(table(profileGroupTable(servers)));
    out.push('');
    if (liteServer && wsServer) {
      out.push(
        `- ${differenceSentence('server-lite', 'the raw ws echo server', profileDifference(liteServer, wsServer))}`,
      );
      out.push('');
    }
    if (liteServer) {
      out.push('server-lite, heaviest functions by self time:');
      out.push('');
      out.push(table(profileTable(liteServer, 15)));
      out.push('');
    }
  }
  if (drivers.length > 0) {
    out.push('Driver self time by origin, per request (the client-overhead question):');
    out.push('');
    out.push(table(profileGroupTable(drivers)));
    out.push('');
    if (clientDriver && rawDriver) {
      out.push(
        `- ${differenceSentence('The @nanokit/client driver', 'the hand-rolled driver', profileDifference(clientDriver, rawDriver))} (The two drivers were profiled in different runs, at different rates; the socket cost per request falls as the rate rises, since each system call then carries more messages, so the native part of the difference is partly an effect of the rate.)`,
      );
      out.push('');
    }
    if (clientDriver) {
      out.push('@nanokit/client driver, heaviest functions by self time:');
      out.push('');
      out.push(table(profileTable(clientDriver, 15)));
      out.push('');
    }
  }

  out.push('## Method notes');
  out.push('');
  out.push(
    '- Servers and drivers are separate Node processes (bench/child/*.mjs), started fresh for every measurement; they run the built packages (`dist/*.mjs`).',
  );
  out.push(
    `- 1000 + 1000 sockets need more than 1024 file descriptors: the children raise their soft limit to the hard one (here ${env.fdLimit}).`,
  );
  out.push(
    env.childNice === '0' || env.childNice === 'n/a'
      ? '- The benchmark processes ran at the default scheduling priority (niceness 0), like everything else on the machine.'
      : `- The benchmark processes ran at niceness ${env.childNice} (\`npm run bench -- --nice=${env.childNice}\`), so that the other work on the shared machine disturbed them less; it still ran on the same two cores.`,
  );
  out.push(
    "- Heartbeats are set to 120 s, so no heartbeat or idle timeout happens during a window; the drivers, like nano's Go benchmark client, never send one.",
  );
  out.push(
    '- The sources: bench/run.mjs (orchestration), bench/drivers (the two drivers), bench/servers (server-lite and the ws ceiling), bench/lib (statistics, report, chart).',
  );
  out.push('');
  return `${out.join('\n')}`;
}

/**
 * Fills the codec section: the section the codec benchmark produced in this run, else the one already in the
 * previous document (kept as it was), else a note.
 * @param {string} markdown the new document, with empty codec markers
 * @param {null | import('./codec.mjs').CodecResult} codec
 * @param {string} previous the current docs/benchmarks.md ('' if none)
 * @returns {string}
 */
export function replaceCodecSection(markdown, codec, previous) {
  let body = null;
  if (codec && codec.rows.length > 0) {
    const t = codecTable(codec.rows);
    body = `${codec.section ?? '## Codec'}\n\n${mdTable(t.head, t.rows)}`;
  }
  if (body === null) {
    const start = previous.indexOf(CODEC_START);
    const end = previous.indexOf(CODEC_END);
    if (start >= 0 && end > start) body = previous.slice(start + CODEC_START.length, end).trim();
  }
  if (body === null || body === '') {
    body = `## Codec\n\n_Not measured in this run${codec?.error ? ` (${codec.error})` : ''}: run \`npm run bench:protocol\`._`;
  }
  return markdown.replace(`${CODEC_START}\n${CODEC_END}`, `${CODEC_START}\n${body}\n${CODEC_END}`);
}

/**
 * The client core rows as a table.
 * @param {import('./codec.mjs').ClientCoreRow[]} rows
 */
function clientCoreTable(rows) {
  return {
    head: ['case', '@nanokit/client ns/msg', 'hand-written ns/msg', 'client ÷ hand-written'],
    rows: rows.map((r) => [
      r.case,
      int(r.clientNs),
      int(r.handNs),
      `${ratio(r.ratio)} (${ratio(r.ratioMin)}–${ratio(r.ratioMax)})`,
    ]),
  };
}

/**
 * Carries the hand-written notes section of the previous document (between {@link NOTES_START} and
 * {@link NOTES_END}) into the new one, unchanged.
 * @param {string} markdown the new document, with empty notes markers
 * @param {string | null} previous the document it replaces
 */
export function carryNotesSection(markdown, previous) {
  const a = previous ? previous.indexOf(NOTES_START) : -1;
  const b = previous ? previous.indexOf(NOTES_END) : -1;
  if (!previous || a < 0 || b < a) return markdown.replace(`${NOTES_START}\n${NOTES_END}\n\n`, '');
  return markdown.replace(`${NOTES_START}\n${NOTES_END}`, previous.slice(a, b + NOTES_END.length));
}

/**
 * The codec rows as a table: the protocol benchmark's own columns (case, mode, ops/s of each side, ratio) when the
 * rows have them, else every field as it comes.
 * @param {Record<string, unknown>[]} rows
 */
function codecTable(rows) {
  const known = rows.every(
    (r) => typeof r['nanokit'] === 'number' && typeof r['pinus'] === 'number' && typeof r['ratio'] === 'number',
  );
  if (!known) return genericTable(rows);
  return {
    head: ['Case', 'Mode', '@nanokit/protocol ops/s', 'pinus-protocol ops/s', 'Ratio'],
    rows: rows.map((r) => [
      String(r['case']),
      String(r['mode']),
      int(/** @type {number} */ (r['nanokit'])),
      int(/** @type {number} */ (r['pinus'])),
      `${/** @type {number} */ (r['ratio']).toFixed(2)}x`,
    ]),
  };
}

/**
 * The chart: req/s and p99 latency against the number of connections, one series per stack.
 * @param {BenchResults} results
 * @returns {null | Parameters<typeof import('./chart.mjs').renderChart>[0]}
 */
export function chartData(results) {
  if (results.reqres.length === 0) return null;
  const xValues = [...results.settings.connections].sort((a, b) => a - b);
  /** @param {(s: ReturnType<typeof summariseThroughput>) => import('./stats.mjs').Spread} pick */
  const series = (pick) =>
    PAIRINGS.map((p) => ({
      label: p.label,
      color: p.color,
      dashed: p.id === 'raw-ws',
      points: xValues.flatMap((n) => {
        const row = find(results.reqres, n, p.id);
        if (!row) return [];
        const s = pick(summariseThroughput(row));
        return [{ x: n, median: s.median, min: s.min, max: s.max }];
      }),
    }));
  return {
    title: 'Request/response ping-pong on loopback: server-lite vs the raw ws ceiling',
    subtitle: `${results.env.date.slice(0, 10)} · Node ${results.env.node} · ${results.env.cpus} shared CPUs · median of ${results.settings.reps} (min–max)`,
    xLabel: 'connections (one outstanding request each)',
    xValues,
    panels: [
      { title: 'Throughput', yLabel: 'requests per second', series: series((s) => s.rate) },
      {
        title: 'p99 latency',
        yLabel: 'milliseconds',
        series: series((s) => s.p99),
        format: (v) => String(Number(v.toFixed(1))),
      },
      {
        title: 'Server CPU per request',
        yLabel: 'µs of server CPU per request',
        series: series((s) => s.serverUs),
        format: (v) => String(Number(v.toFixed(1))),
      },
    ],
  };
}
