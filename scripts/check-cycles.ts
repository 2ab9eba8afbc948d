/**
 * Fails when any import cycle joins files of src/, type-only imports included (ESLint's
 * import-x/no-cycle skips those, and a cycle of types still tangles the layers it crosses).
 * Prints each cycle's files. Run by `npm test` (npm run lint).
 *
 *   npx tsx scripts/check-cycles.ts [dir]   (default: src)
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const root = path.resolve(import.meta.dirname, '..')
const dir = path.resolve(root, process.argv[2] ?? 'src')

function sourceFiles(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name)
    if (e.isDirectory()) return sourceFiles(p)
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : []
  })
}

const options: ts.CompilerOptions = { moduleResolution: ts.ModuleResolutionKind.Bundler, allowJs: false }
const host = ts.createCompilerHost(options)

/** Every module specifier of a file: imports and re-exports, type-only or not. */
function specifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false)
  const out: string[] = []
  for (const s of source.statements) {
    if ((ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) && s.moduleSpecifier) {
      if (ts.isStringLiteral(s.moduleSpecifier)) out.push(s.moduleSpecifier.text)
    }
  }
  return out
}

const files = sourceFiles(dir)
const graph = new Map<string, string[]>()
for (const f of files) {
  const deps = specifiers(f)
    .map((spec) => ts.resolveModuleName(spec, f, options, host).resolvedModule?.resolvedFileName)
    .filter((r): r is string => r !== undefined && r.startsWith(dir + path.sep) && !r.endsWith('.d.ts'))
  graph.set(f, deps)
}

// Tarjan's strongly connected components: every component of more than one file is a cycle.
let counter = 0
const index = new Map<string, number>()
const low = new Map<string, number>()
const stack: string[] = []
const onStack = new Set<string>()
const cycles: string[][] = []
function connect(v: string): void {
  index.set(v, counter)
  low.set(v, counter++)
  stack.push(v)
  onStack.add(v)
  for (const w of graph.get(v) ?? []) {
    if (!index.has(w)) {
      connect(w)
      low.set(v, Math.min(low.get(v)!, low.get(w)!))
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
  }
  if (low.get(v) === index.get(v)) {
    const component: string[] = []
    let w: string
    do {
      w = stack.pop()!
      onStack.delete(w)
      component.push(w)
    } while (w !== v)
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component)
  }
}
for (const f of files) if (!index.has(f)) connect(f)

if (cycles.length === 0) {
  console.log(`check-cycles: no import cycle among ${files.length} files of ${path.relative(root, dir)}/`)
} else {
  for (const c of cycles) {
    console.error(`import cycle through ${c.length} files:`)
    for (const f of c.sort()) console.error(`  ${path.relative(root, f)}`)
  }
  process.exit(1)
}
