/**
 * @module ui/styles
 * The dashboard's whole stylesheet, inlined in the shell (no external fonts or files). Arm colours
 * are classes so that charts, legends and badges agree; lines also differ by dash pattern, so the
 * charts do not rely on colour alone.
 */
export const STYLES = `
:root {
  --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de; --link: #0a58ca;
  --champion: #1f6feb; --challenger: #d9480f; --shadow: #7048e8; --cohort: #2b8a3e;
  --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --info: #0969da;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible { outline: 3px solid #fb8500; outline-offset: 2px; }
header.top { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--panel); flex-wrap: wrap; }
header.top .brand { font-weight: 700; font-size: 1.1rem; color: var(--fg); text-decoration: none; }
header.top nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
header.top .session { margin-left: auto; color: var(--muted); font-size: .9rem; display: flex; gap: .75rem; align-items: center; }
main, .login { padding: 1rem 1.25rem 3rem; max-width: 1280px; }
h1 { font-size: 1.5rem; margin: .25rem 0 .75rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .6rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
a.skip:focus { position: static; width: auto; height: auto; clip: auto; display: inline-block; padding: .4rem .8rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
tbody tr:hover { background: var(--panel); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.d-PASS, .ph-completed, .ph-watching { color: var(--pass); }
.d-FAIL, .ph-rolled_back, .ph-aborted { color: var(--fail); }
.d-CONTINUE, .ph-progressing { color: var(--info); }
.d-INCONCLUSIVE, .d-HALT, .ph-paused, .ph-halted, .ph-awaiting_approval, .ph-awaiting_evaluation { color: var(--warn); }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: .5rem 1.25rem; margin: 0 0 .5rem; }
.facts div { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .45rem .65rem; }
.facts dt { font-size: .8rem; color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; }
.panel { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: .75rem 0; }
.pending { border-color: var(--warn); background: #fff8c5; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
.actions label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .2rem; }
input[type=text], input[type=password] { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; min-width: 16rem; }
button { font: inherit; padding: .35rem .9rem; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); cursor: pointer; }
button.primary { background: #1f883d; color: #fff; border-color: #1a7f37; }
button.danger { background: #fff; color: var(--fail); border-color: var(--fail); }
button:disabled { opacity: .55; cursor: not-allowed; }
.flash { margin: .75rem 1.25rem 0; padding: .5rem .75rem; border-radius: 6px; border: 1px solid var(--line); max-width: 1240px; }
.flash:empty { display: none; }
.flash.ok { border-color: var(--pass); background: #dafbe1; }
.flash.error { border-color: var(--fail); background: #ffebe9; }
.login form { max-width: 28rem; display: flex; flex-direction: column; gap: .6rem; }
.login .error { color: var(--fail); font-weight: 600; }
.windows { display: flex; gap: .5rem; list-style: none; padding: 0; margin: 0 0 .5rem; }
.windows a[aria-current] { font-weight: 700; text-decoration: none; color: var(--fg); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 1rem; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: .5rem .6rem .4rem; }
figure.chart figcaption { font-weight: 600; font-size: .95rem; }
figure.chart svg { width: 100%; height: auto; display: block; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .axis text, svg text.tick { fill: var(--muted); font-size: 11px; }
svg .series { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
svg .band { stroke: none; opacity: .18; }
svg .empty { fill: var(--muted); font-size: 13px; }
.arm-champion { stroke: var(--champion); fill: var(--champion); color: var(--champion); }
.arm-challenger { stroke: var(--challenger); fill: var(--challenger); color: var(--challenger); }
.arm-shadow { stroke: var(--shadow); fill: var(--shadow); color: var(--shadow); }
.arm-cohort { stroke: var(--cohort); fill: var(--cohort); color: var(--cohort); }
svg .series.arm-shadow { stroke-dasharray: 6 3; }
svg .series.arm-cohort { stroke-dasharray: 2 3; }
svg .series.alt { stroke-dasharray: 10 3 2 3; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: 0; margin: .25rem 0 0; font-size: .85rem; }
ul.legend svg { width: 24px; height: 10px; vertical-align: middle; margin-right: .3rem; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
ol.timeline > li { position: relative; padding: .15rem 0 .9rem 1.1rem; }
ol.timeline > li::before { content: ""; position: absolute; left: -9px; top: .45rem; width: 15px; height: 15px; border-radius: 50%; background: var(--bg); border: 3px solid var(--line); }
ol.timeline > li.st-done::before { border-color: var(--pass); background: var(--pass); }
ol.timeline > li.st-current::before { border-color: var(--info); }
ol.timeline > li.st-held::before { border-color: var(--pass); }
ol.timeline > li.st-awaiting-approval::before { border-color: var(--warn); }
ol.timeline > li.st-failed::before { border-color: var(--fail); background: var(--fail); }
ol.timeline .step-title { font-weight: 600; }
ul.verdicts { list-style: none; padding: 0; margin: .35rem 0 0; }
ul.verdicts > li { margin: .3rem 0; padding: .3rem .5rem; border-left: 3px solid var(--line); background: var(--panel); }
ul.verdicts > li.decisive { border-left-color: currentColor; }
details summary { cursor: pointer; }
time.t { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.weights svg { width: 160px; height: 12px; vertical-align: middle; }
`
