/**
 * @module core/metrics/response-metrics
 * Response metrics: business metrics read from each answer (a JSON pointer into its body, or a
 * header), such as token counts or cost. They need no outcome call and no attribution window: the
 * value is known when the answer's body ends, so it is summed into the request's row at once
 * (README, "Business metrics"). A value that is absent, not a number, or in a body too large to
 * read counts as missing, never as zero.
 */
import type { BusinessMetric } from '../registry/types'
import { resolvePointer } from '../shadow/json-pointer'
import { outcomeNumber } from './outcomes'

/** Per metric: answers with a value (n, Σy, Σy² of the winsorised values) and answers without one. */
export interface ResponseSums {
  n: number
  sum: number
  sumSq: number
  missing: number
}

/** Per-request values by metric name; null = missing. */
export type ResponseValues = Record<string, number | null>

/** The model's metrics read from answers. */
export function responseMetrics(metrics: readonly BusinessMetric[]): BusinessMetric[] {
  return metrics.filter((m) => m.source === 'response')
}

/** What a response metric can be read from. `body` null: not read to its end, or over the capture limit. */
export interface AnswerView {
  header: (name: string) => string | null
  body: string | null
  /** A server-sent-events stream: values come from its last `data:` event that is JSON. */
  stream: boolean
}

/**
 * The last `data:` event of an SSE text that parses as JSON (`[DONE]` and fragments skipped), or
 * undefined. Multi-line events join their data lines with a newline, as the SSE spec says.
 */
export function lastJsonEvent(text: string): unknown {
  const events = text.replace(/\r\n?/g, '\n').split('\n\n')
  for (let i = events.length - 1; i >= 0; i--) {
    const data = events[i]!.split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5))
    if (data.length === 0) continue
    const payload = data.join('\n').trim()
    if (payload === '' || payload === '[DONE]') continue
    try {
      return JSON.parse(payload) as unknown
    } catch {
      // A fragment (the capture keeps a stream's tail) or a non-JSON event: look further back.
    }
  }
  return undefined
}

function parseBody(view: AnswerView): unknown {
  if (view.body === null) return undefined
  if (view.stream) return lastJsonEvent(view.body)
  try {
    return JSON.parse(view.body) as unknown
  } catch {
    return undefined
  }
}

/** Each response metric's value for one answer (winsorised at its cap and floor), or null. */
export function extractValues(metrics: readonly BusinessMetric[], view: AnswerView): ResponseValues {
  const out: ResponseValues = {}
  let doc: unknown
  let parsed = false
  for (const m of metrics) {
    let raw: unknown
    if (m.header !== undefined) raw = view.header(m.header)
    else if (m.pointer !== undefined) {
      if (!parsed) [doc, parsed] = [parseBody(view), true]
      const r = doc === undefined ? null : resolvePointer(doc, m.pointer)
      raw = r?.found ? r.value : null
    }
    const ok = typeof raw === 'number' || (typeof raw === 'string' && raw.trim() !== '')
    const v = ok ? outcomeNumber({ ...m, kind: 'mean' }, raw as number | string) : null
    out[m.name] = v?.ok ? v.value : null
  }
  return out
}

/** Add one answer's values to a row's sums. */
export function addResponseValues(sums: Record<string, ResponseSums>, values: ResponseValues): void {
  for (const [name, v] of Object.entries(values)) {
    const s = (sums[name] ??= { n: 0, sum: 0, sumSq: 0, missing: 0 })
    if (v === null) s.missing++
    else {
      s.n++
      s.sum += v
      s.sumSq += v * v
    }
  }
}

/** Merge `src` into `target` (exact). */
export function mergeResponseSums(
  target: Record<string, ResponseSums>,
  src: Record<string, ResponseSums> | undefined,
): void {
  for (const [name, s] of Object.entries(src ?? {})) {
    const t = (target[name] ??= { n: 0, sum: 0, sumSq: 0, missing: 0 })
    t.n += s.n
    t.sum += s.sum
    t.sumSq += s.sumSq
    t.missing += s.missing
  }
}
