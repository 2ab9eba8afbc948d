/**
 * One chaos run: a live gateway (scripts/lib/live-gateway.ts) under steady load, a canary whose
 * challenger fails three times as often as its champion, and platform faults injected on a
 * schedule through the gateway's fault plan (PUT /admin/faults; the gateway runs with
 * FAULT_INJECTION=on) and the model server's resets. Nothing calls the cron trigger: every gate
 * tick, the rollback, its confirmation and the audit's delivery to D1 come from the coordinator's
 * own alarm (ROLLOUT_TICK_MS, one tick per second here instead of per minute: the compressed time
 * scale of the run).
 *
 * The report says whether and when the rollback happened, what the clients were served against
 * what the gateway recorded, what was lost, the 5xx the clients saw and why, and the audit's
 * verification; `invariants` lists each property checked and whether it held.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import type { FaultPlan } from '../../src/schemas/faults'
import { startLiveGateway, type LiveGateway } from '../lib/live-gateway'
import { startChaosUpstream, type ChaosUpstream } from './upstream'

export interface FaultWindow {
  /** Seconds after the rollout started. */
  from: number
  to: number
  what: string
  /** A fault plan entry, or the model server's share of reset answers. */
  plan?: FaultPlan
  resetShare?: number
}

export interface ChaosOptions {
  /** Requests in flight. */
  concurrency: number
  /** The run stops this long after the rollout started, or later if the rollback is not confirmed yet (up to `limitS`). */
  durationS: number
  limitS: number
  /** Error rates of champion and challenger (the challenger's is 3× by default). */
  championErrors: number
  challengerErrors: number
  /** Canary stages (percent of traffic to the challenger). */
  stages: number[]
  schedule: FaultWindow[]
  log: (line: string) => void
}

export const DEFAULT_SCHEDULE: FaultWindow[] = [
  { from: 0, to: 45, what: 'D1 failing every call', plan: { d1: { kind: 'fail' } } },
  { from: 0, to: 20, what: 'metrics shards failing 30% of calls', plan: { shard: { kind: 'fail', rate: 0.3 } } },
  { from: 0, to: 30, what: 'model servers resetting 5% of answers mid-stream', resetShare: 0.05 },
  {
    from: 2,
    to: 40,
    what: 'KV reads slowed by 1.5 s',
    plan: { kv: { kind: 'delay', delay_ms: 1500, methods: ['get'] } },
  },
  // Longer than a batch's retries (about 3 s): whole batches are lost, and must be counted.
  { from: 24, to: 30, what: 'metrics shards failing every call', plan: { shard: { kind: 'fail' } } },
]

export const DEFAULT_OPTIONS: ChaosOptions = {
  concurrency: 16,
  durationS: 60,
  limitS: 180,
  championErrors: 0.1,
  challengerErrors: 0.3,
  stages: [5, 25, 50, 100],
  schedule: DEFAULT_SCHEDULE,
  log: () => undefined,
}

export interface Invariant {
  name: string
  ok: boolean
  detail: string
}

export interface ChaosReport {
  seconds: number
  rollback: {
    /** Seconds after the rollout started; null: never rolled back. */
    atS: number | null
    trigger: string | null
    /** Fault windows in force when it happened. */
    during: string[]
    confirmedAtS: number | null
  }
  phase: string
  /** Per version: answers the clients received, measurements recorded (Prometheus). */
  versions: Array<{ version: string; served: number; recorded: number }>
  dropped: { records: number; batches: number }
  /** Answers after the rollback was confirmed that still came from the challenger. */
  challengerAfterConfirm: number
  /** 5xx the clients saw, by reason (`upstream 500`, or the gateway's problem code). */
  clientErrors: Record<string, number>
  /** Requests the client could not complete at all (connection errors). */
  transportFailures: number
  resets: number
  injected: Record<string, number>
  audit: { ok: boolean; complete: boolean; checked: number; entries: number }
  invariants: Invariant[]
  ok: boolean
}

const MODEL = 'chaos-credit'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Problem codes the gateway may answer under these faults; anything else is a finding. */
const EXPECTED_CODES = new Set(['snapshot_unavailable'])

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const upstream = await startChaosUpstream()
  const gw = await startLiveGateway({
    staticAssets: false,
    bindings: {
      FAULT_INJECTION: 'on',
      ROLLOUT_TICK_MS: '1000',
      // Hung bindings cost a tick, not the production defaults of 5 s and 20 s.
      D1_TIMEOUT_MS: '1000',
      DO_TIMEOUT_MS: '3000',
    },
  })
  try {
    return await drive(gw, upstream, opts)
  } finally {
    await gw.close()
    await upstream.close()
  }
}

async function drive(gw: LiveGateway, upstream: ChaosUpstream, opts: ChaosOptions): Promise<ChaosReport> {
  const { log } = opts
  await gw.admin('PUT', `/models/${MODEL}`, { risk: 'low' })
  await gw.admin('PUT', `/models/${MODEL}/versions/v1`, { backend: { url: `${upstream.url}/${opts.championErrors}` } })
  await gw.admin('PUT', `/models/${MODEL}/versions/v2`, {
    backend: { url: `${upstream.url}/${opts.challengerErrors}`, stream_idle_timeout_ms: 2000 },
  })
  await gw.admin('POST', `/models/${MODEL}/champion`, { version: 'v1' })

  const served: Record<string, number> = {}
  const clientErrors: Record<string, number> = {}
  let transportFailures = 0
  let confirmedAt: number | null = null
  let challengerAfterConfirm = 0
  let stop = false
  let x = 0
  const client = async () => {
    while (!stop) {
      const i = x++
      try {
        const res = await fetch(`${gw.url}/v1/models/${MODEL}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-unit-id': `user-${i % 5000}` },
          body: JSON.stringify({ x: i }),
        })
        const body = await res.text()
        const version = res.headers.get('x-model-version')
        if (version !== null) served[version] = (served[version] ?? 0) + 1
        if (version === 'v2' && confirmedAt !== null) challengerAfterConfirm++
        if (res.status >= 500) {
          const problem = res.headers.get('content-type')?.includes('problem+json')
            ? (JSON.parse(body) as { code?: string }).code
            : null
          const why = problem ?? `upstream ${res.status}`
          clientErrors[why] = (clientErrors[why] ?? 0) + 1
        }
      } catch {
        transportFailures++
      }
    }
  }
  const clients = Array.from({ length: opts.concurrency }, client)
  await sleep(3000) // the champion's history before the rollout

  const t0 = Date.now()
  const since = () => (Date.now() - t0) / 1000
  const started = await gw.admin<{ id: string }>('POST', `/models/${MODEL}/rollouts`, {
    challenger: 'v2',
    strategy: 'canary',
    waive_evaluation: true,
    stages: opts.stages,
    durations: { stage_min_s: 60, watch_s: 120 },
    gates: { canary: { min_sample: 100, error_rate: { margin: 0.25, floor: 0.1 } } },
  })
  log(`t=0.0 s rollout ${started.id} started`)
  // The first exposure waits for a human; the approver signs off on the evidence shown.
  const pending = (await gw.admin<any>('GET', `/rollouts/${started.id}`)).pending_approval
  if (pending) {
    const body = { evidence_hash: pending.evidence_hash }
    await gw.admin('POST', `/rollouts/${started.id}/approve`, body, gw.approverToken)
    log(`t=${since().toFixed(1)} s approved`)
  }

  const active = new Set<FaultWindow>()
  let rollbackAt: number | null = null
  let rollbackDuring: string[] = []
  let trigger: string | null = null
  let phase = 'progressing'
  const viewOf = () => gw.admin<any>('GET', `/rollouts/${started.id}`)
  while (since() < opts.limitS) {
    const t = since()
    const due = new Set(opts.schedule.filter((w) => t >= w.from && t < w.to))
    if ([...due].some((w) => !active.has(w)) || [...active].some((w) => !due.has(w))) {
      for (const w of due) if (!active.has(w)) log(`t=${t.toFixed(1)} s fault on: ${w.what}`)
      for (const w of active) if (!due.has(w)) log(`t=${t.toFixed(1)} s fault off: ${w.what}`)
      active.clear()
      for (const w of due) active.add(w)
      const plan: FaultPlan = Object.assign({}, ...[...due].map((w) => w.plan ?? {}))
      await gw.admin('PUT', '/faults', plan)
      upstream.resetShare = Math.max(0, ...[...due].map((w) => w.resetShare ?? 0))
    }
    const view = await viewOf().catch(() => null)
    if (view !== null) {
      phase = view.phase
      if (rollbackAt === null && view.rollback) {
        rollbackAt = t
        trigger = view.rollback.trigger
        rollbackDuring = [...active].map((w) => w.what)
        log(`t=${t.toFixed(1)} s rolled back (${trigger}): ${view.rollback.reason}`)
      }
      if (confirmedAt === null && view.rollback?.confirmation?.ok) {
        confirmedAt = t
        log(`t=${t.toFixed(1)} s rollback confirmed`)
      }
    }
    const faultsOver = opts.schedule.every((w) => t >= w.to)
    if (t >= opts.durationS && faultsOver && (confirmedAt !== null || rollbackAt === null)) break
    await sleep(250)
  }
  await gw.admin('PUT', '/faults', {})
  upstream.resetShare = 0
  // A few more seconds of clean traffic carry the losses counted in isolates to the shards.
  await sleep(3000)
  stop = true
  await Promise.all(clients)
  const seconds = since()
  log(`t=${seconds.toFixed(1)} s load stopped`)

  const injected = (await gw.admin<{ injected: Record<string, number> }>('GET', '/faults')).injected
  const { recorded, dropped } = await settledCounters(gw)
  const audit = await verifiedAudit(gw)
  const versions = Object.keys({ ...served, ...recorded })
    .sort()
    .map((version) => ({ version, served: served[version] ?? 0, recorded: recorded[version] ?? 0 }))
  const totalServed = versions.reduce((n, v) => n + v.served, 0)
  const totalRecorded = versions.reduce((n, v) => n + v.recorded, 0)
  const unexpected = Object.entries(clientErrors).filter(
    ([why]) => !why.startsWith('upstream ') && !EXPECTED_CODES.has(why),
  )
  const invariants: Invariant[] = [
    {
      name: 'the bad challenger was rolled back by a gate',
      ok: rollbackAt !== null && trigger === 'gate_fail',
      detail: rollbackAt === null ? 'no rollback' : `${trigger} at ${rollbackAt.toFixed(1)} s`,
    },
    {
      name: 'the rollback was confirmed',
      ok: confirmedAt !== null,
      detail: confirmedAt === null ? 'not confirmed' : `at ${confirmedAt.toFixed(1)} s`,
    },
    {
      name: 'no answer from the challenger after the confirmation',
      ok: challengerAfterConfirm === 0,
      detail: `${challengerAfterConfirm} answers`,
    },
    {
      name: 'every answer served is recorded or counted as dropped',
      ok: totalRecorded + dropped.records === totalServed,
      detail: `${totalServed} served = ${totalRecorded} recorded + ${dropped.records} dropped`,
    },
    {
      name: 'no 5xx from the gateway other than the expected kinds',
      ok: unexpected.length === 0 && transportFailures === 0,
      detail:
        unexpected.length === 0 && transportFailures === 0
          ? 'none'
          : `${unexpected.map(([k, n]) => `${k}: ${n}`).join(', ')}; ${transportFailures} connection failures`,
    },
    {
      name: 'the audit log is complete in D1 and verifies',
      ok: audit.ok && audit.complete && audit.checked > 0 && audit.entries === audit.checked,
      detail: `${audit.checked} of ${audit.entries} entries checked${audit.complete ? '' : ', D1 behind the writer'}`,
    },
  ]
  return {
    seconds,
    rollback: { atS: rollbackAt, trigger, during: rollbackDuring, confirmedAtS: confirmedAt },
    phase,
    versions,
    dropped,
    challengerAfterConfirm,
    clientErrors,
    transportFailures,
    resets: upstream.resets,
    injected,
    audit,
    invariants,
    ok: invariants.every((i) => i.ok),
  }
}

interface Family {
  name: string
  metrics: Array<{ labels: Record<string, string>; value: string }>
}

/** Prometheus counters of the model once they stop moving (batches flush once a second, with retries). */
async function settledCounters(gw: LiveGateway) {
  let last = ''
  let result = { recorded: {} as Record<string, number>, dropped: { records: 0, batches: 0 } }
  for (let i = 0, stable = 0; i < 120 && stable < 8; i++) {
    await sleep(300)
    const res = await fetch(`${gw.url}/admin/metrics`, { headers: { authorization: `Bearer ${gw.adminToken}` } })
    const families = parsePrometheusTextFormat(await res.text()) as Family[]
    const samples = (name: string) =>
      families.find((f) => f.name === name)?.metrics.filter((m) => m.labels.model === MODEL) ?? []
    const recorded: Record<string, number> = {}
    for (const m of samples('modelgate_requests_total')) {
      const v = m.labels.version as string
      recorded[v] = (recorded[v] ?? 0) + Number(m.value)
    }
    const sum = (name: string) => samples(name).reduce((n, m) => n + Number(m.value), 0)
    result = {
      recorded,
      dropped: {
        records: sum('modelgate_measurements_dropped_total'),
        batches: sum('modelgate_measurement_batches_dropped_total'),
      },
    }
    const key = JSON.stringify(result)
    stable = key === last ? stable + 1 : 0
    last = key
  }
  return result
}

/** The audit verification once the coordinator's alarm has delivered what D1 missed (up to 60 s). */
async function verifiedAudit(gw: LiveGateway) {
  let out = { ok: false, complete: false, checked: 0, entries: 0 }
  for (let i = 0; i < 60; i++) {
    const v = await gw
      .admin<{ streams: Array<{ stream: string; ok: boolean; complete: boolean; checked: number }> }>(
        'GET',
        `/audit/verify?model=${MODEL}`,
      )
      .catch(() => null)
    const report = v?.streams.find((s) => s.stream === MODEL)
    const list = await gw
      .admin<{ entries: unknown[] }>('GET', `/audit?model=${MODEL}&limit=1000`)
      .catch(() => ({ entries: [] }))
    out = {
      ok: report?.ok ?? false,
      complete: report?.complete ?? false,
      checked: report?.checked ?? 0,
      entries: list.entries.length,
    }
    if (out.ok && out.complete) return out
    await sleep(1000)
  }
  return out
}
