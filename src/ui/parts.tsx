/** @jsxImportSource hono/jsx */
/**
 * @module ui/parts
 * Small shared pieces: status badges, times, table headers and the routing weights bar.
 */
import { formatShortTime, formatTime } from './format'
import { versionClass } from './time-marks'

/** A compact UTC time for tables, with the full time as its tooltip and machine-readable value. */
export function Time({ at }: { at: number | string }) {
  const ms = typeof at === 'number' ? at : Date.parse(at)
  if (!Number.isFinite(ms)) return <span>–</span>
  return (
    <time class="t" datetime={new Date(ms).toISOString()} title={formatTime(ms)}>
      {formatShortTime(ms)}
    </time>
  )
}

/** A table's header row; the columns named in `numeric` hold numbers (right-aligned). */
export function ColumnHeads({ columns, numeric = [] }: { columns: string[]; numeric?: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th scope="col" class={numeric.includes(c) ? 'num' : undefined}>
            {c}
          </th>
        ))}
      </tr>
    </thead>
  )
}

/** A phase (`ph`) or verdict decision (`d`) badge; its class carries the colour. */
export function Badge({ kind, value }: { kind: 'ph' | 'd'; value: string }) {
  return <span class={`badge ${kind}-${value}`}>{value.replace(/_/g, ' ')}</span>
}

/** Weights as a stacked horizontal bar (champion first), one colour per version, labelled for screen readers. */
export function WeightsBar({
  weights,
  champion,
  versions = [],
}: {
  weights: Record<string, number>
  champion: string
  /** The model's versions in registration order (ui/time-marks versionClass). */
  versions?: readonly string[]
}) {
  const entries = Object.entries(weights).sort((a, b) =>
    a[0] === champion ? -1 : b[0] === champion ? 1 : a[0].localeCompare(b[0]),
  )
  let x = 0
  return (
    <svg
      viewBox="0 0 100 6"
      preserveAspectRatio="none"
      role="img"
      aria-label={`weights: ${entries.map(([v, w]) => `${v} ${w}%`).join(', ')}`}
    >
      {entries.map(([v, w], i) => {
        const rect = (
          <rect
            class={
              versions.length > 0
                ? versionClass(versions, v)
                : v === champion
                  ? 'arm-champion'
                  : i % 2
                    ? 'arm-challenger'
                    : 'arm-cohort'
            }
            x={x}
            y={0}
            width={w}
            height={6}
          />
        )
        x += w
        return rect
      })}
    </svg>
  )
}
