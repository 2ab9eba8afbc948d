import { describe, expect, it } from 'vitest'
import { isOmittedOutput, MAX_STORED_OUTPUT_CHARS, storedOutput } from '../../../../src/core/shadow/stored-output'

describe('storedOutput', () => {
  it('keeps outputs up to the bound as they are', () => {
    const atBound = 'x'.repeat(MAX_STORED_OUTPUT_CHARS - 2) // plus the two quotes of its JSON
    expect(storedOutput(atBound)).toEqual({ kind: 'kept', value: atBound })
    expect(storedOutput({ label: 'approve' })).toEqual({ kind: 'kept', value: { label: 'approve' } })
    expect(storedOutput(undefined)).toEqual({ kind: 'kept', value: undefined })
  })

  it('replaces a larger output with a marker giving its size and head', () => {
    const big = { text: 'y'.repeat(MAX_STORED_OUTPUT_CHARS) }
    const r = storedOutput(big)
    expect(r.kind).toBe('omitted')
    expect(r.value).toEqual({
      omitted: true,
      json_chars: JSON.stringify(big).length,
      head: JSON.stringify(big).slice(0, 256),
    })
    expect(isOmittedOutput(r.value)).toBe(true)
  })

  it('does not take ordinary outputs for markers', () => {
    expect([
      isOmittedOutput({ omitted: true }),
      isOmittedOutput('omitted'),
      isOmittedOutput(null),
      isOmittedOutput({ label: 'a' }),
    ]).toEqual([false, false, false, false])
  })
})
