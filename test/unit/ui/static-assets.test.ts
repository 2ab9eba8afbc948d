/**
 * The pages' static files (public/, served by Workers Static Assets per [assets] in wrangler.toml).
 * The routing is checked with the platform's own asset router as Miniflare runs it (the options
 * wrangler builds from wrangler.toml, as `wrangler dev` does) in front of a stub Worker: every file
 * a page references is served from public/ with its type and nosniff, nothing in public/ is
 * unreachable, and the API paths always reach the Worker. The pages' CSPs allow these files and
 * nothing inline; the dashboard script still finds the shell's elements now that the two live in
 * separate files.
 */
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { Script } from 'node:vm'
import { Miniflare, type WorkerOptions } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOCS_ASSETS, DOCS_CSP, docsRoutes } from '../../../src/http/routes/admin/docs'
import { SHELL_ASSETS, Shell } from '../../../src/ui/shell'

const root = path.resolve(import.meta.dirname, '..', '..', '..')
const publicDir = path.join(root, 'public')

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name), `${prefix}/${e.name}`) : [`${prefix}/${e.name}`],
  )
}

const PAGE_ASSETS = [...Object.values(SHELL_ASSETS), ...Object.values(DOCS_ASSETS)]
const TYPES: Record<string, RegExp> = {
  '.js': /^text\/javascript; charset=utf-8$/,
  '.css': /^text\/css; charset=utf-8$/,
  '.txt': /^text\/plain; charset=utf-8$/,
}
/** The stub Worker answers every request that reaches it with this status and its path. */
const WORKER_STATUS = 299

describe('static assets, through the asset router wrangler.toml configures', () => {
  let mf: Miniflare
  const get = async (p: string, init?: { method: string; body: string }) => {
    const res = await mf.dispatchFetch(`http://gateway.test${p}`, init)
    return { res, body: await res.text() }
  }

  beforeAll(async () => {
    process.env.WRANGLER_LOG ??= 'error'
    process.env.WRANGLER_SEND_METRICS = 'false'
    const wrangler = await import('wrangler')
    const configPath = path.join(root, 'wrangler.toml')
    const { workerOptions } = wrangler.unstable_getMiniflareWorkerOptions(configPath)
    const { assets } = workerOptions as WorkerOptions
    if (!assets) throw new Error('wrangler.toml has no [assets]')
    expect(path.resolve(assets.directory)).toBe(publicDir)
    mf = new Miniflare({
      name: 'modelgate',
      modules: true,
      compatibilityDate: wrangler.unstable_readConfig({ config: configPath }).compatibility_date,
      script: `export default { fetch: (r) => new Response(new URL(r.url).pathname, { status: ${WORKER_STATUS} }) }`,
      assets,
    })
  }, 30_000)

  afterAll(() => mf?.dispose())

  it('serves every file a page loads from public/, typed, with nosniff, without the Worker', async () => {
    for (const p of PAGE_ASSETS) {
      const { res, body } = await get(p)
      expect(res.status, p).toBe(200)
      expect(res.headers.get('content-type'), p).toMatch(TYPES[path.extname(p)] as RegExp)
      expect(res.headers.get('x-content-type-options'), p).toBe('nosniff')
      expect(res.headers.get('etag'), p).toBeTruthy()
      expect(body, p).toBe(readFileSync(path.join(publicDir, p), 'utf8'))
    }
  })

  it('has no file in public/ that cannot be served (the Worker would answer its path)', async () => {
    // _headers is configuration that wrangler reads; it is not served.
    for (const f of filesUnder(publicDir).filter((f) => f !== '/_headers')) {
      const { res } = await get(f)
      expect(res.status, `public${f}`).toBe(200)
      expect(res.headers.get('content-type'), `public${f}`).toMatch(TYPES[path.extname(f)] ?? /^$/)
    }
  })

  it('answers a missing file in an asset folder with a plain 404, not the Worker', async () => {
    for (const p of ['/admin/ui/assets/nope.js', '/admin/docs/assets/swagger-ui/swagger-ui.css.map']) {
      const { res, body } = await get(p)
      expect(res.status, p).toBe(404)
      expect(body, p).toBe('')
    }
  })

  it('sends every other path to the Worker, whatever public/ holds', async () => {
    for (const p of [
      '/healthz',
      '/v1/models/credit-risk/predict',
      '/admin/models',
      '/admin/openapi.json',
      '/admin/docs',
      '/admin/docs/',
      '/admin/docs/swagger-ui-bundle.js',
      '/admin/ui',
      '/admin/ui/models/credit-risk',
      '/admin/ui/fragments/overview',
      '/admin/ui/assets', // the folder itself is no file
      '/_headers',
      '/',
    ]) {
      const { res, body } = await get(p)
      expect(res.status, p).toBe(WORKER_STATUS)
      expect(body, p).toBe(p)
    }
    const post = await get('/v1/models/credit-risk/predict', { method: 'POST', body: '{}' })
    expect(post.res.status).toBe(WORKER_STATUS)
  })
})

describe('dashboard shell', () => {
  it('loads its script and stylesheet from the assets and inlines nothing', async () => {
    const html = String(await Shell({ title: 'Models', fragment: '/admin/ui/fragments/overview' }))
    expect(html).toContain(`<link rel="stylesheet" href="${SHELL_ASSETS.styles}"`)
    expect(html).toMatch(new RegExp(`<script src="${SHELL_ASSETS.script}"></script>\\s*</body>`))
    expect(html).not.toMatch(/<style|<script(?![^>]*\bsrc=)|\bstyle=|\bon[a-z]+=/i)
    expect(html).not.toContain('nonce')
  })

  it('has every element the script looks up when the script runs (at the end of <body>)', async () => {
    const html = String(await Shell({ title: 'Models', fragment: '/admin/ui/fragments/overview' }))
    const script = readFileSync(path.join(root, 'public', SHELL_ASSETS.script), 'utf8')
    expect(() => new Script(script), 'dashboard.js parses').not.toThrow()
    // The action form's fields come with the fragments; everything else must be in the shell.
    const fromFragments = new Set(['action-reason', 'approver-token'])
    const ids = [...script.matchAll(/getElementById\('([^']+)'\)/g)].map((m) => m[1] as string)
    expect(ids.length).toBeGreaterThan(5)
    const beforeScript = html.slice(0, html.indexOf(`<script src="${SHELL_ASSETS.script}"`))
    for (const id of ids.filter((i) => !fromFragments.has(i))) expect(beforeScript, `#${id}`).toContain(`id="${id}"`)
  })
})

describe('API docs page', () => {
  it('loads Swagger UI and its start-up script from the assets under a CSP without inline scripts', async () => {
    const res = await docsRoutes.request('/')
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toBe(DOCS_CSP)
    expect(csp).toContain("default-src 'none'")
    expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/)
    const html = await res.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/)
    const scripts = [...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1])
    expect(scripts).toEqual([DOCS_ASSETS.swaggerScript, DOCS_ASSETS.script]) // the bundle first
    const styles = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1])
    expect(styles).toEqual([DOCS_ASSETS.swaggerStyles, DOCS_ASSETS.styles])
  })

  it('serves nothing else itself: the old in-Worker file routes are gone', async () => {
    expect((await docsRoutes.request('/swagger-ui-bundle.js')).status).toBe(404)
  })
})
