/**
 * @module http/routes/admin/docs
 * `/admin/docs`: Swagger UI over `/admin/openapi.json`, served by this gateway alone (works
 * offline, no CDN). Public, like the spec itself: "Try it out" needs a token entered through
 * Swagger UI's Authorize button, which keeps it in the page's memory only.
 *
 * The Worker renders only this page. Its script and styles are static files under
 * `/admin/docs/assets/` that Workers Static Assets serves from public/ (see [assets] in
 * wrangler.toml), so Swagger UI is not in the Worker's bundle: the files of swagger-ui-dist are
 * vendored into public/admin/docs/assets/swagger-ui/ (test/unit/ui/swagger-vendor.test.ts keeps
 * them identical to the pinned package) and the page's own start-up script and styles are
 * docs.js and docs.css next to them.
 */
import { Hono, type Context } from 'hono'
import { html } from 'hono/html'
import type { AppEnv } from '../../context'

/** The static files the page loads (public/admin/docs/assets/…). */
export const DOCS_ASSETS = {
  swaggerScript: '/admin/docs/assets/swagger-ui/swagger-ui-bundle.js',
  swaggerStyles: '/admin/docs/assets/swagger-ui/swagger-ui.css',
  script: '/admin/docs/assets/docs.js',
  styles: '/admin/docs/assets/docs.css',
} as const

/**
 * Nothing inline runs: scripts only from this origin (the Swagger UI bundle and docs.js). Swagger
 * UI sets inline styles and uses SVG data URIs, hence 'unsafe-inline' for styles and data: images.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ')

function page(c: Context<AppEnv>) {
  c.header('content-security-policy', DOCS_CSP)
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
          <link rel="stylesheet" href="${DOCS_ASSETS.swaggerStyles}" />
          <link rel="stylesheet" href="${DOCS_ASSETS.styles}" />
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
          <script src="${DOCS_ASSETS.swaggerScript}"></script>
          <script src="${DOCS_ASSETS.script}"></script>
        </body>
      </html>`,
  )
}

export const docsRoutes = new Hono<AppEnv>()

docsRoutes.get('/', page)
