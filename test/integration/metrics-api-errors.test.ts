/**
 * The metrics API's refusals (README, "Admin API"): a step that is not whole minutes within
 * [60 s, 1 day], a range of more than 1,500 points, `from` after `to`, and an unknown model. Each is
 * a problem+json with its exact status, code, field and the request id (problemOf checks the id
 * against the x-request-id header).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { admin, adminOk, problemOf, uniqueModel } from './helpers/harness'

const TO = Date.parse('2026-11-20T12:00:00Z')
const MIN = 60_000
const iso = (ms: number) => new Date(ms).toISOString()
/** A range of `points` whole minutes ending at TO, both ends included. */
const range = (points: number) => `from=${iso(TO - (points - 1) * MIN)}&to=${iso(TO)}`

let model = ''
beforeAll(async () => {
  model = uniqueModel('mapi')
  await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
})

describe('GET /admin/models/{model}/metrics refuses', () => {
  it.each([
    ['a step below a minute', 'from=-1h&step=30', 'query.step'],
    ['a step of whole seconds that is not whole minutes', 'from=-1h&step=90', 'query.step'],
    ['a step above a day', 'from=-7d&step=86460', 'query.step'],
    ['a step that is not a number', 'from=-1h&step=often', 'query.step'],
    ['a step that is not an integer', 'from=-1h&step=60.5', 'query.step'],
    ['1,501 points (one more than a series holds)', `${range(1_501)}&step=60`, 'query.step'],
    ['a range of days at one point a minute', 'from=-2d&step=60', 'query.step'],
    ['from after to', `from=${iso(TO + 5 * MIN)}&to=${iso(TO)}`, 'query.from'],
    ['from a second after to', `from=${iso(TO + 1_000)}&to=${iso(TO)}`, 'query.from'],
    ['a from that is no time', 'from=last-tuesday', 'query.from'],
    ['a to that is no time', 'to=soon', 'query.to'],
  ])('%s: 400 validation_failed naming the field', async (_label, query, field) => {
    const res = await admin('GET', `/models/${model}/metrics?${query}`)
    expect(res.status).toBe(400)
    const p = await problemOf(res)
    expect(p).toMatchObject({ code: 'validation_failed', status: 400 })
    // Every complaint is about that one field (a step of 30 s breaks two of its rules).
    expect(new Set(p.errors.map((e: { field: string }) => e.field))).toEqual(new Set([field]))
  })

  it('an unknown model: 404 model_not_found, also with a valid query', async () => {
    for (const query of ['', '?from=-1h&step=60']) {
      const res = await admin('GET', `/models/${uniqueModel('nomodel')}/metrics${query}`)
      expect(res.status, query).toBe(404)
      expect(await problemOf(res)).toMatchObject({ code: 'model_not_found', status: 404 })
    }
  })
})

describe('GET /admin/models/{model}/metrics accepts', () => {
  it.each([
    ['exactly 1,500 points', `${range(1_500)}&step=60`, 60],
    ['1,501 minutes at two minutes a point', `${range(1_501)}&step=120`, 120],
    ['the largest step', 'from=-30d&step=86400', 86_400],
    ['from equal to to', `from=${iso(TO)}&to=${iso(TO)}`, 60],
  ])('%s', async (_label, query, step) => {
    const body = await adminOk('GET', `/models/${model}/metrics?${query}`)
    expect(body).toMatchObject({ model, step_s: step, series: [] })
  })
})
