/**
 * The served OpenAPI document against the tools that consume it (README, "Admin API"): Redocly's
 * linter with its recommended ruleset (the CLI from npm, as `npx @redocly/cli lint` runs it) at
 * zero errors and zero warnings, @apidevtools/swagger-parser's validation, and a client generated
 * with openapi-typescript + openapi-fetch that the TypeScript compiler accepts (strict) and that
 * registers a model on a live gateway and reads it back, then lists models and starts a rollout.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import SwaggerParser from '@apidevtools/swagger-parser'
import openapiTS, { astToString } from 'openapi-typescript'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLiveGateway, type LiveGateway } from '../../../scripts/lib/live-gateway'
import { PHASES } from '../../../src/core/rollout/types'
import { startUpstream, type UpstreamServer } from '../../support/upstream-server'

const root = path.resolve(import.meta.dirname, '..', '..', '..')
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

let gw: LiveGateway
let upstream: UpstreamServer
let work: string
let doc: any

beforeAll(async () => {
  gw = await startLiveGateway({ staticAssets: false })
  // The versions' backends (the live gateway allows egress to 127.0.0.1).
  upstream = await startUpstream('typed-client-backend')
  // Under the repository (ignored by git, ESLint and Prettier), so that the generated client
  // resolves openapi-fetch from its node_modules, as it would in a user's project.
  mkdirSync(path.join(root, '.wrangler', 'tmp'), { recursive: true })
  work = mkdtempSync(path.join(root, '.wrangler', 'tmp', 'openapi-client-'))
  const res = await fetch(`${gw.url}/admin/openapi.json`)
  expect(res.status).toBe(200)
  doc = await res.json()
}, 60_000)

afterAll(async () => {
  await gw?.close()
  await upstream?.close()
  if (work) rmSync(work, { recursive: true, force: true })
})

interface Operation {
  key: string
  op: any
}

function operations(): Operation[] {
  return Object.entries<Record<string, unknown>>(doc.paths).flatMap(([p, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => ({ key: `${m.toUpperCase()} ${p}`, op: item[m] })),
  )
}

interface LintProblem {
  ruleId: string
  severity: string
  message: string
  location?: { pointer?: string }[]
}

describe('GET /admin/openapi.json', () => {
  it('passes `redocly lint` with the recommended ruleset: 0 errors, 0 warnings', async () => {
    const file = path.join(work, 'openapi.json')
    writeFileSync(file, JSON.stringify(doc))
    const cli = path.join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js')
    // The exit code is 1 on errors; the JSON report on stdout says what was found either way.
    const out = await promisify(execFile)(
      process.execPath,
      [cli, 'lint', file, '--extends=recommended', '--format=json'],
      {
        cwd: work, // no redocly.yaml up the tree can change the ruleset
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }))
    const report = JSON.parse(out.stdout) as { totals: { errors: number; warnings: number }; problems: LintProblem[] }
    const found = report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location?.[0]?.pointer}: ${p.message}`)
    expect(found).toEqual([])
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 })
  }, 30_000)

  it('is valid OpenAPI 3.1.0 for @apidevtools/swagger-parser', async () => {
    const api = (await SwaggerParser.validate(structuredClone(doc))) as { openapi: string; paths: object }
    expect(api.openapi).toBe('3.1.0')
    expect(Object.keys(api.paths).length).toBeGreaterThanOrEqual(30)
  })

  it('gives every operation a unique camelCase operationId, a summary, its security and a 4xx problem', () => {
    const ids = new Map<string, string>()
    const bad: string[] = []
    for (const { key, op } of operations()) {
      if (typeof op.operationId !== 'string' || !/^[a-z][a-zA-Z0-9]*$/.test(op.operationId))
        bad.push(`${key}: operationId ${op.operationId}`)
      else if (ids.has(op.operationId))
        bad.push(`${key}: operationId ${op.operationId} also on ${ids.get(op.operationId)}`)
      else ids.set(op.operationId, key)
      if (typeof op.summary !== 'string' || op.summary === '') bad.push(`${key}: no summary`)
      if (!Array.isArray(op.security)) bad.push(`${key}: no security`)
      const clientErrors = Object.entries<{ content?: object }>(op.responses).filter(([s]) => /^4/.test(s))
      if (!clientErrors.some(([, r]) => r.content && 'application/problem+json' in r.content))
        bad.push(`${key}: no 4xx problem`)
    }
    expect(bad).toEqual([])
    // The names the README and generated clients use stay where they are.
    expect(ids.get('listModels')).toBe('GET /admin/models')
    expect(ids.get('getModel')).toBe('GET /admin/models/{model}')
    expect(ids.get('startRollout')).toBe('POST /admin/models/{model}/rollouts')
    expect(ids.get('approveRollout')).toBe('POST /admin/rollouts/{id}/approve')
    expect(ids.get('getHealth')).toBe('GET /healthz')
    expect(doc.paths['/healthz'].get.security).toEqual([])
  })

  it('declares servers, a license and a described tag for every tag an operation uses', () => {
    expect(doc.servers.map((s: { url: string }) => s.url)).toEqual(
      expect.arrayContaining(['/', 'http://127.0.0.1:8787', expect.stringMatching(/^https:\/\//)]),
    )
    expect(doc.info.license.name).toBeTruthy()
    const described = new Map<string, string>(
      doc.tags.map((t: { name: string; description: string }) => [t.name, t.description]),
    )
    for (const { key, op } of operations())
      for (const tag of op.tags as string[]) expect(described.get(tag), `${key} tag ${tag}`).toBeTruthy()
  })
})

describe('a client generated from the document', () => {
  it('type-checks (strict), registers a model and reads it back, lists models and starts a rollout', async () => {
    // defaultNonNullable: false keeps fields with a default optional in request bodies (as the
    // document says); the README's command line passes the same option.
    writeFileSync(path.join(work, 'api.d.ts'), astToString(await openapiTS(doc, { defaultNonNullable: false })))
    writeFileSync(path.join(work, 'client.ts'), CLIENT)
    writeFileSync(path.join(work, 'wrong.ts'), WRONG)
    const program = ts.createProgram([path.join(work, 'client.ts'), path.join(work, 'wrong.ts')], {
      strict: true,
      noEmit: true,
      noUncheckedIndexedAccess: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      types: [],
      skipLibCheck: true,
    })
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ({
      file: path.basename(d.file?.fileName ?? ''),
      text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }))
    expect(diagnostics.filter((d) => d.file !== 'wrong.ts')).toEqual([])
    // The types are real: an unknown risk tier and an unknown path are refused.
    expect(diagnostics.filter((d) => d.file === 'wrong.ts').length).toBeGreaterThanOrEqual(2)

    const client = (await import(/* @vite-ignore */ path.join(work, 'client.ts'))) as {
      registerAndRead(baseUrl: string, token: string, model: string): Promise<Record<string, unknown>>
      rollOut(baseUrl: string, token: string, model: string, backend: string): Promise<Record<string, unknown>>
    }
    const model = `typed-client-${Date.now().toString(36)}`
    expect(await client.registerAndRead(gw.url, gw.adminToken, model)).toEqual({
      created: 201,
      registered: 201,
      risk: 'low',
      versions: ['v1'],
      listed: true,
      missing: { status: 404, code: 'model_not_found' },
      anonymous: 401,
    })

    const rolled = `typed-rollout-${Date.now().toString(36)}`
    const out = await client.rollOut(gw.url, gw.adminToken, rolled, upstream.url)
    expect(out).toEqual({
      versions: [201, 201],
      champion: { status: 200, version: 'v1' },
      listed: { name: rolled, champion: 'v1' },
      started: { status: 201, id: out.id, phase: expect.any(String), champion: 'v1', challenger: 'v2' },
      id: expect.stringMatching(new RegExp(`^ro_[^~]+~${rolled}$`)),
      read: { status: 200, id: out.id, model: rolled, phase: expect.any(String), challenger: 'v2' },
    })
    const { started, read } = out as Record<'started' | 'read', { phase: string }>
    expect(PHASES).toContain(started.phase)
    expect(PHASES).toContain(read.phase)
  }, 30_000)
})

/** Calls the gateway through openapi-fetch typed by the generated `paths`. */
const CLIENT = `import createClient from 'openapi-fetch'
import type { paths } from './api'

export async function registerAndRead(baseUrl: string, token: string, model: string) {
  const client = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${token}\` } })
  const created = await client.PUT('/admin/models/{model}', { params: { path: { model } }, body: { risk: 'low' } })
  if (created.error) throw new Error(created.error.detail)
  const registered = await client.PUT('/admin/models/{model}/versions/{version}', {
    params: { path: { model, version: 'v1' } },
    body: { backend: { url: 'http://127.0.0.1:9/' } },
  })
  const read = await client.GET('/admin/models/{model}', { params: { path: { model } } })
  if (read.error) throw new Error(read.error.detail)
  const list = await client.GET('/admin/models')
  const missing = await client.GET('/admin/models/{model}', { params: { path: { model: model + '-missing' } } })
  const anonymous = await createClient<paths>({ baseUrl }).GET('/admin/models')
  return {
    created: created.response.status,
    registered: registered.response.status,
    risk: read.data.model.risk,
    versions: read.data.versions.map((v) => v.name),
    listed: (list.data?.models ?? []).some((m) => m.name === model),
    missing: { status: missing.response.status, code: missing.error?.code },
    anonymous: anonymous.response.status,
  }
}

/** Two versions on live backends, a champion, the model list, a canary and the rollout read back. */
export async function rollOut(baseUrl: string, token: string, model: string, backend: string) {
  const client = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${token}\` } })
  const created = await client.PUT('/admin/models/{model}', { params: { path: { model } }, body: { risk: 'low' } })
  if (created.error) throw new Error(created.error.detail)
  const versions: number[] = []
  for (const version of ['v1', 'v2']) {
    const put = await client.PUT('/admin/models/{model}/versions/{version}', {
      params: { path: { model, version } },
      body: { backend: { url: \`\${backend}/\${version}\` } },
    })
    if (put.error) throw new Error(put.error.detail)
    versions.push(put.response.status)
  }
  const champion = await client.POST('/admin/models/{model}/champion', {
    params: { path: { model } },
    body: { version: 'v1' },
  })
  if (champion.error) throw new Error(champion.error.detail)
  const list = await client.GET('/admin/models')
  if (list.error) throw new Error(list.error.detail)
  const item = list.data.models.find((m) => m.name === model)
  const started = await client.POST('/admin/models/{model}/rollouts', {
    params: { path: { model } },
    body: { challenger: 'v2', strategy: 'canary', waive_evaluation: true },
  })
  if (started.error) throw new Error(started.error.detail)
  const read = await client.GET('/admin/rollouts/{id}', { params: { path: { id: started.data.id } } })
  if (read.error) throw new Error(read.error.detail)
  return {
    versions,
    champion: {
      status: champion.response.status,
      version: 'champion' in champion.data ? champion.data.champion : null,
    },
    listed: item && { name: item.name, champion: item.champion },
    started: {
      status: started.response.status,
      id: started.data.id,
      phase: started.data.phase,
      champion: started.data.champion,
      challenger: started.data.challenger,
    },
    id: started.data.id,
    read: {
      status: read.response.status,
      id: read.data.id,
      model: read.data.model,
      phase: read.data.phase,
      challenger: read.data.challenger,
    },
  }
}
`

/** Calls the types must refuse. */
const WRONG = `import createClient from 'openapi-fetch'
import type { paths } from './api'

const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:8787' })
export const risk = client.PUT('/admin/models/{model}', { params: { path: { model: 'm' } }, body: { risk: 'extreme' } })
export const path = client.GET('/admin/no-such-path')
`
