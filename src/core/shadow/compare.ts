/**
 * @module core/shadow/compare
 * Per-request shadow verdicts (docs/statistics.md §8.3): pick the output out of the champion and shadow
 * responses with a JSON pointer, compare them with the rollout's comparator, and return
 * `agree` / `diverge` / `error`. The divergence-rate gate consumes these as 0/1 indicators, so
 * the module is strict about *who* broke a pair: a failed shadow is evidence against the shadow
 * (`side: 'shadow'`), while a failed champion makes the pair uninformative (`side: 'champion'`) and
 * the gate should drop it. Config problems (bad pointer or comparator) have `side: null`.
 *
 */

import {
  fmt,
  labelOf,
  numberOf,
  preview,
  textOf,
  validateComparator,
  type CompareOptions,
  type ComparatorConfig,
} from './comparator'
import { parsePointer, resolvePointer, type PointerResolution } from './json-pointer'
import { editSimilarity, normalizeText } from './similarity'

export type ComparisonSide = 'champion' | 'shadow'

/** Verdict for one champion/shadow pair. */
export interface ShadowComparison {
  verdict: 'agree' | 'diverge' | 'error'
  /** Human-readable explanation; champion-caused errors start with `not comparable: champion`. */
  reason: string
  /** For `error`: whose fault. `null` for config errors and for agree/diverge. */
  side: ComparisonSide | null
  /** The champion value at the pointer, as parsed; `undefined` if it was never extracted. */
  championOutput: unknown
  /** The shadow value at the pointer, as parsed; `undefined` if it was never extracted. */
  shadowOutput: unknown
  /** Text comparator: normalized edit similarity in [0, 1]. */
  similarity?: number
  /** Numeric comparator: signed `shadow − champion` (the paired difference r_i; docs/statistics.md §8.3). */
  difference?: number
}

/** Tuning that is not part of a rollout's comparator config. */
export interface ExtractAndCompareInput extends CompareOptions {
  /** RFC 6901 pointer to the output inside each JSON body ('' = the whole body). */
  pointer: string
  comparator: ComparatorConfig
  championBody: string
  shadowBody: string
  championStatus: number
  shadowStatus: number
}

function error(
  side: ComparisonSide | null,
  reason: string,
  championOutput: unknown,
  shadowOutput: unknown,
): ShadowComparison {
  return { verdict: 'error', reason, side, championOutput, shadowOutput }
}

function notComparable(reason: string, championOutput: unknown, shadowOutput: unknown): ShadowComparison {
  return error('champion', `not comparable: champion ${reason}`, championOutput, shadowOutput)
}

function shadowError(reason: string, championOutput: unknown, shadowOutput: unknown): ShadowComparison {
  return error('shadow', `shadow ${reason}`, championOutput, shadowOutput)
}

/**
 * Compares two already-extracted outputs. Type problems are reported against the champion first:
 * if the champion's output cannot be judged, neither can the pair.
 *
 * - label: both must be string/number/boolean; agree iff String(a) === String(b).
 * - numeric: both must be finite numbers or numeric strings; diverge iff
 *   |b − a| > tol_abs + tol_rel·|a| (a = champion). Equality is agreement; the comparison allows
 *   a few ulps of slack so that decimal configs behave as written (1 vs 1.1 with tol_abs 0.1 is
 *   "exactly at tolerance", although 1.1 − 1 is 0.10000000000000009 in binary).
 * - text: non-strings are compared as canonical JSON; normalized with `normalizeText` unless
 *   `normalize: false`; diverge iff similarity < min_similarity. Only the first `maxCodePoints`
 *   code points (default 4096) are compared, and the reason says so when that cut anything;
 *   min_similarity 1 compares the whole texts for identity instead.
 *
 * An invalid comparator yields `error` with `side: null` rather than throwing.
 */
export function compareOutputs(
  champion: unknown,
  shadow: unknown,
  comparator: ComparatorConfig,
  opts: CompareOptions = {},
): ShadowComparison {
  const problems = validateComparator(comparator)
  if (problems.length > 0) {
    return error(null, `invalid comparator: ${problems.join('; ')}`, champion, shadow)
  }
  const badCap = checkOptions(opts)
  if (badCap !== null) return error(null, badCap, champion, shadow)
  switch (comparator.kind) {
    case 'label': {
      const pair = bothOutputs(labelOf, 'is not a label', champion, shadow)
      if (!Array.isArray(pair)) return pair
      const [a, b] = pair
      const agree = a === b
      return {
        verdict: agree ? 'agree' : 'diverge',
        reason: agree
          ? `labels agree: ${JSON.stringify(a)}`
          : `labels differ: champion ${JSON.stringify(a)}, shadow ${JSON.stringify(b)}`,
        side: null,
        championOutput: champion,
        shadowOutput: shadow,
      }
    }
    case 'numeric': {
      const pair = bothOutputs(numberOf, 'is not a finite number', champion, shadow)
      if (!Array.isArray(pair)) return pair
      const [a, b] = pair
      const difference = b - a
      const gap = Math.abs(difference)
      const tolerance = comparator.tol_abs + comparator.tol_rel * Math.abs(a)
      // Inputs written in decimal carry up to half an ulp of representation error each, and the
      // subtraction and the tolerance each round once more; 4 ulps of the largest magnitude covers
      // all of it. Using the max (not the sum) keeps the slack finite near Number.MAX_VALUE.
      const slack = 4 * Number.EPSILON * Math.max(Math.abs(a), Math.abs(b), tolerance)
      const diverge = gap > tolerance + slack
      return {
        verdict: diverge ? 'diverge' : 'agree',
        reason:
          `|shadow - champion| = ${fmt(gap)} ${diverge ? '>' : '<='} tolerance ${fmt(tolerance)} ` +
          `(tol_abs ${fmt(comparator.tol_abs)} + tol_rel ${fmt(comparator.tol_rel)} ` +
          `x |${fmt(a)}|)`,
        side: null,
        championOutput: champion,
        shadowOutput: shadow,
        difference,
      }
    }
    case 'text': {
      const pair = bothOutputs(textOf, 'has no text form', champion, shadow)
      if (!Array.isArray(pair)) return pair
      let [a, b] = pair
      if (comparator.normalize !== false) {
        a = normalizeText(a)
        b = normalizeText(b)
      }
      const sim = editSimilarity(a, b, opts)
      // min_similarity 1 (the default comparator) asks for identical texts: the whole texts decide,
      // not the prefixes edit similarity reads, so a difference past them is not missed.
      const exact = comparator.min_similarity >= 1
      const diverge = exact ? a !== b : sim.similarity < comparator.min_similarity
      const cut = [sim.truncatedA ? 'champion' : '', sim.truncatedB ? 'shadow' : '']
        .filter((s) => s !== '')
        .join(' and ')
      const truncation =
        cut === '' ? '' : `; truncated: compared only the first ${sim.maxCodePoints} code points (${cut} longer)`
      return {
        verdict: diverge ? 'diverge' : 'agree',
        reason:
          exact && diverge && sim.similarity >= 1
            ? `texts differ past the first ${sim.maxCodePoints} code points (min_similarity 1 asks for identical texts)`
            : `edit similarity ${fmt(sim.similarity)} ${diverge ? '<' : '>='} min_similarity ` +
              `${fmt(comparator.min_similarity)}${truncation}`,
        side: null,
        championOutput: champion,
        shadowOutput: shadow,
        similarity: sim.similarity,
      }
    }
  }
}

/**
 * Both outputs as the comparator reads them (`read` gives null for an output it cannot judge), or
 * the error for the first that fails: the champion's first, as for every check.
 */
function bothOutputs<T>(
  read: (output: unknown) => T | null,
  problem: string,
  champion: unknown,
  shadow: unknown,
): [T, T] | ShadowComparison {
  const a = read(champion)
  if (a === null) return notComparable(`output ${preview(champion)} ${problem}`, champion, shadow)
  const b = read(shadow)
  if (b === null) return shadowError(`output ${preview(shadow)} ${problem}`, champion, shadow)
  return [a, b]
}

/** Options are caller config, so a bad cap is a `side: null` error rather than a throw. */
function checkOptions(opts: CompareOptions): string | null {
  const max = opts.maxCodePoints
  if (max === undefined || max === Infinity || (Number.isInteger(max) && max >= 1)) return null
  return `invalid maxCodePoints: must be an integer >= 1 or Infinity, got ${max}`
}

function is2xx(status: number): boolean {
  return Number.isInteger(status) && status >= 200 && status <= 299
}

/** The output at `pointer` in a JSON response body, or why there is none. */
function outputAt(body: string, pointer: string): PointerResolution {
  let doc: unknown
  try {
    doc = JSON.parse(body)
  } catch {
    return { found: false, reason: 'response is not JSON' }
  }
  const at = resolvePointer(doc, pointer)
  return at.found ? at : { found: false, reason: `output not found at ${JSON.stringify(pointer)}: ${at.reason}` }
}

/**
 * Full per-request pipeline: status check, JSON parse and pointer extraction for each side, then
 * {@link compareOutputs}. Never throws.
 *
 * Precedence: config errors (invalid pointer or comparator, `side: null`), then the champion
 * (non-2xx, not JSON, pointer missing → `side: 'champion'`, reason `not comparable: champion ...`),
 * then the shadow (non-2xx → `shadow returned HTTP <status>`, not JSON → `shadow response is not
 * JSON`, pointer missing → `side: 'shadow'`). The champion is checked first because when both
 * fail (say both answer 400 to a malformed request) the input, not the shadow, is to blame.
 */
export function extractAndCompare(opts: ExtractAndCompareInput): ShadowComparison {
  const { pointer, comparator } = opts
  try {
    parsePointer(pointer)
  } catch (e) {
    return error(null, e instanceof Error ? e.message : String(e), undefined, undefined)
  }
  const problems = validateComparator(comparator)
  if (problems.length > 0) {
    return error(null, `invalid comparator: ${problems.join('; ')}`, undefined, undefined)
  }

  if (!is2xx(opts.championStatus)) {
    return notComparable(
      `returned HTTP ${opts.championStatus} (shadow returned HTTP ${opts.shadowStatus})`,
      undefined,
      undefined,
    )
  }
  const championAt = outputAt(opts.championBody, pointer)
  if (!championAt.found) return notComparable(championAt.reason, undefined, undefined)
  const champion = championAt.value

  if (!is2xx(opts.shadowStatus)) {
    return shadowError(`returned HTTP ${opts.shadowStatus}`, champion, undefined)
  }
  const shadowAt = outputAt(opts.shadowBody, pointer)
  if (!shadowAt.found) return shadowError(shadowAt.reason, champion, undefined)

  return compareOutputs(champion, shadowAt.value, comparator, opts)
}
