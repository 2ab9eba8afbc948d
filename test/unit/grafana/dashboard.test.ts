/**
 * grafana/modelgate-dashboard.json against the exposition the real code renders: every series a
 * query reads is exported, with the labels it selects and groups by, and every exported family is
 * charted.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseExposition, type Family } from '../../support/promlint'
import { fullExposition } from '../../support/prometheus-fixture'

interface Target {
  expr: string
  refId: string
  datasource?: { uid?: string }
}
interface Panel {
  title: string
  type: string
  datasource?: { uid?: string }
  targets?: Target[]
  panels?: Panel[]
}
interface Dashboard {
  schemaVersion: number
  panels: Panel[]
  templating: { list: Array<{ name: string; type: string; query?: unknown; definition?: string }> }
}

const file = path.join(import.meta.dirname, '../../../grafana/modelgate-dashboard.json')
const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Dashboard

/** Families exported but deliberately not charted (none today). */
const NOT_CHARTED: string[] = []

function allPanels(ps: Panel[]): Panel[] {
  return ps.flatMap((p) => [p, ...allPanels(p.panels ?? [])])
}

/** Metric names in a PromQL expression: identifiers starting `modelgate_` before `{`, `[`, `)` or `,`. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(modelgate_[a-zA-Z0-9_:]*)\s*(?=[{[),])/g)].map((m) => m[1] as string)
}

/** Label names a selector `name{…}` matches on, for each metric name in `expr`. */
function selectorLabels(expr: string): Array<[string, string[]]> {
  return [...expr.matchAll(/\b(modelgate_[a-zA-Z0-9_:]*)\{([^}]*)\}/g)].map((m) => [
    m[1] as string,
    [...(m[2] as string).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1] as string),
  ])
}

/** Labels of `by (…)` clauses. */
function groupingLabels(expr: string): string[] {
  return [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) =>
    (m[1] as string)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
}

const { families } = parseExposition(fullExposition())
/** Label names of each sample name (a histogram's `_bucket` has `le`). */
const sampleLabels = new Map<string, Set<string>>()
for (const f of families)
  for (const s of f.samples) {
    const set = sampleLabels.get(s.name) ?? new Set<string>()
    for (const l of Object.keys(s.labels)) set.add(l)
    sampleLabels.set(s.name, set)
  }
const familyOfSample = (name: string): Family | undefined =>
  families.find(
    (f) => f.name === name || (f.type === 'histogram' && name.replace(/_(bucket|sum|count)$/, '') === f.name),
  )

const targets = allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })))

describe('the Grafana dashboard', () => {
  it('is a dashboard of the schema it names, with data source and model variables', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39)
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]))
    expect(vars.datasource?.type).toBe('datasource')
    expect(vars.model?.type).toBe('query')
    expect(JSON.stringify(vars.model?.query)).toContain('label_values(modelgate_requests_total, model)')
    expect(targets.length).toBeGreaterThan(10)
  })

  it('reads only series the gateway exports, with labels they carry, for the chosen model', () => {
    const template = dashboard.templating.list.map((v) => JSON.stringify(v.query ?? '')).join(' ')
    const used = [...targets.map((t) => t.target.expr), template].flatMap(metricNames)
    expect(used.length).toBeGreaterThan(targets.length)
    for (const name of used) expect([...sampleLabels.keys()], name).toContain(name)
    for (const { panel, target } of targets) {
      const where = `${panel.title} ${target.refId}: ${target.expr}`
      expect(panel.datasource?.uid, where).toBe('${datasource}')
      for (const [name, labels] of selectorLabels(target.expr)) {
        expect(labels, where).toContain('model')
        for (const l of labels) expect([...sampleLabels.get(name)!], `${where} (${l})`).toContain(l)
      }
      expect(target.expr, where).toContain('model="$model"')
      for (const l of groupingLabels(target.expr))
        for (const name of metricNames(target.expr))
          expect([...sampleLabels.get(name)!], `${where} (by ${l})`).toContain(l)
    }
  })

  it('charts every exported family (or lists it as not charted)', () => {
    const charted = new Set(targets.flatMap((t) => metricNames(t.target.expr)).map((n) => familyOfSample(n)?.name))
    const missing = families.map((f) => f.name).filter((n) => !charted.has(n) && !NOT_CHARTED.includes(n))
    expect(missing).toEqual([])
    for (const n of NOT_CHARTED) expect(families.map((f) => f.name)).toContain(n)
  })

  it('takes latency quantiles from the histogram buckets, grouped by le', () => {
    const quantiles = targets.filter((t) => t.target.expr.includes('histogram_quantile'))
    const names = new Set(quantiles.flatMap((t) => metricNames(t.target.expr)))
    expect(names).toEqual(
      new Set(['modelgate_upstream_latency_seconds_bucket', 'modelgate_upstream_duration_seconds_bucket']),
    )
    for (const t of quantiles) expect(groupingLabels(t.target.expr)).toContain('le')
    const qs = quantiles.map((t) => /histogram_quantile\(([\d.]+)/.exec(t.target.expr)![1])
    expect([...new Set(qs)].sort()).toEqual(['0.5', '0.95', '0.99'])
  })
})
