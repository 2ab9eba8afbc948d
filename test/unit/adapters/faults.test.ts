/**
 * Fault injection (adapters/faults, schemas/faults): a plan of kind fail / hang / delay, with a
 * rate and a list of methods, affects exactly the targeted binding's targeted methods, counts every
 * call it turned away in `faultState()`, and `setFaultPlan({})` clears it; with an empty plan the
 * wrapped bindings behave as the bindings themselves.
 *
 * The plan and the counts live in module scope: every test clears the plan and reads the counts
 * as differences.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { InjectedFault, faultState, faultyBindings, setFaultPlan } from '../../../src/adapters/faults'
import { FaultPlan } from '../../../src/schemas/faults'

/** A KV namespace whose methods record their calls and need `this` to be the namespace. */
class FakeKv {
  readonly calls: string[] = []
  private readonly data = new Map<string, string>([['current/m', '{"epoch":3}']])
  async get(key: string) {
    this.calls.push(`get ${key}`)
    return this.data.get(key) ?? null
  }
  async getWithMetadata(key: string) {
    this.calls.push(`getWithMetadata ${key}`)
    return { value: this.data.get(key) ?? null, metadata: { epoch: 3 } }
  }
  async put(key: string, value: string) {
    this.calls.push(`put ${key}`)
    this.data.set(key, value)
  }
  async delete(key: string) {
    this.calls.push(`delete ${key}`)
    this.data.delete(key)
  }
  async list() {
    this.calls.push('list')
    return { keys: [...this.data.keys()].map((name) => ({ name })), list_complete: true }
  }
}

function fakeD1() {
  const calls: string[] = []
  const batches: unknown[][] = []
  const statement = (sql: string, bound: unknown[]) => ({
    sql,
    bound,
    bind: (...v: unknown[]) => statement(sql, v),
    all: async () => (calls.push(`all ${sql}`), { results: [{ sql, bound }] }),
    run: async () => (calls.push(`run ${sql}`), { success: true }),
    raw: async () => (calls.push(`raw ${sql}`), [[1]]),
    first: async () => (calls.push(`first ${sql}`), { one: 1 }),
  })
  const db = {
    prepare: (sql: string) => (calls.push(`prepare ${sql}`), statement(sql, [])),
    batch: async (stmts: unknown[]) => (batches.push(stmts), calls.push('batch'), [{ success: true }]),
    exec: async (sql: string) => (calls.push(`exec ${sql}`), { count: 1 }),
  }
  return { db, calls, batches }
}

/** A Durable Object namespace whose stubs answer any method with its name and arguments. */
function fakeNamespace(kind: string) {
  const calls: string[] = []
  const ns = {
    idFromName: (name: string) => ({ name, toString: () => `${kind}:${name}` }),
    get: (id: { name: string }) => ({
      tick: async (at: number) => (calls.push(`${id.name}.tick`), { ok: true, value: at }),
      view: async () => (calls.push(`${id.name}.view`), { ok: true, value: id.name }),
      ingest: async () => (calls.push(`${id.name}.ingest`), { ok: true, value: null }),
    }),
  }
  return { ns, calls }
}

function env() {
  const kv = new FakeKv()
  const d1 = fakeD1()
  const coordinator = fakeNamespace('coordinator')
  const shard = fakeNamespace('shard')
  const raw = {
    DB: d1.db,
    ROUTING: kv,
    MODEL_COORDINATOR: coordinator.ns,
    METRICS_SHARD: shard.ns,
    ADMIN_TOKEN: 'secret',
  } as unknown as Env
  const e = faultyBindings(raw) as unknown as {
    DB: D1Database
    ROUTING: KVNamespace
    MODEL_COORDINATOR: {
      idFromName(n: string): unknown
      get(id: unknown): Record<string, (...a: unknown[]) => Promise<unknown>>
    }
    METRICS_SHARD: {
      idFromName(n: string): unknown
      get(id: unknown): Record<string, (...a: unknown[]) => Promise<unknown>>
    }
    ADMIN_TOKEN: string
  }
  const coordinatorStub = () => e.MODEL_COORDINATOR.get(e.MODEL_COORDINATOR.idFromName('credit-risk'))
  const shardStub = () => e.METRICS_SHARD.get(e.METRICS_SHARD.idFromName('credit-risk/0'))
  return { e, raw, kv, d1, coordinator, shard, coordinatorStub, shardStub }
}

type Counts = ReturnType<typeof faultState>['injected']
let before: Counts
/** Faults injected since the test began, by target. */
const injected = (): Counts => {
  const now = faultState().injected
  return {
    d1: now.d1 - before.d1,
    kv: now.kv - before.kv,
    coordinator: now.coordinator - before.coordinator,
    shard: now.shard - before.shard,
  }
}
const none: Counts = { d1: 0, kv: 0, coordinator: 0, shard: 0 }

/** Whether `p` has settled after the microtasks of a few timer turns. */
async function settles(p: Promise<unknown>, ms = 0): Promise<boolean> {
  let done = false
  p.then(
    () => (done = true),
    () => (done = true),
  )
  await vi.advanceTimersByTimeAsync(ms)
  return done
}

beforeEach(() => {
  setFaultPlan({})
  before = faultState().injected
})

afterEach(() => {
  setFaultPlan({})
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('an empty plan', () => {
  it('leaves every binding as it is: same answers, calls reach the bindings, nothing counted', async () => {
    const t = env()
    expect(await t.e.ROUTING.get('current/m')).toBe('{"epoch":3}')
    await t.e.ROUTING.put('current/n', 'x')
    expect(await t.e.ROUTING.getWithMetadata('current/m')).toEqual({ value: '{"epoch":3}', metadata: { epoch: 3 } })
    expect(await t.e.ROUTING.list()).toMatchObject({ keys: [{ name: 'current/m' }, { name: 'current/n' }] })
    await t.e.ROUTING.delete('current/n')
    expect(t.kv.calls).toEqual([
      'get current/m',
      'put current/n',
      'getWithMetadata current/m',
      'list',
      'delete current/n',
    ])
    expect(await t.e.DB.prepare('SELECT 1').bind(7).all()).toEqual({ results: [{ sql: 'SELECT 1', bound: [7] }] })
    expect(await t.e.DB.exec('PRAGMA x')).toEqual({ count: 1 })
    expect(await t.coordinatorStub().tick!(42)).toEqual({ ok: true, value: 42 })
    expect(await t.shardStub().ingest!()).toEqual({ ok: true, value: null })
    expect(t.coordinator.calls).toEqual(['credit-risk.tick'])
    expect(t.shard.calls).toEqual(['credit-risk/0.ingest'])
    expect(injected()).toEqual(none)
  })

  it('keeps the rest of the env as it was', () => {
    const t = env()
    expect(t.e.ADMIN_TOKEN).toBe('secret')
    expect(String(t.e.MODEL_COORDINATOR.idFromName('m'))).toBe('coordinator:m')
  })

  it("hands D1's batch the statements D1 made (not the wrappers)", async () => {
    const t = env()
    const a = t.e.DB.prepare('INSERT 1').bind(1)
    const b = t.e.DB.prepare('INSERT 2')
    await t.e.DB.batch([a, b])
    const [sent] = t.d1.batches as [Array<{ sql: string; bound: unknown[] }>]
    expect(sent.map((s) => [s.sql, s.bound])).toEqual([
      ['INSERT 1', [1]],
      ['INSERT 2', []],
    ])
    expect(sent[0]).not.toBe(a)
  })
})

describe('kind fail', () => {
  it('fails every call of the targeted binding, and no other binding', async () => {
    const t = env()
    setFaultPlan({ kv: { kind: 'fail' } })
    await expect(t.e.ROUTING.get('current/m')).rejects.toBeInstanceOf(InjectedFault)
    await expect(t.e.ROUTING.put('k', 'v')).rejects.toThrow('injected fault: kv.put failed')
    expect(t.kv.calls).toEqual([]) // the binding was never reached
    expect(await t.e.DB.prepare('SELECT 1').first()).toEqual({ one: 1 })
    expect(await t.coordinatorStub().view!()).toEqual({ ok: true, value: 'credit-risk' })
    expect(injected()).toEqual({ ...none, kv: 2 })
  })

  it('fails only the listed methods', async () => {
    const t = env()
    setFaultPlan({ kv: { kind: 'fail', methods: ['get'] } })
    await expect(t.e.ROUTING.get('current/m')).rejects.toBeInstanceOf(InjectedFault)
    await t.e.ROUTING.put('k', 'v')
    expect(await t.e.ROUTING.getWithMetadata('current/m')).toMatchObject({ value: '{"epoch":3}' })
    expect(t.kv.calls).toEqual(['put k', 'getWithMetadata current/m'])
    expect(injected().kv).toBe(1)
  })

  it('D1: statement methods, batch and exec fail; prepare and bind do not (they are synchronous builders)', async () => {
    const t = env()
    setFaultPlan({ d1: { kind: 'fail' } })
    const stmt = t.e.DB.prepare('SELECT 1').bind(1)
    for (const call of [() => stmt.all(), () => stmt.run(), () => stmt.raw(), () => stmt.first()]) {
      await expect(call()).rejects.toBeInstanceOf(InjectedFault)
    }
    await expect(t.e.DB.batch([stmt])).rejects.toThrow('injected fault: d1.batch failed')
    await expect(t.e.DB.exec('PRAGMA x')).rejects.toThrow('injected fault: d1.exec failed')
    expect(t.d1.calls).toEqual(['prepare SELECT 1'])
    expect(injected()).toEqual({ ...none, d1: 6 })
  })

  it('D1 with methods: only batch fails', async () => {
    const t = env()
    setFaultPlan({ d1: { kind: 'fail', methods: ['batch'] } })
    const stmt = t.e.DB.prepare('UPDATE x').bind(2)
    expect(await stmt.run()).toEqual({ success: true })
    await expect(t.e.DB.batch([stmt])).rejects.toBeInstanceOf(InjectedFault)
    expect(await t.e.DB.exec('PRAGMA x')).toEqual({ count: 1 })
    expect(injected()).toEqual({ ...none, d1: 1 })
  })

  it('Durable Objects: a coordinator plan fails coordinator calls, not shard calls; methods narrow it', async () => {
    const t = env()
    setFaultPlan({ coordinator: { kind: 'fail', methods: ['view'] } })
    await expect(t.coordinatorStub().view!()).rejects.toThrow('injected fault: coordinator.view failed')
    expect(await t.coordinatorStub().tick!(5)).toEqual({ ok: true, value: 5 })
    expect(await t.shardStub().view!()).toEqual({ ok: true, value: 'credit-risk/0' })
    expect(t.coordinator.calls).toEqual(['credit-risk.tick'])
    expect(injected()).toEqual({ ...none, coordinator: 1 })
    setFaultPlan({ shard: { kind: 'fail' } })
    await expect(t.shardStub().ingest!()).rejects.toBeInstanceOf(InjectedFault)
    expect(await t.coordinatorStub().view!()).toEqual({ ok: true, value: 'credit-risk' })
    expect(injected()).toEqual({ ...none, coordinator: 1, shard: 1 })
  })

  it('a stub is not a thenable (awaiting it makes no call)', async () => {
    const t = env()
    setFaultPlan({ coordinator: { kind: 'fail' } })
    const stub = t.coordinatorStub()
    expect((stub as { then?: unknown }).then).toBeUndefined()
    expect(injected()).toEqual(none)
  })
})

describe('kind hang', () => {
  it('never settles the targeted call (and never reaches the binding); others answer', async () => {
    vi.useFakeTimers()
    const t = env()
    setFaultPlan({ kv: { kind: 'hang', methods: ['get'] } })
    expect(await settles(t.e.ROUTING.get('current/m'), 3_600_000)).toBe(false)
    expect(await settles(t.e.ROUTING.put('k', 'v'))).toBe(true)
    expect(t.kv.calls).toEqual(['put k'])
    expect(injected()).toEqual({ ...none, kv: 1 })
  })
})

describe('kind delay', () => {
  it('runs the call after delay_ms, then answers as the binding did', async () => {
    vi.useFakeTimers()
    const t = env()
    setFaultPlan({ coordinator: { kind: 'delay', delay_ms: 250 } })
    const call = t.coordinatorStub().tick!(9)
    const out = { value: undefined as unknown }
    void call.then((v) => (out.value = v))
    await vi.advanceTimersByTimeAsync(249)
    expect(t.coordinator.calls).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(t.coordinator.calls).toEqual(['credit-risk.tick'])
    expect(out.value).toEqual({ ok: true, value: 9 })
    expect(injected()).toEqual({ ...none, coordinator: 1 })
  })

  it('delays 1 s when no delay is given', async () => {
    vi.useFakeTimers()
    const t = env()
    setFaultPlan({ d1: { kind: 'delay' } })
    const p = t.e.DB.exec('PRAGMA x')
    expect(await settles(p, 999)).toBe(false)
    expect(await settles(p, 1)).toBe(true)
    expect(t.d1.calls).toEqual(['exec PRAGMA x'])
  })
})

describe('rate', () => {
  it('affects a call when the draw falls below the rate, and only then', async () => {
    const t = env()
    const random = vi.spyOn(Math, 'random')
    setFaultPlan({ kv: { kind: 'fail', rate: 0.3 } })
    random.mockReturnValue(0.29)
    await expect(t.e.ROUTING.get('current/m')).rejects.toBeInstanceOf(InjectedFault)
    random.mockReturnValue(0.3)
    expect(await t.e.ROUTING.get('current/m')).toBe('{"epoch":3}')
    random.mockReturnValue(0.95)
    expect(await t.e.ROUTING.get('current/m')).toBe('{"epoch":3}')
    expect(injected().kv).toBe(1)
  })

  it('rate 0 affects nothing; no rate affects every call', async () => {
    const t = env()
    vi.spyOn(Math, 'random').mockReturnValue(0)
    setFaultPlan({ kv: { kind: 'fail', rate: 0 } })
    // Math.random() is 0 here: rate 0 must still spare the call.
    expect(await t.e.ROUTING.get('current/m')).toBe('{"epoch":3}')
    vi.spyOn(Math, 'random').mockReturnValue(0.999999)
    setFaultPlan({ kv: { kind: 'fail' } })
    await expect(t.e.ROUTING.get('current/m')).rejects.toBeInstanceOf(InjectedFault)
    expect(injected().kv).toBe(1)
  })

  it('over many draws, the share of affected calls follows the rate', async () => {
    const t = env()
    let seed = 12345
    vi.spyOn(Math, 'random').mockImplementation(() => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    })
    setFaultPlan({ kv: { kind: 'fail', rate: 0.25 } })
    const outcomes = await Promise.allSettled(Array.from({ length: 2_000 }, () => t.e.ROUTING.get('current/m')))
    const failed = outcomes.filter((o) => o.status === 'rejected').length
    expect(failed).toBe(injected().kv)
    expect(failed / outcomes.length).toBeGreaterThan(0.2)
    expect(failed / outcomes.length).toBeLessThan(0.3)
    expect(t.kv.calls).toHaveLength(2_000 - failed)
  })
})

describe('setFaultPlan and faultState', () => {
  it('faultState shows the plan in force; setFaultPlan({}) clears every fault', async () => {
    const t = env()
    const plan = { d1: { kind: 'fail' as const }, kv: { kind: 'hang' as const, methods: ['get'] } }
    setFaultPlan(plan)
    expect(faultState().plan).toEqual(plan)
    await expect(t.e.DB.exec('x')).rejects.toBeInstanceOf(InjectedFault)
    setFaultPlan({})
    expect(faultState().plan).toEqual({})
    expect(await t.e.DB.exec('x')).toEqual({ count: 1 })
    expect(await t.e.ROUTING.get('current/m')).toBe('{"epoch":3}')
  })

  it('keeps the counts when the plan is cleared (a chaos run clears, then reads what was injected)', async () => {
    const t = env()
    setFaultPlan({ shard: { kind: 'fail' } })
    await expect(t.shardStub().ingest!()).rejects.toBeInstanceOf(InjectedFault)
    await expect(t.shardStub().ingest!()).rejects.toBeInstanceOf(InjectedFault)
    setFaultPlan({})
    expect(injected()).toEqual({ ...none, shard: 2 })
    expect(FaultPlan.safeParse(faultState().plan).success).toBe(true)
  })

  it('a target set to null is no fault', async () => {
    const t = env()
    setFaultPlan({ kv: null })
    expect(await t.e.ROUTING.get('current/m')).toBe('{"epoch":3}')
    expect(injected()).toEqual(none)
  })

  it('a later change to the object passed in does not change the plan', async () => {
    const t = env()
    const plan: FaultPlan = {}
    setFaultPlan(plan)
    plan.kv = { kind: 'fail' }
    expect(await t.e.ROUTING.get('current/m')).toBe('{"epoch":3}')
  })
})

describe('the FaultPlan schema', () => {
  it('accepts per-target modes with kind, delay, rate and methods', () => {
    expect(
      FaultPlan.safeParse({
        d1: { kind: 'fail', rate: 0.5, methods: ['batch'] },
        kv: { kind: 'hang' },
        coordinator: { kind: 'delay', delay_ms: 1500 },
        shard: null,
      }).success,
    ).toBe(true)
    expect(FaultPlan.safeParse({}).success).toBe(true)
  })

  it.each([
    ['an unknown target', { r2: { kind: 'fail' } }],
    ['an unknown kind', { kv: { kind: 'explode' } }],
    ['a rate above 1', { kv: { kind: 'fail', rate: 1.5 } }],
    ['a negative rate', { kv: { kind: 'fail', rate: -0.1 } }],
    ['a fractional delay', { kv: { kind: 'delay', delay_ms: 1.5 } }],
    ['a delay over 10 minutes', { kv: { kind: 'delay', delay_ms: 600_001 } }],
    ['an empty method name', { kv: { kind: 'fail', methods: [''] } }],
    ['an unknown member', { kv: { kind: 'fail', when: 'always' } }],
  ])('refuses %s', (_, plan) => {
    expect(FaultPlan.safeParse(plan).success).toBe(false)
  })
})
