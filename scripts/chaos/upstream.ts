/**
 * The model servers of `npm run chaos`: one local HTTP server answering for every version. Each
 * version fails a fixed share of inputs (by hash of {"x"}, as the test upstream's flaky mode does),
 * and while `resetShare` is above 0, that share of answers sends its head and a first chunk and then
 * resets the connection, as an LLM server that crashes mid-stream would.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { hashUnit } from '../../test/support/upstream-server'

export interface ChaosUpstream {
  /** Base URL of a version whose answers fail for `errorRate` of inputs: `${url}/<errorRate>`. */
  url: string
  /** Share of answers (any version) reset after their head; 0 turns resets off. */
  resetShare: number
  /** Answers reset so far. */
  resets: number
  close(): Promise<void>
}

export async function startChaosUpstream(): Promise<ChaosUpstream> {
  let calls = 0
  const state: ChaosUpstream = { url: '', resetShare: 0, resets: 0, close: async () => undefined }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const errorRate = Number(/^\/([\d.]+)/.exec(req.url ?? '')?.[1] ?? 0)
      let x = 0
      try {
        x = Number(JSON.parse(Buffer.concat(chunks).toString('utf8')).x) || 0
      } catch {
        // A body without x answers as x = 0.
      }
      if (hashUnit(x) < errorRate) {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'model failed' }))
        return
      }
      // Resets take every n-th call (not a random share), so a run is repeatable.
      calls++
      if (state.resetShare > 0 && calls % Math.max(1, Math.round(1 / state.resetShare)) === 0) {
        state.resets++
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: {"token":"partial"}\n\n')
        setTimeout(() => res.socket?.destroy(), 20)
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ score: hashUnit(x + 1) }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}
