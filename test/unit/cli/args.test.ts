import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { list, parseCommandLine, resolveConnection, type Parsed } from '../../../src/cli/args'
import { findCommand } from '../../../src/cli/commands'
import { buildStartBody, rolloutStartCommand } from '../../../src/cli/commands/rollout-start'
import { UsageError } from '../../../src/cli/exit'
import { fakeIo } from './fake-io'

const dir = mkdtempSync(path.join(os.tmpdir(), 'modelgate-cli-args-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function parse(argv: string[]): Parsed {
  return parseCommandLine(rolloutStartCommand, argv)
}

describe('command lookup', () => {
  it('prefers two-word commands and leaves the rest for the parser', () => {
    expect(findCommand(['rollout', 'start', 'credit'])).toMatchObject({
      spec: { name: 'rollout start' },
      rest: ['credit'],
    })
    expect(findCommand(['audit', 'verify'])).toMatchObject({ spec: { name: 'audit verify' }, rest: [] })
    expect(findCommand(['audit', 'credit', '--limit', '5'])).toMatchObject({
      spec: { name: 'audit' },
      rest: ['credit', '--limit', '5'],
    })
    expect(findCommand(['rollout'])).toBeNull()
    expect(findCommand(['frobnicate'])).toBeNull()
  })
})

describe('parseCommandLine', () => {
  it('reads positionals, command options and global options', () => {
    const p = parse(['credit', '--challenger', 'v2', '--strategy', 'canary', '--json', '--url', 'http://x:1'])
    expect(p.positionals).toEqual(['credit'])
    expect(p.values).toMatchObject({ challenger: 'v2', strategy: ['canary'], json: true, url: 'http://x:1' })
  })

  it('takes a plan as repeated or comma-separated --strategy', () => {
    expect(list(parse(['m', '--strategy', 'shadow', '--strategy', 'canary']), 'strategy')).toEqual(['shadow', 'canary'])
    expect(list(parse(['m', '--strategy', 'shadow, canary']), 'strategy')).toEqual(['shadow', 'canary'])
  })

  it('turns bad command lines into usage errors that name the command', () => {
    const err = (argv: string[]) => {
      try {
        parse(argv)
      } catch (e) {
        return e
      }
      return null
    }
    expect(err([])).toBeInstanceOf(UsageError)
    expect((err([]) as UsageError).message).toBe('missing <model>')
    expect((err(['m', '--bogus']) as UsageError).message).toBe('unknown option --bogus')
    expect((err(['m', 'extra']) as UsageError).message).toBe('unexpected argument "extra"')
    expect((err(['m', '--challenger']) as UsageError).message).toMatch(/--challenger/)
    expect((err(['m', '--bogus']) as UsageError).command).toBe('rollout start')
  })

  it('lets --help through without the required arguments', () => {
    expect(parse(['--help']).values.help).toBe(true)
  })
})

describe('rollout start body', () => {
  it('maps flags onto StartRolloutInput, durations in seconds', () => {
    const body = buildStartBody(
      parse([
        'credit',
        '--challenger',
        'v2',
        '--strategy',
        'shadow,canary',
        '--stages',
        '5,25,50,100',
        '--stage-min',
        '5m',
        '--shadow-min',
        '90s',
        '--watch',
        '1h',
        '--shadow-rate',
        '0.5',
        '--shadow-samples',
        '200',
        '--waive-evaluation',
        '--reason',
        'demo',
      ]),
      dir,
    )
    expect(body).toEqual({
      challenger: 'v2',
      strategy: ['shadow', 'canary'],
      stages: [5, 25, 50, 100],
      durations: { stage_min_s: 300, shadow_min_s: 90, watch_s: 3600 },
      shadow: { sample_rate: 0.5, min_samples: 200 },
      waive_evaluation: true,
      reason: 'demo',
    })
  })

  it('sends one strategy as a string and reads JSON documents from files', () => {
    writeFileSync(
      path.join(dir, 'report.json'),
      JSON.stringify({
        quality: { metric: 'auc', challenger: 0.81, champion: 0.8, threshold: 0.75 },
        latency: { p99_ms: 40 },
      }),
    )
    writeFileSync(path.join(dir, 'gates.json'), JSON.stringify({ canary: { min_sample: 100 } }))
    writeFileSync(
      path.join(dir, 'base.json'),
      JSON.stringify({
        challenger: 'v3',
        strategy: 'feature_flag',
        cohort: { when: { header: 'x-tier', equals: 'beta' } },
        durations: { watch_s: 60 },
      }),
    )
    const body = buildStartBody(
      parse([
        'm',
        '--challenger',
        'v2',
        '--strategy',
        'canary',
        '--evaluation',
        'report.json',
        '--gates',
        'gates.json',
      ]),
      dir,
    )
    expect(body.strategy).toBe('canary')
    expect(body.evaluation).toMatchObject({ quality: { metric: 'auc' } })
    expect(body.gates).toEqual({ canary: { min_sample: 100 } })
    // A base body supplies what has no flag; flags win where both speak.
    const merged = buildStartBody(parse(['m', '--body', 'base.json', '--stage-min', '60s']), dir)
    expect(merged).toMatchObject({
      challenger: 'v3',
      strategy: 'feature_flag',
      cohort: { when: { header: 'x-tier' } },
      durations: { watch_s: 60, stage_min_s: 60 },
    })
  })

  it('refuses missing or bad values before calling the API', () => {
    expect(() => buildStartBody(parse(['m', '--strategy', 'canary']), dir)).toThrow(/--challenger is required/)
    expect(() => buildStartBody(parse(['m', '--challenger', 'v2']), dir)).toThrow(/--strategy is required/)
    expect(() => buildStartBody(parse(['m', '--challenger', 'v2', '--strategy', 'yolo']), dir)).toThrow(
      /"yolo" is not one of shadow, canary, blue_green, feature_flag/,
    )
    expect(() =>
      buildStartBody(parse(['m', '--challenger', 'v2', '--strategy', 'canary', '--stages', '5,abc']), dir),
    ).toThrow(/--stages/)
    expect(() =>
      buildStartBody(parse(['m', '--challenger', 'v2', '--strategy', 'canary', '--evaluation', 'missing.json']), dir),
    ).toThrow(/cannot read missing.json: ENOENT/)
    writeFileSync(path.join(dir, 'bad.json'), '{ nope')
    expect(() =>
      buildStartBody(parse(['m', '--challenger', 'v2', '--strategy', 'canary', '--gates', 'bad.json']), dir),
    ).toThrow(/bad.json is not JSON/)
  })
})

describe('connection settings', () => {
  const p = (values: Parsed['values']): Parsed => ({ positionals: [], values })

  it('takes flags over environment over the default URL', () => {
    const io = fakeIo({
      env: { MODELGATE_URL: 'https://gw.example.com/', MODELGATE_TOKEN: 'env-token', MODELGATE_ACTOR: 'bob' },
    })
    expect(resolveConnection(p({}), io)).toEqual({
      url: 'https://gw.example.com',
      token: 'env-token',
      tokenSource: 'MODELGATE_TOKEN',
      actor: 'bob',
      local: false,
    })
    expect(resolveConnection(p({ url: 'http://localhost:9000', token: 'flag', actor: 'alice' }), io)).toMatchObject({
      url: 'http://localhost:9000',
      token: 'flag',
      tokenSource: '--token',
      actor: 'alice',
      local: true,
    })
    const bare = { ...fakeIo(), env: {} }
    expect(resolveConnection(p({}), bare)).toMatchObject({ url: 'http://127.0.0.1:8787', token: null, local: true })
  })

  it('uses the approver token for approvals, and .dev.vars for a local gateway', () => {
    writeFileSync(path.join(dir, '.dev.vars'), '# comment\nADMIN_TOKEN=dev-admin\nAPPROVER_TOKEN="dev-approver"\n')
    const local = { ...fakeIo({ cwd: dir }), env: {} }
    expect(resolveConnection(p({}), local)).toMatchObject({ token: 'dev-admin', tokenSource: '.dev.vars' })
    expect(resolveConnection(p({}), local, 'approver')).toMatchObject({
      token: 'dev-approver',
      tokenSource: '.dev.vars',
    })
    const remote = {
      ...fakeIo({ cwd: dir }),
      env: { MODELGATE_URL: 'https://gw.example.com', MODELGATE_TOKEN: 'op', MODELGATE_APPROVER_TOKEN: 'ap' },
    }
    expect(resolveConnection(p({}), remote, 'approver')).toMatchObject({
      token: 'ap',
      tokenSource: 'MODELGATE_APPROVER_TOKEN',
    })
    // .dev.vars is never read for a remote gateway.
    const remoteNoToken = { ...fakeIo({ cwd: dir }), env: { MODELGATE_URL: 'https://gw.example.com' } }
    expect(resolveConnection(p({}), remoteNoToken).token).toBeNull()
  })

  it('refuses a malformed URL or actor (the gateway would silently drop the actor)', () => {
    expect(() => resolveConnection(p({ url: 'not a url' }), fakeIo())).toThrow(UsageError)
    expect(() => resolveConnection(p({ url: 'ftp://x' }), fakeIo())).toThrow(/http or https/)
    expect(() => resolveConnection(p({ actor: 'Alice Smith' }), fakeIo())).toThrow(/--actor/)
  })
})

describe('rollout start --stage-min auto', () => {
  it('asks for stages planned by power, and refuses fixed lengths beside it', () => {
    const start = ['m', '--challenger', 'v2', '--strategy', 'canary', '--stage-min', 'auto']
    expect(buildStartBody(parse(start), dir).durations).toBe('auto')
    expect(() => buildStartBody(parse([...start, '--watch', '1h']), dir)).toThrow(/need fixed durations, not "auto"/)
  })
})
