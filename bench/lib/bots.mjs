/**
 * The `nanokit bots` driver: the CLI binary runs a request-loop scenario (connect, then `bench.echo` requests back to
 * back) with N bots against server-lite; its rate is read on the server, over the same kind of window as the other
 * drivers' (`runThroughput`'s `serverRate`), so the two compare directly.
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRELUDE, startServer } from './proc.mjs';
import { ECHO_BODY, ECHO_ROUTE } from './workload.mjs';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/nanokit.mjs', import.meta.url));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @param {{connections: number, warmupMs: number, durationMs: number}} options
 * @returns {Promise<{serverRate: number, connectMs: number}>} server messages per second in the window
 */
export async function runBotsThroughput(options) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nanokit-bench-bots-'));
  const scenario = path.join(dir, 'request-loop.json');
  const steps = [{ connect: {} }, { loop: true, steps: [{ request: ECHO_ROUTE, body: ECHO_BODY }] }];
  await writeFile(scenario, JSON.stringify({ name: 'request loop', steps }));
  const { server, url } = await startServer('lite');
  // The bots loop until killed: the window is cut on the server, after every bot is connected and warmed up.
  const args = [BIN, 'bots', scenario, '--url', url, '-n', String(options.connections), '-d', '10m'];
  const bots = spawn('sh', ['-c', `${PRELUDE}; exec "$@"`, 'sh', process.execPath, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  bots.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => bots.once('exit', resolve));
  try {
    const started = performance.now();
    for (;;) {
      const stats = await server.call('stats');
      if (stats.sessions >= options.connections) break;
      if (bots.exitCode !== null) throw new Error(`nanokit bots exited early: ${stderr}`);
      if (performance.now() - started > 60_000) throw new Error(`only ${stats.sessions} bots connected in 60 s`);
      await sleep(50);
    }
    const connectMs = performance.now() - started;
    await sleep(options.warmupMs);
    const start = await server.call('stats');
    await sleep(options.durationMs);
    const end = await server.call('stats');
    if (bots.exitCode !== null) throw new Error(`nanokit bots exited during the window: ${stderr}`);
    return { serverRate: ((end.messages - start.messages) / (end.wallMs - start.wallMs)) * 1000, connectMs };
  } finally {
    bots.kill('SIGKILL');
    await exited;
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
