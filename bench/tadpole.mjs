#!/usr/bin/env node
/**
 * `npm run bench:tadpole`: the server's CPU time per position update in the tadpole pond (examples/tadpole). The pond
 * runs alone in a child process; N bots (examples/bots/tadpole.mjs, the page's own connection code) swim in this one
 * at R updates/s each. After a warm-up, the server's `process.cpuUsage()` is read at the start and the end of a fixed
 * window: CPU per update = (user + system) / World.Update notifies relayed, each one a push to all N members.
 * Fills its block of docs/benchmarks.md (between the tadpole markers).
 *
 * Options: --bots N (50), --rate R (10), --warmup MS (3000), --duration MS (10000), --reps K (3), --quick (5 bots, 1 s,
 * 1 rep, nothing written), --no-write.
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startTadpoleBots } from '../examples/bots/tadpole.mjs';
import { fillSection, mdTable } from './lib/markdown.mjs';
import { spawnChild } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

/** One measured run (`{bots, rate, warmupMs, durationMs}`): a fresh server process, the bots, a warm-up, the window. */
export async function measureTadpole(o) {
  const child = spawnChild(['tadpole']);
  try {
    const { wsUrl } = await child.ready;
    const bots = await startTadpoleBots({ count: o.bots, rate: o.rate, wsUrl });
    try {
      await sleep(o.warmupMs);
      const a = await child.call('sample');
      const t0 = performance.now();
      await sleep(o.durationMs);
      const b = await child.call('sample');
      const seconds = (performance.now() - t0) / 1000;
      const cpuUs = b.cpu.user - a.cpu.user + (b.cpu.system - a.cpu.system);
      const updates = b.updates - a.updates;
      const pushes = updates * b.players;
      return {
        ...o,
        players: b.players,
        seconds,
        updates,
        updatesPerSecond: updates / seconds,
        cpuPercent: cpuUs / 1e4 / seconds,
        cpuUsPerUpdate: updates ? cpuUs / updates : Number.NaN,
        cpuUsPerPush: pushes ? cpuUs / pushes : Number.NaN,
      };
    } finally {
      await bots.stop();
    }
  } finally {
    await child.stop();
  }
}

/** The block of docs/benchmarks.md between the tadpole markers (the prose around it is hand-written there). */
export function tadpoleSection(runs, env) {
  const m = (key, digits) => {
    const xs = runs.map((r) => r[key]);
    return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
  };
  const r0 = runs[0];
  return [
    `Run of ${env}: ${r0.bots} bots, ${r0.rate} updates/s each, ${r0.players} members per world, a ${r0.seconds.toFixed(0)} s window; median of ${runs.length} runs (min–max).`,
    '',
    mdTable(
      ['Updates relayed/s', 'Server CPU', 'CPU per update (µs)', 'CPU per push delivered (µs)'],
      [[m('updatesPerSecond', 0), `${m('cpuPercent', 1)} %`, m('cpuUsPerUpdate', 1), m('cpuUsPerPush', 2)]],
    ),
  ].join('\n');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const defaults = { bots: '50', rate: '10', warmup: '3000', duration: '10000', reps: '3' };
  const options = Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, { type: 'string', default: v }]));
  const flags = { quick: { type: 'boolean', default: false }, 'no-write': { type: 'boolean', default: false } };
  const { values } = parseArgs({ options: { ...options, ...flags } });
  const quick = values.quick;
  const o = {
    bots: quick ? 5 : Number(values.bots),
    rate: Number(values.rate),
    warmupMs: quick ? 300 : Number(values.warmup),
    durationMs: quick ? 1000 : Number(values.duration),
  };
  const reps = quick ? 1 : Number(values.reps);
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const run = await measureTadpole(o);
    runs.push(run);
    console.log(
      `run ${i + 1}/${reps}: ${run.updatesPerSecond.toFixed(0)} updates/s relayed to ${run.players} players, server CPU ${run.cpuPercent.toFixed(1)} %, ${run.cpuUsPerUpdate.toFixed(1)} µs per update, ${run.cpuUsPerPush.toFixed(2)} µs per push`,
    );
  }
  const env = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · Node ${process.version} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model?.trim() ?? 'unknown'}), shared, load average ${os.loadavg()[0].toFixed(2)} at the end`;
  const section = tadpoleSection(runs, env);
  console.log(`\n${section}`);
  if (!quick && !values['no-write']) {
    const doc = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
    await writeFile(doc, fillSection(await readFile(doc, 'utf8'), 'tadpole', section));
    console.log('wrote docs/benchmarks.md (tadpole section)');
  }
}
