/**
 * @module ui/decision-series
 * What each gate's decision chart plots, derived from the verdict history alone: per stage and
 * metric, the challenger-vs-champion estimate over time with its always-valid confidence band, the
 * PASS (non-inferiority) line, the FAIL line and the first tick where the band cleared one of them.
 * Pure: verdicts in, chart data out.
 *
 * Orientation: y is "better is up" for every relative chart (δ = challenger vs champion, relative,
 * sign flipped for lower-is-better metrics), so the PASS line is always at −m and the FAIL line at
 * −m_f; PASS needs the band above −m, FAIL needs it below −m_f. Divergence is an absolute rate
 * against its maximum (lower is better), drawn as is.
 */
import { eventSplitLogBf } from '../core/stats/event-split'
import type { RolloutView } from '../schemas/rollout-view'
import type { VerdictView } from '../schemas/verdict'

type Metric = VerdictView['metrics'][number]
type Gates = RolloutView['config']['gates']
type GateOf = NonNullable<Gates['canary']>

export interface DecisionPoint {
  /** Verdict time, epoch ms. */
  t: number
  y: number | null
  lo: number | null
  hi: number | null
  /**
   * Which edge of the band is exact: the side the verdict shows (NI and rate tests; the other edge
   * mirrors it), or both (event split). A crossing counts only on an exact edge.
   */
  side?: 'pass' | 'fail' | 'both'
  decision: Metric['decision']
}

export interface DecisionLine {
  kind: 'pass' | 'fail'
  y: number
}

export interface DecisionChartData {
  /** `${step index}-${metric}`, stable for ids. */
  id: string
  stepIndex: number
  stepLabel: string
  metric: string
  test: Metric['test']
  /** relative: δ, better is up; rate: an absolute rate, lower is better. */
  scale: 'relative' | 'rate'
  points: DecisionPoint[]
  /** The PASS line, then the FAIL line when it differs (m_f < m). */
  lines: DecisionLine[]
  /** The first tick whose band lies wholly on the far side of a line. */
  crossing: { t: number; kind: 'pass' | 'fail' } | null
  /** The latest decision of this metric in this stage. */
  latest: Metric['decision']
}

/** Prior sd of the log rate ratio of the event split (docs/statistics.md §6.3; the gates' default). */
const EVENT_SPLIT_PRIOR_SD = 0.3

/** The step kind's gates key (canary/cohort steps carry their kind; promotions run canary gates). */
function gateFor(gates: Gates | undefined, kind: string | undefined): GateOf | undefined {
  if (kind === 'shadow' || kind === 'canary' || kind === 'cohort' || kind === 'watch') return gates?.[kind]
  return gates?.canary
}

/** Configured margins of a metric (null when the stage's gates do not name it). */
function configuredMargins(g: GateOf | undefined, m: Metric): { margin: number; fail: number } | null {
  if (!g) return null
  const b = g.business.find((x) => x.metric === m.metric)
  const cfg = b ?? (m.test === 'event_split' ? g.error_rate : m.test === 'tail_exceedance' ? g.latency : null)
  if (!cfg) return null
  return { margin: cfg.margin, fail: cfg.fail_margin ?? cfg.margin }
}

/**
 * Non-inferiority tests (docs/statistics.md §5.1, §5.3; latency §7.3): the verdict shows one side,
 * contrast D̂(m') = ȳ_B − (1−m')·ȳ_A (higher is better) or (1+m')·ȳ_A − ȳ_B (lower is better) at
 * the margin m' it shows, and the signed boundary ±B. Dividing by ȳ_A, in both directions
 * δ = D̂(m')/ȳ_A − m' is the better-is-up relative difference, and PASS (D̂(m) > B) ⇔ δ − B/ȳ_A > −m,
 * FAIL (D̂(m_f) < −B) ⇔ δ + B/ȳ_A < −m_f. So the band is δ ± |B|/ȳ_A: exact on the side the tick
 * shows (the one that can decide), the shown width mirrored on the other side.
 */
export function niPoint(m: Metric): Pick<DecisionPoint, 'y' | 'lo' | 'hi'> {
  const a = m.champion.estimate
  if (a === null || !(a > 0) || m.contrast === null || m.boundary === null) return { y: null, lo: null, hi: null }
  const y = m.contrast / a - m.margin
  const h = Math.abs(m.boundary) / a
  return { y, lo: y - h, hi: y + h }
}

/** How far below its top an event-split band with no champion event is drawn (relative units). */
const UNBOUNDED = 100

/** The edge of {q : log BF(q) < ln(1/α)} between `inside` and `outside` (log BF is convex in q, §6.4). */
function csEdge(eB: number, eA: number, k: number, alpha: number, inside: number, outside: number): number {
  const limit = Math.log(1 / alpha)
  let a = inside
  let b = outside
  for (let i = 0; i < 60; i++) {
    const mid = (a + b) / 2
    if (eventSplitLogBf(eB, eA, mid, k) < limit) a = mid
    else b = mid
  }
  return (a + b) / 2
}

/**
 * Event split (docs/statistics.md §6.1–6.4): with λ = n_B/(n_A+n_B) (§6.5) and e_k = n_k·ȳ_k, the
 * confidence sequence {q : BF(q) < 1/α} is an interval around q̂; q maps to the rate ratio
 * R = q(1−λ)/((1−q)λ), and δ = 1 − R. PASS ⇔ q_m above the interval at α_pass ⇔ δ_lo > −m; FAIL ⇔
 * q_{m_f} below it at α_fail/K (the verdict's alpha) ⇔ δ_hi < −m_f. No estimate while the champion
 * has no event (R undefined; only the band's top is known) and nothing before the first event.
 */
export function eventSplitPoint(m: Metric, alphaPass: number): Pick<DecisionPoint, 'y' | 'lo' | 'hi'> {
  const none = { y: null, lo: null, hi: null }
  const { n: nA, estimate: rA } = m.champion
  const { n: nB, estimate: rB } = m.challenger
  if (rA === null || rB === null || !(nA > 0) || !(nB > 0)) return none
  const eA = Math.round(nA * rA)
  const eB = Math.round(nB * rB)
  if (eA + eB === 0) return none
  const lambda = nB / (nA + nB)
  const k = 1 / (lambda * (1 - lambda) * EVENT_SPLIT_PRIOR_SD ** 2)
  const q = eB / (eA + eB)
  const ratio = (x: number) => (x * (1 - lambda)) / ((1 - x) * lambda)
  const qLo = csEdge(eB, eA, k, m.alpha, q, 1e-12)
  const hi = 1 - ratio(qLo)
  // No champion event: no ratio to estimate and no lower edge, but the band's top (the FAIL side)
  // is known; the bottom is drawn far below the plot, where the chart clips it.
  if (eA === 0) return { y: null, lo: hi - UNBOUNDED, hi }
  const qHi = csEdge(eB, eA, k, alphaPass, q, 1 - 1e-12)
  return { y: 1 - ratio(q), lo: 1 - ratio(qHi), hi }
}

/**
 * One-sample rate test (§8.1, divergence §8.3): contrast = r₀ − r̂, so r̂ = r₀ − contrast; band
 * r̂ ± |B| (the shown side mirrored), floored at 0 (a rate).
 */
export function ratePoint(m: Metric): Pick<DecisionPoint, 'y' | 'lo' | 'hi'> {
  if (m.contrast === null || m.boundary === null) return { y: null, lo: null, hi: null }
  const y = m.margin - m.contrast
  const h = Math.abs(m.boundary)
  return { y, lo: Math.max(0, y - h), hi: y + h }
}

/** First point whose band clears a line (above PASS, below the rate maximum, or past FAIL) as its gate decided. */
export function firstCrossing(
  points: readonly DecisionPoint[],
  lines: readonly DecisionLine[],
  scale: DecisionChartData['scale'],
): DecisionChartData['crossing'] {
  const pass = lines.find((l) => l.kind === 'pass')
  const fail = lines.find((l) => l.kind === 'fail') ?? pass
  for (const p of points) {
    if (p.lo === null || p.hi === null) continue
    // On an exact edge, and where the gate decided so at that tick (the band is reconstructed from
    // the verdict's numbers; the gate's own decision settles any rounding at the line).
    const canFail = p.side !== 'pass' && p.decision === 'fail'
    const canPass = p.side !== 'fail' && p.decision === 'pass'
    if (scale === 'relative') {
      if (canFail && fail && p.hi < fail.y) return { t: p.t, kind: 'fail' }
      if (canPass && pass && p.lo > pass.y) return { t: p.t, kind: 'pass' }
    } else {
      if (canFail && fail && p.lo > fail.y) return { t: p.t, kind: 'fail' }
      if (canPass && pass && p.hi < pass.y) return { t: p.t, kind: 'pass' }
    }
  }
  return null
}

export interface DecisionInput {
  /** Oldest first (the verdict history). */
  verdicts: readonly VerdictView[]
  plan: RolloutView['plan']
  /** The rollout's resolved gates; absent ones fall back to the margins the verdicts show. */
  gates?: Gates
}

/** One chart per (stage, metric) that has a verdict, in plan order, metrics in verdict order. */
export function decisionCharts({ verdicts, plan, gates }: DecisionInput): DecisionChartData[] {
  const byKey = new Map<string, { stepIndex: number; metric: Metric; rows: Array<{ t: number; m: Metric }> }>()
  for (const v of verdicts) {
    const t = Date.parse(v.at)
    for (const m of v.metrics) {
      const key = `${v.step_index}-${m.metric}`
      const entry = byKey.get(key) ?? { stepIndex: v.step_index, metric: m, rows: [] }
      entry.rows.push({ t, m })
      entry.metric = m
      byKey.set(key, entry)
    }
  }
  const out: DecisionChartData[] = []
  for (const [id, e] of byKey) {
    const step = plan[e.stepIndex]
    const g = gateFor(gates, step?.kind)
    const alphaPass = g?.alpha_pass ?? 0.05
    const scale = e.metric.test === 'divergence_rate' ? 'rate' : 'relative'
    const points: DecisionPoint[] = e.rows.map(({ t, m }) => {
      const drawn =
        m.test === 'divergence_rate'
          ? ratePoint(m)
          : m.test === 'event_split'
            ? eventSplitPoint(m, alphaPass)
            : niPoint(m)
      const side = m.test === 'event_split' ? 'both' : (m.boundary ?? 0) < 0 ? 'fail' : 'pass'
      return { t, ...drawn, side, decision: m.decision }
    })
    out.push({
      id,
      stepIndex: e.stepIndex,
      stepLabel: step?.label ?? `step ${e.stepIndex + 1}`,
      metric: e.metric.metric,
      test: e.metric.test,
      scale,
      points,
      lines: linesFor(
        e.rows.map((r) => r.m),
        scale,
        configuredMargins(g, e.metric),
      ),
      crossing: null,
      latest: e.metric.decision,
    })
  }
  for (const c of out) c.crossing = firstCrossing(c.points, c.lines, c.scale)
  return out.sort((a, b) => a.stepIndex - b.stepIndex)
}

/**
 * The PASS and FAIL lines. Business and error-rate margins are the stage's configured ones; the
 * latency margin is mapped from the champion's histogram at evaluation (§7.2), so it is read off
 * the verdicts: a positive boundary shows the PASS side at m, a negative one the FAIL side at m_f.
 */
export function linesFor(
  rows: readonly Metric[],
  scale: DecisionChartData['scale'],
  cfg: { margin: number; fail: number } | null,
): DecisionLine[] {
  const latest = rows.at(-1)
  if (latest === undefined) return []
  // A rate test has one limit for both claims.
  if (scale === 'rate') return [{ kind: 'pass', y: latest.margin }]
  let margin = cfg?.margin ?? latest.margin
  let fail = cfg?.fail ?? margin
  if (latest.test === 'tail_exceedance' || cfg === null) {
    const shown = (side: 1 | -1) =>
      rows.findLast((m) => m.boundary !== null && Math.sign(m.boundary) === side && m.test !== 'event_split')?.margin
    const pass = shown(1)
    const failShown = shown(-1)
    margin = pass ?? failShown ?? margin
    fail = failShown ?? (cfg && cfg.fail !== cfg.margin ? cfg.fail : margin)
  }
  return fail === margin
    ? [{ kind: 'pass', y: -margin }]
    : [
        { kind: 'pass', y: -margin },
        { kind: 'fail', y: -fail },
      ]
}
