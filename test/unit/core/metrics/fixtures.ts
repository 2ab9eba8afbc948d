/** A request measurement for the metrics tests: a 200 from v1's champion arm, changed by `over`. */
import type { RequestMeasurement } from '../../../../src/core/metrics/aggregate'

export const at = 1_790_000_000_000

export const req = (over: Partial<RequestMeasurement> = {}): RequestMeasurement => ({
  type: 'request',
  requestId: 'r',
  at,
  epoch: 3,
  version: 'v1',
  arm: 'champion',
  segment: '',
  status: 200,
  outcome: 'response',
  latencyMs: 12,
  fallback: null,
  ...over,
})
