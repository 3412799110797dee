/**
 * Smoke test of `npm run bench:tadpole` (bench/tadpole.mjs): one short run against the pond in its own process must
 * relay updates and report a CPU time per update (> 0, no timing target: performance is measured by the benchmark,
 * never by tests), and its block of docs/benchmarks.md must survive a rewrite by `npm run bench`.
 */
import { describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: untyped .mjs modules of the harness
const load = (file: string): Promise<any> =>
  import(/* @vite-ignore */ new URL(`../bench/${file}`, import.meta.url).href);

describe('bench/tadpole.mjs', () => {
  it('measures the server CPU per update over a short run with 5 bots', async () => {
    const { measureTadpole, tadpoleSection } = await load('tadpole.mjs');
    const run = await measureTadpole({ bots: 5, rate: 10, warmupMs: 300, durationMs: 1000 });
    expect(run.players).toBe(5);
    expect(run.updates).toBeGreaterThan(0);
    expect(run.cpuUsPerUpdate).toBeGreaterThan(0);
    expect(run.cpuUsPerPush).toBeCloseTo(run.cpuUsPerUpdate / 5);
    const section: string = tadpoleSection([run], 'test');
    expect(section).toMatch(/^Run of test: 5 bots, 10 updates\/s each, 5 members per world/);
    expect(section).toContain('| CPU per update (µs) |');
  });

  it('the section is written between its markers, and a rewrite of the other blocks keeps it', async () => {
    const { fillSection } = await load('lib/markdown.mjs');
    const once: string = fillSection('# Benchmarks\n\nother\n', 'tadpole', 'v1');
    expect(once).toBe('# Benchmarks\n\nother\n\n<!-- tadpole:start -->\nv1\n<!-- tadpole:end -->\n');
    const twice: string = fillSection(once, 'tadpole', 'v2');
    expect(twice).toBe('# Benchmarks\n\nother\n\n<!-- tadpole:start -->\nv2\n<!-- tadpole:end -->\n');
    // What bench/run.mjs does: it fills other blocks only.
    expect(fillSection(twice, 'codec', 'c')).toContain('<!-- tadpole:start -->\nv2\n<!-- tadpole:end -->');
  });
});
