/**
 * @module core/shadow
 * Pure shadow-comparison core: RFC 6901 pointers to find the output in a response, edit
 * similarity for text, and per-request agree/diverge/error verdicts plus counterfactual scoring.
 * No I/O and no clock, so the Worker, the Durable Object and the simulator can all share it.
 */

export {
  JsonPointerSyntaxError,
  isValidPointer,
  parsePointer,
  resolvePointer,
  type PointerResolution,
} from './json-pointer'
export {
  DEFAULT_MAX_CODE_POINTS,
  editSimilarity,
  levenshtein,
  normalizedEditSimilarity,
  normalizeText,
  type EditSimilarity,
  type SimilarityOptions,
} from './similarity'
export {
  compareOutputs,
  extractAndCompare,
  isComparatorConfig,
  scoreOutcome,
  validateComparator,
  type CompareOptions,
  type ComparatorConfig,
  type ComparisonSide,
  type ExtractAndCompareInput,
  type OutcomeScore,
  type ShadowComparison,
} from './compare'
export {
  MAX_STORED_OUTPUT_CHARS,
  isOmittedOutput,
  storedOutput,
  type OmittedOutput,
  type StoredOutput,
} from './stored-output'
