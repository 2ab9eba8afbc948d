/** "Did you mean …" for mistyped commands and model names (src/cli/suggest.ts, src/cli/main.ts). */
import { describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/main'
import { editDistance, suggest } from '../../../src/cli/suggest'
import { fakeIo, json } from './fake-io'

describe('suggest', () => {
  it.each([
    ['stauts', 'status', 2],
    ['status', 'status', 0],
    ['credit-rsik', 'credit-risk', 2],
    ['credit-risk', 'credit-risks', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('edit distance %s → %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d)
    expect(editDistance(b, a)).toBe(d)
  })

  it('offers the closest candidate within two edits, alphabetical on ties, none past two', () => {
    expect(suggest('stauts', ['models', 'status', 'verdicts'])).toBe('status')
    expect(suggest('credit-rsik', ['fraud', 'credit-risk'])).toBe('credit-risk')
    expect(suggest('STATUS', ['status'])).toBe('status')
    expect(suggest('vx', ['v2', 'v1'])).toBe('v1')
    expect(suggest('xyzzy', ['status', 'models'])).toBeNull()
    expect(suggest('stat', ['status'])).toBe('status')
    expect(suggest('sta', ['status'])).toBeNull()
    // an exact name needs no suggestion
    expect(suggest('status', ['status', 'statue'])).toBeNull()
  })
})

describe('modelgate with a typo', () => {
  it('suggests the command it probably meant', async () => {
    const io = fakeIo()
    expect(await main(['stauts', 'credit-risk'], io)).toBe(2)
    expect(io.stderr()).toContain('unknown command "stauts"; did you mean "status"?')
    expect(io.calls).toEqual([])
  })

  it('suggests the subcommand under a group word', async () => {
    const io = fakeIo()
    expect(await main(['rollout', 'strat', 'credit-risk'], io)).toBe(2)
    expect(io.stderr()).toContain('did you mean "rollout start"?')
  })

  it('says nothing more when no command is close', async () => {
    const io = fakeIo()
    await main(['frobnicate'], io)
    expect(io.stderr()).toContain('unknown command "frobnicate"')
    expect(io.stderr()).not.toContain('did you mean')
  })

  it('suggests a registered model after the gateway answers model_not_found', async () => {
    const notFound = {
      title: 'Model not found',
      status: 404,
      code: 'model_not_found',
      detail: 'model credit-rsik is not registered',
    }
    const io = fakeIo({
      routes: {
        'GET /admin/models/credit-rsik': () => json(notFound, 404),
        'GET /admin/models': () => json({ models: [{ name: 'fraud' }, { name: 'credit-risk' }] }),
      },
    })
    expect(await main(['status', 'credit-rsik'], io)).not.toBe(0)
    expect(io.stderr()).toContain('model credit-rsik is not registered')
    expect(io.stderr()).toContain('did you mean "credit-risk"?')
  })

  it('gives no model hint when nothing registered is close, or for other errors', async () => {
    const io = fakeIo({
      routes: {
        'GET /admin/models/zzz': () => json({ title: 'Model not found', status: 404, code: 'model_not_found' }, 404),
        'GET /admin/models': () => json({ models: [{ name: 'credit-risk' }] }),
      },
    })
    await main(['status', 'zzz'], io)
    expect(io.stderr()).toContain('Model not found')
    expect(io.stderr()).not.toContain('did you mean')
    const other = fakeIo({ routes: { 'GET /admin/models': () => json({ models: [{ name: 'credit-risk' }] }) } })
    await main(['status', 'credit-rsik'], other)
    expect(other.stderr()).not.toContain('did you mean')
  })
})
