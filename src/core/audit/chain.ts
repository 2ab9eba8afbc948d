/**
 * @module core/audit/chain
 * Hash-chained, append-only audit entries.
 *
 * Each stream (one per model) has exactly one writer, the model's coordinator, so
 * a chain is a simple sequence: entry n stores the hash of entry n−1 and its own hash over a
 * canonical JSON encoding of its fields. Editing, inserting or deleting any row breaks every later
 * link, which `verifyChain` reports with the first bad sequence number; `verifyStream` also holds
 * the rows against the writer's head, which shows deleted newest rows and rows the writer never
 * sealed.
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

/**
 * Why a stream does not verify: a closed vocabulary (README, "Audit log"). The report's
 * `broken_at.problem` carries one of these, its `detail` the numbers.
 */
export const CHAIN_PROBLEMS = [
  /** A row is missing below the newest, or rows are out of order. */
  'seq_gap',
  /** A row's link to the row before it is wrong (that row was rewritten and re-hashed). */
  'prev_hash_mismatch',
  /** A row's contents do not match its own hash (edited in place). */
  'hash_mismatch',
  /** The row at the seq of the writer's head is not the one the writer sealed (a rewritten tail). */
  'head_mismatch',
  /** D1 ends before the writer's head although the writer has delivered everything (rows deleted). */
  'rows_missing',
  /** D1 holds rows past the writer's head: rows the writer never sealed (forged or replayed). */
  'rows_beyond_head',
  /** D1 holds rows for a stream whose writer has no head (no coordinator ever wrote them). */
  'head_missing',
] as const
export type ChainProblem = (typeof CHAIN_PROBLEMS)[number]

export interface ChainBreak {
  stream: string
  seq: number
  problem: ChainProblem
  /** The same in words, with the seqs and heads involved. */
  detail: string
}

export interface ChainVerdict {
  ok: boolean
  checked: number
  /** First entry whose link or hash is wrong, if any. */
  broken_at: ChainBreak | null
}

/** Verify one stream's entries, given in ascending `seq` order starting at 1. */
export async function verifyChain(entries: AuditEntry[]): Promise<ChainVerdict> {
  let prev = GENESIS_HASH
  let checked = 0
  for (const e of entries) {
    const problem = await linkProblem(e, checked + 1, prev)
    if (problem) return broken(e.stream, e.seq, checked, problem)
    prev = e.hash
    checked++
  }
  return { ok: true, checked, broken_at: null }
}

/** What is wrong with `e` as the entry at `expectedSeq` after one hashed `prev`, or null. */
async function linkProblem(e: AuditEntry, expectedSeq: number, prev: string): Promise<[ChainProblem, string] | null> {
  const { hash, ...fields } = e
  if (e.seq !== expectedSeq)
    return ['seq_gap', `expected seq ${expectedSeq}, found ${e.seq} (a row is missing or duplicated)`]
  if (e.prev_hash !== prev) return ['prev_hash_mismatch', `seq ${e.seq}: prev_hash does not match the previous entry`]
  if ((await hashEntry(fields)) !== hash)
    return ['hash_mismatch', `seq ${e.seq}: hash does not match the entry contents`]
  return null
}

/** A writer's head as its coordinator reports it: the last seq and hash it sealed. */
export interface WriterHead {
  seq: number
  hash: string
  /** D1 held every entry up to `seq` when the head was read (the writer's outbox was empty). */
  inD1: boolean
}

/**
 * The heads read around the stream's rows: `before` ahead of the D1 read, `after` behind it. A
 * writer puts a row in D1 only after sealing it into its head, and its head only grows, so every
 * row it wrote that the D1 read saw has a seq at most `after.seq`: a row beyond `after` was never
 * sealed, and rows between the two heads are entries appended while D1 was read. `after` is only
 * read when a row lies beyond `before` (`needsHeadAfter`); otherwise it is `before`.
 */
export interface HeadsAround {
  before: WriterHead | null
  after: WriterHead | null
}

/** Whether a row lies beyond the head read before the rows, so the head must be read again. */
export function needsHeadAfter(entries: AuditEntry[], before: WriterHead | null): boolean {
  return (entries.at(-1)?.seq ?? 0) > (before?.seq ?? 0)
}

export interface StreamVerdict extends ChainVerdict {
  /** D1 held everything up to the writer's head (false while its outbox still holds entries). */
  complete: boolean
}

/**
 * Verify one stream (rows in ascending seq) against its writer's heads. The chain alone cannot show
 * that its newest rows were deleted (what remains still links up) nor that rows were appended past
 * the writer's newest with a valid-looking chain: the head decides both. While the writer's outbox
 * still holds entries (`inD1` false), D1 may lag its head: the rows D1 has are verified, and the
 * stream is not complete, which is not a failure.
 */
export async function verifyStream(stream: string, entries: AuditEntry[], heads: HeadsAround): Promise<StreamVerdict> {
  const { before, after } = heads
  const first = entries[0]
  if (after === null) {
    if (first === undefined) return { ok: true, checked: 0, broken_at: null, complete: true }
    const last = entries.at(-1) as AuditEntry
    const detail = `D1 holds ${entries.length} entries (seq ${first.seq}..${last.seq}) but the stream's writer has no head: it never sealed them`
    // Nothing waits in an outbox for a writer that does not exist: D1 is all there is.
    return { ...broken(stream, first.seq, 0, ['head_missing', detail]), complete: true }
  }
  let prev = GENESIS_HASH
  let checked = 0
  for (const e of entries) {
    // Before the link checks: a forged row past the head says so even when its chain looks valid.
    if (e.seq > after.seq) {
      const detail = `seq ${e.seq} lies beyond the writer's head (seq ${after.seq}): the writer never sealed it`
      return { ...broken(stream, e.seq, checked, ['rows_beyond_head', detail]), complete: after.inD1 }
    }
    const problem = (await linkProblem(e, checked + 1, prev)) ?? headProblem(e, before) ?? headProblem(e, after)
    if (problem) return { ...broken(stream, e.seq, checked, problem), complete: after.inD1 }
    prev = e.hash
    checked++
  }
  const lastSeq = entries.at(-1)?.seq ?? 0
  // Only the head read before the rows bounds them from below: entries sealed later may be missing.
  if (before !== null && before.inD1 && lastSeq < before.seq) {
    const detail = `entries ${lastSeq + 1}..${before.seq} are missing (the writer sealed up to seq ${before.seq} and delivered them all)`
    return { ...broken(stream, lastSeq + 1, checked, ['rows_missing', detail]), complete: true }
  }
  return { ok: true, checked, broken_at: null, complete: after.inD1 }
}

/** The row at a head's seq must be the one the writer sealed there. */
function headProblem(e: AuditEntry, head: WriterHead | null): [ChainProblem, string] | null {
  if (head === null || head.seq !== e.seq || head.hash === e.hash) return null
  return ['head_mismatch', `seq ${e.seq} is not the entry its writer sealed at that seq`]
}

function broken(stream: string, seq: number, checked: number, [problem, detail]: [ChainProblem, string]): ChainVerdict {
  return { ok: false, checked, broken_at: { stream, seq, problem, detail } }
}
