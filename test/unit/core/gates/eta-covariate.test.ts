/**
 * The ETA of a CUPED gate with a chance imbalance of the covariate (docs/statistics.md §2.8, §5.8).
 * Scaling the evidence by s grows a covariate imbalance of k standard errors to k·√s: a 2.5-SE
 * chance imbalance of a 4,000/36,000 split (x̄ 0.0417 apart, unit variance) is inside the balance
 * check's boundary now (0.073 at α = 0.001) and past it from s = 4 (0.038), so a projection that
 * scales it turns CUPED off and forecasts the plain test. The ETA decides on the evidence as it is.
 */
import { describe, expect, it } from 'vitest'
import { covariateImbalance } from '../../../../src/core/gates/covariate'
import { balanceCovariates, scaleEvidence, stageEta } from '../../../../src/core/gates/eta'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import type { ArmEvidence, GateConfig } from '../../../../src/core/gates/types'
import { momentsWithCovariate } from '../../../../src/core/stats/cuped'
import { HOUR, arm, canary, canaryConfig } from './helpers'

const RHO = 0.9
const N_B = 4_000
const N_A = 36_000
const SE_X = Math.sqrt(1 / N_B + 1 / N_A)
const DX = -2.5 * SE_X

/** Unit-variance covariate with mean `xMean`, correlation ρ with the conversion (as covariate.test.ts). */
function withCovariate(n: number, conv: number, xMean = 0): ArmEvidence {
  const a = arm(n, { conversion: conv })
  const y = Math.round(n * conv)
  const sy = Math.sqrt((y / n) * (1 - y / n))
  a.outcomes.conversion = momentsWithCovariate(n, y, y, n * xMean, n * (1 + xMean * xMean), n * RHO * sy + xMean * y)
  return a
}

function config(covariate: boolean): GateConfig {
  const c = canaryConfig()
  return { ...c, business: c.business.map((g) => ({ ...g, covariate })) }
}

// Both arms convert at 5 %; the challenger's units happen to have x̄ 2.5 SE lower, and their
// conversion follows it (θ·Δx, θ ≈ ρ·σ_y): the adjusted arms are equal, the raw challenger is
// 2.25 plain SE worse. After 1 h of a 24 h minimum.
const THETA = RHO * Math.sqrt(0.05 * 0.95)
const e = canary(withCovariate(N_B, 0.05 + THETA * DX, DX), withCovariate(N_A, 0.05), 1)

const conversionEta = (c: GateConfig) =>
  stageEta(e, c, evaluateGates(e, c, []), { looks: [] })!.gates.find((g) => g.metric === 'conversion')!

describe('ETA of a CUPED gate with a chance imbalance of the covariate', () => {
  it('is a chance imbalance now, and a shown one once scaled by 4', () => {
    const x = (ev: typeof e) => covariateImbalance(ev.champion.outcomes.conversion!, ev.challenger.outcomes.conversion!)
    expect(x(e)).toBeNull()
    expect(x(scaleEvidence(e, 4))).toMatch(/CUPED off/)
    // Balanced for the projections: no imbalance at any scale, and the adjusted estimates kept.
    const balanced = balanceCovariates(e, config(true))
    expect(x(scaleEvidence(balanced, 100))).toBeNull()
    const now = evaluateGates(e, config(true)).metrics.find((m) => m.metric === 'conversion')!
    const projected = evaluateGates(balanced, config(true)).metrics.find((m) => m.metric === 'conversion')!
    expect(projected.challenger.estimate).toBeCloseTo(now.challenger.estimate!, 12)
    expect(projected.champion.estimate).toBeCloseTo(now.champion.estimate!, 12)
    // A gate without a covariate is left alone.
    expect(balanceCovariates(e, config(false))).toEqual(e)
  })

  it('forecasts the adjusted test: the CUPED gate PASSes at the look, before the plain one', () => {
    const cuped = conversionEta(config(true))
    const plain = conversionEta(config(false))
    expect(cuped.expect).toBe('pass')
    expect(Math.abs(cuped.at! - (e.stageStartedAt + 24 * HOUR))).toBeLessThan(60_000)
    expect(plain.expect === 'pass' && plain.at! <= cuped.at!).toBe(false)
  })

  it('keeps CUPED off in the projections when the imbalance shows now', () => {
    // 0.2 apart: z ≈ 12, past the boundary already; the projection keeps the evidence as it is.
    const skewed = canary(withCovariate(N_B, 0.05, 0.2), withCovariate(N_A, 0.05), 1)
    expect(balanceCovariates(skewed, config(true))).toEqual(skewed)
  })
})
