import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../../src/core/errors'
import { RetrospectiveInput } from '../../../../src/schemas/rollout'
import { closeActionItem, recordRetrospective } from '../../../../src/services/coordinator/incidents'
import { FakePort, MIN } from './fake-port'

const iso = (ms: number) => new Date(ms).toISOString()

function setup() {
  const port = new FakePort()
  const inc = port.putIncident({ id: 'inc_1', rolloutId: 'ro_1', summary: 'v2 rolled back' })
  return { port, inc }
}

const retro = (body: Record<string, unknown>) => RetrospectiveInput.parse(body)

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p
  } catch (e) {
    if (e instanceof DomainError) return e
    throw e
  }
  throw new Error('expected a DomainError')
}

describe('recordRetrospective', () => {
  it('stores the root cause and action items, counts the open ones and audits it in the author’s name', async () => {
    const { port, inc } = setup()
    port.advance(MIN)
    const row = await recordRetrospective(
      port,
      'inc_1',
      retro({
        root_cause: 'v2 was built against the wrong feature schema',
        action_items: [
          { text: 'add a schema check to CI', owner: 'ml-platform' },
          { text: 'page the owner on drift' },
          { text: 'write the postmortem', done: true },
        ],
      }),
      'alice',
    )
    const stored = {
      root_cause: 'v2 was built against the wrong feature schema',
      action_items: [
        { text: 'add a schema check to CI', owner: 'ml-platform', status: 'open' },
        { text: 'page the owner on drift', owner: null, status: 'open' },
        { text: 'write the postmortem', owner: null, status: 'closed' },
      ],
      recorded_by: 'alice',
      recorded_at: iso(port.now()),
    }
    expect(row).toEqual({ ...inc, retrospective: stored, openActionItems: 2, updatedAt: iso(port.now()) })
    expect(await port.incident('inc_1')).toEqual(row)
    expect(port.audits).toEqual([
      {
        action: 'incident.retrospective',
        target: 'inc_1',
        before: null,
        after: stored,
        reason: 'v2 was built against the wrong feature schema',
        actor: 'alice',
      },
    ])
  })

  it('audits a replaced retrospective with the previous one as "before"', async () => {
    const { port } = setup()
    const first = await recordRetrospective(port, 'inc_1', retro({ root_cause: 'first guess' }), 'alice')
    expect(first.openActionItems).toBe(0)
    port.advance(MIN)
    const second = await recordRetrospective(
      port,
      'inc_1',
      retro({ root_cause: 'the real cause', action_items: [{ text: 'fix it' }] }),
      'bob',
    )
    expect(second.openActionItems).toBe(1)
    expect(port.audits[1]).toMatchObject({
      actor: 'bob',
      before: first.retrospective,
      after: second.retrospective,
      reason: 'the real cause',
    })
  })

  it('cuts the audit reason to 200 code points, never inside one', async () => {
    const { port } = setup()
    const cause = '😀'.repeat(150) + 'x'.repeat(100)
    const row = await recordRetrospective(port, 'inc_1', retro({ root_cause: cause }), 'alice')
    const reason = port.audits[0]!.reason
    expect(Array.from(reason)).toHaveLength(200)
    expect(reason).toBe('😀'.repeat(150) + 'x'.repeat(50))
    // The retrospective itself keeps the whole text.
    expect((row.retrospective as { root_cause: string }).root_cause).toBe(cause)
  })

  it('refuses an unknown incident (not_found) and writes nothing', async () => {
    const { port } = setup()
    const e = await refusal(recordRetrospective(port, 'inc_nope', retro({ root_cause: 'x' }), 'alice'))
    expect(e.code).toBe('not_found')
    expect(port.audits).toEqual([])
    expect(port.trace).toEqual([])
  })
})

describe('closeActionItem', () => {
  async function withItems() {
    const ctx = setup()
    await recordRetrospective(
      ctx.port,
      'inc_1',
      retro({ root_cause: 'cause', action_items: [{ text: 'one', owner: 'ann' }, { text: 'two' }] }),
      'alice',
    )
    return ctx
  }

  it('closes one item, recounts the open ones and audits the item before and after', async () => {
    const { port } = await withItems()
    port.advance(MIN)
    const row = await closeActionItem(port, 'inc_1', 1, 'bob')
    expect(row.openActionItems).toBe(1)
    expect(row.updatedAt).toBe(iso(port.now()))
    expect((row.retrospective as { action_items: unknown[] }).action_items).toEqual([
      { text: 'one', owner: 'ann', status: 'open' },
      { text: 'two', owner: null, status: 'closed' },
    ])
    expect(row.retrospective).toMatchObject({ root_cause: 'cause', recorded_by: 'alice' })
    expect(await port.incident('inc_1')).toEqual(row)
    expect(port.audits.at(-1)).toEqual({
      action: 'incident.action_item.close',
      target: 'inc_1#1',
      before: { text: 'two', owner: null, status: 'open' },
      after: { text: 'two', owner: null, status: 'closed' },
      reason: 'action item closed',
      actor: 'bob',
    })
    const last = await closeActionItem(port, 'inc_1', 0, 'carol')
    expect(last.openActionItems).toBe(0)
  })

  it('refuses a missing incident, an incident without a retrospective and an index out of range', async () => {
    const { port } = await withItems()
    port.putIncident({ id: 'inc_2' })
    const audits = port.audits.length
    for (const [id, index] of [
      ['inc_nope', 0],
      ['inc_2', 0],
      ['inc_1', 2],
      ['inc_1', -1],
    ] as const) {
      const e = await refusal(closeActionItem(port, id, index, 'bob'))
      expect(e.code, `${id}#${index}`).toBe('not_found')
    }
    expect(port.audits).toHaveLength(audits)
    expect((await port.incident('inc_1'))!.openActionItems).toBe(2)
  })
})
