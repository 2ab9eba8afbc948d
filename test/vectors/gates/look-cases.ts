/**
 * The gate vectors of the planned looks (docs/statistics.md §5.6 FAIL, §5.7 PASS, §9.4 SRM), with the
 * stage's recorded looks passed in; added to evaluate.json by ./generate.ts, expected verdicts from
 * the independent reference (test/reference/gates.ts).
 */
import type { ArmEvidence, GateConfig, MetricDirection, PlannedLook, StageEvidence } from '../../../src/core/gates/types'
import { canary, canaryConfig, HOUR } from '../../unit/core/gates/helpers'
import { referenceVerdict } from '../../reference/gates'

type Counts = { errors: number; slow: number; conversions: number }
export interface CaseBuilders {
  add: (name: string, evidence: StageEvidence, config?: GateConfig, looks?: PlannedLook[]) => unknown
  edge: (
    name: string,
    lo: number,
    hi: number,
    make: (x: number) => StageEvidence,
    pred: (e: StageEvidence) => boolean,
    config?: GateConfig,
    looks?: PlannedLook[],
  ) => void
  counts: (n: number, c: Counts) => ArmEvidence
  normal: (n: number) => Counts
  loss: (n: number, mean: number) => ArmEvidence
  lossGate: (margin: number, failMargin?: number, direction?: MetricDirection) => GateConfig
}

export function addLookCases({ add, edge, counts, normal, loss, lossGate }: CaseBuilders): void {
  // The planned FAIL look (§5.6), with the stage's recorded looks passed in. A 10% canary at the
  // simulated world's rates: the look comes once V̂(m_f) ≤ V_plan (about 95,000 challenger exposures).
  // These stages are past the SRM look's N_plan (§9.4): they pass its recorded no-alarm look in, so
  // that the looks they take are the business metric's only.
  const stage = (nB: number, rate: number, hours = 2.5) =>
    canary(counts(nB, { ...normal(nB), conversions: Math.round(rate * nB) }), counts(9 * nB, normal(9 * nB)), hours)
  const srmClear = referenceVerdict(stage(20_000, 0.05), canaryConfig(), []).looks ?? []
  if (srmClear.length !== 1 || srmClear[0]?.metric !== 'srm' || srmClear[0].decision !== 'continue') {
    throw new Error('SRM look fixture moved')
  }
  const withSrm = (looks: PlannedLook[] = []) => [...srmClear, ...looks]
  const lookOf = (e: StageEvidence, looks: PlannedLook[] = []) => referenceVerdict(e, canaryConfig(), withSrm(looks))
  const taken = (e: StageEvidence, looks: PlannedLook[] = []) => lookOf(e, looks).looks ?? []
  add('look: before V_plan, no look is taken', stage(60_000, 0.0475), canaryConfig(), withSrm())
  add('look: at the look, −5% FAILs', stage(100_000, 0.0475), canaryConfig(), withSrm())
  add('look: no looks input (old caller), the same −5% is a plain mixture at α_k', stage(100_000, 0.0475))
  add('look: at the look, −2% does not FAIL', stage(100_000, 0.049), canaryConfig(), withSrm())
  const failed = taken(stage(100_000, 0.0475))
  const passed = taken(stage(100_000, 0.049))
  if (failed[0]?.decision !== 'fail' || passed[0]?.decision !== 'continue') throw new Error('look fixtures moved')
  add('look: a recorded FAIL stays FAIL on A/A data', stage(150_000, 0.05, 4), canaryConfig(), withSrm(failed))
  add('look: a recorded non-FAIL look is never taken again', stage(100_000, 0.0475), canaryConfig(), withSrm(passed))
  add(
    'look: a look of another metric does not count',
    stage(100_000, 0.0475),
    canaryConfig(),
    withSrm([{ ...passed[0]!, metric: 'other' }]),
  )
  edge(
    'look taken at V_plan (x challenger exposures at −5%)',
    60_000,
    120_000,
    (x) => stage(x, 0.0475),
    (e) => taken(e).length > 0,
    canaryConfig(),
    withSrm(),
  )
  edge(
    'look z-boundary (x challenger conversions of 100,000)',
    4_000,
    5_000,
    (x) => canary(counts(100_000, { ...normal(100_000), conversions: x }), counts(900_000, normal(900_000)), 2.5),
    (e) => lookOf(e).metrics[0]?.decision !== 'fail',
    canaryConfig(),
    withSrm(),
  )
  add(
    'look: margin 0 plans no look (the mixture keeps α_k)',
    canary(loss(50_000, 1.004), loss(450_000, 1), 3),
    lossGate(0, 0),
    withSrm(),
  )

  // The planned PASS look (§5.7): once, at the first evaluation with elapsed ≥ the 24 h minimum
  // duration, z = D̂(m)/√V̂ against z_{1−3α_pass/4}; the mixture gets α_pass/4. A/A at 300,000
  // challenger exposures: z ≈ 2.39 > 2.08, where the mixture at α_pass does not PASS yet. The FAIL
  // look came long before (at about 95,000): these stages pass it in, recorded without a FAIL.
  const failClear = withSrm(passed)
  const aa = (hours = 24) => stage(300_000, 0.05, hours)
  const atMs = (e: StageEvidence, ms: number) => ({ ...e, now: e.stageStartedAt + ms })
  add('pass look: 1 ms before the minimum duration, none is taken (A/A CONTINUEs)', atMs(aa(), 24 * HOUR - 1), canaryConfig(), failClear)
  add('pass look: at the minimum duration, A/A PASSes by the look', aa(), canaryConfig(), failClear)
  add('pass look: no looks input (old caller), the same A/A is the mixture at α_pass and CONTINUEs', aa())
  add('pass look: at the margin (−2%), the look does not PASS', stage(300_000, 0.049, 24), canaryConfig(), failClear)
  const passLook = lookOf(aa(), passed).looks ?? []
  const noPass = lookOf(stage(300_000, 0.049, 24), passed).looks ?? []
  if (passLook.length !== 1 || passLook[0]?.side !== 'pass' || passLook[0].decision !== 'pass' || noPass[0]?.decision !== 'continue') {
    throw new Error('PASS look fixtures moved')
  }
  add(
    'pass look: a recorded PASS stays PASS (30 h, −1%: the mixture alone would not PASS)',
    stage(330_000, 0.0495, 30),
    canaryConfig(),
    [...failClear, ...passLook],
  )
  add(
    'pass look: a recorded non-PASS look is never taken again (30 h, A/A CONTINUEs)',
    stage(330_000, 0.05, 30),
    canaryConfig(),
    [...failClear, ...noPass],
  )
  add(
    'pass look: the mixture FAIL wins over a recorded PASS (30 h, −10%)',
    stage(330_000, 0.045, 30),
    canaryConfig(),
    [...failClear, ...passLook],
  )
  add(
    'pass look: the FAIL look wins over a recorded PASS (−5% at its V_plan)',
    stage(100_000, 0.0475, 25),
    canaryConfig(),
    withSrm(passLook),
  )
  add(
    'pass look: a zero margin plans no FAIL look, the PASS look still runs (loss −0.3%)',
    canary(loss(300_000, 0.997), loss(2_700_000, 1), 24),
    lossGate(0, 0),
    withSrm(),
  )
  edge(
    'PASS look z-boundary at 24 h (x challenger conversions of 300,000)',
    14_000,
    15_000,
    (x) => canary(counts(300_000, { ...normal(300_000), conversions: x }), counts(2_700_000, normal(2_700_000)), 24),
    (e) => lookOf(e, passed).metrics[0]?.decision === 'pass',
    canaryConfig(),
    failClear,
  )

  // The early SRM look (§9.4): srmAlpha 0.004 → the mixture at 0.001 and one two-sided z-look at
  // 0.003, taken once the stage's exposures reach N_plan ≈ 112,430 (λ = 10%, a −3% share at power 0.65).
  const split = (nA: number, nB: number) => canary(counts(nB, normal(nB)), counts(nA, normal(nA)), 2)
  const share = (total: number, s: number) => split(total - Math.round(total * s), Math.round(total * s))
  const srmOf = (e: StageEvidence, looks: PlannedLook[] = []) => referenceVerdict(e, canaryConfig(), looks)
  add('srm look: before N_plan (100,000), a −3% share takes no look and CONTINUEs', share(100_000, 0.097), canaryConfig(), [])
  add('srm look: at N_plan (120,000), a −3% share alarms: HALT', share(120_000, 0.097), canaryConfig(), [])
  add('srm look: at N_plan (120,000), a correct split does not alarm', share(120_000, 0.1), canaryConfig(), [])
  add('srm look: no looks input (old caller), the −3% share is the mixture at srmAlpha: CONTINUE', share(120_000, 0.097))
  const alarmLook = srmOf(share(120_000, 0.097)).looks ?? []
  const quietLook = srmOf(share(120_000, 0.1)).looks ?? []
  if (alarmLook[0]?.decision !== 'fail' || quietLook[0]?.decision !== 'continue') throw new Error('SRM look fixtures moved')
  add('srm look: a recorded alarm stays HALT on a correct split', share(150_000, 0.1), canaryConfig(), alarmLook)
  add('srm look: a recorded no-alarm look is never taken again (−3% at 150,000)', share(150_000, 0.097), canaryConfig(), quietLook)
  add('srm look: none at 100% (no concurrent split)', { ...share(150_000, 0.097), expectedChallengerShare: 1 }, canaryConfig(), [])
  edge(
    'SRM look taken at N_plan (x exposures, 10% challenger)',
    100_000,
    130_000,
    (x) => share(x, 0.1),
    (e) => (srmOf(e).looks ?? []).some((l) => l.metric === 'srm'),
    canaryConfig(),
    [],
  )
  edge(
    'SRM look z-boundary below 10% (x challenger exposures vs 108,000)',
    10_000,
    12_000,
    (x) => split(108_000, x),
    (e) => !srmOf(e).srm.alarm,
    canaryConfig(),
    [],
  )
  edge(
    'SRM look z-boundary above 10% (x challenger exposures vs 108,000)',
    12_000,
    14_000,
    (x) => split(108_000, x),
    (e) => srmOf(e).srm.alarm,
    canaryConfig(),
    [],
  )
}
