import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../../src/core/errors'
import type { RegistryCommand } from '../../../../src/core/registry/commands'
import type { BusinessMetric, ModelInput } from '../../../../src/core/registry/types'
import { PHASES, isTerminal, start, type Phase } from '../../../../src/core/rollout/index'
import type { StoredRollout } from '../../../../src/services/coordinator/ports'
import { guardDuringRollout } from '../../../../src/services/coordinator/registry-guard'
import { T0, backendOf, buildModel } from './fake-port'
import { canaryConfig } from './rollouts'

const clicked: BusinessMetric = {
  name: 'clicked',
  kind: 'proportion',
  direction: 'higher_is_better',
  window_s: 3600,
  positive_labels: ['1'],
  margin: 0.02,
}
const model = buildModel({ versions: ['v1', 'v2', 'v3'], metrics: [clicked] })
/** The model's settings as an upsert would send them. */
const settings: ModelInput = {
  risk: model.risk,
  unit_header: 'x-unit-id',
  fallback_to_champion: true,
  metrics: [clicked],
  shadow_compare: null,
  metric_shards: 4,
  latency_measure: 'ttfb',
}

function rolloutIn(phase: Phase): StoredRollout {
  const { state } = start(canaryConfig(), {
    id: 'ro_guard',
    now: T0,
    risk: 'medium',
    lastRollbackAt: null,
    gatesWeakerThanDefaults: [],
    openActionItems: 0,
    evaluationWaived: false,
  })
  return {
    state: { ...state, phase },
    meta: { startEpoch: 4, finalEpoch: null, rollbackEpoch: null, failedStep: null, incidentId: null },
  }
}

const other = { url: 'https://elsewhere.example/model', timeout_ms: 30_000, stream_idle_timeout_ms: 30_000 }

/** One command of every type, with what the guard answers while a rollout is active. */
const TABLE: Array<{ name: string; cmd: RegistryCommand; active: 'commit' | 'end_rollout' | 'conflict' }> = [
  {
    name: 'upsert_model, risk and metrics as they are',
    cmd: { type: 'upsert_model', input: { ...settings, unit_header: 'x-user', metric_shards: 8 } },
    active: 'commit',
  },
  {
    name: 'upsert_model, another risk tier',
    cmd: { type: 'upsert_model', input: { ...settings, risk: 'low' } },
    active: 'conflict',
  },
  {
    name: 'upsert_model, another metric definition',
    cmd: { type: 'upsert_model', input: { ...settings, metrics: [{ ...clicked, margin: 0.05 }] } },
    active: 'conflict',
  },
  {
    name: 'upsert_model, a metric removed',
    cmd: { type: 'upsert_model', input: { ...settings, metrics: [] } },
    active: 'conflict',
  },
  {
    name: 'put_version of another version',
    cmd: { type: 'put_version', version: 'v3', backend: other },
    active: 'commit',
  },
  {
    name: 'put_version of a new version',
    cmd: { type: 'put_version', version: 'v4', backend: other },
    active: 'commit',
  },
  {
    name: 'put_version of the challenger, same backend',
    cmd: { type: 'put_version', version: 'v2', backend: backendOf('v2') },
    active: 'commit',
  },
  {
    name: 'put_version of the champion, same backend',
    cmd: { type: 'put_version', version: 'v1', backend: backendOf('v1') },
    active: 'commit',
  },
  {
    name: 'put_version of the challenger, another backend',
    cmd: { type: 'put_version', version: 'v2', backend: other },
    active: 'conflict',
  },
  {
    name: 'put_version of the champion, another backend',
    cmd: { type: 'put_version', version: 'v1', backend: other },
    active: 'conflict',
  },
  {
    name: 'set_champion',
    cmd: { type: 'set_champion', input: { version: 'v2', keep_weights: false } },
    active: 'conflict',
  },
  {
    name: 'set_routing',
    cmd: { type: 'set_routing', input: { weights: { v1: 90, v2: 10 }, rules: [], shadow: null } },
    active: 'conflict',
  },
  { name: 'rollback', cmd: { type: 'rollback', target: 'champion', reason: 'by hand' }, active: 'end_rollout' },
]

function decide(active: StoredRollout | null, cmd: RegistryCommand): string {
  try {
    return guardDuringRollout(active, model, cmd)
  } catch (e) {
    if (e instanceof DomainError) return e.code
    throw e
  }
}

describe('guardDuringRollout', () => {
  it('covers every registry command type', () => {
    const types = new Set(TABLE.map((r) => r.cmd.type))
    expect([...types].sort()).toEqual(['put_version', 'rollback', 'set_champion', 'set_routing', 'upsert_model'])
  })

  describe.each(TABLE)('$name', ({ cmd, active }) => {
    it('commits without a rollout', () => {
      expect(decide(null, cmd)).toBe('commit')
    })

    it.each(PHASES.filter((p) => !isTerminal(p)))(`answers ${active} while a rollout is %s`, (phase) => {
      expect(decide(rolloutIn(phase), cmd)).toBe(active)
    })

    it.each(PHASES.filter(isTerminal))('commits once the rollout is %s', (phase) => {
      expect(decide(rolloutIn(phase), cmd)).toBe('commit')
    })
  })

  it('names the rollout, its phase and what to do in its refusals', () => {
    const r = rolloutIn('progressing')
    expect(() => guardDuringRollout(r, model, TABLE.find((t) => t.name === 'set_routing')!.cmd)).toThrow(
      'rollout ro_guard is progressing; pause or abort it before changing routing by hand',
    )
    expect(() => guardDuringRollout(r, model, { type: 'put_version', version: 'v2', backend: other })).toThrow(
      /abort it before changing v2's backend/,
    )
    const frozen: RegistryCommand = { type: 'upsert_model', input: { ...settings, risk: 'high', metrics: [] } }
    expect(() => guardDuringRollout(r, model, frozen)).toThrow(
      'rollout ro_guard is progressing; its risk tier (medium) and metric definitions cannot change until it ends (abort it first)',
    )
    try {
      guardDuringRollout(r, model, frozen)
    } catch (e) {
      expect((e as DomainError).extra).toMatchObject({ active_rollout: { id: 'ro_guard', phase: 'progressing' } })
    }
  })
})
