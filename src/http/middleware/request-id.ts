/**
 * @module http/middleware/request-id
 * Gives every request an id before anything can fail, and puts it on every response. The data
 * plane replaces it with the id of the answer (see data-plane/forward); this never overwrites one.
 */
import { createMiddleware } from 'hono/factory'
import { newId } from '../../core/ids'
import type { AppEnv } from '../context'

export const requestId = createMiddleware<AppEnv>(async function requestId(c, next) {
  c.set('requestId', newId('req'))
  await next()
  if (!c.res.headers.has('x-request-id')) {
    try {
      c.res.headers.set('x-request-id', c.get('requestId'))
    } catch {
      // Immutable headers (a proxied response): forward already set its own id.
    }
  }
})
