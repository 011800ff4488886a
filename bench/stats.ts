/**
 * Small statistics helpers: median over runs and nearest-rank percentiles over latency samples.
 */

/** Median of the finite values; NaN when there are none. */
export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  samples: number;
}

/** Nearest-rank percentiles of the first `n` samples (sorted in place). */
export function summarizeLatency(samples: Float64Array, n: number): LatencySummary {
  const s = samples.subarray(0, n).sort();
  const rank = (p: number) => s[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))];
  return n === 0
    ? { p50: NaN, p90: NaN, p99: NaN, max: NaN, samples: 0 }
    : { p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: s[n - 1], samples: n };
}
