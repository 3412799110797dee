#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark of nanokit in one bounded run (about 7 minutes on 2 cores), loopback only; see
 * bench/README.md for the phases and options. Servers and drivers run in processes of their own; every figure is
 * the median of the repetitions with min–max, the stacks interleaved within each repetition in a rotated order so
 * that the drifts of a shared machine hit all of them alike. Prints console tables and, after a full run (or with
 * `--write`), fills the blocks of docs/benchmarks.md.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { poolClientRows } from './client.bench.mjs';
import { runBotsThroughput } from './lib/bots.mjs';
import { measureBundles } from './lib/bundle-size.mjs';
import { summariseProfile } from './lib/cpu-profile.mjs';
import { describeEnvironment, runChildBench, runMemory, runThroughput } from './lib/proc.mjs';
import { consoleReport, fillDoc } from './lib/report.mjs';
import { STACKS } from './lib/workload.mjs';
import { codecSection, poolProtocolRows } from './protocol.bench.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ALL_PHASES = ['codec', 'client', 'reqres', 'ping', 'memory', 'profile', 'bundle', 'bots'];
const strings = 'reps processes warmup duration connections ping-connections sessions only stacks nice out'.split(' ');
const { values: flags } = parseArgs({
  options: {
    ...Object.fromEntries(strings.map((name) => [name, { type: /** @type {const} */ ('string') }])),
    quick: { type: 'boolean', default: false },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean', default: false },
  },
});
const quick = flags.quick === true;
const num = (flag, quickValue, full) => Number(flag ?? (quick ? quickValue : full));
const settings = {
  reps: num(flags.reps, 1, 5),
  processes: num(flags.processes, 1, 3),
  pingReps: num(flags.reps, 1, 3),
  memoryReps: num(flags.reps, 1, 3),
  warmupMs: num(flags.warmup, 300, 1000),
  durationMs: num(flags.duration, 700, 3000),
  connections: (flags.connections ?? (quick ? '10,50' : '100,1000')).split(',').map(Number),
  pingConnections: num(flags['ping-connections'], 50, 1000),
  sessions: num(flags.sessions, 50, 1000),
  phases: flags.only?.split(',') ?? (quick ? ['reqres', 'ping', 'memory', 'bundle', 'bots'] : ALL_PHASES),
};
if (!(Number.isInteger(settings.processes) && settings.processes >= 1)) fail('--processes takes a whole number ≥ 1');
const unknown = settings.phases.filter((p) => !ALL_PHASES.includes(p));
if (unknown.length > 0) throw new Error(`unknown phase "${unknown}" (phases: ${ALL_PHASES.join(', ')})`);
const stackIds = flags.stacks?.split(',') ?? STACKS.map((s) => s.id);
const stacks = stackIds.map((id) => STACKS.find((s) => s.id === id) ?? fail(`unknown stack ${id}`));
const write = !flags['no-write'] && (flags.write ?? (!quick && settings.phases.length === ALL_PHASES.length));
const DOC = path.join(path.resolve(ROOT, flags.out ?? 'docs'), 'benchmarks.md');
if (flags.nice !== undefined) process.env['BENCH_NICE'] = String(Number(flags.nice));
const has = (phase) => settings.phases.includes(phase);

const needed = ['protocol', ...(stacks.some((p) => p.driver === 'client') || has('client') ? ['client'] : [])];
if (stacks.some((p) => p.server === 'lite')) needed.push('server-lite');
const missing = needed.filter((p) => !existsSync(path.join(ROOT, 'packages', p, 'dist/index.mjs')));
if (missing.length > 0 && settings.phases.some((p) => p !== 'bundle' && p !== 'codec')) {
  fail(`missing builds of ${missing.join(', ')}: run \`npm run build\` first (\`npm run bench\` does)`);
}

const started = performance.now();
const ws = JSON.parse(await readFile(path.join(ROOT, 'node_modules/ws/package.json'), 'utf8')).version;
const env = describeEnvironment(ws);
const log = (text) =>
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);
log(`${env.node}, ${env.cpus} CPUs, load ${env.loadAverage.join(' ')}, fd limit ${env.fdLimit}, nice ${env.childNice}`);
log(
  `phases ${settings.phases.join(', ')}; ${settings.reps} reps; ${settings.processes} processes per in-process benchmark; warm-up ${settings.warmupMs} ms, window ${settings.durationMs} ms`,
);

const results = { env, settings, reqres: [], ping: [], memory: [], bundles: [], profiles: [], failures: [] };

/** One measurement; a failure (a handshake timing out on a loaded machine, a crashed child) gets one more try. */
async function twice(label, fn) {
  for (const attempt of [1, 2]) {
    try {
      return await fn();
    } catch (error) {
      log(`${label}: attempt ${attempt} failed: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
    }
  }
  results.failures.push(label);
  return null;
}

/**
 * Runs `measure(config)` `reps` times for every config of every group, interleaved: each repetition runs the
 * groups in turn, the configs of a group in an order rotated by one each repetition (unless `rotate` is false), so
 * that no config always runs first. Returns one `{...config.key, runs}` row per config.
 */
async function interleaved(reps, groups, measure, describe, rotate = true) {
  for (const c of groups.flat()) c.row = { ...c.key, runs: [] };
  for (let rep = 1; rep <= reps; rep++) {
    for (const group of groups) {
      for (let i = 0; i < group.length; i++) {
        const c = group[rotate ? (i + rep - 1) % group.length : i];
        const r = await twice(c.label, () => measure(c));
        if (r === null) continue;
        c.row.runs.push(r);
        log(`${c.label} ${rep}/${reps}: ${describe(r)}`);
      }
    }
  }
  return groups.flat().map((c) => c.row);
}
const errors = (r) => (r.load.errors ? `, ${r.load.errors} errors (${r.load.firstError})` : '');
const window = { warmupMs: settings.warmupMs, durationMs: settings.durationMs };
const throughput = (c, mode, n) => runThroughput({ ...c.stack, connections: n, mode, ...window });

/**
 * Runs an in-process benchmark (`codec`, `client`) in `settings.processes` child processes one after the other and
 * pools their rows with `pool`: runs within one process agree far better than one process with the next. A process
 * that fails twice is left out (and listed on the run line); the others are pooled.
 */
async function inProcesses(which, pool) {
  const all = [];
  for (let i = 1; i <= settings.processes; i++) {
    const rows = await twice(`${which} process ${i}`, async () => {
      const { rows, error } = await runChildBench(which, { root: ROOT, quick });
      if (error) throw new Error(error);
      return rows;
    });
    if (rows === null) continue;
    all.push(rows);
    log(`${which}: process ${i}/${settings.processes} done`);
  }
  if (all.length === 0) return { rows: [], error: 'every process failed' };
  try {
    return { rows: pool(all), error: undefined };
  } catch (error) {
    results.failures.push(`${which} (pooling)`);
    return { rows: [], error: error instanceof Error ? error.message : String(error) };
  }
}

let codec;
if (has('codec')) {
  const { rows, error } = await inProcesses('codec', poolProtocolRows);
  if (rows.length > 0) codec = codecSection(rows);
  log(error ? `codec: skipped (${error})` : `codec: ${rows.length} rows`);
}
if (has('client')) {
  const { rows, error } = (results.clientCore = await inProcesses('client', poolClientRows));
  log(
    error ? `client: skipped (${error})` : `client: ${rows.map((r) => `${r.case}: ${r.ratio.toFixed(2)}x`).join('; ')}`,
  );
}
if (has('reqres')) {
  const groups = settings.connections.map((n) =>
    stacks.map((p) => ({ stack: p, n, key: { connections: n, pairing: p.id }, label: `reqres N=${n} ${p.id}` })),
  );
  const describe = (r) =>
    `${Math.round(r.load.rate)} req/s, p99 ${r.load.latency?.p99.toFixed(2)} ms, server ${r.serverCpu.toFixed(0)} % (${r.serverCpuPerMessageUs.toFixed(1)} µs/req), driver ${r.load.cpu.percent.toFixed(0)} %${errors(r)}`;
  results.reqres = await interleaved(settings.reps, groups, (c) => throughput(c, 'reqres', c.n), describe);
}
if (has('bots')) {
  // `nanokit bots` against the hand-rolled driver at the smaller N, both read on the server.
  const n = Math.min(...settings.connections);
  const group = ['raw', 'bots'].map((which) => ({ which, key: {}, label: `bots N=${n} ${which}` }));
  const measure = (c) =>
    c.which === 'raw'
      ? runThroughput({ server: 'lite', driver: 'raw', connections: n, mode: 'reqres', ...window })
      : runBotsThroughput({ connections: n, ...window });
  const rows = await interleaved(settings.reps, [group], measure, (r) => `${Math.round(r.serverRate)} req/s`);
  const [raw, bots] = rows.map((row) => row.runs.map((r) => r.serverRate));
  results.bots = { connections: n, raw, bots };
}
if (has('ping')) {
  const n = settings.pingConnections;
  const group = stacks
    .filter((p) => !p.reqresOnly)
    .map((p) => ({ stack: p, key: { connections: n, pairing: p.id }, label: `ping N=${n} ${p.id}` }));
  const describe = (r) =>
    `server ${Math.round(r.serverRate)} pings/s, ${Math.round(r.load.rate)} pongs/s received, ${Math.round(r.load.sentRate)} sent/s${errors(r)}`;
  results.ping = await interleaved(settings.pingReps, [group], (c) => throughput(c, 'ping', n), describe);
}
if (has('memory')) {
  // The second reading pins V8's young generation small (1 MB semi-space), so that it cannot grow.
  const group = [...new Set(stacks.map((p) => p.server))].flatMap((server) =>
    ['default', 'pinned'].map((youngGen) => ({ key: { server, youngGen }, label: `memory ${server} (${youngGen})` })),
  );
  const execArgv = (c) => (c.key.youngGen === 'pinned' ? ['--max-semi-space-size=1'] : []);
  const memory = (c) => runMemory({ server: c.key.server, sessions: settings.sessions, execArgv: execArgv(c) });
  const describe = (r) =>
    `${(r.perSessionBytes / 1024).toFixed(2)} KB RSS per idle session (heap ${(r.heapPerSessionBytes / 1024).toFixed(2)} KB), ${r.sessions} sessions`;
  results.memory = await interleaved(settings.memoryReps, [group], memory, describe, false);
}
if (has('profile')) {
  const n = Math.max(...settings.connections);
  for (const p of stacks.filter((s) => !s.reqresOnly)) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nanokit-prof-'));
    const prof = (role) => ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, role)}`];
    try {
      log(`profile: ${p.label}, N=${n}, server and driver under --cpu-prof`);
      const stack = { ...p, serverExecArgv: prof('server'), driverExecArgv: prof('driver') };
      const run = await twice(`profile ${p.id}`, () => throughput({ stack }, 'reqres', n));
      for (const role of run ? ['server', 'driver'] : []) {
        const folder = path.join(dir, role);
        const file = existsSync(folder) && (await readdir(folder)).find((f) => f.endsWith('.cpuprofile'));
        if (!file) {
          log(`profile: the ${role} wrote no .cpuprofile`);
          continue;
        }
        const options = { root: ROOT, limit: 15 };
        let summary = await summariseProfile(path.join(folder, file), { ...options, window: run.windowMonoUs });
        const windowMs = (run.windowMonoUs[1] - run.windowMonoUs[0]) / 1000;
        if (summary.totalMs < windowMs / 2) {
          log(
            `profile (${role}): ${summary.totalMs.toFixed(0)} of ${windowMs.toFixed(0)} ms in the window; whole profile`,
          );
          summary = await summariseProfile(path.join(folder, file), options);
        }
        const { rate } = run.load;
        results.profiles.push({ ...summary, role, pairing: p.id, rate, connections: n, messages: run.windowMessages });
        log(
          `profile (${role}): ${summary.top
            .slice(0, 3)
            .map((e) => `${e.name} ${e.percent.toFixed(1)} %`)
            .join(', ')}`,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
if (has('bundle')) {
  results.bundles = await measureBundles(path.join(ROOT, 'packages/client/dist'));
  log(`bundle: ${results.bundles.length} client builds measured`);
}

results.elapsedMs = performance.now() - started;
results.loadAverageEnd = os.loadavg().map((v) => Number(v.toFixed(2)));
process.stdout.write(consoleReport(results, codec));
if (write) {
  const template = existsSync(DOC) ? DOC : path.join(ROOT, 'docs/benchmarks.md');
  await mkdir(path.dirname(DOC), { recursive: true });
  await writeFile(DOC, fillDoc(await readFile(template, 'utf8'), results, codec));
  log(`wrote ${path.relative(ROOT, DOC)}`);
}
log(`done in ${(results.elapsedMs / 1000).toFixed(0)} s`);

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}
