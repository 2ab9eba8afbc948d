/**
 * @module schemas/conforms
 * Compile-time proof that a schema's output is exactly the core type it validates into (mutual
 * assignability): `type _X = Assert<Conforms<typeof X, core.X>>` fails to compile when they drift.
 */
import type { z } from 'zod'

export type Conforms<S extends z.ZodType, T> = [z.infer<S>] extends [T]
  ? [T] extends [z.infer<S>]
    ? true
    : false
  : false

export type Assert<T extends true> = T
