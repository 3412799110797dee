/**
 * The figures of a run as tables, by block name: printed to the console, and written into docs/benchmarks.md between
 * its `NAME:start`/`NAME:end` markers (the prose around them is hand-written there).
 * @module
 */
import { BROWSER_CLIENT_BUNDLE } from './bundle-size.mjs';
import { fillSection, mdTable } from './markdown.mjs';
import { spread } from './stats.mjs';
import { STACKS } from './workload.mjs';

/** Targets from the issues (benchmarks, server-lite, client). */
export const TARGETS = { ceilingRatio: 0.8, clientRatio: 0.9, clientPushRatio: 1.15, idleKB: 12, browserKB: 9 };

const fmt = (f) => (v) => (Number.isFinite(v) ? f(v) : '–');
const int = fmt((v) => Math.round(v).toLocaleString('en-US'));
const ms = fmt((v) => v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2));
const pct = fmt((v) => `${v.toFixed(0)} %`);
const ratio = fmt((v) => `${v.toFixed(2)}x`);
const us = fmt((v) => v.toFixed(1));
const us2 = fmt((v) => v.toFixed(2));
const kb = fmt((v) => `${(v / 1024).toFixed(2)} KB`);
/** `median (min–max)` of a spread. */
const mmm = (s, f) => (s.values.length <= 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`);
const serverUs = (r) => r.serverCpuPerMessageUs;
const driverUs = (r) => r.driverCpuPerReplyUs;
/** Column heads from `a|b|c`. */
const cols = (heads) => heads.split('|');
const find = (rows, n, id) => rows.find((r) => r.connections === n && r.pairing === id);

/** Per-repetition ratios of two rows (repetition i of each ran back to back), as a spread. */
export function pairedRatio(a, b, value = (r) => r.load.rate) {
  const n = a && b ? Math.min(a.runs.length, b.runs.length) : 0;
  return spread(Array.from({ length: n }, (_, i) => value(a.runs[i]) / value(b.runs[i])));
}

function throughputRow(stack, row) {
  const of = (f, format) => mmm(spread(row.runs.map(f)), format);
  const errors = row.runs.reduce((sum, r) => sum + r.load.errors, 0);
  const first = row.runs.find((r) => r.load.firstError)?.load.firstError;
  return {
    label: stack.label + (errors ? ` (${errors} errors: ${first})` : ''),
    of,
    cpu: [of((r) => r.serverCpu, pct), of(serverUs, us), of((r) => r.load.cpu.percent, pct)],
  };
}

function targetRows({ reqres, memory, bundles, clientCore, settings }) {
  const out = [];
  const add = (what, goal, kind, s, f, { indicative = false, shown = mmm(s, f) } = {}) => {
    if (!Number.isFinite(s.median)) return;
    const gap = Math.abs(s.median - goal);
    const met = kind === '≥' ? s.median >= goal : s.median <= goal;
    const target = `${kind} ${f(goal)}`;
    const verdict = met ? 'met' : `missed by ${f(gap)} (${((gap / goal) * 100).toFixed(0)} %)`;
    out.push([what, indicative ? `(${target})` : target, shown, verdict]);
  };
  const rows = (n) => ['client-lite', 'raw-lite', 'raw-ws'].map((id) => find(reqres, n, id));
  const [ceil, client] = [TARGETS.ceilingRatio, TARGETS.clientRatio];
  const n = Math.max(...settings.connections);
  const [cl, rl, rw] = rows(n);
  add(`server-lite ÷ raw ws echo, N = ${n}, same hand-rolled driver`, ceil, '≥', pairedRatio(rl, rw), ratio);
  const cpuWhat = `the same, by server CPU per request (ws µs/req ÷ server-lite µs/req), N = ${n}`;
  add(cpuWhat, ceil, '≥', pairedRatio(rw, rl, serverUs), ratio, { indicative: true });
  add(`server-lite with @nanokit/client ÷ raw ws echo, N = ${n} (whole stack)`, ceil, '≥', pairedRatio(cl, rw), ratio);
  for (const k of settings.connections) {
    const [c, r] = rows(k);
    add(`@nanokit/client ÷ hand-rolled driver, N = ${k}, against server-lite`, client, '≥', pairedRatio(c, r), ratio);
    const what = `the same, by driver CPU per request (hand-rolled µs/req ÷ client µs/req), N = ${k}`;
    add(what, client, '≥', pairedRatio(r, c, driverUs), ratio, { indicative: true });
    // The reference that splits the gap: `await` of one Promise per request, in the hand-rolled driver.
    const a = find(reqres, k, 'raw-await-lite');
    const promise = `hand-rolled driver awaiting a Promise per request ÷ hand-rolled driver, N = ${k} (\`await\` alone)`;
    add(promise, client, '≥', pairedRatio(a, r), ratio, { indicative: true });
    const beyond = `@nanokit/client ÷ hand-rolled driver awaiting a Promise per request, N = ${k} (the client beyond it)`;
    add(beyond, client, '≥', pairedRatio(c, a), ratio, { indicative: true });
  }
  const push = clientCore?.rows.find((r) => r.case.startsWith('push'));
  if (push) {
    const what =
      '@nanokit/client push handling ÷ a hand-written decode, CPU per push, in-process (bench/client.bench.mjs)';
    const shown = `${ratio(push.ratio)} (${ratio(push.ratioMin)}–${ratio(push.ratioMax)})`;
    add(what, TARGETS.clientPushRatio, '≤', spread([push.ratio]), ratio, { shown });
  }
  const lite = memory.find((m) => m.server === 'lite' && m.youngGen === 'default');
  if (lite) {
    const what = `server-lite RSS per idle session (${Math.min(...lite.runs.map((r) => r.sessions))} sessions, after GC)`;
    add(what, TARGETS.idleKB * 1024, '≤', spread(lite.runs.map((r) => r.perSessionBytes)), kb);
  }
  const bundle = (file) => spread(bundles.filter((b) => b.file === file).map((b) => b.gzip));
  const browser = 'browser client: `import { NanoClient }` bundled with protocol + eventemitter3, min+gzip';
  add(browser, TARGETS.browserKB * 1024, '≤', bundle(BROWSER_CLIENT_BUNDLE), kb);
  const global = 'global build (nanokit.global.min.js: every transport), min+gzip';
  add(global, TARGETS.browserKB * 1024, '≤', bundle('nanokit.global.min.js'), kb, { indicative: true });
  return out;
}

// The CPU profiles: the servers under the same hand-rolled driver, the drivers against the same server-lite.
const perRequest = (p, selfMs) => (p.messages > 0 ? (selfMs * 1000) / p.messages : Number.NaN);
const busyMs = (p) => p.groups.reduce((sum, g) => sum + g.selfMs, 0);
const ofBusy = (p, percent) =>
  p.idlePercent < 100 ? `${((percent / (100 - p.idlePercent)) * 100).toFixed(1)} %` : '–';
const NAMES = { 'server raw-ws': 'raw ws echo', 'driver client-lite': '@nanokit/client driver' };
const nameOf = (p) => NAMES[`${p.role} ${p.pairing}`] ?? (p.role === 'server' ? 'server-lite' : 'hand-rolled driver');

function groupTable(title, profiles) {
  const head = ['origin', ...profiles.flatMap((p) => [`${nameOf(p)}: µs/request`, `${nameOf(p)}: % of busy`])];
  const rows = [...new Set(profiles.flatMap((p) => p.groups.map((g) => g.group)))].map((group) => [
    group,
    ...profiles.flatMap((p) => {
      const g = p.groups.find((x) => x.group === group);
      return g ? [us2(perRequest(p, g.selfMs)), ofBusy(p, g.percent)] : ['–', '–'];
    }),
  ]);
  if (rows.length > 0)
    rows.push(['**total busy**', ...profiles.flatMap((p) => [us2(perRequest(p, busyMs(p))), '100 %'])]);
  return { title, head, rows };
}

function topTable(title, p) {
  const head = ['function', 'where', 'self ms', 'µs per request', '% of busy'];
  const row = (e) => [
    `\`${e.name}\``,
    e.location && `\`${e.location}\``,
    e.selfMs.toFixed(0),
    us2(perRequest(p, e.selfMs)),
    ofBusy(p, e.percent),
  ];
  return { title, head, rows: p ? p.top.map(row) : [] };
}

/** "a used X µs of CPU per request, b Y µs (±d, r of the cost): ±x µs origin, …". */
function difference(a, b) {
  const self = (p, group) => perRequest(p, p.groups.find((g) => g.group === group)?.selfMs ?? 0);
  const signed = (v) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)} µs`;
  const parts = [...new Set([...a.groups, ...b.groups].map((g) => g.group))]
    .map((group) => ({ group, d: self(a, group) - self(b, group) }))
    .filter((x) => Math.abs(x.d) >= 0.05)
    .sort((x, y) => y.d - x.d)
    .map((x) => `${signed(x.d)} ${x.group}`);
  const [ta, tb] = [perRequest(a, busyMs(a)), perRequest(b, busyMs(b))];
  return `- ${nameOf(a)} used ${us(ta)} µs of CPU per request, ${nameOf(b)} ${us(tb)} µs (${signed(ta - tb)}, ${ratio(tb / ta)} of the cost): ${parts.join(', ')}.`;
}

/** Every table of a run, by block name: `{title, head, rows}` (no rows when the phase did not run). */
export function tables(results) {
  const { settings, reqres, ping, profiles } = results;
  const pick = (role, ids) => ids.map((id) => profiles.find((p) => p.role === role && p.pairing === id)).find(Boolean);
  const servers = [pick('server', ['raw-lite', 'client-lite']), pick('server', ['raw-ws'])];
  const drivers = [pick('driver', ['client-lite']), pick('driver', ['raw-lite', 'raw-ws'])];
  const pair = (n, a, b, value) => mmm(pairedRatio(find(reqres, n, a), find(reqres, n, b), value), ratio);
  const severalClientProcesses = (results.clientCore?.rows ?? []).some((r) => r.processes > 1);
  const pingCeiling = ping.find((r) => r.pairing === 'raw-ws');
  const b = results.bots;
  const botRatios = b ? spread(b.bots.slice(0, b.raw.length).map((v, i) => v / b.raw[i])) : undefined;
  return {
    client: {
      title: 'Client core, in-process (bench/client.bench.mjs)',
      head: [
        'case',
        '@nanokit/client ns/msg',
        'hand-written ns/msg',
        'client ÷ hand-written',
        ...(severalClientProcesses ? ['in each process'] : []),
      ],
      rows: (results.clientCore?.rows ?? []).map((r) => [
        r.case,
        int(r.clientNs),
        int(r.handNs),
        `${ratio(r.ratio)} (${ratio(r.ratioMin)}–${ratio(r.ratioMax)})`,
        ...(severalClientProcesses ? [`${ratio(r.processMin)}–${ratio(r.processMax)}`] : []),
      ]),
    },
    reqres: {
      title: 'Request/response ping-pong (median (min–max) of the repetitions)',
      head: cols('N|stack|req/s|p50 ms|p99 ms|p99.9 ms|server CPU|server µs/req|driver CPU|driver µs/req'),
      rows: settings.connections.flatMap((n) =>
        STACKS.filter((p) => find(reqres, n, p.id)).map((p) => {
          const { label, of, cpu } = throughputRow(p, find(reqres, n, p.id));
          const latency = ['p50', 'p99', 'p999'].map((q) => of((r) => r.load.latency?.[q] ?? Number.NaN, ms));
          return [String(n), label, of((r) => r.load.rate, int), ...latency, ...cpu, of(driverUs, us)];
        }),
      ),
    },
    ratios: {
      title: 'Ratios (paired per repetition)',
      head: cols(
        'N|server-lite ÷ ceiling, req/s|server-lite + client ÷ ceiling, req/s|client ÷ hand-rolled, req/s|hand-rolled + await ÷ hand-rolled, req/s|client ÷ hand-rolled + await, req/s|ceiling ÷ server-lite, server µs/req|hand-rolled ÷ client, driver µs/req',
      ),
      rows: settings.connections
        .filter((n) => find(reqres, n, 'raw-lite'))
        .map((n) => [
          String(n),
          pair(n, 'raw-lite', 'raw-ws'),
          pair(n, 'client-lite', 'raw-ws'),
          pair(n, 'client-lite', 'raw-lite'),
          pair(n, 'raw-await-lite', 'raw-lite'),
          pair(n, 'client-lite', 'raw-await-lite'),
          pair(n, 'raw-ws', 'raw-lite', serverUs),
          pair(n, 'raw-lite', 'client-lite', driverUs),
        ]),
    },
    ping: {
      title: `nano-style ping: ${settings.pingConnections} clients, a notify every 10 ms, a push back`,
      head: cols(
        'stack|pings handled/s (server)|pongs received/s|pings sent/s|÷ ceiling|server CPU|server µs/ping|driver CPU',
      ),
      rows: STACKS.flatMap((p) =>
        ping
          .filter((row) => row.pairing === p.id)
          .map((row) => {
            const { label, of, cpu } = throughputRow(p, row);
            const vsCeiling = mmm(
              pairedRatio(row, pingCeiling, (r) => r.serverRate),
              ratio,
            );
            const rates = [(r) => r.serverRate, (r) => r.load.rate, (r) => r.load.sentRate].map((f) => of(f, int));
            return [label, ...rates, p.id === 'raw-ws' ? '1.00x' : vsCeiling, ...cpu];
          }),
      ),
    },
    bots: {
      title: 'nanokit bots against the hand-rolled driver (request loop on server-lite)',
      head: ['N', 'hand-rolled driver req/s', 'nanokit bots req/s', 'bots ÷ hand-rolled'],
      rows:
        b?.raw.length && b.bots.length
          ? [[String(b.connections), mmm(spread(b.raw), int), mmm(spread(b.bots), int), mmm(botRatios, ratio)]]
          : [],
    },
    memory: {
      title: 'Memory per idle session',
      head: cols(
        'server|V8 young generation|RSS per idle session|V8 heap used per session|V8 heap reserved per session|baseline RSS',
      ),
      rows: results.memory.map((row) => {
        const of = (key, f) => mmm(spread(row.runs.map((r) => r[key])), f);
        return [
          row.server === 'lite' ? 'server-lite (handshake + ack done)' : 'raw ws (open socket)',
          row.youngGen === 'pinned' ? 'pinned (1 MB semi-space)' : 'default',
          of('perSessionBytes', kb),
          of('heapPerSessionBytes', kb),
          of('heapTotalPerSessionBytes', kb),
          of('baselineRss', (v) => `${(v / 2 ** 20).toFixed(1)} MB`),
        ];
      }),
    },
    bundle: {
      title: 'Client bundle sizes (bytes)',
      head: ['file', 'raw (B)', 'min (B)', 'min+gzip (B)'],
      rows: results.bundles.map((x) => [x.file, int(x.raw), int(x.min), int(x.gzip)]),
    },
    profile: [
      groupTable('Server self time by origin, per request answered', servers.filter(Boolean)),
      topTable('server-lite, heaviest functions by self time', servers[0]),
      groupTable('Driver self time by origin, per request', drivers.filter(Boolean)),
      topTable('@nanokit/client driver, heaviest functions by self time', drivers[0]),
    ],
    differences: [servers, drivers].filter(([x, y]) => x && y).map(([x, y]) => difference(x, y)),
    targets: {
      title: 'Against the targets',
      head: ['what', 'target', 'measured', 'verdict'],
      rows: targetRows(results),
    },
  };
}

function textTable({ title, head, rows }) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return `\n${title}\n${[line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`;
}

/** The console report: every table that has rows. */
export function consoleReport(results, codecBlock) {
  const { profile, differences, ...t } = tables(results);
  const all = [...Object.values(t).slice(0, -1), ...profile, t.targets].filter((x) => x.rows.length > 0);
  const codec = codecBlock ? `\nCodec (bench/protocol.bench.mjs)\n${codecBlock}\n` : '';
  return `${codec}${all.map(textTable).join('')}${differences.map((d) => `\n${d}`).join('')}\n`;
}

/** `doc` with the blocks of the phases that ran filled in. */
export function fillDoc(doc, results, codecBlock) {
  const { env, settings: s, failures } = results;
  const t = tables(results);
  const when = `${env.date.slice(0, 16).replace('T', ' ')} UTC (phases: ${s.phases.join(', ')})`;
  const machine = `${env.platform} · ${env.cpus} CPUs (${env.cpuModel}) · ${env.memoryGiB} GiB · ws ${env.ws}`;
  const load = `load average ${env.loadAverage.join(' / ')} at the start, ${results.loadAverageEnd?.[0]} at the end`;
  const blocks = {
    run: [
      `Run of ${when} · Node ${env.node} · ${machine} · ${load} · whole run ${(results.elapsedMs / 1000).toFixed(0)} s · fd limit ${env.fdLimit} · niceness ${env.childNice}.`,
      `Settings: ${s.warmupMs / 1000} s warm-up, ${s.durationMs / 1000} s window; ${s.reps} repetitions of request/response at N = ${s.connections.join(', ')}, ${s.pingReps} of ping with ${s.pingConnections} clients, ${s.memoryReps} of memory with ${s.sessions} sessions${s.phases.includes('codec') || s.phases.includes('client') ? `; the codec and client-core benchmarks in ${s.processes} processes each, their runs pooled` : ''}.`,
      ...(failures.length
        ? [`**Left out** after two failed attempts each (fewer repetitions there): ${failures.join(', ')}.`]
        : []),
    ].join('\n\n'),
    codec: codecBlock,
  };
  for (const name of ['targets', 'client', 'reqres', 'ratios', 'ping', 'bots', 'memory', 'bundle']) {
    if (t[name].rows.length > 0) blocks[name] = mdTable(t[name].head, t[name].rows);
  }
  if (results.profiles.length > 0) {
    const seen = results.profiles.filter((p, i, all) => all.findIndex((q) => q.pairing === p.pairing) === i);
    const rates = seen.map(
      (p) =>
        `${STACKS.find((x) => x.id === p.pairing)?.label}: ${int(p.rate)} req/s, ${p.idlePercent.toFixed(0)} % idle`,
    );
    const tablesMd = t.profile.filter((x) => x.rows.length > 0).map((x) => `${x.title}:\n\n${mdTable(x.head, x.rows)}`);
    blocks.profile = [
      `N = ${results.profiles[0].connections}; ${rates.join('; ')}.`,
      ...tablesMd,
      t.differences.join('\n'),
    ].join('\n\n');
  }
  return Object.entries(blocks).reduce((d, [name, body]) => (body ? fillSection(d, name, body) : d), doc);
}
