// Mutation testing of the pure core (npm run mutate; not part of npm test). Stryker copies the
// files below into .stryker-tmp, mutates src/core there and runs the Node unit tests of
// test/unit/core (scripts/mutate/vitest.config.ts) against each mutant. README "Mutation score"
// gives the scores and how to run one folder.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  plugins: ['@stryker-mutator/vitest-runner'],
  testRunner: 'vitest',
  vitest: { configFile: 'scripts/mutate/vitest.config.ts', related: false },
  coverageAnalysis: 'perTest',
  // A mutant of module-level code (a constant table) is only seen by reloading every test file
  // and running all of them: minutes per mutant here. Stryker reports them as ignored.
  ignoreStatic: true,
  mutate: ['src/core/**/*.ts', '!src/core/**/types.ts', '!src/core/**/index.ts'],
  // Copy only what the unit tests need into the sandbox (the repo also holds builds and artifacts).
  ignorePatterns: ['/*', '!/src', '!/test', '!/scripts', '!/package.json', '!/tsconfig.json'],
  // Two cores shared by everyone.
  concurrency: 2,
  // Re-tests only mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  reporters: ['progress', 'clear-text', 'json'],
  // scripts/mutate/run.ts writes one report per folder.
  jsonReporter: { fileName: process.env.MUTATE_REPORT ?? 'reports/mutation/mutation.json' },
  clearTextReporter: { allowEmojis: false, reportTests: false, reportMutants: false, reportScoreTable: true },
  // A busy machine runs tests slower than the dry run measured; do not call that an infinite loop.
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp',
}
