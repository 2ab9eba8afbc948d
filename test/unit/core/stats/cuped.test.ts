import { describe, expect, it } from 'vitest'
import { expectClose } from '../../../support/expect-close'
import { addPair, cupedAdjust, momentsWithCovariate } from '../../../../src/core/stats/cuped'
import { type Moments, addValue, emptyMoments, mergeMoments } from '../../../../src/core/stats/moments'

// Hand-derived data set (docs/statistics.md §5.8):
//   champion   y = 1 0 1 1, x = 2 0 1 3 → n 4, ȳ 3/4, M2_y 3/4, x̄ 3/2, M2_x 5, c = Σxy − ΣxΣy/n = 6 − 9/2 = 3/2
//   challenger y = 0 1 0,   x = 1 2 0   → n 3, ȳ 1/3, M2_y 2/3, x̄ 1,   M2_x 2, c = 2 − 1 = 1
//   θ = (3/2 + 1)/(5 + 2) = 5/14, x̄_pooled = (6 + 3)/7 = 9/7
//   champion:   mean 3/4 − (5/14)(3/14) = 3/4 − 15/196, M2 = 3/4 − 2(5/14)(3/2) + (25/196)·5 = 62/196
//   challenger: mean 1/3 + (5/14)(2/7) = 1/3 + 5/49,   M2 = 2/3 − 2(5/14) + (25/196)·2 = 61/294
//   ρ = (5/2)/√(7 · (3/4 + 2/3)) = (5/2)/√(119/12)
const CHAMPION = { y: [1, 0, 1, 1], x: [2, 0, 1, 3] }
const CHALLENGER = { y: [0, 1, 0], x: [1, 2, 0] }

function pairs(d: { y: number[]; x: number[] }): Moments {
  return d.y.reduce<Moments>((m, y, i) => addPair(m, y, d.x[i]!), emptyMoments())
}

function sums(d: { y: number[]; x: number[] }): Moments {
  const s = (f: (i: number) => number): number => d.y.reduce((acc, _, i) => acc + f(i), 0)
  return momentsWithCovariate(
    d.y.length,
    s((i) => d.y[i]!),
    s((i) => d.y[i]! ** 2),
    s((i) => d.x[i]!),
    s((i) => d.x[i]! ** 2),
    s((i) => d.x[i]! * d.y[i]!),
  )
}

describe('moments with a covariate', () => {
  it('computes the hand-derived covariate moments from sums and from pairs alike', () => {
    const expected = { n: 4, mean: 0.75, m2: 0.75, x: { mean: 1.5, m2: 5, c: 1.5 } }
    expectClose(sums(CHAMPION), expected, 1e-14)
    expectClose(pairs(CHAMPION), expected, 1e-14)
    expectClose(sums(CHALLENGER), { n: 3, mean: 1 / 3, m2: 2 / 3, x: { mean: 1, m2: 2, c: 1 } }, 1e-14)
  })

  it('merges x, M2_x and the co-moment exactly and associatively', () => {
    const ys = [3, -1, 4, 1, -5, 9, 2, 6, -5]
    const xs = [2, 7, -1, 8, 2, 8, -1, 8, 3]
    const part = (lo: number, hi: number) => pairs({ y: ys.slice(lo, hi), x: xs.slice(lo, hi) })
    const whole = part(0, 9)
    const [a, b, c] = [part(0, 2), part(2, 6), part(6, 9)]
    for (const merged of [
      mergeMoments(mergeMoments(a, b), c),
      mergeMoments(a, mergeMoments(b, c)),
      mergeMoments(c, mergeMoments(a, b)),
    ]) {
      expectClose(merged, whole, 1e-12)
    }
    // The co-moment itself, by definition Σ(x − x̄)(y − ȳ), independently of the code under test.
    const yBar = ys.reduce((s, v) => s + v, 0) / 9
    const xBar = xs.reduce((s, v) => s + v, 0) / 9
    const c2 = ys.reduce((s, y, i) => s + (xs[i]! - xBar) * (y - yBar), 0)
    expect(mergeMoments(a, mergeMoments(b, c)).x!.c).toBeCloseTo(c2, 10)
  })

  it('drops the covariate when only one side carries it, and keeps it across an empty side', () => {
    const withX = pairs(CHAMPION)
    const withoutX = CHALLENGER.y.reduce(addValue, emptyMoments())
    expect(mergeMoments(withX, withoutX).x).toBeUndefined()
    expect(mergeMoments(withoutX, withX).x).toBeUndefined()
    expect(mergeMoments(withX, emptyMoments())).toEqual(withX)
    expect(mergeMoments(emptyMoments(), withX)).toEqual(withX)
    expect(addValue(withX, 1).x).toBeUndefined()
  })
})

describe('cupedAdjust', () => {
  it('adjusts the hand-derived data set with the pooled θ', () => {
    const r = cupedAdjust(sums(CHAMPION), sums(CHALLENGER))
    expect(r).not.toBeNull()
    expectClose(
      r,
      {
        theta: 5 / 14,
        rho: 2.5 / Math.sqrt(119 / 12),
        champion: { n: 4, mean: 0.75 - 15 / 196, m2: 62 / 196 },
        challenger: { n: 3, mean: 1 / 3 + 5 / 49, m2: 61 / 294 },
      },
      1e-12,
    )
    expect(r!.champion.x).toBeUndefined()
    expect(r!.challenger.x).toBeUndefined()
  })

  it('gives M2 equal to the residual sum of squares of y − θx in each arm', () => {
    const r = cupedAdjust(pairs(CHAMPION), pairs(CHALLENGER))!
    for (const [d, adj] of [
      [CHAMPION, r.champion],
      [CHALLENGER, r.challenger],
    ] as const) {
      const res = d.y.map((y, i) => y - r.theta * d.x[i]!)
      const mean = res.reduce((s, v) => s + v, 0) / res.length
      expect(adj.m2).toBeCloseTo(
        res.reduce((s, v) => s + (v - mean) ** 2, 0),
        12,
      )
    }
  })

  it('keeps the contrast unchanged when both arms have the same covariate mean', () => {
    const champion = momentsWithCovariate(100, 30, 30, 50, 80, 20)
    const challenger = momentsWithCovariate(50, 14, 14, 25, 35, 11)
    const r = cupedAdjust(champion, challenger)!
    expect(r.challenger.mean - r.champion.mean).toBeCloseTo(challenger.mean - champion.mean, 14)
    expect(r.champion.m2).toBeLessThan(champion.m2)
  })

  it('returns null without a covariate on both arms or without covariate spread', () => {
    const plain = CHALLENGER.y.reduce(addValue, emptyMoments())
    expect(cupedAdjust(sums(CHAMPION), plain)).toBeNull()
    expect(cupedAdjust(plain, sums(CHAMPION))).toBeNull()
    const flat = (y: number[]) => pairs({ y, x: y.map(() => 7) })
    expect(cupedAdjust(flat([1, 0, 1]), flat([0, 0, 1]))).toBeNull()
    expect(cupedAdjust(emptyMoments(), emptyMoments())).toBeNull()
  })
})
