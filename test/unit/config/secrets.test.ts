import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXAMPLE_SECRETS, insecureFor, SECRET_SETTINGS } from '../../../src/config/secrets'
import { settingsOf } from '../../../src/config/settings'
import { DomainError } from '../../../src/core/errors'
import { statusOf } from '../../../src/problem/problem'

const settings = (vars: Record<string, string>) => settingsOf(vars as unknown as Env)
const OWN = 'a-token-of-our-own-0123456789abcdef'

describe('example credentials outside local development', () => {
  it('knows every credential .dev.vars.example ships', () => {
    const text = readFileSync(path.resolve(import.meta.dirname, '../../../.dev.vars.example'), 'utf8')
    const values = [...text.matchAll(/^\s*([A-Z_]+)\s*=\s*(\S+)\s*$/gm)]
      .filter((m) => (SECRET_SETTINGS as readonly string[]).includes(m[1] as string))
      .flatMap((m) => (m[2] as string).split(','))
    expect(values.length).toBeGreaterThan(2)
    for (const v of values) expect(EXAMPLE_SECRETS).toContain(v)
  })

  it.each([
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'dev-admin-token-change-me' }, 'admin', ['ADMIN_TOKEN']],
    [
      'APPROVER_TOKEN',
      { ADMIN_TOKEN: OWN, APPROVER_TOKEN: 'dev-approver-token-change-me' },
      'admin',
      ['APPROVER_TOKEN'],
    ],
    ['REPORTER_TOKENS', { REPORTER_TOKENS: `${OWN},dev-reporter-token-change-me` }, 'outcomes', ['REPORTER_TOKENS']],
    [
      'MODEL_REPORTER_TOKENS',
      { MODEL_REPORTER_TOKENS: 'm=dev-reporter-token-change-me' },
      'outcomes',
      ['MODEL_REPORTER_TOKENS'],
    ],
    [
      'a request-id key derived from the example ADMIN_TOKEN',
      { ADMIN_TOKEN: 'dev-admin-token-change-me', REPORTER_TOKENS: OWN },
      'outcomes',
      ['ADMIN_TOKEN'],
    ],
    [
      'REQUEST_ID_SECRET_PREVIOUS',
      { REQUEST_ID_SECRET_PREVIOUS: 'dev-admin-token-change-me' },
      'outcomes',
      ['REQUEST_ID_SECRET_PREVIOUS'],
    ],
    ['GATEWAY_KEYS', { GATEWAY_KEYS: 'dev-reporter-token-change-me' }, 'data_plane', ['GATEWAY_KEYS']],
  ] as const)('refuses %s: 503 insecure_configuration naming the setting', (_label, vars, surface, names) => {
    const err = insecureFor(surface, settings(vars))
    expect(err).toBeInstanceOf(DomainError)
    expect(err!.code).toBe('insecure_configuration')
    expect(statusOf(err!.code)).toBe(503)
    for (const n of names) expect(err!.detail).toContain(n)
    expect(err!.extra).toEqual({ settings: names })
    // The same values are allowed on a gateway that says it is a local development one.
    expect(insecureFor(surface, settings({ ...vars, MODELGATE_ENV: 'development' }))).toBeNull()
  })

  it('refuses only on the surfaces that use the setting', () => {
    const s = settings({ ADMIN_TOKEN: OWN, REQUEST_ID_SECRET: OWN, REPORTER_TOKENS: 'dev-reporter-token-change-me' })
    expect(insecureFor('admin', s)).toBeNull()
    expect(insecureFor('data_plane', s)).toBeNull()
    expect(insecureFor('outcomes', s)?.extra).toEqual({ settings: ['REPORTER_TOKENS'] })
    // With its own REQUEST_ID_SECRET, an example ADMIN_TOKEN no longer weakens request ids.
    const own = settings({ ADMIN_TOKEN: 'dev-admin-token-change-me', REQUEST_ID_SECRET: OWN, REPORTER_TOKENS: OWN })
    expect(insecureFor('outcomes', own)).toBeNull()
    expect(insecureFor('admin', own)?.extra).toEqual({ settings: ['ADMIN_TOKEN'] })
  })

  it('treats production as the default and refuses an unknown environment name', () => {
    expect(settings({}).development).toBe(false)
    expect(settings({ MODELGATE_ENV: 'production' }).development).toBe(false)
    expect(() => settings({ MODELGATE_ENV: 'dev' })).toThrow(/MODELGATE_ENV/)
  })
})

describe('reporter tokens and request-id keys', () => {
  it('parses global and per-model reporter tokens', () => {
    const s = settings({ REPORTER_TOKENS: ' r1 , r2 ,', MODEL_REPORTER_TOKENS: 'credit-risk=t=1, fraud = t2' })
    expect(s.reporterTokens).toEqual(['r1', 'r2'])
    expect(s.modelReporterTokens).toEqual([
      { model: 'credit-risk', token: 't=1' },
      { model: 'fraud', token: 't2' },
    ])
  })

  it.each(['credit-risk', '=token', 'credit-risk='])('names MODEL_REPORTER_TOKENS when an entry is %j', (entry) => {
    expect(() => settings({ MODEL_REPORTER_TOKENS: entry })).toThrow(/MODEL_REPORTER_TOKENS: expected model=token/)
  })

  it('verifies request ids under the current secret, then the previous one taken both ways', () => {
    expect(settings({ REQUEST_ID_SECRET: 'new', REQUEST_ID_SECRET_PREVIOUS: 'old' }).requestIdSecrets).toEqual([
      'new',
      'old',
      'modelgate-request-id:old',
    ])
    expect(settings({ ADMIN_TOKEN: 'admin' }).requestIdSecrets).toEqual(['modelgate-request-id:admin'])
    expect(settings({ REQUEST_ID_SECRET_PREVIOUS: 'old' }).requestIdSecrets).toEqual([])
  })
})
