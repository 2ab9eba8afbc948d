/**
 * @module cli/commands/verdicts
 * `modelgate verdicts <rollout>`: every gate evaluation with its decision and reason; with
 * `--metrics`, the numbers behind each one (per-arm n and estimate, contrast, boundary,
 * always-valid p-value, margin), each business metric's contradicted outcomes per arm, and the
 * sample-ratio check.
 */
import { bool, booleanOption, positiveInt, str, stringOption, type CommandSpec } from '../args'
import type { RolloutView, VerdictRow } from '../api-types'
import { NONE, num, pct, right, table, time } from '../format'
import { println } from '../io'
import { stepLabel, withDecision } from '../rollout-view'
import { printJson, seg } from './shared'

type MetricRow = VerdictRow['metrics'][number]

/** The most rows the verdict history route answers (src/http/routes/admin/rollouts.ts). */
const HISTORY_MAX = 10_000

/** A business metric's contradicted outcomes per arm, or null for metrics (and verdicts) without them. */
export function conflictLine(m: MetricRow): string | null {
  if (m.champion.conflicts === undefined && m.challenger.conflicts === undefined) return null
  const arm = (a: MetricRow['champion']) => `${a.conflicts ?? 0} (${pct(a.conflict_rate)})`
  return `  conflicts ${m.metric}: champion ${arm(m.champion)}, challenger ${arm(m.challenger)}`
}

/**
 * The margin a metric's decision used: the stage's FAIL margin for a `fail` (the verdict row
 * carries the PASS margin only; the rollout's configuration has the fail margin), else the row's.
 */
export function marginUsed(rollout: Pick<RolloutView, 'plan' | 'config'>, v: VerdictRow, m: MetricRow): number {
  if (m.decision !== 'fail') return m.margin
  const kind = rollout.plan[v.step_index]?.kind
  const gates =
    kind === 'shadow' || kind === 'canary' || kind === 'cohort' || kind === 'watch'
      ? rollout.config.gates[kind]
      : undefined
  if (!gates) return m.margin
  const margins =
    m.metric === 'error_rate'
      ? gates.error_rate
      : m.metric === 'latency'
        ? gates.latency
        : (gates.business.find((b) => b.metric === m.metric) ?? null)
  return margins?.fail_margin ?? m.margin
}

/** "showing the newest 50 of 109 verdicts; …" when the table is not all of them, else null. */
export function shownLine(shown: number, total: number, capped: boolean): string | null {
  if (shown >= total && !capped) return null
  const of = capped ? `at least ${total}` : `${total}`
  return `showing the newest ${shown} of ${of} verdicts; --limit <n> or --all for more`
}

export const verdictsCommand: CommandSpec = {
  name: 'verdicts',
  summary: "a rollout's verdict history; --metrics for the numbers behind each decision",
  args: ['<rollout>'],
  options: {
    metrics: booleanOption('per-metric numbers: arm n and estimate, contrast, boundary, p-value, margin'),
    limit: stringOption('<n>', 'the newest n verdicts (default 50; the table says how many there are)'),
    all: booleanOption('every verdict'),
    decisive: booleanOption('only verdicts that changed the rollout'),
  },
  async run(ctx, p) {
    const id = p.positionals[0] as string
    const [rollout, list] = await Promise.all([
      ctx.api.json<RolloutView>('GET', `/rollouts/${seg(id)}`),
      ctx.api.json<{ verdicts: VerdictRow[] }>('GET', `/rollouts/${seg(id)}/verdicts?limit=${HISTORY_MAX}`),
    ])
    const limit = bool(p, 'all') ? Infinity : positiveInt(str(p, 'limit'), 'limit', 50)
    let rows = list.verdicts
    // The route answers at most HISTORY_MAX rows: a full answer may not be all of them.
    const capped = list.verdicts.length >= HISTORY_MAX
    if (bool(p, 'decisive')) rows = rows.filter((v) => v.decisive)
    const total = rows.length
    if (rows.length > limit) rows = rows.slice(rows.length - limit)
    const shown = shownLine(rows.length, total, capped)
    if (ctx.json) {
      printJson(ctx.io, { verdicts: rows })
      return 0
    }
    const io = ctx.io
    if (rows.length === 0) {
      println(io, `no verdicts yet for ${rollout.id} (${rollout.phase}); gates are evaluated on each cron tick`)
      return 0
    }
    const label = (v: VerdictRow) => `${stepLabel(rollout, v.step_index)}${v.decisive ? ' *' : ''}`
    if (!bool(p, 'metrics')) {
      println(
        io,
        table(
          ['TIME', 'STEP', 'DECISION', 'REASON'],
          rows.map((v) => [time(v.at), label(v), v.decision, v.reason]),
        ),
      )
      if (rows.some((v) => v.decisive)) println(io, '* decisive: the verdict moved the rollout')
      if (shown) println(io, shown)
      return 0
    }
    rows.forEach((v, i) => {
      if (i > 0) println(io)
      println(io, `${time(v.at)}  ${label(v)}  ${withDecision(v)}`)
      if (v.metrics.length) {
        println(
          io,
          table(
            [
              'METRIC',
              'TEST',
              right('CHAMP N'),
              right('CHAMP EST'),
              right('CHALL N'),
              right('CHALL EST'),
              right('CONTRAST'),
              right('BOUNDARY'),
              right('P-VALUE'),
              right('MARGIN'),
              'DECISION',
            ],
            v.metrics.map((m) => [
              m.metric,
              m.test,
              m.champion.n,
              num(m.champion.estimate),
              m.challenger.n,
              num(m.challenger.estimate),
              num(m.contrast),
              num(m.boundary),
              num(m.p_value),
              num(marginUsed(rollout, v, m)),
              m.decision,
            ]),
            '  ',
          ),
        )
      }
      for (const m of v.metrics) {
        const line = conflictLine(m)
        if (line !== null) println(io, line)
      }
      if (v.srm) {
        const share = v.srm.observed_share === null ? NONE : pct(v.srm.observed_share)
        println(
          io,
          `  srm: ${v.srm.alarm ? 'ALARM' : 'ok'}, challenger share ${share} vs ${pct(v.srm.expected_share)}, p = ${num(v.srm.p_value)}`,
        )
      }
    })
    if (shown) println(io, `\n${shown}`)
    return 0
  },
}
