/**
 * The Swagger UI files served at /admin/docs are vendored into src/ui/vendor/swagger-ui-dist.json
 * because the Worker must serve them itself (no CDN) and a JSON import is the one asset form that
 * the wrangler bundle, the vitest workers pool and the Miniflare live gateway all inline. This test
 * keeps that copy identical to the installed swagger-ui-dist; after upgrading the package run
 *   UPDATE_SWAGGER_UI=1 npx vitest run --project unit test/unit/ui/swagger-vendor.test.ts
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '..', '..', '..')
const dist = path.join(root, 'node_modules', 'swagger-ui-dist')
const target = path.join(root, 'src', 'ui', 'vendor', 'swagger-ui-dist.json')

const FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js.LICENSE.txt': 'text/plain; charset=utf-8',
  LICENSE: 'text/plain; charset=utf-8',
  NOTICE: 'text/plain; charset=utf-8',
}

/** The source maps are not served: drop the comments that would make browsers ask for them. */
function stripSourceMap(text: string): string {
  return text
    .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
    .replace(/\n?\/\*# sourceMappingURL=\S+ ?\*\/\s*$/, '\n')
}

function expected() {
  const pkg = JSON.parse(readFileSync(path.join(dist, 'package.json'), 'utf8')) as { version: string }
  const files: Record<string, { type: string; sha256: string; body: string }> = {}
  for (const [name, type] of Object.entries(FILES)) {
    const body = stripSourceMap(readFileSync(path.join(dist, name), 'utf8'))
    files[name] = { type, sha256: createHash('sha256').update(body).digest('hex'), body }
  }
  return {
    package: 'swagger-ui-dist',
    version: pkg.version,
    generated_by: 'test/unit/ui/swagger-vendor.test.ts (UPDATE_SWAGGER_UI=1 to regenerate); do not edit',
    files,
  }
}

describe('vendored Swagger UI', () => {
  it('matches the installed swagger-ui-dist, file for file', () => {
    const want = expected()
    if (process.env.UPDATE_SWAGGER_UI) writeFileSync(target, `${JSON.stringify(want, null, 1)}\n`)
    const have = JSON.parse(readFileSync(target, 'utf8')) as ReturnType<typeof expected>
    expect(have.version, 'swagger-ui-dist was upgraded: regenerate the vendored copy (see the top of this file)').toBe(
      want.version,
    )
    for (const [name, file] of Object.entries(want.files)) {
      expect(have.files[name]?.sha256, `${name} differs from node_modules/swagger-ui-dist`).toBe(file.sha256)
      expect(
        createHash('sha256')
          .update(have.files[name]?.body ?? '')
          .digest('hex'),
        `${name}: body does not match its sha256`,
      ).toBe(file.sha256)
    }
    expect(Object.keys(have.files).sort()).toEqual(Object.keys(FILES).sort())
  })

  it('serves no source-map references and keeps the license pointer', () => {
    const have = JSON.parse(readFileSync(target, 'utf8')) as ReturnType<typeof expected>
    expect(have.files['swagger-ui-bundle.js']?.body).not.toMatch(/sourceMappingURL/)
    expect(have.files['swagger-ui.css']?.body).not.toMatch(/sourceMappingURL/)
    expect(have.files['swagger-ui-bundle.js']?.body.slice(0, 100)).toMatch(/swagger-ui-bundle\.js\.LICENSE\.txt/)
  })
})
