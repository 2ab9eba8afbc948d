/**
 * The model backend of the benchmark, run as a child process of scripts/bench.ts (forked by
 * upstream.ts) so that it has its own event loop and can be pinned to the load generator's core.
 *
 * Deliberately not test/support/upstream-server.ts: that one echoes the request headers, so the
 * gateway (which adds x-request-id, hop and model headers) would get bigger answers than the bare
 * proxy and pay for it. Here every request gets the same small body, whatever it carried.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

const BODY = Buffer.from(
  JSON.stringify({
    id: 'pred-bench',
    object: 'prediction',
    model: 'bench',
    outputs: [{ label: 'approve', score: 0.87 }],
  }),
)

const server = http.createServer((req, res) => {
  // Drain the body before answering so that the connection stays reusable.
  req.resume()
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length })
    res.end(BODY)
  })
})
// Longer than any pause between runs, so workerd's pooled connections are never closed under it
// (a close racing a reused connection shows up as a spurious 502).
server.keepAliveTimeout = 120_000
server.headersTimeout = 121_000

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  process.send?.({ port })
})

// The parent owns our lifetime: when it goes away (even killed), so do we.
process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
