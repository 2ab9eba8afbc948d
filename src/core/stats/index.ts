/**
 * Public API of the statistics core: special functions, running moments, exponential histograms,
 * the always-valid non-inferiority test, the event-split test, sequential SRM and the one-sample
 * rate test.
 *
 * Invariant: everything here is pure (plain data in, plain data out; no clock, no randomness, no
 * runtime imports). The seeded simulation helpers live in `./sim` and are not re-exported, so the
 * Worker bundle never pulls them in.
 *
 * Source: statistics.md §0 (recommended design).
 */

export * from './types'
export {
  erf,
  erfc,
  lbeta,
  lgamma,
  logNormalCdf,
  normalCdf,
  normalPdf,
  normalQuantile,
  regularizedGammaP,
  regularizedGammaQ,
  chiSquareSurvival,
} from './special'
export {
  type Moments,
  addValue,
  emptyMoments,
  mergeMoments,
  momentsFromProportion,
  momentsFromSums,
  variance,
  varianceOfMean,
} from './moments'
export {
  type ExpHistogram,
  MAX_SCALE,
  MIN_SCALE,
  bucketIndex,
  bucketUpperEdge,
  cloneHistogram,
  countAbove,
  downscale,
  emptyHistogram,
  histogramBase,
  mergeHistograms,
  mergeInto,
  quantile,
  quantileRank,
  recordValue,
  relativeError,
  snapToBucketEdge,
} from './histogram'
export { type ArmPlan, type Contrast, type ContrastInput, type MarginSpec, type PlanInput } from './contrast'
export { logHalfNormalMixture } from './mixture'
export {
  type NonInferiorityInput,
  type NonInferiorityResult,
  alwaysValidPValue,
  cAlpha,
  mixtureBoundary,
  niContrast,
  nonInferiorityTest,
  planTau2,
  planVariance,
  tau2ForHorizon,
  tau2FromMargin,
} from './sequential'
export {
  type EventSplitInput,
  type EventSplitResult,
  eventShareAtMargin,
  eventSplitLogBf,
  eventSplitTest,
} from './event-split'
export { type ChiSquareSrmResult, type SrmInput, type SrmResult, chiSquareSrm, sequentialSrm } from './srm'
export { DEFAULT_RATE_PLAN_N, type RateTestInput, type RateTestResult, oneSampleRateTest } from './rate-test'
