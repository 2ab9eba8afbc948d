/** @jsxImportSource hono/jsx */
/**
 * @module http/routes/admin/ui
 * The operator dashboard under /admin/ui.
 *
 * Pages (`/admin/ui`, `/admin/ui/models/{model}`) are public shells without data: a browser
 * navigation cannot carry the bearer token. Their script fetches the matching fragment under
 * `/admin/ui/fragments/…` with `Authorization: Bearer`, and these require the same tokens as the
 * admin API (operator or approver). Fragments read through the same services and stores as the
 * admin API routes. The dashboard is not part of the API, so it is not in the OpenAPI document.
 */
import { Hono, type Context } from 'hono'
import { DomainError } from '../../../../core/errors'
import { ModelName } from '../../../../schemas/common'
import { ModelPage } from '../../../../ui/model-page'
import { OverviewPage } from '../../../../ui/overview'
import { Shell } from '../../../../ui/shell'
import { DEFAULT_WINDOW, WINDOWS, WINDOW_KEYS, type WindowKey } from '../../../../schemas/dashboard'
import type { AppEnv } from '../../../context'
import { authenticate } from '../../../middleware/auth'

/**
 * No framing, no third-party anything, nothing inline: the script and stylesheet are the shell's
 * static files on this origin (ui/shell SHELL_ASSETS, served by Workers Static Assets).
 */
export const SHELL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ')

function modelParam(c: Context<AppEnv>): string {
  const parsed = ModelName.safeParse(c.req.param('model'))
  if (!parsed.success)
    throw new DomainError('validation_failed', 'not a model name', {
      fields: [{ field: 'model', message: parsed.error.issues[0]?.message ?? 'invalid' }],
    })
  return parsed.data
}

function windowParam(c: Context<AppEnv>): WindowKey {
  const w = c.req.query('window') ?? DEFAULT_WINDOW
  if (!Object.hasOwn(WINDOWS, w))
    throw new DomainError('validation_failed', `unknown window ${w}`, {
      fields: [{ field: 'query.window', message: `one of ${WINDOW_KEYS.join(', ')}` }],
    })
  return w as WindowKey
}

function shell(c: Context<AppEnv>, title: string, fragment: string) {
  c.header('content-security-policy', SHELL_CSP)
  c.header('cache-control', 'no-store')
  c.header('x-content-type-options', 'nosniff')
  c.header('referrer-policy', 'no-referrer')
  return c.html(<Shell title={title} fragment={fragment} />)
}

function fragmentHeaders(c: Context<AppEnv>): void {
  c.header('cache-control', 'no-store')
  c.header('x-content-type-options', 'nosniff')
  c.header('vary', 'authorization')
}

export const uiRoutes = new Hono<AppEnv>()

uiRoutes.get('/', (c) => shell(c, 'Models', '/admin/ui/fragments/overview'))

uiRoutes.get('/models/:model', (c) => {
  const model = modelParam(c)
  return shell(c, model, `/admin/ui/fragments/models/${encodeURIComponent(model)}`)
})

uiRoutes.use('/fragments/*', authenticate)

uiRoutes.get('/fragments/overview', async (c) => {
  const data = await c.var.services.dashboard.overview(Date.now())
  fragmentHeaders(c)
  return c.html(<OverviewPage data={data} role={c.get('role')} />)
})

uiRoutes.get('/fragments/models/:model', async (c) => {
  const data = await c.var.services.dashboard.modelPage(modelParam(c), windowParam(c), Date.now())
  fragmentHeaders(c)
  return c.html(<ModelPage data={data} role={c.get('role')} />)
})
