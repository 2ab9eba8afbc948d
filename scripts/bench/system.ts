/**
 * Linux process plumbing for the benchmark: finding workerd children, pinning with taskset,
 * reading CPU time from /proc, and describing the machine for the report.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

interface ProcStat {
  pid: number
  comm: string
  ppid: number
  /** utime + stime, clock ticks. */
  ticks: number
}

function readStat(pid: number): ProcStat | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // comm may contain spaces and parentheses; it ends at the last ')'.
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  const rest = text.slice(close + 2).split(' ')
  return {
    pid,
    comm: text.slice(open + 1, close),
    ppid: Number(rest[1]),
    ticks: Number(rest[11]) + Number(rest[12]),
  }
}

function allStats(): ProcStat[] {
  if (!existsSync('/proc')) return []
  const out: ProcStat[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const s = readStat(Number(name))
    if (s) out.push(s)
  }
  return out
}

/** Descendants of this process named `comm` that are not in `exclude`. */
export function newChildPids(comm: string, exclude: Set<number>): Set<number> {
  const stats = allStats()
  const mine = new Set<number>([process.pid])
  // Parents precede children only by luck of pid order; iterate until no new descendant appears.
  for (let grew = true; grew;) {
    grew = false
    for (const s of stats) {
      if (!mine.has(s.pid) && mine.has(s.ppid)) {
        mine.add(s.pid)
        grew = true
      }
    }
  }
  const found = new Set<number>()
  for (const s of stats)
    if (mine.has(s.pid) && s.pid !== process.pid && s.comm === comm && !exclude.has(s.pid)) found.add(s.pid)
  return found
}

let clockTicks: number | null = null
function ticksPerSecond(): number {
  if (clockTicks === null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
    const n = Number(r.stdout?.trim())
    clockTicks = Number.isInteger(n) && n > 0 ? n : 100
  }
  return clockTicks
}

/** CPU seconds a process has used so far (all its threads), or null if it is gone. */
export function cpuSeconds(pid: number): number | null {
  const s = readStat(pid)
  return s === null ? null : s.ticks / ticksPerSecond()
}

/** Busy and total jiffies per core from /proc/stat, for "how loaded was the client core". */
export function coreTimes(): Map<number, { busy: number; total: number }> {
  const out = new Map<number, { busy: number; total: number }>()
  let text: string
  try {
    text = readFileSync('/proc/stat', 'utf8')
  } catch {
    return out
  }
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line)
    if (!m) continue
    const f = (m[2] as string).split(/\s+/).map(Number)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
    const idle = (f[3] ?? 0) + (f[4] ?? 0)
    out.set(Number(m[1]), { busy: total - idle, total })
  }
  return out
}

export function coreBusyPct(
  before: Map<number, { busy: number; total: number }>,
  after: Map<number, { busy: number; total: number }>,
  core: number,
): number | null {
  const a = before.get(core)
  const b = after.get(core)
  if (!a || !b || b.total <= a.total) return null
  return (100 * (b.busy - a.busy)) / (b.total - a.total)
}

export function onPath(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(path.join(dir, cmd))) return path.join(dir, cmd)
  }
  return null
}

/**
 * The pinning plan on this machine: workerd alone on one core, the load generator, the upstream and
 * this orchestrator on another, so the client side never steals the server's CPU. Null when taskset
 * is missing or there is only one core.
 */
export interface PinPlan {
  serverCpu: number
  clientCpu: number
}

export function pinPlan(): PinPlan | null {
  if (onPath('taskset') === null || os.availableParallelism() < 2) return null
  return { serverCpu: 0, clientCpu: 1 }
}

/** Pins every thread of `pid` to `cpu`; false when taskset refused. */
export function pin(pid: number, cpu: number): boolean {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { encoding: 'utf8' })
  return r.status === 0
}

export interface MachineInfo {
  cpuModel: string
  cores: number
  kernel: string
  node: string
  workerd: string
  miniflare: string
  wrangler: string
}

function packageVersion(root: string, name: string): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string
      }
    ).version
  } catch {
    return 'unknown'
  }
}

export function machineInfo(root: string): MachineInfo {
  const cpus = os.cpus()
  const workerdBin = path.join(root, 'node_modules', '.bin', 'workerd')
  const wd = spawnSync(workerdBin, ['--version'], { encoding: 'utf8' })
  const workerdDate = wd.status === 0 ? wd.stdout.trim().replace(/^workerd\s+/, '') : 'unknown'
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    workerd: `${packageVersion(root, 'workerd')} (${workerdDate})`,
    miniflare: packageVersion(root, 'miniflare'),
    wrangler: packageVersion(root, 'wrangler'),
  }
}

export { packageVersion }
