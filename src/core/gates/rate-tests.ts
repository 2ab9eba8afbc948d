/**
 * @module core/gates/rate-tests
 * The gates on one rate: latency as tail exceedance above a threshold (NI on the exceedance rate,
 * or the rate against the 1% a p99 allows when the champion never exceeds it), and shadow
 * divergence against its maximum. Same conventions as ./metric-tests.
 *
 * Source: docs/statistics.md §7 (tail exceedance), §8 (one-sample rate test, divergence).
 */
import { countAbove, type ExpHistogram, snapToBucketEdge } from '../stats/histogram'
import { momentsFromProportion } from '../stats/moments'
import { oneSampleRateTest } from '../stats/rate-test'
import { marginProblem, rateProblem } from './config-check'
import { int, num, pct } from './format'
import { insufficient, niVerdict, verdict, type Base, type TestLevels } from './metric-tests'
import type { MetricVerdict } from './types'

/** Share of answers a p99 threshold allows above it. */
const P99_EXCEEDANCE = 0.01

/** Input of `tailExceedanceVerdict`. */
export interface TailInput {
  champion: ExpHistogram
  challenger: ExpHistogram
  thresholdMs: number
  margin: number
  failMargin: number
}

/**
 * Latency as tail exceedance (docs/statistics.md §7): the threshold is snapped UP to a bucket edge of
 * the coarser of the two histograms, so both exceedance counts are exact; then the proportion NI
 * test, lower is better.
 */
export function tailExceedanceVerdict(input: TailInput, levels: TestLevels): MetricVerdict {
  const scale = Math.min(input.champion.scale, input.challenger.scale)
  const t0 = snapToBucketEdge(scale, input.thresholdMs)
  const arm = (h: ExpHistogram) => momentsFromProportion(countAbove(h, t0), h.count)
  const min = levels.minSamplePerArm
  // Untestable margins take the NI path, which answers insufficient_data (./config-check).
  const margins = marginProblem(input.margin, input.failMargin, false) === null
  const none = countAbove(input.champion, t0) === 0
  if (margins && none && input.champion.count >= min && input.challenger.count >= min) {
    // No champion answer above the threshold (an SLA above all it serves): a relative margin on a
    // zero rate means nothing, and would leave a far slower challenger undecided forever. A p99
    // threshold allows 1% of answers above it: the challenger's share is tested against that cap,
    // FAIL when shown above it, PASS when shown below.
    return capVerdict(
      {
        metric: 'latency',
        test: 'tail_exceedance',
        events: countAbove(input.challenger, t0),
        n: input.challenger.count,
        maxRate: P99_EXCEEDANCE,
        what: `answers above ${num(t0)} ms (the champion had none of ${int(input.champion.count)})`,
        unit: 'answers',
        championN: input.champion.count,
      },
      levels,
    )
  }
  return niVerdict(
    {
      metric: 'latency',
      test: 'tail_exceedance',
      direction: 'lower_is_better',
      margin: input.margin,
      failMargin: input.failMargin,
      champion: arm(input.champion),
      challenger: arm(input.challenger),
      proportion: true,
      show: pct,
      label: `> ${num(t0)} ms`,
    },
    levels,
  )
}

/** Input of `divergenceVerdict`. */
export interface DivergenceInput {
  pairs: number
  diverged: number
  maxRate: number
}

/** Shadow divergence rate against a fixed maximum (docs/statistics.md §8.3), one-sample rate test. */
export function divergenceVerdict(input: DivergenceInput, levels: TestLevels): MetricVerdict {
  return capVerdict(
    {
      metric: 'divergence',
      test: 'divergence_rate',
      events: input.diverged,
      n: input.pairs,
      maxRate: input.maxRate,
      what: 'pairs diverged',
      unit: 'pairs',
      championN: null,
    },
    levels,
  )
}

/** A rate against a fixed maximum, one-sample rate test (docs/statistics.md §8, §7.4): divergence, latency above a p99. */
function capVerdict(
  input: {
    metric: string
    test: MetricVerdict['test']
    events: number
    n: number
    maxRate: number
    what: string
    unit: string
    championN: number | null
  },
  levels: TestLevels,
): MetricVerdict {
  const { events: x, n, maxRate } = input
  const base: Base = {
    metric: input.metric,
    test: input.test,
    champion: { n: input.championN ?? n, estimate: input.championN === null ? null : 0 },
    challenger: { n, estimate: n > 0 ? x / n : null },
    margin: maxRate,
    alpha: levels.alphaFail,
  }
  const bad = rateProblem('max rate', maxRate, false)
  if (bad !== null) return insufficient(base, `invalid gate configuration: ${bad}`)
  const r = oneSampleRateTest({
    events: x,
    n,
    maxRate,
    alphaPass: levels.alphaPass,
    alphaFail: levels.alphaFail,
    minSample: levels.minSamplePerArm,
  })
  const obs = `${int(x)} of ${int(n)} ${input.what} = ${pct(r.estimate)} vs max ${pct(maxRate)}`
  if (r.decision === 'insufficient_data') {
    return insufficient(base, `${obs}; need ≥ ${int(levels.minSamplePerArm)} ${input.unit}`)
  }
  const contrast = maxRate - r.estimate
  const failSide = r.decision === 'fail' || (r.decision !== 'pass' && contrast < 0)
  const boundary = failSide ? -r.failBoundary : r.passBoundary
  const pValue = failSide ? r.pValueFail : r.pValuePass
  const p = `always-valid p = ${num(pValue)}`
  const reason =
    r.decision === 'fail'
      ? `FAIL: ${input.metric} ${obs}, rate shown above the maximum, ${p} < ${num(levels.alphaFail)}.`
      : r.decision === 'pass'
        ? `PASS: ${input.metric} ${obs}, rate shown below the maximum, ${p} < ${num(levels.alphaPass)}.`
        : `CONTINUE: ${input.metric} ${obs}, ${p}, no claim yet.`
  return verdict(base, contrast, boundary, pValue, r.decision, reason)
}
