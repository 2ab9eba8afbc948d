/**
 * @module http/routes/admin/docs
 * `/admin/docs`: Swagger UI over `/admin/openapi.json`, served entirely by the Worker (works
 * offline, no CDN). Public, like the spec itself: "Try it out" needs a token entered through
 * Swagger UI's Authorize button, which keeps it in the page's memory only.
 *
 * The Swagger UI files come from the vendored copy of swagger-ui-dist (see
 * test/unit/ui/swagger-vendor.test.ts for why, and how to regenerate it).
 */
import { Hono, type Context } from 'hono'
import { html, raw } from 'hono/html'
import vendor from '../../../ui/vendor/swagger-ui-dist.json'
import type { AppEnv } from '../../context'

interface VendoredFile {
  type: string
  sha256: string
  body: string
}

const FILES: Readonly<Record<string, VendoredFile>> = vendor.files

const INIT = `window.ui = SwaggerUIBundle({
  url: '/admin/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  validatorUrl: null,
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  tryItOutEnabled: false
});`

const PAGE_STYLE = `body { margin: 0; font-family: system-ui, sans-serif; }
.mg-top { display: flex; gap: 1.25rem; align-items: center; padding: .6rem 1.25rem; border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
.mg-top strong { font-size: 1.05rem; }
.mg-top a { color: #0a58ca; }`

function nonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
}

/** Swagger UI sets inline styles and SVG data URIs; scripts are only ours and the bundle. */
function csp(n: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${n}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

function page(c: Context<AppEnv>) {
  const n = nonce()
  c.header('content-security-policy', csp(n))
  c.header('cache-control', 'no-store')
  c.header('x-content-type-options', 'nosniff')
  c.header('referrer-policy', 'no-referrer')
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>API docs · modelgate</title>
          <link rel="stylesheet" href="/admin/docs/swagger-ui.css" />
          <style nonce="${n}">
            ${raw(PAGE_STYLE)}
          </style>
        </head>
        <body>
          <header class="mg-top">
            <strong>modelgate admin API</strong>
            <a href="/admin/ui">Dashboard</a>
            <a href="/admin/openapi.json">openapi.json</a>
            <span
              >Errors are <code>application/problem+json</code>; send
              <code>Authorization: Bearer &lt;token&gt;</code> (Authorize button).</span
            >
          </header>
          <main id="swagger-ui"></main>
          <script src="/admin/docs/swagger-ui-bundle.js"></script>
          <script nonce="${n}">
            ${raw(INIT)}
          </script>
        </body>
      </html>`,
  )
}

function asset(c: Context<AppEnv>, name: string) {
  const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined
  if (!file) return c.notFound()
  // The content is fixed per deployed version of the Worker: revalidate by hash.
  const etag = `"${file.sha256.slice(0, 32)}"`
  const headers = {
    etag,
    'cache-control': 'public, max-age=3600, must-revalidate',
    'x-content-type-options': 'nosniff',
  }
  const match = c.req.header('if-none-match')
  if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return c.body(null, 304, headers)
  return c.body(file.body, 200, { ...headers, 'content-type': file.type })
}

export const docsRoutes = new Hono<AppEnv>()

docsRoutes.get('/', page)
docsRoutes.get('/:file', (c) => asset(c, c.req.param('file')))
