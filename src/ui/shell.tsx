/** @jsxImportSource hono/jsx */
/**
 * @module ui/shell
 * The dashboard page a browser navigates to: layout, login form and the client script, and no data
 * at all, so it can be served without a token. The page's content arrives as a fragment fetched
 * with the token by the client script.
 *
 * The script and the stylesheet are static files (public/admin/ui/assets/), served by Workers
 * Static Assets (see [assets] in wrangler.toml) rather than inlined, so nothing inline runs on the
 * page and neither is in the Worker's bundle.
 */
import { raw } from 'hono/html'

/** The static files the shell loads (public/admin/ui/assets/…). */
export const SHELL_ASSETS = {
  script: '/admin/ui/assets/dashboard.js',
  styles: '/admin/ui/assets/dashboard.css',
} as const

export interface ShellProps {
  title: string
  /** Path of the fragment that fills `<main>` (the page's query string is appended). */
  fragment: string
}

export function Shell({ title, fragment }: ShellProps) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>{`${title} · modelgate`}</title>
          <link rel="stylesheet" href={SHELL_ASSETS.styles} />
        </head>
        <body>
          <a class="sr-only skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <a class="brand" href="/admin/ui">
              modelgate
            </a>
            <nav aria-label="Main">
              <ul>
                <li>
                  <a href="/admin/ui">Models</a>
                </li>
                <li>
                  <a href="/admin/docs">API docs</a>
                </li>
              </ul>
            </nav>
            <div class="session" id="session" hidden>
              <span>
                Signed in as <strong id="role"></strong>
              </span>
              <button type="button" id="signout">
                Sign out
              </button>
            </div>
          </header>
          <div id="flash" class="flash" role="status" aria-live="polite"></div>
          <main id="main" data-fragment={fragment} aria-busy="true" tabindex={-1}>
            <p class="muted">Loading…</p>
            <noscript>
              <p>
                The dashboard needs JavaScript: it sends your token in the Authorization header, which a plain page load
                cannot do.
              </p>
            </noscript>
          </main>
          <section id="login" class="login" aria-labelledby="login-title" hidden>
            <form id="login-form" method="post">
              <h1 id="login-title">Sign in to modelgate</h1>
              <p id="login-error" class="error" role="alert"></p>
              <label for="token">Admin token (operator or approver)</label>
              <input id="token" name="token" type="password" autocomplete="current-password" required />
              <button class="primary" type="submit">
                Sign in
              </button>
              <p class="muted small">
                The token stays in this browser tab (sessionStorage) and is sent only to this gateway, as{' '}
                <code>Authorization: Bearer</code>.
              </p>
            </form>
          </section>
          <script src={SHELL_ASSETS.script} />
        </body>
      </html>
    </>
  )
}
