import { describe, expect, it } from 'vitest'
import { expectClose } from '../../../support/expect-close'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import type { GateConfig, MetricVerdict, StageEvidence } from '../../../../src/core/gates/types'
import { eventShareAtMargin } from '../../../../src/core/stats/event-split'
import vectors from '../../../vectors/gates/evaluate-v1.json'

type Expected = { decision: string; metrics: MetricVerdict[] }
type Case = { name: string; evidence: StageEvidence; config: GateConfig; expected: Expected }
const cases = vectors.cases as unknown as Case[]

const TOL = 1e-9

describe('gate vectors v1', () => {
  it('has the expected spec version and cases', () => {
    expect(vectors.specVersion).toBe('1')
    expect(cases.length).toBeGreaterThanOrEqual(15)
  })

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const v = evaluateGates(c.evidence, c.config)
    expectClose(v, c.expected, TOL)
    // Independent re-derivations, so that regenerating the file cannot hide a rule change.
    const k = v.metrics.length
    for (const m of v.metrics) expect(m.alpha).toBeCloseTo(c.config.alphaFail / k, 15)
    for (const m of v.metrics) {
      const a = m.champion.estimate
      const b = m.challenger.estimate
      if (m.test === 'event_split' && m.contrast !== null) {
        const events = (x: { n: number; estimate: number | null }) => Math.round(x.n * (x.estimate ?? 0))
        const eA = events(m.champion)
        const eB = events(m.challenger)
        expect(m.contrast).toBeCloseTo(eB / (eA + eB), 12)
        const lambda = m.challenger.n / (m.champion.n + m.challenger.n)
        const err = c.config.errorRate
        const margins = err ? [err.margin, err.failMargin ?? err.margin] : []
        const shares = margins.map((x) => eventShareAtMargin(lambda, x))
        expect(shares.some((q) => Math.abs(q - (m.boundary as number)) < 1e-12)).toBe(true)
        // Larger event share is worse: PASS below the boundary, FAIL above it.
        if (m.decision === 'pass') expect(m.contrast).toBeLessThan(m.boundary as number)
        if (m.decision === 'fail') expect(m.contrast).toBeGreaterThan(m.boundary as number)
        continue
      }
      if (m.test === 'ni_proportion' && m.contrast !== null && a !== null && b !== null && m.decision !== 'fail') {
        expect(m.contrast).toBeCloseTo(b - (1 - m.margin) * a, 12)
      }
      if (m.decision === 'pass') expect(m.contrast as number).toBeGreaterThan(m.boundary as number)
      if (m.decision === 'fail') expect(m.contrast as number).toBeLessThan(m.boundary as number)
    }
  })
})
