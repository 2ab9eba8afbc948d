/**
 * Everything `npm run demo` prints that can be computed without I/O: durations, progress bars,
 * the live status line, the event log lines, the final summary and the verdict on whether each
 * scenario ended as expected.
 */

/** The parts of GET /admin/rollouts/{id} the demo reads. */
export interface RolloutViewLite {
  id: string
  phase: string
  terminal: boolean
  challenger: string
  step: { index: number; kind: string; label: string; started_at: string; epoch: number | null } | null
  plan: Array<{ index: number; kind: string; label: string }>
  pending_approval: { reason?: string; rules?: string[]; evidence_hash?: string } | null
  verdicts: VerdictLite[]
  events: EventLite[]
  rollback: {
    at: number
    trigger: string
    version: string
    fromStep: number
    reason: string
    confirmation: { at: number; ok: boolean; timeToConfirmMs: number; details: any } | null
  } | null
  outcome: string | null
  incident_id: string | null
  created_at: string
}

export interface VerdictLite {
  at: number
  stepIndex: number
  decision: string
  decisive: boolean
  reason: string
  elapsedMs: number
  metrics: Array<{ metric: string; decision: string; reason: string }>
}

export interface EventLite {
  at: number
  type: string
  actor: string
  reason: string
  details?: Record<string, unknown>
}

export interface IncidentLite {
  id: string
  trigger: string
  impact: {
    challenger_requests?: number
    challenger_errors?: number
    challenger_error_rate?: number | null
    metric_deltas?: Record<
      string,
      { champion: number | null; challenger: number | null; delta: number | null; decision: string }
    >
  }
  confirmation: { ok: boolean; time_to_confirm_ms?: number; requests_since_rollback?: number; epoch?: number } | null
  retrospective: {
    root_cause: string
    action_items: Array<{ text: string; owner: string | null; status: string }>
  } | null
  open_action_items?: number
}

// ───────────────────────────── small formatters ─────────────────────────────

/** "0.8 s", "42 s", "3:05" (m:ss from one minute on). */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** "[02:35]" from the demo's start. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]`
}

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(digits)}%`
}

/** A fixed-width bar, e.g. "[█████░░░░░]" for 0.5 at width 10. */
export function bar(fraction: number, width = 16): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0))
  const full = Math.round(f * width)
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}]`
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`
}

/** Greedy word wrap with a hanging indent. */
export function wrap(text: string, width: number, indent: string): string[] {
  const words = text.split(/\s+/).filter(Boolean)
  const lines: string[] = []
  let line = ''
  for (const w of words) {
    if (line && indent.length + line.length + 1 + w.length > width) {
      lines.push(indent + line)
      line = w
    } else line = line ? `${line} ${w}` : w
  }
  if (line) lines.push(indent + line)
  return lines
}

/**
 * "gates weaker than the model's defaults: shadow: a, shadow: b, canary: a, …" → the distinct
 * findings once, with the stages they apply to.
 */
export function weakGatesSummary(reason: string): string {
  const m = /gates weaker than the model's defaults: (.*)$/.exec(reason)
  if (!m) return reason
  const byFinding = new Map<string, string[]>()
  for (const part of (m[1] as string).split(/, (?=(?:shadow|canary|watch|cohort): )/)) {
    const x = /^(shadow|canary|watch|cohort): (.*)$/.exec(part.trim())
    if (!x) continue
    const list = byFinding.get(x[2] as string) ?? []
    list.push(x[1] as string)
    byFinding.set(x[2] as string, list)
  }
  if (byFinding.size === 0) return reason
  const head = reason.slice(0, m.index)
  return `${head}gates weaker than the model's defaults: ${[...byFinding].map(([f, stages]) => `${f} (${stages.join(', ')})`).join('; ')}`
}

/** The gate's reason without its "PASS: " prefix. */
export function reasonBody(reason: string): string {
  return reason.replace(/^(PASS|FAIL|CONTINUE|INCONCLUSIVE|HALT): /, '')
}

// ───────────────────────────── live status ─────────────────────────────

/** Share of the plan behind the rollout: steps done, the current one counting half. */
export function progressOf(v: RolloutViewLite): number {
  const n = Math.max(1, v.plan.length)
  if (v.phase === 'completed') return 1
  if (v.step === null) return 0
  return (v.step.index + (v.terminal ? 1 : 0.5)) / n
}

/** The last verdict, shortened: "CONTINUE: waiting for repaid (insufficient_data)". */
export function lastVerdictShort(v: RolloutViewLite, max = 80): string {
  const last = v.verdicts.at(-1)
  if (!last) return 'no verdict yet'
  const body = reasonBody(last.reason).split('; ')[0] ?? ''
  return truncate(`${last.decision}: ${body}`, max)
}

/** One scenario's live status line. */
export function statusLine(key: string, v: RolloutViewLite | null, elapsedMs: number, width = 120): string {
  if (v === null) return truncate(`${key} starting…`, width)
  const stepNo = v.step ? `${v.step.index + 1}/${v.plan.length}` : `0/${v.plan.length}`
  const label = v.step?.label ?? 'before the first step'
  const head = `${key} ${v.challenger} ${bar(progressOf(v), 12)} ${stepNo} ${label} · ${v.phase} · ${fmtDuration(elapsedMs)}`
  return truncate(`${head} · ${lastVerdictShort(v, 200)}`, width)
}

/**
 * A timeline event as one log line (without the clock and scenario prefix), or null when the
 * decisive verdict behind it is printed instead (see `verdictLines`).
 */
export function eventLine(e: EventLite, plan: RolloutViewLite['plan']): string | null {
  const d = e.details ?? {}
  const stepLabel = typeof d.step === 'number' ? (plan[d.step]?.label ?? `step ${d.step}`) : ''
  switch (e.type) {
    case 'started':
    case 'approval_requested':
      return null // printed from the start response
    case 'approved':
      return `approved by ${e.actor}${stepLabel ? ` → ${stepLabel}` : ''}`
    case 'step_live':
      return e.reason
    case 'advanced':
      return /^(PASS|CONTINUE) at /.test(e.reason) ? `→ ${typeof d.label === 'string' ? d.label : stepLabel}` : e.reason
    case 'rolled_back': {
      const tail = e.reason.split('; ').at(-1) ?? e.reason
      return `rolled back automatically: ${tail}`
    }
    case 'completed':
      return e.reason.replace(/ \((PASS|CONTINUE) at [^;]*\)(?=;)/, '')
    default:
      return `${e.type.replace(/_/g, ' ')}: ${e.reason}`
  }
}

/** A decisive verdict: the decision with its timing, then each gate's own reason. */
export function verdictLines(
  v: VerdictLite,
  plan: RolloutViewLite['plan'],
  startedAt: number | null,
  width: number,
  indent = '',
): string[] {
  const label = plan[v.stepIndex]?.label ?? `step ${v.stepIndex}`
  const since = startedAt === null ? '' : ` (${fmtDuration(v.at - startedAt)} after approval)`
  const out = [`${indent}${v.decision} at ${label} after ${fmtDuration(v.elapsedMs)} in the step${since}`]
  const pad = `${indent}    `
  for (const m of v.metrics)
    out.push(
      ...wrap(
        `${m.metric} ${m.decision}: ${reasonBody(m.reason).replace(new RegExp(`^${m.metric}:? `), '')}`,
        width,
        pad,
      ).map((l, i) => (i === 0 ? l : `  ${l}`)),
    )
  if (v.metrics.length === 0) out.push(...wrap(reasonBody(v.reason), width, pad))
  return out
}

// ───────────────────────────── results ─────────────────────────────

export interface Decision {
  step: string
  decision: string
  /** Time from the start of the step to the decision. */
  inStepMs: number
  /** Time from the start of the rollout (approval) to the decision. */
  sinceStartMs: number
  reason: string
}

/** The decisive verdicts (the ones that moved the rollout), oldest first. */
export function decisionsOf(v: RolloutViewLite, startedAt: number): Decision[] {
  return v.verdicts
    .filter((x) => x.decisive)
    .sort((a, b) => a.at - b.at)
    .map((x) => ({
      step: v.plan[x.stepIndex]?.label ?? `step ${x.stepIndex}`,
      decision: x.decision,
      inStepMs: x.elapsedMs,
      sinceStartMs: x.at - startedAt,
      reason: x.reason,
    }))
}

export interface ScenarioResult {
  key: string
  title: string
  model: string
  challenger: string
  expect: 'promoted' | 'rolled_back'
  /** When the rollout was approved (exposure started), ms since epoch; null if it never was. */
  startedAt: number | null
  endedAt: number | null
  view: RolloutViewLite | null
  incident: IncidentLite | null
  /** Problems that make the scenario not end as expected (empty = as expected). */
  problems: string[]
  /** Extra lines for the summary (e.g. how the demo drove cron). */
  notes?: string[]
}

/** Whether a scenario ended as expected; the list of what is missing otherwise. */
export function checkScenario(r: Pick<ScenarioResult, 'expect' | 'view' | 'incident'>): string[] {
  const v = r.view
  if (v === null) return ['the rollout never started']
  const out: string[] = []
  if (r.expect === 'promoted') {
    if (v.phase !== 'completed') out.push(`expected the rollout to complete, it is ${v.phase}`)
    if (v.outcome !== 'promoted') out.push(`expected outcome promoted, got ${v.outcome ?? 'none'}`)
    return out
  }
  if (v.phase !== 'rolled_back') out.push(`expected an automatic rollback, the rollout is ${v.phase}`)
  if (v.rollback && v.rollback.trigger !== 'gate_fail')
    out.push(`rolled back by ${v.rollback.trigger}, not by a FAIL verdict`)
  if (v.phase === 'rolled_back' && !v.verdicts.some((x) => x.decision === 'FAIL' && x.decisive))
    out.push('no decisive FAIL verdict recorded')
  if (v.rollback && v.rollback.confirmation === null) out.push('the rollback was not confirmed')
  if (v.rollback?.confirmation && !v.rollback.confirmation.ok) out.push('the rollback confirmation failed')
  if (v.phase === 'rolled_back' && r.incident === null) out.push('no incident recorded')
  if (r.incident && r.incident.retrospective === null) out.push('no retrospective recorded')
  if (r.incident && (r.incident.open_action_items ?? 0) > 0)
    out.push(`${r.incident.open_action_items} action items still open`)
  return out
}

export interface TrafficTotals {
  perModel: Array<{
    key: string
    model: string
    sent: number
    ok: number
    failed: Record<string, number>
    failedSample?: Record<string, string>
    byVersion: Record<string, { requests: number; approved: number; repaid: number }>
  }>
  outcomes: {
    queued: number
    accepted: number
    duplicates: number
    rejected: number
    dropped: number
    reasons: Record<string, number>
    pending?: number
  }
  ticks: number
  tickErrors: number
}

function versionLine(name: string, t: { requests: number; approved: number; repaid: number }): string {
  const approval = t.requests > 0 ? t.approved / t.requests : null
  const repaid = t.approved > 0 ? t.repaid / t.approved : null
  return `${name} ${int(t.requests)} scored, approved ${pct(approval)}, repaid ${pct(repaid)}`
}

/** The final summary, as lines. */
export function renderSummary(
  results: ScenarioResult[],
  traffic: TrafficTotals,
  totalMs: number,
  width = 110,
): string[] {
  const out: string[] = []
  out.push('', `Summary — demo ran ${fmtDuration(totalMs)}`)
  for (const r of results) {
    const v = r.view
    const expected = r.problems.length === 0
    const outcome =
      v === null
        ? 'NOT STARTED'
        : v.phase === 'completed'
          ? `PROMOTED (${v.challenger} is champion)`
          : v.phase === 'rolled_back'
            ? 'ROLLED BACK automatically'
            : v.phase.toUpperCase()
    out.push('', `  Scenario ${r.key} — ${r.title} on ${r.model}`)
    out.push(`    outcome   ${outcome}   ${expected ? '✓ as expected' : '✗ NOT as expected'}`)
    if (v !== null && r.startedAt !== null) {
      const tl = decisionsOf(v, r.startedAt).map((d) => `${d.step} ${d.decision} after ${fmtDuration(d.inStepMs)}`)
      if (tl.length > 0)
        out.push(
          ...wrap(tl.join(' → '), width - 14, '').map((l, i) => `${i === 0 ? '    timeline  ' : '              '}${l}`),
        )
      out.push("    decisions (every verdict that moved the rollout, with each gate's numbers):")
      const decisive = v.verdicts.filter((x) => x.decisive).sort((a, b) => a.at - b.at)
      if (decisive.length === 0) out.push('      none')
      for (const d of decisive) out.push(...verdictLines(d, v.plan, r.startedAt, width, '      '))
      const promo = v.plan.find((p) => p.kind === 'canary' && /100%/.test(p.label))
      if (v.phase === 'completed' && promo)
        out.push(
          `      (${promo.label} needs no gate: entering it made ${v.challenger} the champion; the watch compared it with the pre-rollout baseline)`,
        )
      if (r.endedAt !== null)
        out.push(
          `    total     ${fmtDuration(r.endedAt - r.startedAt)} from approval to ${v.phase === 'completed' ? 'completion' : 'the end of the rollout'}`,
        )
    }
    if (v?.rollback) {
      const rb = v.rollback
      const c = rb.confirmation
      out.push(
        `    rollback  ${rb.trigger} at ${v.plan[rb.fromStep]?.label ?? `step ${rb.fromStep}`}: 100% back to ${rb.version}` +
          (r.startedAt !== null ? `, ${fmtDuration(rb.at - r.startedAt)} after approval` : ''),
      )
      if (c) {
        const det = c.details ?? {}
        out.push(
          `    confirmed ${c.ok ? 'yes' : 'NO'}, ${fmtDuration(c.timeToConfirmMs)} after the rollback` +
            (typeof det.epoch === 'number'
              ? ` (epoch ${det.epoch}: ${int(det.requests_since_rollback ?? 0)} requests on ${rb.version}, ${int(det.challenger_requests_since_rollback ?? 0)} on ${v.challenger}, error rate ${pct(det.error_rate)})`
              : ''),
        )
      } else out.push('    confirmed not yet')
    }
    if (r.incident) {
      const imp = r.incident.impact ?? {}
      out.push(
        `    exposed   ${int(imp.challenger_requests ?? 0)} requests served by ${v?.challenger ?? 'the challenger'} (${int(imp.challenger_errors ?? 0)} errors) — incident ${r.incident.id}`,
      )
      for (const [metric, d] of Object.entries(imp.metric_deltas ?? {})) {
        if (d.champion !== null && d.challenger !== null && !['error_rate', 'latency', 'divergence'].includes(metric)) {
          out.push(
            `              ${metric}: ${v?.challenger ?? 'challenger'} ${pct(d.challenger)} vs champion ${pct(d.champion)} (${d.delta !== null ? `${(d.delta * 100).toFixed(1)} points` : 'n/a'})`,
          )
        }
      }
      const retro = r.incident.retrospective
      if (retro) {
        const closed = retro.action_items.filter((a) => a.status === 'closed').length
        out.push(
          `    retro     recorded: ${closed}/${retro.action_items.length} action items closed, ${r.incident.open_action_items ?? 0} open (open items would block the next rollout)`,
        )
      }
    }
    for (const n of r.notes ?? [])
      out.push(...wrap(n, width - 14, '').map((l, i) => `${i === 0 ? '    note      ' : '              '}${l}`))
    for (const p of r.problems) out.push(`    problem   ${p}`)
  }
  out.push('', '  Traffic')
  for (const m of traffic.perModel) {
    const failed = Object.entries(m.failed)
      .map(([k, n]) => `${n} × ${k}`)
      .join(', ')
    out.push(
      `    ${m.key} ${m.model}: ${int(m.sent)} requests, ${int(m.ok)} answered${failed ? `, failed: ${failed}` : ''}`,
    )
    for (const [k, body] of Object.entries(m.failedSample ?? {}))
      out.push(`      ${k}, e.g.: ${body ? truncate(body, width - 24) : '(empty body)'}`)
    for (const [name, t] of Object.entries(m.byVersion).sort()) out.push(`      ${versionLine(name, t)}`)
  }
  const o = traffic.outcomes
  const reasons = Object.entries(o.reasons)
    .map(([k, n]) => `${n} × ${k}`)
    .join(', ')
  out.push(
    `    outcomes: ${int(o.queued)} loan outcomes, ${int(o.accepted)} accepted, ${int(o.duplicates)} duplicates, ${int(o.rejected)} rejected${reasons ? ` (${reasons})` : ''}` +
      `${o.dropped ? `, ${int(o.dropped)} dropped` : ''}${o.pending ? `, ${int(o.pending)} still waiting for their report delay when the demo ended` : ''}`,
  )
  out.push(`    cron: ${int(traffic.ticks)} ticks${traffic.tickErrors ? ` (${traffic.tickErrors} failed)` : ''}`)
  const ok = results.every((r) => r.problems.length === 0)
  out.push(
    '',
    ok
      ? 'Result: both scenarios ended as expected.'
      : `Result: NOT as expected (${results
          .filter((r) => r.problems.length > 0)
          .map((r) => r.key)
          .join(', ')}).`,
  )
  return out
}
