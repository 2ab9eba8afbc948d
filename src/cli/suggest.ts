/**
 * @module cli/suggest
 * "Did you mean …": the closest known word to a mistyped command or model name. Pure, so the
 * tests pin it without a gateway.
 */

/** The largest edit distance still offered as a suggestion: "stauts" → "status" is 2. */
export const MAX_SUGGESTION_DISTANCE = 2

/** Levenshtein distance (insert, delete, substitute one character each cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
    }
    prev = cur
  }
  return prev[b.length] as number
}

/**
 * The candidate closest to `input` within MAX_SUGGESTION_DISTANCE (case-insensitive), or null
 * when none is that close or `input` is itself a candidate. Ties go to the alphabetically first,
 * so the answer does not depend on the order the API listed them in.
 */
export function suggest(input: string, candidates: Iterable<string>): string | null {
  const typed = input.toLowerCase()
  let best: { word: string; d: number } | null = null
  for (const word of candidates) {
    if (word === input) return null
    const d = editDistance(typed, word.toLowerCase())
    if (d > MAX_SUGGESTION_DISTANCE) continue
    if (!best || d < best.d || (d === best.d && word < best.word)) best = { word, d }
  }
  return best?.word ?? null
}

/** `; did you mean "status"?` or '' when there is nothing close enough. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const s = suggest(input, candidates)
  return s === null ? '' : `; did you mean "${s}"?`
}
