/**
 * @module schemas/problem
 * The RFC 9457 problem body every error answers with (rendered by problem/problem).
 */
import { z } from 'zod'

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    request_id: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    retry_after: z
      .number()
      .int()
      .optional()
      .meta({ description: 'Seconds after which a retry may succeed (also the Retry-After header)' }),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' })
export type Problem = z.infer<typeof Problem>
