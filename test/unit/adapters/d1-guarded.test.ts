/**
 * guardedD1 (adapters/d1/guarded): every D1 query, batch and exec answers within the timeout or
 * fails as one DomainError, `storage_unavailable`, whose detail says nothing of the SQL or of the
 * underlying error; successful calls pass through unchanged.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { d1Unavailable, guardedD1 } from '../../../src/adapters/d1/guarded'
import { SettingsSchema } from '../../../src/config/settings'
import { DomainError } from '../../../src/core/errors'
import { problemBody } from '../../../src/problem/problem'

type Mode = 'ok' | 'throw' | 'reject' | 'hang'

const SQL = 'SELECT secret_column FROM api_keys WHERE token = ?1'
const UNDERLYING = 'D1_ERROR: internal error near secret_column; token=hunter2'

/** One call the fake saw: which method, on which statement (its SQL and bound values), with what. */
interface Seen {
  method: string
  sql: string
  bound: unknown[]
  args: unknown[]
}

/** A D1Database whose every async method answers, throws, rejects or hangs as `mode` says. */
function fakeD1() {
  const ctl = { mode: 'ok' as Mode, seen: [] as Seen[], batches: [] as unknown[][] }
  const answer = <T>(value: T): Promise<T> => {
    switch (ctl.mode) {
      case 'ok':
        return Promise.resolve(value)
      case 'throw':
        // A binding that throws synchronously from an async-looking method.
        throw new Error(UNDERLYING)
      case 'reject':
        return Promise.reject(new Error(UNDERLYING))
      case 'hang':
        return new Promise<T>(() => undefined)
    }
  }
  const results = {
    all: { results: [{ a: 1 }], success: true, meta: {} },
    run: { results: [], success: true, meta: { changes: 1 } },
    raw: [[1, 'x']],
    rawWithNames: [
      ['a', 'b'],
      [1, 'x'],
    ],
    first: { a: 1 },
    firstCol: 42,
    batch: [{ results: [], success: true, meta: {} }],
    exec: { count: 2, duration: 1 },
  }
  const statement = (sql: string, bound: unknown[]): D1PreparedStatement => {
    const s = {
      sql,
      bound,
      bind: (...values: unknown[]) => statement(sql, values),
      all: (...args: unknown[]) => (ctl.seen.push({ method: 'all', sql, bound, args }), answer(results.all)),
      run: (...args: unknown[]) => (ctl.seen.push({ method: 'run', sql, bound, args }), answer(results.run)),
      raw: (...args: unknown[]) => {
        ctl.seen.push({ method: 'raw', sql, bound, args })
        const opts = args[0] as { columnNames?: boolean } | undefined
        return answer(opts?.columnNames ? results.rawWithNames : results.raw)
      },
      first: (...args: unknown[]) => {
        ctl.seen.push({ method: 'first', sql, bound, args })
        return answer(args.length === 0 ? results.first : results.firstCol)
      },
    }
    return s as unknown as D1PreparedStatement
  }
  const db = {
    prepare: (sql: string) => statement(sql, []),
    batch: (stmts: D1PreparedStatement[]) => {
      ctl.batches.push(stmts)
      return answer(results.batch)
    },
    exec: (sql: string) => {
      ctl.seen.push({ method: 'exec', sql, bound: [], args: [] })
      return answer(results.exec)
    },
  }
  return { ctl, results, db: db as unknown as D1Database }
}

const TIMEOUT = 2_000

/** Every guarded call, each as a thunk over a fresh guarded database. */
const CALLS: Record<string, (g: D1Database) => Promise<unknown>> = {
  all: (g) => g.prepare(SQL).bind('tok').all(),
  run: (g) => g.prepare(SQL).bind('tok').run(),
  raw: (g) => g.prepare(SQL).raw(),
  first: (g) => g.prepare(SQL).first(),
  'first(col)': (g) => g.prepare(SQL).first('a'),
  batch: (g) => g.batch([g.prepare(SQL).bind('tok'), g.prepare('DELETE FROM t')]),
  exec: (g) => g.exec(SQL),
}

function expectUnavailable(err: unknown): DomainError {
  expect(err).toBeInstanceOf(DomainError)
  const e = err as DomainError
  expect(e.code).toBe('storage_unavailable')
  // Nothing of the query or of the driver's message reaches the client.
  for (const text of [e.detail, e.message, JSON.stringify(problemBody(e, 'req_1'))]) {
    expect(text).not.toContain('secret_column')
    expect(text).not.toContain('api_keys')
    expect(text).not.toContain('hunter2')
    expect(text).not.toContain('D1_ERROR')
  }
  return e
}

let errorLog: ReturnType<typeof vi.spyOn>

beforeEach(() => {
  errorLog = vi.spyOn(console, 'error').mockImplementation(() => undefined)
})

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('guardedD1: successful calls pass through unchanged', () => {
  it('answers exactly what D1 answered, with the SQL, bound values and arguments forwarded', async () => {
    const { ctl, results, db } = fakeD1()
    const g = guardedD1(db, TIMEOUT)
    expect(await g.prepare(SQL).bind('tok', 7).all()).toBe(results.all)
    expect(await g.prepare(SQL).bind('tok').run()).toBe(results.run)
    expect(await g.prepare(SQL).raw()).toBe(results.raw)
    expect(await g.prepare(SQL).raw({ columnNames: true })).toBe(results.rawWithNames)
    expect(await g.prepare(SQL).first()).toBe(results.first)
    expect(await g.prepare(SQL).first('a')).toBe(results.firstCol)
    expect(await g.exec('CREATE TABLE x (a)')).toBe(results.exec)
    // Trailing undefined arguments are the same call to D1 (raw() and raw(undefined)).
    const seen = ctl.seen.map((c) => ({
      ...c,
      args: c.args.filter((a, i) => a !== undefined || i < c.args.length - 1),
    }))
    expect(seen).toEqual([
      { method: 'all', sql: SQL, bound: ['tok', 7], args: [] },
      { method: 'run', sql: SQL, bound: ['tok'], args: [] },
      { method: 'raw', sql: SQL, bound: [], args: [] },
      { method: 'raw', sql: SQL, bound: [], args: [{ columnNames: true }] },
      // first() without a column is called without one (D1 answers the row, not a column).
      { method: 'first', sql: SQL, bound: [], args: [] },
      { method: 'first', sql: SQL, bound: [], args: ['a'] },
      { method: 'exec', sql: 'CREATE TABLE x (a)', bound: [], args: [] },
    ])
  })

  it("hands D1's batch its own statements (the ones each wrapper wraps), bound values included", async () => {
    const { ctl, results, db } = fakeD1()
    const g = guardedD1(db, TIMEOUT)
    const a = g.prepare(SQL).bind('tok')
    const b = g.prepare('DELETE FROM t')
    expect(await g.batch([a, b])).toBe(results.batch)
    const [sent] = ctl.batches as [Array<{ sql: string; bound: unknown[] }>]
    expect(sent).toHaveLength(2)
    // Not the wrappers: D1 rejects statements it did not make.
    expect(sent[0]).not.toBe(a)
    expect(sent[1]).not.toBe(b)
    expect(sent.map((s) => [s.sql, s.bound])).toEqual([
      [SQL, ['tok']],
      ['DELETE FROM t', []],
    ])
    expect(typeof (sent[0] as unknown as { all: unknown }).all).toBe('function')
  })

  it('leaves no timer behind after a successful call', async () => {
    vi.useFakeTimers()
    const { db } = fakeD1()
    const g = guardedD1(db, TIMEOUT)
    for (const call of Object.values(CALLS)) await call(g)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('guardedD1: failures become storage_unavailable', () => {
  for (const mode of ['throw', 'reject'] as const) {
    for (const [name, call] of Object.entries(CALLS)) {
      it(`${name} that ${mode === 'throw' ? 'throws' : 'rejects'} → storage_unavailable without the SQL or the message`, async () => {
        const { ctl, db } = fakeD1()
        const g = guardedD1(db, TIMEOUT)
        ctl.mode = mode
        const err = await call(g).then(
          () => expect.unreachable('the call succeeded'),
          (e: unknown) => e,
        )
        const e = expectUnavailable(err)
        // The original is kept as the cause and logged here, for the operator.
        expect((e.cause as Error).message).toBe(UNDERLYING)
        expect(errorLog).toHaveBeenCalledWith(expect.stringContaining(UNDERLYING))
      })
    }
  }

  for (const [name, call] of Object.entries(CALLS)) {
    it(`${name} that hangs → storage_unavailable once the timeout passes, not before`, async () => {
      vi.useFakeTimers()
      const { ctl, db } = fakeD1()
      const g = guardedD1(db, TIMEOUT)
      ctl.mode = 'hang'
      let outcome: unknown = 'pending'
      call(g).then(
        () => (outcome = 'resolved'),
        (e: unknown) => (outcome = e),
      )
      await vi.advanceTimersByTimeAsync(TIMEOUT - 1)
      expect(outcome).toBe('pending')
      await vi.advanceTimersByTimeAsync(1)
      const e = expectUnavailable(outcome)
      expect((e.cause as Error).name).toBe('DeadlineExceeded')
      expect(vi.getTimerCount()).toBe(0)
    })
  }

  it('uses the timeout it was given (another deadline, another wait)', async () => {
    vi.useFakeTimers()
    const { ctl, db } = fakeD1()
    ctl.mode = 'hang'
    let outcome: unknown = 'pending'
    guardedD1(db, 150)
      .exec(SQL)
      .catch((e: unknown) => (outcome = e))
    await vi.advanceTimersByTimeAsync(149)
    expect(outcome).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expectUnavailable(outcome)
  })

  it('a guarded database recovers: the next call after a failure passes through', async () => {
    const { ctl, results, db } = fakeD1()
    const g = guardedD1(db, TIMEOUT)
    ctl.mode = 'reject'
    await expect(g.prepare(SQL).all()).rejects.toBeInstanceOf(DomainError)
    ctl.mode = 'ok'
    expect(await g.prepare(SQL).all()).toBe(results.all)
  })
})

describe('d1Unavailable', () => {
  it('keeps a DomainError as it is (no double wrapping, no log)', () => {
    const own = new DomainError('conflict', 'version v2 exists')
    expect(d1Unavailable(own)).toBe(own)
    expect(errorLog).not.toHaveBeenCalled()
  })

  it('turns anything else, even a non-Error, into storage_unavailable', () => {
    expectUnavailable(d1Unavailable(UNDERLYING))
    expectUnavailable(d1Unavailable(new Error(UNDERLYING)))
    expect(errorLog).toHaveBeenCalledTimes(2)
  })
})

describe('D1_TIMEOUT_MS', () => {
  it('defaults to 5 s, takes an integer in [100, 60000] and refuses anything else', () => {
    expect(SettingsSchema.parse({}).d1TimeoutMs).toBe(5_000)
    expect(SettingsSchema.parse({ D1_TIMEOUT_MS: '250' }).d1TimeoutMs).toBe(250)
    for (const bad of ['99', '60001', '1.5', 'soon']) {
      expect(SettingsSchema.safeParse({ D1_TIMEOUT_MS: bad }).success).toBe(false)
    }
  })
})
