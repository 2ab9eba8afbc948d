/**
 * @module schemas/common
 * Small reusable shapes. One zod schema per shape, reused for request validation, the snapshot
 * read back from KV, Durable Object RPC arguments, OpenAPI generation and tests.
 */
import { z } from 'zod'
import { RISK_TIERS, type RiskTier as CoreRiskTier } from '../core/registry/types'

/** A model or version name: what ModelName and VersionName accept. */
export const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/

export const ModelName = z
  .string()
  .regex(NAME_RE, 'lowercase letters, digits, ".", "_" or "-", 1-63 chars, starting with a letter or digit')
  .meta({ description: 'Logical model name clients call', example: 'credit-risk' })

export const VersionName = z
  .string()
  .regex(NAME_RE, 'lowercase letters, digits, ".", "_" or "-", 1-63 chars, starting with a letter or digit')
  .meta({ description: 'Version name, unique within a model', example: 'v2' })

/** HTTP header names are case-insensitive; we store them lower-cased. */
export const HeaderName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'a valid HTTP header name')
  .transform((s) => s.toLowerCase())
  .meta({ example: 'x-unit-id' })

/** A percentage with at most two decimals, so that it maps exactly onto 10,000 buckets. */
export const Percent = z
  .number()
  .min(0)
  .max(100)
  .refine((p) => Math.abs(Math.round(p * 100) - p * 100) < 1e-9, 'at most two decimals')
  .meta({ example: 10 })

/**
 * The id of something kept by one model's coordinator: `<prefix>_<26 base32>`, then `~<model>`
 * (core/ids, modelScopedId). Ids made before the model suffix existed have none.
 *
 * Well-formed is looser than what the gateway mints: any 1-64 lowercase letters or digits after the
 * prefix. An id in that shape that names nothing (a typo, `ro_doesnotexist`) is then answered 404
 * "not found", which is the truth, rather than 400; what cannot be an id at all (another prefix,
 * upper case, a bad model name) stays 400. The legacy lookup is one primary-key read.
 */
function modelScopedId(prefix: string, what: string) {
  const re = new RegExp(`^${prefix}_[0-9a-z]{1,64}(~${NAME_RE.source.slice(1, -1)})?$`)
  return z
    .string()
    .regex(
      re,
      `not ${what} id: ${prefix}_ then lowercase letters or digits, then ~<model> (e.g. ${prefix}_01jf4k3m9qz8r7t6v5w4x3y2a1~credit-risk)`,
    )
    .meta({ example: `${prefix}_01jf4k3m9qz8r7t6v5w4x3y2a1~credit-risk` })
}

export const RolloutId = modelScopedId('ro', 'a rollout')
export const IncidentId = modelScopedId('inc', 'an incident')

export const Epoch = z.number().int().nonnegative().meta({ description: 'Routing epoch' })

export const RiskTier = z.enum(RISK_TIERS).meta({ description: 'Blast radius of the model, used by approval policy' })
export type RiskTier = CoreRiskTier

export const IsoTime = z.string().meta({ description: 'RFC 3339 timestamp', example: '2026-11-26T10:00:00.000Z' })
