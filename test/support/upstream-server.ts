/**
 * A controllable model backend for tests (Node, 127.0.0.1 only).
 *
 * The base URL of a version may carry a behaviour prefix, so one server plays many versions:
 *   /mode/status-503/...  answer with that status
 *   /mode/sleep-<ms>/...  wait before the response head
 *   /mode/sse-<n>-<ms>/...  n server-sent events, <ms> apart
 *   /mode/garbage/...     200 with a body that is not JSON
 *   /mode/hang/...        never answers
 *   /mode/stall-after-head[-<n>]/...  a text/event-stream head and <n> events (default 1), then
 *                         silence with the connection open (until the client goes away)
 *   /mode/reset-mid-stream[-<n>]/...  a text/event-stream head and <n> events (default 1), then
 *                         the connection reset (destroyed without ending the chunked body)
 *   /mode/predict-<kind>-<rate>/...  a deterministic "model": reads {"x": <int>} and answers
 *                         {"label"|"score"|"text": ...}; with rate r > 0, a fixed r-share of inputs
 *                         (by hash of x) get a different output, to plant shadow divergence
 *   /mode/flaky-<rate>[-<ms>]/...  500 for a fixed <rate> share of inputs (by hash of {"x"}), else
 *                         200; with <ms>, after that long
 *   /mode/sink/...        records the JSON body and headers (a webhook receiver, a shadow copy's
 *                         backend); GET /sink/log lists them
 *   /mode/redirect-<status>/...  answers <status> with `location` pointing at this server's
 *                         /mode/sink/... (an inward address): a client that follows it lands in the sink
 *   /mode/html-probe[-csp]/...  a text/html page whose script tries to read sessionStorage and
 *                         puts what it read in the title (`PROBE_READ` + JSON; `PROBE_BLOCKED` + the
 *                         error's name when the read throws; `PROBE_STATIC` when it never ran); with
 *                         -csp, the page's own CSP asks for a sandbox that allows scripts and its origin
 *   /mode/openai-<tokens>/...  an OpenAI-compatible chat completion whose usage.total_tokens is
 *                         <tokens> ± 5 (by {"x"} in the body); with "stream": true in the body, an
 *                         SSE stream of chunks ending with a usage event and `data: [DONE]`
 *   anything else         echo: JSON with server name, method, path, query, headers, body
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface UpstreamServer {
  name: string
  port: number
  url: string
  close(): Promise<void>
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** A fixed pseudo-random number in [0, 1) for an integer (planted divergence is reproducible). */
export function hashUnit(x: number): number {
  let h = (x * 2654435761) >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x45d9f3b) >>> 0
  h ^= h >>> 16
  return (h >>> 0) / 4294967296
}

/** Titles of the html-probe page (see the modes above). */
export const PROBE_STATIC = 'probe: the script did not run'
export const PROBE_READ = 'probe read: '
export const PROBE_BLOCKED = 'probe blocked: '

/** The upstream's own policy of /mode/html-probe-csp: a sandbox as loose as a sandbox gets. */
export const PROBE_UPSTREAM_CSP = 'sandbox allow-scripts allow-same-origin allow-popups allow-top-navigation'

const PROBE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>${PROBE_STATIC}</title></head>
<body><p id="probe">${PROBE_STATIC}</p>
<script>
  var seen;
  try {
    var all = {};
    for (var i = 0; i < sessionStorage.length; i++) all[sessionStorage.key(i)] = sessionStorage.getItem(sessionStorage.key(i));
    seen = ${JSON.stringify(PROBE_READ)} + JSON.stringify(all);
  } catch (e) {
    seen = ${JSON.stringify(PROBE_BLOCKED)} + (e && e.name);
  }
  document.title = seen;
  document.getElementById('probe').textContent = seen;
</script></body></html>
`

export async function startUpstream(name: string): Promise<UpstreamServer> {
  const sink: Array<{ path: string; body: unknown; at: number; headers: http.IncomingHttpHeaders }> = []
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname === '/sink/log') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(sink))
      return
    }
    const m = /^\/mode\/([^/]+)(\/.*)?$/.exec(url.pathname)
    const mode = m?.[1] ?? 'echo'
    const path = m ? (m[2] ?? '/') : url.pathname
    const body = await readBody(req).catch(() => '')
    const echo = () =>
      JSON.stringify({ server: name, method: req.method, path, query: url.search, headers: req.headers, body })

    if (mode.startsWith('status-')) {
      res.writeHead(Number(mode.slice(7)), { 'content-type': 'application/json', 'x-upstream': name })
      res.end(JSON.stringify({ server: name, error: 'planted failure' }))
      return
    }
    if (mode.startsWith('sleep-')) {
      const ms = Number(mode.slice(6))
      const t = setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name })
        res.end(echo())
      }, ms)
      res.on('close', () => clearTimeout(t))
      return
    }
    if (mode.startsWith('sse-')) {
      const [, n, gap] = mode.split('-')
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-upstream': name })
      let i = 0
      const tick = () => {
        res.write(`data: {"i":${i},"sent_at":${Date.now()}}\n\n`)
        i++
        if (i < Number(n)) setTimeout(tick, Number(gap))
        else res.end()
      }
      tick()
      return
    }
    if (mode.startsWith('redirect-')) {
      res.writeHead(Number(mode.slice(9)), { location: `http://${req.headers.host}/mode/sink${path}` })
      res.end()
      return
    }
    if (mode === 'sink') {
      let parsed: unknown = body
      try {
        parsed = JSON.parse(body)
      } catch {
        // keep the raw text
      }
      sink.push({ path, body: parsed, at: Date.now(), headers: req.headers })
      res.writeHead(202, { 'content-type': 'application/json' })
      res.end('{"ok":true}')
      return
    }
    if (mode.startsWith('flaky-')) {
      let x: number
      try {
        x = Number(JSON.parse(body).x) || 0
      } catch {
        x = 0
      }
      const [, rate, delay] = mode.split('-')
      const fail = hashUnit(x) < Number(rate)
      const answer = () => {
        res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json', 'x-upstream': name })
        res.end(JSON.stringify({ server: name, ok: !fail }))
      }
      if (delay === undefined) return answer()
      const t = setTimeout(answer, Number(delay))
      res.on('close', () => clearTimeout(t))
      return
    }
    if (mode.startsWith('stall-after-head') || mode.startsWith('reset-mid-stream')) {
      const n = Number(/-(\d+)$/.exec(mode)?.[1] ?? 1)
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-upstream': name })
      for (let i = 0; i < n; i++) res.write(`data: {"i":${i}}\n\n`)
      if (mode.startsWith('reset-mid-stream')) {
        const t = setTimeout(() => res.socket?.destroy(), 50)
        res.on('close', () => clearTimeout(t))
      }
      return
    }
    if (mode === 'hang') {
      return // never answer; the gateway's timeout must handle it
    }
    if (mode.startsWith('predict-')) {
      const [, kind, rate] = mode.split('-')
      let x: number
      try {
        x = Number(JSON.parse(body).x) || 0
      } catch {
        x = 0
      }
      const flip = hashUnit(x) < Number(rate)
      const out =
        kind === 'label'
          ? { label: flip ? 'decline' : 'approve' }
          : kind === 'score'
            ? { score: flip ? x * 1.5 + 10 : x }
            : { text: flip ? `a completely different answer about item ${x}` : `the answer for item ${x} is fine` }
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name })
      res.end(JSON.stringify({ server: name, ...out }))
      return
    }
    if (mode === 'html-probe' || mode === 'html-probe-csp') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'x-upstream': name,
        ...(mode === 'html-probe-csp' ? { 'content-security-policy': PROBE_UPSTREAM_CSP } : {}),
      })
      res.end(PROBE_PAGE)
      return
    }
    if (mode.startsWith('openai-')) {
      let req: { x?: unknown; stream?: unknown } = {}
      try {
        req = JSON.parse(body)
      } catch {
        // no input: x = 0
      }
      const total = Number(mode.slice(7)) + ((Number(req.x) || 0) % 11) - 5
      const usage = { prompt_tokens: 10, completion_tokens: total - 10, total_tokens: total }
      const base = { id: 'chatcmpl-test', object: 'chat.completion', model: name }
      if (req.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name })
        const message = { role: 'assistant', content: 'hello' }
        res.end(JSON.stringify({ ...base, choices: [{ index: 0, message, finish_reason: 'stop' }], usage }))
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-upstream': name })
      const chunk = { ...base, object: 'chat.completion.chunk' }
      for (const word of ['hel', 'lo']) {
        res.write(`data: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta: { content: word } }] })}\n\n`)
      }
      res.write(`data: ${JSON.stringify({ ...chunk, choices: [], usage })}\n\n`)
      res.end('data: [DONE]\n\n')
      return
    }
    if (mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name })
      res.end('<html>not json')
      return
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-upstream': name,
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
    })
    res.end(echo())
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A port on 127.0.0.1 with nothing listening (connection refused). */
export async function deadPort(): Promise<number> {
  const s = http.createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}
