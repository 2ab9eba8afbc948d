/**
 * @module core/shadow/score
 * Counterfactual scoring: one output (champion's or shadow's) against the delayed ground-truth
 * outcome of its request, once it arrives.
 */
import type { CompareOptions, ComparatorConfig } from './comparator'
import { labelOf, numberOf, preview, textOf, validateComparator } from './comparator'
import { editSimilarity, normalizeText } from './similarity'

/** Counterfactual score of one output against its ground truth. */
export type OutcomeScore = { correct: boolean } | { loss: number }

/**
 * Scores one model output against its delayed ground truth, for counterfactual comparison of
 * champion and shadow once outcomes arrive.
 *
 * - label → `{ correct }`: String(output) === String(outcome); an output that is not a
 *   string/number/boolean is never correct.
 * - numeric → `{ loss }`: absolute error |output − outcome|. Numeric strings are accepted on both
 *   sides; a boolean outcome counts as 1/0 (a probability scored against a conversion).
 * - text → `{ correct }`: normalized edit similarity (with `normalizeText` unless
 *   `normalize: false`) ≥ min_similarity. Non-string outputs are compared as canonical JSON.
 *
 * @throws {TypeError} if the comparator is invalid, or if a numeric comparator gets an output or
 *   outcome that is not a finite number: there is no honest loss to report for it.
 */
export function scoreOutcome(
  output: unknown,
  outcome: number | string | boolean,
  comparator: ComparatorConfig,
  opts: CompareOptions = {},
): OutcomeScore {
  const problems = validateComparator(comparator)
  if (problems.length > 0) throw new TypeError(`invalid comparator: ${problems.join('; ')}`)
  switch (comparator.kind) {
    case 'label': {
      const label = labelOf(output)
      return { correct: label !== null && label === String(outcome) }
    }
    case 'numeric': {
      const y = numberOf(output)
      if (y === null) {
        throw new TypeError(`cannot score output ${preview(output)}: not a finite number`)
      }
      const truth = typeof outcome === 'boolean' ? (outcome ? 1 : 0) : numberOf(outcome)
      if (truth === null) {
        throw new TypeError(`cannot score against outcome ${preview(outcome)}: not a finite number`)
      }
      return { loss: Math.abs(y - truth) }
    }
    case 'text': {
      let text = textOf(output)
      if (text === null) return { correct: false }
      let truth = String(outcome)
      if (comparator.normalize !== false) {
        text = normalizeText(text)
        truth = normalizeText(truth)
      }
      return { correct: editSimilarity(text, truth, opts).similarity >= comparator.min_similarity }
    }
  }
}
