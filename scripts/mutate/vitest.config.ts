import path from 'node:path'
import { defineConfig } from 'vitest/config'

/**
 * The tests that Stryker runs against each mutant of src/core (stryker.config.mjs): the Node unit
 * tests of the core, including the vector-driven ones, and nothing that needs workerd, a browser or
 * a live gateway.
 */
export default defineConfig({
  root: path.resolve(import.meta.dirname, '../..'),
  test: {
    include: ['test/unit/core/**/*.test.ts'],
    // Monte Carlo runs of whole rollouts: seconds each, times thousands of mutants. The samplers
    // and tests it drives have their own fast tests.
    exclude: ['test/unit/core/stats/simulation.test.ts'],
    environment: 'node',
    // Lets tests that only re-derive stored vector numbers (never calling src) skip themselves here;
    // npm test never sets it.
    env: { MUTATE: '1' },
    // Instrumented code on a shared 2-core machine runs several times slower than plain tests.
    testTimeout: 30_000,
  },
})
