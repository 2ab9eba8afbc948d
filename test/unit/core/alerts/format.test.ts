import { describe, expect, it } from 'vitest'
import { alertBody, type AlertMessage } from '../../../../src/core/alerts/format'

const msg: AlertMessage = {
  kind: 'fail',
  severity: 'critical',
  summary: 'error rate 4× the champion',
  details: { p: 0.001 },
  model: 'fraud',
  rolloutId: 'ro_1',
  at: Date.UTC(2026, 10, 26),
}

describe('alert bodies', () => {
  it('generic JSON carries the event, model, rollout and details', () => {
    expect(alertBody('json', msg)).toEqual({
      source: 'modelgate',
      event: 'fail',
      severity: 'critical',
      summary: msg.summary,
      model: 'fraud',
      rollout_id: 'ro_1',
      at: '2026-11-26T00:00:00.000Z',
      details: { p: 0.001 },
    })
  })

  it('Slack: text fallback plus blocks', () => {
    const b = alertBody('slack', msg) as { text: string; blocks: Array<{ type: string }> }
    expect(b.text).toContain('fraud')
    expect(b.blocks.map((x) => x.type)).toEqual(['section', 'context'])
  })

  it('PagerDuty Events v2: trigger with a stable dedup key; a confirmed rollback resolves it', () => {
    const t = alertBody('pagerduty', msg, { routingKey: 'K' }) as Record<string, any>
    expect(t).toMatchObject({
      routing_key: 'K',
      event_action: 'trigger',
      dedup_key: 'modelgate:fraud:ro_1',
      payload: { severity: 'critical', source: 'modelgate', component: 'fraud', class: 'fail' },
    })
    const r = alertBody(
      'pagerduty',
      { ...msg, kind: 'rollback_confirmed', severity: 'info', details: { ok: true } },
      { routingKey: 'K' },
    ) as Record<string, any>
    expect(r).toMatchObject({ event_action: 'resolve', dedup_key: t.dedup_key })
  })

  it('keeps the page open, and says so in Slack, when a check found the rollback NOT confirmed', () => {
    const notYet = {
      ...msg,
      kind: 'rollback_confirmed' as const,
      severity: 'critical' as const,
      details: { ok: false },
    }
    expect(alertBody('pagerduty', notYet, { routingKey: 'K' })).toMatchObject({
      event_action: 'trigger',
      payload: { severity: 'critical' },
    })
    const slack = alertBody('slack', notYet) as { blocks: Array<{ text?: { text: string } }> }
    expect(slack.blocks[0]!.text!.text.startsWith(':x:')).toBe(true)
  })
})
