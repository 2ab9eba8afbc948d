/**
 * @module core/audit/chain
 * Hash-chained, append-only audit entries.
 *
 * Each stream (one per model, plus `_system`) has exactly one writer, the stream's coordinator, so
 * a chain is a simple sequence: entry n stores the hash of entry n−1 and its own hash over a
 * canonical JSON encoding of its fields. Editing, inserting or deleting any row breaks every later
 * link, which `verifyChain` reports with the first bad sequence number.
 */

export const GENESIS_HASH = '0'.repeat(64)

export interface AuditFields {
  id: string
  stream: string
  seq: number
  at: string
  actor: string
  action: string
  target: string
  before: unknown
  after: unknown
  reason: string
  prev_hash: string
}

export interface AuditEntry extends AuditFields {
  hash: string
}

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null)
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export async function hashEntry(fields: AuditFields): Promise<string> {
  return sha256Hex(canonicalJson(fields))
}

/** Lone UTF-16 surrogates, which UTF-8 storage cannot hold (it writes U+FFFD instead). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** `value` with every string made well-formed (lone surrogates → U+FFFD), at any depth. */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\uFFFD') as T
  if (Array.isArray(value)) return value.map((v) => wellFormed(v)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [wellFormed(k), wellFormed(v)]),
    ) as T
  }
  return value
}

/**
 * Seals an entry over exactly what storage will give back: a lone surrogate (a reason cut in the
 * middle of an emoji, or sent that way) is stored as U+FFFD, so hashing the raw text would make the
 * entry fail verification forever.
 */
export async function sealEntry(fields: AuditFields): Promise<AuditEntry> {
  const clean = wellFormed(fields)
  return { ...clean, hash: await hashEntry(clean) }
}

export interface ChainVerdict {
  ok: boolean
  checked: number
  /** First entry whose link or hash is wrong, if any. */
  broken_at: { stream: string; seq: number; problem: string } | null
}

/** Verify one stream's entries, given in ascending `seq` order starting at 1. */
export async function verifyChain(entries: AuditEntry[]): Promise<ChainVerdict> {
  let prev = GENESIS_HASH
  let expectedSeq = 1
  for (const e of entries) {
    const { hash, ...fields } = e
    if (e.seq !== expectedSeq)
      return bad(e, entries, `expected seq ${expectedSeq}, found ${e.seq} (a row is missing or duplicated)`)
    if (e.prev_hash !== prev) return bad(e, entries, 'prev_hash does not match the previous entry')
    if ((await hashEntry(fields)) !== hash) return bad(e, entries, 'hash does not match the entry contents')
    prev = hash
    expectedSeq++
  }
  return { ok: true, checked: entries.length, broken_at: null }
}

/**
 * Verify one stream against its writer's head (the last seq and hash it sealed): the chain alone
 * cannot show that its newest entries were deleted, since what remains still links up.
 */
export async function verifyChainToHead(
  stream: string,
  entries: AuditEntry[],
  head: { seq: number; hash: string },
): Promise<ChainVerdict> {
  const verdict = await verifyChain(entries)
  if (!verdict.ok) return verdict
  const last = entries.at(-1)
  const lastSeq = last?.seq ?? 0
  if (lastSeq < head.seq) {
    return {
      ok: false,
      checked: entries.length,
      broken_at: {
        stream,
        seq: lastSeq + 1,
        problem: `entries ${lastSeq + 1}..${head.seq} are missing (the writer sealed up to seq ${head.seq})`,
      },
    }
  }
  if (lastSeq === head.seq && last !== undefined && last.hash !== head.hash) {
    return {
      ok: false,
      checked: entries.length,
      broken_at: { stream, seq: lastSeq, problem: 'the newest entry is not the one its writer sealed' },
    }
  }
  return verdict
}

function bad(e: AuditEntry, entries: AuditEntry[], problem: string): ChainVerdict {
  return { ok: false, checked: entries.indexOf(e), broken_at: { stream: e.stream, seq: e.seq, problem } }
}
