/**
 * Prints the mutation score of each folder of src/core from Stryker's JSON report(s)
 * (mutation-testing-report-schema), and with --survivors the mutants that no test killed.
 *
 *   npx tsx scripts/mutate/scores.ts [report.json ...] [--survivors [folder]]
 *
 * Default report: reports/mutation/mutation.json (stryker.config.mjs). Given several reports (one
 * per folder run), a file's mutants come from the last report that holds the file.
 * Score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker counts it;
 * compile and runtime errors and ignored mutants are left out of both sides.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'

interface Mutant {
  mutatorName: string
  replacement?: string
  status: string
  location: { start: { line: number; column: number } }
}
interface Report {
  files: Record<string, { mutants: Mutant[] }>
}

const root = path.resolve(import.meta.dirname, '../..')
const args = process.argv.slice(2)
const survivorsAt = args.indexOf('--survivors')
const survivorsOf = survivorsAt >= 0 ? (args[survivorsAt + 1] ?? '') : undefined
const reports = args.filter((a, i) => a !== '--survivors' && !(survivorsAt >= 0 && i === survivorsAt + 1))
if (reports.length === 0) reports.push('reports/mutation/mutation.json')

const files = new Map<string, Mutant[]>()
for (const r of reports) {
  const report = JSON.parse(readFileSync(path.resolve(root, r), 'utf8')) as Report
  for (const [file, { mutants }] of Object.entries(report.files)) {
    files.set(path.relative(root, path.resolve(root, file)), mutants)
  }
}

/** src/core/gates/evaluate.ts → gates; files directly in src/core → (root). */
function folderOf(file: string): string {
  const rel = path.relative('src/core', file).split(path.sep)
  return rel.length > 1 ? rel[0]! : '(root)'
}

interface Tally {
  killed: number
  timeout: number
  survived: number
  noCoverage: number
  other: number
}
const tallies = new Map<string, Tally>()
for (const [file, mutants] of files) {
  const folder = folderOf(file)
  const t = tallies.get(folder) ?? { killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 0 }
  for (const m of mutants) {
    if (m.status === 'Killed') t.killed++
    else if (m.status === 'Timeout') t.timeout++
    else if (m.status === 'Survived') t.survived++
    else if (m.status === 'NoCoverage') t.noCoverage++
    else t.other++
  }
  tallies.set(folder, t)
}

const score = (t: Tally): string => {
  const detected = t.killed + t.timeout
  const valid = detected + t.survived + t.noCoverage
  return valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)}%`
}
const total: Tally = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 0 }
const rows = [...tallies.entries()].sort(([a], [b]) => a.localeCompare(b))
const line = (name: string, t: Tally): string =>
  [name.padEnd(14), score(t).padStart(7), t.killed, t.timeout, t.survived, t.noCoverage, t.other]
    .map((c, i) => (i === 0 ? String(c) : String(c).padStart(i === 1 ? 7 : 9)))
    .join(' ')
console.log(['src/core/'.padEnd(14), 'score', 'killed', 'timeout', 'survived', 'no cov', 'errors'].join('   '))
for (const [name, t] of rows) {
  console.log(line(name, t))
  for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += t[k]
}
console.log(line('all', total))

if (survivorsOf !== undefined) {
  for (const [file, mutants] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (survivorsOf && folderOf(file) !== survivorsOf) continue
    for (const m of mutants) {
      if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue
      const at = `${file}:${m.location.start.line}:${m.location.start.column}`
      console.log(`${m.status === 'Survived' ? 'survived' : 'no cov  '} ${at} ${m.mutatorName}: ${m.replacement ?? ''}`)
    }
  }
}
