import { describe, expect, it } from 'vitest'
import { redactedUrl } from '../../../../src/core/audit/redact'

describe('webhook URLs in the audit log', () => {
  it('keep their origin and a fingerprint, not the secret path', async () => {
    const url = 'https://hooks.slack.com/services/T000/B000/XXXXSECRET'
    const r = await redactedUrl(url)
    expect(r).toMatch(/^https:\/\/hooks\.slack\.com\/… \(sha256 [0-9a-f]{16}\)$/)
    expect(r).not.toContain('SECRET')
    expect(await redactedUrl(url)).toBe(r) // the same URL, the same fingerprint
    expect(await redactedUrl(`${url}2`)).not.toBe(r)
  })
})
