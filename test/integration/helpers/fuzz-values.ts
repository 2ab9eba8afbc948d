/**
 * Values for the property-based fuzz suite (test/integration/fuzz.test.ts): hostile text, JSON of
 * any shape, edits of a valid body, raw bodies. A huge or deeply nested value prints as its recipe,
 * so that a counterexample stays readable; requests are built from these in fuzz-requests.ts.
 */
import fc from 'fast-check'

/** One unit repeated `n` times, printed as its recipe. */
export class Huge {
  constructor(
    readonly unit: string,
    readonly n: number,
  ) {}
  get text(): string {
    return this.unit.repeat(this.n)
  }
  [fc.toStringMethod](): string {
    return `Huge(${JSON.stringify(this.unit)} x ${this.n})`
  }
}

/** A JSON value nested `depth` levels deep, built as text (no recursion), printed as its recipe. */
export class Deep {
  constructor(
    readonly depth: number,
    readonly kind: 'array' | 'object',
  ) {}
  get json(): string {
    const d = this.depth
    return this.kind === 'array' ? `${'['.repeat(d)}1${']'.repeat(d)}` : `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`
  }
  [fc.toStringMethod](): string {
    return `Deep(${this.kind} x ${this.depth})`
  }
}

/** JSON text of a value that may hold Huge and Deep parts. */
export function jsonText(v: unknown): string {
  if (v instanceof Huge) return JSON.stringify(v.text)
  if (v instanceof Deep) return v.json
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`)
      .join(',')}}`
  return JSON.stringify(v) ?? 'null'
}

export const textOf = (v: string | Huge): string => (typeof v === 'string' ? v : v.text)

/** Strings that broke parsers somewhere: NUL, lone surrogates, bidi controls, emoji, prototype keys… */
export const NASTY = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFF',
  '\u202Eevil\u202C',
  '\u200F\u05D0\u05D1',
  '😀',
  '👩‍👩‍👧‍👦',
  '\uFEFF',
  '\uFFFF',
  '\r\n',
  '\t',
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '..',
  '.',
  '../../etc/passwd',
  '%00',
  '%ZZ',
  '%',
  '\\',
  '/',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${x}',
  '-1',
  '0',
  '1e400',
  '-0',
  'NaN',
  'Infinity',
  '0x1F',
  '9'.repeat(30),
  ' 7 ',
  'W/"7"',
  '"7"',
  '*',
  'v1',
  'credit-risk',
]

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))
export const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\u202E', '😀', '\uFEFF', '"', '\\', '/', '%') },
)

export const huge = fc
  .record({ unit: fc.constantFrom('a', '😀', '\u0000', 'é', '\uD800'), n: fc.integer({ min: 1_000, max: 120_000 }) })
  .map(({ unit: u, n }) => new Huge(u, n))

/** Short hostile text: the list above, random code points (lone surrogates too). */
export const shortText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 5, arbitrary: fc.string({ unit, maxLength: 24 }) },
)

/** Hostile text, rarely a huge run. */
export const text: fc.Arbitrary<string | Huge> = fc.oneof(
  { weight: 9, arbitrary: shortText },
  { weight: 1, arbitrary: huge },
)

const deep = fc
  .record({ depth: fc.integer({ min: 50, max: 100_000 }), kind: fc.constantFrom('array' as const, 'object' as const) })
  .map(({ depth, kind }) => new Deep(depth, kind))

const leaf = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(1e308, -0, 2 ** 53 + 2, 0.1, 5e-324, -1, 0, 100, 100.001, 1_000_000),
)

/** A JSON value of any shape: leaves above, small arrays and objects, rarely nested very deep. */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(fc.string({ unit, maxLength: 8 }), tie('value'), { maxKeys: 4 }) },
    { weight: 1, arbitrary: deep },
  ),
})).value

type Path = Array<string | number>

function pathsOf(v: unknown, at: Path = []): Path[] {
  const here = [at]
  if (Array.isArray(v)) return here.concat(...v.map((x, i) => pathsOf(x, [...at, i])))
  if (v !== null && typeof v === 'object')
    return here.concat(...Object.entries(v).map(([k, x]) => pathsOf(x, [...at, k])))
  return here
}

type Edit = { path: Path; op: 'set' | 'delete' | 'add'; key: string; value: unknown }

function applyEdit(root: unknown, e: Edit): unknown {
  if (e.path.length === 0) return e.op === 'set' ? e.value : root
  // An earlier edit may have removed or replaced a part of the path: then this one does nothing.
  let parent = root as Record<string | number, unknown>
  for (const p of e.path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return root
    parent = parent[p] as Record<string | number, unknown>
  }
  const last = e.path.at(-1) as string | number
  if (parent === null || typeof parent !== 'object') return root
  const target = parent[last]
  if (e.op === 'set') parent[last] = e.value
  else if (e.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1)
    else delete parent[last]
  } else if (target !== null && typeof target === 'object' && !Array.isArray(target))
    (target as Record<string, unknown>)[e.key] = e.value
  else if (Array.isArray(target)) target.push(e.value)
  return root
}

/** A valid body with one to three edits: a part replaced by a hostile value, removed, or a key added. */
export function mutated(template: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(template)
  const edit = fc.record({
    path: fc.constantFrom(...paths),
    op: fc.constantFrom('set' as const, 'delete' as const, 'add' as const),
    key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra'), fc.string({ unit, maxLength: 8 })),
    value: jsonValue,
  })
  return fc
    .array(edit, { minLength: 1, maxLength: 3 })
    .map((edits) => edits.reduce<unknown>((body, e) => applyEdit(body, e), JSON.parse(JSON.stringify(template))))
}

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string | Huge }
  | { kind: 'bytes'; bytes: number[] }
  /** Larger than the admin API's 1 MiB limit. */
  | { kind: 'oversized'; bytes: number }

/** Bodies for a route whose valid body is `template` (none: the route takes no body). */
export function bodies(template?: unknown): fc.Arbitrary<Body> {
  const json = (value: unknown): Body => ({ kind: 'json', value })
  return fc.oneof(
    ...(template === undefined ? [] : [{ weight: 8, arbitrary: mutated(template).map(json) }]),
    { weight: 3, arbitrary: jsonValue.map(json) },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: 'none' }) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          text,
          fc.constantFrom('{', '{"a":', '[1,', '{"risk":"low"', 'nul', "{'a':1}", '{"a":1}{', '\uFEFF{}', '1 2'),
        )
        .map((t): Body => ({ kind: 'text', text: t })),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 32 })
        .map((b): Body => ({ kind: 'bytes', bytes: b })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1_048_577, max: 1_200_000 }).map((n): Body => ({ kind: 'oversized', bytes: n })),
    },
  )
}

export function bodyOf(b: Body): BodyInit | undefined {
  switch (b.kind) {
    case 'none':
      return undefined
    case 'json':
      return jsonText(b.value)
    case 'text':
      return textOf(b.text)
    case 'bytes':
      return new Uint8Array(b.bytes)
    case 'oversized':
      return `"${'x'.repeat(b.bytes - 2)}"`
  }
}
