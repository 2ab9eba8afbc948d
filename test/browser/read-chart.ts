/**
 * Reading a dashboard chart back into numbers: every vertex of a drawn line (and lone dot, and the
 * dashed tail into the bucket still filling) turned from pixels into (time, value) through the scale
 * the chart states on its <svg data-scale>, so tests compare what is drawn with what the API says.
 */
import type { Page } from 'playwright-core'
import { expect } from 'vitest'

interface Scale {
  from: number
  to: number
  y0: number
  y1: number
  left: number
  right: number
  top: number
  bottom: number
}

/**
 * What a chart draws, read back from its SVG: every vertex of the series' line and every lone dot,
 * turned from pixels into (time, value) with the scale the chart states (data-scale), plus how far
 * a value may be off from the 0.1-px rounding of the coordinates.
 */
export async function drawn(
  page: Page,
  figure: string,
  series: string,
): Promise<{ points: Array<{ t: number; v: number }>; tol: number }> {
  const raw = await page.$eval(
    figure,
    (fig, key) => {
      const g = fig.querySelector(`g.plot[data-series="${key}"]`)
      const dots = [...(g?.querySelectorAll('circle') ?? [])].map((c) => [
        Number(c.getAttribute('cx')),
        Number(c.getAttribute('cy')),
      ])
      const partial = g?.querySelector('path.partial')
      return {
        scale: fig.querySelector('svg')?.getAttribute('data-scale') ?? '{}',
        d: g?.querySelector('path.series')?.getAttribute('d') ?? '',
        partial: partial?.getAttribute('d') ?? '',
        joins: partial?.getAttribute('data-joins') === 'true',
        dots,
      }
    },
    series,
  )
  const s = JSON.parse(raw.scale) as Scale
  const vertices = (d: string) => [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])])
  // The bucket still filling: a dashed segment from the last complete point, or a 4-px dash alone.
  const partial = vertices(raw.partial)
  const tail = raw.joins
    ? partial.slice(1)
    : partial.length === 2
      ? [[(partial[0]![0]! + partial[1]![0]!) / 2, partial[0]![1]!]]
      : partial
  const perPxT = (s.to - s.from) / (s.right - s.left)
  const perPxV = (s.y1 - s.y0) / (s.bottom - s.top)
  const points = [...vertices(raw.d), ...raw.dots, ...tail]
    .map(([x, y]) => ({ t: s.from + (x! - s.left) * perPxT, v: s.y0 + (s.bottom - y!) * perPxV }))
    .sort((a, b) => a.t - b.t)
  return { points, tol: Math.abs(perPxV) * 0.06 + 1e-9 }
}

/** The value at which a decision chart draws its reference line of `kind`, read back from pixels. */
export async function drawnLine(page: Page, figure: string, kind: string): Promise<number> {
  const raw = await page.$eval(
    figure,
    (fig, k) => ({
      scale: fig.querySelector('svg')?.getAttribute('data-scale') ?? '{}',
      y: Number(fig.querySelector(`g.ref[data-line="${k}"] line`)?.getAttribute('y1')),
    }),
    kind,
  )
  const s = JSON.parse(raw.scale) as Scale
  return s.y0 + ((s.bottom - raw.y) * (s.y1 - s.y0)) / (s.bottom - s.top)
}

/** Pairs each expected (t, v) with the drawn point nearest in time; every one must be drawn. */
export function expectDrawn(
  drawnPoints: { points: Array<{ t: number; v: number }>; tol: number },
  want: Array<{ t: number; v: number }>,
  what: string,
  /** Leave out buckets from here on (a rate's bucket still filling may gain answers meanwhile). */
  skipFrom = Number.POSITIVE_INFINITY,
) {
  // The page's window reaches the rollout's latest tick, which these tests run ahead of the clock;
  // the API stops at now. Buckets after the API's last one must be empty (0 requests).
  const end = (want.at(-1)?.t ?? Number.POSITIVE_INFINITY) + 1_500
  const after = drawnPoints.points.filter((p) => p.t > end)
  for (const p of after)
    expect(Math.abs(p.v), `${what}: drawn after the API's last bucket`).toBeLessThanOrEqual(drawnPoints.tol)
  const got = { ...drawnPoints, points: drawnPoints.points.filter((p) => p.t <= end && p.t < skipFrom - 1_500) }
  want = want.filter((p) => p.t < skipFrom - 1_500)
  expect(got.points.length, `${what}: drawn ${JSON.stringify(got.points)}, API ${JSON.stringify(want)}`).toBe(
    want.length,
  )
  want.forEach((w, i) => {
    const g = got.points[i]!
    expect(Math.abs(g.t - w.t), `${what} #${i} time`).toBeLessThan(1_500)
    expect(
      Math.abs(g.v - w.v),
      `${what} #${i} at ${new Date(w.t).toISOString()}: ${g.v} vs ${w.v}`,
    ).toBeLessThanOrEqual(got.tol)
  })
}
