/**
 * The CI gate: compares a candidate run with a baseline (results files, or an
 * engine commit looked up in the results store) and lists new failures,
 * fixes, changed goldens, instruction-count changes and performance changes.
 *
 * Instruction counts are exact (the engine is deterministic), so any change is
 * reported as is. MIPS depends on the host, so it is judged only with repeated
 * samples on both sides (one sample = one run's median MIPS for a suite) and
 * only when the medians differ by more than the noise threshold and the sample
 * ranges do not overlap. A regression — a new failure or a MIPS drop — fails
 * the gate.
 */
import type { CaseResult, Outcome } from '../results/schema.js';
import { median } from '../report/charts.js';

export interface Side {
  label: string;
  /** Each run's cases; several runs of the same build are MIPS samples. */
  runs: CaseResult[][];
}

export interface GateOptions {
  /** Relative MIPS drop treated as noise (0.1 = 10 %). */
  mipsThreshold: number;
  /** Runs needed on each side before MIPS is judged. */
  minSamples: number;
  /** Treat instruction-count changes as regressions. */
  failOnInstructionChange: boolean;
}

export interface CaseChange {
  id: string;
  image: string;
  before?: Outcome;
  after?: Outcome;
  message?: string;
  file?: string;
  line?: number;
}

export interface GoldenChange {
  id: string;
  golden: string;
  before: string;
  after: string;
}

export interface InstructionChange {
  id: string;
  image: string;
  before: number;
  after: number;
}

export interface PerfChange {
  suite: string;
  before: number;
  after: number;
  change: number;
  samples: [number, number];
  verdict: 'regression' | 'improvement' | 'noise' | 'not enough samples';
}

export interface GateReport {
  newFailures: CaseChange[];
  fixes: CaseChange[];
  stillFailing: CaseChange[];
  added: CaseChange[];
  removed: CaseChange[];
  goldens: GoldenChange[];
  instructions: InstructionChange[];
  perf: PerfChange[];
  regression: boolean;
}

const BAD = new Set<Outcome>(['FAIL', 'XPASS', 'ERROR']);

function key(c: CaseResult): string {
  return `${c.id}\0${c.image?.label ?? ''}\0${c.tier}`;
}

/** The last run of a case wins when a side has several runs. */
function latestByKey(side: Side): Map<string, CaseResult> {
  const m = new Map<string, CaseResult>();
  for (const run of side.runs) for (const c of run) m.set(key(c), c);
  return m;
}

function goldensOf(c: CaseResult): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of c.steps) if (s.golden) m.set(s.golden.name, s.golden.sha256);
  return m;
}

function suiteMips(run: CaseResult[]): Map<string, number> {
  const by = new Map<string, number[]>();
  for (const c of run) if (c.mips > 0 && c.outcome !== 'SKIP') by.set(c.suite, [...(by.get(c.suite) ?? []), c.mips]);
  const out = new Map<string, number>();
  for (const [s, xs] of by) out.set(s, median(xs)!);
  return out;
}

export function compareRuns(baseline: Side, candidate: Side, opts: GateOptions): GateReport {
  const base = latestByKey(baseline);
  const cand = latestByKey(candidate);
  const r: GateReport = { newFailures: [], fixes: [], stillFailing: [], added: [], removed: [], goldens: [], instructions: [], perf: [], regression: false };
  for (const [k, c] of cand) {
    const b = base.get(k);
    const change: CaseChange = { id: c.id, image: c.image?.label ?? '', before: b?.outcome, after: c.outcome, message: c.message, file: c.file, line: c.line };
    if (!b) {
      r.added.push(change);
      if (BAD.has(c.outcome)) r.newFailures.push(change);
      continue;
    }
    if (BAD.has(c.outcome) && !BAD.has(b.outcome)) r.newFailures.push(change);
    else if (!BAD.has(c.outcome) && BAD.has(b.outcome)) r.fixes.push(change);
    else if (BAD.has(c.outcome)) r.stillFailing.push(change);
    const bg = goldensOf(b);
    for (const [name, sha] of goldensOf(c)) {
      const before = bg.get(name);
      if (before !== undefined && before !== sha) r.goldens.push({ id: c.id, golden: name, before, after: sha });
    }
    if (c.outcome === 'PASS' && b.outcome === 'PASS' && c.instructions !== b.instructions) {
      r.instructions.push({ id: c.id, image: change.image, before: b.instructions, after: c.instructions });
    }
  }
  for (const [k, b] of base) if (!cand.has(k)) r.removed.push({ id: b.id, image: b.image?.label ?? '', before: b.outcome });

  const bSamples = baseline.runs.map(suiteMips);
  const cSamples = candidate.runs.map(suiteMips);
  const suites = new Set([...bSamples.flatMap((m) => [...m.keys()]), ...cSamples.flatMap((m) => [...m.keys()])]);
  for (const s of [...suites].sort()) {
    const bs = bSamples.map((m) => m.get(s)).filter((v): v is number => v !== undefined);
    const cs = cSamples.map((m) => m.get(s)).filter((v): v is number => v !== undefined);
    if (bs.length === 0 || cs.length === 0) continue;
    const before = median(bs)!;
    const after = median(cs)!;
    const change = before > 0 ? (after - before) / before : 0;
    let verdict: PerfChange['verdict'];
    if (bs.length < opts.minSamples || cs.length < opts.minSamples) verdict = 'not enough samples';
    else if (change < -opts.mipsThreshold && Math.max(...cs) < Math.min(...bs)) verdict = 'regression';
    else if (change > opts.mipsThreshold && Math.min(...cs) > Math.max(...bs)) verdict = 'improvement';
    else verdict = 'noise';
    r.perf.push({ suite: s, before, after, change, samples: [bs.length, cs.length], verdict });
  }
  r.regression = r.newFailures.length > 0 || r.perf.some((p) => p.verdict === 'regression') || (opts.failOnInstructionChange && r.instructions.length > 0);
  return r;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

export function formatText(r: GateReport, baseLabel: string, candLabel: string): string {
  const lines: string[] = [`gate: baseline ${baseLabel} → candidate ${candLabel}`];
  const sect = (title: string, items: string[]) => {
    lines.push(`${title}: ${items.length === 0 ? 'none' : ''}`);
    for (const i of items) lines.push(`  ${i}`);
  };
  sect('New failures', r.newFailures.map((c) => `${c.id} [${c.image}] ${c.before ?? 'new case'} → ${c.after}${c.message ? `: ${c.message.split('\n')[0]}` : ''}`));
  sect('Fixes', r.fixes.map((c) => `${c.id} [${c.image}] ${c.before} → ${c.after}`));
  if (r.stillFailing.length) sect('Still failing', r.stillFailing.map((c) => `${c.id} [${c.image}] ${c.after}`));
  if (r.added.length) sect('Added cases', r.added.map((c) => `${c.id} [${c.image}] ${c.after}`));
  if (r.removed.length) sect('Removed cases', r.removed.map((c) => `${c.id} [${c.image}] was ${c.before}`));
  sect('Changed goldens', r.goldens.map((g) => `${g.id} ${g.golden}: ${g.before.slice(0, 12)} → ${g.after.slice(0, 12)}`));
  sect('Instruction counts changed', r.instructions.map((i) => `${i.id} [${i.image}] ${i.before} → ${i.after} (${pct((i.after - i.before) / Math.max(1, i.before))})`));
  sect('Performance (median MIPS per suite)', r.perf.map((p) => `${p.suite}: ${p.before.toFixed(2)} → ${p.after.toFixed(2)} (${pct(p.change)}, ${p.samples[0]} vs ${p.samples[1]} samples): ${p.verdict}`));
  lines.push(r.regression ? 'RESULT: regression' : 'RESULT: no regression');
  return lines.join('\n') + '\n';
}

export function formatMarkdown(r: GateReport, baseLabel: string, candLabel: string): string {
  const md: string[] = [`## Compatibility gate: ${r.regression ? '❌ regression' : '✅ no regression'}`, '', `Baseline \`${baseLabel}\` → candidate \`${candLabel}\``, ''];
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const table = (title: string, head: string[], rows: string[][]) => {
    md.push(`### ${title} (${rows.length})`, '');
    if (rows.length === 0) {
      md.push('None.', '');
      return;
    }
    md.push(`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`);
    for (const row of rows) md.push(`| ${row.map(esc).join(' | ')} |`);
    md.push('');
  };
  table('New failures', ['Case', 'Image', 'Before', 'After', 'Message'], r.newFailures.map((c) => [c.id, c.image, c.before ?? 'new', c.after ?? '', c.message ?? '']));
  table('Fixes', ['Case', 'Image', 'Before', 'After'], r.fixes.map((c) => [c.id, c.image, c.before ?? '', c.after ?? '']));
  table('Changed goldens', ['Case', 'Golden', 'Before', 'After'], r.goldens.map((g) => [g.id, g.golden, g.before.slice(0, 12), g.after.slice(0, 12)]));
  table('Instruction counts changed', ['Case', 'Image', 'Before', 'After'], r.instructions.map((i) => [i.id, i.image, String(i.before), String(i.after)]));
  table('Performance', ['Suite', 'Before MIPS', 'After MIPS', 'Change', 'Samples', 'Verdict'], r.perf.map((p) => [p.suite, p.before.toFixed(2), p.after.toFixed(2), pct(p.change), `${p.samples[0]} / ${p.samples[1]}`, p.verdict]));
  return md.join('\n') + '\n';
}

/** GitHub Actions workflow commands (https://docs.github.com/actions/reference/workflow-commands-for-github-actions). */
export function githubAnnotations(r: GateReport): string[] {
  const escData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escProp = (s: string) => escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const out: string[] = [];
  for (const c of r.newFailures) {
    const loc = c.file ? `file=${escProp(c.file)},line=${c.line ?? 1},` : '';
    out.push(`::error ${loc}title=${escProp(`New failure: ${c.id}`)}::${escData(`${c.before ?? 'new case'} → ${c.after}${c.message ? `: ${c.message}` : ''}`)}`);
  }
  for (const p of r.perf.filter((p) => p.verdict === 'regression')) {
    out.push(`::error title=${escProp(`MIPS regression: ${p.suite}`)}::${escData(`${p.before.toFixed(2)} → ${p.after.toFixed(2)} (${pct(p.change)})`)}`);
  }
  for (const g of r.goldens) out.push(`::warning title=${escProp(`Golden changed: ${g.id}`)}::${escData(g.golden)}`);
  for (const c of r.fixes) out.push(`::notice title=${escProp(`Fixed: ${c.id}`)}::${escData(`${c.before} → ${c.after}`)}`);
  return out;
}
