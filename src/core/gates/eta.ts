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
 * Planned looks (§5.6, §5.7): given the stage's recorded looks, the projections run the gates with
 * them, so a recorded FAIL or PASS stays, and a look not yet taken is projected where it falls due
 * (the PASS look at the minimum duration, the FAIL look where V̂ reaches V_plan) and then carried,
 * like a recorded one, into every later projection: one look per stage, as the coordinator takes it.
 *
 * A CUPED gate (§5.8) is projected with its covariate balanced when no imbalance shows now
 * (`balanceCovariates`): scaling would otherwise grow a chance imbalance into a shown one.
 *
 * Invariants:
 * - Pure, and it never changes a decision: the verdict is computed first, elsewhere.
 * - A projected look is a forecast: it never leaves this module (the projections' `verdict.looks`
 *   are dropped), so nothing the forecast sees is ever recorded as a look.
 * - HALT is not forecast: the projection checks SRM at a vanishing level and drops outcome
 *   conflicts, because a random imbalance of the split scaled up would look like a real one.
 * - Null when the stage has no data or no elapsed time, or when nothing decides before the cap.
 */
import { cupedAdjust } from '../stats/cuped'
import type { ExpHistogram } from '../stats/histogram'
import type { Moments } from '../stats/moments'
import { covariateImbalance } from './covariate'
import { evaluateGates } from './evaluate'
import type {
  ArmEvidence,
  GateConfig,
  GateEta,
  LookSide,
  MetricDirection,
  PlannedLook,
  StageEta,
  StageEvidence,
  VerdictRecord,
} from './types'

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

/** Counts × s; a covariate's sums scale alike, so a CUPED gate is projected adjusted (§5.8). */
const scaleMoments = (m: Moments, s: number): Moments => {
  const scaled = { n: m.n * s, mean: m.mean, m2: m.m2 * s }
  return m.x === undefined ? scaled : { ...scaled, x: { mean: m.x.mean, m2: m.x.m2 * s, c: m.x.c * s } }
}

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

/**
 * A CUPED gate's covariate, decided once on the evidence as it is (docs/statistics.md §2.8): with
 * no imbalance shown now, both arms' covariate means move to the pooled mean and their outcome
 * means to the adjusted ones, which is what new data adds in expectation (a chance imbalance
 * averages out); scaled by s as it was, a chance imbalance would grow like √s and trip the
 * balance check in the projections. With an imbalance shown, the evidence stays: CUPED stays off.
 */
export function balanceCovariates(e: StageEvidence, config: GateConfig): StageEvidence {
  const champion = { ...e.champion.outcomes }
  const challenger = { ...e.challenger.outcomes }
  for (const g of config.business) {
    const a = champion[g.metric]
    const b = challenger[g.metric]
    if (g.covariate !== true || a?.x === undefined || b?.x === undefined) continue
    const adjusted = covariateImbalance(a, b) === null ? cupedAdjust(a, b) : null
    if (adjusted === null) continue
    const x = (a.n * a.x.mean + b.n * b.x.mean) / (a.n + b.n)
    champion[g.metric] = { ...a, mean: adjusted.champion.mean, x: { ...a.x, mean: x } }
    challenger[g.metric] = { ...b, mean: adjusted.challenger.mean, x: { ...b.x, mean: x } }
  }
  return {
    ...e,
    champion: { ...e.champion, outcomes: champion },
    challenger: { ...e.challenger, outcomes: challenger },
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
    const shifted = { n: m.n, mean, m2: d.proportion ? m.n * mean * (1 - mean) : m.m2 }
    // The covariate's sums stay: moving ȳ by one (unadjusted, so wider) standard error keeps x.
    outcomes[k] = m.x === undefined ? shifted : { ...shifted, x: m.x }
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

/** The gates on the evidence projected to scale `s`, with the given looks (or none: mixtures only). */
type Run = (s: number, looks: readonly PlannedLook[] | undefined) => VerdictRecord

/** A look the projection expects the gates to take at scale `s`: a forecast, never recorded. */
interface ProjectedLook {
  s: number
  look: PlannedLook
}

const lookKey = (l: PlannedLook) => `${l.side ?? 'fail'}:${l.metric}`

/**
 * Where each look not yet recorded falls due, and what it would see there: the first scale of the
 * grid where the gates take it, refined by bisection (the PASS look lands at the minimum duration,
 * docs/statistics.md §5.7, unless a guard holds it later). Whether a look is taken depends on V̂,
 * the clock and the guards, which only move one way as `s` grows.
 */
function projectLooks(run: Run, recorded: readonly PlannedLook[], sMax: number, search: Search) {
  const taken = (s: number) => run(s, recorded).looks ?? []
  const out = new Map<string, ProjectedLook>()
  const at = (k: number) => Math.pow(sMax, k / search.grid)
  const grid = Array.from({ length: search.grid + 1 }, (_, k) => taken(at(k)))
  grid.forEach((looks, k) => {
    for (const first of looks) {
      const key = lookKey(first)
      if (out.has(key)) continue
      let found: ProjectedLook = { s: at(k), look: first }
      let lo = k === 0 ? 1 : at(k - 1)
      for (let i = 0; k > 0 && i < search.bisect; i++) {
        const mid = Math.sqrt(lo * found.s)
        const look = taken(mid).find((l) => lookKey(l) === key)
        if (look === undefined) lo = mid
        else found = { s: mid, look }
      }
      out.set(key, found)
    }
  })
  return [...out.values()]
}

function forecast(
  e: StageEvidence,
  config: GateConfig,
  sMax: number,
  search: Search,
  grows: boolean,
  looks: readonly PlannedLook[] | null,
  sides: ReadonlySet<LookSide> | undefined,
): Forecast {
  // A vanishing SRM level, still positive once split with the SRM look (§9.4): the projection
  // forecasts PASS and FAIL, not HALT (module comment).
  const quiet: GateConfig = { ...config, srmAlpha: 1e-300 }
  const run: Run = (s, l) => evaluateGates(scaleEvidence(e, s, grows), quiet, l, sides)
  const projected = looks === null ? [] : projectLooks(run, looks, sMax, search)
  const probe = (s: number): Probe => {
    // The looks due by `s` are carried as if recorded; the looks this run would take are dropped.
    const due = looks && [...looks, ...projected.filter((p) => p.s <= s).map((p) => p.look)]
    const v = run(s, due ?? undefined)
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
 * `looks`: the planned looks recorded for the stage before `verdict` (the looks `verdict` took are
 * added here). Given, the projections model the planned looks; absent, every test is a mixture.
 * `sides`: the look sides the stage was planned with, as given to `evaluateGates` (default all).
 *
 * @example const eta = stageEta(evidence, gate, verdict) // { decideAt, range, gates: [...] }
 */
export function stageEta(
  observed: StageEvidence,
  config: GateConfig,
  verdict: VerdictRecord,
  opts: { championGrows?: boolean; looks?: readonly PlannedLook[]; sides?: ReadonlySet<LookSide> } = {},
): StageEta | null {
  // A watch compares with a fixed pre-rollout baseline: only the challenger's counts grow there.
  const grows = opts.championGrows ?? true
  const evidence = balanceCovariates(observed, config)
  const elapsed = evidence.now - evidence.stageStartedAt
  if (!(elapsed > 0) || !hasData(evidence) || !(config.maxDurationMs > elapsed)) return null
  const sMax = config.maxDurationMs / elapsed
  const capAt = evidence.stageStartedAt + config.maxDurationMs
  const time = (s: number) => Math.round(evidence.stageStartedAt + s * elapsed)
  // The looks `verdict` took count as recorded; SRM looks are left out with the rest of HALT.
  const looks =
    opts.looks === undefined ? null : [...opts.looks, ...(verdict.looks ?? [])].filter((l) => l.side !== 'srm')
  const mid = forecast(evidence, config, sMax, POINT, grows, looks, opts.sides)
  const better = forecast(shiftChallenger(evidence, config, 1), config, sMax, BAND, grows, looks, opts.sides)
  const worse = forecast(shiftChallenger(evidence, config, -1), config, sMax, BAND, grows, looks, opts.sides)
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
