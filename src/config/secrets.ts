/**
 * @module config/secrets
 * The example credentials of .dev.vars.example are public: a gateway is only allowed to run with
 * them in local development (`MODELGATE_ENV=development`, which .dev.vars.example sets and
 * `npm start` copies). Anywhere else (production is the default) each surface that would use one
 * answers 503 `insecure_configuration` naming the setting, rather than accept a credential anyone
 * can read. The flag is a setting, not the request's host: a Host header is the client's to forge.
 */
import { DomainError } from '../core/errors'

/** Every value .dev.vars.example ships (test/unit/config/secrets.test.ts keeps the two in step). */
export const EXAMPLE_SECRETS: readonly string[] = [
  'dev-admin-token-change-me',
  'dev-approver-token-change-me',
  'dev-reporter-token-change-me',
]

/** The settings that hold credentials or keys. */
export const SECRET_SETTINGS = [
  'ADMIN_TOKEN',
  'APPROVER_TOKEN',
  'REPORTER_TOKENS',
  'MODEL_REPORTER_TOKENS',
  'REQUEST_ID_SECRET',
  'REQUEST_ID_SECRET_PREVIOUS',
  'GATEWAY_KEYS',
] as const
export type SecretSetting = (typeof SECRET_SETTINGS)[number]

/** Whether any of a setting's values (tokens, keys) is a published example. */
export function holdsExample(values: readonly string[]): boolean {
  return values.some((v) => EXAMPLE_SECRETS.includes(v))
}

/** What `refuseInsecure` reads from the settings. */
export interface SecretPosture {
  /** Settings holding an example value, outside development (empty in development). */
  insecure: readonly SecretSetting[]
  /** True when the request-id key is derived from ADMIN_TOKEN (REQUEST_ID_SECRET unset). */
  requestIdFromAdminToken: boolean
}

/** The surfaces that use credentials, and the settings each one uses. */
export type SecretSurface = 'admin' | 'outcomes' | 'data_plane'

function usedBy(surface: SecretSurface, p: SecretPosture): SecretSetting[] {
  switch (surface) {
    case 'admin':
      // Either token opens the admin API.
      return ['ADMIN_TOKEN', 'APPROVER_TOKEN']
    case 'outcomes':
      // The reporters' tokens, and the keys that authenticate the request ids they report: an id
      // signed with a key derived from a public token can be forged by anyone.
      return [
        'REPORTER_TOKENS',
        'MODEL_REPORTER_TOKENS',
        'REQUEST_ID_SECRET',
        'REQUEST_ID_SECRET_PREVIOUS',
        ...(p.requestIdFromAdminToken ? (['ADMIN_TOKEN'] as const) : []),
      ]
    case 'data_plane':
      return ['GATEWAY_KEYS']
  }
}

/** The error for a surface using an example credential outside development, or null. */
export function insecureFor(surface: SecretSurface, p: SecretPosture): DomainError | null {
  if (p.insecure.length === 0) return null
  const names = usedBy(surface, p).filter((n) => p.insecure.includes(n))
  if (names.length === 0) return null
  const derived =
    surface === 'outcomes' && names.includes('ADMIN_TOKEN')
      ? ' (request ids are signed with a key derived from it)'
      : ''
  return new DomainError(
    'insecure_configuration',
    `${names.join(', ')} ${names.length === 1 ? 'holds' : 'hold'} the example value from .dev.vars.example${derived}; ` +
      'set your own secret (npx wrangler secret put <NAME>), or MODELGATE_ENV=development on a local gateway',
    { extra: { settings: names } },
  )
}
