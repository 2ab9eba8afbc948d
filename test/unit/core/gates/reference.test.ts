/**
 * Checks of the gate reference (test/reference/gates.ts) that do not go through it: the two
 * special functions it imports from src, against values computed another way, and a few of the
 * vectors' numbers derived by hand from docs/statistics.md.
 */
import { describe, expect, it } from 'vitest'
import { lgamma, logNormalCdf } from '../../../../src/core/stats/special'
import type { RefVerdict } from '../../../reference/gates'
import vectors from '../../../vectors/gates/evaluate.json'

const cases = vectors.cases as unknown as { name: string; expected: RefVerdict }[]
const expected = (name: string) => {
  const c = cases.find((x) => x.name === name)
  if (!c) throw new Error(`no vector ${name}`)
  return c.expected
}
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)

describe('the special functions the reference imports', () => {
  it('lgamma is ln((n−1)!) at integers, ln √π at 1/2, and Stirling far out', () => {
    expect([lgamma(1), lgamma(2)]).toEqual([0, 0])
    let logFactorial = 0
    for (let n = 3; n <= 170; n++) {
      logFactorial += Math.log(n - 1)
      expect(rel(lgamma(n), logFactorial), `n = ${n}`).toBeLessThan(1e-13)
    }
    expect(rel(lgamma(0.5), 0.5 * Math.log(Math.PI))).toBeLessThan(1e-14)
    // Γ(x + 1/2) = (2n)!·√π/(4ⁿ·n!) at n = 10.
    let ln20 = 0
    for (let k = 2; k <= 20; k++) ln20 += Math.log(k)
    let ln10 = 0
    for (let k = 2; k <= 10; k++) ln10 += Math.log(k)
    expect(rel(lgamma(10.5), ln20 + 0.5 * Math.log(Math.PI) - 10 * Math.log(4) - ln10)).toBeLessThan(1e-13)
    for (const x of [1e4 + 0.3, 6e5, 5.4e6 + 10_000 * 0.9]) {
      const stirling = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3)
      expect(rel(lgamma(x), stirling), `x = ${x}`).toBeLessThan(1e-14)
    }
  })

  it('logNormalCdf matches tabulated Φ and the Mills-ratio series in the far tail', () => {
    expect(logNormalCdf(0)).toBeCloseTo(Math.log(0.5), 14)
    expect(rel(Math.exp(logNormalCdf(-1.959963984540054)), 0.025)).toBeLessThan(1e-12)
    expect(rel(Math.exp(logNormalCdf(1.6448536269514722)), 0.95)).toBeLessThan(1e-12)
    expect(rel(Math.exp(logNormalCdf(-1)), 0.15865525393145707)).toBeLessThan(1e-12)
    for (const z of [-20, -40]) {
      const u = 1 / (z * z)
      const series =
        -0.5 * z * z - Math.log(-z) - 0.5 * Math.log(2 * Math.PI) + Math.log(1 - u + 3 * u * u - 15 * u ** 3)
      expect(rel(logNormalCdf(z), series), `z = ${z}`).toBeLessThan(1e-9)
    }
  })
})

describe('vector numbers derived by hand (docs/statistics.md)', () => {
  it('splits α_fail over K = 3 canary tests and K = 4 with shadow evidence (§2.4)', () => {
    for (const m of expected('fail: errors 1.9% vs 0.5%').metrics) expect(m.alpha).toBe(0.05 / 3)
    for (const m of expected('continue: four tests with shadow evidence').metrics) expect(m.alpha).toBe(0.05 / 4)
  })

  it('puts the error boundary at q_m = λ(1+m)/(λ(1+m)+1−λ) = 0.125/1.025 for λ = 0.1, m = 0.25 (§6.2)', () => {
    const err = expected('fail: errors 1.9% vs 0.5%').metrics.find((m) => m.metric === 'error_rate')!
    // 60,000 challenger exposures of 600,000: λ = 0.1; 1,140 vs 2,700 events: q̂ = 1140/3840.
    expect(err.boundary).toBeCloseTo(0.125 / 1.025, 15)
    expect(err.contrast).toBeCloseTo(1140 / 3840, 15)
    expect(err.decision).toBe('fail')
  })

  it('reports the NI proportion contrast D̂(m) = ȳ_B − (1−m)·ȳ_A on the PASS side (§5.1)', () => {
    const conv = expected('continue: 2 h in, nothing shown').metrics.find((m) => m.metric === 'conversion')!
    // 5% in both arms, m = 2%: D̂ = 0.05 − 0.98·0.05 = 0.001.
    expect(conv.contrast).toBeCloseTo(0.001, 15)
  })

  it('reports SRM on the observed share 58,000/598,000 and HALTs without a failing metric (§9.2)', () => {
    const v = expected('halt: SRM 9.7% vs 10%')
    expect(v.srm.observedShare).toBeCloseTo(58 / 598, 15)
    expect(v.srm.alarm).toBe(true)
    expect(v.decision).toBe('HALT')
    expect(expected('fail: SRM alarm with failing errors is FAIL, not HALT').decision).toBe('FAIL')
  })

  it('tests the no-exceedance latency against 1% with contrast 0.01 − x/n (§7.4)', () => {
    const lat = expected('edge: no-exceedance latency FAIL boundary (x slow of 60,000) at 678').metrics.find(
      (m) => m.metric === 'latency',
    )!
    expect(lat.margin).toBe(0.01)
    expect(lat.champion.estimate).toBe(0)
    // The denominator is the answered requests: 60,000 exposures less 300 errors (§7.1, §10.1).
    expect(lat.challenger.n).toBe(59_700)
    expect(lat.contrast).toBeCloseTo(0.01 - 678 / 59_700, 15)
  })

  it('takes the PASS look at 24 h on D̂(m)/√V̂ against z_{1−3·0.025/4} = 2.0803 (§5.7)', () => {
    const v = expected('pass look: at the minimum duration, A/A PASSes by the look')
    const look = v.looks!.find((l) => l.side === 'pass')!
    // 5% in both arms, 300,000 vs 2,700,000: v = p(1−p)/(n−1) per arm (§5.2), k = 1 − m = 0.98.
    const V = 0.0475 / 299_999 + (0.98 * 0.98 * 0.0475) / 2_699_999
    expect(look.contrast).toBeCloseTo(0.001, 15)
    expect(rel(look.z, 0.001 / Math.sqrt(V))).toBeLessThan(1e-12)
    expect(look.boundary).toBeCloseTo(2.0802785, 6)
    expect([look.decision, v.metrics[0]!.decision, v.decision]).toEqual(['pass', 'pass', 'PASS'])
    expect(
      expected('pass look: no looks input (old caller), the same A/A is the mixture at α_pass and CONTINUEs').decision,
    ).toBe('CONTINUE')
  })

  it('takes the SRM look at N_plan = ⌈((2.9677 + 0.3853)/(0.03·√(1/9)))²⌉ = 112,431 exposures (§9.4)', () => {
    // z_{1−3·0.004/8} = z_{0.9985} = 2.9677379, z_{0.65} = 0.3853205; s·√(λ/(1−λ)) = 0.03/3.
    const nPlan = ((2.9677379 + 0.3853205) / 0.01) ** 2
    expect(Math.ceil(nPlan)).toBe(112_431)
    const at = expected('edge: SRM look taken at N_plan (x exposures, 10% challenger) at 112431').looks!
    expect(at.map((l) => [l.metric, l.side, l.vPlan])).toEqual([['srm', 'srm', 112_431]])
    expect(at[0]!.boundary).toBeCloseTo(2.9677379, 6)
    expect(expected('edge: SRM look taken at N_plan (x exposures, 10% challenger) at 112430').looks).toEqual([])
    // 11,640 of 120,000 at λ = 0.1: z = (11,640 − 12,000)/√(120,000·0.09) = −3.464.
    const alarm = expected('srm look: at N_plan (120,000), a −3% share alarms: HALT')
    expect(alarm.looks![0]!.z).toBeCloseTo(-360 / Math.sqrt(10_800), 12)
    expect([alarm.srm.alarm, alarm.decision]).toEqual([true, 'HALT'])
  })
})
