/**
 * @module schemas/faults
 * The fault plan of a gateway running with FAULT_INJECTION=on (tests and `npm run chaos`; see
 * adapters/faults): per binding, how its calls fail.
 */
import { z } from 'zod'

export const FAULT_TARGETS = ['d1', 'kv', 'coordinator', 'shard'] as const
export type FaultTarget = (typeof FAULT_TARGETS)[number]

export const FaultMode = z
  .strictObject({
    kind: z.enum(['fail', 'hang', 'delay']).meta({
      description: 'fail: the call throws; hang: it never settles; delay: it runs after delay_ms',
    }),
    delay_ms: z.number().int().min(0).max(600_000).optional(),
    rate: z.number().min(0).max(1).optional().meta({ description: 'Share of calls affected (default all)' }),
    methods: z
      .array(z.string().min(1).max(64))
      .max(32)
      .optional()
      .meta({ description: "Only these methods (e.g. KV's get, a coordinator's tick); default all" }),
  })
  .meta({ id: 'FaultMode' })
export type FaultMode = z.infer<typeof FaultMode>

export const FaultPlan = z
  .strictObject({
    d1: FaultMode.nullable().optional(),
    kv: FaultMode.nullable().optional(),
    coordinator: FaultMode.nullable().optional(),
    shard: FaultMode.nullable().optional(),
  })
  .meta({ id: 'FaultPlan' })
export type FaultPlan = z.infer<typeof FaultPlan>

export const FaultState = z
  .object({
    plan: FaultPlan,
    injected: z.object({ d1: z.number(), kv: z.number(), coordinator: z.number(), shard: z.number() }),
  })
  .meta({ id: 'FaultState', description: 'The plan, and the calls each target had turned away so far' })
export type FaultState = z.infer<typeof FaultState>
