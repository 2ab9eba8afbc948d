/**
 * unwrapped (adapters/do/unwrapped): a Durable Object stub seen through its contract, each method
 * answering its value. The object's own domain errors travel as Result data and keep their code;
 * a call that throws or hangs (the transport, not the object, failed) is `storage_unavailable`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_DEADLINE_MS, unwrapped } from '../../../src/adapters/do/unwrapped'
import { SettingsSchema } from '../../../src/config/settings'
import { DomainError, type Result } from '../../../src/core/errors'
import { resultOf } from '../../../src/durable-objects/rpc'

/** A small RPC contract, as a coordinator's or a shard's. */
interface CounterRpc {
  add(n: number, by: string): Promise<Result<number>>
  name(): Promise<Result<string>>
}

const POLICY = { what: 'the coordinator of credit-risk', deadlineMs: 3_000 }
const UNDERLYING = 'Network connection lost; internal id 0xdeadbeef'

/** What a stub's method does on the next call. */
type Behaviour = 'answer' | 'throw' | 'reject' | 'hang' | 'domain-error-result' | 'throws-domain-error'

class FakeStub implements CounterRpc {
  behaviour: Behaviour = 'answer'
  total = 0
  readonly calls: Array<{ method: string; args: unknown[] }> = []

  add(n: number, by: string): Promise<Result<number>> {
    // `this` must be the stub: the client calls each method as a method of the stub.
    this.calls.push({ method: 'add', args: [n, by] })
    switch (this.behaviour) {
      case 'answer':
        this.total += n
        return Promise.resolve({ ok: true, value: this.total })
      case 'throw':
        throw new Error(UNDERLYING)
      case 'reject':
        return Promise.reject(new Error(UNDERLYING))
      case 'hang':
        return new Promise(() => undefined)
      case 'domain-error-result':
        return Promise.resolve({
          ok: false,
          error: {
            code: 'precondition_failed',
            detail: 'stale epoch',
            fields: [{ field: 'if-match', message: 'expected 7' }],
            extra: { current_epoch: 7 },
          },
        })
      case 'throws-domain-error':
        // What no real stub does (errors lose their class across RPC): still a failed call.
        return Promise.reject(new DomainError('conflict', 'thrown, not answered'))
    }
  }

  name(): Promise<Result<string>> {
    this.calls.push({ method: 'name', args: [] })
    return Promise.resolve({ ok: true, value: 'counter' })
  }
}

async function failure(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => expect.unreachable('the call succeeded'),
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  return err as DomainError
}

function expectUnavailable(e: DomainError): void {
  expect(e.code).toBe('storage_unavailable')
  expect(e.detail).toContain('the coordinator of credit-risk')
  expect(e.detail).not.toContain('0xdeadbeef')
  expect(e.detail).not.toContain('Network connection lost')
}

let errorLog: ReturnType<typeof vi.spyOn>

beforeEach(() => {
  errorLog = vi.spyOn(console, 'error').mockImplementation(() => undefined)
})

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('unwrapped: answers', () => {
  it('forwards each call by name, with its arguments and the stub as `this`, and answers the value', async () => {
    const stub = new FakeStub()
    const client = unwrapped<CounterRpc>(stub, POLICY)
    expect(await client.add(2, 'alice')).toBe(2)
    expect(await client.add(3, 'bob')).toBe(5)
    expect(await client.name()).toBe('counter')
    expect(stub.calls).toEqual([
      { method: 'add', args: [2, 'alice'] },
      { method: 'add', args: [3, 'bob'] },
      { method: 'name', args: [] },
    ])
  })

  it('is not a thenable and makes no call when awaited or inspected by symbol', async () => {
    const stub = new FakeStub()
    const client = unwrapped<CounterRpc>(stub, POLICY)
    expect((client as unknown as { then?: unknown }).then).toBeUndefined()
    expect((client as unknown as Record<symbol, unknown>)[Symbol.toPrimitive]).toBeUndefined()
    expect(await client).toBe(client)
    expect(stub.calls).toEqual([])
  })
})

describe("unwrapped: the object's own domain errors keep their code", () => {
  it('rebuilds an error answered as Result data: code, detail, fields and extra members', async () => {
    const stub = new FakeStub()
    stub.behaviour = 'domain-error-result'
    const e = await failure(unwrapped<CounterRpc>(stub, POLICY).add(1, 'alice'))
    expect(e.code).toBe('precondition_failed')
    expect(e.detail).toBe('stale epoch')
    expect(e.fields).toEqual([{ field: 'if-match', message: 'expected 7' }])
    expect(e.extra).toEqual({ current_epoch: 7 })
    expect(errorLog).not.toHaveBeenCalled()
  })

  it('end to end with the object side (resultOf): a DomainError thrown in the object arrives with its code', async () => {
    // The object's method body throws; its RPC wrapper answers the error as data.
    const object = {
      add: (n: number) =>
        resultOf('counter.add', async () => {
          if (n < 0) throw new DomainError('validation_failed', 'n must be positive')
          if (n === 0) throw new TypeError('bug in the object')
          return n
        }),
    }
    const client = unwrapped<Pick<CounterRpc, 'add'>>(object, POLICY)
    expect(await client.add(4, 'x')).toBe(4)
    expect((await failure(client.add(-1, 'x'))).code).toBe('validation_failed')
    // A bug in the object is the object's answer too: internal, not a storage outage.
    expect((await failure(client.add(0, 'x'))).code).toBe('internal')
  })
})

describe('unwrapped: a failed or hung call is storage_unavailable', () => {
  it.each([
    ['throws synchronously', 'throw'],
    ['rejects', 'reject'],
    ['throws even a DomainError (not an answer of the object)', 'throws-domain-error'],
  ] as const)('a stub call that %s → storage_unavailable, the original kept as cause and logged', async (_, b) => {
    const stub = new FakeStub()
    stub.behaviour = b
    const e = await failure(unwrapped<CounterRpc>(stub, POLICY).add(1, 'alice'))
    expectUnavailable(e)
    expect(e.cause).toBeInstanceOf(Error)
    expect(errorLog).toHaveBeenCalledWith(expect.stringContaining('the coordinator of credit-risk.add'))
  })

  it('a stub without the method (an RPC to a missing name) → storage_unavailable', async () => {
    // The stub proxy of a real object answers any name; this one has no `gone` at all.
    const stub = new FakeStub() as FakeStub & { gone(): Promise<Result<void>> }
    const client = unwrapped<CounterRpc & { gone(): Promise<Result<void>> }>(stub, POLICY)
    expectUnavailable(await failure(client.gone()))
  })

  it('a call that hangs → storage_unavailable once the deadline passes, not before, and no timer left', async () => {
    vi.useFakeTimers()
    const stub = new FakeStub()
    stub.behaviour = 'hang'
    let outcome: unknown = 'pending'
    unwrapped<CounterRpc>(stub, POLICY)
      .add(1, 'alice')
      .then(
        () => (outcome = 'resolved'),
        (e: unknown) => (outcome = e),
      )
    await vi.advanceTimersByTimeAsync(POLICY.deadlineMs - 1)
    expect(outcome).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(outcome).toBeInstanceOf(DomainError)
    expectUnavailable(outcome as DomainError)
    expect(((outcome as DomainError).cause as Error).name).toBe('DeadlineExceeded')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('an answer in time leaves no timer behind', async () => {
    vi.useFakeTimers()
    await unwrapped<CounterRpc>(new FakeStub(), POLICY).add(1, 'alice')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('the client works again once the object answers', async () => {
    const stub = new FakeStub()
    const client = unwrapped<CounterRpc>(stub, POLICY)
    stub.behaviour = 'reject'
    await failure(client.add(1, 'alice'))
    stub.behaviour = 'answer'
    expect(await client.add(1, 'alice')).toBe(1)
  })

  it('DEFAULT_DEADLINE_MS is the default of DO_TIMEOUT_MS', () => {
    expect(DEFAULT_DEADLINE_MS).toBe(20_000)
    expect(SettingsSchema.parse({}).doTimeoutMs).toBe(DEFAULT_DEADLINE_MS)
  })
})
