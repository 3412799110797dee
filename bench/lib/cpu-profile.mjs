/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per origin, heaviest first.
 * @module
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * `{totalMs, idlePercent, top: [{name, location, selfMs, percent}], groups: [{group, selfMs, percent}]}`: `percent`
 * of all sampled time (idle included); `location` is `file:line`, relative to `root` inside the repository; with
 * `window`, only the samples taken in that interval of the monotonic clock (µs; V8 times samples with the clock of
 * `process.hrtime`).
 * @param {string} file
 * @param {{root: string, limit?: number, window?: number[]}} options
 */
export async function summariseProfile(file, options) {
  const profile = JSON.parse(await readFile(file, 'utf8'));
  const [from, to] = options.window ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  /** @type {Map<number, number>} */
  const selfUs = new Map();
  let totalUs = 0;
  let at = profile.startTime ?? 0;
  profile.samples.forEach((id, i) => {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    at += delta;
    if (at < from || at > to) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    totalUs += delta;
  });
  /** @type {Map<string, {name: string, location: string, selfMs: number, percent: number, group: string}>} */
  const byFunction = new Map();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = frames.get(id);
    const name = frame?.functionName || '(anonymous)';
    if (!frame || name === '(idle)') {
      if (frame) idleUs += us;
      continue;
    }
    let where = frame.url.startsWith('file://') ? decodeURIComponent(frame.url.slice(7)) : frame.url;
    if (path.isAbsolute(where) && where.startsWith(options.root)) where = path.relative(options.root, where);
    const location = frame.url ? `${where}:${frame.lineNumber + 1}` : '';
    const entry = byFunction.get(`${name}@${location}`) ?? { name, location, selfMs: 0, percent: 0, group: '' };
    entry.group = groupOf(name, frame.url);
    entry.selfMs += us / 1000;
    byFunction.set(`${name}@${location}`, entry);
  }
  const totalMs = totalUs / 1000;
  const percent = (ms) => (totalMs > 0 ? (ms / totalMs) * 100 : 0);
  const entries = [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs);
  /** @type {Map<string, number>} */
  const groups = new Map();
  for (const e of entries) groups.set(e.group, (groups.get(e.group) ?? 0) + e.selfMs);
  return {
    totalMs,
    idlePercent: percent(idleUs / 1000),
    top: entries
      .slice(0, options.limit ?? 15)
      .map(({ name, location, selfMs }) => ({ name, location, selfMs, percent: percent(selfMs) })),
    groups: [...groups]
      .map(([group, selfMs]) => ({ group, selfMs, percent: percent(selfMs) }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

const ORIGINS = [
  ['/packages/server-lite/', '@nanokit/server-lite'],
  ['/packages/protocol/', '@nanokit/protocol'],
  ['/packages/client/', '@nanokit/client'],
  ['/node_modules/ws/', 'ws'],
  ['/node_modules/eventemitter3/', 'eventemitter3'],
  ['/bench/', 'bench harness'],
];

function groupOf(name, url) {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return 'V8/native (program)';
  const origin = ORIGINS.find(([part]) => url.includes(part));
  if (origin) return origin[1];
  return url.startsWith('node:') || url === '' || !url.includes('/') ? 'node internals / native' : 'other';
}
