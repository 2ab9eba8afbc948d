/**
 * Edit distance and similarity. The bit-parallel distance is checked against a textbook O(n·m)
 * DP written here on seeded pseudo-random strings whose lengths straddle the 32-bit block edges,
 * where blocked Myers implementations usually break.
 */

import { describe, expect, it } from 'vitest'
import {
  DEFAULT_MAX_CODE_POINTS,
  editSimilarity,
  levenshtein,
  normalizeText,
  normalizedEditSimilarity,
} from '../../../../src/core/shadow/similarity'

/** Reference: full-matrix Wagner–Fischer over code points. */
function reference(a: string, b: string): number {
  const A = [...a]
  const B = [...b]
  let prev = Array.from({ length: B.length + 1 }, (_, j) => j)
  for (let i = 1; i <= A.length; i++) {
    const cur = [i]
    for (let j = 1; j <= B.length; j++) {
      const sub = (prev[j - 1] as number) + (A[i - 1] === B[j - 1] ? 0 : 1)
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, sub)
    }
    prev = cur
  }
  return prev[B.length] as number
}

/** Deterministic LCG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return s / 2 ** 32
  }
}

function randomString(next: () => number, length: number, alphabet: readonly string[]): string {
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)] as string
  return out
}

describe('levenshtein: known pairs', () => {
  it.each<[string, string, number]>([
    ['kitten', 'sitting', 3],
    ['sitting', 'kitten', 3],
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['same', 'same', 0],
    ['a', 'b', 1],
    ['flaw', 'lawn', 2],
    ['saturday', 'sunday', 3],
    ['gumbo', 'gambol', 2],
    ['book', 'back', 2],
    ['ab', 'ba', 2], // no transpositions: this is not Damerau
    ['intention', 'execution', 5],
    // Astral characters are one code point each (two UTF-16 units would make these 2).
    ['a😀b', 'ab', 1],
    ['𝒳', 'x', 1],
    ['😀', '', 1],
    ['😀😀😀', '😃😀😀', 1],
    ['𠀀𠀁', '𠀁𠀀', 2],
    // Code points, not graphemes: precomposed é vs e + combining acute.
    ['\u00e9', 'e\u0301', 2],
  ])('lev(%j, %j) = %i', (a, b, expected) => {
    expect(levenshtein(a, b)).toBe(expected)
  })

  it('a lone surrogate counts as one code point', () => {
    expect(levenshtein('\ud83d', '')).toBe(1)
    expect(levenshtein('a\ud83db', 'ab')).toBe(1)
  })
})

// Lengths around multiples of 32 exercise the carries between blocks and the partial last block.
const LENGTHS = [1, 2, 31, 32, 33, 63, 64, 65, 97, 130]
const ALPHABETS: ReadonlyArray<readonly string[]> = [
  ['a'],
  ['a', 'b'],
  ['a', 'b', 'c', 'd'],
  ['x', 'y', '😀', 'é', 'e', '\u0301', ' ', 'z'],
]
const randomCases: Array<[string, string, number]> = []
{
  const next = rng(20240601)
  for (const n of LENGTHS) {
    for (const alphabet of ALPHABETS) {
      const m = LENGTHS[Math.floor(next() * LENGTHS.length)] as number
      const a = randomString(next, n, alphabet)
      const b = randomString(next, m, alphabet)
      randomCases.push([a, b, reference(a, b)])
    }
  }
}

describe('levenshtein: agrees with the reference DP', () => {
  it.each(randomCases.map(([a, b, d], i) => ({ i, a, b, d, la: [...a].length, lb: [...b].length })))(
    'case $i (|a|=$la, |b|=$lb) distance $d',
    ({ a, b, d }) => {
      expect(levenshtein(a, b)).toBe(d)
      expect(levenshtein(b, a)).toBe(d)
    },
  )

  it('on 300 more random pairs, including near-identical ones', () => {
    const next = rng(7)
    for (let k = 0; k < 300; k++) {
      const alphabet = ALPHABETS[k % ALPHABETS.length] as readonly string[]
      const a = randomString(next, Math.floor(next() * 150), alphabet)
      // Half the pairs are small edits of `a`, so prefix/suffix stripping matters.
      let b: string
      if (k % 2 === 0) {
        b = randomString(next, Math.floor(next() * 150), alphabet)
      } else {
        const cps = [...a]
        const at = Math.floor(next() * (cps.length + 1))
        cps.splice(at, Math.floor(next() * 3), ...randomString(next, Math.floor(next() * 3), alphabet))
        b = cps.join('')
      }
      expect(levenshtein(a, b), JSON.stringify([a, b])).toBe(reference(a, b))
    }
  })
})

describe('levenshtein: maxCost early exit', () => {
  it.each<[string, string, number, number]>([
    ['kitten', 'sitting', 3, 3],
    ['kitten', 'sitting', 4, 3],
    ['kitten', 'sitting', 2, 3],
    ['kitten', 'sitting', 2.5, 3],
    ['kitten', 'sitting', 0, 1],
    ['kitten', 'kitten', 0, 0],
    ['', 'abcdef', 5, 6],
    ['', 'abcdef', 6, 6],
    ['abc', 'abc'.repeat(1000), 10, 11],
    ['kitten', 'sitting', Infinity, 3],
  ])('lev(%j, %j, max %d) = %d', (a, b, maxCost, expected) => {
    expect(levenshtein(a, b, maxCost)).toBe(expected)
  })

  it('returns the exact distance iff it is within maxCost, else floor(maxCost) + 1', () => {
    const next = rng(99)
    for (let k = 0; k < 200; k++) {
      const alphabet = ALPHABETS[k % ALPHABETS.length] as readonly string[]
      const a = randomString(next, Math.floor(next() * 120), alphabet)
      const b = randomString(next, Math.floor(next() * 120), alphabet)
      const d = reference(a, b)
      const max = Math.floor(next() * 80)
      expect(levenshtein(a, b, max), JSON.stringify([a, b, max])).toBe(d <= max ? d : max + 1)
    }
  })

  it('answers maxCost + 1 on long unrelated inputs', () => {
    const next = rng(3)
    const a = randomString(next, 50_000, ['a', 'b', 'c'])
    const b = randomString(next, 50_000, ['x', 'y', 'z'])
    // How early the bound trips is timed by `npm run bench:core`, not here: a test on a shared
    // machine cannot tell slow code from a busy machine.
    expect(levenshtein(a, b, 5)).toBe(6)
  })

  it.each([-1, Number.NaN])('rejects maxCost %d', (maxCost) => {
    expect(() => levenshtein('a', 'b', maxCost)).toThrow(RangeError)
  })
})

describe('levenshtein at the 4,096-code-point cap (every one of the 128 blocks)', () => {
  // Exact distances known without the O(n·m) reference (~0.5 s at this size). Its speed against
  // that reference is timed by `npm run bench:core`.
  const next = rng(11)
  const alphabet = 'abcdefghijklmnopqrstuvwxyz '.split('')
  const a = randomString(next, 4096, alphabet)

  it('counts substitutions by a character absent from the other string exactly', () => {
    // Each '#' must be produced by its own edit, and substituting it is one: d = their number.
    const b = [...a].map((c, i) => (i % 7 === 3 ? '#' : c)).join('')
    expect(levenshtein(a, b)).toBe(Math.ceil((4096 - 3) / 7))
  })

  it('counts a deleted run plus such substitutions exactly', () => {
    // Each '#' needs its own edit and each of the 100 missing characters a deletion: d = #'s + 100.
    // The '#'s near both ends leave no long shared prefix or suffix to strip before the DP.
    const marked = [...a].map((c, i) => (i % 7 === 3 ? '#' : c))
    const b = [...marked.slice(0, 2000), ...marked.slice(2100)].join('')
    expect(levenshtein(a, b)).toBe([...b].filter((c) => c === '#').length + 100)
  })

  it('puts two unrelated strings far apart', () => {
    expect(levenshtein(a, randomString(next, 4096, alphabet))).toBeGreaterThan(3000)
  })
})

describe('normalizedEditSimilarity', () => {
  it.each<[string, string, number]>([
    ['', '', 1],
    ['abc', 'abc', 1],
    ['abc', '', 0],
    ['', 'abc', 0],
    ['abc', 'xyz', 0],
    ['kitten', 'sitting', 4 / 7],
    ['abcdefghij', 'abcdefghiX', 0.9],
    ['abcdefghij', 'abcXXXXXXX', 0.3], // (10 − 7) / 10 must be exactly the literal 0.3
    ['a😀', 'a😃', 0.5],
    ['Hello', 'hello', 0.8], // no normalization here
  ])('sim(%j, %j) = %d', (a, b, expected) => {
    expect(normalizedEditSimilarity(a, b)).toBe(expected)
  })
})

describe('editSimilarity: truncation', () => {
  const base = 'x'.repeat(DEFAULT_MAX_CODE_POINTS)

  it('is 4096 code points by default', () => {
    expect(DEFAULT_MAX_CODE_POINTS).toBe(4096)
  })

  it('ignores differences past the cap and reports truncation', () => {
    const r = editSimilarity(base + 'A'.repeat(500), base + 'B'.repeat(900))
    expect(r).toEqual({
      similarity: 1,
      distance: 0,
      lengthA: 4096,
      lengthB: 4096,
      truncatedA: true,
      truncatedB: true,
      maxCodePoints: 4096,
    })
  })

  it('flags only the side that was cut', () => {
    const r = editSimilarity(base + 'tail', base)
    expect([r.truncatedA, r.truncatedB, r.similarity]).toEqual([true, false, 1])
  })

  it('does not flag a string of exactly the cap', () => {
    const r = editSimilarity(base, base)
    expect([r.truncatedA, r.truncatedB]).toEqual([false, false])
  })

  it('counts the cap in code points, never splitting a surrogate pair', () => {
    const r = editSimilarity('😀'.repeat(10), '😀'.repeat(4) + 'x', { maxCodePoints: 5 })
    expect(r).toMatchObject({ lengthA: 5, lengthB: 5, distance: 1, similarity: 0.8 })
    expect([r.truncatedA, r.truncatedB]).toEqual([true, false])
  })

  it.each<[number, number]>([
    [3, 1], // abc vs abc
    [4, 0.75], // abcd vs abcX
    [Infinity, 0.625], // three substitutions over 8
  ])('maxCodePoints %d gives similarity %d', (maxCodePoints, similarity) => {
    expect(normalizedEditSimilarity('abcdefgh', 'abcXefYZ', { maxCodePoints })).toBe(similarity)
  })

  it.each([0, -1, 1.5, Number.NaN])('rejects maxCodePoints %d', (maxCodePoints) => {
    expect(() => editSimilarity('a', 'b', { maxCodePoints })).toThrow(RangeError)
  })
})

describe('normalizeText', () => {
  it.each<[string, string]>([
    ['  Hello\tWORLD \n', 'hello world'],
    ['a \u00a0\u2003 b', 'a b'], // NBSP and em space
    ['line1\r\n\r\nline2', 'line1 line2'],
    ['\uff21\uff22\uff23', 'abc'], // full-width
    ['\ufb01le', 'file'], // ﬁ ligature
    ['e\u0301', '\u00e9'], // composed by NFKC
    ['\u2460', '1'], // circled digit
    ['', ''],
    ['   ', ''],
    ['ÉCOLE', 'école'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected)
  })

  it('makes composed and decomposed accents identical', () => {
    expect(levenshtein(normalizeText('caf\u00e9'), normalizeText('cafe\u0301'))).toBe(0)
  })
})
