/**
 * Seeded PRNG and samplers for simulations (`npm run simulate`) and property tests.
 *
 * Invariant: pure given a seed; never imported by gate decision code.
 * Source: docs/statistics.md §13 and §14.
 */

export { createRng, type Rng } from './prng'
export {
  EXACT_VARIANCE_LIMIT,
  sampleBinomial,
  sampleExponential,
  sampleLognormal,
  sampleMultinomial,
  sampleNormal,
  samplePoisson,
  sampleUniform,
} from './samplers'
