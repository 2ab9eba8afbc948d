import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'))

/** Tokens used by the integration tests only. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef'
export const TEST_APPROVER_TOKEN = 'test-approver-token-0123456789abcdef'
export const TEST_REPORTER_TOKEN = 'test-reporter-token-0123456789abcdef'

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        // Live gateways under load (scripts/chaos): run after the other projects, so that their load
        // does not compete with timing-sensitive tests for the machine's two cores.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The dashboard in Chromium against a live gateway (scripts/lib/live-gateway.ts): the build
        // that the npm package @sparticuz/chromium ships, or Debian's (test/browser/launch.ts).
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: migrations,
                ADMIN_TOKEN: TEST_ADMIN_TOKEN,
                APPROVER_TOKEN: TEST_APPROVER_TOKEN,
                REPORTER_TOKENS: TEST_REPORTER_TOKEN,
                // Stated, so that a developer's .dev.vars (MODELGATE_ENV=development, which the pool
                // reads too) cannot make the tests of the example credentials' refusal pass or fail.
                MODELGATE_ENV: 'production',
                // Tests publish many changes per model; production keeps KV's 1 write/s/key.
                KV_MIN_WRITE_INTERVAL_MS: '5',
                MAX_BODY_BYTES: '65536',
                REPLAY_BODY_BYTES: '16384',
                // Tests wait for each measurement batch; production flushes once a second.
                MEASURE_FLUSH_MS: '100',
                // The in-flight cap on shadow copies is unit-tested; here every copy must run.
                SHADOW_MAX_INFLIGHT: '1000',
                // Tests drive gate ticks with their own clock; a coordinator's alarm ticking at the
                // wall clock's minute would add verdicts between them. Self-ticking is tested on a
                // live gateway (test/e2e).
                ROLLOUT_TICK_MS: '0',
                // The fault-injection wrappers (adapters/faults), with an empty plan until a test sets one.
                FAULT_INJECTION: 'on',
                // DO_TIMEOUT_MS and D1_TIMEOUT_MS stay at their defaults (20 s, 5 s): on a loaded
                // machine a slow call must not turn into a 503. The tests of a hung binding shorten
                // them through `callWith` (test/integration/faults.test.ts).
                // The test model servers (test/setup/upstreams.ts) listen on 127.0.0.1, which the
                // egress policy refuses unless allowed (test/integration/egress.test.ts).
                EGRESS_ALLOW: '127.0.0.1',
              },
              // A model version reached through a Workers service binding instead of a URL.
              serviceBindings: {
                MODEL_SVC: async (request: Request) =>
                  Response.json({ server: 'svc', path: new URL(request.url).pathname, method: request.method }),
              },
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/upstreams.ts'],
          setupFiles: ['test/setup/apply-migrations.ts'],
          testTimeout: 30_000,
          // Replays a fuzz run (test/integration/fuzz.test.ts prints the seed it used).
          provide: { fuzzSeed: process.env.FUZZ_SEED ?? '' },
        },
      },
    ],
  },
})
