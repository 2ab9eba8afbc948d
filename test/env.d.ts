// Types for tests running inside workerd: the test-only bindings on top of the Worker's generated
// Env (worker-configuration.d.ts, which also types the main module and its Durable Objects).
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
  }
}
