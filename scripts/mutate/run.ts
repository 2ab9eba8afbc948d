/**
 * npm run mutate [-- folder ...] [--concurrency n]: mutation testing of src/core, one folder at a time (default: every
 * folder, then the files directly in src/core as "(root)"), each against its own unit tests
 * (test/unit/core/<folder>), then the score per folder (scripts/mutate/scores.ts).
 *
 * One Stryker run per folder keeps each run's initial test run small, lets a folder's results be
 * reused by the next run (incremental file per folder), and keeps one folder's red test, while
 * someone is mid-edit, from blocking the others. Reports: reports/mutation/<folder>.json.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../..')
const core = path.join(root, 'src/core')
const all = [
  ...readdirSync(core, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(),
  '(root)',
]
// `--concurrency <n>` (and any other `--flag value` pair) goes to every Stryker run.
const args = process.argv.slice(2)
const flags = args.flatMap((a, i) => (a.startsWith('--') ? [a, args[i + 1] ?? ''] : []))
const named = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')))
const folders = named.length > 0 ? named : all
const unknown = folders.filter((f) => !all.includes(f))
if (unknown.length > 0) {
  console.error(`unknown folder(s) of src/core: ${unknown.join(', ')} (known: ${all.join(', ')})`)
  process.exit(2)
}

const report = (f: string) => `reports/mutation/${f === '(root)' ? 'root' : f}.json`
const failed: string[] = []
for (const folder of folders) {
  const [mutate, tests] =
    folder === '(root)'
      ? ['src/core/*.ts', 'test/unit/core/*.test.ts']
      : [`src/core/${folder}/**/*.ts`, `test/unit/core/${folder}/**/*.test.ts`]
  console.log(`\n== src/core/${folder === '(root)' ? '' : folder}: ${mutate} against ${tests}`)
  const run = spawnSync(
    'npx',
    [
      'stryker',
      'run',
      '--mutate',
      mutate,
      '--testFiles',
      tests,
      '--incrementalFile',
      `reports/mutation/incremental-${folder === '(root)' ? 'root' : folder}.json`,
      ...flags,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, MUTATE_REPORT: report(folder) } },
  )
  if (run.status !== 0) failed.push(folder)
}

const reports = all.map(report).filter((r) => existsSync(path.join(root, r)))
spawnSync('npx', ['tsx', 'scripts/mutate/scores.ts', ...reports], { cwd: root, stdio: 'inherit' })
if (failed.length > 0) {
  console.error(
    `\nStryker failed for: ${failed.join(', ')} (see its output above); scores above are from earlier runs.`,
  )
  process.exit(1)
}
