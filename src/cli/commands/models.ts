/**
 * @module cli/commands/models
 * `modelgate models`: every model with its champion, epoch, weights and active rollout.
 */
import type { CommandSpec } from '../args'
import type { ModelListResponse, ModelView } from '../api-types'
import { right, table, weights } from '../format'
import { println } from '../io'
import { mapLimit, printJson, seg } from './shared'

export const modelsCommand: CommandSpec = {
  name: 'models',
  summary: 'list models: risk, champion, epoch, weights, active rollout and phase',
  args: [],
  options: {},
  details: ['--json prints { "models": [ <GET /admin/models/{model}> … ] }.'],
  async run(ctx) {
    const list = await ctx.api.json<ModelListResponse>('GET', '/models')
    // The list has no routing or rollout; one GET per model fills them in.
    const views = await mapLimit(list.models, 8, (m) => ctx.api.json<ModelView>('GET', `/models/${seg(m.name)}`))
    if (ctx.json) {
      printJson(ctx.io, { models: views })
      return 0
    }
    if (views.length === 0) {
      println(ctx.io, 'no models registered (PUT /admin/models/{model} registers one)')
      return 0
    }
    const rows = views.map((v) => [
      v.model.name,
      v.model.risk,
      v.champion,
      v.epoch,
      weights(v.routing?.weights),
      v.active_rollout?.id,
      v.active_rollout?.phase,
    ])
    println(ctx.io, table(['MODEL', 'RISK', 'CHAMPION', right('EPOCH'), 'WEIGHTS', 'ROLLOUT', 'PHASE'], rows))
    return 0
  },
}
