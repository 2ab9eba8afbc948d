import { describe, expect, it } from 'vitest'
import { defaultGateConfig } from '../../../../src/core/gates/defaults'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import { canonicalEvidenceDigestInput } from '../../../../src/core/gates/evidence-hash'
import type { VerdictRecord } from '../../../../src/core/gates/types'
import { arm, canary, canaryConfig } from './helpers'

function reorder<T>(value: T): T {
  // The same data with every object's keys inserted in reverse order.
  if (Array.isArray(value)) return value.map(reorder) as T
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).reverse()
    return Object.fromEntries(entries.map(([k, v]) => [k, reorder(v)])) as T
  }
  return value
}

describe('canonicalEvidenceDigestInput', () => {
  const config = canaryConfig()
  const verdict = evaluateGates(canary(arm(60_000, { error: 0.019 }), arm(540_000), 2), config)

  it('does not depend on key insertion order', () => {
    const a = canonicalEvidenceDigestInput([verdict], config)
    expect(canonicalEvidenceDigestInput([reorder(verdict)], reorder(config))).toBe(a)
  })

  it('sorts keys, drops whitespace and starts with the config and the version', () => {
    const text = canonicalEvidenceDigestInput(verdict, config)
    expect(text.startsWith('{"config":{"alphaFail":0.05,"alphaPass":0.025,"business":[')).toBe(true)
    expect(text).toContain(',"v":1,"verdicts":[{"conflicts":{"alarm":false,')
    expect(text).toContain('"decision":"FAIL","elapsedMs":7200000,')
    expect(text).not.toMatch(/\s"|":\s/)
    expect(JSON.parse(text).verdicts[0]).toEqual(JSON.parse(JSON.stringify(verdict)))
  })

  it('treats one verdict like a list of one', () => {
    expect(canonicalEvidenceDigestInput(verdict, config)).toBe(canonicalEvidenceDigestInput([verdict], config))
  })

  it('changes when anything the approver saw changes', () => {
    const base = canonicalEvidenceDigestInput(verdict, config)
    expect(canonicalEvidenceDigestInput(verdict, { ...config, alphaPass: 0.049 })).not.toBe(base)
    const other: VerdictRecord = { ...verdict, reason: `${verdict.reason} ` }
    expect(canonicalEvidenceDigestInput(other, config)).not.toBe(base)
  })

  it('keeps non-finite numbers apart instead of turning them all into null', () => {
    const v = (x: number): VerdictRecord => ({
      ...verdict,
      metrics: [{ ...verdict.metrics[0]!, boundary: x }],
    })
    const texts = [Infinity, -Infinity, Number.NaN, 0].map((x) => canonicalEvidenceDigestInput(v(x), config))
    expect(new Set(texts).size).toBe(4)
    expect(texts[0]).toContain('"boundary":"Infinity"')
    expect(canonicalEvidenceDigestInput(v(-0), config)).toBe(texts[3])
  })

  it('drops undefined properties like JSON does', () => {
    const c = defaultGateConfig({ stage: 'canary' })
    const withUndefined = { ...c, errorRate: { ...c.errorRate!, failMargin: undefined } }
    expect(canonicalEvidenceDigestInput([], withUndefined)).toBe(canonicalEvidenceDigestInput([], c))
  })
})
