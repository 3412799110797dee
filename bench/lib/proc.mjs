/**
 * The processes of a run. Each server and each load driver runs in its own Node process (bench/child.mjs), started
 * fresh for every measurement; the parent sends numbered commands over the IPC channel and the child answers them,
 * or emits events (`ready`, `fatal`, the driver's window `mark`s).
 * @module
 */
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { WS_PATH } from './workload.mjs';

const CHILD = fileURLToPath(new URL('../child.mjs', import.meta.url));
// Raise the soft fd limit to the hard one (1000 sockets + 1000 peers must fit) and renice by $BENCH_NICE (a
// negative value needs root; failures are ignored).
export const PRELUDE =
  'ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null; [ -z "$BENCH_NICE" ] || renice -n "$BENCH_NICE" -p $$ >/dev/null 2>&1';

/** `node [execArgv] bench/child.mjs ...args` (through `sh` for the prelude on POSIX), with an IPC channel. */
export function spawnChild(args, execArgv = [], cwd = undefined) {
  const argv = [...execArgv, CHILD, ...args];
  const options = { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd };
  const child =
    process.platform === 'win32'
      ? spawn(process.execPath, argv, options)
      : spawn('sh', ['-c', `${PRELUDE}; exec "$@"`, 'sh', process.execPath, ...argv], options);
  const name = `bench/child.mjs ${args.join(' ')}`;
  const pending = new Map();
  const listeners = new Map();
  let nextId = 1;
  let gone = false;
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      gone = true;
      for (const p of pending.values()) p.reject(new Error(`${name} exited (${code ?? signal}) before answering`));
      resolve(code);
    }),
  );
  const ready = new Promise((resolve, reject) => {
    listeners.set('ready', resolve);
    listeners.set('fatal', (data) => reject(new Error(`${name}: ${data}`)));
    void exited.then((code) => reject(new Error(`${name} exited (code ${code}) before it was ready`)));
  });
  child.on('message', (msg) => {
    if (typeof msg?.event === 'string') return listeners.get(msg.event)?.(msg.data);
    const p = pending.get(msg?.id);
    pending.delete(msg?.id);
    if (msg?.ok) p?.resolve(msg.result);
    else p?.reject(new Error(msg?.error));
  });
  return {
    ready,
    exited,
    /** Sends a command; resolves with the answer. */
    call(cmd, args = undefined, timeoutMs = 120_000) {
      if (gone) return Promise.reject(new Error(`${name} has exited`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: "${cmd}" timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (fn) => (v) => {
          clearTimeout(timer);
          fn(v);
        };
        pending.set(id, { resolve: done(resolve), reject: done(reject) });
        child.send({ id, cmd, args });
      });
    },
    on: (event, fn) => listeners.set(event, fn),
    kill: () => gone || child.kill('SIGKILL'),
    /** Closes the child politely (so that `--cpu-prof` writes its profile), then for sure. */
    async stop() {
      await this.call('exit', undefined, 15_000).catch(() => {});
      const timer = setTimeout(() => this.kill(), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A server child (`lite` or `ws`) and its WebSocket URL. */
export async function startServer(kind, execArgv = []) {
  const server = spawnChild(['server', kind], execArgv);
  const { port } = await server.ready;
  return { server, url: `ws://127.0.0.1:${port}${WS_PATH}` };
}

/**
 * One throughput measurement, `{server, driver, connections, mode: 'reqres' | 'ping', warmupMs, durationMs,
 * serverExecArgv?, driverExecArgv?}`: server CPU, clock and messages are sampled at the driver's window marks.
 */
export async function runThroughput(o) {
  const { server, url } = await startServer(o.server, o.serverExecArgv);
  const driver = spawnChild(['driver', o.driver], o.driverExecArgv);
  try {
    await driver.ready;
    const marks = {};
    driver.on('mark', (phase) => (marks[phase] = server.call('stats')));
    await driver.call('connect', { url, count: o.connections });
    const load = await driver.call('load', { mode: o.mode, warmupMs: o.warmupMs, durationMs: o.durationMs });
    const [start, end] = await Promise.all([marks['start'], marks['end']]);
    await driver.call('close');
    const wallMs = end.wallMs - start.wallMs;
    const cpuMs = (end.cpu.user - start.cpu.user + end.cpu.system - start.cpu.system) / 1000;
    const messages = end.messages - start.messages;
    return {
      load,
      serverCpu: (cpuMs / wallMs) * 100,
      serverRate: (messages / wallMs) * 1000,
      // CPU per message: the server's cost, which contention on a shared machine distorts far less than the rate.
      serverCpuPerMessageUs: messages > 0 ? (cpuMs * 1000) / messages : Number.NaN,
      driverCpuPerReplyUs:
        load.replies > 0 ? ((load.cpu.userMs + load.cpu.systemMs) * 1000) / load.replies : Number.NaN,
      windowMessages: messages,
      /** The window on the monotonic clock (µs) that CPU profiles time their samples with. */
      windowMonoUs: [start.monoUs, end.monoUs],
    };
  } finally {
    await driver.stop();
    await server.stop();
  }
}

/**
 * Server memory per idle session: RSS (and heap) after GC with `sessions` idle sessions, minus the same before them.
 * A batch of 50 sessions comes and goes first, so that lazily compiled code and buffers are in the baseline.
 */
export async function runMemory(o) {
  const { server, url } = await startServer(o.server, ['--expose-gc', ...(o.execArgv ?? [])]);
  const driver = spawnChild(['driver', o.server === 'ws' ? 'raw-ws' : 'raw']);
  // Waits (bounded) until the server holds `count` sessions, so that closes and handshakes have landed.
  const settle = async (count) => {
    for (let i = 0; i < 50 && (await server.call('stats')).sessions !== count; i++) await sleep(100);
    await sleep(200);
  };
  try {
    await driver.ready;
    await driver.call('connect', { url, count: 50 });
    await driver.call('close');
    await settle(0);
    const before = await server.call('memory');
    await driver.call('connect', { url, count: o.sessions });
    await settle(o.sessions);
    const after = await server.call('memory');
    await driver.call('close');
    const per = (key) => (after[key] - before[key]) / o.sessions;
    return {
      sessions: after.sessions,
      perSessionBytes: per('rss'),
      heapPerSessionBytes: per('heapUsed'),
      heapTotalPerSessionBytes: per('heapTotal'),
      baselineRss: before.rss,
    };
  } finally {
    await driver.stop();
    await server.stop();
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An in-process benchmark (`codec`: bench/protocol.bench.mjs, `client`: bench/client.bench.mjs) in a child of its
 * own, so that its heap and JIT state do not colour the other figures: `{rows}` or `{rows: [], error}`.
 */
export async function runChildBench(which, o) {
  const child = spawnChild([which, ...(o.quick ? ['--quick'] : [])], [], o.root);
  const result = await child.ready.then(
    ({ rows }) => ({ rows, error: undefined }),
    (error) => ({ rows: [], error: error.message.split('\n')[0] }),
  );
  child.kill();
  return result;
}

/** What the report says about the machine. */
export function describeEnvironment(ws) {
  const cpus = os.cpus();
  const sh = (script) => {
    try {
      return process.platform === 'win32' ? 'n/a' : execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((v) => Number(v.toFixed(2))),
    fdLimit: sh(`${PRELUDE}; echo "$(ulimit -n) (hard $(ulimit -Hn))"`),
    ws,
    childNice: sh(`${PRELUDE}; nice`),
  };
}
