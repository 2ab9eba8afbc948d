/**
 * @module core/shadow/similarity
 * Edit distance and normalized edit similarity for comparing champion and shadow text outputs
 * (docs/statistics.md §8.3, text comparator).
 *
 * Distances count Unicode code points, not UTF-16 units, so an emoji or a CJK extension character
 * is one edit. They do not count grapheme clusters: `e` + U+0301 is two code points, which is why
 * {@link normalizeText} applies NFKC first.
 *
 * Speed: shadow comparisons run inside the request's `waitUntil` budget, so the distance uses
 * Myers' bit-parallel algorithm in Hyyrö's blocked form, O(⌈max(n,m)/32⌉·min(n,m)) time, and
 * similarity compares at most the first {@link DEFAULT_MAX_CODE_POINTS} code points of each side
 * unless told otherwise. Two unrelated 4096-code-point strings cost 128·4096 word steps, about
 * 4 ms on Node 20 (a plain O(n·m) DP takes ~70 ms); shared prefixes/suffixes are free.
 */

/**
 * Default cap on the code points compared per side by {@link editSimilarity}. Beyond it only the
 * prefixes are compared and the result says it was truncated; 4096 keeps the worst case around a
 * millisecond while covering typical classifier/LLM answer lengths.
 */
export const DEFAULT_MAX_CODE_POINTS = 4096

/** Detailed result of {@link editSimilarity}. */
export interface EditSimilarity {
  /** `1 − distance / max(lengthA, lengthB)`, or 1 when both compared strings are empty. */
  similarity: number
  /** Levenshtein distance between the compared (possibly truncated) strings, in code points. */
  distance: number
  /** Code points of `a` that were compared. */
  lengthA: number
  /** Code points of `b` that were compared. */
  lengthB: number
  /** True if `a` had more than `maxCodePoints` code points and only its prefix was compared. */
  truncatedA: boolean
  /** True if `b` had more than `maxCodePoints` code points and only its prefix was compared. */
  truncatedB: boolean
  /** The cap that was applied. */
  maxCodePoints: number
}

/** Options for {@link editSimilarity} and {@link normalizedEditSimilarity}. */
export interface SimilarityOptions {
  /**
   * Compare at most this many leading code points of each string (integer ≥ 1, or `Infinity` for
   * no cap). Defaults to {@link DEFAULT_MAX_CODE_POINTS}.
   */
  maxCodePoints?: number
}

/**
 * Canonical form used before comparing texts: NFKC (folds full-width forms, ligatures and
 * composed/decomposed accents), lowercase (locale-independent), every run of Unicode whitespace
 * collapsed to one space, then trimmed.
 */
export function normalizeText(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim()
}

/** Decodes at most `limit` code points; a lone surrogate counts as one code point. */
function toCodePoints(s: string, limit: number): { cps: Int32Array; truncated: boolean } {
  const buf = new Int32Array(Math.min(s.length, limit))
  let n = 0
  let i = 0
  while (i < s.length && n < limit) {
    const cp = s.codePointAt(i) as number
    buf[n++] = cp
    i += cp > 0xffff ? 2 : 1
  }
  return { cps: n === buf.length ? buf : buf.subarray(0, n), truncated: i < s.length }
}

function checkMaxCost(maxCost: number | undefined): number {
  if (maxCost === undefined) return Infinity
  if (Number.isNaN(maxCost) || maxCost < 0) {
    throw new RangeError(`maxCost must be a number >= 0, got ${maxCost}`)
  }
  return maxCost
}

function checkMaxCodePoints(max: number | undefined): number {
  if (max === undefined) return DEFAULT_MAX_CODE_POINTS
  if (max === Infinity || (Number.isInteger(max) && max >= 1)) return max
  throw new RangeError(`maxCodePoints must be an integer >= 1 or Infinity, got ${max}`)
}

/**
 * Blocked Myers/Hyyrö bit-vector edit distance. `p` (the longer string) is cut into 32-row
 * blocks; each block sweeps the whole of `t` (the shorter), handing the horizontal deltas of its
 * bottom row to the next block as bit sets. Working memory is therefore O(min(n, m)): the dense
 * alphabet of `t`, its ids, and two bit sets of |t| bits.
 *
 * Returns the exact distance, or `cap` once a lower bound on it exceeds `maxCost`.
 */
function myers(p: Int32Array, t: Int32Array, maxCost: number, cap: number): number {
  const M = p.length
  const N = t.length
  // Ids only for code points of t: a code point of p that never occurs in t matches nothing, so
  // it needs no peq entry, and peq stays O(|t|) whatever the alphabet of p.
  const ids = new Map<number, number>()
  const tIds = new Int32Array(N)
  for (let i = 0; i < N; i++) {
    const cp = t[i] as number
    let id = ids.get(cp)
    if (id === undefined) {
      id = ids.size
      ids.set(cp, id)
    }
    tIds[i] = id
  }
  const peq = new Int32Array(ids.size)
  const words = (N + 31) >>> 5
  // Horizontal deltas entering the top block are all +1 (row 0 of the DP is 0, 1, 2, ...).
  const phc = new Int32Array(words).fill(-1)
  const mhc = new Int32Array(words)
  const blockIds = new Int32Array(32)

  // Typed-array reads below use `!`: every index is bounded by the loop that produces it, and
  // `?? 0` in the inner loop would cost a branch per cell.
  for (let start = 0; start < M; start += 32) {
    const len = Math.min(32, M - start)
    let used = 0
    for (let k = 0; k < len; k++) {
      const id = ids.get(p[start + k]!)
      if (id !== undefined) {
        peq[id]! |= 1 << k
        blockIds[used++] = id
      }
    }
    const row = start + len
    const bottom = len - 1
    const rowsLeft = M - row
    let pv = -1
    let mv = 0
    let score = row
    // Every alignment crosses this block's bottom row at some column j, after which it still has
    // to absorb the length difference of what remains: D[row][j] + |rowsLeft − (N − j)| is a
    // lower bound on the final distance, so its minimum over j licenses the early exit.
    let bound = score + Math.abs(rowsLeft - N)
    // Columns are walked one 32-bit word of carries at a time: reading and writing the carry bit
    // sets per word instead of per column nearly halves the time for 4 KB inputs.
    for (let w = 0, base = 0; base < N; w++, base += 32) {
      const inP = phc[w]!
      const inM = mhc[w]!
      let outP = 0
      let outM = 0
      const end = Math.min(32, N - base)
      for (let bit = 0; bit < end; bit++) {
        const eq = peq[tIds[base + bit]!]!
        const pb = (inP >>> bit) & 1
        const mb = (inM >>> bit) & 1
        const xv = eq | mv
        // The sum may exceed 32 bits; `^` truncates it back (ToInt32), which is the carry we want.
        const xh = ((((eq | mb) & pv) + pv) ^ pv) | eq | mb
        let ph = mv | ~(xh | pv)
        let mh = pv & xh
        score += ((ph >>> bottom) & 1) - ((mh >>> bottom) & 1)
        const lb = score + Math.abs(rowsLeft - (N - base - bit - 1))
        if (lb < bound) bound = lb
        // Bit 31 is the horizontal delta on this block's bottom row: the next block's input.
        outP |= (ph >>> 31) << bit
        outM |= (mh >>> 31) << bit
        ph = (ph << 1) | pb
        mh = (mh << 1) | mb
        pv = mh | ~(xv | ph)
        mv = ph & xv
      }
      phc[w] = outP
      mhc[w] = outM
    }
    for (let k = 0; k < used; k++) peq[blockIds[k]!] = 0
    if (bound > maxCost) return cap
    if (row === M) return score
  }
  return 0 // unreachable: M > 0 guarantees the last block returns
}

function distanceOf(a: Int32Array, b: Int32Array, maxCost: number): number {
  const cap = Math.floor(maxCost) + 1
  // Shared prefixes and suffixes never change the distance and are common between model
  // versions (same preamble, same closing), so strip them before paying for the DP.
  let lo = 0
  const shorter = Math.min(a.length, b.length)
  while (lo < shorter && a[lo] === b[lo]) lo++
  let endA = a.length
  let endB = b.length
  while (endA > lo && endB > lo && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  let p = a.subarray(lo, endA)
  let t = b.subarray(lo, endB)
  if (p.length < t.length) [p, t] = [t, p]
  // The length difference alone is a lower bound on the distance.
  if (p.length - t.length > maxCost) return cap
  if (t.length === 0) return p.length
  return myers(p, t, maxCost, cap)
}

/**
 * Levenshtein distance (insert, delete, substitute; no transpositions) between two strings,
 * counted in code points.
 *
 * With `maxCost`, stops as soon as the distance is known to exceed it: the result is then
 * `Math.floor(maxCost) + 1` (the smallest integer above `maxCost`, still a valid lower bound)
 * rather than the exact distance. So `levenshtein(a, b, k) <= k` iff the true distance is ≤ k.
 *
 * No length cap is applied here; callers comparing untrusted text should use
 * {@link editSimilarity}, which caps the input.
 *
 * @throws {RangeError} if `maxCost` is negative or NaN.
 */
export function levenshtein(a: string, b: string, maxCost?: number): number {
  const limit = checkMaxCost(maxCost)
  if (a === b) return 0
  return distanceOf(toCodePoints(a, Infinity).cps, toCodePoints(b, Infinity).cps, limit)
}

/**
 * Normalized edit similarity with details: `1 − lev(a', b') / max(|a'|, |b'|)` where `a'` and
 * `b'` are the first `maxCodePoints` code points of `a` and `b`. Both empty gives 1. No text
 * normalization is applied; call {@link normalizeText} first if wanted.
 *
 * @throws {RangeError} if `maxCodePoints` is not an integer ≥ 1 or `Infinity`.
 */
export function editSimilarity(a: string, b: string, opts: SimilarityOptions = {}): EditSimilarity {
  const maxCodePoints = checkMaxCodePoints(opts.maxCodePoints)
  const ca = toCodePoints(a, maxCodePoints)
  const cb = toCodePoints(b, maxCodePoints)
  const longest = Math.max(ca.cps.length, cb.cps.length)
  const distance = longest === 0 ? 0 : distanceOf(ca.cps, cb.cps, Infinity)
  return {
    // (L − d) / L rounds once, so a ratio like 3/10 lands on the same double as the literal 0.3
    // a user writes as a threshold; 1 − d/L would round twice and can land one ulp below it.
    similarity: longest === 0 ? 1 : (longest - distance) / longest,
    distance,
    lengthA: ca.cps.length,
    lengthB: cb.cps.length,
    truncatedA: ca.truncated,
    truncatedB: cb.truncated,
    maxCodePoints,
  }
}

/**
 * `1 − lev(a, b) / max(|a|, |b|)` in code points, in [0, 1]; 1 for two empty strings. Compares at
 * most the first `maxCodePoints` (default {@link DEFAULT_MAX_CODE_POINTS}) code points of each
 * string; use {@link editSimilarity} to learn whether that happened.
 *
 * @throws {RangeError} if `maxCodePoints` is not an integer ≥ 1 or `Infinity`.
 */
export function normalizedEditSimilarity(a: string, b: string, opts: SimilarityOptions = {}): number {
  return editSimilarity(a, b, opts).similarity
}
