// Before/after of the client over sockets: two builds of @nanokit/client (this checkout's and another's) drive
// server-lite in turn, N clients each with one request outstanding, and the driver's CPU per request is compared
// pair by pair. The drivers run in this process, alternating which build goes first; every measurement gets a fresh
// server-lite process (lib/proc.mjs `startServer`). Both builds must be built (`npm run build` in each checkout).
//
//   node bench/client-ab.mjs --base /other/checkout/ [--connections 1000] [--pairs 8] [--seconds 3]
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { openSessions } from './drivers/load.mjs';
import { startServer } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';
import { ECHO_BODY, ECHO_ROUTE } from './lib/workload.mjs';

const here = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One measurement: `n` clients of `C` against a fresh server-lite; CPU µs per request (user, system). */
async function measure(C, n, seconds) {
  const { server, url } = await startServer('lite');
  try {
    const open = async (/** @type {string} */ to) => {
      const client = new C.NanoClient({ url: to, reconnect: false });
      await client.connect();
      return client;
    };
    const clients = await openSessions(open, url, n);
    let replies = 0;
    let running = true;
    const loops = clients.map(async (client) => {
      while (running) {
        await client.request(ECHO_ROUTE, ECHO_BODY);
        replies++;
      }
    });
    await sleep(1000);
    const [r0, cpu0] = [replies, process.cpuUsage()];
    await sleep(seconds * 1000);
    const cpu = process.cpuUsage(cpu0);
    const done = replies - r0;
    running = false;
    await Promise.race([Promise.allSettled(loops), sleep(2000)]);
    for (const client of clients) client.close();
    return { us: (cpu.user + cpu.system) / done, user: cpu.user / done, system: cpu.system / done };
  } finally {
    await server.stop();
  }
}

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    connections: { type: 'string', default: '1000' },
    pairs: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '3' },
  },
});
if (!values.base) throw new Error('usage: node bench/client-ab.mjs --base /other/checkout/ [--connections N]');
const roots = [path.resolve(values.base), here];
const builds = await Promise.all(
  roots.map((root) => import(pathToFileURL(path.join(root, 'packages/client/dist/node.mjs')).href)),
);
/** @type {Array<Array<{us: number, user: number, system: number}>>} */
const results = [[], []];
for (let pair = 0; pair < Number(values.pairs); pair++) {
  for (const k of pair % 2 === 0 ? [0, 1] : [1, 0]) {
    const r = await measure(builds[k], Number(values.connections), Number(values.seconds));
    results[k]?.push(r);
    const fmt = (x) => x.toFixed(2);
    console.log(`${k === 0 ? 'base' : 'this'}: ${fmt(r.us)} µs/req (user ${fmt(r.user)}, system ${fmt(r.system)})`);
  }
}
const [base, mine] = /** @type {[typeof results[0], typeof results[0]]} */ (results);
const ratios = base.map((b, i) => b.us / (mine[i]?.us ?? Number.NaN));
console.log(
  `base: median ${median(base.map((r) => r.us)).toFixed(2)} µs/req; this: ${median(mine.map((r) => r.us)).toFixed(2)}`,
);
console.log(
  `base ÷ this, per pair: ${median(ratios).toFixed(3)}x (${Math.min(...ratios).toFixed(3)}x–${Math.max(...ratios).toFixed(3)}x)`,
);
process.exit(0);
