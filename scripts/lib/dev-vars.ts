/**
 * `.dev.vars`: the local settings `wrangler dev` (`npm start`) runs with, made from
 * `.dev.vars.example`. `npm start` creates it, or adds to an existing one the settings the example
 * gained since it was made (REPORTER_TOKENS, MODELGATE_ENV=development…), keeping every value the
 * developer set; the demo reads its tokens from it.
 */
import { appendFileSync, copyFileSync, existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

const VAR_LINE = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/

/** NAME=value lines (quotes around a value dropped); comments and blank lines skipped. */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = VAR_LINE.exec(line)
    if (m) vars[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1')
  }
  return vars
}

/** The variables of `<root>/.dev.vars`, or null when there is no such file. */
export function readDevVars(root: string): Record<string, string> | null {
  const file = path.join(root, '.dev.vars')
  return existsSync(file) ? parseDevVars(readFileSync(file, 'utf8')) : null
}

/**
 * Creates `<root>/.dev.vars` from the example, or appends the example's lines for the variables it
 * lacks. Returns its variables and what was done, for the console.
 */
export function ensureDevVars(root: string): { vars: Record<string, string>; created: boolean; added: string[] } {
  const file = path.join(root, '.dev.vars')
  const example = path.join(root, '.dev.vars.example')
  if (!existsSync(file)) {
    copyFileSync(example, file)
    return { vars: parseDevVars(readFileSync(file, 'utf8')), created: true, added: [] }
  }
  const have = parseDevVars(readFileSync(file, 'utf8'))
  const missing = readFileSync(example, 'utf8')
    .split('\n')
    .filter((line) => {
      const m = VAR_LINE.exec(line)
      return m !== null && have[m[1] as string] === undefined
    })
  if (missing.length > 0) {
    appendFileSync(file, `\n# Added by npm start from .dev.vars.example\n${missing.join('\n')}\n`)
  }
  return {
    vars: parseDevVars(readFileSync(file, 'utf8')),
    created: false,
    added: missing.map((l) => (VAR_LINE.exec(l) as RegExpExecArray)[1] as string),
  }
}
