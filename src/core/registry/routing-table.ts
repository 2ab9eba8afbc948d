/**
 * @module core/registry/routing-table
 * Checks on a routing table: whether two tables route alike, and what is wrong with one for a model.
 */
import type { FieldError } from '../errors'
import { toBasisPoints } from '../routing/select'
import type { RoutingTable } from '../routing/types'

/**
 * Two routing tables send every request the same way: zero weights and key order aside, weights,
 * rules (in order) and the shadow are compared as written, so two tables written differently that
 * route alike count as different (the rollback then publishes once more; never the reverse).
 */
export function sameRouting(a: RoutingTable | null, b: RoutingTable | null): boolean {
  if (a === null || b === null) return a === b
  const weights = (w: Record<string, number>) =>
    Object.entries(w)
      .filter(([, p]) => p > 0)
      .sort(([x], [y]) => x.localeCompare(y))
  return (
    a.champion === b.champion &&
    JSON.stringify(weights(a.weights)) === JSON.stringify(weights(b.weights)) &&
    JSON.stringify(a.rules) === JSON.stringify(b.rules) &&
    JSON.stringify(a.shadow) === JSON.stringify(b.shadow)
  )
}

/** Collects every problem with a routing table, so a 400 lists all of them at once. */
export function routingProblems(state: { versions: Record<string, unknown> }, routing: RoutingTable): FieldError[] {
  const problems: FieldError[] = []
  const known = (v: string) => state.versions[v] !== undefined
  let total = 0
  for (const [version, percent] of Object.entries(routing.weights)) {
    if (!known(version)) problems.push({ field: `weights.${version}`, message: `version ${version} is not registered` })
    total += toBasisPoints(percent)
  }
  if (total !== 10_000) problems.push({ field: 'weights', message: `weights must sum to 100 (got ${total / 100})` })
  routing.rules.forEach((rule, i) => {
    if (!known(rule.version))
      problems.push({ field: `rules.${i}.version`, message: `version ${rule.version} is not registered` })
  })
  if (routing.shadow) {
    if (!known(routing.shadow.version)) {
      problems.push({ field: 'shadow.version', message: `version ${routing.shadow.version} is not registered` })
    } else if (routing.shadow.version === routing.champion) {
      problems.push({ field: 'shadow.version', message: 'the champion cannot shadow itself' })
    }
  }
  return problems
}
