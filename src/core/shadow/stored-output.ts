/**
 * @module core/shadow/stored-output
 * The size bound on extracted outputs that are kept (pairs for counterfactual scoring, samples
 * for offline analysis). A whole-body comparison can extract megabytes; one such value in a
 * measurement batch would exceed SQLite's value limit in the shard and make the whole batch,
 * request counts included, fail on every retry.
 */

/** Largest output kept, as JSON text (UTF-16 code units). */
export const MAX_STORED_OUTPUT_CHARS = 64 * 1024

/** What is kept instead of an output above the bound. */
export interface OmittedOutput {
  omitted: true
  /** Length of the output's JSON text. */
  json_chars: number
  /** Its first characters, for a glance. */
  head: string
}

export type StoredOutput = { kind: 'kept'; value: unknown } | { kind: 'omitted'; value: OmittedOutput }

const HEAD_CHARS = 256

export function storedOutput(value: unknown, max = MAX_STORED_OUTPUT_CHARS): StoredOutput {
  const json = JSON.stringify(value)
  if (json === undefined || json.length <= max) return { kind: 'kept', value }
  return { kind: 'omitted', value: { omitted: true, json_chars: json.length, head: json.slice(0, HEAD_CHARS) } }
}

/** True for a marker `storedOutput` left in place of an output (never scored as an output). */
export function isOmittedOutput(v: unknown): v is OmittedOutput {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as OmittedOutput).omitted === true &&
    typeof (v as OmittedOutput).json_chars === 'number'
  )
}
