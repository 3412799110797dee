/**
 * The child processes of a run (lib/proc.mjs starts them): `node bench/child.mjs <role> [kind]` emits `ready` (or
 * `fatal`), then answers commands. `server lite|ws`: `stats` (CPU, clocks, counters), `memory` (after three forced
 * GCs), `exit`. `driver client|raw|raw-await|raw-ws`: `connect {url, count}`, `load {mode, warmupMs, durationMs}` (emits a `mark`
 * at each edge of its window), `close`, `exit`. `tadpole`: the pond, `sample`, `exit`. `codec`, `client`: runs
 * bench/protocol.bench.mjs or bench/client.bench.mjs and sends the rows with `ready`.
 * @module
 */
const [role, kind] = process.argv.slice(2);
const quick = process.argv.includes('--quick');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const emit = (event, data) => process.send?.({ event, data });

/** Answers `{id, cmd, args}` with `handlers[cmd](args)`; errors go back as answers, never crash the child. */
function serve(handlers) {
  process.on('message', async (msg) => {
    try {
      if (!handlers[msg.cmd]) throw new Error(`unknown command ${msg.cmd}`);
      process.send?.({ id: msg.id, ok: true, result: await handlers[msg.cmd](msg.args) });
    } catch (error) {
      process.send?.({ id: msg.id, ok: false, error: error instanceof Error ? error.stack : String(error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}
const exitAfter = (close) => async () => {
  await close();
  setImmediate(() => process.exit(0));
  return true;
};

try {
  if (role === 'server') {
    const servers = await import('./servers.mjs');
    if (kind !== 'lite' && kind !== 'ws') throw new Error(`unknown server kind ${kind}`);
    const server = await (kind === 'ws' ? servers.startEchoServer() : servers.startLiteServer());
    serve({
      stats: () => ({
        cpu: process.cpuUsage(),
        wallMs: performance.now(),
        monoUs: Number(process.hrtime.bigint() / 1000n),
        ...server.counters(),
      }),
      memory: async () => {
        if (typeof globalThis.gc !== 'function') throw new Error('the server needs --expose-gc for memory figures');
        for (let i = 0; i < 3; i++) {
          globalThis.gc();
          await sleep(50);
        }
        return { ...process.memoryUsage(), ...server.counters() };
      },
      exit: exitAfter(() => server.close()),
    });
    emit('ready', { port: server.port });
  } else if (role === 'driver') {
    const { openSessions, runLoad, sessionOpener } = await import('./drivers/load.mjs');
    const open = await sessionOpener(/** @type {any} */ (kind));
    /** @type {any[]} */
    let sessions = [];
    const closeAll = async () => {
      const closing = sessions;
      sessions = [];
      await Promise.all(closing.map((s) => s.close()));
      return true;
    };
    serve({
      connect: async (args) => sessions.push(...(await openSessions(open, args.url, args.count))),
      load: (args) => runLoad(sessions, { ...args, onMark: (phase) => emit('mark', phase) }),
      close: closeAll,
      exit: exitAfter(closeAll),
    });
    emit('ready', {});
  } else if (role === 'tadpole') {
    const { startTadpoleServer } = await import('../examples/tadpole/tadpole-server.mjs');
    const pond = await startTadpoleServer({ port: 0, quiet: true });
    serve({
      sample: () => ({ cpu: process.cpuUsage(), updates: pond.stats.updates, players: pond.players() }),
      exit: exitAfter(() => pond.close()),
    });
    emit('ready', { wsUrl: pond.wsUrl });
  } else if (role === 'codec') {
    const { runProtocolBench } = await import('./protocol.bench.mjs');
    const rows = await runProtocolBench(quick ? { runs: 4, ms: 20 } : { runs: 8 });
    emit('ready', { rows: JSON.parse(JSON.stringify(rows)) });
    setTimeout(() => process.exit(0), 100);
  } else if (role === 'client') {
    const { runClientBench } = await import('./client.bench.mjs');
    emit('ready', { rows: await runClientBench(quick ? { runs: 2, ms: 20 } : { runs: 8 }) });
    setTimeout(() => process.exit(0), 100);
  } else {
    throw new Error(`unknown role ${role}`);
  }
} catch (error) {
  emit('fatal', error instanceof Error ? error.stack : String(error));
  setTimeout(() => process.exit(1), 50);
}
