/**
 * @module cli/main
 * Entry of `modelgate`: picks the command, parses its options, connects, runs it, and turns
 * whatever it throws into stderr lines and an exit code (src/cli/exit.ts).
 *
 * Run it as `node bin/modelgate.mjs …` (what `npx modelgate` calls) or `npx tsx src/cli/main.ts …`.
 */
import { pathToFileURL } from 'node:url'
import type { ModelListResponse } from './api-types'
import { bool, parseCommandLine, resolveConnection, type Parsed } from './args'
import { ApiClient } from './client'
import { COMMANDS, commandsUnder, findCommand } from './commands'
import { ApiError, EXIT, UsageError, exitCodeOf } from './exit'
import { commandHelp, generalHelp } from './help'
import { eprintln, processIo, type Io } from './io'
import { renderError } from './report-error'
import { didYouMean, suggest } from './suggest'

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const json = argv.includes('--json')
  let command: string | undefined
  let typed: { api: ApiClient; words: string[] } | undefined
  try {
    const first = argv[0]
    if (first === undefined) {
      io.err(generalHelp())
      return EXIT.usage
    }
    if (first === 'help' || first === '--help' || first === '-h') return help(io, argv.slice(1))
    const found = findCommand(argv)
    if (!found) throw unknownCommand(argv)
    command = found.spec.name
    const parsed = parseCommandLine(found.spec, found.rest)
    if (bool(parsed, 'help')) {
      io.out(commandHelp(found.spec))
      return EXIT.ok
    }
    const conn = resolveConnection(parsed, io, found.spec.role)
    const api = new ApiClient({ url: conn.url, token: conn.token, actor: conn.actor, fetch: io.fetch })
    typed = { api, words: typedWords(parsed) }
    return await found.spec.run({ io, api, conn, json: bool(parsed, 'json') }, parsed)
  } catch (err) {
    for (const line of renderError(err, command)) eprintln(io, line)
    const hint = typed && (await modelHint(err, typed.api, typed.words))
    if (hint) eprintln(io, hint)
    if (json && err instanceof ApiError && err.body) io.out(err.body.endsWith('\n') ? err.body : `${err.body}\n`)
    if (exitCodeOf(err) === EXIT.unexpected && io.env.MODELGATE_DEBUG && err instanceof Error && err.stack)
      eprintln(io, err.stack)
    return exitCodeOf(err)
  }
}

/** An unknown command or subcommand, with the closest known one ("stauts" → "status"). */
function unknownCommand(argv: readonly string[]): UsageError {
  const first = argv[0] as string
  const group = commandsUnder(first)
  if (group.length) {
    const second = argv[1] !== undefined && !argv[1].startsWith('-') ? `${first} ${argv[1]}` : null
    const names = group.map((c) => c.name)
    const near = second ? didYouMean(second, names) : ''
    return new UsageError(`"${first}" needs a subcommand: ${names.join(', ')}${near}`, group[0]?.name)
  }
  const words = new Set(COMMANDS.flatMap((c) => [c.name, c.name.split(' ')[0] as string]))
  words.add('help')
  return new UsageError(`unknown command "${first}"${didYouMean(first, words)}`)
}

/** The values typed on the command line that might be a model name. */
function typedWords(p: Parsed): string[] {
  const values = Object.values(p.values).flatMap((v) => (typeof v === 'string' ? [v] : Array.isArray(v) ? v : []))
  return [...p.positionals, ...values]
}

/**
 * After a 404 for an unknown model, "did you mean …" with the closest registered name. It asks the
 * gateway for the list (GET /admin/models); any failure there just means no hint.
 */
async function modelHint(err: unknown, api: ApiClient, words: readonly string[]): Promise<string | null> {
  if (!(err instanceof ApiError) || err.problem.code !== 'model_not_found') return null
  try {
    const names = (await api.json<ModelListResponse>('GET', '/models')).models.map((m) => m.name)
    for (const word of words) {
      const near = suggest(word, names)
      if (near !== null) return `  did you mean "${near}"?`
    }
  } catch {
    // no list, no hint: the error above already says what went wrong
  }
  return null
}

function help(io: Io, words: readonly string[]): number {
  if (words.length === 0) {
    io.out(generalHelp())
    return EXIT.ok
  }
  const found = findCommand(words)
  if (found && found.rest.length === 0) {
    io.out(commandHelp(found.spec))
    return EXIT.ok
  }
  const group = commandsUnder(words[0] as string)
  if (group.length && words.length === 1) {
    io.out(group.map(commandHelp).join('\n'))
    return EXIT.ok
  }
  throw new UsageError(`no help for "${words.join(' ')}": ${unknownCommand(words).message}`)
}

// `npx tsx src/cli/main.ts …`: run when this file is the entry (the bin launcher imports it instead).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2))
}
