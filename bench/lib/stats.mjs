/**
 * Statistics of a run: nearest-rank latency percentiles, min–median–max of repetitions, CPU over a window.
 * @module
 */

/** Median (mean of the two middle values for an even count) of the finite values; NaN when there are none. */
export function median(values) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** @typedef {{min: number, median: number, max: number, values: number[]}} Spread */

/** Min, median and max of repeated measurements, non-finite values ignored (all NaN when none is left). */
export function spread(values) {
  const finite = values.filter(Number.isFinite);
  const [min, max] = finite.length ? [Math.min(...finite), Math.max(...finite)] : [Number.NaN, Number.NaN];
  return { min, median: median(finite), max, values: [...values] };
}

/**
 * Pools one comparison measured in several processes. Each element of `processes` holds one process's interleaved
 * runs, `a[i]` and `b[i]` measured back to back. Gives the medians of all `a` and of all `b` values, the median of
 * every paired ratio `a[i] / b[i]` with the lowest and highest of them, and the lowest and highest of the processes'
 * own median ratios: a process's JIT and heap make its runs alike and unlike another's. The ratio is taken per run,
 * not between the two pooled medians, which may come from processes that ran at different speeds. A process without
 * runs, runs of unequal count, or a run whose ratio is not a finite positive number (it measured nothing) is an error.
 * @param {Array<{a: number[], b: number[]}>} processes
 */
export function pooledRatio(processes) {
  if (processes.length === 0) throw new Error('pooledRatio: no process');
  const ratiosOf = (p) => {
    if (p.a.length === 0 || p.a.length !== p.b.length) {
      throw new Error(`pooledRatio: ${p.a.length} runs against ${p.b.length}`);
    }
    const ratios = p.a.map((v, i) => v / /** @type {number} */ (p.b[i]));
    const broken = ratios.find((r) => !(Number.isFinite(r) && r > 0));
    if (broken !== undefined) throw new Error(`pooledRatio: a run's ratio is ${broken}`);
    return ratios;
  };
  const perProcess = processes.map(ratiosOf);
  const ratios = perProcess.flat();
  const each = perProcess.map(median);
  return {
    a: median(processes.flatMap((p) => p.a)),
    b: median(processes.flatMap((p) => p.b)),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    processMin: Math.min(...each),
    processMax: Math.max(...each),
    runs: ratios.length,
    processes: processes.length,
  };
}

/**
 * Pools the rows of several processes, row by row: for each row, the first process's row, `pooledRatio` of field `a`
 * against field `b` (each an array of runs), and those runs of every process concatenated. Throws unless every
 * process gave the same rows in the same order (`key(row)` names a row).
 * @template {Record<string, unknown>} T
 * @param {T[][]} perProcess
 * @param {(row: T) => string} key
 * @param {keyof T} a
 * @param {keyof T} b
 */
export function poolRows(perProcess, key, a, b) {
  const [first] = perProcess;
  if (!first) throw new Error('no process gave rows');
  const names = first.map(key).join(' | ');
  for (const rows of perProcess) {
    if (rows.map(key).join(' | ') !== names) throw new Error(`processes gave different rows: ${rows.map(key)}`);
  }
  return first.map((row, i) => {
    const rows = perProcess.map((rowsOfOne) => /** @type {Record<keyof T, number[]>} */ (rowsOfOne[i]));
    return {
      row,
      pooled: pooledRatio(rows.map((r) => ({ a: r[a], b: r[b] }))),
      aRuns: rows.flatMap((r) => r[a]),
      bRuns: rows.flatMap((r) => r[b]),
    };
  });
}

/** Nearest-rank percentile `p` (0–100) of ascending samples; NaN when there are none. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  // The epsilon keeps float error (99.9 % of 1000 = 999.0000000000001) from moving the rank up by one.
  const rank = Math.ceil((p / 100) * sorted.length - 1e-9);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** A growable buffer of latency samples (ms). */
export class LatencyRecorder {
  constructor(capacity = 65536) {
    this.samples = new Float64Array(capacity);
    this.count = 0;
  }

  record(ms) {
    if (this.count === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.count++] = ms;
  }

  /** `{count, p50, p99, p999, max, mean}` in ms. */
  summary() {
    const sorted = this.samples.slice(0, this.count).sort();
    const n = sorted.length;
    const sum = sorted.reduce((a, b) => a + b, 0);
    const [p50, p99, p999] = [50, 99, 99.9].map((p) => percentile(sorted, p));
    return { count: n, p50, p99, p999, max: n ? sorted[n - 1] : Number.NaN, mean: n ? sum / n : Number.NaN };
  }
}

/** Starts a CPU window; the returned function gives this process's CPU since then, `percent` of one core. */
export function cpuWindow() {
  const start = process.cpuUsage();
  const wallStart = performance.now();
  return () => {
    const used = process.cpuUsage(start);
    const wallMs = performance.now() - wallStart;
    const [userMs, systemMs] = [used.user / 1000, used.system / 1000];
    return { userMs, systemMs, wallMs, percent: wallMs > 0 ? ((userMs + systemMs) / wallMs) * 100 : Number.NaN };
  };
}
