/**
 * @module http/context
 * The Hono environment type shared by every route and middleware.
 */
import type { Services } from '../compose'
import type { ReporterModels } from '../services/measurement'

export type Role = 'operator' | 'approver'

export interface AppVariables {
  requestId: string
  /** Built per request by the composition root (src/compose.ts): the routes' only door to storage. */
  services: Services
  role: Role
  /** Who acted, for the audit log: `operator`, `approver`, or `operator:<name>` via x-modelgate-actor. */
  actor: string
  /** The models an outcome reporter's token covers (null: every model); set on /v1/outcomes. */
  reporter: ReporterModels
}

export interface AppEnv {
  Bindings: Env
  Variables: AppVariables
}
