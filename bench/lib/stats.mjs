/**
 * Small statistics helpers for the benchmark report: percentiles of latency samples and min–median–max of
 * repeated measurements.
 * @module
 */

/**
 * @typedef {object} Spread
 * @property {number} min
 * @property {number} median
 * @property {number} max
 * @property {number[]} values the individual measurements, in run order
 */

/**
 * Median of a list of numbers (mean of the two middle values for an even count); NaN for an empty list.
 * @param {readonly number[]} values
 * @returns {number}
 */
export function median(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? /** @type {number} */ (sorted[mid]) : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Min, median and max of repeated measurements (non-finite values are ignored; all NaN when none is left).
 * @param {readonly number[]} values
 * @returns {Spread}
 */
export function spread(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN, values: [...values] };
  return { min: Math.min(...finite), median: median(finite), max: Math.max(...finite), values: [...values] };
}

/**
 * Nearest-rank percentile of an ascending-sorted array.
 * @param {ArrayLike<number>} sorted samples sorted ascending
 * @param {number} p percentile, 0–100
 * @returns {number} NaN when there are no samples
 */
export function percentile(sorted, p) {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  // The epsilon keeps float error (99.9 % of 1000 = 999.0000000000001) from moving the rank up by one.
  const rank = Math.ceil((p / 100) * n - 1e-9);
  const index = Math.min(n - 1, Math.max(0, rank - 1));
  return /** @type {number} */ (sorted[index]);
}

/**
 * A growable buffer of latency samples in milliseconds.
 */
export class LatencyRecorder {
  /** @param {number} [capacity] initial capacity */
  constructor(capacity = 65536) {
    /** @type {Float64Array} */
    this.samples = new Float64Array(capacity);
    /** Number of samples recorded. */
    this.count = 0;
  }

  /** @param {number} ms */
  record(ms) {
    if (this.count === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.count++] = ms;
  }

  /** Forgets every sample. */
  reset() {
    this.count = 0;
  }

  /**
   * Latency summary in milliseconds.
   * @returns {{count: number, p50: number, p99: number, p999: number, max: number, mean: number}}
   */
  summary() {
    const sorted = this.samples.slice(0, this.count).sort();
    let sum = 0;
    for (let i = 0; i < sorted.length; i++) sum += /** @type {number} */ (sorted[i]);
    return {
      count: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      p999: percentile(sorted, 99.9),
      max: sorted.length === 0 ? Number.NaN : /** @type {number} */ (sorted[sorted.length - 1]),
      mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    };
  }
}

/**
 * A CPU-time window: call `stop()` to get the CPU used since construction, as a percentage of one core.
 */
export class CpuWindow {
  constructor() {
    this.start = process.cpuUsage();
    this.wallStart = performance.now();
  }

  /**
   * @returns {{userMs: number, systemMs: number, wallMs: number, percent: number}}
   */
  stop() {
    const used = process.cpuUsage(this.start);
    const wallMs = performance.now() - this.wallStart;
    const userMs = used.user / 1000;
    const systemMs = used.system / 1000;
    return { userMs, systemMs, wallMs, percent: wallMs > 0 ? ((userMs + systemMs) / wallMs) * 100 : Number.NaN };
  }
}
