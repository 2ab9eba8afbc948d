/**
 * `npm run bench:core`: timings of pure core code that the unit tests check for correctness only
 * (a test suite on a shared 2-core machine cannot tell slow code from a busy machine). Each figure
 * is printed next to a baseline measured in the same run, on the same machine, interleaved round
 * by round, so the ratio stays meaningful when the machine is loaded:
 *
 * - levenshtein on two unrelated 4,096-code-point strings (the shadow comparator's default cap)
 *   against a plain O(n·m) dynamic programme: the bit-parallel version should be >10× faster;
 * - levenshtein with maxCost 5 on two unrelated 50,000-code-point strings against the full
 *   4,096² distance: the bound trips in the first block, so it should cost a fraction of it;
 * - the ETA of a CONTINUE canary with three gates and its planned looks (docs/statistics.md §2.8)
 *   against the verdict it sits beside (one `evaluateGates`): what a tick pays for the forecast.
 *
 * Nothing here fails the process: it prints figures to read, as `npm run bench` does.
 *   npm run bench:core -- --rounds 7
 */
import { parseArgs } from 'node:util'
import { defaultGateConfig } from '../src/core/gates/defaults'
import { stageEta } from '../src/core/gates/eta'
import { evaluateGates } from '../src/core/gates/evaluate'
import type { ArmEvidence, StageEvidence } from '../src/core/gates/types'
import { levenshtein } from '../src/core/shadow/similarity'
import { emptyHistogram, recordValue } from '../src/core/stats/histogram'
import { momentsFromProportion } from '../src/core/stats/moments'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } })
const rounds = Math.max(1, Number(values.rounds))

/** Textbook full-matrix Wagner–Fischer over code points: what the bit-parallel code replaces. */
function plainDp(a: string, b: string): number {
  const A = [...a]
  const B = [...b]
  let prev = Array.from({ length: B.length + 1 }, (_, j) => j)
  for (let i = 1; i <= A.length; i++) {
    const cur = [i]
    for (let j = 1; j <= B.length; j++) {
      const sub = (prev[j - 1] as number) + (A[i - 1] === B[j - 1] ? 0 : 1)
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, sub)
    }
    prev = cur
  }
  return prev[B.length] as number
}

/** Deterministic strings, so every run times the same work. */
function randomString(seed: number, length: number, alphabet: string): string {
  let s = seed >>> 0
  let out = ''
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    out += alphabet[Math.floor((s / 2 ** 32) * alphabet.length)] as string
  }
  return out
}

function timeMs(fn: () => unknown): number {
  const started = performance.now()
  fn()
  return performance.now() - started
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

interface Pair {
  name: string
  subject: () => unknown
  baselineName: string
  baseline: () => unknown
}

const letters = 'abcdefghijklmnopqrstuvwxyz '
const a4k = randomString(11, 4096, letters)
const b4k = randomString(12, 4096, letters)
const a50k = randomString(3, 50_000, 'abc')
const b50k = randomString(4, 50_000, 'xyz')

/** One arm 2 h into a 10% canary: exposures, errors, a lognormal-ish latency spread, conversions. */
function arm(n: number, conversions: number): ArmEvidence {
  const latency = emptyHistogram(6)
  for (let ms = 40; ms < 400; ms *= 1.05) recordValue(latency, ms, Math.round(n / 50))
  return {
    exposures: n,
    errors: Math.round(n * 0.005),
    latency,
    outcomes: { conversion: momentsFromProportion(conversions, n) },
  }
}
const T0 = 1_700_000_000_000
const canary: StageEvidence = {
  champion: arm(648_000, 32_400),
  challenger: arm(72_000, 3_600),
  shadow: null,
  expectedChallengerShare: 0.1,
  stageStartedAt: T0,
  now: T0 + 2 * 3_600_000,
}
const gates = defaultGateConfig({
  stage: 'canary',
  championP99Ms: 320,
  business: [{ metric: 'conversion', kind: 'proportion', direction: 'higher_is_better' }],
})
const verdict = evaluateGates(canary, gates, [])

const pairs: Pair[] = [
  {
    name: 'levenshtein 4,096² (bit-parallel)',
    subject: () => levenshtein(a4k, b4k),
    baselineName: 'plain O(n·m) DP',
    baseline: () => plainDp(a4k, b4k),
  },
  {
    name: 'levenshtein 50,000², maxCost 5',
    subject: () => levenshtein(a50k, b50k, 5),
    baselineName: 'levenshtein 4,096², no bound',
    baseline: () => levenshtein(a4k, b4k),
  },
  {
    name: 'ETA, 3-gate canary with looks',
    subject: () => stageEta(canary, gates, verdict, { looks: [] }),
    baselineName: 'its verdict (evaluateGates)',
    baseline: () => evaluateGates(canary, gates, []),
  },
]

// Same answers first: a fast wrong answer is not a result.
if (levenshtein(a4k, b4k) !== plainDp(a4k, b4k)) throw new Error('bit-parallel and plain DP disagree')
if (levenshtein(a50k, b50k, 5) !== 6) throw new Error('the bounded distance is not maxCost + 1')
if (verdict.decision !== 'CONTINUE' || stageEta(canary, gates, verdict, { looks: [] })?.decideAt == null) {
  throw new Error('the ETA pair must time the forecast of a CONTINUE stage that decides')
}

console.log(`bench:core, ${rounds} rounds (median ms; ratio = subject / baseline, per round, then median)`)
for (const p of pairs) {
  p.subject() // warm up the JIT on both sides
  p.baseline()
  const subject: number[] = []
  const baseline: number[] = []
  const ratios: number[] = []
  for (let r = 0; r < rounds; r++) {
    const s = timeMs(p.subject)
    const b = timeMs(p.baseline)
    subject.push(s)
    baseline.push(b)
    ratios.push(s / b)
  }
  console.log(
    `${p.name.padEnd(36)} ${median(subject).toFixed(2).padStart(9)} ms   ` +
      `${p.baselineName.padEnd(30)} ${median(baseline).toFixed(2).padStart(9)} ms   ratio ${median(ratios).toFixed(3)}`,
  )
}
