// Cache misses per request of the many-clients loop of bench/client.bench.mjs (1000 in-process clients, or as many
// hand-written sessions), counted by valgrind's cachegrind on a simulated cache instead of timed: timings on a shared
// machine move more between runs than one change to the client does, and a thousand clients cost mostly memory.
//
//   node bench/cache-misses.mjs                      # client and hand-written, one run each (about 4 minutes)
//   node bench/cache-misses.mjs --side client --runs 3 --root /other/checkout/   # another checkout's builds
//
// Each run is two processes under cachegrind, one answering 10,000 requests and one 60,000 after the same warm-up;
// their difference divided by 50,000 is the cost of a request without start-up, warm-up and teardown. The clients'
// request timeout is too long to fire: valgrind slows the process some fifty times, and the default 10 s timer would
// fire often enough to count. Needs valgrind (`apt-get install valgrind`); uses the BUILT packages (`npm run build`).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { manyLoops } from './client.bench.mjs';
import { ECHO_BODY } from './lib/workload.mjs';

const self = fileURLToPath(import.meta.url);
const CLIENTS = 1000;
const WARM_UP = 20_000;
const COUNTS = [10_000, 60_000];
/** The simulated last-level cache: 1 MiB, 16-way, 64-byte lines (the L1 caches are valgrind's defaults). */
const LL = '1048576,16,64';

/** Loop mode (inside valgrind): warm up, then `requests` requests on `side`, then exit. */
async function loop(root, side, requests) {
  const P = await import(pathToFileURL(path.join(root, 'packages/protocol/dist/index.mjs')).href);
  const C = await import(pathToFileURL(path.join(root, 'packages/client/dist/node.mjs')).href);
  const body = JSON.stringify(ECHO_BODY);
  const answer = (id) => P.encodeDataPacket({ type: P.MessageType.Response, id, body });
  let sink = 0;
  const listener = (value) => {
    sink += value.roomId;
  };
  const loops = await manyLoops(C, P, CLIENTS, answer, listener, { requestTimeout: 1e9 });
  const run = side === 'client' ? loops.clients : loops.hand;
  await run(WARM_UP);
  await run(requests);
  loops.close();
  if (sink === 0.5) console.log(sink);
}

/** Runs one counted process; resolves with cachegrind's totals by event name. */
function counted(root, side, requests, dir) {
  const out = path.join(dir, `${side}.${requests}.out`);
  const args = ['--tool=cachegrind', '--cache-sim=yes', `--LL=${LL}`, `--cachegrind-out-file=${out}`];
  args.push(process.execPath, '--single-threaded', self, '--loop', side, '--requests', String(requests));
  args.push('--root', root);
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`valgrind exited with ${code}:\n${stderr.slice(-2000)}`));
      const text = readFileSync(out, 'utf8');
      const events = /^events:(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
      const summary = /^summary:(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number) ?? [];
      if (events.length === 0 || summary.length !== events.length) return reject(new Error(`no totals in ${out}`));
      resolve(Object.fromEntries(events.map((e, i) => [e, summary[i]])));
    });
  });
}

const NAMES = {
  Ir: 'instructions',
  D1mr: 'L1 read misses',
  DLmr: 'last-level read misses',
  D1mw: 'L1 write misses',
  DLmw: 'last-level write misses',
};

async function main() {
  const { values } = parseArgs({
    options: {
      side: { type: 'string', default: 'both' },
      runs: { type: 'string', default: '1' },
      root: { type: 'string', default: fileURLToPath(new URL('..', import.meta.url)) },
    },
  });
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('needs valgrind on the PATH (Debian: apt-get install valgrind)');
  }
  const sides = values.side === 'both' ? ['client', 'hand'] : [values.side];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nanokit-cachegrind-'));
  try {
    for (let r = 0; r < Number(values.runs); r++) {
      for (const side of sides) {
        // The two counts run side by side: cachegrind's counts do not depend on timing.
        const [few, more] = await Promise.all(COUNTS.map((n) => counted(values.root, side, n, dir)));
        const per = (e) => ((more?.[e] ?? 0) - (few?.[e] ?? 0)) / ((COUNTS[1] ?? 0) - (COUNTS[0] ?? 0));
        const cells = Object.entries(NAMES).map(([e, name]) => `${name} ${per(e).toFixed(1)}`);
        console.log(`${side.padEnd(6)} per request: ${cells.join(', ')}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === self) {
  const i = process.argv.indexOf('--loop');
  if (i > 0) {
    const arg = (name) => process.argv[process.argv.indexOf(name) + 1] ?? '';
    await loop(arg('--root'), process.argv[i + 1] ?? '', Number(arg('--requests')));
    process.exit(0);
  } else await main();
}
