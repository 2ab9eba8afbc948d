/**
 * An in-process Io for CLI tests: captured stdout/stderr, a clock that sleep() advances at once,
 * scripted answers to prompts, and fetch served by a route table (no sockets).
 */
import type { Io } from '../../../src/cli/io'

export type Handler = (req: { method: string; url: URL; body: unknown }) => Response | Promise<Response> | unknown

export interface FakeIo extends Io {
  stdout(): string
  stderr(): string
  calls: Array<{ method: string; path: string; body: unknown; headers: Headers }>
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  })
}

export function fakeIo(
  opts: {
    routes?: Record<string, Handler>
    env?: Record<string, string>
    interactive?: boolean
    answers?: string[]
    now?: number
    cwd?: string
  } = {},
): FakeIo {
  let out = ''
  let err = ''
  let clock = opts.now ?? Date.parse('2026-11-26T10:00:30Z')
  const answers = [...(opts.answers ?? [])]
  const calls: FakeIo['calls'] = []
  const io: FakeIo = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: { MODELGATE_URL: 'http://gw.test', MODELGATE_TOKEN: 'tok', ...opts.env },
    cwd: opts.cwd ?? '/nonexistent',
    interactive: opts.interactive ?? false,
    ask: async (q) => {
      err += q
      return answers.shift() ?? ''
    },
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
    fetch: async (input, init) => {
      const url = new URL(String(input))
      const method = init?.method ?? 'GET'
      const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined
      calls.push({ method, path: url.pathname + url.search, body, headers: new Headers(init?.headers) })
      const handler = opts.routes?.[`${method} ${url.pathname}`]
      if (!handler)
        return json(
          {
            title: 'Not found',
            status: 404,
            detail: `no route ${method} ${url.pathname}`,
            code: 'not_found',
            request_id: 'req_test',
          },
          404,
        )
      const res = await handler({ method, url, body })
      return res instanceof Response ? res : json(res)
    },
    stdout: () => out,
    stderr: () => err,
    calls,
  }
  return io
}
