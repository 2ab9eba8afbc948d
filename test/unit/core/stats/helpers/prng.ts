/**
 * Test helpers for the statistics core: the seeded PRNG and samplers (re-exported from
 * `src/core/stats/sim`, so the simulation script and the tests draw identically) plus exact
 * reference computations used by property tests.
 *
 * Source: docs/statistics.md §14 (seeded PRNG) and §13.
 */

export * from '../../../../../src/core/stats/sim'

/** Exact nearest-rank q-quantile of ascending `sorted`: the value at 1-based rank ceil(q·n). */
export function exactNearestRank(sorted: Float64Array | number[], q: number): number {
  const n = sorted.length
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)))
  return sorted[rank - 1] as number
}

/** Relative difference |a − b| / |b|. */
export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b)
}
