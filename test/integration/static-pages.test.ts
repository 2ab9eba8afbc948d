/**
 * The pages whose static files Workers Static Assets serves ([assets] in wrangler.toml): the Worker
 * renders /admin/docs and the dashboard shells under CSPs that allow only this origin's files and
 * nothing inline, and no longer serves the files itself.
 *
 * The files themselves are not fetched here: in pool-workers 0.15.1 a test reaches the Worker
 * directly (`exports.default`, or its fetch handler as the harness does), not through the asset
 * router, which only a service binding to the current Worker would pass. test/unit/ui/
 * static-assets.test.ts runs that router from wrangler.toml in Miniflare instead.
 */
import { describe, expect, it } from 'vitest'
import { call } from './helpers/harness'

const BASE = 'http://gateway.test'

function get(path: string): Promise<Response> {
  return call(new Request(`${BASE}${path}`))
}

/** The same-origin files a page loads, from its <script src> and <link href>. */
function loads(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)
}

describe('pages served by the Worker', () => {
  it('/admin/docs loads Swagger UI from the assets under a strict CSP', async () => {
    const res = await get('/admin/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self';")
    expect(csp).not.toContain('nonce')
    const html = await res.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/) // nothing inline
    expect(loads(html)).toEqual([
      '/admin/docs/assets/swagger-ui/swagger-ui.css',
      '/admin/docs/assets/docs.css',
      '/admin/docs/assets/swagger-ui/swagger-ui-bundle.js',
      '/admin/docs/assets/docs.js',
    ])
  })

  it.each(['/admin/ui', '/admin/ui/models/credit-risk'])(
    '%s loads the dashboard files under a strict CSP',
    async (p) => {
      const res = await get(p)
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const csp = res.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("default-src 'none'")
      expect(csp).toContain("script-src 'self';")
      expect(csp).toContain("style-src 'self';")
      expect(csp).not.toMatch(/nonce|unsafe/)
      const html = await res.text()
      expect(html).not.toMatch(/<style|<script(?![^>]*\bsrc=)/)
      expect(loads(html)).toEqual(['/admin/ui/assets/dashboard.css', '/admin/ui/assets/dashboard.js'])
    },
  )

  it('no longer serves the Swagger UI files itself (the old paths are unknown admin paths)', async () => {
    for (const p of ['/admin/docs/swagger-ui-bundle.js', '/admin/docs/swagger-ui.css']) {
      const res = await get(p)
      expect(res.status, p).toBeGreaterThanOrEqual(400)
      expect(res.headers.get('content-type'), p).toMatch(/^application\/problem\+json/)
      await res.arrayBuffer()
    }
  })
})
