/**
 * HTTP server for one version of the demo credit scorer (Node, 127.0.0.1).
 *   POST /predict  { "features": {...} } or { "instances": [{...}, ...] }
 *   GET  /health
 * Optional behaviour for demos of bad challengers: `errorRate` answers 500 at random, `extraLatencyMs`
 * slows every answer.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { predict, validateApplicant, WEIGHTS, type Applicant, type ScorerVersion } from './credit-model'

export interface ScorerOptions {
  version: ScorerVersion
  port: number
  errorRate?: number
  extraLatencyMs?: number
}

export async function startCreditScorer(opts: ScorerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const weights = WEIGHTS[opts.version]
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const reply = () => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-model-build': `credit-scorer-${opts.version}` })
        res.end(JSON.stringify(body))
      }
      if (opts.extraLatencyMs) setTimeout(reply, opts.extraLatencyMs)
      else reply()
    }
    if (req.method === 'GET' && req.url === '/health') return send(200, { ok: true, version: opts.version })
    if (req.method !== 'POST' || !req.url?.startsWith('/predict')) return send(404, { error: 'POST /predict' })
    let raw = ''
    req.on('data', (c) => (raw += c))
    req.on('end', () => {
      if (opts.errorRate && Math.random() < opts.errorRate) return send(500, { error: 'planted failure' })
      let body: { features?: unknown; instances?: unknown[] }
      try {
        body = JSON.parse(raw)
      } catch {
        return send(400, { error: 'body must be JSON' })
      }
      const instances = Array.isArray(body.instances) ? body.instances : [body.features]
      const problems = instances.flatMap((x, i) => validateApplicant(x).map((p) => `instances[${i}]: ${p}`))
      if (problems.length) return send(400, { error: 'invalid features', problems })
      send(200, { model_version: opts.version, predictions: instances.map((x) => predict(weights, x as Applicant)) })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
