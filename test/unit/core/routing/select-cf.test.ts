import { describe, expect, it } from 'vitest'
import { ruleMatches, selectRoute, type CfLookup } from '../../../../src/core/routing/select'
import { formatCondition } from '../../../../src/core/rollout/describe'
import { validatePlan } from '../../../../src/core/rollout/validate'
import { RuleCondition, type CohortRule } from '../../../../src/schemas/routing'
import { config } from '../rollout/fixtures'
import { noHeaders, snapshotWith } from './fixtures'

const units = Array.from({ length: 4_000 }, (_, i) => `unit-${i}`)
const rule = (when: CohortRule['when'], version = 'v2', percent?: number): CohortRule => ({
  when,
  version,
  ...(percent === undefined ? {} : { percent }),
})
const at =
  (location: Record<string, string>): CfLookup =>
  (field) =>
    location[field] ?? null

describe('location rules (request.cf)', () => {
  const nz = { country: 'NZ', continent: 'OC', colo: 'AKL' }
  const de = { country: 'DE', continent: 'EU', colo: 'FRA' }

  it.each([
    [{ cf: 'country', equals: 'NZ' }, nz, true],
    [{ cf: 'country', equals: 'NZ' }, de, false],
    [{ cf: 'country', in: ['NZ', 'AU'] }, nz, true],
    [{ cf: 'country', in: ['NZ', 'AU'] }, de, false],
    [{ cf: 'continent', equals: 'OC' }, nz, true],
    [{ cf: 'continent', equals: 'OC' }, de, false],
    [{ cf: 'colo', prefix: 'AK' }, nz, true],
    [{ cf: 'colo', prefix: 'AK' }, de, false],
    // A location rule never reads a header of the same name, nor a header rule the location.
    [{ cf: 'country', equals: 'NZ' }, {}, false],
  ] as const)('%j matches %j: %s', (when, location, expected) => {
    const headers = (h: string) => (h === 'country' ? 'NZ' : null)
    expect(ruleMatches(rule(when as CohortRule['when']), headers, at(location))).toBe(expected)
  })

  it('does not match a request without a location (request.cf undefined)', () => {
    expect(ruleMatches(rule({ cf: 'country', equals: 'NZ' }), noHeaders)).toBe(false)
    expect(ruleMatches(rule({ header: 'country', equals: 'NZ' }), noHeaders, at(nz))).toBe(false)
  })

  it('sends a sticky share of one country to the challenger and nobody from elsewhere', () => {
    const snap = snapshotWith({
      champion: 'v1',
      weights: { v1: 100 },
      rules: [rule({ cf: 'country', in: ['NZ'] }, 'v2', 50)],
    })
    const route = (u: string, location?: Record<string, string>) =>
      selectRoute(snap, {
        header: noHeaders,
        ...(location ? { cf: at(location) } : {}),
        unitKey: u,
        random: () => 0.5,
      })!
    const fromNz = units.map((u) => route(u, nz))
    const chosen = fromNz.filter((d) => d.version === 'v2')
    expect(Math.abs(chosen.length / units.length - 0.5)).toBeLessThan(0.03)
    expect(chosen[0]).toMatchObject({ arm: 'cohort', cohortRule: 0, reason: expect.stringMatching(/cf\.country/) })
    // NZ units left on the champion are the cohort's control: still marked as in the cohort.
    expect(fromNz.filter((d) => d.version === 'v1').every((d) => d.cohortRule === 0)).toBe(true)
    for (const u of units.slice(0, 500)) {
      for (const d of [route(u, de), route(u)]) expect(d).toMatchObject({ version: 'v1', cohortRule: null })
    }
  })

  it('selects the same units of a cohort as a header rule with the same version and share', () => {
    const by = (when: CohortRule['when']) =>
      snapshotWith({ champion: 'v1', weights: { v1: 100 }, rules: [rule(when, 'v2', 30)] })
    const cf = by({ cf: 'country', equals: 'NZ' })
    const header = by({ header: 'x-country', equals: 'NZ' })
    for (const u of units.slice(0, 1000)) {
      const a = selectRoute(cf, { header: noHeaders, cf: at(nz), unitKey: u, random: () => 0.5 })!
      const b = selectRoute(header, { header: () => 'NZ', unitKey: u, random: () => 0.5 })!
      expect(a.version).toBe(b.version)
    }
  })

  it.each([
    [{ cf: 'country', equals: 'NZ' }, true],
    [{ cf: 'continent', in: ['OC', 'AS'] }, true],
    [{ cf: 'city', equals: 'Auckland' }, false],
    [{ cf: 'country', header: 'x-country', equals: 'NZ' }, false],
    [{ equals: 'NZ' }, false],
    [{ cf: 'country' }, false],
  ])('the rule schema accepts %j: %s', (when, ok) => {
    expect(RuleCondition.safeParse(when).success).toBe(ok)
  })

  it('describes and validates a location cohort', () => {
    expect(formatCondition({ cf: 'country', in: ['NZ'] })).toBe('cf.country in [NZ]')
    const fields = (when: CohortRule['when']) =>
      validatePlan(config({ strategies: ['feature_flag'], cohort: { when, percents: [50] } })).map((e) => e.field)
    expect(fields({ cf: 'country', equals: 'NZ' })).toEqual([])
    expect(fields({ equals: 'NZ' })).toEqual(['cohort.when'])
    expect(fields({ cf: 'country', header: 'x-country', equals: 'NZ' })).toEqual(['cohort.when'])
  })
})
