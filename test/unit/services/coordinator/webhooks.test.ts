import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Webhook } from '../../../../src/schemas/rollout'
import { replaceWebhooks } from '../../../../src/services/coordinator/webhooks'
import { FakePort } from './fake-port'

const fingerprint = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 16)

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX'
const PAGER = 'https://events.pagerduty.com/v2/enqueue'
const GENERIC = 'https://alerts.example.com/hook/token-123'

describe('replaceWebhooks', () => {
  it('replaces the webhooks with new rows, writes them to the outbox and audits them with redacted URLs', async () => {
    const port = new FakePort()
    port.setWebhooks([{ url: GENERIC, events: ['fail'] }])
    const rows = await replaceWebhooks(
      port,
      [
        Webhook.parse({ url: SLACK, format: 'slack', events: ['fail', 'rollback'] }),
        Webhook.parse({ url: PAGER, format: 'pagerduty', routing_key: 'R0UT1NGKEY' }),
      ],
      'alice',
    )
    const at = new Date(port.now()).toISOString()
    expect(rows).toEqual([
      {
        id: expect.stringMatching(/^wh_/),
        model: 'credit-risk',
        url: SLACK,
        format: 'slack',
        events: ['fail', 'rollback'],
        routingKey: null,
        createdAt: at,
      },
      {
        id: expect.stringMatching(/^wh_/),
        model: 'credit-risk',
        url: PAGER,
        format: 'pagerduty',
        events: [
          'fail',
          'rollback',
          'inconclusive',
          'srm',
          'outcome_conflicts',
          'approval_needed',
          'rollback_confirmed',
        ],
        routingKey: 'R0UT1NGKEY',
        createdAt: at,
      },
    ])
    expect(rows[0]!.id).not.toBe(rows[1]!.id)
    expect(port.webhooks()).toEqual(rows)
    expect(port.outboxRecords).toEqual([{ kind: 'webhooks', model: 'credit-risk', rows }])

    expect(port.audits).toHaveLength(1)
    const audit = port.audits[0]!
    expect(audit).toMatchObject({
      action: 'webhooks.set',
      target: 'credit-risk',
      reason: 'alert destinations replaced',
      actor: 'alice',
    })
    expect(audit.before).toEqual([
      { url: `https://alerts.example.com/… (sha256 ${fingerprint(GENERIC)})`, format: 'json', events: ['fail'] },
    ])
    expect(audit.after).toEqual([
      {
        url: `https://hooks.slack.com/… (sha256 ${fingerprint(SLACK)})`,
        format: 'slack',
        events: ['fail', 'rollback'],
      },
      {
        url: `https://events.pagerduty.com/… (sha256 ${fingerprint(PAGER)})`,
        format: 'pagerduty',
        events: rows[1]!.events,
      },
    ])
    // No secret path, and no routing key, reaches the audit log.
    const sealed = JSON.stringify(audit)
    for (const secret of ['XXXXsecretXXXX', '/services/', 'token-123', '/v2/enqueue', 'R0UT1NGKEY']) {
      expect(sealed).not.toContain(secret)
    }
  })

  it('clears the webhooks with an empty list, auditing what was removed', async () => {
    const port = new FakePort()
    port.setWebhooks([{ url: SLACK, format: 'slack', events: ['fail'] }])
    expect(await replaceWebhooks(port, [], 'bob')).toEqual([])
    expect(port.webhooks()).toEqual([])
    expect(port.audits[0]).toMatchObject({
      before: [{ url: expect.stringMatching(/^https:\/\/hooks\.slack\.com\/… \(sha256 [0-9a-f]{16}\)$/) }],
      after: [],
      actor: 'bob',
    })
  })
})
