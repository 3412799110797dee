/**
 * What the report says about the machine a run happened on.
 * @module
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/**
 * @typedef {object} Environment
 * @property {string} date ISO date of the start of the run (UTC)
 * @property {string} node `process.version`
 * @property {string} platform e.g. `linux x64`
 * @property {number} cpus logical CPUs
 * @property {string} cpuModel
 * @property {number} memoryGiB
 * @property {number[]} loadAverage 1, 5 and 15 minute load averages at the start (POSIX)
 * @property {string} fdLimit the soft and hard `ulimit -n` the benchmark children get
 * @property {string} ws the `ws` version
 * @property {string} childNice the scheduling niceness the benchmark children get (see `BENCH_NICE` in ipc.mjs)
 */

/**
 * @param {string} wsVersion
 * @returns {Environment}
 */
export function describeEnvironment(wsVersion) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((v) => Number(v.toFixed(2))),
    fdLimit: fdLimit(),
    ws: wsVersion,
    childNice: childNice(),
  };
}

/** The niceness children get: renice as ipc.mjs does, then ask. */
function childNice() {
  if (process.platform === 'win32') return 'n/a';
  try {
    return execFileSync('sh', ['-c', '[ -z "$BENCH_NICE" ] || renice -n "$BENCH_NICE" -p $$ >/dev/null 2>&1; nice'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
}

/** The file-descriptor limit children get: the soft limit raised to the hard one (see ipc.mjs). */
function fdLimit() {
  if (process.platform === 'win32') return 'n/a';
  try {
    return execFileSync(
      'sh',
      ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; echo "$(ulimit -n) (hard $(ulimit -Hn))"'],
      {
        encoding: 'utf8',
      },
    ).trim();
  } catch {
    return 'unknown';
  }
}
