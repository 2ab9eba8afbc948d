/**
 * @module cli/help
 * `modelgate help` and `modelgate <command> --help`. The exit codes are documented here because
 * scripts rely on them; src/cli/exit.ts is where they are defined.
 */
import { GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './args'
import { COMMANDS } from './commands'
import { EXIT } from './exit'
import { WATCH_EXIT_HELP } from './watch-outcome'

function usageLine(spec: CommandSpec): string {
  return [spec.name, ...spec.args].join(' ')
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const left = Object.entries(options).map(
    ([name, o]) => `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`,
  )
  const width = Math.max(...left.map((l) => l.length))
  return Object.values(options).map((o, i) => `  ${(left[i] as string).padEnd(width)}  ${o.description}`)
}

export const EXIT_CODE_HELP: ReadonlyArray<readonly [number, string]> = [
  [EXIT.ok, 'ok'],
  [EXIT.unexpected, 'unexpected error, or the gateway could not be reached'],
  [EXIT.usage, 'usage error: unknown command or option, missing or bad argument'],
  [EXIT.refused, 'the API refused the request (4xx), or there is nothing to do (e.g. nothing to approve)'],
  [EXIT.server, 'the gateway failed (5xx)'],
  [EXIT.timeout, 'rollback not confirmed: timed out waiting, or the gateway gave up on it (30 min)'],
  [EXIT.auditBroken, 'audit verify: a hash chain is broken'],
]

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => usageLine(c).length))
  return [
    'modelgate: operate a modelgate gateway (models, rollouts, approvals, rollback, audit)',
    '',
    'usage: modelgate <command> [arguments] [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${usageLine(c).padEnd(width)}  ${c.summary}`),
    `  ${'help [<command>]'.padEnd(width)}  this text, or a command's options (also: <command> --help)`,
    '',
    'global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'environment:',
    '  MODELGATE_URL             gateway URL (default http://127.0.0.1:8787)',
    '  MODELGATE_TOKEN           operator token (admin API)',
    '  MODELGATE_APPROVER_TOKEN  approver token, used by approve',
    '  MODELGATE_ACTOR           your name in the audit log (x-modelgate-actor)',
    '  For a gateway on 127.0.0.1 or localhost with no token set, ADMIN_TOKEN and APPROVER_TOKEN are',
    '  read from ./.dev.vars (which `npm start` creates).',
    '',
    'output:',
    "  Tables for people by default; --json prints the API's JSON on stdout for scripts. Progress,",
    "  prompts and errors go to stderr. An API error prints the problem's title, detail, field errors",
    '  and request id on stderr (and, with --json, the problem document on stdout).',
    '',
    'exit codes:',
    ...EXIT_CODE_HELP.map(([code, text]) => `  ${code}  ${text}`),
    "  `rollout status --watch` and `rollout start --wait` end with the rollout's outcome instead:",
    ...WATCH_EXIT_HELP.map(([code, text]) => `  ${String(code).padStart(2)}  ${text}`),
    '',
    'rollback runbook: `modelgate rollback <model>` publishes 100% to the champion, prints the new epoch',
    'and waits for confirmation (see `modelgate rollback --help`).',
    '',
  ].join('\n')
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`usage: modelgate ${usageLine(spec)} [options]`, '', spec.summary, '']
  if (Object.keys(spec.options).length) lines.push('options:', ...optionLines(spec.options), '')
  lines.push(
    `global options: ${Object.keys(GLOBAL_OPTIONS)
      .map((o) => `--${o}`)
      .join(', ')} (see modelgate help)`,
    '',
  )
  if (spec.details?.length) lines.push(...spec.details, '')
  if (spec.examples?.length) lines.push('examples:', ...spec.examples.map((e) => `  ${e}`), '')
  return lines.join('\n')
}
