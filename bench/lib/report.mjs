/**
 * The figures of a run as tables: printed to the console, and written into docs/benchmarks.md between
 * `<!-- NAME:start -->` and `<!-- NAME:end -->` markers. The prose around them is hand-written in that file; a block
 * whose phase did not run keeps what it had.
 * @module
 */
import { BROWSER_CLIENT_BUNDLE } from './bundle-size.mjs';
import { fillSection, mdTable } from './markdown.mjs';
import { spread } from './stats.mjs';
import { STACKS } from './workload.mjs';

/** Targets from the issues (benchmarks, server-lite, client). */
export const TARGETS = Object.freeze({
  ceilingRatio: 0.8,
  clientRatio: 0.9,
  clientPushRatio: 1.15,
  idleSessionBytes: 12 * 1024,
  browserGzipBytes: 5 * 1024,
});

const finite = (/** @type {(v: number) => string} */ f) => (/** @type {number} */ v) =>
  Number.isFinite(v) ? f(v) : '–';
const int = finite((v) => Math.round(v).toLocaleString('en-US'));
const ms = finite((v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)));
const pct = finite((v) => `${v.toFixed(0)} %`);
const ratio = finite((v) => `${v.toFixed(2)}x`);
const us = finite((v) => v.toFixed(1));
const us2 = finite((v) => v.toFixed(2));
const kb = finite((v) => `${(v / 1024).toFixed(2)} KB`);
/** `median (min–max)` of a {@link spread}. */
const mmm = (/** @type {import('./stats.mjs').Spread} */ s, /** @type {(v: number) => string} */ f) =>
  s.values.length <= 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;

function textTable(/** @type {string[]} */ head, /** @type {string[][]} */ rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (/** @type {string[]} */ cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ------------------------------------------------------------------------------------------------ figures

const find = (/** @type {any[]} */ rows, /** @type {number} */ n, /** @type {string} */ id) =>
  rows.find((r) => r.connections === n && r.pairing === id);
const serverUs = (/** @type {any} */ r) => r.serverCpuPerMessageUs;
const driverUs = (/** @type {any} */ r) => r.driverCpuPerReplyUs;

/** Per-repetition ratios of two rows (repetition i ran next to repetition i), as min–median–max. */
export function pairedRatio(/** @type {any} */ a, /** @type {any} */ b, value = (/** @type {any} */ r) => r.load.rate) {
  if (!a || !b) return spread([]);
  const n = Math.min(a.runs.length, b.runs.length);
  return spread(Array.from({ length: n }, (_, i) => value(a.runs[i]) / value(b.runs[i])));
}

function summariseThroughput(/** @type {any} */ row) {
  const of = (/** @type {(r: any) => number} */ f) => spread(row.runs.map(f));
  return {
    rate: of((r) => r.load.rate),
    sentRate: of((r) => r.load.sentRate),
    serverRate: of((r) => r.serverRate),
    p50: of((r) => r.load.latency?.p50 ?? Number.NaN),
    p99: of((r) => r.load.latency?.p99 ?? Number.NaN),
    p999: of((r) => r.load.latency?.p999 ?? Number.NaN),
    serverCpu: of((r) => r.serverCpu),
    driverCpu: of((r) => r.load.cpu.percent),
    serverUs: of(serverUs),
    driverUs: of(driverUs),
    errors: row.runs.reduce((/** @type {number} */ sum, /** @type {any} */ r) => sum + r.load.errors, 0),
    firstError: row.runs.find((/** @type {any} */ r) => r.load.firstError)?.load.firstError,
  };
}
const labelOf = (/** @type {any} */ stack, /** @type {any} */ s) =>
  stack.label + (s.errors ? ` (${s.errors} errors: ${s.firstError})` : '');

function targetRows(/** @type {any} */ results) {
  /** @type {string[][]} */
  const out = [];
  const add = (
    /** @type {string} */ what,
    /** @type {number} */ goal,
    /** @type {'min' | 'max'} */ kind,
    /** @type {import('./stats.mjs').Spread} */ s,
    /** @type {(v: number) => string} */ f,
    { indicative = false, shown = mmm(s, f) } = {},
  ) => {
    if (!Number.isFinite(s.median)) return;
    const ok = kind === 'min' ? s.median >= goal : s.median <= goal;
    const gap = Math.abs(s.median - goal);
    const target = `${kind === 'min' ? '≥' : '≤'} ${f(goal)}`;
    const verdict = ok ? 'met' : `missed by ${f(gap)} (${((gap / goal) * 100).toFixed(0)} %)`;
    out.push([what, indicative ? `(${target})` : target, shown, verdict]);
  };
  const { reqres, settings } = results;
  const n = Math.max(...settings.connections);
  const [ceil, client] = [TARGETS.ceilingRatio, TARGETS.clientRatio];
  const rows = (/** @type {number} */ k) => ['client-lite', 'raw-lite', 'raw-ws'].map((id) => find(reqres, k, id));
  const [cl, rl, rw] = rows(n);
  add(`server-lite ÷ raw ws echo, N = ${n}, same hand-rolled driver`, ceil, 'min', pairedRatio(rl, rw), ratio);
  add(
    `the same, by server CPU per request (ws µs/req ÷ server-lite µs/req), N = ${n}`,
    ceil,
    'min',
    pairedRatio(rw, rl, serverUs),
    ratio,
    { indicative: true },
  );
  add(
    `server-lite with @nanokit/client ÷ raw ws echo, N = ${n} (whole stack)`,
    ceil,
    'min',
    pairedRatio(cl, rw),
    ratio,
  );
  for (const k of settings.connections) {
    const [c, r] = rows(k);
    if (!c || !r) continue;
    add(`@nanokit/client ÷ hand-rolled driver, N = ${k}, against server-lite`, client, 'min', pairedRatio(c, r), ratio);
    add(
      `the same, by driver CPU per request (hand-rolled µs/req ÷ client µs/req), N = ${k}`,
      client,
      'min',
      pairedRatio(r, c, driverUs),
      ratio,
      { indicative: true },
    );
  }
  const push = (results.clientCore?.rows ?? []).find((/** @type {any} */ r) => r.case.startsWith('push'));
  if (push) {
    add(
      '@nanokit/client push handling ÷ a hand-written decode, CPU per push, in-process (bench/client.bench.mjs)',
      TARGETS.clientPushRatio,
      'max',
      spread([push.ratio]),
      ratio,
      { shown: `${ratio(push.ratio)} (${ratio(push.ratioMin)}–${ratio(push.ratioMax)})` },
    );
  }
  const lite = results.memory.find((/** @type {any} */ m) => m.server === 'lite' && m.youngGen !== 'pinned');
  if (lite) {
    const sessions = Math.min(...lite.runs.map((/** @type {any} */ r) => r.sessions));
    const s = spread(lite.runs.map((/** @type {any} */ r) => r.perSessionBytes));
    add(`server-lite RSS per idle session (${sessions} sessions, after GC)`, TARGETS.idleSessionBytes, 'max', s, kb);
  }
  const bundle = (/** @type {string} */ file) => results.bundles.find((/** @type {any} */ b) => b.file === file);
  const [browser, global] = [bundle(BROWSER_CLIENT_BUNDLE), bundle('nanokit.global.min.js')];
  const what = 'browser client: `import { NanoClient }` bundled with protocol + eventemitter3, min+gzip';
  if (browser) add(what, TARGETS.browserGzipBytes, 'max', spread([browser.gzip]), kb);
  if (global) {
    const g = 'global build (nanokit.global.min.js: every transport), min+gzip';
    add(g, TARGETS.browserGzipBytes, 'max', spread([global.gzip]), kb, { indicative: true });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ profiles

const perRequest = (/** @type {any} */ p, /** @type {number} */ selfMs) =>
  p.messages > 0 ? (selfMs * 1000) / p.messages : Number.NaN;
const busyMs = (/** @type {any} */ p) =>
  p.groups.reduce((/** @type {number} */ s, /** @type {any} */ g) => s + g.selfMs, 0);
const ofBusy = (/** @type {any} */ p, /** @type {number} */ percent) =>
  p.idlePercent < 100 ? `${((percent / (100 - p.idlePercent)) * 100).toFixed(1)} %` : '–';
const profileName = (/** @type {any} */ p) =>
  p.role === 'server'
    ? p.pairing === 'raw-ws'
      ? 'raw ws echo'
      : 'server-lite'
    : p.pairing === 'client-lite'
      ? '@nanokit/client driver'
      : 'hand-rolled driver';

/** The servers under the same hand-rolled driver, and the drivers against the same server-lite. */
function pickProfiles(/** @type {any[]} */ profiles) {
  const pick = (/** @type {string} */ role, /** @type {string[]} */ ids) =>
    ids.map((id) => profiles.find((p) => p.role === role && p.pairing === id)).find(Boolean);
  return {
    servers: [pick('server', ['raw-lite', 'client-lite']), pick('server', ['raw-ws'])],
    drivers: [pick('driver', ['client-lite']), pick('driver', ['raw-lite', 'raw-ws'])],
  };
}

/** Self time by origin, per request, for each profile side by side. */
function groupTable(/** @type {any[]} */ profiles) {
  if (profiles.length === 0) return { head: [], rows: [] };
  const groups = [...new Set(profiles.flatMap((p) => p.groups.map((/** @type {any} */ g) => g.group)))];
  const head = [
    'origin',
    ...profiles.flatMap((p) => [`${profileName(p)}: µs/request`, `${profileName(p)}: % of busy`]),
  ];
  const rows = groups.map((group) => [
    group,
    ...profiles.flatMap((p) => {
      const g = p.groups.find((/** @type {any} */ x) => x.group === group);
      return g ? [us2(perRequest(p, g.selfMs)), ofBusy(p, g.percent)] : ['–', '–'];
    }),
  ]);
  rows.push(['**total busy**', ...profiles.flatMap((p) => [us2(perRequest(p, busyMs(p))), '100 %'])]);
  return { head, rows };
}

/** "a used X µs per request, b Y µs (+d µs, r of the cost): +x µs origin, …". */
function difference(/** @type {any} */ a, /** @type {any} */ b) {
  const delta = (/** @type {string} */ group) =>
    perRequest(a, a.groups.find((/** @type {any} */ g) => g.group === group)?.selfMs ?? 0) -
    perRequest(b, b.groups.find((/** @type {any} */ g) => g.group === group)?.selfMs ?? 0);
  const signed = (/** @type {number} */ v) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)} µs`;
  const groups = [...new Set([...a.groups, ...b.groups].map((g) => g.group))]
    .map((group) => ({ group, d: delta(group) }))
    .filter((x) => Math.abs(x.d) >= 0.05)
    .sort((x, y) => y.d - x.d);
  const [ta, tb] = [perRequest(a, busyMs(a)), perRequest(b, busyMs(b))];
  return `- ${profileName(a)} used ${us(ta)} µs of CPU per request, ${profileName(b)} ${us(tb)} µs (${signed(ta - tb)}, ${ratio(tb / ta)} of the cost): ${groups.map((x) => `${signed(x.d)} ${x.group}`).join(', ')}.`;
}

function topTable(/** @type {any} */ p, /** @type {number} */ limit) {
  return {
    head: ['function', 'where', 'self ms', 'µs per request', '% of busy'],
    rows: p.top
      .slice(0, limit)
      .map((/** @type {any} */ e) => [
        `\`${e.name}\``,
        e.location ? `\`${e.location}\`` : '',
        e.selfMs.toFixed(0),
        us2(perRequest(p, e.selfMs)),
        ofBusy(p, e.percent),
      ]),
  };
}

/** `nanokit bots` against the hand-rolled driver: req/s of each and the ratio paired per repetition. */
function botsTable(/** @type {any} */ b) {
  const title = 'nanokit bots against the hand-rolled driver (request loop on server-lite)';
  const head = ['N', 'hand-rolled driver req/s', 'nanokit bots req/s', 'bots ÷ hand-rolled'];
  if (!b || b.raw.length === 0 || b.bots.length === 0) return { title, head, rows: [] };
  const n = Math.min(b.raw.length, b.bots.length);
  const ratios = spread(Array.from({ length: n }, (_, i) => b.bots[i] / b.raw[i]));
  return {
    title,
    head,
    rows: [[String(b.connections), mmm(spread(b.raw), int), mmm(spread(b.bots), int), mmm(ratios, ratio)]],
  };
}

// ------------------------------------------------------------------------------------------------ tables

/**
 * Every table of a run, by block name: `{title, head, rows}` (empty rows when the phase did not run).
 * @param {any} results
 */
export function tables(results) {
  const { settings } = results;
  const ping = results.ping.map((/** @type {any} */ row) => ({ row, s: summariseThroughput(row) }));
  const pingCeiling = results.ping.find((/** @type {any} */ r) => r.pairing === 'raw-ws');
  const ns = settings.connections.filter((/** @type {number} */ n) => find(results.reqres, n, 'raw-lite'));
  const pair = (/** @type {number} */ n, /** @type {string} */ a, /** @type {string} */ b, value = undefined) =>
    mmm(pairedRatio(find(results.reqres, n, a), find(results.reqres, n, b), value), ratio);
  const { servers, drivers } = pickProfiles(results.profiles);
  return {
    targets: {
      title: 'Against the targets',
      head: ['what', 'target', 'measured', 'verdict'],
      rows: targetRows(results),
    },
    client: {
      title: 'Client core, in-process (bench/client.bench.mjs)',
      head: ['case', '@nanokit/client ns/msg', 'hand-written ns/msg', 'client ÷ hand-written'],
      rows: (results.clientCore?.rows ?? []).map((/** @type {any} */ r) => [
        r.case,
        int(r.clientNs),
        int(r.handNs),
        `${ratio(r.ratio)} (${ratio(r.ratioMin)}–${ratio(r.ratioMax)})`,
      ]),
    },
    reqres: {
      title: 'Request/response ping-pong (median (min–max) of the repetitions)',
      head: [
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
      ],
      rows: settings.connections.flatMap((/** @type {number} */ n) =>
        STACKS.filter((p) => find(results.reqres, n, p.id)).map((p) => {
          const s = summariseThroughput(find(results.reqres, n, p.id));
          const cells = [s.rate, s.p50, s.p99, s.p999, s.serverCpu, s.serverUs, s.driverCpu, s.driverUs];
          const formats = [int, ms, ms, ms, pct, us, pct, us];
          return [String(n), labelOf(p, s), ...cells.map((c, i) => mmm(c, formats[i]))];
        }),
      ),
    },
    ratios: {
      title: 'Ratios (paired per repetition)',
      head: [
        'N',
        'server-lite ÷ ceiling, req/s',
        'server-lite + client ÷ ceiling, req/s',
        'client ÷ hand-rolled, req/s',
        'ceiling ÷ server-lite, server µs/req',
        'hand-rolled ÷ client, driver µs/req',
      ],
      rows: ns.map((/** @type {number} */ n) => [
        String(n),
        pair(n, 'raw-lite', 'raw-ws'),
        pair(n, 'client-lite', 'raw-ws'),
        pair(n, 'client-lite', 'raw-lite'),
        pair(n, 'raw-ws', 'raw-lite', serverUs),
        pair(n, 'raw-lite', 'client-lite', driverUs),
      ]),
    },
    ping: {
      title: `nano-style ping: ${settings.pingConnections} clients, a notify every 10 ms, a push back`,
      head: [
        'stack',
        'pings handled/s (server)',
        'pongs received/s',
        'pings sent/s',
        '÷ ceiling',
        'server CPU',
        'server µs/ping',
        'driver CPU',
      ],
      rows: STACKS.flatMap((p) =>
        ping
          .filter((/** @type {any} */ x) => x.row.pairing === p.id)
          .map((/** @type {any} */ { row, s }) => [
            labelOf(p, s),
            mmm(s.serverRate, int),
            mmm(s.rate, int),
            mmm(s.sentRate, int),
            p.id === 'raw-ws'
              ? '1.00x'
              : mmm(
                  pairedRatio(row, pingCeiling, (r) => r.serverRate),
                  ratio,
                ),
            mmm(s.serverCpu, pct),
            mmm(s.serverUs, us),
            mmm(s.driverCpu, pct),
          ]),
      ),
    },
    bots: botsTable(results.bots),
    memory: {
      title: 'Memory per idle session',
      head: [
        'server',
        'V8 young generation',
        'RSS per idle session',
        'V8 heap used per session',
        'V8 heap reserved per session',
        'baseline RSS',
      ],
      rows: results.memory.map((/** @type {any} */ row) => {
        const of = (/** @type {string} */ key) => spread(row.runs.map((/** @type {any} */ r) => r[key]));
        return [
          row.server === 'lite' ? 'server-lite (handshake + ack done)' : 'raw ws (open socket)',
          row.youngGen === 'pinned' ? 'pinned (1 MB semi-space)' : 'default',
          mmm(of('perSessionBytes'), kb),
          mmm(of('heapPerSessionBytes'), kb),
          mmm(of('heapTotalPerSessionBytes'), kb),
          mmm(of('baselineRss'), (v) => `${(v / 2 ** 20).toFixed(1)} MB`),
        ];
      }),
    },
    bundle: {
      title: 'Client bundle sizes (bytes)',
      head: ['file', 'raw (B)', 'min (B)', 'min+gzip (B)'],
      rows: results.bundles.map((/** @type {any} */ b) => [b.file, int(b.raw), int(b.min), int(b.gzip)]),
    },
    profileServers: {
      title: 'Server self time by origin, per request answered',
      ...groupTable(servers.filter(Boolean)),
    },
    profileServer: {
      title: 'server-lite, heaviest functions by self time',
      ...(servers[0] ? topTable(servers[0], 15) : { head: [], rows: [] }),
    },
    profileDrivers: { title: 'Driver self time by origin, per request', ...groupTable(drivers.filter(Boolean)) },
    profileClient: {
      title: '@nanokit/client driver, heaviest functions by self time',
      ...(drivers[0] ? topTable(drivers[0], 15) : { head: [], rows: [] }),
    },
    differences: [servers, drivers].filter(([a, b]) => a && b).map(([a, b]) => difference(a, b)),
  };
}

/** The console report: every table that has rows. */
export function consoleReport(/** @type {any} */ results, /** @type {string | undefined} */ codecTable) {
  const t = tables(results);
  const { targets, differences, ...rest } = t;
  const parts = codecTable ? [`\nCodec (bench/protocol.bench.mjs)\n${codecTable}\n`] : [];
  for (const x of [...Object.values(rest), targets]) {
    if (x.rows.length > 0) parts.push(`\n${x.title}\n${textTable(x.head, x.rows)}\n`);
  }
  return `${parts.join('')}${differences.map((d) => `\n${d}`).join('')}\n`;
}

/** The run line: when, where, with which settings, and what failed. */
function runLine(/** @type {any} */ results) {
  const { env, settings: s } = results;
  const load = `load average ${env.loadAverage.join(' / ')} at the start, ${results.loadAverageEnd?.[0] ?? '?'} at the end`;
  const lines = [
    `Run of ${env.date.slice(0, 16).replace('T', ' ')} UTC (phases: ${s.phases.join(', ')}) · Node ${env.node} · ${env.platform} · ${env.cpus} CPUs (${env.cpuModel}) · ${env.memoryGiB} GiB · ws ${env.ws} · ${load} · whole run ${(results.elapsedMs / 1000).toFixed(0)} s · fd limit ${env.fdLimit} · niceness ${env.childNice}.`,
    '',
    `Settings: ${s.warmupMs / 1000} s warm-up, ${s.durationMs / 1000} s window; ${s.reps} repetitions of request/response at N = ${s.connections.join(', ')}, ${s.pingReps} of ping with ${s.pingConnections} clients, ${s.memoryReps} of memory with ${s.sessions} sessions.`,
  ];
  if (results.failures.length > 0) {
    lines.push(
      '',
      `**Left out** after two failed attempts each (fewer repetitions there): ${results.failures.join(', ')}.`,
    );
  }
  return lines.join('\n');
}

/** `doc` with the blocks of the phases that ran filled in. */
export function fillDoc(
  /** @type {string} */ doc,
  /** @type {any} */ results,
  /** @type {string | undefined} */ codec,
) {
  const t = tables(results);
  const md = (/** @type {{head: string[], rows: string[][]}} */ x) => mdTable(x.head, x.rows);
  /** @type {Record<string, string>} */
  const blocks = { run: runLine(results) };
  if (t.targets.rows.length > 0) blocks['targets'] = md(t.targets);
  if (codec) blocks['codec'] = codec;
  for (const name of /** @type {const} */ (['client', 'reqres', 'ratios', 'ping', 'bots', 'memory', 'bundle'])) {
    if (t[name].rows.length > 0) blocks[name] = md(t[name]);
  }
  if (results.profiles.length > 0) {
    const described = results.profiles
      .filter(
        (/** @type {any} */ p, /** @type {number} */ i, /** @type {any[]} */ all) =>
          all.findIndex((q) => q.pairing === p.pairing) === i,
      )
      .map(
        (/** @type {any} */ p) =>
          `${STACKS.find((x) => x.id === p.pairing)?.label}: ${int(p.rate)} req/s, ${p.idlePercent.toFixed(0)} % idle`,
      );
    const parts = [`N = ${results.profiles[0].connections}; ${described.join('; ')}.`];
    for (const x of [t.profileServers, t.profileServer, t.profileDrivers, t.profileClient]) {
      if (x.rows.length > 0) parts.push(`${x.title}:\n\n${md(x)}`);
    }
    parts.push(t.differences.join('\n'));
    blocks['profile'] = parts.join('\n\n');
  }
  return Object.entries(blocks).reduce((d, [name, body]) => fillSection(d, name, body), doc);
}
