import { describe, expect, it } from 'vitest'
import { type NonInferiorityInput, nonInferiorityTest } from '../../../../src/core/stats/sequential'

// Unit-variance arms of 1000 (M2 = 999, s² = 1): V = 1/1000 + 1/1000 = 0.002 for an absolute margin.
// With τ² = V and α = 0.05 the boundary is sqrt(2V·2V/V · ln(1 + √2/0.1)) = sqrt(0.008 · 2.717503)
// = 0.147444 → "0.1474" (hand arithmetic; docs/statistics.md §4.2).
function input(challengerMean: number, extra: Partial<NonInferiorityInput> = {}): NonInferiorityInput {
  return {
    direction: 'higher_is_better',
    marginKind: 'absolute',
    margin: 0.1,
    failMargin: 0.05,
    champion: { n: 1000, mean: 1, m2: 999 },
    challenger: { n: 1000, mean: challengerMean, m2: 999 },
    alphaPass: 0.05,
    alphaFail: 0.05,
    tau2Pass: 0.002,
    tau2Fail: 0.002,
    minSamplePerArm: 1000,
    ...extra,
  }
}

const num = '-?[0-9.]+(?:e[-+][0-9]+)?'
const arms = (b: number) => `challenger ${b} \\(n = 1000\\) vs champion 1 \\(n = 1000\\)`

describe('nonInferiorityTest: reasons an operator reads', () => {
  it('CONTINUE shows both contrasts against their boundaries; an absolute margin is not a percentage', () => {
    // D̂(m) = 1 − 1 + 0.1 = 0.1 < 0.1474; D̂(m_f) = 0.05 > −0.1474. n = minSamplePerArm is enough.
    const r = nonInferiorityTest(input(1))
    expect(r.decision).toBe('continue')
    expect(r.passBoundary).toBeCloseTo(0.1474443975587302, 12)
    expect(r.reason).toBe(
      'CONTINUE: neither claim shown yet: D̂(m = 0.1) = 0.1 vs 0.1474 at α = 0.05; ' +
        'D̂(m_f = 0.05) = 0.05 vs −0.1474 at α = 0.05; challenger 1 (n = 1000) vs champion 1 (n = 1000).',
    )
  })

  it('PASS names the pass margin', () => {
    // D̂(m) = 1.2 − 1 + 0.1 = 0.3 > 0.1474.
    const r = nonInferiorityTest(input(1.2))
    expect(r.decision).toBe('pass')
    expect(r.reason).toMatch(
      new RegExp(
        `^PASS: challenger shown within the 0\\.1 margin: D̂\\(m = 0\\.1\\) = 0\\.3 vs 0\\.1474 at α = 0\\.05 \\(always-valid p = ${num}\\); ${arms(1.2)}\\.$`,
      ),
    )
  })

  it('FAIL names the fail margin', () => {
    // D̂(m_f) = 0.7 − 1 + 0.05 = −0.25 < −0.1474.
    const r = nonInferiorityTest(input(0.7))
    expect(r.decision).toBe('fail')
    expect(r.reason).toMatch(
      new RegExp(
        `^FAIL: challenger shown worse than the 0\\.05 margin: D̂\\(m_f = 0\\.05\\) = -0\\.25 vs −0\\.1474 at α = 0\\.05 \\(always-valid p = ${num}\\); ${arms(0.7)}\\.$`,
      ),
    )
  })

  it('insufficient data: too few per arm, or no spread to estimate', () => {
    const small = nonInferiorityTest(input(1, { challenger: { n: 999, mean: 1, m2: 998 } }))
    expect(small.decision).toBe('insufficient_data')
    expect(small.reason).toBe(
      'Insufficient data: challenger 1 (n = 999) vs champion 1 (n = 1000); need n ≥ 1000 per arm.',
    )
    const smallChampion = nonInferiorityTest(input(1, { champion: { n: 999, mean: 1, m2: 998 } }))
    expect(smallChampion.decision).toBe('insufficient_data')
    const flat = nonInferiorityTest(
      input(1, { champion: { n: 1000, mean: 1, m2: 0 }, challenger: { n: 1000, mean: 1, m2: 0 } }),
    )
    expect(flat.decision).toBe('insufficient_data')
    expect(flat.reason).toBe(
      'Insufficient data: the contrast variance is 0, so the normal approximation is unusable ' +
        '(challenger 1 (n = 1000) vs champion 1 (n = 1000)).',
    )
  })

  it('says which input is out of range', () => {
    expect(() => nonInferiorityTest(input(1, { failMargin: -0.1 }))).toThrow('failMargin must be a finite number ≥ 0')
    expect(() => nonInferiorityTest(input(1, { margin: Number.NaN }))).toThrow('margin must be a finite number ≥ 0')
    expect(() => nonInferiorityTest(input(1, { failMargin: 0.2 }))).toThrow('failMargin must be ≤ margin')
    expect(() => nonInferiorityTest(input(1, { tau2Fail: 0 }))).toThrow('tau2 must be > 0')
    expect(() => nonInferiorityTest(input(1, { tau2Pass: Number.NaN }))).toThrow('tau2 must be > 0')
  })
})
