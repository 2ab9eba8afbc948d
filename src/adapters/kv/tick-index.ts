/**
 * @module adapters/kv/tick-index
 * KV keys `ticking/<model>`: the models whose coordinator wants gate ticks (an active rollout or
 * an unconfirmed rollback). Each coordinator writes its own key when that changes; the cron tick
 * lists them only when D1, its usual source, fails, so a D1 outage never stops the backstop.
 */
const PREFIX = 'ticking/'

export async function markTicking(kv: KVNamespace, model: string, on: boolean): Promise<void> {
  if (on) await kv.put(`${PREFIX}${model}`, '1')
  else await kv.delete(`${PREFIX}${model}`)
}

export async function listTicking(kv: KVNamespace): Promise<string[]> {
  const models: string[] = []
  let cursor: string | undefined
  do {
    const page = await kv.list({ prefix: PREFIX, ...(cursor ? { cursor } : {}) })
    for (const k of page.keys) models.push(k.name.slice(PREFIX.length))
    cursor = page.list_complete ? undefined : page.cursor
  } while (cursor)
  return models
}
