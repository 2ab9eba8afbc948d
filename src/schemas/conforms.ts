/**
 * @module schemas/conforms
 * Compile-time proof that a schema's output is exactly the core type it validates into (mutual
 * assignability): `export type X = Checked<typeof X, core.X>` is `core.X`, and fails to compile
 * when the two drift apart (`Assert<Conforms<…>>` where no type is exported).
 */
import type { z } from 'zod'

export type Conforms<S extends z.ZodType, T> = [z.infer<S>] extends [T]
  ? [T] extends [z.infer<S>]
    ? true
    : false
  : false

export type Assert<T extends true> = T

/** `T`, which must be exactly what schema `S` validates into. */
export type Checked<S extends z.ZodType, T extends (Conforms<S, T> extends true ? unknown : never)> = T
