import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureDevVars, parseDevVars } from '../../../scripts/lib/dev-vars'

const EXAMPLE = readFileSync(path.resolve(import.meta.dirname, '../../../.dev.vars.example'), 'utf8')

describe('.dev.vars for npm start', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'devvars-'))
    writeFileSync(path.join(dir, '.dev.vars.example'), EXAMPLE)
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('creates it from the example: local development, with a reporter token', () => {
    const r = ensureDevVars(dir)
    expect(r.created).toBe(true)
    expect(r.vars).toMatchObject({ MODELGATE_ENV: 'development', REPORTER_TOKENS: 'dev-reporter-token-change-me' })
    expect(r.vars).toEqual(parseDevVars(EXAMPLE))
  })

  it('adds to an older one what it lacks, keeping what the developer set', () => {
    const older = '# mine\nADMIN_TOKEN=my-own-admin-token\nAPPROVER_TOKEN=dev-approver-token-change-me\n'
    writeFileSync(path.join(dir, '.dev.vars'), older)
    const r = ensureDevVars(dir)
    expect(r.created).toBe(false)
    expect(r.added).toEqual(expect.arrayContaining(['MODELGATE_ENV', 'REPORTER_TOKENS']))
    expect(r.added).not.toContain('ADMIN_TOKEN')
    expect(r.vars).toMatchObject({
      ADMIN_TOKEN: 'my-own-admin-token',
      MODELGATE_ENV: 'development',
      REPORTER_TOKENS: 'dev-reporter-token-change-me',
    })
    expect(readFileSync(path.join(dir, '.dev.vars'), 'utf8').startsWith(older)).toBe(true)
    // Once complete, nothing more is added.
    expect(ensureDevVars(dir).added).toEqual([])
  })
})
