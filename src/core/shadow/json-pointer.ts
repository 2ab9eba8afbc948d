/**
 * @module core/shadow/json-pointer
 * RFC 6901 JSON Pointer, used to pick the model output (e.g. `/prediction/label`) out of the
 * champion and shadow response bodies before comparing them. Only the JSON-string representation
 * is accepted: the URI-fragment form (`#/foo`, percent-encoded) is rejected so that a pointer in
 * a rollout config has exactly one spelling.
 */

/** Thrown by {@link parsePointer} for a pointer that is not valid RFC 6901 syntax. */
export class JsonPointerSyntaxError extends Error {
  /** The offending pointer, verbatim. */
  readonly pointer: string
  /** UTF-16 offset of the first bad character. */
  readonly position: number

  constructor(pointer: string, position: number, problem: string) {
    super(`invalid JSON pointer ${JSON.stringify(pointer)} at offset ${position}: ${problem}`)
    this.name = 'JsonPointerSyntaxError'
    this.pointer = pointer
    this.position = position
  }
}

/** Result of {@link resolvePointer}; `reason` is for humans (audit logs, verdict reasons). */
export type PointerResolution = { found: true; value: unknown } | { found: false; reason: string }

// RFC 6901 §4: array-index = %x30 / ( %x31-39 *(%x30-39) ). Leading zeros, signs, exponents and
// whitespace are not indices, even though Number() would happily accept them.
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/

/**
 * Splits a JSON pointer into its unescaped reference tokens.
 *
 * `''` yields `[]` (the whole document) and `'/'` yields `['']` (the member named by the empty
 * string). `~1` becomes `/` and `~0` becomes `~`, in that order, so `~01` is the literal `~1`.
 *
 * @throws {JsonPointerSyntaxError} if the pointer is non-empty and does not start with `/`, or
 *   contains a `~` not followed by `0` or `1`.
 */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (pointer[0] !== '/') {
    const hint = pointer[0] === '#' ? ' (URI fragment form is not supported)' : ''
    throw new JsonPointerSyntaxError(pointer, 0, `must be empty or start with '/'${hint}`)
  }
  // Validate escapes in one pass over the raw text so the error can point at the exact offset.
  for (let i = 0; i < pointer.length; i++) {
    if (pointer[i] !== '~') continue
    const next = pointer[i + 1]
    if (next !== '0' && next !== '1') {
      throw new JsonPointerSyntaxError(pointer, i, "'~' must be followed by '0' or '1'")
    }
    i++
  }
  // Replacing ~1 before ~0 is what makes '~01' decode to '~1' rather than '/' (RFC 6901 §4).
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
}

/**
 * True if `pointer` is a string in valid RFC 6901 syntax. Accepts `unknown` so it can back a
 * schema refinement without a cast.
 */
export function isValidPointer(pointer: unknown): pointer is string {
  if (typeof pointer !== 'string') return false
  try {
    parsePointer(pointer)
    return true
  } catch {
    return false
  }
}

/** Re-escapes tokens for messages, so a reason names the same pointer the user configured. */
function formatPrefix(tokens: readonly string[], upTo: number): string {
  let out = ''
  for (let i = 0; i < upTo; i++) {
    out += '/' + (tokens[i] ?? '').replaceAll('~', '~0').replaceAll('/', '~1')
  }
  return out === '' ? '(root)' : out
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

/**
 * Evaluates an RFC 6901 pointer against a parsed JSON document.
 *
 * Never throws: an invalid pointer, a missing member, an index out of range, the past-the-end
 * token `-`, or an attempt to descend into a primitive all come back as `{ found: false }` with a
 * reason naming the failing location. Only own properties are members, so `/constructor` or
 * `/__proto__` do not leak `Object.prototype` (a JSON body with a literal `"__proto__"` key still
 * resolves, because `JSON.parse` defines it as an own property).
 */
export function resolvePointer(doc: unknown, pointer: string): PointerResolution {
  let tokens: string[]
  try {
    tokens = parsePointer(pointer)
  } catch (e) {
    return { found: false, reason: e instanceof Error ? e.message : String(e) }
  }
  let current: unknown = doc
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string
    const at = formatPrefix(tokens, i)
    if (Array.isArray(current)) {
      if (token === '-') {
        return { found: false, reason: `'-' at ${at} names the element past the end of the array` }
      }
      if (!ARRAY_INDEX.test(token)) {
        return { found: false, reason: `${JSON.stringify(token)} at ${at} is not an array index` }
      }
      const index = Number(token)
      if (index >= current.length) {
        return {
          found: false,
          reason: `index ${token} at ${at} is out of range (array length ${current.length})`,
        }
      }
      current = current[index]
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.prototype.hasOwnProperty.call(current, token)) {
        return { found: false, reason: `member ${JSON.stringify(token)} not found at ${at}` }
      }
      current = (current as Record<string, unknown>)[token]
    } else {
      const into = describe(current)
      const reason = `cannot descend into ${into} at ${at} with token ${JSON.stringify(token)}`
      return { found: false, reason }
    }
  }
  return { found: true, value: current }
}
