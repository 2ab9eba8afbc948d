/**
 * The Swagger UI files that /admin/docs loads are vendored, unchanged, into
 * public/admin/docs/assets/swagger-ui/, which Workers Static Assets serves (see [assets] in
 * wrangler.toml). They are committed rather than copied by a build step so that a fresh clone works
 * with any entry point (`npm test`, `npx vitest`, `npm start`, `wrangler dev`, `wrangler deploy`).
 * This test keeps them byte-identical to the swagger-ui-dist that package.json pins; it only reads.
 * After upgrading the package (`npm install -D -E swagger-ui-dist@<version>`), refresh the copy:
 *   for f in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css; do
 *     cp node_modules/swagger-ui-dist/$f public/admin/docs/assets/swagger-ui/$f; done
 *   cp node_modules/swagger-ui-dist/LICENSE public/admin/docs/assets/swagger-ui/LICENSE.txt
 *   cp node_modules/swagger-ui-dist/NOTICE public/admin/docs/assets/swagger-ui/NOTICE.txt
 */
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOCS_ASSETS } from '../../../src/http/routes/admin/docs'

const root = path.resolve(import.meta.dirname, '..', '..', '..')
const dist = path.join(root, 'node_modules', 'swagger-ui-dist')
const vendored = path.join(root, 'public', 'admin', 'docs', 'assets', 'swagger-ui')

/**
 * Vendored file → its file in swagger-ui-dist. The license files get a .txt extension so that they
 * are served as text/plain (the platform types files by extension).
 */
const FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'swagger-ui-bundle.js',
  'swagger-ui-bundle.js.LICENSE.txt': 'swagger-ui-bundle.js.LICENSE.txt',
  'swagger-ui.css': 'swagger-ui.css',
  'LICENSE.txt': 'LICENSE',
  'NOTICE.txt': 'NOTICE',
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

describe('vendored Swagger UI', () => {
  it('comes from the swagger-ui-dist version package.json pins', () => {
    const pinned = (
      JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>
      }
    ).devDependencies['swagger-ui-dist']
    const installed = (JSON.parse(readFileSync(path.join(dist, 'package.json'), 'utf8')) as { version: string }).version
    expect(pinned, 'pin swagger-ui-dist to an exact version').toMatch(/^\d+\.\d+\.\d+$/)
    expect(installed, 'node_modules/swagger-ui-dist is not the pinned version: run npm install').toBe(pinned)
  })

  it('is byte-identical to node_modules/swagger-ui-dist, file for file, with nothing else in the folder', () => {
    expect(readdirSync(vendored).sort()).toEqual(Object.keys(FILES).sort())
    for (const [name, source] of Object.entries(FILES)) {
      expect(
        sha256(path.join(vendored, name)),
        `public/admin/docs/assets/swagger-ui/${name} differs from node_modules/swagger-ui-dist/${source}: ` +
          'refresh the copy (see the top of this file)',
      ).toBe(sha256(path.join(dist, source)))
    }
  })

  it('is what the docs page loads, and the bundle points at its license file next to it', () => {
    expect(path.join(root, 'public', DOCS_ASSETS.swaggerScript)).toBe(path.join(vendored, 'swagger-ui-bundle.js'))
    expect(path.join(root, 'public', DOCS_ASSETS.swaggerStyles)).toBe(path.join(vendored, 'swagger-ui.css'))
    const head = readFileSync(path.join(vendored, 'swagger-ui-bundle.js'), 'utf8').slice(0, 100)
    expect(head).toMatch(/swagger-ui-bundle\.js\.LICENSE\.txt/)
  })
})
