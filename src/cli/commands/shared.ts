/**
 * @module cli/commands/shared
 * Small helpers the commands share.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { UsageError } from '../exit'
import type { Io } from '../io'

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`)
}

/** A path segment: model names and ids are validated by the API, never trusted to be URL-safe. */
export function seg(s: string): string {
  return encodeURIComponent(s)
}

/** Runs `fn` over items with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/** A JSON document from a file the operator named; `label` ("--gates", "report") names it in errors. */
export function readJsonFile(file: string, label: string, cwd: string, command: string): unknown {
  let text: string
  try {
    text = readFileSync(path.resolve(cwd, file), 'utf8')
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new UsageError(`${label}: cannot read ${file}: ${why}`, command)
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new UsageError(`${label}: ${file} is not JSON: ${(err as Error).message}`, command)
  }
}
