#!/usr/bin/env node
/**
 * `npm run bench:tadpole`: the server's CPU time per position update in the tadpole pond (examples/tadpole). The pond
 * runs alone in a child process; N bots (examples/bots/tadpole.mjs, the page's own connection code) swim in this one
 * at R updates/s each. After a warm-up, the server's `process.cpuUsage()` is read at the start and the end of a fixed
 * window: CPU per update = (user + system) / World.Update notifies relayed, each one a push to all N members.
 * Writes its section of docs/benchmarks.md (between the tadpole markers, kept by `npm run bench`).
 *
 * Options: --bots N (50), --rate R (10), --warmup MS (3000), --duration MS (10000), --reps K (3), --quick (5 bots, 1 s,
 * 1 rep, nothing written), --no-write.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startTadpoleBots } from '../examples/bots/tadpole.mjs';
import { spawnChild } from './lib/ipc.mjs';
import { mdTable } from './lib/report.mjs';
import { replaceTadpoleSection } from './lib/tadpole-section.mjs';

/**
 * One measured run: a fresh server process, `bots` bots, a warm-up, then the window.
 * @param {{ bots: number, rate: number, warmupMs: number, durationMs: number }} o
 */
export async function measureTadpole(o) {
  const child = spawnChild(fileURLToPath(new URL('./child/tadpole-server.mjs', import.meta.url)));
  try {
    const { wsUrl } = await child.ready;
    const bots = await startTadpoleBots({ count: o.bots, rate: o.rate, wsUrl });
    try {
      await new Promise((r) => setTimeout(r, o.warmupMs));
      const a = await child.call('sample');
      const sentA = bots.sent();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, o.durationMs));
      const b = await child.call('sample');
      const seconds = (performance.now() - t0) / 1000;
      const cpuUs = b.cpu.user - a.cpu.user + (b.cpu.system - a.cpu.system);
      const updates = b.updates - a.updates;
      const pushes = updates * b.players;
      return {
        bots: o.bots,
        players: b.players,
        rate: o.rate,
        seconds,
        updates,
        updatesPerSecond: updates / seconds,
        botsSent: bots.sent() - sentA,
        cpuPercent: cpuUs / 1e4 / seconds,
        cpuUsPerUpdate: updates ? cpuUs / updates : Number.NaN,
        cpuUsPerPush: pushes ? cpuUs / pushes : Number.NaN,
      };
    } finally {
      await bots.stop();
    }
  } finally {
    await child.call('exit').catch(() => {});
    child.kill();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs, digits) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

/** The section of docs/benchmarks.md for these runs. */
export function tadpoleSection(runs, env) {
  const m = (key, digits) =>
    `${median(runs.map((r) => r[key])).toFixed(digits)} (${range(
      runs.map((r) => r[key]),
      digits,
    )})`;
  const r0 = runs[0];
  return [
    '## Tadpole pond: server CPU per position update',
    '',
    `Measured by \`npm run bench:tadpole\` (bench/tadpole.mjs) on ${env}: the pond of examples/tadpole alone in a child process, ${r0.bots} bots (examples/bots/tadpole.mjs, the page's own connection code with the lossless JSON serializer) in the parent, each sending \`World.Update\` ${r0.rate} times a second; every update is broadcast to all ${r0.players} members of the world (nano's \`w.Broadcast("update", msg)\`: the bytes received, encoded once). CPU = the server process's \`process.cpuUsage()\` (user + system) over a ${(r0.seconds).toFixed(0)} s window after a warm-up. Median of ${runs.length} runs, min–max in brackets.`,
    '',
    mdTable(
      ['Updates relayed/s', 'Server CPU (%)', 'CPU per update (µs)', 'CPU per push delivered (µs)'],
      [[m('updatesPerSecond', 0), m('cpuPercent', 1), m('cpuUsPerUpdate', 1), m('cpuUsPerPush', 2)]],
    ),
    '',
    `The bots share the 2 cores with the server, so they send fewer updates than ${r0.bots * r0.rate}/s when the machine is busy; the figures are per update actually relayed. A page's frame rate with these ${r0.bots} bots is measured by test/browser/tadpole.test.ts (see docs/tadpole.md).`,
  ].join('\n');
}

const isMain = process.argv[1] === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({
    options: {
      bots: { type: 'string', default: '50' },
      rate: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3000' },
      duration: { type: 'string', default: '10000' },
      reps: { type: 'string', default: '3' },
      quick: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
    },
  });
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
    const previous = existsSync(doc) ? await readFile(doc, 'utf8') : '# Benchmarks\n';
    await writeFile(doc, replaceTadpoleSection(previous, section));
    console.log('wrote docs/benchmarks.md (tadpole section)');
  }
}
