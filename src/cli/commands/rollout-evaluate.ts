/**
 * @module cli/commands/rollout-evaluate
 * `modelgate rollout evaluate <rollout> <report.json>`: submits the challenger's offline
 * evaluation report (POST /admin/rollouts/{id}/evaluation) and says whether it passed. A failing
 * report is a refusal for scripts (exit 3): the rollout stays waiting for a passing one.
 */
import type { CommandSpec } from '../args'
import type { RolloutView } from '../api-types'
import { EXIT } from '../exit'
import { println } from '../io'
import { rolloutHeading, rolloutLines } from '../rollout-view'
import { printJson, readJsonFile, seg } from './shared'

const NAME = 'rollout evaluate'

export const rolloutEvaluateCommand: CommandSpec = {
  name: NAME,
  summary: "submit a challenger's offline evaluation report (quality, fairness, p99 under load, slices)",
  args: ['<rollout>', '<report.json>'],
  options: {},
  details: [
    'The report is the JSON document POST /admin/rollouts/{id}/evaluation takes (README: offline evaluation).',
    'Exit 0 when it passed (the rollout moves on), 3 when it failed (the rollout keeps waiting for a passing one).',
  ],
  examples: ['modelgate rollout evaluate ro_01JD… report.json'],
  async run(ctx, p) {
    const [id, file] = p.positionals as [string, string]
    const report = readJsonFile(file, 'report', ctx.io.cwd, NAME)
    const r = await ctx.api.json<RolloutView>('POST', `/rollouts/${seg(id)}/evaluation`, report)
    const passed = r.evaluation?.status === 'passed'
    if (ctx.json) {
      printJson(ctx.io, r)
      return passed ? EXIT.ok : EXIT.refused
    }
    const status = r.evaluation ? `${r.evaluation.status}: ${r.evaluation.reason}` : 'no evaluation recorded'
    println(ctx.io, `evaluation ${status}`)
    println(ctx.io, rolloutHeading(r))
    println(ctx.io, rolloutLines(r, ctx.io.now()))
    return passed ? EXIT.ok : EXIT.refused
  },
}
