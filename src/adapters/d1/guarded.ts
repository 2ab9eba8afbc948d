/**
 * @module adapters/d1/guarded
 * D1 behind a deadline: every query and batch answers within `timeoutMs` or fails, and every
 * failure becomes one DomainError, `storage_unavailable` (503 with a retry hint), so a D1 outage
 * costs an admin call a bounded wait and a clear error, and costs a coordinator a retry from its
 * alarm: never a hung request, a hung tick or a 500. The original error is logged here.
 */
import { withDeadline } from '../../core/deadline'
import { DomainError } from '../../core/errors'

type Statement = Pick<D1PreparedStatement, 'bind' | 'all' | 'run' | 'raw' | 'first'>

export function guardedD1(d1: D1Database, timeoutMs: number): D1Database {
  // D1's batch takes only its own statements: map each wrapper back to the one it wraps.
  const original = new WeakMap<object, D1PreparedStatement>()
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await withDeadline(run(), timeoutMs, `D1 ${what}`)
    } catch (err) {
      throw d1Unavailable(err)
    }
  }
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const guarded: Statement = {
      bind: (...values: unknown[]) => wrap(stmt.bind(...values)),
      all: () => call('query', () => stmt.all()),
      run: () => call('query', () => stmt.run()),
      raw: ((opts?: { columnNames?: boolean }) => call('query', () => stmt.raw(opts as never))) as Statement['raw'],
      first: ((col?: string) =>
        call('query', () => (col === undefined ? stmt.first() : stmt.first(col)))) as Statement['first'],
    }
    original.set(guarded, stmt)
    return guarded as D1PreparedStatement
  }
  const guardedDb: Pick<D1Database, 'prepare' | 'batch' | 'exec'> = {
    prepare: (sql) => wrap(d1.prepare(sql)),
    batch: (stmts) => call('batch', () => d1.batch(stmts.map((s) => original.get(s) ?? s))),
    exec: (sql) => call('exec', () => d1.exec(sql)),
  }
  return guardedDb as D1Database
}

export function d1Unavailable(err: unknown): DomainError {
  if (err instanceof DomainError) return err
  console.error(`D1: ${(err as Error)?.message ?? String(err)}`)
  return new DomainError(
    'storage_unavailable',
    'the database (D1) is unavailable; the request can be retried shortly',
    {
      cause: err,
    },
  )
}
