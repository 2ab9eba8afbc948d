/**
 * @module cli/commands/rollout-start
 * `modelgate rollout start <model> --challenger v2 --strategy canary …`: builds the body of
 * POST /admin/models/{model}/rollouts from flags (durations in any unit, sent as seconds) and
 * JSON files for the parts that are documents (offline report, gate overrides).
 */
import { STRATEGIES } from '../../core/rollout/types'
import { bool, booleanOption, list, str, stringOption, type CommandSpec, type Parsed } from '../args'
import type { RolloutView, StartRolloutBody } from '../api-types'
import { parseDuration } from '../duration'
import { UsageError } from '../exit'
import { keyValues } from '../format'
import { println, type Io } from '../io'
import { approvalText, planText, rolloutHeading } from '../rollout-view'
import { WATCH_OPTIONS, followRollout, watchOptions } from '../watch'
import { WATCH_EXIT_DETAILS } from './rollout-status'
import { printJson, readJsonFile, seg } from './shared'

const NAME = 'rollout start'

export const rolloutStartCommand: CommandSpec = {
  name: NAME,
  summary: 'start a rollout of a challenger (shadow, canary, blue_green, feature_flag or a plan)',
  args: ['<model>'],
  options: {
    challenger: stringOption('<version>', 'the version to roll out (required)'),
    strategy: stringOption(
      '<name>',
      `${STRATEGIES.join(' | ')}; repeat or comma-separate for a plan run in order (required)`,
      { multiple: true },
    ),
    stages: stringOption('<p,p,…>', 'canary weights in percent, e.g. 5,25,50,100'),
    'stage-min': stringOption(
      '<duration|auto>',
      'minimum time per canary stage, e.g. 60s, 5m, 24h; auto: planned by power from the measured traffic',
    ),
    'shadow-min': stringOption('<duration>', 'minimum time in shadow'),
    watch: stringOption('<duration>', 'watch period after 100%'),
    'shadow-rate': stringOption('<0..1>', 'share of requests copied to the shadow'),
    'shadow-samples': stringOption('<n>', 'minimum shadowed requests before the shadow gate may pass'),
    'waive-evaluation': booleanOption('skip the offline evaluation gate (low-risk models only; recorded)'),
    evaluation: stringOption('<file.json>', 'the offline evaluation report to submit with the start'),
    gates: stringOption('<file.json>', 'gate overrides: { "canary": { "min_sample": … }, "shadow": …, "watch": … }'),
    body: stringOption('<file.json>', 'a base request body (cohort, approval, …); flags override its fields'),
    reason: stringOption('<text>', 'why, for the audit log'),
    wait: booleanOption('follow the rollout until it ends, as `rollout status --watch` does (exit code per outcome)'),
    ...WATCH_OPTIONS,
  },
  details: [
    'Durations accept ms, s, m, h and d (a bare number is seconds) and are sent as seconds.',
    "Plans that are weaker than the model's defaults (e.g. small samples) start in awaiting_approval.",
    'With --wait it then follows the rollout like `rollout status --watch` (see `modelgate rollout status --help`).',
    ...WATCH_EXIT_DETAILS,
  ],
  examples: [
    'modelgate rollout start credit-risk --challenger v2 --strategy shadow,canary --stages 5,25,50,100 --stage-min 5m --shadow-min 5m --watch 10m --evaluation report.json',
    'modelgate rollout start credit-risk --challenger v2 --strategy canary --waive-evaluation --reason "hotfix"',
    'modelgate rollout start credit-risk --challenger v2 --strategy canary --evaluation report.json --wait --timeout 3h',
  ],
  async run(ctx, p) {
    const model = p.positionals[0] as string
    const body = buildStartBody(p, ctx.io.cwd)
    const watch = watchOptions(p, NAME) // validated with or without --wait
    const wait = bool(p, 'wait') ? watch : null
    const r = await ctx.api.json<RolloutView>('POST', `/models/${seg(model)}/rollouts`, body)
    // --json --wait: one JSON object per line (the rollout, then the watch's lines), as a stream.
    if (ctx.json && wait) ctx.io.out(`${JSON.stringify(r)}\n`)
    else if (ctx.json) printJson(ctx.io, r)
    else printStarted(ctx.io, r, wait !== null)
    return wait ? followRollout(ctx, r, wait) : 0
  },
}

/** The request body from the command line; exported for unit tests. */
export function buildStartBody(p: Parsed, cwd: string): StartRolloutBody {
  const base = (str(p, 'body') ? readJson(str(p, 'body') as string, 'body', cwd) : {}) as Partial<StartRolloutBody> &
    Record<string, unknown>
  const challenger = str(p, 'challenger') ?? base.challenger
  if (!challenger) throw new UsageError('--challenger is required', NAME)
  const strategies = list(p, 'strategy')
  for (const s of strategies) {
    if (!(STRATEGIES as readonly string[]).includes(s))
      throw new UsageError(`--strategy: "${s}" is not one of ${STRATEGIES.join(', ')}`, NAME)
  }
  const strategy = strategies.length === 0 ? base.strategy : strategies.length === 1 ? strategies[0] : strategies
  if (strategy === undefined) throw new UsageError('--strategy is required (e.g. canary, or shadow,canary)', NAME)
  const body: StartRolloutBody = { ...base, challenger, strategy: strategy as StartRolloutBody['strategy'] }

  const stages = list(p, 'stages')
  if (stages.length) {
    body.stages = stages.map((s) => {
      const n = Number(s.replace(/%$/, ''))
      if (!Number.isFinite(n) || n <= 0 || n > 100)
        throw new UsageError(`--stages: "${s}" is not a percentage in (0, 100]`, NAME)
      return n
    })
  }
  // `--stage-min auto` (or `"durations": "auto"` in --body) plans the stages by power; fixed
  // lengths cannot be mixed in.
  const auto = base.durations === 'auto' || str(p, 'stage-min') === 'auto'
  const fixed = base.durations === 'auto' ? undefined : base.durations
  const durations: { stage_min_s?: number; shadow_min_s?: number; watch_s?: number } = { ...(fixed ?? {}) }
  const seconds = (opt: string) => {
    const v = str(p, opt)
    return v === undefined ? undefined : parseDuration(v, opt) / 1_000
  }
  const stageMin = str(p, 'stage-min') === 'auto' ? undefined : seconds('stage-min')
  const shadowMin = seconds('shadow-min')
  const watch = seconds('watch')
  if (stageMin !== undefined) durations.stage_min_s = stageMin
  if (shadowMin !== undefined) durations.shadow_min_s = shadowMin
  if (watch !== undefined) durations.watch_s = watch
  if (auto && Object.keys(durations).length)
    throw new UsageError('--stage-min, --shadow-min and --watch need fixed durations, not "auto"', NAME)
  if (Object.keys(durations).length) body.durations = durations
  else if (auto) body.durations = 'auto'

  const shadow = { ...(base.shadow ?? {}) }
  const rate = str(p, 'shadow-rate')
  if (rate !== undefined) {
    const n = Number(rate)
    if (!(n > 0 && n <= 1)) throw new UsageError(`--shadow-rate: "${rate}" is not a share in (0, 1]`, NAME)
    shadow.sample_rate = n
  }
  const samples = str(p, 'shadow-samples')
  if (samples !== undefined) {
    const n = Number(samples)
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--shadow-samples: "${samples}" is not a positive integer`, NAME)
    shadow.min_samples = n
  }
  if (Object.keys(shadow).length) body.shadow = shadow

  if (bool(p, 'waive-evaluation')) body.waive_evaluation = true
  const evaluation = str(p, 'evaluation')
  if (evaluation) body.evaluation = readJson(evaluation, 'evaluation', cwd) as StartRolloutBody['evaluation']
  const gates = str(p, 'gates')
  if (gates) body.gates = readJson(gates, 'gates', cwd) as StartRolloutBody['gates']
  const reason = str(p, 'reason')
  if (reason) body.reason = reason
  return body
}

function readJson(file: string, option: string, cwd: string): unknown {
  return readJsonFile(file, `--${option}`, cwd, NAME)
}

function printStarted(io: Io, r: RolloutView, waiting: boolean): void {
  println(io, `started ${rolloutHeading(r)}`)
  const pairs: Array<readonly [string, string]> = [
    ['plan', planText(r)],
    ['phase', `${r.phase} (${r.phase_description})`],
  ]
  if (r.evaluation) pairs.push(['evaluation', `${r.evaluation.status}: ${r.evaluation.reason}`])
  if (r.pending_approval) {
    pairs.push(['approval', approvalText(r, io.now())])
    pairs.push(['why', r.pending_approval.reason])
    pairs.push(['evidence', r.pending_approval.evidence_hash])
  }
  println(io, keyValues(pairs, '  '))
  if (waiting) return
  if (r.pending_approval) println(io, `next: an approver runs  modelgate approve ${r.id}`)
  else if (r.phase === 'awaiting_evaluation')
    println(
      io,
      `next: submit the offline report:  modelgate rollout evaluate ${r.id} report.json  (or start with --evaluation report.json)`,
    )
  else println(io, `next: watch it with  modelgate status ${r.model}`)
}
