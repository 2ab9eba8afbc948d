/**
 * Open-loop load at a fixed rate, for `--rate`: requests start on a uniform schedule whatever the
 * server does, and each latency is measured from its *scheduled* start, so a stall is charged to
 * every request it delayed (no coordinated omission). wrk cannot pace, and autocannon's
 * overallRate releases each second's quota in a burst at the top of the second, which turns a
 * latency test into a queueing test.
 */
import http from 'node:http'
import { percentile, type LoadResult } from './stats'

export interface PacedSpec {
  url: string
  method: 'GET' | 'POST'
  /** Most open sockets; requests beyond wait in the agent's queue (and are charged for it). */
  connections: number
  durationS: number
  rate: number
  body: string
  /** Per-request headers (x-unit-id); called once per request in schedule order. */
  headers: (i: number) => Record<string, string>
}

const TICK_MS = 1
const TIMEOUT_MS = 5_000

export function runPaced(spec: PacedSpec, stopSignal?: { stopped: boolean }): Promise<LoadResult> {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: spec.connections,
    maxFreeSockets: spec.connections,
  })
  const target = new URL(spec.url)
  const payload = spec.method === 'POST' ? Buffer.from(spec.body) : null
  const latencies: number[] = []
  let errors = 0
  let non2xx = 0
  let inFlight = 0
  let started = 0
  const t0 = process.hrtime.bigint()
  const total = Math.round(spec.rate * spec.durationS)
  const intervalNs = 1e9 / spec.rate

  return new Promise<LoadResult>((resolve) => {
    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      clearInterval(timer)
      agent.destroy()
      const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9
      const sorted = Float64Array.from(latencies).sort()
      resolve({
        requests: latencies.length,
        durationS: Math.min(elapsedS, spec.durationS),
        rps: latencies.length / spec.durationS,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        errors,
        non2xx,
      })
    }
    const done = () => {
      inFlight--
      if (started >= total && inFlight === 0) finish()
    }
    const fire = (i: number, scheduledNs: bigint) => {
      inFlight++
      const headers: Record<string, string | number> = { ...spec.headers(i) }
      if (payload) {
        headers['content-type'] = 'application/json'
        headers['content-length'] = payload.length
      }
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: spec.method,
          headers,
          timeout: TIMEOUT_MS,
        },
        (res) => {
          res.resume()
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - scheduledNs) / 1e6)
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++
            done()
          })
          res.on('error', () => {
            errors++
            done()
          })
        },
      )
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => {
        errors++
        done()
      })
      req.end(payload ?? undefined)
    }
    // A 1 ms tick starts every request whose scheduled time has come; timers in Node are coarse, so
    // catching up per tick keeps the long-run rate exact while each latency keeps its own schedule.
    const timer = setInterval(() => {
      if (stopSignal?.stopped) {
        started = total
        if (inFlight === 0) finish()
        return
      }
      const now = process.hrtime.bigint()
      const due = Math.min(total, Math.floor(Number(now - t0) / intervalNs) + 1)
      while (started < due) {
        fire(started, t0 + BigInt(Math.round(started * intervalNs)))
        started++
      }
      if (started >= total && inFlight === 0) finish()
    }, TICK_MS)
    // Bounded in time whatever the server does.
    setTimeout(finish, spec.durationS * 1000 + TIMEOUT_MS + 1_000).unref()
  })
}
