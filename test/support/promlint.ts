/**
 * A port of `promtool check metrics` for the tests: promtool is a Go binary, neither on npm nor
 * installable here, so its rules are re-implemented. Two parts:
 * - `parseExposition`: the text format (0.0.4) into families, reporting what Prometheus' own text
 *   parser (expfmt) refuses or what makes a family unusable (a second HELP or TYPE, a TYPE after
 *   its samples, a bad name or value, a histogram series without its `+Inf` bucket, `_sum` or
 *   `_count`, buckets that are not cumulative, a series listed twice);
 * - `promlint`: the naming rules of client_golang's `testutil/promlint` (what promtool runs), with
 *   its messages: help present, base units, `_total` on counters only, `_bucket`/`_count`/`_sum`
 *   and `le`/`quantile` reserved, no type in the name, no `:`, no camelCase, no abbreviated units.
 */

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  type: FamilyType
  help: string | null
  samples: Sample[]
}

export interface Problem {
  metric: string
  text: string
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped']
const SUFFIXES = ['_bucket', '_sum', '_count'] as const

function parseValue(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity
  if (v === '-Inf') return -Infinity
  if (v === 'NaN') return NaN
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) throw new Error(`bad value ${JSON.stringify(v)}`)
  return Number(v)
}

/** `{a="x",b="y"}` (escapes \\, \" and \n) into labels; the rest of the line after it. */
function parseLabels(s: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {}
  let i = 1
  while (s[i] !== '}') {
    const m = /^\s*([^=\s]+)\s*=\s*"/.exec(s.slice(i))
    if (!m) throw new Error(`bad label list ${s}`)
    const name = m[1] as string
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`bad label name ${name}`)
    if (name in labels) throw new Error(`label ${name} repeated`)
    i += m[0].length
    let value = ''
    for (;;) {
      const c = s[i++]
      if (c === undefined) throw new Error(`unterminated label value in ${s}`)
      if (c === '"') break
      if (c !== '\\') value += c
      else {
        const e = s[i++]
        if (e === 'n') value += '\n'
        else if (e === '\\' || e === '"') value += e
        else throw new Error(`bad escape \\${e}`)
      }
    }
    labels[name] = value
    const sep = /^\s*,?\s*/.exec(s.slice(i))![0]
    i += sep.length
  }
  return { labels, rest: s.slice(i + 1) }
}

function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  for (const suffix of SUFFIXES) {
    if (!sample.endsWith(suffix)) continue
    const base = families.get(sample.slice(0, -suffix.length))
    if (base?.type === 'histogram' || (base?.type === 'summary' && suffix !== '_bucket')) return base
  }
  return families.get(sample)
}

/** Checks each histogram series: `+Inf`, `_sum` and `_count` present, buckets cumulative, count = `+Inf`. */
function checkHistogram(f: Family, problems: Problem[]): void {
  const series = new Map<string, { buckets: Array<[number, number]>; sum?: number; count?: number }>()
  for (const s of f.samples) {
    const { le, ...rest } = s.labels
    const key = JSON.stringify(rest)
    const entry = series.get(key) ?? { buckets: [] }
    series.set(key, entry)
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) problems.push({ metric: f.name, text: 'bucket without "le" label' })
      else entry.buckets.push([parseValue(le), s.value])
    } else if (s.name === `${f.name}_sum`) entry.sum = s.value
    else if (s.name === `${f.name}_count`) entry.count = s.value
    else problems.push({ metric: f.name, text: `histogram sample ${s.name} is neither _bucket, _sum nor _count` })
  }
  for (const [key, e] of series) {
    const sorted = [...e.buckets].sort((a, b) => a[0] - b[0])
    const inf = sorted.find(([le]) => le === Infinity)
    if (!inf) problems.push({ metric: f.name, text: `series ${key} has no le="+Inf" bucket` })
    if (e.sum === undefined) problems.push({ metric: f.name, text: `series ${key} has no _sum` })
    if (e.count === undefined) problems.push({ metric: f.name, text: `series ${key} has no _count` })
    if (inf && e.count !== undefined && inf[1] !== e.count)
      problems.push({ metric: f.name, text: `series ${key}: _count differs from the +Inf bucket` })
    for (let i = 1; i < sorted.length; i++)
      if (sorted[i]![1] < sorted[i - 1]![1])
        problems.push({ metric: f.name, text: `series ${key}: buckets are not cumulative` })
  }
}

/** The families of a text exposition, and what a strict reader refuses in it. */
export function parseExposition(text: string): { families: Family[]; problems: Problem[] } {
  const families = new Map<string, Family>()
  const problems: Problem[] = []
  const seen = new Set<string>()
  const declare = (name: string): Family => {
    let f = families.get(name)
    if (!f) families.set(name, (f = { name, type: 'untyped', help: null, samples: [] }))
    return f
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line)
    if (meta) {
      const [, kind, name, arg = ''] = meta as unknown as [string, string, string, string?]
      if (!METRIC_NAME.test(name)) problems.push({ metric: name, text: 'invalid metric name' })
      const f = declare(name)
      if (kind === 'HELP') {
        if (f.help !== null) problems.push({ metric: name, text: 'second HELP line' })
        f.help = arg
      } else {
        if (seen.has(`type:${name}`)) problems.push({ metric: name, text: 'second TYPE line' })
        if (f.samples.length > 0) problems.push({ metric: name, text: 'TYPE line after samples' })
        if (!TYPES.includes(arg.trim())) problems.push({ metric: name, text: `unknown type ${arg}` })
        else f.type = arg.trim() as FamilyType
        seen.add(`type:${name}`)
      }
      continue
    }
    if (line.startsWith('#')) continue
    try {
      const m = /^([^{\s]+)/.exec(line)
      const name = m?.[1] ?? ''
      if (!METRIC_NAME.test(name)) throw new Error('invalid metric name')
      let rest = line.slice(name.length)
      let labels: Record<string, string> = {}
      if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest))
      const parts = rest.trim().split(/\s+/)
      if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new Error('expected a value')
      const value = parseValue(parts[0] as string)
      const f = familyOf(name, families) ?? declare(name)
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`
      if (seen.has(key)) problems.push({ metric: f.name, text: 'metric not unique' })
      seen.add(key)
      f.samples.push({ name, labels, value })
    } catch (err) {
      problems.push({ metric: line.slice(0, 80), text: (err as Error).message })
    }
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f, problems)
  return { families: [...families.values()], problems }
}

// The unit tables of client_golang's promlint (validations/units.go).
const UNITS: Record<string, string> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  kelvin: 'kelvin',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvins: 'kelvin',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
}
const UNIT_PREFIXES = [
  'pico',
  'nano',
  'micro',
  'milli',
  'centi',
  'deci',
  'deca',
  'hecto',
  'kilo',
  'kibi',
  'mega',
  'mibi',
  'giga',
  'gibi',
  'tera',
  'tebi',
  'peta',
  'pebi',
]
const UNIT_ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd']
const TYPE_NAMES = ['counter', 'gauge', 'summary', 'histogram', 'gauge_histogram']

function metricUnit(name: string): { unit: string; base: string } | null {
  for (const s of name.split('_')) {
    if (UNITS[s] !== undefined) return { unit: s, base: UNITS[s] }
    for (const p of UNIT_PREFIXES) {
      const base = s.startsWith(p) ? UNITS[s.slice(p.length)] : undefined
      if (base !== undefined) return { unit: s, base }
    }
  }
  return null
}

/** promlint's rules on one family (client_golang testutil/promlint, DefaultValidations order). */
function lintFamily(f: Family): string[] {
  const out: string[] = []
  const n = f.name
  const lower = n.toLowerCase()
  if (f.help === null) out.push('no help text')
  const unit = metricUnit(n)
  if (unit && unit.unit !== unit.base) out.push(`use base unit "${unit.base}" instead of "${unit.unit}"`)
  const total = n.endsWith('_total')
  if (f.type === 'counter' && !total) out.push('counter metrics should have "_total" suffix')
  if (f.type !== 'untyped' && f.type !== 'counter' && total)
    out.push('non-counter metrics should not have "_total" suffix')
  if (f.type !== 'untyped') {
    const histogram = f.type === 'histogram'
    const summary = f.type === 'summary'
    if (!histogram && n.endsWith('_bucket')) out.push('non-histogram metrics should not have "_bucket" suffix')
    for (const s of ['_count', '_sum'])
      if (!histogram && !summary && n.endsWith(s))
        out.push(`non-histogram and non-summary metrics should not have "${s}" suffix`)
    for (const sample of f.samples) {
      if (!histogram && 'le' in sample.labels) out.push('non-histogram metrics should not have "le" label')
      if (!summary && 'quantile' in sample.labels) out.push('non-summary metrics should not have "quantile" label')
    }
    for (const t of TYPE_NAMES)
      if (lower.includes(`_${t}_`) || lower.endsWith(`_${t}`)) out.push(`metric name should not include type '${t}'`)
  }
  if (n.includes(':')) out.push("metric names should not contain ':'")
  if (/[a-z][A-Z]/.test(n)) out.push("metric names should be written in 'snake_case' not 'camelCase'")
  for (const sample of f.samples)
    for (const l of Object.keys(sample.labels))
      if (/[a-z][A-Z]/.test(l)) out.push("label names should be written in 'snake_case' not 'camelCase'")
  for (const a of UNIT_ABBREVIATIONS)
    if (lower.includes(`_${a}_`) || lower.endsWith(`_${a}`))
      out.push('metric names should not contain abbreviated units')
  return [...new Set(out)]
}

/** Every problem `promtool check metrics` would report on `text` (sorted; empty when clean). */
export function promlint(text: string): Problem[] {
  const { families, problems } = parseExposition(text)
  for (const f of families) for (const t of lintFamily(f)) problems.push({ metric: f.name, text: t })
  return problems.sort((a, b) => a.metric.localeCompare(b.metric) || a.text.localeCompare(b.text))
}
