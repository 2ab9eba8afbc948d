/**
 * The gateway configurations the benchmark compares with the bare proxy — the one place to add a
 * variant. A configuration is extra bindings (vars/secrets) and Miniflare options for its own
 * gateway instance, plus a seeding function that registers models through the admin API. Each runs
 * in its own workerd process with empty storage, so seeding never leaks between variants.
 *
 * To add a variant: append an entry whose `bindings` switch the feature (see src/env.ts) and/or
 * whose `seed` publishes the routing it needs (seedSplit takes weights and a shadow target), then
 * run `npm run bench -- --only <name>` to iterate on it alone.
 */
import type { WorkerOptions } from 'miniflare'
import { NO_TARGETS, TARGETS, type Targets } from './stats'

export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef'

/** Bindings every gateway configuration starts from; its own bindings override them. */
export const BASE_GATEWAY_BINDINGS: Record<string, string> = {
  ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
  // Seeding publishes four snapshots of one model back to back; production paces KV writes at
  // 1/s/key, which only slows the setup down and does not touch the request path measured here.
  KV_MIN_WRITE_INTERVAL_MS: '5',
  // The benchmark's upstream listens on 127.0.0.1, which the egress policy refuses unless allowed.
  EGRESS_ALLOW: '127.0.0.1',
}

/** Path the load generator POSTs to on the bare proxy; gateway targets end with the same path. */
export const BENCH_PATH = '/predict'

export interface AdminClient {
  /** Calls /admin<path> with the bench token; throws with the problem body on a non-2xx answer. */
  call(method: string, path: string, body?: unknown): Promise<unknown>
}

export interface SeedContext {
  admin: AdminClient
  /** Base URL of the benchmark upstream, e.g. http://127.0.0.1:40123 */
  upstream: string
}

export interface GatewayConfig {
  name: string
  /** One line for the report. */
  description: string
  /** Path (with /v1/models/<model>) the load targets on this gateway. */
  path: string
  bindings?: Record<string, string>
  miniflare?: Partial<WorkerOptions>
  /** What this configuration must show against the bare proxy (its target, as listed in the README under "Figures and the commands that reproduce them"). */
  targets: Targets
  seed(ctx: SeedContext): Promise<void>
}

export interface SplitOptions {
  weights: Record<string, number>
  shadow?: { version: string; sample_rate: number }
}

/**
 * Registers `model` with versions v1 (upstream root) and v2 (upstream /mode/echo, the same server
 * under another base URL), makes v1 the champion and publishes the given routing.
 */
export async function seedSplit(ctx: SeedContext, model: string, opts: SplitOptions): Promise<void> {
  const { admin, upstream } = ctx
  await admin.call('PUT', `/models/${model}`, { risk: 'low', unit_header: 'x-unit-id' })
  await admin.call('PUT', `/models/${model}/versions/v1`, { backend: { url: `${upstream}/` } })
  await admin.call('PUT', `/models/${model}/versions/v2`, {
    backend: { url: `${upstream}/mode/echo` },
  })
  await admin.call('POST', `/models/${model}/champion`, { version: 'v1' })
  await admin.call('PUT', `/models/${model}/routing`, {
    weights: opts.weights,
    ...(opts.shadow ? { shadow: opts.shadow } : {}),
    reason: 'benchmark',
  })
}

const SPLIT = { v1: 90, v2: 10 }
const MODEL_PATH = `/v1/models/bench${BENCH_PATH}`

export const GATEWAY_CONFIGS: readonly GatewayConfig[] = [
  {
    name: 'gateway',
    description:
      'as shipped (per-request recording on); model "bench": v1 champion 90 % / v2 10 %, ' +
      'sticky on x-unit-id; no shadow',
    path: MODEL_PATH,
    // Measurement: "recording on keeps >= 0.85 of bare throughput"; the core's p99 bound still holds.
    targets: { throughputRatioMin: 0.85, p99AddedMaxMs: TARGETS.p99AddedMaxMs },
    seed: (ctx) => seedSplit(ctx, 'bench', { weights: SPLIT }),
  },
  {
    name: 'gateway-no-recording',
    description: 'as gateway with RECORDING=off: routing and forwarding alone',
    path: MODEL_PATH,
    bindings: { RECORDING: 'off' },
    // The gateway core's targets, set before measurement existed.
    targets: TARGETS,
    seed: (ctx) => seedSplit(ctx, 'bench', { weights: SPLIT }),
  },
  {
    name: 'gateway-shadow100',
    description: 'as gateway, plus a shadow copy of every champion request to v2 (sample_rate 1)',
    path: MODEL_PATH,
    // Shown, not judged: a shadow copy is a second upstream request. What shadowing promises (the
    // user's answer unchanged) is proven by the integration tests, not by throughput.
    targets: NO_TARGETS,
    seed: (ctx) => seedSplit(ctx, 'bench', { weights: SPLIT, shadow: { version: 'v2', sample_rate: 1 } }),
  },
]
