/**
 * @module cli/main
 * Entry of `modelgate`: picks the command, parses its options, connects, runs it, and turns
 * whatever it throws into stderr lines and an exit code (src/cli/exit.ts).
 *
 * Run it as `node bin/modelgate.mjs …` (what `npx modelgate` calls) or `npx tsx src/cli/main.ts …`.
 */
import { pathToFileURL } from 'node:url'
import { bool, parseCommandLine, resolveConnection } from './args'
import { ApiClient } from './client'
import { commandsUnder, findCommand } from './commands'
import { ApiError, EXIT, UsageError, exitCodeOf } from './exit'
import { commandHelp, generalHelp } from './help'
import { eprintln, processIo, type Io } from './io'
import { renderError } from './report-error'

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const json = argv.includes('--json')
  let command: string | undefined
  try {
    const first = argv[0]
    if (first === undefined) {
      io.err(generalHelp())
      return EXIT.usage
    }
    if (first === 'help' || first === '--help' || first === '-h') return help(io, argv.slice(1))
    const found = findCommand(argv)
    if (!found) {
      const group = commandsUnder(first)
      if (group.length)
        throw new UsageError(`"${first}" needs a subcommand: ${group.map((c) => c.name).join(', ')}`, group[0]?.name)
      throw new UsageError(`unknown command "${first}"`)
    }
    command = found.spec.name
    const parsed = parseCommandLine(found.spec, found.rest)
    if (bool(parsed, 'help')) {
      io.out(commandHelp(found.spec))
      return EXIT.ok
    }
    const conn = resolveConnection(parsed, io, found.spec.role)
    const api = new ApiClient({ url: conn.url, token: conn.token, actor: conn.actor, fetch: io.fetch })
    return await found.spec.run({ io, api, conn, json: bool(parsed, 'json') }, parsed)
  } catch (err) {
    for (const line of renderError(err, command)) eprintln(io, line)
    if (json && err instanceof ApiError && err.body) io.out(err.body.endsWith('\n') ? err.body : `${err.body}\n`)
    if (exitCodeOf(err) === EXIT.unexpected && io.env.MODELGATE_DEBUG && err instanceof Error && err.stack)
      eprintln(io, err.stack)
    return exitCodeOf(err)
  }
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
  throw new UsageError(`no help for "${words.join(' ')}": unknown command`)
}

// `npx tsx src/cli/main.ts …`: run when this file is the entry (the bin launcher imports it instead).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2))
}
