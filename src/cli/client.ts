/**
 * @module cli/client
 * The admin API over fetch: bearer token, actor header, JSON in and out, and every non-2xx answer
 * turned into an ApiError that carries the problem document (src/problem/problem.ts).
 */
import { ApiError, NetworkError, type Problem } from './exit'

export interface ClientConfig {
  /** Gateway origin, e.g. http://127.0.0.1:8787 (no /admin). */
  url: string
  token: string | null
  actor: string | null
  fetch: typeof fetch
  /** Per request; a hung gateway must not hang a script forever. */
  timeoutMs?: number
}

export class ApiClient {
  constructor(readonly config: ClientConfig) {}

  withToken(token: string | null): ApiClient {
    return new ApiClient({ ...this.config, token })
  }

  /** Calls /admin<path> and parses the JSON answer. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { text } = await this.request(method, path, body)
    return (text ? JSON.parse(text) : null) as T
  }

  /** Calls /admin<path> and returns the body as text (CSV and JSON-lines exports). */
  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ text: string; headers: Headers; status: number }> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json, */*' }
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`
    if (this.config.actor) headers['x-modelgate-actor'] = this.config.actor
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await this.send(`${this.config.url}/admin${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    if (!res.ok) throw new ApiError(res.status, problemFrom(res, text), text)
    return { text, headers: res.headers, status: res.status }
  }

  /** A request outside /admin (the local cron trigger); never throws on HTTP status. */
  async raw(path: string): Promise<Response> {
    return this.send(`${this.config.url}${path}`, { method: 'GET' })
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.config.fetch(url, { ...init, signal: AbortSignal.timeout(this.config.timeoutMs ?? 30_000) })
    } catch (err) {
      throw new NetworkError(`cannot reach the gateway at ${this.config.url}: ${describeFetchError(err)}`)
    }
  }
}

/** The problem document of an error answer; a synthetic one when a proxy answered instead. */
export function problemFrom(res: { status: number; statusText?: string; headers: Headers }, text: string): Problem {
  try {
    const parsed = JSON.parse(text) as Partial<Problem>
    if (parsed && typeof parsed === 'object' && typeof parsed.title === 'string') {
      return { ...parsed, title: parsed.title, status: typeof parsed.status === 'number' ? parsed.status : res.status }
    }
  } catch {
    // not JSON: fall through to the synthetic problem
  }
  const requestId = res.headers.get('x-request-id')
  return {
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    detail: text.trim().slice(0, 300) || 'the answer had no body',
    ...(requestId ? { request_id: requestId } : {}),
  }
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'no answer in time'
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause
    if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`
    if (cause?.message) return `${err.message} (${cause.message})`
    return err.message
  }
  return String(err)
}
