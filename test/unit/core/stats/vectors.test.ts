import { describe, expect, it } from 'vitest'
import { expectClose } from '../../../support/expect-close'
import { type EventSplitInput, eventSplitTest } from '../../../../src/core/stats/event-split'
import type { Moments } from '../../../../src/core/stats/moments'
import { type RateTestInput, oneSampleRateTest } from '../../../../src/core/stats/rate-test'
import {
  type NonInferiorityInput,
  alwaysValidPValue,
  cAlpha,
  mixtureBoundary,
  niContrast,
  nonInferiorityTest,
} from '../../../../src/core/stats/sequential'
import { type SrmInput, chiSquareSrm, sequentialSrm } from '../../../../src/core/stats/srm'
import vectors from '../../../vectors/stats/sequential-v1.json'
import { growthBookHalfWidth, quadratureBetaMixtureLogBf, quadratureHalfNormalPValue } from './helpers/reference'

type Case = { name: string; fn: string; input: unknown; expected: unknown }
const cases = vectors.cases as Case[]

const TOL = 1e-12

function run(fn: string, input: unknown): unknown {
  switch (fn) {
    case 'cAlpha':
      return cAlpha((input as { alpha: number }).alpha)
    case 'mixtureBoundary': {
      const i = input as { V: number; tau2: number; alpha: number }
      return mixtureBoundary(i.V, i.tau2, i.alpha)
    }
    case 'alwaysValidPValue': {
      const i = input as { d: number; V: number; tau2: number }
      return alwaysValidPValue(i.d, i.V, i.tau2)
    }
    case 'niContrast':
      return niContrast(input as NonInferiorityInput)
    case 'nonInferiorityTest':
      return nonInferiorityTest(input as NonInferiorityInput)
    case 'eventSplitTest':
      return eventSplitTest(input as EventSplitInput)
    case 'sequentialSrm':
      return sequentialSrm(input as SrmInput)
    case 'chiSquareSrm': {
      const i = input as SrmInput
      return chiSquareSrm(i.counts, i.expectedShares)
    }
    case 'oneSampleRateTest':
      return oneSampleRateTest(input as RateTestInput)
    default:
      throw new Error(`unknown vector fn ${fn}`)
  }
}

describe('sequential-v1 vectors: the implementation reproduces them', () => {
  it('has a spec version and cases for every function', () => {
    expect(vectors.specVersion).toBe('1')
    const fns = new Set(cases.map((c) => c.fn))
    // Every function the run() switch below dispatches, and only those.
    expect([...fns].sort()).toEqual(
      [
        'alwaysValidPValue',
        'cAlpha',
        'chiSquareSrm',
        'eventSplitTest',
        'mixtureBoundary',
        'niContrast',
        'nonInferiorityTest',
        'oneSampleRateTest',
        'sequentialSrm',
      ].sort(),
    )
  })

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expectClose(run(c.fn, c.input), c.expected, TOL)
  })
})

// Independent re-derivations of the expected values: hand formulas, GrowthBook's
// parameterisation, quadrature and the Pólya-urn product, never the code under test. They check the
// stored numbers, not the code, so the mutation run (MUTATE=1, scripts/mutate/vitest.config.ts)
// skips them: there the block above, code against stored numbers, does the killing.

function meanVariance(m: Moments): number {
  return m.m2 / (m.n - 1) / m.n
}

function handContrast(i: NonInferiorityInput, margin: number): { d: number; v: number } {
  const rel = i.marginKind === 'relative'
  const k = rel ? (i.direction === 'higher_is_better' ? 1 - margin : 1 + margin) : 1
  const off = rel ? 0 : margin
  const a = i.champion.mean
  const b = i.challenger.mean
  const d = i.direction === 'higher_is_better' ? b - k * a + off : k * a - b + off
  return { d, v: meanVariance(i.challenger) + k * k * meanVariance(i.champion) }
}

function expectPValue(actual: number, d: number, V: number, tau2: number): void {
  const ref = quadratureHalfNormalPValue(d, V, tau2)
  if (ref < 1e-12) expect(actual).toBeLessThan(1e-11)
  else expect(Math.abs(actual - ref) / ref).toBeLessThan(1e-6)
}

/** Dirichlet-multinomial log BF as a product of Pólya-urn predictive probabilities (no lgamma). */
function polyaLogBf(counts: number[], shares: number[], k: number): number {
  const total = shares.reduce((s, p) => s + p, 0)
  const p = shares.map((x) => x / total)
  let logBf = 0
  let n = 0
  counts.forEach((c, i) => {
    const a = k * (p[i] as number)
    for (let j = 0; j < c; j++) logBf += Math.log(a + j)
    logBf -= c * Math.log(p[i] as number)
    n += c
  })
  for (let t = 0; t < n; t++) logBf -= Math.log(k + t)
  return logBf
}

describe.skipIf(process.env.MUTATE === '1')(
  'sequential-v1 vectors: independent cross-checks of the expected values',
  () => {
    const byFn = (fn: string) => cases.filter((c) => c.fn === fn).map((c) => [c.name, c] as const)

    it.each(byFn('cAlpha'))('%s', (_n, c) => {
      const { alpha } = c.input as { alpha: number }
      const l = -2 * Math.log(2 * alpha)
      expect(c.expected as number).toBeCloseTo(l + Math.log(1 + l), 12)
    })

    it.each(byFn('mixtureBoundary'))('%s', (_n, c) => {
      const i = c.input as { V: number; tau2: number; alpha: number }
      expect(Math.abs((c.expected as number) / growthBookHalfWidth(i.V, i.tau2, i.alpha) - 1)).toBeLessThan(1e-12)
    })

    it.each(byFn('alwaysValidPValue'))('%s', (_n, c) => {
      const i = c.input as { d: number; V: number; tau2: number }
      expectPValue(c.expected as number, i.d, i.V, i.tau2)
    })

    it.each(byFn('niContrast'))('%s', (_n, c) => {
      const i = c.input as NonInferiorityInput
      const e = c.expected as { estimate: number; variance: number }
      const h = handContrast(i, i.margin)
      expect(e.estimate).toBeCloseTo(h.d, 15)
      expect(Math.abs(e.variance / h.v - 1)).toBeLessThan(1e-12)
    })

    it.each(byFn('nonInferiorityTest'))('%s', (_n, c) => {
      const i = c.input as NonInferiorityInput
      const e = c.expected as Record<string, number | string>
      const pass = handContrast(i, i.margin)
      const fail = handContrast(i, i.failMargin)
      const bPass = growthBookHalfWidth(pass.v, i.tau2Pass, i.alphaPass)
      const bFail = growthBookHalfWidth(fail.v, i.tau2Fail, i.alphaFail)
      expect(e.passContrast as number).toBeCloseTo(pass.d, 15)
      expect(Math.abs((e.passBoundary as number) / bPass - 1)).toBeLessThan(1e-12)
      expect(Math.abs((e.failBoundary as number) / bFail - 1)).toBeLessThan(1e-12)
      expectPValue(e.pValuePass as number, pass.d, pass.v, i.tau2Pass)
      expectPValue(e.pValueFail as number, -fail.d, fail.v, i.tau2Fail)
      const small = Math.min(i.champion.n, i.challenger.n) < i.minSamplePerArm
      const want = small ? 'insufficient_data' : fail.d < -bFail ? 'fail' : pass.d > bPass ? 'pass' : 'continue'
      expect(e.decision).toBe(want)
    })

    it.each(byFn('eventSplitTest'))('%s', (_n, c) => {
      const i = c.input as EventSplitInput
      const e = c.expected as Record<string, number | string | null>
      const lambda = i.challengerShare
      const qAt = (m: number) => (lambda * (1 + m)) / (lambda * (1 + m) + 1 - lambda)
      const s = i.priorSd ?? 0.3
      const k = 1 / (lambda * (1 - lambda) * s * s)
      const eA = i.championEvents
      const eB = i.challengerEvents
      const lbfPass = quadratureBetaMixtureLogBf(eB, eA, qAt(i.margin), k)
      const lbfFail = quadratureBetaMixtureLogBf(eB, eA, qAt(i.failMargin), k)
      expect(Math.abs((e.logBfPass as number) - lbfPass)).toBeLessThan(1e-6)
      expect(Math.abs((e.logBfFail as number) - lbfFail)).toBeLessThan(1e-6)
      const qHat = eA + eB > 0 ? eB / (eA + eB) : null
      expect(e.qHat).toBe(qHat)
      const want =
        qHat !== null && qHat > qAt(i.failMargin) && lbfFail >= Math.log(1 / i.alphaFail)
          ? 'fail'
          : qHat !== null && qHat < qAt(i.margin) && lbfPass >= Math.log(1 / i.alphaPass)
            ? 'pass'
            : 'continue'
      expect(e.decision).toBe(want)
    })

    it.each(byFn('sequentialSrm'))('%s', (_n, c) => {
      const i = c.input as SrmInput
      const e = c.expected as { logBayesFactor: number; alarm: boolean }
      const ref = polyaLogBf(i.counts, i.expectedShares, i.concentration ?? 10_000)
      expect(Math.abs(e.logBayesFactor - ref)).toBeLessThan(1e-6)
      expect(e.alarm).toBe(ref >= Math.log(1 / (i.alpha ?? 0.001)))
    })

    it.each(byFn('chiSquareSrm'))('%s', (_n, c) => {
      const i = c.input as SrmInput
      const e = c.expected as { statistic: number; df: number }
      const n = i.counts.reduce((s, x) => s + x, 0)
      const total = i.expectedShares.reduce((s, x) => s + x, 0)
      const chi2 = i.counts.reduce((s, x, j) => {
        const ex = (n * (i.expectedShares[j] as number)) / total
        return s + (x - ex) ** 2 / ex
      }, 0)
      expect(e.statistic).toBeCloseTo(chi2, 9)
      expect(e.df).toBe(i.counts.length - 1)
    })

    it.each(byFn('oneSampleRateTest'))('%s', (_n, c) => {
      const i = c.input as RateTestInput
      const e = c.expected as Record<string, number | string>
      const r0 = i.maxRate
      const V = (r0 * (1 - r0)) / i.n
      const tau2 = (l: number) => (-2 * Math.log(2 * l) + Math.log(1 - 2 * Math.log(2 * l))) * V * (i.n / 10_000)
      const bPass = growthBookHalfWidth(V, tau2(i.alphaPass), i.alphaPass)
      const bFail = growthBookHalfWidth(V, tau2(i.alphaFail), i.alphaFail)
      expect(Math.abs((e.passBoundary as number) / bPass - 1)).toBeLessThan(1e-12)
      const rate = i.events / i.n
      const want = rate - r0 > bFail ? 'fail' : r0 - rate > bPass ? 'pass' : 'continue'
      expect(e.decision).toBe(want)
    })
  },
)

describe('the vectors test has teeth', () => {
  it('detects a perturbed expected value', () => {
    const c = cases.find((x) => x.fn === 'mixtureBoundary')
    if (!c) throw new Error('no boundary vector')
    expect(() => expectClose(run(c.fn, c.input), (c.expected as number) * (1 + 1e-9), TOL)).toThrow()
  })
})
