// Types for tests running inside workerd: the Worker's Env plus test-only bindings, and the main
// module so `exports.default` is typed.
declare namespace Cloudflare {
  type WorkerEnv = import('../src/env').Env
  interface Env extends WorkerEnv {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
  }
  interface GlobalProps {
    mainModule: typeof import('../src/index')
    durableNamespaces: 'ModelCoordinator' | 'MetricsShard'
  }
}
