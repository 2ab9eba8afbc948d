/**
 * @module core/gates/eta
 * When will a stage decide? A forecast beside the verdict, never part of it.
 *
 * Method (docs/statistics.md §2.8): at constant traffic every count of the stage grows in
 * proportion to its elapsed time while means and rates stay where they are, so the evidence at
 * `s` times the elapsed time is the current evidence with every count multiplied by `s`. The
 * forecast runs the gates themselves (`evaluateGates`) on that projected evidence and looks for
 * the smallest `s` at which each gate, and the stage, decides: the contrast's sd shrinks like
 * 1/√s while the always-valid boundary shrinks a little slower, exactly as the real tests do,
 * guards (minimum sample, pooled events, minimum duration) included. The range repeats the search
 * with the challenger's estimates moved one standard error better and worse.
 *
 * Invariants:
 * - Pure, and it never changes a decision: the verdict is computed first, elsewhere.
 * - HALT is not forecast: the projection checks SRM at a vanishing level and drops outcome
 *   conflicts, because a random imbalance of the split scaled up would look like a real one.
 * - Null when the stage has no data or no elapsed time, or when nothing decides before the cap.
 */
import type { ExpHistogram } from '../stats/histogram'
import type { Moments } from '../stats/moments'
import { evaluateGates } from './evaluate'
import type { ArmEvidence, GateConfig, GateEta, MetricDirection, StageEta, StageEvidence, VerdictRecord } from './types'

export type { GateEta, StageEta }

/**
 * The search: a geometric grid between now and the cap, then bisection steps inside the first
 * decided interval. Fine for the point (about 0.02 % of the time at a 100× cap), coarser for the
 * range, a sensitivity band (about 0.5 %): each step is one run of the gates, and this runs every
 * tick of a CONTINUE.
 */
interface Search {
  grid: number
  bisect: number
}
const POINT: Search = { grid: 24, bisect: 10 }
const BAND: Search = { grid: 8, bisect: 7 }

function scaleHistogram(h: ExpHistogram, s: number): ExpHistogram {
  const buckets: Record<string, number> = {}
  for (const [k, v] of Object.entries(h.buckets)) buckets[k] = v * s
  return { ...h, buckets, zeroCount: h.zeroCount * s, count: h.count * s, sum: h.sum * s }
}

const scaleMoments = (m: Moments, s: number): Moments => ({ n: m.n * s, mean: m.mean, m2: m.m2 * s })

function scaleArm(a: ArmEvidence, s: number): ArmEvidence {
  const outcomes: Record<string, Moments> = {}
  for (const [k, m] of Object.entries(a.outcomes)) outcomes[k] = scaleMoments(m, s)
  // Outcome conflicts are a HALT cause, which the forecast leaves out (module comment).
  return { exposures: a.exposures * s, errors: a.errors * s, latency: scaleHistogram(a.latency, s), outcomes }
}

/**
 * The evidence expected after `s` times the elapsed time at the current rates: every count × s,
 * means and rates unchanged, the clock at `stageStartedAt + s·elapsed`.
 */
export function scaleEvidence(e: StageEvidence, s: number, championGrows = true): StageEvidence {
  const elapsed = Math.max(0, e.now - e.stageStartedAt)
  const sh = e.shadow
  return {
    champion: championGrows ? scaleArm(e.champion, s) : e.champion,
    challenger: scaleArm(e.challenger, s),
    shadow: sh && {
      pairs: sh.pairs * s,
      diverged: sh.diverged * s,
      errors: sh.errors * s,
      attempts: sh.attempts * s,
      latency: scaleHistogram(sh.latency, s),
      counterfactual: Object.fromEntries(
        Object.entries(sh.counterfactual).map(([k, c]) => [
          k,
          {
            n: c.n * s,
            championCorrect: c.championCorrect * s,
            shadowCorrect: c.shadowCorrect * s,
            championLoss: scaleMoments(c.championLoss, s),
            shadowLoss: scaleMoments(c.shadowLoss, s),
          },
        ]),
      ),
    },
    expectedChallengerShare: e.expectedChallengerShare,
    stageStartedAt: e.stageStartedAt,
    now: e.stageStartedAt + s * elapsed,
  }
}

/** Moves a count by `sign` standard errors (Poisson: √x), kept within [0, total] (events ≤ trials). */
const shiftCount = (x: number, sign: number, total: number) => Math.min(total, Math.max(0, x + sign * Math.sqrt(x)))

/**
 * The challenger's evidence moved one standard error in the good (`sign` = +1) or bad (−1)
 * direction: business means by √(s²/n) toward their better side (proportions stay in [0, 1] with
 * their binomial M2), error and divergence counts by their Poisson sd. Latency is left as it is.
 */
export function shiftChallenger(e: StageEvidence, config: GateConfig, sign: 1 | -1): StageEvidence {
  const dir = new Map<string, { direction: MetricDirection; proportion: boolean }>()
  for (const g of config.business) dir.set(g.metric, { direction: g.direction, proportion: g.kind === 'proportion' })
  const outcomes: Record<string, Moments> = {}
  for (const [k, m] of Object.entries(e.challenger.outcomes)) {
    const d = dir.get(k)
    if (d === undefined || m.n < 2) {
      outcomes[k] = m
      continue
    }
    const se = Math.sqrt(m.m2 / (m.n - 1) / m.n)
    const up = d.direction === 'higher_is_better' ? sign : -sign
    let mean = m.mean + up * se
    if (d.proportion) mean = Math.min(1, Math.max(0, mean))
    outcomes[k] = { n: m.n, mean, m2: d.proportion ? m.n * mean * (1 - mean) : m.m2 }
  }
  const c = e.challenger
  const challenger = { ...c, outcomes, errors: shiftCount(c.errors, -sign, c.exposures) }
  const sh = e.shadow
  const shadow = sh && {
    ...sh,
    diverged: shiftCount(sh.diverged, -sign, sh.pairs),
    errors: shiftCount(sh.errors, -sign, sh.attempts),
  }
  return { ...e, challenger, shadow }
}

interface Probe {
  stage: VerdictRecord['decision']
  gates: VerdictRecord['metrics'][number]['decision'][]
}

const decided = (d: string) => d === 'PASS' || d === 'FAIL' || d === 'pass' || d === 'fail'

/** First scale in [1, sMax] at which `pick` decides, by a geometric grid then bisection; null if none. */
function firstDecision(
  probe: (s: number) => Probe,
  sMax: number,
  search: Search,
  grid: Probe[],
  pick: (p: Probe) => string | undefined,
): { s: number; decision: string } | null {
  const at = (k: number) => Math.pow(sMax, k / search.grid)
  const k = grid.findIndex((p) => decided(pick(p) ?? ''))
  if (k < 0) return null
  if (k === 0) return { s: 1, decision: pick(grid[0] as Probe) as string }
  let lo = at(k - 1)
  let hi = at(k)
  let decision = pick(grid[k] as Probe) as string
  for (let i = 0; i < search.bisect; i++) {
    const mid = Math.sqrt(lo * hi)
    const d = pick(probe(mid)) ?? ''
    if (decided(d)) {
      hi = mid
      decision = d
    } else lo = mid
  }
  return { s: hi, decision }
}

interface Forecast {
  stage: { s: number; decision: string } | null
  gates: Array<{ s: number; decision: string } | null>
}

function forecast(e: StageEvidence, config: GateConfig, sMax: number, search: Search, grows: boolean): Forecast {
  // A vanishing SRM level: the projection forecasts PASS and FAIL, not HALT (module comment).
  const quiet: GateConfig = { ...config, srmAlpha: Number.MIN_VALUE }
  const probe = (s: number): Probe => {
    const v = evaluateGates(scaleEvidence(e, s, grows), quiet)
    return { stage: v.decision, gates: v.metrics.map((m) => m.decision) }
  }
  const grid = Array.from({ length: search.grid + 1 }, (_, k) => probe(Math.pow(sMax, k / search.grid)))
  const count = grid[0]?.gates.length ?? 0
  return {
    stage: firstDecision(probe, sMax, search, grid, (p) => p.stage),
    gates: Array.from({ length: count }, (_, i) => firstDecision(probe, sMax, search, grid, (p) => p.gates[i])),
  }
}

function hasData(e: StageEvidence): boolean {
  return e.champion.exposures + e.challenger.exposures + (e.shadow?.attempts ?? 0) > 0
}

/**
 * The ETA of a stage judged on `evidence` with `config` (docs/statistics.md §2.8): null without
 * data or elapsed time. Times are ms since epoch; a range's end that never decides is the cap.
 *
 * @example const eta = stageEta(evidence, gate, verdict) // { decideAt, range, gates: [...] }
 */
export function stageEta(
  evidence: StageEvidence,
  config: GateConfig,
  verdict: VerdictRecord,
  opts: { championGrows?: boolean } = {},
): StageEta | null {
  // A watch compares with a fixed pre-rollout baseline: only the challenger's counts grow there.
  const grows = opts.championGrows ?? true
  const elapsed = evidence.now - evidence.stageStartedAt
  if (!(elapsed > 0) || !hasData(evidence) || !(config.maxDurationMs > elapsed)) return null
  const sMax = config.maxDurationMs / elapsed
  const capAt = evidence.stageStartedAt + config.maxDurationMs
  const time = (s: number) => Math.round(evidence.stageStartedAt + s * elapsed)
  const mid = forecast(evidence, config, sMax, POINT, grows)
  const better = forecast(shiftChallenger(evidence, config, 1), config, sMax, BAND, grows)
  const worse = forecast(shiftChallenger(evidence, config, -1), config, sMax, BAND, grows)
  const range = (
    point: { s: number } | null,
    a: { s: number } | null,
    b: { s: number } | null,
  ): [number, number] | null => {
    if (point === null) return null
    const times = [point, a, b].map((x) => (x === null ? capAt : time(x.s)))
    return [Math.min(...times), Math.max(...times)]
  }
  const gates = verdict.metrics.map((m, i): GateEta => {
    const f = mid.gates[i] ?? null
    return {
      metric: m.metric,
      expect: f === null ? 'unknown' : (f.decision as 'pass' | 'fail'),
      at: f === null ? null : time(f.s),
      range: range(f, better.gates[i] ?? null, worse.gates[i] ?? null),
    }
  })
  const stage = mid.stage
  return {
    decideAt: stage === null ? null : time(stage.s),
    range: range(stage, better.stage, worse.stage),
    gates,
  }
}
