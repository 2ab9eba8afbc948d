import { describe, expect, it } from 'vitest'
import {
  bandPath,
  chartGeometry,
  isolatedPoints,
  linePath,
  linearScale,
  niceDomain,
  niceStep,
  niceTicks,
  runs,
  timeTicks,
  type ChartSpec,
} from '../../../src/ui/chart'

const T0 = Date.UTC(2026, 10, 26, 10, 0)
const MIN = 60_000

describe('linearScale', () => {
  it('maps the domain onto the range, inverted ranges included (SVG y grows downwards)', () => {
    expect(linearScale([0, 10], [0, 100])(2.5)).toBe(25)
    expect(linearScale([0, 1], [200, 0])(0.25)).toBe(150)
    expect(linearScale([0, 10], [0, 100]).domain).toEqual([0, 10])
  })

  it('maps a degenerate domain to the middle of the range instead of NaN', () => {
    expect(linearScale([5, 5], [0, 100])(5)).toBe(50)
  })
})

describe('nice steps and ticks', () => {
  it.each([
    [97, 4, 20],
    [1, 4, 0.2],
    [0.13, 4, 0.05],
    [1000, 5, 200],
    [7, 7, 1],
    [0, 4, 1],
  ])('niceStep(%d, %d) = %d', (span, count, step) => {
    expect(niceStep(span, count)).toBe(step)
  })

  it('puts ticks on multiples of the step without floating-point noise', () => {
    expect(niceTicks(0, 0.25, 4)).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25])
    expect(niceTicks(0, 100, 4)).toEqual([0, 20, 40, 60, 80, 100])
    expect(niceTicks(0.1, 0.7, 3)).toEqual([0.2, 0.4, 0.6])
    expect(niceTicks(3, 3)).toEqual([3])
    expect(niceTicks(Number.NaN, 1)).toEqual([])
  })

  it('extends a domain to nice boundaries, keeps zero for counts and caps rates at 1', () => {
    expect(niceDomain([0.02, 0.13], { zero: true })).toEqual([0, 0.15])
    expect(niceDomain([12, 97])).toEqual([0, 100])
    expect(niceDomain([0.4, 0.98], { zero: true, cap: 1 })).toEqual([0, 1])
    expect(niceDomain([null, undefined, Number.NaN])).toEqual([0, 1])
    expect(niceDomain([], { zero: true, cap: 1 })).toEqual([0, 1])
  })

  it('keeps a minimum span, so an all-zero rate reads 0–1% rather than 0–100%', () => {
    expect(niceDomain([0, 0, 0], { zero: true, cap: 1, minSpan: 0.01 })).toEqual([0, 0.01])
    expect(niceDomain([0.5, 0.5], { minSpan: 0.1 })).toEqual([0.44, 0.56]) // 0.45–0.55, then to the 0.02 grid
    expect(niceDomain([0, 0.3], { zero: true, minSpan: 0.01 })).toEqual([0, 0.3])
  })

  it('gives a constant series some room around its value', () => {
    const [lo, hi] = niceDomain([42, 42])
    expect(lo).toBeLessThan(42)
    expect(hi).toBeGreaterThan(42)
    expect(niceDomain([0, 0], { zero: true })).toEqual([0, 1])
  })

  it('places time ticks on round UTC boundaries', () => {
    expect(timeTicks(T0, T0 + 60 * MIN, 6).map((t) => new Date(t).toISOString().slice(11, 16))).toEqual([
      '10:00',
      '10:15',
      '10:30',
      '10:45',
      '11:00',
    ])
    expect(timeTicks(T0 + 7 * MIN, T0 + 22 * MIN, 6).map((t) => new Date(t).toISOString().slice(11, 16))).toEqual([
      '10:10',
      '10:15',
      '10:20',
    ])
    expect(timeTicks(T0, T0 + 7 * 86_400_000, 6)).toHaveLength(4) // every 2 days
    expect(timeTicks(T0, T0)).toEqual([T0])
  })
})

describe('paths', () => {
  it('finds runs of known values', () => {
    expect(runs([1, 2, null, 3, null, null, 4, 5])).toEqual([
      [0, 1],
      [3, 3],
      [6, 7],
    ])
    expect(runs([null, null])).toEqual([])
  })

  it('breaks a line at gaps and reports the lone points', () => {
    const pts = [{ x: 0, y: 10 }, { x: 5, y: 0 }, null, { x: 15, y: 2 }, null, { x: 25.04, y: 3.96 }, { x: 30, y: 1 }]
    expect(linePath(pts)).toBe('M0,10L5,0M15,2M25,4L30,1')
    expect(isolatedPoints(pts)).toEqual([{ x: 15, y: 2 }])
    expect(linePath([])).toBe('')
  })

  it('closes a band upper-forwards then lower-backwards, and widens a lone interval into a bar', () => {
    expect(
      bandPath(
        [
          { x: 0, y: 1 },
          { x: 10, y: 2 },
        ],
        [
          { x: 0, y: 5 },
          { x: 10, y: 6 },
        ],
      ),
    ).toBe('M0,1L10,2L10,6L0,5Z')
    expect(bandPath([{ x: 10, y: 1 }], [{ x: 10, y: 5 }], 2)).toBe('M8,1L12,1L12,5L8,5Z')
    expect(bandPath([{ x: 0, y: 1 }, null], [null, { x: 10, y: 6 }])).toBe('')
  })
})

describe('chartGeometry', () => {
  const spec = (series: ChartSpec['series']): ChartSpec => ({
    width: 400,
    height: 200,
    margin: { top: 10, right: 10, bottom: 20, left: 40 },
    from: T0,
    to: T0 + 4 * MIN,
    series,
    y: { zero: true, format: (v) => `${v}` },
    x: { format: (t) => new Date(t).toISOString().slice(11, 16) },
  })

  it('lays out every arm inside the plot box with labelled ticks', () => {
    const g = chartGeometry(
      spec([
        {
          key: 'v1|champion',
          label: 'v1 · champion',
          values: [0, 1, 2, 3].map((i) => ({ t: T0 + i * MIN, y: 10 * (i + 1) })),
        },
        {
          key: 'v2|challenger',
          label: 'v2 · challenger',
          values: [0, 1, 2, 3].map((i) => ({ t: T0 + i * MIN, y: i === 2 ? null : 5 })),
        },
      ]),
    )
    expect(g.plot).toEqual({ left: 40, top: 10, right: 390, bottom: 180 })
    expect(g.yDomain).toEqual([0, 40])
    expect(g.yTicks.map((t) => t.label)).toEqual(['0', '10', '20', '30', '40'])
    expect(g.yTicks[0]?.pos).toBe(180)
    expect(g.yTicks.at(-1)?.pos).toBe(10)
    expect(g.xTicks.map((t) => t.label)).toEqual(['10:00', '10:01', '10:02', '10:03', '10:04'])
    const [a, b] = g.series
    expect(a?.path.match(/[ML]/g)).toHaveLength(4)
    expect(a?.path.startsWith('M40,137.5')).toBe(true)
    expect(a?.last).toBe(40)
    expect(b?.path).toBe('M40,158.8L127.5,158.8M302.5,158.8')
    expect(b?.dots).toEqual([{ x: 302.5, y: 158.75 }])
    expect(b?.count).toBe(3)
    expect(g.empty).toBe(false)
    for (const s of g.series) {
      for (const [, x, y] of s.path.matchAll(/[ML]([\d.]+),([\d.]+)/g)) {
        expect(Number(x)).toBeGreaterThanOrEqual(g.plot.left)
        expect(Number(x)).toBeLessThanOrEqual(g.plot.right)
        expect(Number(y)).toBeGreaterThanOrEqual(g.plot.top)
        expect(Number(y)).toBeLessThanOrEqual(g.plot.bottom)
      }
    }
  })

  it('includes the confidence band in the y-domain and draws it', () => {
    const g = chartGeometry(
      spec([
        {
          key: 'v1|champion',
          label: 'v1',
          values: [
            { t: T0, y: 0.5, lo: 0.3, hi: 0.9 },
            { t: T0 + MIN, y: 0.6, lo: 0.5, hi: 0.7 },
          ],
        },
      ]),
    )
    expect(g.yDomain[1]).toBeGreaterThanOrEqual(0.9)
    expect(g.series[0]?.band).toMatch(/^M.*Z$/)
    expect(g.series[0]?.band.match(/[ML]/g)).toHaveLength(4)
  })

  it('reports an empty chart when no series has data', () => {
    const g = chartGeometry(spec([{ key: 'k', label: 'k', values: [{ t: T0, y: null }] }]))
    expect(g.empty).toBe(true)
    expect(g.series[0]?.path).toBe('')
    expect(g.series[0]?.band).toBe('')
    expect(g.series[0]?.last).toBeNull()
  })
})
