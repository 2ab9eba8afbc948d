import { describe, expect, it, vi } from 'vitest'
import { egressJudge, parseEgressAllow } from '../../../src/core/egress/policy'
import { DomainError } from '../../../src/core/errors'
import { assertEgress, egressCheckedPoster } from '../../../src/services/egress'

const judge = egressJudge(parseEgressAllow('127.0.0.1').rules)

function thrown(f: () => void): DomainError {
  try {
    f()
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError)
    return err as DomainError
  }
  throw new Error('nothing was thrown')
}

describe('assertEgress', () => {
  it('passes allowed and public URLs', () => {
    expect(() =>
      assertEgress(judge, [
        { field: 'backend.url', url: 'http://127.0.0.1:9101' },
        { field: 'webhooks.1.url', url: 'https://hooks.example.com/x' },
      ]),
    ).not.toThrow()
  })

  it('names every refused field with its reason (validation_failed)', () => {
    const err = thrown(() =>
      assertEgress(judge, [
        { field: 'webhooks.0.url', url: 'https://hooks.example.com/x' },
        { field: 'webhooks.1.url', url: 'http://169.254.169.254/' },
        { field: 'webhooks.2.url', url: 'http://[::1]:9000/' },
      ]),
    )
    expect(err.code).toBe('validation_failed')
    expect(err.detail).toBe('2 URLs are not allowed destinations')
    expect(err.fields).toEqual([
      {
        field: 'webhooks.1.url',
        message: expect.stringMatching(
          /^not an allowed destination: link-local address 169\.254\.169\.254 \(cloud metadata\)/,
        ),
      },
      { field: 'webhooks.2.url', message: expect.stringMatching(/loopback address \[::1\]/) },
    ])
  })

  it('says which field when one is refused', () => {
    const err = thrown(() => assertEgress(judge, [{ field: 'backend.url', url: 'http://10.0.0.1' }]))
    expect(err.detail).toBe('backend.url is not an allowed destination')
  })
})

describe('egressCheckedPoster', () => {
  it('posts to an allowed URL and refuses a refused one without posting', async () => {
    const post = vi.fn(async () => new Response(null, { status: 204 }))
    const guarded = egressCheckedPoster(judge, post)
    const signal = new AbortController().signal
    expect((await guarded('http://127.0.0.1:1/hook', '{}', signal)).status).toBe(204)
    await expect(guarded('http://192.168.0.10/hook', '{}', signal)).rejects.toThrow(
      /^refused by the egress policy: private address 192\.168\.0\.10/,
    )
    expect(post).toHaveBeenCalledTimes(1)
  })
})
