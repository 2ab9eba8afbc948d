/**
 * `npm start`'s one-line traffic summary: what the gateway answered since the last line, per model
 * and version, from two readings of the Prometheus counters (`GET /admin/metrics`:
 * `modelgate_requests_total` and `modelgate_errors_total`, client-facing arms only; shadow copies
 * are not answers). The counters come from the metrics shards, so a line trails the traffic by
 * about one measurement flush (`MEASURE_FLUSH_MS`, 1 s).
 */

/** Requests and errors per "model version". */
export type Counts = Record<string, { requests: number; errors: number }>

const SAMPLE = /^(modelgate_requests_total|modelgate_errors_total)\{([^}]*)\}\s+(\S+)\s*$/
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g

/** The counters of a Prometheus text exposition, summed over arms other than `shadow`. */
export function countsOf(exposition: string): Counts {
  const counts: Counts = {}
  for (const line of exposition.split('\n')) {
    const m = SAMPLE.exec(line.trim())
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] as string).matchAll(LABEL)) labels[k as string] = v as string
    if (labels.arm === 'shadow' || labels.model === undefined || labels.version === undefined) continue
    const key = `${labels.model} ${labels.version}`
    const c = (counts[key] ??= { requests: 0, errors: 0 })
    const value = Number(m[3])
    if (!Number.isFinite(value)) continue
    if (m[1] === 'modelgate_requests_total') c.requests += value
    else c.errors += value
  }
  return counts
}

/** A counter that went down was reset (a fresh local state): all of its value is new. */
const delta = (now: number, before: number | undefined) => (before === undefined || now < before ? now : now - before)

/**
 * "12:03:05  last 5 s: 412 requests, 3 errors · credit-risk v1 371 · credit-risk v2 41 (3 errors)",
 * or null when nothing was answered since `before` (a quiet gateway prints nothing).
 */
export function summaryLine(before: Counts, now: Counts, seconds: number, at: Date): string | null {
  const parts: Array<{ key: string; requests: number; errors: number }> = []
  for (const [key, c] of Object.entries(now)) {
    const requests = delta(c.requests, before[key]?.requests)
    const errors = delta(c.errors, before[key]?.errors)
    if (requests > 0 || errors > 0) parts.push({ key, requests, errors })
  }
  if (parts.length === 0) return null
  parts.sort((a, b) => a.key.localeCompare(b.key))
  const total = parts.reduce((s, p) => s + p.requests, 0)
  const failed = parts.reduce((s, p) => s + p.errors, 0)
  const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`
  const clock = at.toISOString().slice(11, 19)
  const each = parts.map(
    (p) => `${p.key} ${p.requests.toLocaleString('en-US')}${p.errors > 0 ? ` (${plural(p.errors, 'error')})` : ''}`,
  )
  return `${clock}  last ${Math.round(seconds)} s: ${plural(total, 'request')}, ${plural(failed, 'error')} · ${each.join(' · ')}`
}
