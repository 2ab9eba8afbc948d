/**
 * Which Chromium the browser tests drive, and with which switches.
 *
 * `npm install && npm test` must pass on a fresh machine: no browser installed, no apt step, no
 * network but the npm registry (Playwright's own browser download cannot work here). So by default
 * the tests drive the Chromium that the npm package @sparticuz/chromium ships inside its tarball: a
 * brotli-packed chrome-headless-shell build, unpacked to <tmpdir>/chromium on first use (about 2 s,
 * then reused). Debian's chromium is used instead only when it is asked for or already there:
 * CHROMIUM_PATH names a binary, or /usr/bin/chromium exists.
 */
import { execFile } from 'node:child_process'
import { existsSync, rmSync, statSync } from 'node:fs'
import { promisify } from 'node:util'
import sparticuz from '@sparticuz/chromium'
import { chromium, type Browser } from 'playwright-core'

const DEBIAN_CHROMIUM = '/usr/bin/chromium'

/**
 * Chosen one by one; NOT `sparticuz.args`, which is tuned for AWS Lambda and turns off what the
 * tests must see as a user's browser does: `--disable-web-security` (no same-origin policy),
 * `--single-process`, `--disable-site-isolation-trials` and `--disable-features=site-per-process`
 * (no process per site), `--allow-running-insecure-content`. The same set is what the machine notes
 * give for Debian's chromium on this closed network. Not needed for the sparticuz build here
 * (checked: 25 launches in a row, 10 of them with both cores busy): `--no-zygote`,
 * `--in-process-gpu`, `--use-angle=swiftshader`. (Playwright passes some of these too; listing them
 * keeps the choice visible and independent of its defaults.)
 */
const ARGS = [
  // Tests and CI run as root, and Chromium refuses to start its setuid/namespace sandbox as root.
  '--no-sandbox',
  // No GPU on these machines: composite in software instead of probing for one.
  '--disable-gpu',
  // Without these, Chromium dials Google's hosts at start (field trials, component and safe-browsing
  // updates, sync, first-run pages); on this closed network such connections are refused, many at a
  // time (machine notes), which slows the start and fills the log. QUIC is UDP: never useful here.
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export async function launchChromium(): Promise<Browser> {
  const wanted = process.env.CHROMIUM_PATH
  if (wanted && !existsSync(wanted)) throw new Error(`CHROMIUM_PATH=${wanted}: no such file`)
  const debian = wanted ?? (existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined)
  // The sparticuz build is chrome-headless-shell, the only mode it has; Debian's chromium (a full
  // browser) runs the new headless mode, the same browser as with a window. (Playwright's own
  // `--headless`, added for headless: true, comes first; the last one wins.)
  const headless = debian ? '--headless=new' : '--headless=shell'
  const executablePath = debian ?? (await sparticuzChromium())
  return chromium.launch({ executablePath, headless: true, args: [headless, ...ARGS] })
}

const run = promisify(execFile)

/**
 * The package unpacks to a fixed <tmpdir>/chromium and returns that path as soon as the file exists,
 * so a second test run started meanwhile (another checkout on this machine) may get a binary still
 * being written (ETXTBSY), and a run killed mid-unpack leaves a truncated one behind for good. So:
 * run `--version` until it answers; a file that keeps failing while its size stays put is removed
 * and unpacked again.
 */
async function sparticuzChromium(): Promise<string> {
  const deadline = Date.now() + 90_000
  let lastSize = -1
  let stableSince = Date.now()
  for (;;) {
    const exe = await sparticuz.executablePath()
    try {
      await run(exe, ['--version'], { timeout: 30_000 })
      return exe
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`@sparticuz/chromium at ${exe} does not start`, { cause: e })
      const size = statSync(exe, { throwIfNoEntry: false })?.size ?? -1
      if (size !== lastSize) [lastSize, stableSince] = [size, Date.now()]
      else if (Date.now() - stableSince > 10_000) rmSync(exe, { force: true })
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}
