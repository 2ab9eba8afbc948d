#!/usr/bin/env node
// `npx modelgate …`: runs the TypeScript CLI (src/cli/main.ts) with no build step.
//
// tsx's loader costs about a second per start (a hooks thread plus per-file transforms), which an
// operator feels on every command. So the first run bundles src/cli with esbuild (tsx's own
// dependency, resolved through tsx) into node_modules/.cache/modelgate-cli/, and later runs import
// that bundle directly; it is rebuilt when any source file it was made from changes. If esbuild
// cannot be loaded or the cache cannot be written, the CLI runs through tsx instead.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const entry = path.join(root, 'src', 'cli', 'main.ts')
const cacheDir = path.join(root, 'node_modules', '.cache', 'modelgate-cli')
const bundle = path.join(cacheDir, 'cli.mjs')
const STAMP = '// modelgate-cli inputs: '

/** The bundle's first line lists its inputs with their mtimes; fresh if none changed. */
function isFresh() {
  try {
    const first = readFileSync(bundle, 'utf8').split('\n', 1)[0]
    if (!first.startsWith(STAMP)) return false
    const inputs = JSON.parse(first.slice(STAMP.length))
    return inputs.length > 0 && inputs.every(([file, mtime]) => statSync(path.join(root, file)).mtimeMs === mtime)
  } catch {
    return false
  }
}

async function build() {
  const require = createRequire(import.meta.url)
  const esbuild = createRequire(require.resolve('tsx'))('esbuild')
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const inputs = Object.keys(result.metafile.inputs).map((file) => [file, statSync(path.join(root, file)).mtimeMs])
  mkdirSync(cacheDir, { recursive: true })
  // Write then rename: a concurrent run sees the old bundle or the new one, never half of one.
  const tmp = `${bundle}.${process.pid}.tmp`
  writeFileSync(tmp, `${STAMP}${JSON.stringify(inputs)}\n${result.outputFiles[0].text}`)
  renameSync(tmp, bundle)
}

async function load() {
  if (process.env.MODELGATE_CLI_NO_BUNDLE !== '1') {
    try {
      if (!isFresh()) await build()
      return await import(pathToFileURL(bundle).href)
    } catch {
      // fall through to tsx
    }
  }
  const { register } = await import('tsx/esm/api')
  register()
  return import(pathToFileURL(entry).href)
}

const { main } = await load()
process.exitCode = await main(process.argv.slice(2))
