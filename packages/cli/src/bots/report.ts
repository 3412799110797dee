/**
 * The bots' output: a live status line redrawn in place on a TTY, and the summary table.
 * @packageDocumentation
 */
import readline from 'node:readline';
import { paint, type Style } from '../style.js';
import { type BotsSummary, latencyOf, type RunStats } from './stats.js';

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** The summary as a table, then the first failures. */
export function formatSummary(style: Style, s: BotsSummary): string {
  const head = ['step', 'count', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];
  const rows = s.steps.map((r) => {
    const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
    const l = r.latencyMs;
    return [
      `${'  '.repeat(r.depth)}${r.id + 1} ${r.name}`,
      String(r.count),
      String(errors),
      l ? ms(l.p50) : '',
      l ? ms(l.p90) : '',
      l ? ms(l.p99) : '',
      l ? ms(l.max) : '',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const out = [
    `${paint(style, 'bold', s.scenario)}: ${s.bots} bots on ${s.url}, ${(s.durationMs / 1000).toFixed(1)} s, seed ${s.seed}`,
    '',
    paint(style, 'bold', line(head)),
    ...rows.map((r, i) => {
      const text = line(r);
      return Object.keys(s.steps[i]?.errors ?? {}).length > 0 ? paint(style, 'red', text) : text;
    }),
    '',
  ];
  for (const r of s.steps) {
    for (const [code, n] of Object.entries(r.errors)) out.push(`  ${r.id + 1} ${r.name}: ${n} × ${code}`);
  }
  const t = s.totals;
  out.push(
    `requests: ${t.requests} (${t.requestsPerSecond}/s), errors: ${t.errors} (${(t.errorRate * 100).toFixed(2)}%), ` +
      `failed expectations: ${t.expectationsFailed}; bots: ${s.botsSucceeded} ok, ${s.botsFailed} failed`,
  );
  if (s.failures.length > 0) {
    out.push('', 'first failures:');
    for (const f of s.failures)
      out.push(paint(style, 'red', `  bot ${f.bot}, step ${f.step}: ${f.code}: ${f.message}`));
  }
  return out.join('\n');
}

/** Redraws a status block in place (cursor up, clear to the end of the screen, write) every `intervalMs`. */
export class LiveView {
  private lines = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastCount = 0;
  private lastAt = performance.now();
  private readonly startedAt = performance.now();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly style: Style,
    private readonly stats: RunStats,
    private readonly bots: number,
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
    this.draw();
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private clear(): void {
    if (this.lines === 0) return;
    readline.moveCursor(this.out, 0, -this.lines);
    readline.clearScreenDown(this.out);
    this.lines = 0;
  }

  private draw(): void {
    const s = this.stats;
    const now = performance.now();
    const rate = ((s.requestCount - this.lastCount) * 1000) / Math.max(1, now - this.lastAt);
    this.lastCount = s.requestCount;
    this.lastAt = now;
    const l = s.requestCount > 0 ? latencyOf(s.requests) : undefined;
    const text = [
      `${paint(this.style, 'bold', 'bots')} ${s.connected} connected, ${s.finished}/${this.bots} done  ` +
        paint(this.style, 'dim', `${((now - this.startedAt) / 1000).toFixed(1)} s`),
      `requests ${s.requestCount} (${rate.toFixed(0)}/s)  errors ${paint(this.style, s.errorCount > 0 ? 'red' : 'green', String(s.errorCount))}` +
        (l ? `  p50 ${ms(l.p50)} ms  p99 ${ms(l.p99)} ms` : ''),
    ];
    this.clear();
    this.out.write(`${text.join('\n')}\n`);
    this.lines = text.length;
  }
}
