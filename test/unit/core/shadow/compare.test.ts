/**
 * Shadow verdicts: comparator boundaries (equality with the tolerance is agreement), every error
 * branch of the extract pipeline with the side it blames, config validation and outcome scoring.
 */

import { describe, expect, it } from 'vitest'
import { isComparatorConfig, validateComparator, type ComparatorConfig } from '../../../../src/core/shadow/comparator'
import { compareOutputs, extractAndCompare, type ShadowComparison } from '../../../../src/core/shadow/compare'
import { scoreOutcome } from '../../../../src/core/shadow/score'

const LABEL: ComparatorConfig = { kind: 'label' }
const numeric = (tol_abs: number, tol_rel: number): ComparatorConfig => ({
  kind: 'numeric',
  tol_abs,
  tol_rel,
})
const text = (min_similarity: number, normalize?: boolean): ComparatorConfig =>
  normalize === undefined ? { kind: 'text', min_similarity } : { kind: 'text', min_similarity, normalize }

type Verdict = ShadowComparison['verdict']

describe('compareOutputs: label', () => {
  it.each<[unknown, unknown, Verdict]>([
    ['cat', 'cat', 'agree'],
    ['cat', 'dog', 'diverge'],
    ['Cat', 'cat', 'diverge'], // exact, no normalization
    ['cat ', 'cat', 'diverge'],
    [1, '1', 'agree'], // compared after String()
    [1, 1.0, 'agree'],
    [1, 2, 'diverge'],
    [true, 'true', 'agree'],
    [false, true, 'diverge'],
    [0, false, 'diverge'], // '0' vs 'false'
    ['', '', 'agree'],
  ])('%j vs %j → %s', (champion, shadow, verdict) => {
    const r = compareOutputs(champion, shadow, LABEL)
    expect(r.verdict).toBe(verdict)
    expect(r.side).toBeNull()
    expect(r.championOutput).toBe(champion)
    expect(r.shadowOutput).toBe(shadow)
  })

  it('names both labels when they differ', () => {
    expect(compareOutputs('cat', 'dog', LABEL).reason).toBe('labels differ: champion "cat", shadow "dog"')
  })

  it.each<[unknown, unknown, 'champion' | 'shadow']>([
    [null, 'cat', 'champion'],
    [{ label: 'cat' }, 'cat', 'champion'],
    [['cat'], 'cat', 'champion'],
    [undefined, 'cat', 'champion'],
    ['cat', null, 'shadow'],
    ['cat', ['cat'], 'shadow'],
    [null, null, 'champion'], // the champion is checked first
  ])('%j vs %j → error blaming the %s', (champion, shadow, side) => {
    const r = compareOutputs(champion, shadow, LABEL)
    expect(r.verdict).toBe('error')
    expect(r.side).toBe(side)
    expect(r.reason).toMatch(side === 'champion' ? /^not comparable: champion / : /^shadow /)
  })
})

describe('compareOutputs: numeric boundaries (diverge iff |b − a| > tol_abs + tol_rel·|a|)', () => {
  it.each<[unknown, unknown, number, number, Verdict]>([
    // Exactly at the tolerance is agreement; just above diverges.
    [1, 1.5, 0.5, 0, 'agree'],
    [1, 0.5, 0.5, 0, 'agree'],
    [1, 1.5000001, 0.5, 0, 'diverge'],
    [1, 0.4999999, 0.5, 0, 'diverge'],
    [100, 105, 0, 0.05, 'agree'],
    [100, 95, 0, 0.05, 'agree'],
    [100, 105.0001, 0, 0.05, 'diverge'],
    [-100, -105, 0, 0.05, 'agree'], // |a| for a negative champion
    [-100, -94.9999, 0, 0.05, 'diverge'],
    [100, 106, 1, 0.05, 'agree'], // the two tolerances add: 1 + 0.05·100 = 6
    [100, 94, 1, 0.05, 'agree'],
    [100, 107, 1, 0.05, 'diverge'],
    [100, 106.001, 1, 0.05, 'diverge'],
    // The relative part scales with the champion, not the shadow: |b| would give 11.05 here.
    [100, 110.5, 0, 0.1, 'diverge'],
    [110.5, 100, 0, 0.1, 'agree'],
    // Decimal configs behave as written despite binary rounding (1.1 − 1 = 0.10000000000000009).
    [1, 1.1, 0.1, 0, 'agree'],
    [0.1, 0.3, 0.2, 0, 'agree'],
    [1, 1.1000001, 0.1, 0, 'diverge'],
    [0, 0, 0, 0, 'agree'],
    [5, 5, 0, 0, 'agree'],
    [0, 1e-300, 0, 0, 'diverge'],
    [0, -1e-300, 0, 0, 'diverge'],
    // Numeric strings go through Number().
    ['1', '1.5', 0.5, 0, 'agree'],
    [' 2 ', '2e0', 0, 0, 'agree'],
    ['1', 3, 0.5, 0, 'diverge'],
    // Overflowing difference still diverges.
    [-1.7e308, 1.7e308, 1, 0, 'diverge'],
  ])('%j vs %j (tol_abs %d, tol_rel %d) → %s', (champion, shadow, tolAbs, tolRel, verdict) => {
    const r = compareOutputs(champion, shadow, numeric(tolAbs, tolRel))
    expect(r.verdict).toBe(verdict)
    expect(r.side).toBeNull()
  })

  it('reports the signed paired difference shadow − champion', () => {
    expect(compareOutputs(10, 7, numeric(0, 0)).difference).toBe(-3)
    expect(compareOutputs('7', '10', numeric(0, 0)).difference).toBe(3)
  })

  it('explains the tolerance in the reason', () => {
    expect(compareOutputs(100, 107, numeric(1, 0.05)).reason).toBe(
      '|shadow - champion| = 7 > tolerance 6 (tol_abs 1 + tol_rel 0.05 x |100|)',
    )
    expect(compareOutputs(1, 1.1, numeric(0.1, 0)).reason).toBe(
      '|shadow - champion| = 0.1 <= tolerance 0.1 (tol_abs 0.1 + tol_rel 0 x |1|)',
    )
  })

  it.each<[unknown, unknown, 'champion' | 'shadow']>([
    ['abc', 1, 'champion'],
    ['', 1, 'champion'], // Number('') is 0, but a blank is not a number
    ['  ', 1, 'champion'],
    [null, 1, 'champion'],
    [true, 1, 'champion'], // booleans are not regression outputs
    [[1], 1, 'champion'],
    ['Infinity', 1, 'champion'],
    [1, 'abc', 'shadow'],
    [1, '', 'shadow'],
    [1, false, 'shadow'],
    [1, { value: 1 }, 'shadow'],
    [1, undefined, 'shadow'],
    [1, '1e400', 'shadow'], // overflows to Infinity
  ])('%j vs %j → error blaming the %s', (champion, shadow, side) => {
    const r = compareOutputs(champion, shadow, numeric(1, 0))
    expect(r.verdict).toBe('error')
    expect(r.side).toBe(side)
    expect(r.difference).toBeUndefined()
    expect(r.reason).toMatch(/not a finite number/)
  })
})

describe('compareOutputs: text (diverge iff similarity < min_similarity)', () => {
  it.each<[unknown, unknown, ComparatorConfig, Verdict, number]>([
    ['Hello World', 'hello   world', text(1), 'agree', 1], // normalized by default
    ['Hello World', 'hello   world', text(1, true), 'agree', 1],
    ['Hello', 'hello', text(1, false), 'diverge', 0.8],
    ['Hello', 'hello', text(0.8, false), 'agree', 0.8],
    ['Hello World', 'hello world', text(0.8, false), 'agree', 9 / 11],
    // At the boundary: similarity equal to min_similarity agrees.
    ['abcdefghij', 'abcdefghiX', text(0.9), 'agree', 0.9],
    ['abcdefghij', 'abcdefghiX', text(0.9000001), 'diverge', 0.9],
    ['abcdefghij', 'abcXXXXXXX', text(0.3), 'agree', 0.3],
    ['abcdefghij', 'abcXXXXXXX', text(0.30001), 'diverge', 0.3],
    ['abc', 'xyz', text(0), 'agree', 0], // a zero threshold accepts anything
    ['', '', text(1), 'agree', 1],
    ['ＦＵＬＬ', 'full', text(1), 'agree', 1], // NFKC
    // Non-strings are compared as canonical JSON (sorted keys).
    [{ a: 1, b: [2, 3] }, { b: [2, 3], a: 1 }, text(1, false), 'agree', 1],
    [42, '42', text(1, false), 'agree', 1],
    [null, 'null', text(1, false), 'agree', 1],
    [{ a: 1 }, { a: 2 }, text(0.9, false), 'diverge', 6 / 7],
  ])('%j vs %j (%j) → %s', (champion, shadow, comparator, verdict, similarity) => {
    const r = compareOutputs(champion, shadow, comparator)
    expect(r.verdict).toBe(verdict)
    expect(r.similarity).toBe(similarity)
    expect(r.side).toBeNull()
    expect(r.reason).not.toMatch(/truncated/)
    // The outputs are reported as extracted, not normalized.
    expect(r.championOutput).toBe(champion)
  })

  it('explains the threshold in the reason', () => {
    expect(compareOutputs('abcd', 'abcX', text(0.8)).reason).toBe('edit similarity 0.75 < min_similarity 0.8')
  })

  it.each<[unknown, unknown, 'champion' | 'shadow']>([
    [undefined, 'x', 'champion'],
    [10n, 'x', 'champion'],
    ['x', undefined, 'shadow'],
  ])('%s vs %j → error blaming the %s', (champion, shadow, side) => {
    const r = compareOutputs(champion, shadow, text(0.5))
    expect(r).toMatchObject({ verdict: 'error', side })
  })

  describe('truncation', () => {
    const head = 'lorem ipsum '.repeat(400) // 4800 code points, already normalized

    it('compares only the first 4096 code points and says so', () => {
      const r = compareOutputs(head + 'champion tail', head + 'completely different', text(0.99))
      expect(r.verdict).toBe('agree')
      expect(r.similarity).toBe(1)
      expect(r.reason).toBe(
        'edit similarity 1 >= min_similarity 0.99; truncated: compared only the first 4096 code ' +
          'points (champion and shadow longer)',
      )
    })

    it('still finds a difference past the cut when min_similarity 1 asks for identical texts', () => {
      const r = compareOutputs(head + 'champion tail', head + 'completely different', text(1))
      expect(r.verdict).toBe('diverge')
      expect(r.reason).toBe('texts differ past the first 4096 code points (min_similarity 1 asks for identical texts)')
      expect(compareOutputs(head + 'same tail', head + 'same tail', text(1)).verdict).toBe('agree')
    })

    it('names only the side that was cut', () => {
      const r = compareOutputs(head, head.slice(0, 4096), text(0.99))
      expect(r.reason).toMatch(/\(champion longer\)$/)
      const s = compareOutputs(head.slice(0, 100), head, text(0))
      expect(s.reason).toMatch(/\(shadow longer\)$/)
    })

    it('truncates after normalization, so collapsed whitespace does not count', () => {
      const padded = 'a' + ' '.repeat(10_000) + 'b'
      const r = compareOutputs(padded, 'a b', text(1))
      expect(r).toMatchObject({ verdict: 'agree', similarity: 1 })
      expect(r.reason).not.toMatch(/truncated/)
    })

    it('honours a custom cap', () => {
      const r = compareOutputs('abcdef', 'abcxyz', text(0.99), { maxCodePoints: 3 })
      expect(r.verdict).toBe('agree')
      expect(r.reason).toMatch(/first 3 code points/)
      expect(compareOutputs('abcdef', 'abcxyz', text(0.99), { maxCodePoints: Infinity }).verdict).toBe('diverge')
    })

    it('treats an invalid cap as a config error', () => {
      const r = compareOutputs('a', 'a', text(1), { maxCodePoints: 0 })
      expect(r).toMatchObject({ verdict: 'error', side: null })
      expect(r.reason).toMatch(/maxCodePoints/)
    })
  })
})

describe('compareOutputs: invalid comparator', () => {
  it('is an error blaming neither side, not a throw', () => {
    const r = compareOutputs(1, 1, { kind: 'numeric', tol_abs: -1, tol_rel: 0 })
    expect(r).toMatchObject({ verdict: 'error', side: null })
    expect(r.reason).toMatch(/^invalid comparator: tol_abs/)
  })
})

describe('extractAndCompare', () => {
  const ok = (body: unknown): string => JSON.stringify(body)
  const base = {
    pointer: '/prediction/label',
    comparator: LABEL,
    championBody: ok({ prediction: { label: 'cat', p: 0.9 } }),
    shadowBody: ok({ prediction: { label: 'cat', p: 0.7 } }),
    championStatus: 200,
    shadowStatus: 200,
  }

  it('agrees when the extracted labels match', () => {
    expect(extractAndCompare(base)).toEqual({
      verdict: 'agree',
      reason: 'labels agree: "cat"',
      side: null,
      championOutput: 'cat',
      shadowOutput: 'cat',
    })
  })

  it('diverges when they differ', () => {
    const r = extractAndCompare({ ...base, shadowBody: ok({ prediction: { label: 'dog' } }) })
    expect(r).toMatchObject({ verdict: 'diverge', championOutput: 'cat', shadowOutput: 'dog' })
  })

  it('works with the whole-document pointer and other comparators', () => {
    const r = extractAndCompare({
      ...base,
      pointer: '',
      comparator: numeric(0.01, 0),
      championBody: '0.5',
      shadowBody: '0.505',
      shadowStatus: 299,
    })
    expect(r).toMatchObject({ verdict: 'agree', championOutput: 0.5, shadowOutput: 0.505 })
    expect(r.difference).toBeCloseTo(0.005, 12)
  })

  type Case = [string, Partial<typeof base>, 'champion' | 'shadow' | null, RegExp | string]
  it.each<Case>([
    // Shadow failures: evidence against the shadow.
    ['shadow 5xx', { shadowStatus: 503 }, 'shadow', 'shadow returned HTTP 503'],
    ['shadow 4xx', { shadowStatus: 429 }, 'shadow', 'shadow returned HTTP 429'],
    ['shadow 3xx', { shadowStatus: 302 }, 'shadow', 'shadow returned HTTP 302'],
    ['shadow 1xx', { shadowStatus: 199 }, 'shadow', 'shadow returned HTTP 199'],
    ['shadow not JSON', { shadowBody: '<html>oops' }, 'shadow', 'shadow response is not JSON'],
    ['shadow empty body', { shadowBody: '' }, 'shadow', 'shadow response is not JSON'],
    [
      'shadow pointer missing',
      { shadowBody: ok({ prediction: {} }) },
      'shadow',
      /^shadow output not found at "\/prediction\/label": member "label" not found/,
    ],
    ['shadow wrong type', { shadowBody: ok({ prediction: { label: null } }) }, 'shadow', /^shadow/],
    // Champion failures: the pair is not comparable.
    [
      'champion 5xx',
      { championStatus: 500 },
      'champion',
      'not comparable: champion returned HTTP 500 (shadow returned HTTP 200)',
    ],
    ['champion not JSON', { championBody: 'nope' }, 'champion', /^not comparable: champion resp/],
    [
      'champion pointer missing',
      { championBody: ok({ prediction: ['cat'] }) },
      'champion',
      /^not comparable: champion output not found at "\/prediction\/label"/,
    ],
    [
      'champion wrong type',
      { championBody: ok({ prediction: { label: { name: 'cat' } } }) },
      'champion',
      /^not comparable: champion output/,
    ],
    // Both fail: the champion is blamed (e.g. both 400 on a malformed request).
    [
      'both 400',
      { championStatus: 400, shadowStatus: 400 },
      'champion',
      'not comparable: champion returned HTTP 400 (shadow returned HTTP 400)',
    ],
    [
      'both not JSON',
      { championBody: '', shadowBody: '' },
      'champion',
      'not comparable: champion response is not JSON',
    ],
    // Config errors blame nobody.
    ['invalid pointer', { pointer: 'prediction' }, null, /^invalid JSON pointer "prediction"/],
    ['bad escape', { pointer: '/a~2' }, null, /'~' must be followed by '0' or '1'/],
  ])('%s → error (side %s)', (_name, patch, side, reason) => {
    const r = extractAndCompare({ ...base, ...patch })
    expect(r.verdict).toBe('error')
    expect(r.side).toBe(side)
    if (typeof reason === 'string') expect(r.reason).toBe(reason)
    else expect(r.reason).toMatch(reason)
  })

  it('keeps the champion output when the shadow fails', () => {
    expect(extractAndCompare({ ...base, shadowStatus: 500 })).toMatchObject({
      championOutput: 'cat',
      shadowOutput: undefined,
    })
  })

  it('rejects an invalid comparator before looking at the bodies', () => {
    const r = extractAndCompare({
      ...base,
      championStatus: 500,
      comparator: { kind: 'text', min_similarity: 2 },
    })
    expect(r).toMatchObject({ verdict: 'error', side: null })
    expect(r.reason).toMatch(/^invalid comparator: min_similarity/)
  })

  it('passes the truncation cap through', () => {
    const r = extractAndCompare({
      ...base,
      pointer: '/t',
      comparator: text(0.99),
      championBody: ok({ t: 'abcdef' }),
      shadowBody: ok({ t: 'abcxyz' }),
      maxCodePoints: 3,
    })
    expect(r.verdict).toBe('agree')
    expect(r.reason).toMatch(/truncated/)
  })
})

describe('validateComparator', () => {
  it.each<[unknown]>([
    [{ kind: 'label' }],
    [{ kind: 'numeric', tol_abs: 0, tol_rel: 0 }],
    [{ kind: 'numeric', tol_abs: 0.5, tol_rel: 2 }],
    [{ kind: 'text', min_similarity: 0 }],
    [{ kind: 'text', min_similarity: 1, normalize: false }],
  ])('%j is valid', (config) => {
    expect(validateComparator(config)).toEqual([])
    expect(isComparatorConfig(config)).toBe(true)
  })

  it.each<[unknown, string[]]>([
    [null, ['comparator: must be an object, got null']],
    [['label'], ['comparator: must be an object, got ["label"]']],
    ['label', ['comparator: must be an object, got "label"']],
    [{}, ["kind: must be one of 'label', 'numeric', 'text', got undefined"]],
    [{ kind: 'exact' }, ["kind: must be one of 'label', 'numeric', 'text', got \"exact\""]],
    [{ kind: 'label', tol_abs: 1 }, ["tol_abs: unknown field for kind 'label'"]],
    [{ kind: 'numeric', tol_abs: 1 }, ['tol_rel: must be a finite number >= 0, got undefined']],
    [
      { kind: 'numeric', tol_abs: -0.1, tol_rel: Number.NaN },
      ['tol_abs: must be a finite number >= 0, got -0.1', 'tol_rel: must be a finite number >= 0, got NaN'],
    ],
    [
      { kind: 'numeric', tol_abs: '0.1', tol_rel: Infinity },
      ['tol_abs: must be a finite number >= 0, got "0.1"', 'tol_rel: must be a finite number >= 0, got Infinity'],
    ],
    [{ kind: 'text' }, ['min_similarity: must be a number in [0, 1], got undefined']],
    [{ kind: 'text', min_similarity: 1.5 }, ['min_similarity: must be a number in [0, 1], got 1.5']],
    [{ kind: 'text', min_similarity: -0.1 }, ['min_similarity: must be a number in [0, 1], got -0.1']],
    [{ kind: 'text', min_similarity: Number.NaN }, ['min_similarity: must be a number in [0, 1], got NaN']],
    [{ kind: 'text', min_similarity: 0.9, normalize: 'yes' }, ['normalize: must be a boolean if present, got "yes"']],
    [{ kind: 'text', min_similarity: 0.9, normalise: false }, ["normalise: unknown field for kind 'text'"]],
  ])('%j → %j', (config, problems) => {
    expect(validateComparator(config)).toEqual(problems)
    expect(isComparatorConfig(config)).toBe(false)
  })
})

describe('scoreOutcome', () => {
  it.each<[unknown, number | string | boolean, ComparatorConfig, unknown]>([
    ['cat', 'cat', LABEL, { correct: true }],
    ['cat', 'dog', LABEL, { correct: false }],
    [1, '1', LABEL, { correct: true }],
    ['true', true, LABEL, { correct: true }],
    [{ label: 'cat' }, 'cat', LABEL, { correct: false }],
    [['1'], 1, LABEL, { correct: false }], // String(['1']) would be '1'; arrays are not labels
    [null, 'null', LABEL, { correct: false }],
    [3.5, 3, numeric(0, 0), { loss: 0.5 }],
    [2, 3.5, numeric(0, 0), { loss: 1.5 }],
    ['3.5', '3', numeric(1, 1), { loss: 0.5 }], // tolerances do not affect the loss
    [0.75, true, numeric(0, 0), { loss: 0.25 }], // a probability scored against a conversion
    [0.75, false, numeric(0, 0), { loss: 0.75 }],
    ['Hello  World', 'hello world', text(1), { correct: true }],
    ['Hello World', 'hello world', text(1, false), { correct: false }],
    ['abcdefghij', 'abcdefghiX', text(0.9), { correct: true }], // ≥ is correct
    ['abcdefghij', 'abcdefghiX', text(0.91), { correct: false }],
    [42, 42, text(1), { correct: true }],
    [undefined, 'x', text(0), { correct: false }],
  ])('%j against %j (%j) → %j', (output, outcome, comparator, expected) => {
    expect(scoreOutcome(output, outcome, comparator)).toEqual(expected)
  })

  it.each<[unknown, number | string | boolean, RegExp]>([
    ['abc', 1, /cannot score output "abc"/],
    [true, 1, /cannot score output true/],
    [1, 'abc', /cannot score against outcome "abc"/],
    [1, '', /cannot score against outcome ""/],
  ])('numeric: %j against %j throws', (output, outcome, message) => {
    expect(() => scoreOutcome(output, outcome, numeric(0, 0))).toThrow(message)
  })

  it('throws on an invalid comparator', () => {
    expect(() => scoreOutcome('a', 'a', { kind: 'nope' } as unknown as ComparatorConfig)).toThrow(
      /invalid comparator: kind/,
    )
  })
})
