/**
 * @module http/context
 * The Hono environment type shared by every route and middleware.
 */
import type { Env } from '../env'

export type Role = 'operator' | 'approver'

export interface AppVariables {
  requestId: string
  role: Role
  /** Who acted, for the audit log: `operator`, `approver`, or `operator:<name>` via x-modelgate-actor. */
  actor: string
}

export interface AppEnv {
  Bindings: Env
  Variables: AppVariables
}
