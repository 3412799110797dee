/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function, heaviest first.
 * @module
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * @typedef {object} ProfileEntry
 * @property {string} name function name (`(anonymous)` when it has none; V8 pseudo-frames such as `(garbage
 *   collector)` and `(program)` as V8 names them)
 * @property {string} location `file:line`, relative to the repository when inside it; node internals as `node:…`
 * @property {number} selfMs
 * @property {number} percent share of all sampled time (idle included)
 */

/**
 * @typedef {object} ProfileSummary
 * @property {number} totalMs sampled time
 * @property {number} idlePercent share of `(idle)`: time the server's event loop waited for I/O
 * @property {ProfileEntry[]} top the heaviest functions by self time, idle excluded
 * @property {{group: string, selfMs: number, percent: number}[]} groups self time per origin (server-lite,
 *   protocol, ws, node internals, GC…)
 */

/**
 * @param {string} file a `.cpuprofile` path
 * @param {{root: string, limit?: number, window?: [number, number]}} options `root`: repository root, for relative
 *   locations; `window`: only samples taken in this interval of the monotonic clock (µs), e.g. a measurement window
 *   (V8 times samples with the same clock as `process.hrtime`)
 * @returns {Promise<ProfileSummary>}
 */
export async function summariseProfile(file, options) {
  /** @type {{nodes: {id: number, callFrame: {functionName: string, url: string, lineNumber: number}}[], samples: number[], timeDeltas: number[], startTime: number, endTime: number}} */
  const profile = JSON.parse(await readFile(file, 'utf8'));
  const [from, to] = options.window ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  /** @type {Map<number, {functionName: string, url: string, lineNumber: number}>} */
  const frames = new Map();
  for (const node of profile.nodes) frames.set(node.id, node.callFrame);
  /** @type {Map<number, number>} */
  const selfUs = new Map();
  let totalUs = 0;
  let at = profile.startTime ?? 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = /** @type {number} */ (profile.samples[i]);
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    at += delta;
    if (at < from || at > to) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    totalUs += delta;
  }
  /** @type {Map<string, ProfileEntry & {group: string}>} */
  const byFunction = new Map();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = frames.get(id);
    if (!frame) continue;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    const location = describeUrl(frame.url, options.root, frame.lineNumber);
    const key = `${name}@${location}`;
    const entry = byFunction.get(key) ?? { name, location, selfMs: 0, percent: 0, group: groupOf(name, frame.url) };
    entry.selfMs += us / 1000;
    byFunction.set(key, entry);
  }
  const totalMs = totalUs / 1000;
  const entries = [...byFunction.values()];
  for (const e of entries) e.percent = totalMs > 0 ? (e.selfMs / totalMs) * 100 : 0;
  entries.sort((a, b) => b.selfMs - a.selfMs);
  /** @type {Map<string, number>} */
  const groups = new Map();
  for (const e of entries) groups.set(e.group, (groups.get(e.group) ?? 0) + e.selfMs);
  return {
    totalMs,
    idlePercent: totalMs > 0 ? (idleUs / 1000 / totalMs) * 100 : 0,
    top: entries
      .slice(0, options.limit ?? 15)
      .map(({ name, location, selfMs, percent }) => ({ name, location, selfMs, percent })),
    groups: [...groups]
      .map(([group, selfMs]) => ({ group, selfMs, percent: totalMs > 0 ? (selfMs / totalMs) * 100 : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

/**
 * @param {string} url
 * @param {string} root
 * @param {number} line zero-based
 */
function describeUrl(url, root, line) {
  if (!url) return '';
  let p = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  if (path.isAbsolute(p) && p.startsWith(root)) p = path.relative(root, p);
  return `${p}:${line + 1}`;
}

/**
 * @param {string} name
 * @param {string} url
 */
function groupOf(name, url) {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return 'V8/native (program)';
  if (url.includes('/packages/server-lite/')) return '@nanokit/server-lite';
  if (url.includes('/packages/protocol/')) return '@nanokit/protocol';
  if (url.includes('/packages/client/')) return '@nanokit/client';
  if (url.includes('/node_modules/ws/')) return 'ws';
  if (url.includes('/node_modules/eventemitter3/')) return 'eventemitter3';
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:') || url === '' || !url.includes('/')) return 'node internals / native';
  return 'other';
}
