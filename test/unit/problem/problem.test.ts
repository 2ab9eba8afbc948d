import { describe, expect, it } from 'vitest'
import { DomainError, ERROR_CODES } from '../../../src/core/errors'
import { problemBody, statusOf } from '../../../src/problem/problem'

describe('problem mapping', () => {
  it.each(ERROR_CODES.map((c) => [c]))('maps %s to a 4xx/5xx status and a title', (code) => {
    const s = statusOf(code)
    expect(s >= 400 && s < 600).toBe(true)
    const body = problemBody(new DomainError(code, 'detail'), 'req_1')
    expect(body).toMatchObject({
      status: s,
      code,
      detail: 'detail',
      request_id: 'req_1',
      type: `https://modelgate.dev/problems/${code}`,
    })
    expect(body.title.length).toBeGreaterThan(3)
  })

  it.each([
    ['model_not_found', 404],
    ['no_champion', 503],
    ['upstream_timeout', 504],
    ['upstream_unreachable', 502],
    ['payload_too_large', 413],
    ['precondition_failed', 412],
    ['validation_failed', 400],
    ['unauthorized', 401],
  ] as const)('%s → %i as the contract says', (code, status) => {
    expect(statusOf(code)).toBe(status)
  })

  it('only internal errors are 500', () => {
    expect(ERROR_CODES.filter((c) => statusOf(c) === 500)).toEqual(['internal'])
  })
})
