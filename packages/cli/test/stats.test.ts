// Latency figures of the bots summary: HDR percentiles are bucket tops, so they are capped at the exact maximum.
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { latencyOf } from '../src/bots/stats.js';

describe('latencyOf', () => {
  it('never reports a percentile above the maximum (543,149 µs lands in a bucket whose top is higher)', () => {
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    h.recordValue(543_149);
    expect(h.getValueAtPercentile(99)).toBeGreaterThan(543_149);
    expect(latencyOf(h)).toEqual({ p50: 543.149, p90: 543.149, p99: 543.149, max: 543.149 });
  });
});
