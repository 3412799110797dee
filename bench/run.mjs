#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark of nanokit in one bounded run (about 5 minutes on 2 cores), loopback only.
 *
 * 1. codec (bench/protocol.bench.mjs, beside pinus-protocol), and the client's own cost per push and request against
 *    a hand-written decode, in process (bench/client.bench.mjs);
 * 2. request/response ping-pong at N connections, one outstanding request each;
 * 3. nano's "1000 clients, a notify every 10 ms, the server pushes back" ping;
 * 4. the ceiling in the same run: a raw `ws` echo server driven the same way;
 * 5. client overhead: @nanokit/client against a hand-rolled ws + codec driver;
 * 6. server memory per idle session, after GC, against raw ws sockets;
 * 7. bundle sizes of the client builds (terser + gzip);
 * 8. `nanokit bots` (the CLI's load tool) against the hand-rolled driver, request loops on server-lite;
 * plus a CPU profile of server-lite under load.
 *
 * Servers and drivers each run in their own process. Every figure is the median of the repetitions, shown with
 * min–max; the configurations are interleaved within each repetition so that drifts of a shared machine hit all of
 * them alike. Prints console tables and, after a full run, rewrites docs/benchmarks.md and docs/benchmarks.svg.
 *
 * Options: --reps N, --warmup MS, --duration MS, --connections 100,1000, --ping-connections N, --sessions N,
 * --nice=N (the benchmark processes renice themselves: a negative N, root only, shields them from the rest of a
 * shared machine), --out DIR (where benchmarks.md and .svg go; default docs), --only codec,client,reqres,ping,memory,profile,bundle,bots, --stacks client-lite,raw-lite,raw-ws, --quick (a few seconds, for smoke tests), --write / --no-write.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBotsThroughput } from './lib/bots.mjs';
import { measureBundles } from './lib/bundle-size.mjs';
import { renderChart } from './lib/chart.mjs';
import { runClientCore, runCodec } from './lib/codec.mjs';
import { PAIRINGS, pairing } from './lib/configs.mjs';
import { summariseProfile } from './lib/cpu-profile.mjs';
import { describeEnvironment } from './lib/environment.mjs';
import { runMemory, runThroughput } from './lib/phases.mjs';
import { carryNotesSection, chartData, consoleReport, markdownReport, replaceCodecSection } from './lib/report.mjs';
import { replaceTadpoleSection, tadpoleSectionOf } from './lib/tadpole-section.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Semi-space size (MB) of the memory phase's second reading, which keeps V8's young generation from growing. */
const PINNED_SEMI_SPACE_MB = 1;
const ALL_PHASES = ['codec', 'client', 'reqres', 'ping', 'memory', 'profile', 'bundle', 'bots'];

const { values: flags } = parseArgs({
  options: {
    reps: { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    'ping-connections': { type: 'string' },
    sessions: { type: 'string' },
    only: { type: 'string' },
    stacks: { type: 'string' },
    quick: { type: 'boolean', default: false },
    nice: { type: 'string' },
    out: { type: 'string' },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean', default: false },
  },
});

const quick = flags.quick === true;
const settings = {
  reps: Number(flags.reps ?? (quick ? 1 : 5)),
  pingReps: Number(flags.reps ?? (quick ? 1 : 3)),
  memoryReps: Number(flags.reps ?? (quick ? 1 : 3)),
  warmupMs: Number(flags.warmup ?? (quick ? 300 : 1000)),
  durationMs: Number(flags.duration ?? (quick ? 700 : 3000)),
  connections: (flags.connections ?? (quick ? '10,50' : '100,1000')).split(',').map(Number),
  pingConnections: Number(flags['ping-connections'] ?? (quick ? 50 : 1000)),
  sessions: Number(flags.sessions ?? (quick ? 50 : 1000)),
  stacks: flags.stacks ? flags.stacks.split(',') : PAIRINGS.map((p) => p.id),
  phases: flags.only ? flags.only.split(',') : quick ? ['reqres', 'ping', 'memory', 'bundle', 'bots'] : ALL_PHASES,
};
for (const phase of settings.phases) {
  if (!ALL_PHASES.includes(phase)) throw new Error(`unknown phase "${phase}" (phases: ${ALL_PHASES.join(', ')})`);
}
const outDir = path.resolve(ROOT, flags.out ?? 'docs');
const DOC = path.join(outDir, 'benchmarks.md');
const SVG = path.join(outDir, 'benchmarks.svg');
if (flags.nice !== undefined) process.env['BENCH_NICE'] = String(Number(flags.nice));
const stacks = settings.stacks.map((id) => pairing(/** @type {any} */ (id)));
const write = flags['no-write'] ? false : (flags.write ?? (!quick && settings.phases.length === ALL_PHASES.length));

const needed = ['protocol/dist/index.mjs'];
if (stacks.some((p) => p.driver === 'client') || settings.phases.includes('client')) {
  needed.push('client/dist/index.mjs');
}
if (stacks.some((p) => p.server === 'lite')) needed.push('server-lite/dist/index.mjs');
const missing = needed.filter((f) => !existsSync(path.join(ROOT, 'packages', f)));
if (missing.length > 0 && settings.phases.some((p) => p !== 'bundle' && p !== 'codec')) {
  console.error(`bench: missing builds (${missing.join(', ')}): run \`npm run build\` first (\`npm run bench\` does).`);
  process.exit(1);
}

const started = performance.now();
const wsVersion = JSON.parse(await readFile(path.join(ROOT, 'node_modules', 'ws', 'package.json'), 'utf8')).version;
const env = describeEnvironment(wsVersion);
/** @param {string} text */
const log = (text) =>
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);
log(
  `${env.node}, ${env.cpus} CPUs (${env.cpuModel}), load ${env.loadAverage.join(' ')}, fd limit ${env.fdLimit}, children's niceness ${env.childNice}`,
);
log(
  `phases ${settings.phases.join(', ')}; ${settings.reps} repetitions (ping ${settings.pingReps}, memory ${settings.memoryReps}); warm-up ${settings.warmupMs} ms, window ${settings.durationMs} ms`,
);
/**
 * Runs one measurement; on a failure (a handshake timing out on an overloaded machine, a crashed child) logs it
 * and tries once more; a second failure is logged and the measurement is left out (null).
 * @template T
 * @param {string} label
 * @param {() => Promise<T>} fn
 * @returns {Promise<T | null>}
 */
async function twice(label, fn) {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      return await fn();
    } catch (error) {
      log(
        `${label}: attempt ${attempt} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    }
  }
  results.failures.push(label);
  return null;
}

/**
 * The stacks in the order of repetition `rep`: rotated by one each time, so that no stack always runs first.
 * @param {number} rep 1-based
 */
const rotated = (rep) =>
  stacks.map((_, i) => /** @type {(typeof stacks)[number]} */ (stacks[(i + rep - 1) % stacks.length]));

/** @type {import('./lib/report.mjs').BenchResults} */
const results = {
  env,
  settings,
  reqres: [],
  ping: [],
  memory: [],
  bundles: [],
  profiles: [],
  failures: [],
  codec: null,
  clientCore: null,
  bots: null,
  elapsedMs: 0,
};
const has = (/** @type {string} */ phase) => settings.phases.includes(phase);

if (has('codec')) {
  log('codec: bench/protocol.bench.mjs');
  results.codec = await runCodec({ root: ROOT, quick });
  log(results.codec.error ? `codec: skipped (${results.codec.error})` : `codec: ${results.codec.rows.length} rows`);
}

if (has('client')) {
  log('client: bench/client.bench.mjs');
  results.clientCore = await runClientCore({ root: ROOT, quick });
  log(
    results.clientCore.error
      ? `client: skipped (${results.clientCore.error})`
      : `client: ${results.clientCore.rows.map((r) => `${r.case}: ${r.ratio.toFixed(2)}x`).join('; ')}`,
  );
}

if (has('reqres')) {
  /** @type {Map<string, import('./lib/report.mjs').ThroughputRow>} */
  const rows = new Map();
  for (let rep = 1; rep <= settings.reps; rep++) {
    for (const n of settings.connections) {
      for (const p of rotated(rep)) {
        const key = `${n}/${p.id}`;
        const row = rows.get(key) ?? { connections: n, pairing: p.id, runs: [] };
        rows.set(key, row);
        const r = await twice(`reqres N=${n} ${p.id}`, () =>
          runThroughput({
            server: p.server,
            driver: p.driver,
            connections: n,
            mode: 'reqres',
            warmupMs: settings.warmupMs,
            durationMs: settings.durationMs,
          }),
        );
        if (r === null) continue;
        row.runs.push(r);
        log(
          `reqres ${rep}/${settings.reps} N=${n} ${p.label}: ${Math.round(r.load.rate)} req/s, p99 ${r.load.latency?.p99.toFixed(2)} ms, server CPU ${r.serverCpu.toFixed(0)} % (${r.serverCpuPerMessageUs.toFixed(1)} µs/req), driver CPU ${r.load.cpu.percent.toFixed(0)} %${r.load.errors ? `, ${r.load.errors} errors (${r.load.firstError})` : ''}`,
        );
      }
    }
  }
  results.reqres = [...rows.values()];
}

if (has('bots')) {
  // `nanokit bots` against the hand-rolled driver at the smaller N, interleaved (the order alternates per repetition),
  // both read on the server: messages per second in a window after every session is connected and warmed up.
  const n = Math.min(...settings.connections);
  const row = { connections: n, raw: /** @type {number[]} */ ([]), bots: /** @type {number[]} */ ([]) };
  for (let rep = 1; rep <= settings.reps; rep++) {
    const order = rep % 2 === 1 ? ['raw', 'bots'] : ['bots', 'raw'];
    for (const which of order) {
      const window = { warmupMs: settings.warmupMs, durationMs: settings.durationMs };
      const r =
        which === 'raw'
          ? await twice(`bots N=${n} raw`, () =>
              runThroughput({ server: 'lite', driver: 'raw', connections: n, mode: 'reqres', ...window }),
            )
          : await twice(`bots N=${n} nanokit bots`, () => runBotsThroughput({ connections: n, ...window }));
      if (r === null) continue;
      row[which === 'raw' ? 'raw' : 'bots'].push(r.serverRate);
      log(
        `bots ${rep}/${settings.reps} N=${n} ${which === 'raw' ? 'hand-rolled driver' : 'nanokit bots'}: ${Math.round(r.serverRate)} req/s`,
      );
    }
  }
  results.bots = row;
}

if (has('ping')) {
  /** @type {Map<string, import('./lib/report.mjs').ThroughputRow>} */
  const rows = new Map();
  for (let rep = 1; rep <= settings.pingReps; rep++) {
    for (const p of rotated(rep)) {
      const row = rows.get(p.id) ?? { connections: settings.pingConnections, pairing: p.id, runs: [] };
      rows.set(p.id, row);
      const r = await twice(`ping ${p.id}`, () =>
        runThroughput({
          server: p.server,
          driver: p.driver,
          connections: settings.pingConnections,
          mode: 'ping',
          warmupMs: settings.warmupMs,
          durationMs: settings.durationMs,
        }),
      );
      if (r === null) continue;
      row.runs.push(r);
      log(
        `ping ${rep}/${settings.pingReps} N=${settings.pingConnections} ${p.label}: server ${Math.round(r.serverRate)} pings/s, ${Math.round(r.load.rate)} pongs/s received, ${Math.round(r.load.sentRate)} sent/s${r.load.errors ? `, ${r.load.errors} errors (${r.load.firstError})` : ''}`,
      );
    }
  }
  results.ping = [...rows.values()];
}

if (has('memory')) {
  /** @type {Map<string, import('./lib/report.mjs').MemoryRow>} */
  const rows = new Map();
  for (let rep = 1; rep <= settings.memoryReps; rep++) {
    for (const server of [...new Set(stacks.map((p) => p.server))]) {
      for (const youngGen of /** @type {const} */ (['default', 'pinned'])) {
        const key = `${server}/${youngGen}`;
        const row = rows.get(key) ?? { server, youngGen, runs: [] };
        rows.set(key, row);
        const r = await twice(`memory ${server}`, () =>
          runMemory({
            server,
            sessions: settings.sessions,
            execArgv: youngGen === 'pinned' ? [`--max-semi-space-size=${PINNED_SEMI_SPACE_MB}`] : [],
          }),
        );
        if (r === null) continue;
        row.runs.push(r);
        log(
          `memory ${rep}/${settings.memoryReps} ${server} (young generation ${youngGen}): ${(r.perSessionBytes / 1024).toFixed(2)} KB RSS per idle session (heap ${(r.heapPerSessionBytes / 1024).toFixed(2)} KB), ${r.sessions} sessions`,
        );
      }
    }
  }
  results.memory = [...rows.values()];
}

if (has('profile')) {
  const n = Math.max(...settings.connections);
  /** @type {import('./lib/report.mjs').BenchResults['profiles']} */
  const profiles = [];
  for (const p of stacks) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nanokit-prof-'));
    const serverDir = path.join(dir, 'server');
    const driverDir = path.join(dir, 'driver');
    try {
      log(`profile: ${p.label}, N=${n}, server and driver under --cpu-prof`);
      const run = await twice(`profile ${p.id}`, () =>
        runThroughput({
          server: p.server,
          driver: p.driver,
          connections: n,
          mode: 'reqres',
          warmupMs: settings.warmupMs,
          durationMs: settings.durationMs,
          serverExecArgv: ['--cpu-prof', `--cpu-prof-dir=${serverDir}`],
          driverExecArgv: ['--cpu-prof', `--cpu-prof-dir=${driverDir}`],
        }),
      );
      if (run === null) continue;
      for (const [role, folder] of /** @type {const} */ ([
        ['server', serverDir],
        ['driver', driverDir],
      ])) {
        const file = existsSync(folder) ? (await readdir(folder)).find((f) => f.endsWith('.cpuprofile')) : undefined;
        if (!file) {
          log(`profile: the ${role} wrote no .cpuprofile`);
          continue;
        }
        const profileFile = path.join(folder, file);
        let summary = await summariseProfile(profileFile, { root: ROOT, limit: 15, window: run.windowMonoUs });
        const windowMs = (run.windowMonoUs[1] - run.windowMonoUs[0]) / 1000;
        if (summary.totalMs < windowMs / 2) {
          // The profile's clock did not line up with the window: fall back to the whole profile.
          log(
            `profile (${role}): ${summary.totalMs.toFixed(0)} of ${windowMs.toFixed(0)} ms in the window; using the whole profile`,
          );
          summary = { ...(await summariseProfile(profileFile, { root: ROOT, limit: 15 })), windowed: false };
        }
        profiles.push({
          ...summary,
          role,
          pairing: p.id,
          rate: run.load.rate,
          connections: n,
          messages: run.windowMessages,
        });
        log(
          `profile (${role}, ${summary.totalMs.toFixed(0)} ms sampled): ${summary.top
            .slice(0, 3)
            .map((e) => `${e.name} ${e.percent.toFixed(1)} %`)
            .join(', ')}`,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  results.profiles = profiles;
}

if (has('bundle')) {
  results.bundles = await measureBundles(path.join(ROOT, 'packages', 'client', 'dist'));
  log(`bundle: ${results.bundles.length} client builds measured`);
}

results.elapsedMs = performance.now() - started;
results.loadAverageEnd = os.loadavg().map((v) => Number(v.toFixed(2)));
process.stdout.write(consoleReport(results));

if (write) {
  const previous = existsSync(DOC) ? await readFile(DOC, 'utf8') : '';
  await mkdir(outDir, { recursive: true });
  let md = carryNotesSection(replaceCodecSection(markdownReport(results), results.codec, previous), previous);
  // The tadpole section comes from `npm run bench:tadpole`: keep it.
  const tadpole = tadpoleSectionOf(previous);
  if (tadpole) md = replaceTadpoleSection(md, tadpole);
  await writeFile(DOC, md);
  const chart = chartData(results);
  if (chart) await writeFile(SVG, renderChart(chart));
  log(`wrote ${path.relative(ROOT, DOC)}${chart ? ` and ${path.relative(ROOT, SVG)}` : ''}`);
}
log(`done in ${(results.elapsedMs / 1000).toFixed(0)} s`);
