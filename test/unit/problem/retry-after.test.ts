/**
 * Retry hints (problem/problem, `retryAfterOf`): the failures that pass on their own answer a
 * `Retry-After` header and a `retry_after` member, the same number of seconds in both:
 * snapshot_unavailable 1, publish_pending 2, storage_unavailable 5. No other code has either.
 */
import { describe, expect, it } from 'vitest'
import { DomainError, ERROR_CODES, type ErrorCode } from '../../../src/core/errors'
import { problemBody, problemResponse, retryAfterOf } from '../../../src/problem/problem'
import { Problem } from '../../../src/schemas/problem'

const RETRYABLE: Record<string, number> = {
  snapshot_unavailable: 1,
  publish_pending: 2,
  storage_unavailable: 5,
}

const OTHERS = ERROR_CODES.filter((c) => !(c in RETRYABLE))

describe('retryAfterOf', () => {
  it.each(Object.entries(RETRYABLE))('%s → %i s', (code, seconds) => {
    expect(retryAfterOf(code as ErrorCode)).toBe(seconds)
  })

  it.each(OTHERS.map((c) => [c]))('%s → none', (code) => {
    expect(retryAfterOf(code)).toBeNull()
  })

  it('covers every code of the vocabulary (the three retryable ones are real codes)', () => {
    for (const code of Object.keys(RETRYABLE)) expect(ERROR_CODES).toContain(code)
    expect(OTHERS.length + 3).toBe(ERROR_CODES.length)
  })
})

describe('the problem response of a retryable failure', () => {
  it.each(Object.entries(RETRYABLE))(
    '%s: 503 with Retry-After %i and the same retry_after in the body',
    async (code, seconds) => {
      const res = problemResponse(new DomainError(code as ErrorCode, 'try again'), 'req_1', {}, '/v1/models/m/x')
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe(String(seconds))
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      const body = Problem.parse(await res.json())
      expect(body.retry_after).toBe(seconds)
      expect(body).toMatchObject({ code, status: 503, request_id: 'req_1', instance: '/v1/models/m/x' })
    },
  )

  it('problemBody carries retry_after on its own too (for callers that render the body themselves)', () => {
    expect(problemBody(new DomainError('storage_unavailable', 'd1 down'), 'req_2').retry_after).toBe(5)
    expect(problemBody(new DomainError('publish_pending', 'kv lags'), 'req_2').retry_after).toBe(2)
  })

  it('keeps a Retry-After the caller already set', () => {
    const res = problemResponse(new DomainError('storage_unavailable', 'd1 down'), 'req_3', { 'Retry-After': '30' })
    expect(res.headers.get('retry-after')).toBe('30')
  })
})

describe('the problem response of any other failure', () => {
  it.each(OTHERS.map((c) => [c]))('%s: no Retry-After header and no retry_after member', async (code) => {
    const res = problemResponse(new DomainError(code, 'no'), 'req_4')
    expect(res.headers.has('retry-after')).toBe(false)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).not.toHaveProperty('retry_after')
    expect(problemBody(new DomainError(code, 'no'), 'req_4')).not.toHaveProperty('retry_after')
  })
})
