/**
 * Handlebars templates of the HTML report. Everything a page needs is inline
 * (CSS, the small diff-viewer script, charts as SVG), so the folder works
 * offline from file:// and can be attached to a CI run as-is.
 */

export const CSS = `
:root { --pass:#1a7f37; --fail:#cf222e; --xfail:#9a6700; --xpass:#bc4c00; --error:#8250df; --skip:#6e7781; --bg:#fff; --fg:#1f2328; --muted:#656d76; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
header { background: #24292f; color: #fff; padding: 10px 20px; display: flex; gap: 20px; align-items: baseline; }
header a { color: #fff; }
header .meta { color: #c9d1d9; font-size: 12px; }
main { padding: 16px 20px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0; } h2 { font-size: 16px; margin: 24px 0 8px; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 8px; overflow: auto; max-height: 400px; }
.o { font-weight: 600; padding: 1px 6px; border-radius: 3px; color: #fff; display: inline-block; min-width: 48px; text-align: center; }
.o-PASS, .o-pass { background: var(--pass); } .o-FAIL, .o-fail { background: var(--fail); } .o-XFAIL { background: var(--xfail); }
.o-XPASS { background: var(--xpass); } .o-ERROR, .o-error { background: var(--error); } .o-SKIP, .o-not-run { background: var(--skip); } .o-none { background: #eaeef2; color: var(--muted); }
.counts { display: flex; gap: 12px; flex-wrap: wrap; }
.count { border: 1px solid var(--line); border-radius: 6px; padding: 6px 14px; text-align: center; }
.count b { display: block; font-size: 22px; }
.tier { font-weight: 600; } .tier-works { color: var(--pass); } .tier-issues { color: var(--xfail); } .tier-broken { color: var(--fail); } .tier-untested { color: var(--skip); }
.new { color: var(--fail); font-weight: 600; font-size: 11px; margin-left: 6px; }
.muted { color: var(--muted); }
.msg { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 12px; }
.viewer { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0 16px; }
.tabs { display: flex; border-bottom: 1px solid var(--line); background: #f6f8fa; }
.tabs button { border: 0; background: none; padding: 6px 12px; cursor: pointer; font: inherit; }
.tabs button[aria-selected="true"] { border-bottom: 2px solid #0969da; font-weight: 600; }
.pane { padding: 8px; display: none; } .pane.active { display: block; }
.pane img { image-rendering: pixelated; max-width: 100%; border: 1px solid var(--line); }
.sbs { display: flex; gap: 8px; flex-wrap: wrap; } .sbs figure { margin: 0; } .sbs figcaption { font-size: 12px; color: var(--muted); }
.slider { position: relative; display: inline-block; line-height: 0; }
.slider img { display: block; }
.slider .top { position: absolute; inset: 0; clip-path: inset(0 50% 0 0); }
.slider input { width: 100%; display: block; margin-top: 6px; }
svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
`;

export const VIEWER_JS = `
document.querySelectorAll('.viewer').forEach(function (v) {
  var tabs = v.querySelectorAll('.tabs button');
  tabs.forEach(function (b) {
    b.addEventListener('click', function () {
      tabs.forEach(function (x) { x.setAttribute('aria-selected', String(x === b)); });
      v.querySelectorAll('.pane').forEach(function (p) { p.classList.toggle('active', p.dataset.pane === b.dataset.pane); });
    });
  });
  var range = v.querySelector('.slider input');
  if (range) {
    var top = v.querySelector('.slider .top');
    var apply = function () { top.style.clipPath = 'inset(0 ' + (100 - Number(range.value)) + '% 0 0)'; };
    range.addEventListener('input', apply);
    apply();
  }
});
`;

export const LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} — lab report</title>
<style>{{{css}}}</style>
</head>
<body>
<header><h1><a href="{{root}}index.html">Compatibility lab</a></h1><a href="{{root}}trends.html">Trends</a><span class="meta">{{generated}}</span></header>
<main>
{{{body}}}
</main>
{{#if script}}<script>{{{script}}}</script>{{/if}}
</body>
</html>
`;

export const OVERVIEW = `
<h2>Latest run</h2>
<p class="muted">Engine {{latest.engine}} · {{latest.startedAt}}{{#if latest.shards}} · merged from {{latest.shards}} results{{/if}}</p>
<div class="counts">
{{#each counts}}<div class="count"><b>{{n}}</b><span class="o o-{{name}}">{{name}}</span></div>{{/each}}
</div>

<h2>Compatibility by app</h2>
<table class="apps">
<tr><th>App</th><th>Tier</th><th>Checks passed</th></tr>
{{#each apps}}<tr><td>{{app}}</td><td class="tier tier-{{tierClass}}">{{tier}}</td><td>{{passed}} / {{checks}}</td></tr>{{/each}}
</table>

<h2>Cases × images × engine builds</h2>
<p class="muted">New failures (failing now, passing in the previous build) first.</p>
<table class="matrix">
<tr><th>Case</th><th>Image</th>{{#each builds}}<th title="{{commit}}">{{label}}</th>{{/each}}</tr>
{{#each rows}}<tr class="{{#if newFailure}}new-failure{{/if}}"><td>{{#if href}}<a href="{{href}}">{{id}}</a>{{else}}{{id}}{{/if}}{{#if newFailure}}<span class="new">NEW FAILURE</span>{{/if}}</td><td><code title="{{imageHash}}">{{image}}</code></td>{{#each cells}}<td>{{#if outcome}}<span class="o o-{{outcome}}" title="{{title}}">{{outcome}}</span>{{else}}<span class="o o-none">—</span>{{/if}}</td>{{/each}}</tr>
{{/each}}
</table>
`;

export const CASE = `
<p><a href="{{root}}index.html">← Overview</a></p>
<h2>{{c.id}} <span class="o o-{{c.outcome}}">{{c.outcome}}</span></h2>
{{#if c.description}}<p>{{c.description}}</p>{{/if}}
<table>
<tr><th>Suite file</th><td><code>{{c.file}}:{{c.line}}</code></td></tr>
<tr><th>App</th><td>{{c.app}}</td></tr>
<tr><th>Image</th><td>{{#if c.image}}<code>{{c.image.label}}</code> <span class="muted">sha256 {{c.image.sha256}}</span>{{else}}—{{/if}}</td></tr>
<tr><th>CPU</th><td>{{c.cpuModel}} ({{c.tier}})</td></tr>
<tr><th>Tags</th><td>{{#each c.tags}}<code>{{this}}</code> {{/each}}</td></tr>
<tr><th>Instructions</th><td>{{c.instructions}} ({{c.virtualMs}} virtual ms, {{wallS}} s wall, {{c.mips}} MIPS)</td></tr>
{{#if c.xfail}}<tr><th>Expected failure</th><td>{{c.xfail.reason}}{{#if c.xfail.link}} — <a href="{{c.xfail.link}}">{{c.xfail.link}}</a>{{/if}}</td></tr>{{/if}}
{{#if c.message}}<tr><th>Message</th><td class="msg">{{c.message}}</td></tr>{{/if}}
{{#if repro}}<tr><th>Reproduce</th><td><code>npx lab repro {{repro}}</code></td></tr>{{/if}}
</table>

<h2>Steps</h2>
<table class="steps">
<tr><th>#</th><th>Step</th><th>Outcome</th><th>Line</th><th>Instructions</th><th>Virtual ms</th><th>Message</th></tr>
{{#each steps}}<tr><td>{{index}}</td><td><code>{{label}}</code>{{#if golden.written}} <span class="muted">(golden {{golden.written}})</span>{{/if}}</td><td><span class="o o-{{outcome}}">{{outcome}}</span></td><td>{{line}}</td><td>{{instructions}}</td><td>{{virtualMs}}</td><td class="msg">{{message}}</td></tr>
{{/each}}
</table>

{{#each images}}
<h2>{{title}}</h2>
{{#if expected}}
<div class="viewer">
  <div class="tabs" role="tablist">
    <button data-pane="expected" aria-selected="false">Expected</button>
    <button data-pane="actual" aria-selected="{{#if diff}}false{{else}}true{{/if}}">Actual</button>
    {{#if diff}}<button data-pane="diff" aria-selected="true">Diff</button>{{/if}}
    <button data-pane="sbs" aria-selected="false">Side by side</button>
    <button data-pane="slider" aria-selected="false">Slider</button>
  </div>
  <div class="pane" data-pane="expected"><img src="{{expected}}" alt="expected"></div>
  <div class="pane{{#unless diff}} active{{/unless}}" data-pane="actual"><img src="{{actual}}" alt="actual"></div>
  {{#if diff}}<div class="pane active" data-pane="diff"><img src="{{diff}}" alt="diff"> <p class="muted">{{diffPixels}} differing pixel(s) in red.</p></div>{{/if}}
  <div class="pane" data-pane="sbs"><div class="sbs"><figure><img src="{{expected}}" alt="expected"><figcaption>Expected</figcaption></figure><figure><img src="{{actual}}" alt="actual"><figcaption>Actual</figcaption></figure>{{#if diff}}<figure><img src="{{diff}}" alt="diff"><figcaption>Diff</figcaption></figure>{{/if}}</div></div>
  <div class="pane" data-pane="slider"><div class="slider"><img src="{{expected}}" alt="expected"><img class="top" src="{{actual}}" alt="actual"><input type="range" min="0" max="100" value="50" aria-label="Expected ↔ Actual"></div><p class="muted">Left of the handle: actual; right: expected.</p></div>
</div>
{{else}}
<p><img src="{{actual}}" alt="{{title}}" style="image-rendering:pixelated;max-width:100%;border:1px solid #d0d7de"></p>
{{/if}}
{{/each}}

{{#each logs}}
<h2>{{title}}</h2>
<p><a href="{{href}}">{{name}}</a></p>
<pre>{{text}}</pre>
{{/each}}

{{#if trace}}
<h2>Last instructions before the failure</h2>
<pre>{{trace}}</pre>
{{/if}}

{{#if history.length}}
<h2>History</h2>
<table><tr><th>Engine build</th><th>Image</th><th>Outcome</th><th>Instructions</th><th>MIPS</th></tr>
{{#each history}}<tr><td><code>{{build}}</code></td><td><code>{{image}}</code></td><td><span class="o o-{{outcome}}">{{outcome}}</span></td><td>{{instructions}}</td><td>{{mips}}</td></tr>{{/each}}
</table>
{{/if}}
`;

export const TRENDS = `
<h2>Trends over the last {{buildCount}} engine builds</h2>
<p class="muted">Source: {{source}}.</p>
{{#if builds.length}}
<h2>Pass/fail per case</h2>
{{{passChart}}}
<h2>MIPS per suite (median of cases)</h2>
{{{mipsChart}}}
<h2>Builds</h2>
<table><tr><th>#</th><th>Engine commit</th><th>Last run</th></tr>
{{#each builds}}<tr><td>{{@index}}</td><td><code>{{commit}}</code></td><td>{{lastRun}}</td></tr>{{/each}}
</table>
{{else}}
<p>No results recorded yet.</p>
{{/if}}
`;
