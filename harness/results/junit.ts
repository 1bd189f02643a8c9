/**
 * JUnit XML for CI systems: one <testsuite> per suite, one <testcase> per
 * case. FAIL and XPASS are <failure>, ERROR is <error>, SKIP and XFAIL are
 * <skipped> (the convention pytest uses for expected failures).
 */
import type { CaseResult, RunResults } from './schema.js';

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 cannot carry most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function caseXml(c: CaseResult): string {
  const attrs = `classname="${esc(c.suite)}" name="${esc(c.name)}" time="${(c.wallMs / 1000).toFixed(3)}" file="${esc(c.file)}" line="${c.line}"`;
  const msg = esc(c.message ?? '');
  const body = c.steps.map((s) => `${s.outcome.padEnd(7)} ${s.label}${s.message ? ` — ${s.message}` : ''}`).join('\n');
  switch (c.outcome) {
    case 'PASS':
      return `    <testcase ${attrs}/>`;
    case 'FAIL':
    case 'XPASS':
      return `    <testcase ${attrs}>\n      <failure message="${msg}" type="${c.outcome}">${esc(body)}</failure>\n    </testcase>`;
    case 'ERROR':
      return `    <testcase ${attrs}>\n      <error message="${msg}" type="ERROR">${esc(body)}</error>\n    </testcase>`;
    case 'SKIP':
    case 'XFAIL':
      return `    <testcase ${attrs}>\n      <skipped message="${esc(c.outcome === 'SKIP' ? (c.skip ?? '') : `xfail: ${c.xfail?.reason ?? ''}${c.xfail?.link ? ` (${c.xfail.link})` : ''}`)}"/>\n    </testcase>`;
  }
}

export function toJUnit(r: RunResults): string {
  const bySuite = new Map<string, CaseResult[]>();
  for (const c of r.cases) bySuite.set(c.suite, [...(bySuite.get(c.suite) ?? []), c]);
  const count = (cs: CaseResult[], ...o: string[]) => cs.filter((c) => o.includes(c.outcome)).length;
  const time = (cs: CaseResult[]) => (cs.reduce((a, c) => a + c.wallMs, 0) / 1000).toFixed(3);
  const suites = [...bySuite.entries()].map(
    ([name, cs]) =>
      `  <testsuite name="${esc(name)}" tests="${cs.length}" failures="${count(cs, 'FAIL', 'XPASS')}" errors="${count(cs, 'ERROR')}" skipped="${count(cs, 'SKIP', 'XFAIL')}" time="${time(cs)}">\n${cs.map(caseXml).join('\n')}\n  </testsuite>`,
  );
  const all = r.cases;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="lab" tests="${all.length}" failures="${count(all, 'FAIL', 'XPASS')}" errors="${count(all, 'ERROR')}" skipped="${count(all, 'SKIP', 'XFAIL')}" time="${time(all)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
