/**
 * @module core/gates/evaluate
 * The gate evaluator: cumulative stage evidence + config → one `VerdictRecord`.
 *
 * Invariants:
 * - Pure: a function of (evidence, config, recorded looks) only; time is `evidence.now`. No I/O,
 *   no randomness. The one planned look per business metric (./planned-look) is taken at most once
 *   because its record is data the caller passes back.
 * - Not sticky: each call judges the current cumulative evidence. Every test is always valid
 *   (time-uniform), so the caller may evaluate at every tick, or every request, with no penalty,
 *   and should act on (and record) the first PASS, FAIL or HALT (docs/statistics.md §2.5, §3).
 * - Order (docs/statistics.md §2.3, §2.4, §9.2): outcome conflicts above the threshold → HALT (§10.6;
 *   ./conflicts; the failing metrics are named in the reason). Then FAIL if any test fails, at any
 *   time, even with an SRM alarm (rollback is the safe action). Then an SRM alarm → HALT (no PASS).
 *   PASS needs every test to pass, elapsed ≥ minDuration, both arms ≥ minSample and at least one
 *   test. Otherwise INCONCLUSIVE at the cap, else CONTINUE.
 * - Bonferroni: each FAIL test runs at α_fail/K, K = the number of tests this stage evaluates (a
 *   function of config and stage kind only, never of the data); PASS tests at α_pass each.
 *
 * Stage kinds, from `expectedChallengerShare`:
 * - 0 < share < 1 (canary): SRM, business gates, error rate, latency; divergence if shadow
 *   evidence exists.
 * - share = 0 (shadow only): no SRM (there is no split) and no A/B test (the challenger serves
 *   nothing). Judged on divergence and on the shadow's error rate vs the champion's (event split
 *   with λ = shadow attempts / (attempts + champion exposures)). PASS needs ≥ minSample pairs,
 *   the minimum duration and at least one of those tests configured.
 * - share = 1 (watch after a 100% step): no SRM (the arms are not concurrent). The A/B tests run
 *   against whatever champion evidence the caller supplies, e.g. the previous champion's
 *   pre-rollout baseline; time effects are then confounded with the model change (documented
 *   limitation). With no champion evidence they stay `insufficient_data` and the stage ends
 *   INCONCLUSIVE.
 *
 * Source: docs/statistics.md §2 (decisions and their combination), §3, §5–§9.
 */

import { emptyMoments } from '../stats/moments'
import { sequentialSrm } from '../stats/srm'
import { checkConflicts, withConflicts } from './conflicts'
import { noted, withCovariate } from './covariate'
import { duration, int, num, pct } from './format'
import { type NiVerdictInput, type TestLevels, eventSplitVerdict, niVerdict } from './metric-tests'
import { ALL_SIDES, FAIL_MARGIN_FACTOR, type LookBook, MIXTURE_SHARE, niWithLook } from './planned-look'
import { srmLook, srmLookPValue, srmLookSkipped } from './srm-look'
import { divergenceVerdict, tailExceedanceVerdict } from './rate-tests'
import type {
  BusinessGate,
  ConflictCheck,
  GateConfig,
  GateDecision,
  LookSide,
  MetricVerdict,
  PlannedLook,
  StageEvidence,
  VerdictRecord,
} from './types'

type GateTest = (levels: TestLevels) => MetricVerdict
type SrmVerdict = VerdictRecord['srm']

/**
 * The sequential Dirichlet-multinomial SRM check, skipped when there is no split to test; with the
 * stage's recorded looks, plus the early SRM look (./srm-look, docs/statistics.md §9.4).
 */
function checkSrm(e: StageEvidence, alpha: number, book: LookBook | null): SrmVerdict {
  const share = e.expectedChallengerShare
  const nA = e.champion.exposures
  const nB = e.challenger.exposures
  const total = nA + nB
  const observedShare = total > 0 ? nB / total : null
  if (!(share > 0 && share < 1)) {
    const why = share > 0 ? 'the arms are not concurrent (100% stage)' : 'shadow-only stage'
    const reason = `SRM not checked: ${why} (expected challenger share ${pct(share)}).`
    return { alarm: false, pValue: 1, observedShare, expectedShare: share, reason }
  }
  // Sticky routing assigns whole units: no look on its overdispersed counts (docs/statistics.md §9.4).
  const sticky = (e.champion.stickyExposures ?? 0) + (e.challenger.stickyExposures ?? 0)
  const planned = book !== null && book.sides.has('srm')
  const skipped = planned && srmLookSkipped(sticky, share, alpha, book)
  const srmLooks = planned && !skipped
  const mixtureAlpha = srmLooks ? MIXTURE_SHARE * alpha : alpha
  const r = sequentialSrm({ counts: [nA, nB], expectedShares: [1 - share, share], alpha: mixtureAlpha })
  const skip = skipped
    ? ` SRM look skipped: ${pct(sticky / total)} of requests were routed by unit (mixture at the full α).`
    : ''
  const obs =
    `challenger share ${observedShare === null ? 'n/a' : pct(observedShare)} vs expected ` +
    `${pct(share)} over ${int(total)} exposures, always-valid p = ${num(r.pValue)}`
  if (r.alarm) {
    const reason = `SRM alarm: ${obs} ≤ ${num(mixtureAlpha)}. Freeze the split and check assignment.${skip}`
    return { alarm: true, pValue: r.pValue, observedShare, expectedShare: share, reason }
  }
  const look = srmLooks ? srmLook(nA, nB, share, alpha, book, e.now) : null
  if (look?.decision === 'fail') {
    const reason =
      `SRM alarm at the planned look (${int(look.vPlan)} exposures): z = ${num(look.z)}, ` +
      `|z| > ${num(look.boundary)}, p = ${num(srmLookPValue(look))}; now ${obs}. Freeze the split and check assignment.`
    return { alarm: true, pValue: Math.min(r.pValue, srmLookPValue(look)), observedShare, expectedShare: share, reason }
  }
  return { alarm: false, pValue: r.pValue, observedShare, expectedShare: share, reason: `No SRM: ${obs}.${skip}` }
}

function businessTest(g: BusinessGate, e: StageEvidence, book: LookBook | null): GateTest {
  const proportion = g.kind === 'proportion'
  const input: NiVerdictInput = {
    metric: g.metric,
    test: proportion ? 'ni_proportion' : 'ni_mean',
    direction: g.direction,
    margin: g.margin,
    failMargin: g.failMargin ?? FAIL_MARGIN_FACTOR * g.margin,
    champion: e.champion.outcomes[g.metric] ?? emptyMoments(),
    challenger: e.challenger.outcomes[g.metric] ?? emptyMoments(),
    proportion,
    show: proportion ? pct : num,
  }
  // A declared pre-exposure covariate: both the mixture and the planned looks run on the
  // CUPED-adjusted arms (docs/statistics.md §5.8); without one on both arms, the plain test. Never
  // on a mean (a config stored before the rule): its units, the requests that reported, are a
  // selection the arm can change, so the covariate means may differ by the treatment itself.
  const { input: used, note } =
    g.covariate !== true
      ? { input, note: null }
      : proportion
        ? withCovariate(input)
        : { input, note: 'Covariate ignored: CUPED runs on proportion metrics only.' }
  // With the stage's recorded looks, FAIL adds the planned look (docs/statistics.md §5.6).
  return (levels) =>
    withConflicts(noted(book === null ? niVerdict(used, levels) : niWithLook(used, levels, book, e.now), note), e)
}

/** The tests this stage evaluates; their number K is fixed by config and stage kind. */
function gateTests(e: StageEvidence, c: GateConfig, shadowOnly: boolean, book: LookBook | null): GateTest[] {
  const tests: GateTest[] = []
  const err = c.errorRate
  const lat = c.latency
  if (!shadowOnly) {
    for (const g of c.business) tests.push(businessTest(g, e, book))
    if (err) {
      tests.push((levels) =>
        eventSplitVerdict(
          {
            metric: 'error_rate',
            championEvents: e.champion.errors,
            championExposures: e.champion.exposures,
            challengerEvents: e.challenger.errors,
            challengerExposures: e.challenger.exposures,
            margin: err.margin,
            failMargin: err.failMargin ?? err.margin,
            ...(err.floor === undefined ? {} : { floor: err.floor }),
          },
          levels,
        ),
      )
    }
    if (lat) {
      tests.push((levels) =>
        tailExceedanceVerdict(
          {
            champion: e.champion.latency,
            challenger: e.challenger.latency,
            thresholdMs: lat.thresholdMs,
            margin: lat.margin,
            failMargin: lat.failMargin ?? lat.margin,
          },
          levels,
        ),
      )
    }
  }
  const shadow = e.shadow
  if (shadowOnly && err && shadow) {
    // Same requests on both sides; rare coincident failures make the Poisson split approximate.
    tests.push((levels) =>
      eventSplitVerdict(
        {
          metric: 'shadow_error_rate',
          championEvents: e.champion.errors,
          championExposures: e.champion.exposures,
          challengerEvents: shadow.errors,
          challengerExposures: shadow.attempts,
          margin: err.margin,
          failMargin: err.failMargin ?? err.margin,
          ...(err.floor === undefined ? {} : { floor: err.floor }),
        },
        levels,
      ),
    )
  }
  const div = c.divergence
  if (div && shadow) {
    tests.push((levels) =>
      divergenceVerdict({ pairs: shadow.pairs, diverged: shadow.diverged, maxRate: div.maxRate }, levels),
    )
  }
  return tests
}

function body(reason: string): string {
  return reason.replace(/^(FAIL|PASS|CONTINUE): /, '')
}

interface Combined {
  decision: GateDecision
  reason: string
}

function combine(
  e: StageEvidence,
  c: GateConfig,
  metrics: MetricVerdict[],
  srm: SrmVerdict,
  conflicts: ConflictCheck,
  elapsedMs: number,
  shadowOnly: boolean,
): Combined {
  const failed = metrics.filter((m) => m.decision === 'fail')
  const note = failed.length > 0 ? ` Failing meanwhile: ${failed.map((m) => m.metric).join(', ')}.` : ''
  // Contradicted outcomes make the business evidence untrustworthy: a FAIL on it could be forced
  // by whoever reports first, so a human looks before anything is decided (docs/statistics.md §10.6).
  if (conflicts.alarm) {
    const srmText = srm.alarm ? `${srm.reason} Also ` : ''
    return { decision: 'HALT', reason: `HALT: ${srmText}${conflicts.reason}${note}` }
  }
  // A clear FAIL wins over an SRM alarm: rolling back is the safe action whatever broke the split,
  // while a HALT would keep a failing challenger serving (docs/statistics.md §9.2).
  if (failed.length > 0) {
    const srmText = srm.alarm ? ` Also ${srm.reason}` : ''
    return { decision: 'FAIL', reason: `FAIL: ${failed.map((m) => body(m.reason)).join(' ')}${srmText}` }
  }
  if (srm.alarm) return { decision: 'HALT', reason: `HALT: ${srm.reason}` }
  const blockers: string[] = []
  if (metrics.length === 0) blockers.push('no gate applies to this stage')
  const open = metrics.filter((m) => m.decision !== 'pass')
  if (open.length > 0) {
    blockers.push(`waiting for ${open.map((m) => `${m.metric} (${m.decision})`).join(', ')}`)
  }
  if (elapsedMs < c.minDurationMs) {
    blockers.push(`minimum duration: ${duration(elapsedMs)} of ${duration(c.minDurationMs)}`)
  }
  const pairs = e.shadow?.pairs ?? 0
  const samples = shadowOnly ? pairs : Math.min(e.champion.exposures, e.challenger.exposures)
  if (samples < c.minSamplePerArm) {
    const unit = shadowOnly ? 'shadow pairs' : 'exposures in the smaller arm'
    blockers.push(`minimum sample: ${int(samples)} of ${int(c.minSamplePerArm)} ${unit}`)
  }
  if (blockers.length === 0) {
    const volume = shadowOnly
      ? `${int(pairs)} shadow pairs`
      : `${int(e.challenger.exposures)} challenger and ` + `${int(e.champion.exposures)} champion exposures`
    const names = metrics.map((m) => m.metric).join(', ')
    const srmText = shadowOnly ? 'no split to check' : 'SRM clean'
    const reason =
      `PASS: all ${metrics.length} gates passed (${names}) after ${duration(elapsedMs)} ` +
      `with ${volume}; ${srmText}.`
    return { decision: 'PASS', reason }
  }
  if (elapsedMs >= c.maxDurationMs) {
    const reason =
      `INCONCLUSIVE: stage cap of ${duration(c.maxDurationMs)} reached without a decision ` +
      `(${blockers.join('; ')}). Do not promote.`
    return { decision: 'INCONCLUSIVE', reason }
  }
  return { decision: 'CONTINUE', reason: `CONTINUE: ${blockers.join('; ')}.` }
}

/**
 * Judge one stage from its cumulative evidence (docs/statistics.md §2.3). Pure and not sticky: the
 * caller acts on the first PASS/FAIL/HALT; evaluating again on more data never invalidates an
 * earlier claim because every test is always valid.
 *
 * `looks`: the planned looks recorded for this stage so far (docs/statistics.md §5.6). Given (even
 * empty), business FAIL tests add the planned look and `verdict.looks` lists the looks taken now,
 * which the caller must record before acting; absent, every test is a plain mixture. `sides`: the
 * look sides the stage was planned with (default all; a stage that began before the PASS and SRM
 * looks existed passes `{fail}` and keeps those levels on the mixtures).
 *
 * @example
 * const verdict = evaluateGates(evidence, defaultGateConfig({ stage: 'canary', business }))
 * if (verdict.decision === 'FAIL') rollback(verdict.reason)
 */
export function evaluateGates(
  evidence: StageEvidence,
  config: GateConfig,
  looks?: readonly PlannedLook[],
  sides?: ReadonlySet<LookSide>,
): VerdictRecord {
  const elapsedMs = Math.max(0, evidence.now - evidence.stageStartedAt)
  const shadowOnly = !(evidence.expectedChallengerShare > 0)
  const book: LookBook | null =
    looks === undefined
      ? null
      : { recorded: looks, taken: [], passReady: elapsedMs >= config.minDurationMs, sides: sides ?? ALL_SIDES }
  const srm = checkSrm(evidence, config.srmAlpha, book)
  const tests = gateTests(evidence, config, shadowOnly, book)
  const levels: TestLevels = {
    alphaPass: config.alphaPass,
    alphaFail: config.alphaFail / Math.max(1, tests.length),
    minSamplePerArm: config.minSamplePerArm,
  }
  const metrics = tests.map((test) => test(levels))
  const conflicts = checkConflicts(evidence, config, !shadowOnly)
  const { decision, reason } = combine(evidence, config, metrics, srm, conflicts, elapsedMs, shadowOnly)
  const verdict: VerdictRecord = { decision, reason, metrics, srm, conflicts, elapsedMs }
  return book === null ? verdict : { ...verdict, looks: book.taken }
}
