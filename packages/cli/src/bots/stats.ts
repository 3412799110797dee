/**
 * Per-step counters and latency histograms (HDR histograms: fixed memory, percentiles to 3 significant digits
 * whatever the number of samples), and the summary built from them.
 * @packageDocumentation
 */
import { build, type Histogram } from 'hdr-histogram-js';
import type { Step } from './scenario.js';

/** Latencies are recorded in microseconds, up to an hour. */
const HIGHEST_US = 3_600_000_000;

function histogram(): Histogram {
  return build({ numberOfSignificantValueDigits: 3, highestTrackableValue: HIGHEST_US });
}

/** Latency percentiles in milliseconds. */
export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One row of the summary. */
export interface StepSummary {
  /** Position in the scenario, depth-first from 0. */
  id: number;
  name: string;
  kind: string;
  depth: number;
  /** Executions, failed ones included. */
  count: number;
  /** Failed executions by error code. */
  errors: Record<string, number>;
  /** Of the successful executions (connect, request, wait); absent for the other kinds. */
  latencyMs?: Latency;
}

/** What `nanokit bots --json` prints. */
export interface BotsSummary {
  scenario: string;
  url: string;
  bots: number;
  seed: number;
  /** Wall time from the first bot's start to the last bot's end. */
  durationMs: number;
  /** Bots that ran every step (or stopped at the run's duration) without a failure. */
  botsSucceeded: number;
  /** Bots that stopped at a failure. */
  botsFailed: number;
  steps: StepSummary[];
  totals: {
    requests: number;
    requestsPerSecond: number;
    /** Failed step executions. */
    errors: number;
    /** errors ÷ executions of connect, request, notify and wait steps. */
    errorRate: number;
    /** Failed `expect` matchers. */
    expectationsFailed: number;
  };
  /** The first failures (at most 10), for the humans: bot, step, code, message. */
  failures: { bot: number; step: string; code: string; message: string }[];
}

const TIMED = new Set(['connect', 'request', 'wait']);
const COUNTED = new Set(['connect', 'request', 'notify', 'wait']);

/** Counters of one run. */
export class RunStats {
  readonly counts: Float64Array;
  readonly errors: Map<string, number>[];
  private readonly histograms: (Histogram | undefined)[];
  /** Every request's latency, for the live view. */
  readonly requests = histogram();
  requestCount = 0;
  errorCount = 0;
  connected = 0;
  finished = 0;
  readonly failures: BotsSummary['failures'] = [];

  constructor(private readonly steps: readonly Step[]) {
    this.counts = new Float64Array(steps.length);
    this.errors = steps.map(() => new Map());
    this.histograms = steps.map((s) => (TIMED.has(s.kind) ? histogram() : undefined));
  }

  /** A successful execution; `ms` is its latency for timed steps. */
  ok(step: Step, ms: number): void {
    this.counts[step.id] = (this.counts[step.id] ?? 0) + 1;
    const us = Math.max(1, Math.min(HIGHEST_US, Math.round(ms * 1000)));
    this.histograms[step.id]?.recordValue(us);
    if (step.kind === 'request') {
      this.requestCount++;
      this.requests.recordValue(us);
    }
  }

  /** A failed execution. */
  fail(step: Step, bot: number, code: string, message: string): void {
    this.counts[step.id] = (this.counts[step.id] ?? 0) + 1;
    this.errorCount++;
    if (step.kind === 'request') this.requestCount++;
    const errors = this.errors[step.id] as Map<string, number>;
    errors.set(code, (errors.get(code) ?? 0) + 1);
    if (this.failures.length < 10) this.failures.push({ bot, step: `${step.id + 1} ${step.name}`, code, message });
  }

  /** The per-step rows. */
  rows(): StepSummary[] {
    return this.steps.map((step) => {
      const h = this.histograms[step.id];
      const row: StepSummary = {
        id: step.id,
        name: step.name,
        kind: step.kind,
        depth: step.depth,
        count: this.counts[step.id] ?? 0,
        errors: Object.fromEntries(this.errors[step.id] ?? []),
      };
      if (h) row.latencyMs = latencyOf(h);
      return row;
    });
  }

  /** Executions of the steps that talk to the server, for the error rate. */
  executions(): number {
    return this.steps.reduce((n, s) => n + (COUNTED.has(s.kind) ? (this.counts[s.id] ?? 0) : 0), 0);
  }
}

/**
 * Percentiles of a histogram of microseconds, in milliseconds. A percentile is the top of its bucket (3 significant
 * digits), which can lie above the exact maximum: it is capped there, so p99 never reads more than max.
 */
export function latencyOf(h: Histogram): Latency {
  const ms = (us: number) => Math.round(us) / 1000;
  const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
  return { p50: at(50), p90: at(90), p99: at(99), max: ms(h.maxValue) };
}
