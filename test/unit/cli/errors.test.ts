import { describe, expect, it } from 'vitest'
import { problemFrom } from '../../../src/cli/client'
import {
  ApiError,
  EXIT,
  NetworkError,
  RefusedError,
  UsageError,
  WaitTimeoutError,
  exitCodeOf,
} from '../../../src/cli/exit'
import { renderError, renderProblem } from '../../../src/cli/report-error'

const problem = {
  type: 'https://modelgate.dev/problems/validation_failed',
  title: 'Request validation failed',
  status: 400,
  detail: 'unknown version v9',
  code: 'validation_failed',
  request_id: 'req_0123',
  errors: [
    { field: 'challenger', message: 'register v9 first' },
    { field: 'stages.1', message: 'at most two decimals' },
  ],
}

describe('problem rendering', () => {
  it('shows title, status and code, detail, each field error and the request id', () => {
    expect(renderProblem(problem)).toEqual([
      'error: Request validation failed (400 validation_failed)',
      '  unknown version v9',
      '  - challenger: register v9 first',
      '  - stages.1: at most two decimals',
      '  request id: req_0123',
    ])
  })

  it("adds a hint where the fix is on the caller's side", () => {
    expect(
      renderProblem({ title: 'Missing or invalid credentials', status: 401, code: 'unauthorized', detail: 'x' }).at(-1),
    ).toMatch(/hint: set MODELGATE_TOKEN/)
    expect(
      renderProblem({
        title: 'Not allowed for this role',
        status: 403,
        code: 'forbidden',
        detail: 'this action needs the approver role; you are operator',
      }).at(-1),
    ).toMatch(/MODELGATE_APPROVER_TOKEN/)
  })

  it('synthesises a problem when something else answered (a proxy, an HTML error page)', () => {
    const res = { status: 502, statusText: 'Bad Gateway', headers: new Headers({ 'x-request-id': 'req_proxy' }) }
    expect(problemFrom(res, '<html>upstream down</html>')).toEqual({
      title: 'Bad Gateway',
      status: 502,
      detail: '<html>upstream down</html>',
      request_id: 'req_proxy',
    })
    expect(problemFrom({ ...res, headers: new Headers() }, '')).toMatchObject({ detail: 'the answer had no body' })
    expect(problemFrom(res, JSON.stringify(problem))).toMatchObject({
      title: 'Request validation failed',
      code: 'validation_failed',
    })
  })

  it('renders usage and network errors with where to look next', () => {
    expect(renderError(new UsageError('missing <model>', 'status'))).toEqual([
      'error: missing <model>',
      '  see: modelgate status --help',
    ])
    expect(renderError(new UsageError('bad'), 'rollback')[1]).toBe('  see: modelgate rollback --help')
    expect(renderError(new NetworkError('cannot reach the gateway'))[1]).toMatch(/MODELGATE_URL/)
  })
})

describe('exit codes', () => {
  it('maps every failure to the documented code', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(EXIT.usage)
    expect(exitCodeOf(new ApiError(400, problem, ''))).toBe(EXIT.refused)
    expect(exitCodeOf(new ApiError(404, { title: 'Unknown model', status: 404 }, ''))).toBe(3)
    expect(exitCodeOf(new ApiError(409, { title: 'Conflict', status: 409 }, ''))).toBe(3)
    expect(exitCodeOf(new ApiError(500, { title: 'Internal error', status: 500 }, ''))).toBe(EXIT.server)
    expect(exitCodeOf(new ApiError(503, { title: 'Unavailable', status: 503 }, ''))).toBe(4)
    expect(exitCodeOf(new RefusedError('nothing to approve'))).toBe(3)
    expect(exitCodeOf(new WaitTimeoutError('late'))).toBe(EXIT.timeout)
    expect(exitCodeOf(new NetworkError('down'))).toBe(EXIT.unexpected)
    expect(exitCodeOf(new TypeError('bug'))).toBe(1)
    expect(EXIT).toEqual({ ok: 0, unexpected: 1, usage: 2, refused: 3, server: 4, timeout: 5, auditBroken: 6 })
  })
})
