/**
 * @module cli/args
 * Command specs and command-line parsing (node:util parseArgs, strict), plus the connection
 * settings every command shares: gateway URL, token and actor from flags, environment, or, for a
 * gateway on this machine, the `.dev.vars` that `npm start` writes.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { ApiClient } from './client'
import { UsageError } from './exit'
import type { Io } from './io'

export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  /** Placeholder in help, e.g. "<version>". */
  value?: string
  description: string
}

/** An option that takes a value, shown in help as `value` (e.g. "<version>"). */
export function stringOption(value: string, description: string, more: { multiple?: boolean } = {}): OptionSpec {
  return { type: 'string', ...more, value, description }
}

/** An option without a value (a flag), optionally with a one-letter alias. */
export function booleanOption(description: string, short?: string): OptionSpec {
  return { type: 'boolean', ...(short ? { short } : {}), description }
}

export type Values = Record<string, string | boolean | string[] | undefined>

export interface Parsed {
  positionals: string[]
  values: Values
}

export interface Context {
  io: Io
  api: ApiClient
  conn: Connection
  /** --json: print the API's JSON instead of tables. */
  json: boolean
}

export interface CommandSpec {
  /** As typed: "status", "rollout start", "audit verify". */
  name: string
  summary: string
  /** Positional names; optional ones in brackets, e.g. ["<model>"] or ["[<model>]"]. */
  args: string[]
  options: Record<string, OptionSpec>
  /** Which token the command needs: approvals are signed with the approver's. */
  role?: 'operator' | 'approver'
  /** More help text, one paragraph per entry. */
  details?: string[]
  examples?: string[]
  run(ctx: Context, parsed: Parsed): Promise<number>
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: stringOption('<url>', 'gateway URL (env MODELGATE_URL, default http://127.0.0.1:8787)'),
  token: stringOption('<token>', 'bearer token (env MODELGATE_TOKEN; approve: MODELGATE_APPROVER_TOKEN)'),
  actor: stringOption('<name>', 'your name in the audit log, sent as x-modelgate-actor (env MODELGATE_ACTOR)'),
  json: booleanOption("print the API's JSON instead of tables"),
  help: booleanOption('show help for the command', 'h'),
}

export const DEFAULT_URL = 'http://127.0.0.1:8787'
const ACTOR_RE = /^[A-Za-z0-9._@-]{1,64}$/

/** Parses argv (after the command words) against the command's options and the global ones. */
export function parseCommandLine(spec: CommandSpec, argv: string[]): Parsed {
  const options = { ...GLOBAL_OPTIONS, ...spec.options }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [
          name,
          { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    })
  } catch (err) {
    throw new UsageError(parseArgsMessage(err), spec.name)
  }
  const values = parsed.values as Values
  if (values.help) return { positionals: parsed.positionals, values }
  const required = spec.args.filter((a) => !a.startsWith('['))
  if (parsed.positionals.length < required.length) {
    throw new UsageError(`missing ${required.slice(parsed.positionals.length).join(' ')}`, spec.name)
  }
  if (parsed.positionals.length > spec.args.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[spec.args.length]}"`, spec.name)
  }
  return { positionals: parsed.positionals, values }
}

/** parseArgs' messages mention internals ("To specify a positional argument…"); keep the first sentence. */
function parseArgsMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  return (
    msg
      .split('. ')[0]
      ?.replace(/^Unknown option '(.+)'$/, 'unknown option $1')
      .replace(/\.$/, '') ?? msg
  )
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name]
  return typeof v === 'string' ? v : undefined
}

export function bool(p: Parsed, name: string): boolean {
  return p.values[name] === true
}

/** A repeatable option whose values may also be comma-separated: --strategy shadow,canary. */
export function list(p: Parsed, name: string): string[] {
  const v = p.values[name]
  const raw = Array.isArray(v) ? v : typeof v === 'string' ? [v] : []
  return raw
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
}

export function positiveInt(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${option}: "${text}" is not a positive integer`)
  return n
}

// ─────────────────────────────── connection ───────────────────────────────

export interface Connection {
  url: string
  token: string | null
  /** Where the token came from, for error hints: "--token", "MODELGATE_TOKEN", ".dev.vars"… */
  tokenSource: string | null
  actor: string | null
  /** The gateway runs on this machine (wrangler dev): cron can be triggered by hand. */
  local: boolean
}

export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1'
}

export function resolveConnection(p: Parsed, io: Io, role: 'operator' | 'approver' = 'operator'): Connection {
  const url = (str(p, 'url') ?? io.env.MODELGATE_URL ?? DEFAULT_URL).replace(/\/+$/, '')
  let parsedUrl: URL
  try {
    parsedUrl = new URL(url)
  } catch {
    throw new UsageError(`--url: "${url}" is not a URL`)
  }
  if (!/^https?:$/.test(parsedUrl.protocol)) throw new UsageError(`--url: "${url}" must be http or https`)
  const local = isLocalUrl(url)
  const actor = str(p, 'actor') ?? io.env.MODELGATE_ACTOR ?? null
  if (actor !== null && !ACTOR_RE.test(actor)) {
    // The gateway silently ignores a malformed actor; refusing here keeps the audit log honest.
    throw new UsageError(`--actor: "${actor}" must be 1-64 letters, digits, ".", "_", "@" or "-"`)
  }
  const candidates: Array<[string, string | undefined]> = [['--token', str(p, 'token')]]
  if (role === 'approver') candidates.push(['MODELGATE_APPROVER_TOKEN', io.env.MODELGATE_APPROVER_TOKEN])
  else candidates.push(['MODELGATE_TOKEN', io.env.MODELGATE_TOKEN])
  if (local) {
    const dev = readDevVars(io.cwd)
    candidates.push(['.dev.vars', role === 'approver' ? dev.APPROVER_TOKEN : dev.ADMIN_TOKEN])
  }
  // An approver without an approver token can still read; the approval itself gets a clear 403.
  if (role === 'approver') candidates.push(['MODELGATE_TOKEN', io.env.MODELGATE_TOKEN])
  const found = candidates.find(([, v]) => v !== undefined && v !== '')
  return { url, token: found?.[1] ?? null, tokenSource: found?.[0] ?? null, actor, local }
}

/** KEY=value lines of ./.dev.vars (what `npm start` creates); empty when there is none. */
export function readDevVars(cwd: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(path.join(cwd, '.dev.vars'), 'utf8')
  } catch {
    return {}
  }
  const vars: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
    if (m) vars[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1')
  }
  return vars
}
