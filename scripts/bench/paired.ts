/**
 * `npm run bench -- --paired`: every configuration under load at the same time instead of one after
 * the other. All workerd processes share the pinned server core, each gets its own load generator
 * on the client core, and each process's CPU time per request is read over the same interval.
 *
 * Why: this VM's speed drifts by up to 2x within tens of seconds, so in the alternating rounds two
 * runs of the same Worker can differ by 15%. Measured side by side, a slow phase hits every
 * configuration at once and cancels out of the ratio bare µs/req ÷ config µs/req, which is what
 * the throughput ratio estimates when the server core is the bottleneck. Contention between the
 * processes inflates the absolute µs (caches are shared), so only the ratios carry over.
 */
import { median, type LoadResult } from './stats'

/** One configuration's figures in one round. */
export interface PairedSample {
  name: string
  requests: number
  rps: number
  /** workerd CPU µs per completed request over the round; null when the process is unknown. */
  cpuUsPerReq: number | null
  errors: number
  non2xx: number
}

export interface PairedSummary {
  name: string
  rps: number
  cpuUsPerReq: number | null
  /** Median over rounds of bare µs/req ÷ this µs/req in the same round (1 for the baseline). */
  ratio: number | null
  ratioMin: number | null
  ratioMax: number | null
  errors: number
  non2xx: number
}

interface PairedTarget {
  name: string
  url: string
  method: 'GET' | 'POST'
  pid: number | null
}

type Run = (spec: {
  url: string
  method: 'GET' | 'POST'
  connections: number
  durationS: number
}) => Promise<LoadResult>

/** One round: every target loaded at once for `durationS`; CPU read around the whole round. */
export async function pairedRound(
  targets: readonly PairedTarget[],
  run: Run,
  cpuSeconds: (pid: number) => number | null,
  opts: { connections: number; durationS: number },
): Promise<PairedSample[]> {
  const before = targets.map((t) => (t.pid === null ? null : cpuSeconds(t.pid)))
  const results = await Promise.all(targets.map((t) => run({ url: t.url, method: t.method, ...opts })))
  return targets.map((t, i) => {
    const r = results[i] as LoadResult
    const c0 = before[i]
    const c1 = t.pid === null ? null : cpuSeconds(t.pid)
    const cpu =
      c0 === null || c0 === undefined || c1 === null || r.requests === 0 ? null : (1e6 * (c1 - c0)) / r.requests
    return { name: t.name, requests: r.requests, rps: r.rps, cpuUsPerReq: cpu, errors: r.errors, non2xx: r.non2xx }
  })
}

/** Per configuration: medians over rounds, and the per-round CPU ratio against `baseline`. */
export function summarizePaired(rounds: readonly PairedSample[][], baseline: string): PairedSummary[] {
  const names = rounds[0]?.map((s) => s.name) ?? []
  return names.map((name) => {
    const own = rounds.map((r) => r.find((s) => s.name === name) as PairedSample)
    const ratios: number[] = []
    for (const r of rounds) {
      const base = r.find((s) => s.name === baseline)?.cpuUsPerReq
      const mine = r.find((s) => s.name === name)?.cpuUsPerReq
      if (base != null && mine != null && mine > 0) ratios.push(base / mine)
    }
    const cpus = own.map((s) => s.cpuUsPerReq).filter((c): c is number => c !== null)
    return {
      name,
      rps: median(own.map((s) => s.rps)),
      cpuUsPerReq: cpus.length ? median(cpus) : null,
      ratio: ratios.length ? median(ratios) : null,
      ratioMin: ratios.length ? Math.min(...ratios) : null,
      ratioMax: ratios.length ? Math.max(...ratios) : null,
      errors: own.reduce((n, s) => n + s.errors, 0),
      non2xx: own.reduce((n, s) => n + s.non2xx, 0),
    }
  })
}
