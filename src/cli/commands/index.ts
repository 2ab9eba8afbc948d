/**
 * @module cli/commands
 * The command table, in the order `modelgate help` lists it.
 */
import type { CommandSpec } from '../args'
import { actionCommands } from './actions'
import { approveCommand } from './approve'
import { auditCommand, auditVerifyCommand } from './audit'
import { modelsCommand } from './models'
import { rollbackCommand } from './rollback'
import { rolloutEvaluateCommand } from './rollout-evaluate'
import { rolloutStartCommand } from './rollout-start'
import { rolloutStatusCommand } from './rollout-status'
import { statusCommand } from './status'
import { verdictsCommand } from './verdicts'

export const COMMANDS: readonly CommandSpec[] = [
  modelsCommand,
  statusCommand,
  rolloutStartCommand,
  rolloutStatusCommand,
  rolloutEvaluateCommand,
  ...actionCommands,
  approveCommand,
  rollbackCommand,
  verdictsCommand,
  auditCommand,
  auditVerifyCommand,
]

/** Longest match first: "audit verify" before "audit", "rollout start" before "rollout". */
export function findCommand(words: readonly string[]): { spec: CommandSpec; rest: string[] } | null {
  const two = COMMANDS.find((c) => c.name === `${words[0]} ${words[1]}`)
  if (two) return { spec: two, rest: words.slice(2) }
  const one = COMMANDS.find((c) => c.name === words[0])
  return one ? { spec: one, rest: words.slice(1) } : null
}

/** Commands under a group word ("rollout" → ["rollout start"]), for `modelgate rollout`. */
export function commandsUnder(word: string): CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${word} `))
}
