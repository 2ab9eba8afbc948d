/**
 * @module cli/commands/rollback
 * `modelgate rollback <model>`: the one-command rollback of the runbook. Publishes 100% to the
 * champion (ending any active rollout as rolled back), prints the new epoch and weights, then
 * waits until the rollback is confirmed — see ../confirm.ts for what "confirmed" means and where
 * the evidence comes from.
 *
 * Locally (`npm start` = wrangler dev) cron never fires on its own, and confirmation needs ticks:
 * for a gateway on this machine the CLI calls the scheduled handler itself while it waits.
 */
import { bool, booleanOption, str, stringOption, type CommandSpec, type Context } from '../args'
import type { MetricsResponse, ModelView, RollbackResponse, RolloutView } from '../api-types'
import { ApiError, EXIT, NetworkError, UsageError } from '../exit'
import {
  fromRollout,
  healthBack,
  stableTotals,
  trafficSince,
  confirmationDetail,
  confirmationLine,
  CONFIRM,
  NO_HEALTH,
  type Confirmation,
  type HealthSample,
} from '../confirm'
import { formatDuration, parseDuration } from '../duration'
import { time, weights } from '../format'
import { eprintln, println } from '../io'
import { metricsQuery } from '../metrics'
import { rollbackStatement } from '../rollback-target'
import { printJson, seg } from './shared'

const NAME = 'rollback'
const MINUTE = 60_000
/** While waiting, how often to run the local scheduled handler (a stand-in for the 1-min cron). */
const TRIGGER_EVERY_MS = 10_000
const PROGRESS_EVERY_MS = 30_000
/**
 * Where a local gateway runs one cron tick on request: `wrangler dev --test-scheduled` (what
 * `npm start` and `npm run dev` run). wrangler 4.86's /cdn-cgi/handler/scheduled fails with a 500
 * once the Worker has static assets (it reaches the assets router, which has no scheduled handler).
 */
export const CRON_TRIGGER_PATH = '/__scheduled'

export const rollbackCommand: CommandSpec = {
  name: NAME,
  summary: 'undo the last promotion (or route 100% to the champion) in one publish; wait until confirmed',
  args: ['<model>'],
  options: {
    reason: stringOption('<text>', 'why, for the audit log and the incident'),
    target: stringOption(
      '<target>',
      'champion | previous_champion (undo the last champion switch); default: the rollback target while there is one, else the champion',
    ),
    'no-wait': booleanOption('print the new epoch and return without waiting for confirmation'),
    yes: booleanOption('do not ask before rolling back (it never asks without a terminal)', 'y'),
    timeout: stringOption(
      '<duration>',
      'how long to wait for confirmation (default 10m); exit code 5 when it runs out',
    ),
    interval: stringOption('<duration>', 'how often to poll while waiting (default 5s)'),
    'trigger-cron': booleanOption(
      `call ${CRON_TRIGGER_PATH} every 10 s while waiting (default on for 127.0.0.1/localhost)`,
    ),
    'no-trigger-cron': booleanOption("never trigger cron; wait for the gateway's own ticks"),
  },
  details: [
    'Before acting it states the target ("roll back to v1, undoing v2, promoted 2 h ago") from GET /admin/models/{model}',
    'and, on a terminal, asks (--yes skips the question). A rollback that would change nothing answers changed: false.',
    "Confirmation: when the rollback ends an exposed rollout, the gateway's controller confirms it on a cron",
    'tick (>= 20 requests on the stable version under the new epoch, none on the challenger, error rate',
    "and latency back to the failed stage's baseline) and the CLI reports that record. Otherwise the CLI",
    'reads GET /admin/models/{model}/metrics (per minute, not per epoch): from the first minute after the',
    'rollback minute in which no other version served, >= 20 requests on the stable version, and error',
    'rate and latency within the baseline of the hour before. Latency is compared as the controller does:',
    'p99 when both windows have >= 1,000 answers, p95 from 100, the median below that.',
    `Cron trigger: wrangler dev --test-scheduled serves ${CRON_TRIGGER_PATH}; a deployed gateway runs its cron every minute.`,
    '--json prints { "rollback": <POST answer>, "rollout_id", "confirmation", "status" } once done.',
  ],
  examples: [
    'modelgate rollback credit-risk --reason "p99 regression on v2"',
    'modelgate rollback credit-risk --no-wait --json',
  ],
  async run(ctx, p) {
    const model = p.positionals[0] as string
    const target = str(p, 'target')
    if (target !== undefined && target !== 'champion' && target !== 'previous_champion') {
      throw new UsageError(`--target: "${target}" is not champion or previous_champion`, NAME)
    }
    if (bool(p, 'trigger-cron') && bool(p, 'no-trigger-cron'))
      throw new UsageError('--trigger-cron and --no-trigger-cron contradict each other', NAME)
    const timeoutMs = parseDuration(str(p, 'timeout') ?? '10m', 'timeout')
    const intervalMs = parseDuration(str(p, 'interval') ?? '5s', 'interval')
    const triggerCron = bool(p, 'trigger-cron') || (ctx.conn.local && !bool(p, 'no-trigger-cron'))
    const io = ctx.io

    // State the target before acting (cli/rollback-target); a rollback that would change nothing
    // is still sent, since the gateway decides under its lock, but is not asked about.
    const before = await ctx.api.json<ModelView>('GET', `/models/${seg(model)}`)
    const statement = rollbackStatement(model, before, target, io.now())
    eprintln(io, statement.line)
    // A terminal asks first; a script or a pager without one proceeds: a rollback is protective.
    if (statement.acts && io.interactive && !bool(p, 'yes')) {
      const answer = (await io.ask('Roll back? [y/N] ')).trim().toLowerCase()
      if (answer !== 'y' && answer !== 'yes') {
        eprintln(io, 'not rolled back')
        return EXIT.ok
      }
    }
    const startedAt = io.now()
    const reason = str(p, 'reason')
    const rb = await ctx.api.json<RollbackResponse>('POST', `/models/${seg(model)}/rollback`, {
      ...(target ? { target } : {}),
      ...(reason ? { reason } : {}),
    })
    // The rollout whose runbook carries the rollback: the one it ended, or the promotion it undid.
    const rolloutId = rb.ended_rollout ?? before.active_rollout?.id ?? null
    if (rb.changed === false) {
      if (ctx.json) printJson(io, { rollback: rb, rollout_id: null, confirmation: null, status: 'unchanged' })
      else
        println(
          io,
          `nothing to roll back: ${model} already routes ${weights(rb.weights)} (epoch ${rb.epoch}, unchanged)`,
        )
      return EXIT.ok
    }
    const stable = rb.champion
    const weight = rb.weights[stable] ?? 0
    if (!ctx.json) {
      println(
        io,
        `rolled back ${model}: epoch ${rb.epoch}, ${weights(rb.weights)} (was ${weights(rb.rolled_back_from?.weights)})`,
      )
      if (rolloutId) println(io, `ended rollout ${rolloutId}`)
    }
    const doc = (confirmation: Confirmation | null, status: string) => ({
      rollback: rb,
      rollout_id: rolloutId,
      confirmation,
      status,
    })
    if (bool(p, 'no-wait')) {
      if (ctx.json) printJson(io, doc(null, 'not waited for'))
      return EXIT.ok
    }

    const check = confirmationSource(ctx, { model, rolloutId, stable, weight, rb, startedAt })
    eprintln(
      io,
      `waiting for confirmation (timeout ${formatDuration(timeoutMs)}, cron trigger ${triggerCron ? 'on' : 'off'}) …`,
    )
    const deadline = startedAt + timeoutMs
    let lastTrigger = -Infinity
    let lastProgress = io.now()
    let status: string
    let cron: 'on' | 'off' = triggerCron ? 'on' : 'off'
    for (;;) {
      if (cron === 'on' && io.now() - lastTrigger >= TRIGGER_EVERY_MS) {
        lastTrigger = io.now()
        cron = await triggerScheduled(ctx)
      }
      const result = await tolerant(check)
      if (typeof result === 'string') {
        status = result
      } else {
        if (ctx.json) printJson(io, doc(result, result.ok ? 'confirmed' : 'not confirmed'))
        else {
          println(io, confirmationLine(result))
          println(io, confirmationDetail(result))
        }
        return result.ok ? EXIT.ok : EXIT.timeout
      }
      const now = io.now()
      if (now >= deadline) break
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now
        eprintln(io, `  still waiting (${formatDuration(now - startedAt)}): ${status}`)
      }
      await io.sleep(Math.min(intervalMs, Math.max(0, deadline - now)))
    }
    if (ctx.json) printJson(io, doc(null, `timed out: ${status}`))
    eprintln(io, `error: rollback of ${model} not confirmed within ${formatDuration(timeoutMs)}: ${status}`)
    eprintln(
      io,
      `  the traffic is already routed to ${stable} (epoch ${rb.epoch}); check with  modelgate status ${model}`,
    )
    return EXIT.timeout
  },
}

/** A confirmation, or a line saying what is still missing. */
type Check = () => Promise<Confirmation | string>

interface WaitFacts {
  model: string
  rolloutId: string | null
  stable: string
  weight: number
  rb: RollbackResponse
  startedAt: number
}

/** Picks the evidence on the first poll, so that a blip then is retried like any other poll. */
function confirmationSource(ctx: Context, f: WaitFacts): Check {
  let chosen: Check | null = f.rolloutId === null ? metricsCheck(ctx, f) : null
  return async () => {
    if (chosen !== null) return chosen()
    const id = f.rolloutId as string
    const r = await ctx.api.json<RolloutView>('GET', `/rollouts/${seg(id)}`)
    // A rollout that never exposed the challenger has no rollback record to confirm.
    if (!r.rollback) {
      chosen = metricsCheck(ctx, f)
      return chosen()
    }
    chosen = async () => fromRolloutOrWaiting(await ctx.api.json<RolloutView>('GET', `/rollouts/${seg(id)}`), f)
    return fromRolloutOrWaiting(r, f)
  }
}

function fromRolloutOrWaiting(r: RolloutView, f: WaitFacts): Confirmation | string {
  const c = fromRollout(r, { epoch: f.rb.epoch, weight: f.weight })
  if (c === null)
    return `the controller confirms on a cron tick once ${f.stable} has ${CONFIRM.minRequests} requests under epoch ${f.rb.epoch}`
  // The controller checks a "not confirmed" again on every tick until its give-up time.
  const recorded = r.rollback?.confirmation
  if (recorded && recorded.state === 'checking_again')
    return `not confirmed yet: ${c.reason ?? 'metrics not back to baseline'}; the controller checks again on every tick`
  return c
}

function metricsCheck(ctx: Context, f: WaitFacts): Check {
  const rollbackAt = Date.parse(f.rb.published_at)
  const rollbackMinute = Math.floor(rollbackAt / MINUTE) * MINUTE
  const iso = (t: number) => new Date(t).toISOString()
  const path = `/models/${seg(f.model)}/metrics`
  let baseline: HealthSample | null = null
  return async () => {
    if (baseline === null) {
      // The hour before the rollback minute, in one point (the API counts both end minutes).
      const m = await ctx.api.json<MetricsResponse>(
        'GET',
        `${path}?${metricsQuery({ from: iso(rollbackMinute - 60 * MINUTE), to: iso(rollbackMinute - MINUTE), stepS: 3_600 })}`,
      )
      baseline = stableTotals(m.series, f.stable) ?? NO_HEALTH
    }
    const perMinute = await ctx.api.json<MetricsResponse>(
      'GET',
      `${path}?${metricsQuery({ from: iso(rollbackMinute) })}`,
    )
    const w = trafficSince(perMinute.series, f.stable, rollbackAt)
    if (!w.ready) {
      const others = w.others.length
        ? `; last served by ${w.others.map((o) => `${o.version} at ${time(o.lastMinute)}`).join(', ')}`
        : ''
      return `${f.stable} has ${w.stableRequests} of ${CONFIRM.minRequests} requests in the minutes from ${time(w.cleanFrom)} on${others}`
    }
    const windowS = Math.ceil((ctx.io.now() - w.cleanFrom) / 1_000) + 60
    const m = await ctx.api.json<MetricsResponse>(
      'GET',
      `${path}?${metricsQuery({ from: iso(w.cleanFrom), stepS: windowS })}`,
    )
    const t = stableTotals(m.series, f.stable)
    const health = healthBack(t ?? NO_HEALTH, baseline)
    if (!health.ok) return health.reason
    return {
      ok: true,
      source: 'metrics',
      version: f.stable,
      epoch: f.rb.epoch,
      weight: f.weight,
      requests: t?.requests ?? w.stableRequests,
      otherRequests: 0,
      errorRate: t?.errorRate ?? null,
      p99Ms: t?.p99Ms ?? null,
      baselineErrorRate: baseline.errorRate,
      baselineP99Ms: baseline.p99Ms,
      timeToConfirmMs: ctx.io.now() - f.startedAt,
      since: iso(w.cleanFrom),
    }
  }
}

/** Polling outlives blips: network errors and 5xx become a status line until the deadline. */
async function tolerant(check: Check): Promise<Confirmation | string> {
  try {
    return await check()
  } catch (err) {
    if (err instanceof NetworkError || (err instanceof ApiError && err.status >= 500))
      return `last poll failed: ${err.message}`
    throw err
  }
}

/** Runs the gateway's scheduled handler once; 'off' when this gateway does not offer it. */
async function triggerScheduled(ctx: Context): Promise<'on' | 'off'> {
  try {
    const res = await ctx.api.raw(`${CRON_TRIGGER_PATH}?cron=${encodeURIComponent('* * * * *')}`)
    await res.arrayBuffer()
    if (res.status === 404) {
      eprintln(
        ctx.io,
        `  note: ${ctx.conn.url}${CRON_TRIGGER_PATH} is not served here; waiting for the gateway's own cron`,
      )
      return 'off'
    }
    if (!res.ok) eprintln(ctx.io, `  note: the scheduled handler answered ${res.status}; will retry`)
  } catch (err) {
    eprintln(ctx.io, `  note: cron trigger failed: ${(err as Error).message}`)
  }
  return 'on'
}
