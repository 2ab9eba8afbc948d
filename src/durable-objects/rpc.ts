/**
 * @module durable-objects/rpc
 * The one way a Durable Object RPC method answers: `Result<T>` (core/errors). Errors lose their
 * class across RPC, so they travel as data; callers rebuild them with `unwrap`.
 */
import { DomainError, serializeDomainError, toDomainError, type Result } from '../core/errors'

/**
 * Runs an RPC method body and returns its Result. Errors other than DomainError are logged here,
 * with `where`, and cross the boundary as `internal`.
 */
export async function resultOf<T>(where: string, fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() }
  } catch (err) {
    if (!(err instanceof DomainError)) console.error(`${where}:`, err)
    return { ok: false, error: serializeDomainError(toDomainError(err)) }
  }
}
