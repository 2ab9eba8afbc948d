/**
 * Answers measured to the end of their body: a body that stalls or resets ends cleanly for the
 * client and counts as an error of its version; a client that cancels does not; time to first byte
 * and total duration are both recorded; the head timer does not count a slow client upload.
 */
import { env, exports } from 'cloudflare:workers'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { describe, expect, inject, it } from 'vitest'
import { shardByName } from '../../src/adapters/do/shard-client'
import { buildServices } from '../../src/compose'
import { durationOf, errorsOf, type Agg, type MeasurementBatch } from '../../src/core/metrics/aggregate'
import { sumWhere } from '../../src/core/metrics/summary'
import { quantile } from '../../src/core/stats/histogram'
import { MeasurementRecorder } from '../../src/data-plane/recorder'
import { admin, adminOk, infer, setupModel, settle, uniqueModel } from './helpers/harness'
import { summary } from './helpers/measure'

const dec = new TextDecoder()

/** Reads the client's stream to its end; a stream that errors instead of ending fails the test. */
async function readToEnd(res: Response): Promise<{ text: string }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return { text }
    text += dec.decode(value)
  }
}

async function versionAgg(model: string, version: string): Promise<Agg> {
  return sumWhere(await summary(model), (r) => r.version === version && r.arm !== 'shadow')
}

/** The Prometheus samples of one family for one model. */
async function promSamples(model: string, family: string) {
  const text = await (await admin('GET', '/metrics')).text()
  const families = parsePrometheusTextFormat(text) as Array<{
    name: string
    metrics: Array<{ labels: Record<string, string>; value?: string; count?: string }>
  }>
  return families.find((f) => f.name === family)?.metrics.filter((m) => m.labels.model === model) ?? []
}

describe('a body that stalls or breaks off after the head', () => {
  it('ends the client stream within the idle timeout and counts one error of that version', async () => {
    const model = uniqueModel('stall')
    const idle = 400
    await setupModel(model, {
      versions: {
        v1: inject('upstreamA'),
        v2: { url: `${inject('upstreamB')}/mode/stall-after-head`, stream_idle_timeout_ms: idle } as any,
      },
      champion: 'v1',
      weights: { v2: 100 },
    })
    const before = errorsOf(await versionAgg(model, 'v2'))
    const res = await infer(model, '/chat')
    expect(res.status).toBe(200)
    expect(res.headers.get('x-model-version')).toBe('v2')
    // The upstream never ends this body: a clean end is the idle timer firing.
    const { text } = await readToEnd(res)
    expect(text).toBe('data: {"i":0}\n\n') // what arrived before the stall, then a clean end
    await settle()
    const v2 = await versionAgg(model, 'v2')
    expect(errorsOf(v2) - before).toBe(1)
    expect([v2.requests, v2.streamStalls, v2.s2xx]).toEqual([1, 1, 0])
    // Its duration runs to the stall (the idle time after the head); its time to first byte is the
    // head. Compared with each other, not with this machine's clock (load only lengthens both).
    expect(quantile(durationOf(v2), 1) - quantile(v2.latency, 1)).toBeGreaterThanOrEqual(idle - 50)
    const stalled = (await promSamples(model, 'modelgate_responses_total')).find(
      (m) => m.labels.version === 'v2' && m.labels.class === 'stream_stalled',
    )
    expect(stalled?.value).toBe('1')
    const errors = (await promSamples(model, 'modelgate_errors_total')).find((m) => m.labels.version === 'v2')
    expect(errors?.value).toBe('1')
  })

  it('closes the client stream cleanly after a reset and counts a stream error', async () => {
    const model = uniqueModel('reset')
    await setupModel(model, { versions: { v1: `${inject('upstreamA')}/mode/reset-mid-stream-2` }, champion: 'v1' })
    const res = await infer(model, '/chat')
    expect(res.status).toBe(200)
    const { text } = await readToEnd(res)
    expect(text).toBe('data: {"i":0}\n\ndata: {"i":1}\n\n')
    await settle()
    const v1 = await versionAgg(model, 'v1')
    expect([v1.requests, v1.streamErrors, v1.s2xx, errorsOf(v1)]).toEqual([1, 1, 0, 1])
  })

  it('does not count a client that cancels mid-stream as an error', async () => {
    const model = uniqueModel('cancel')
    // One event, then silence until the idle timeout (30 s by default, as long as this test's own
    // timeout): the body can only end at the client's cancel, so its one measurement is the cancel's.
    await setupModel(model, { versions: { v1: `${inject('upstreamA')}/mode/stall-after-head` }, champion: 'v1' })
    const res = await infer(model, '/chat')
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    expect(dec.decode((await reader.read()).value)).toContain('"i":0')
    await reader.cancel()
    await settle()
    const v1 = await versionAgg(model, 'v1')
    expect([v1.requests, v1.s2xx, v1.streamStalls, errorsOf(v1)]).toEqual([1, 1, 0, 0])
    expect(durationOf(v1).count).toBe(1)
  })
})

describe('two latencies per answer', () => {
  it('records time to first byte and total duration, and serves both in the metrics API', async () => {
    const model = uniqueModel('ttfb')
    await setupModel(model, { versions: { v1: `${inject('upstreamA')}/mode/sse-3-200` }, champion: 'v1' })
    const res = await infer(model, '/chat')
    const ttfb = Number(/upstream;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1])
    await readToEnd(res)
    await settle()
    const v1 = await versionAgg(model, 'v1')
    expect(v1.latency.count).toBe(1)
    // The server-timing value, as before (to the histogram's 1% resolution).
    expect(Math.abs(quantile(v1.latency, 0.5) - ttfb)).toBeLessThanOrEqual(Math.max(5, ttfb / 100))
    expect(quantile(durationOf(v1), 0.5)).toBeGreaterThanOrEqual(390) // three events, 200 ms apart
    // The first byte came with the first event, the end ~400 ms later: compared with each other,
    // not with this machine's clock (load only lengthens both).
    expect(quantile(durationOf(v1), 0.5) - quantile(v1.latency, 0.5)).toBeGreaterThanOrEqual(350)
    await buildServices(env).scheduled(Date.now())
    const series = await adminOk('GET', `/models/${model}/metrics?from=-10m&step=600`)
    const point = series.series[0].points.find((p: any) => p.requests > 0)
    expect(point.duration_p50_ms).toBeGreaterThanOrEqual(390)
    expect(point.duration_p50_ms - point.p50_ms).toBeGreaterThanOrEqual(350)
    expect(point.duration_p99_ms).toBeGreaterThanOrEqual(point.duration_p50_ms)
    expect(series.measurements_dropped).toEqual({ records: 0, batches: 0 })
    const text = await (await admin('GET', '/metrics')).text()
    expect(text).toContain(`modelgate_upstream_duration_seconds_count{model="${model}",version="v1",arm="champion"} 1`)
  })
})

describe('the head timer starts once the request body has been sent', () => {
  /** A request body the client sends in `parts` pieces, `gapMs` apart. */
  function slowBody(parts: number, gapMs: number): ReadableStream<Uint8Array> {
    let i = 0
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (i === parts) return controller.close()
        await new Promise((r) => setTimeout(r, gapMs))
        controller.enqueue(new TextEncoder().encode(`${i++}`))
      },
    })
  }

  it('lets a slow upload of undeclared length take longer than timeout_ms', async () => {
    const model = uniqueModel('upload')
    await setupModel(model, { versions: { v1: { url: inject('upstreamA'), timeout_ms: 300 } }, champion: 'v1' })
    // Undeclared length: streamed through the gateway's own end-of-body signal.
    const chunked = await infer(model, '/predict', { method: 'POST', body: slowBody(8, 100), duplex: 'half' } as any)
    expect(chunked.status).toBe(200)
    expect(((await chunked.json()) as any).body).toBe('01234567')
    await settle()
  })

  it('lets a slow upload of declared length take longer than timeout_ms, and keeps the length', async () => {
    const model = uniqueModel('upload')
    await setupModel(model, { versions: { v1: { url: inject('upstreamA'), timeout_ms: 300 } }, champion: 'v1' })
    // Through the Worker's own entry (a service binding hop), so the gateway gets the body as it
    // comes from the network: a stream of declared length, not the test's transform stream.
    const fixed = new FixedLengthStream(8)
    void (async () => {
      const writer = fixed.writable.getWriter()
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 100))
        await writer.write(new TextEncoder().encode(`${i}`))
      }
      await writer.close()
    })()
    const request = new Request(`http://gateway.test/v1/models/${model}/predict`, {
      method: 'POST',
      body: fixed.readable,
      headers: { 'content-length': '8' },
    })
    const started = Date.now()
    const declared = await (exports as any).default.fetch(request)
    expect(declared.status).toBe(200)
    // The precondition, not a speed claim: the upload outlasted timeout_ms (load only lengthens it).
    expect(Date.now() - started).toBeGreaterThan(700)
    const echo = (await declared.json()) as any
    expect(echo.body).toBe('01234567')
    expect(echo.headers['content-length']).toBe('8')
    expect(echo.headers['transfer-encoding']).toBeUndefined()
  })

  it('still answers 504 when the backend is slow after the upload', async () => {
    const model = uniqueModel('slowhead')
    await setupModel(model, {
      versions: { v1: { url: `${inject('upstreamA')}/mode/sleep-2000`, timeout_ms: 200 } },
      champion: 'v1',
    })
    // The backend answers after 2 s: a 504 instead of its 200 is the head timer firing.
    const res = await infer(model, '/predict', { method: 'POST', body: slowBody(3, 100), duplex: 'half' } as any)
    expect(res.status).toBe(504)
    await res.arrayBuffer()
    await settle()
  })
})

describe('measurements lost before a shard are visible', () => {
  it('reports a dropped batch in the next batch that lands: Prometheus and the metrics API show it', async () => {
    const model = uniqueModel('lost')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    let down = true
    const recorder = new MeasurementRecorder({
      flushMs: 10,
      maxBatch: 100,
      ship: async (shard: string, batchId: string, batch: MeasurementBatch) => {
        if (down) throw new Error('shard unreachable')
        return shardByName(env.METRICS_SHARD, shard).ingest(batchId, batch)
      },
    })
    const request = (id: string) => ({
      type: 'request' as const,
      requestId: id,
      at: Date.now(),
      epoch: 1,
      version: 'v1',
      arm: 'champion' as const,
      segment: '' as const,
      status: 200,
      outcome: 'response' as const,
      latencyMs: 5,
      durationMs: 6,
      fallback: null,
    })
    const lost = recorder.add(model, 4, request('a'))!
    recorder.add(model, 4, request('b'))
    recorder.add(model, 4, request('c'))
    await expect(lost).rejects.toThrow('shard unreachable') // after every retry (~3 s)
    expect(await promSamples(model, 'modelgate_measurements_dropped_total')).toMatchObject([{ value: '0' }])
    down = false
    await recorder.add(model, 4, request('d'))
    expect(await promSamples(model, 'modelgate_measurements_dropped_total')).toMatchObject([{ value: '3' }])
    expect(await promSamples(model, 'modelgate_measurement_batches_dropped_total')).toMatchObject([{ value: '1' }])
    const series = await adminOk('GET', `/models/${model}/metrics?from=-10m&step=600`)
    expect(series.measurements_dropped).toEqual({ records: 3, batches: 1 })
  }, 15_000)
})

describe('the settings', () => {
  it('takes stream_idle_timeout_ms per backend (default 30000, 1..300000)', async () => {
    const model = uniqueModel('idle')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
    for (const bad of [0, 300_001, 1.5]) {
      const res = await admin('PUT', `/models/${model}/versions/v1`, {
        backend: { url: inject('upstreamA'), stream_idle_timeout_ms: bad },
      })
      expect(res.status).toBe(400)
      expect(JSON.stringify(await res.json())).toContain('stream_idle_timeout_ms')
    }
    const view = await adminOk('PUT', `/models/${model}/versions/v1`, { backend: { url: inject('upstreamA') } }, 201)
    expect(view.versions[0].backend).toMatchObject({ timeout_ms: 30_000, stream_idle_timeout_ms: 30_000 })
    const svc = await adminOk(
      'PUT',
      `/models/${model}/versions/v2`,
      { backend: { service: 'MODEL_SVC', stream_idle_timeout_ms: 120_000 } },
      201,
    )
    expect(svc.versions.find((v: any) => v.name === 'v2').backend.stream_idle_timeout_ms).toBe(120_000)
  })

  it('takes latency_measure ttfb or duration (default ttfb) and records it in the audit log', async () => {
    const model = uniqueModel('measure')
    const bad = await admin('PUT', `/models/${model}`, { risk: 'low', latency_measure: 'p99' })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(await bad.json())).toContain('latency_measure')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
    await adminOk('PUT', `/models/${model}`, { risk: 'low', latency_measure: 'duration' })
    const [last, first] = (await adminOk('GET', `/audit?model=${model}&order=desc&limit=2`)).entries
    expect(first.after.latency_measure).toBe('ttfb')
    expect(last.after.latency_measure).toBe('duration')
  })
})
