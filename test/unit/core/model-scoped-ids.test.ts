/**
 * Model-scoped ids (core/ids `modelScopedId`, `modelOfId`; schemas/common `RolloutId`, `IncidentId`):
 * `<prefix>_<26 base32>~<model>` round-trips for every model name the ModelName schema accepts,
 * ids made before the suffix (no `~model`) stay valid and name no model, malformed ids are refused.
 *
 * Property checks run over names drawn from a seeded generator (fast-check is not a dependency of
 * the repository), so every run checks the same cases and a failure names its seed and input.
 */
import { describe, expect, it } from 'vitest'
import { MODEL_ID_SEPARATOR, modelOfId, modelScopedId, newId, type RandomBytes } from '../../../src/core/ids'
import { IncidentId, ModelName, RolloutId } from '../../../src/schemas/common'
import { derivedId } from '../../../src/services/coordinator/rollout-records'

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const LEADING = 'abcdefghijklmnopqrstuvwxyz0123456789'
/** Every character a model name may contain (ModelName: lowercase letters, digits, ".", "_", "-"). */
const ALLOWED = `${LEADING}._-`

function randomName(rand: () => number): string {
  // Lengths 1..63 with both ends weighted, since the bounds are where a pattern goes wrong.
  const r = rand()
  const length = r < 0.1 ? 1 : r < 0.2 ? 63 : 1 + Math.floor(rand() * 63)
  let name = LEADING[Math.floor(rand() * LEADING.length)]!
  while (name.length < length) name += ALLOWED[Math.floor(rand() * ALLOWED.length)]!
  return name
}

function seededBytes(rand: () => number): RandomBytes {
  return (n) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256))
}

/** Runs `check` on `runs` generated model names (and an id for each), naming the failing case. */
function forAllNames(seed: number, runs: number, check: (name: string, rand: () => number) => void): void {
  const rand = prng(seed)
  for (let i = 0; i < runs; i++) {
    const name = randomName(rand)
    try {
      check(name, rand)
    } catch (err) {
      throw new Error(`seed ${seed}, run ${i}, model ${JSON.stringify(name)}: ${(err as Error).message}`, {
        cause: err,
      })
    }
  }
}

describe('the model-name alphabet', () => {
  it('is exactly lowercase letters, digits, ".", "_" and "-" (and "~" is not in it)', () => {
    for (const c of ALLOWED) expect(ModelName.safeParse(`a${c}`).success, `a${c}`).toBe(true)
    for (let code = 32; code < 127; code++) {
      const c = String.fromCharCode(code)
      expect(ModelName.safeParse(`a${c}`).success, JSON.stringify(c)).toBe(ALLOWED.includes(c))
    }
    expect(ModelName.safeParse(`a${MODEL_ID_SEPARATOR}b`).success).toBe(false)
    expect(MODEL_ID_SEPARATOR).toBe('~')
  })

  it('the generator only makes valid names, 1 to 63 characters', () => {
    forAllNames(1, 500, (name) => {
      expect(ModelName.safeParse(name).success).toBe(true)
      expect(name.length).toBeGreaterThanOrEqual(1)
      expect(name.length).toBeLessThanOrEqual(63)
    })
  })
})

describe('modelScopedId / modelOfId round trip', () => {
  it.each([
    ['ro', RolloutId],
    ['inc', IncidentId],
  ] as const)('%s ids: every valid model name comes back, and the id is schema-valid', (prefix, schema) => {
    forAllNames(prefix === 'ro' ? 20260302 : 424242, 1_000, (name, rand) => {
      const bare = newId(prefix, seededBytes(rand))
      const id = modelScopedId(bare, name)
      expect(id).toBe(`${bare}~${name}`)
      expect(modelOfId(id)).toBe(name)
      expect(schema.safeParse(id).success).toBe(true)
      // The part before the separator is the id as it was minted.
      expect(id.slice(0, id.indexOf(MODEL_ID_SEPARATOR))).toBe(bare)
    })
  })

  it('every allowed character, in every position a name allows it, round-trips', () => {
    const bare = newId('ro', () => new Uint8Array(16))
    for (const c of ALLOWED) {
      const names = [`a${c}`, `a${c}b`, `${'x'.repeat(62)}${c}`]
      if (LEADING.includes(c)) names.push(c, `${c}${'-'.repeat(62)}`)
      for (const name of names) {
        const id = modelScopedId(bare, name)
        expect(modelOfId(id), name).toBe(name)
        expect(RolloutId.safeParse(id).success, name).toBe(true)
        expect(IncidentId.safeParse(modelScopedId(bare.replace('ro_', 'inc_'), name)).success, name).toBe(true)
      }
    }
  })

  it("the incident ids the runner derives are valid, and name the rollout's model", async () => {
    const id = modelScopedId(await derivedId('inc', 'ro_x', 2, 1), 'credit-risk.v2_eu')
    expect(IncidentId.safeParse(id).success).toBe(true)
    expect(modelOfId(id)).toBe('credit-risk.v2_eu')
  })
})

describe('legacy ids (made before the model suffix)', () => {
  it('are accepted by the schemas and name no model', () => {
    const ro = newId('ro', () => new Uint8Array(16).fill(0xa5))
    const inc = newId('inc', () => new Uint8Array(16).fill(0x5a))
    expect(ro).toMatch(/^ro_[0-9a-z]{26}$/)
    expect(RolloutId.safeParse(ro).success).toBe(true)
    expect(IncidentId.safeParse(inc).success).toBe(true)
    expect(modelOfId(ro)).toBeNull()
    expect(modelOfId(inc)).toBeNull()
    expect(modelOfId('ro_01jf4k3m9qz8r7t6v5w4x3y2a1')).toBeNull()
  })
})

describe('malformed ids', () => {
  const base = 'ro_01jf4k3m9qz8r7t6v5w4x3y2a1'
  it.each([
    ['empty', ''],
    ['no random part', 'ro_'],
    ['a random part of 65 characters', `ro_${'0'.repeat(65)}`],
    ['upper case', base.toUpperCase()],
    ['another prefix', base.replace('ro_', 'inc_')],
    ['no prefix', base.slice(3)],
    ['separator without a model', `${base}~`],
    ['model with an upper-case letter', `${base}~Credit-risk`],
    ['model starting with "-"', `${base}~-credit`],
    ['model starting with "."', `${base}~.credit`],
    ['model with "/"', `${base}~credit/risk`],
    ['model with a space', `${base}~credit risk`],
    ['model of 64 characters', `${base}~${'m'.repeat(64)}`],
    ['two separators', `${base}~credit~risk`],
    ['another separator', `${base}:credit-risk`],
    ['trailing newline', `${base}~credit-risk\n`],
    ['leading space', ` ${base}`],
  ])('a rollout id with %s is refused', (_, id) => {
    expect(RolloutId.safeParse(id).success).toBe(false)
  })

  it.each([
    ['a short random part', 'ro_doesnotexist'],
    ['a random part one too short', 'ro_01jf4k3m9qz8r7t6v5w4x3y2a'],
    ['a random part one too long', `${base}x~credit-risk`],
  ])('a rollout id with %s is well-formed, so an unknown one is answered 404, not 400', (_, id) => {
    expect(RolloutId.safeParse(id).success).toBe(true)
  })

  it('an incident id is refused as a rollout id and the other way round', () => {
    const inc = modelScopedId(
      newId('inc', () => new Uint8Array(16)),
      'credit-risk',
    )
    const ro = modelScopedId(
      newId('ro', () => new Uint8Array(16)),
      'credit-risk',
    )
    expect(RolloutId.safeParse(inc).success).toBe(false)
    expect(IncidentId.safeParse(ro).success).toBe(false)
    expect(IncidentId.safeParse(inc).success).toBe(true)
  })

  it('no generated name with an invalid character survives the schema', () => {
    const rand = prng(7)
    const bad = 'ABCXYZ~/:?#@ !$%&*+=,;"\'\\`^|{}[]()<>'
    for (let i = 0; i < 500; i++) {
      const name = randomName(rand)
      const at = Math.floor(rand() * name.length)
      const broken = name.slice(0, at) + bad[Math.floor(rand() * bad.length)] + name.slice(at + 1)
      const id = modelScopedId(newId('ro', seededBytes(rand)), broken)
      expect(RolloutId.safeParse(id).success, JSON.stringify(broken)).toBe(false)
    }
  })
})
