/**
 * `--cpu-profile <dir>`: a V8 CPU profile of a gateway isolate under the benchmark load, taken
 * through Miniflare's inspector proxy, saved as .cpuprofile (Chrome DevTools → Performance →
 * Load profile) and summarised by source module, so a miss can be traced to the code that costs.
 *
 * Only the user Worker's isolate is sampled: HTTP parsing, the subrequest's I/O and Miniflare's own
 * entry Worker run elsewhere in workerd and show up in "CPU us/req", not here.
 */
import { readFileSync } from 'node:fs'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  hitCount?: number
  children?: number[]
}
export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

interface MinimalSocket {
  send(data: string): void
  close(): void
  addEventListener?(type: string, fn: (ev: { data: unknown }) => void): void
  on?(type: string, fn: (data: unknown) => void): void
}

/** The `ws` package (a Miniflare dependency) on Node 20, the built-in WebSocket on Node 22+. */
async function openSocket(url: string): Promise<MinimalSocket> {
  const g = globalThis as unknown as { WebSocket?: new (u: string) => MinimalSocket }
  let Ctor: (new (u: string) => MinimalSocket) | undefined = g.WebSocket
  if (Ctor === undefined) {
    // A computed specifier: ws is only a transitive dependency, needed by this optional mode alone.
    const specifier = 'ws'
    Ctor = ((await import(specifier)) as { default: new (u: string) => MinimalSocket }).default
  }
  const ws = new Ctor(url)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inspector ${url} did not open within 10 s`)), 10_000)
    const done = (fn: () => void) => () => {
      clearTimeout(timer)
      fn()
    }
    if (ws.on) {
      ws.on('open', done(resolve))
      ws.on(
        'error',
        done(() => reject(new Error(`inspector ${url} refused the connection`))),
      )
    } else {
      ws.addEventListener?.('open', done(resolve))
      ws.addEventListener?.(
        'error',
        done(() => reject(new Error(`inspector ${url} refused the connection`))),
      )
    }
  })
  return ws
}

/** Samples the isolate behind `inspector` (Miniflare's ws:// inspector proxy) while `load` runs. */
export async function profileDuring(
  inspector: URL,
  workerName: string,
  load: () => Promise<unknown>,
): Promise<CpuProfile> {
  const listUrl = new URL('/json', inspector.href.replace(/^ws/, 'http'))
  const list = (await (await fetch(listUrl)).json()) as Array<{
    title: string
    webSocketDebuggerUrl: string
  }>
  const entry = list.find((t) => t.webSocketDebuggerUrl.endsWith(`/${workerName}`)) ?? list[0]
  if (!entry) throw new Error(`no inspector target for ${workerName}`)
  const ws = await openSocket(entry.webSocketDebuggerUrl)
  let nextId = 1
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  const onMessage = (raw: unknown) => {
    const text = typeof raw === 'string' ? raw : String((raw as { data?: unknown }).data ?? raw)
    const msg = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string } }
    if (msg.id === undefined) return
    const p = pending.get(msg.id)
    pending.delete(msg.id)
    if (msg.error) p?.reject(new Error(msg.error.message))
    else p?.resolve(msg.result)
  }
  if (ws.on) ws.on('message', (d) => onMessage(String(d)))
  else ws.addEventListener?.('message', (ev) => onMessage(ev.data))
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      ws.send(JSON.stringify({ id, method, params }))
    })
  try {
    await send('Profiler.enable')
    await send('Profiler.setSamplingInterval', { interval: 200 })
    await send('Profiler.start')
    await load()
    const { profile } = (await send('Profiler.stop')) as { profile: CpuProfile }
    return profile
  } finally {
    ws.close()
  }
}

export interface ModuleShare {
  module: string
  selfMs: number
  /** Share of the samples in which the isolate was not idle. */
  pct: number
}

/** V8's pseudo-frames: (idle) = the thread waited, (program) = native code outside any JS frame. */
const IDLE = '(idle)'

function label(f: CallFrame): string {
  if (f.url !== '') return f.url
  return f.functionName.startsWith('(') ? f.functionName : `(native ${f.functionName || 'code'})`
}

/** Share of the samples in which the isolate's thread was idle, %. */
export function idlePct(profile: CpuProfile): number {
  let total = 0
  let idle = 0
  for (const n of profile.nodes) {
    total += n.hitCount ?? 0
    if (n.callFrame.functionName === IDLE && n.callFrame.url === '') idle += n.hitCount ?? 0
  }
  return total === 0 ? 0 : (100 * idle) / total
}

/**
 * Self time per source module. esbuild (under wrangler) starts each bundled module with a
 * `// path` comment, so a bundle line maps to its module without a source map library.
 */
export function selfTimeByModule(profile: CpuProfile, bundlePath: string, bundleUrlPart = 'index.js'): ModuleShare[] {
  const boundaries: Array<{ line: number; module: string }> = []
  readFileSync(bundlePath, 'utf8')
    .split('\n')
    .forEach((text, line) => {
      const m = /^\/\/ ((?:node_modules|src|\.\.?\/)[^\s]*\.(?:[cm]?[jt]sx?))$/.exec(text)
      if (m) boundaries.push({ line, module: m[1] as string })
    })
  const moduleAt = (line: number): string => {
    let lo = 0
    let hi = boundaries.length - 1
    let found = '(bundle prelude)'
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const b = boundaries[mid] as { line: number; module: string }
      if (b.line <= line) {
        found = b.module
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }
  const allSamples = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0)
  const msPerSample = allSamples === 0 ? 0 : (profile.endTime - profile.startTime) / 1000 / allSamples
  const by = new Map<string, number>()
  let busy = 0
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0
    const f = n.callFrame
    if (hits === 0 || (f.functionName === IDLE && f.url === '')) continue
    busy += hits
    const key = f.url.endsWith(bundleUrlPart) ? moduleAt(f.lineNumber) : label(f)
    by.set(key, (by.get(key) ?? 0) + hits)
  }
  return [...by.entries()]
    .map(([module, hits]) => ({
      module,
      selfMs: hits * msPerSample,
      pct: busy === 0 ? 0 : (100 * hits) / busy,
    }))
    .sort((a, b) => b.selfMs - a.selfMs)
}

/** Top functions by self time (bundle line numbers), busy samples only. */
export function topFunctions(profile: CpuProfile, n: number): Array<{ fn: string; pct: number }> {
  const by = new Map<string, number>()
  let total = 0
  for (const x of profile.nodes) {
    const hits = x.hitCount ?? 0
    const f = x.callFrame
    if (hits === 0 || (f.functionName === IDLE && f.url === '')) continue
    total += hits
    const key =
      f.url === '' ? label(f) : `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`
    by.set(key, (by.get(key) ?? 0) + hits)
  }
  return [...by.entries()]
    .map(([fn, hits]) => ({ fn, pct: total === 0 ? 0 : (100 * hits) / total }))
    .sort((a, b) => b.pct - a.pct)
    .slice(0, n)
}
