/**
 * `lab report`: an HTML report from one or more results files, as a
 * self-contained folder (pages, copied screenshots and logs, inline CSS/JS,
 * SVG charts) that opens offline from file://.
 *
 *   index.html                     overview: counts, tiers per app, case × image × build matrix
 *   cases/<suite>/<case>/index.html case page with steps, diff viewer, logs, trace
 *   trends.html                    pass/fail per case and MIPS per suite over builds
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { readResults, type CaseResult, type LoadedResults, OUTCOMES } from '../results/schema.js';
import { ResultsStore, storedAsCaseResults, type StoredCase } from '../results/store-sqlite.js';
import { lineChart, median, outcomeGrid } from './charts.js';
import { CASE, CSS, LAYOUT, OVERVIEW, TRENDS, VIEWER_JS } from './templates.js';
import { tierClass, tierOf } from './tier.js';

export interface ReportOptions {
  results: string[];
  out: string;
  /** Results store for trends; null or a missing file → trends from the given results. */
  db: string | null;
  /** How many engine builds the trends cover. */
  builds?: number;
  /** How many earlier builds from the store the overview matrix adds (default 5). */
  matrixBuilds?: number;
}

const hb = Handlebars.create();
const layout = hb.compile(LAYOUT);
const overviewT = hb.compile(OVERVIEW);
const caseT = hb.compile(CASE);
const trendsT = hb.compile(TRENDS);

interface Build {
  key: string;
  label: string;
  commit: string;
  startedAt: string;
  /** Case results keyed by "<case id>\0<image label>"; later files win. */
  cases: Map<string, { result: CaseResult; source: LoadedResults }>;
  sources: LoadedResults[];
}

function buildKey(l: LoadedResults): string {
  const e = l.results.run.engine;
  return `${e.commit}${e.dirty ? '+dirty' : ''}`;
}

function groupBuilds(loaded: LoadedResults[]): Build[] {
  const byKey = new Map<string, Build>();
  const ordered = [...loaded].sort((a, b) => (a.results.run.startedAt < b.results.run.startedAt ? -1 : a.results.run.startedAt > b.results.run.startedAt ? 1 : 0));
  for (const l of ordered) {
    const key = buildKey(l);
    let b = byKey.get(key);
    if (!b) {
      b = { key, label: key.slice(0, 10) + (l.results.run.engine.dirty ? '+' : ''), commit: key, startedAt: l.results.run.startedAt, cases: new Map(), sources: [] };
      byKey.set(key, b);
    }
    b.sources.push(l);
    for (const c of l.results.cases) b.cases.set(`${c.id}\0${c.image?.label ?? ''}`, { result: c, source: l });
  }
  // Builds in order of their latest run; the last is "latest".
  const lastRun = (b: Build) => b.sources.map((s) => s.results.run.startedAt).sort().at(-1)!;
  return [...byKey.values()].sort((a, b) => (lastRun(a) < lastRun(b) ? -1 : lastRun(a) > lastRun(b) ? 1 : 0));
}

/**
 * Earlier engine builds from the results store, oldest first, so the overview
 * matrix shows history (and new failures) even for a report of a single run.
 * Builds that the given results cover are left out.
 */
function storeBuilds(opts: ReportOptions, loaded: LoadedResults[]): Build[] {
  if (!opts.db || !existsSync(opts.db)) return [];
  const given = new Set(loaded.map((l) => l.results.run.engine.commit));
  const firstGiven = loaded.map((l) => l.results.run.startedAt).sort()[0]!;
  const store = new ResultsStore(opts.db);
  try {
    const builds = store.builds(opts.matrixBuilds ?? 5).filter((b) => !given.has(b.engineCommit) && b.lastRun < firstGiven);
    return builds.map((b) => {
      const cases = new Map<string, { result: CaseResult; source: LoadedResults }>();
      const source = { file: opts.db!, dir: path.dirname(opts.db!), results: undefined as never } as LoadedResults;
      for (const c of storedAsCaseResults(store.casesFor([b.engineCommit]))) cases.set(`${c.id}\0${c.image?.label ?? ''}`, { result: c, source });
      return { key: b.engineCommit, label: b.engineCommit.slice(0, 10), commit: b.engineCommit, startedAt: b.lastRun, cases, sources: [] };
    });
  } finally {
    store.close();
  }
}

const BAD = new Set(['FAIL', 'XPASS', 'ERROR']);
const GOOD = new Set(['PASS', 'XFAIL']);

function page(title: string, root: string, body: string, script = false): string {
  return layout({ title, root, body, css: CSS, script: script ? VIEWER_JS : '', generated: `generated ${new Date().toISOString().replace('T', ' ').slice(0, 19)} UTC` });
}

function casePath(id: string): string {
  return path.join('cases', ...id.split('/'));
}

function readText(file: string, max = 64 * 1024): string {
  const buf = readFileSync(file);
  const s = buf.subarray(0, max).toString('latin1');
  return buf.length > max ? `${s}\n… (${buf.length - max} more bytes in the file)` : s;
}

const hex = (v: unknown, w: number): string => (typeof v === 'number' ? v.toString(16).padStart(w, '0') : '?');

/** One line per instruction: CS:EIP, bytes, disassembly, registers (as the engine's TraceEntry); other shapes as JSON. */
function formatTrace(file: string): string {
  try {
    const entries = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
    return entries
      .map((e) => {
        const t = e as { cs?: number; eip?: number; bytes?: number[]; text?: string; regs?: Record<string, number> };
        if (typeof e !== 'object' || e === null || t.eip === undefined || t.text === undefined) return JSON.stringify(e);
        const bytes = (t.bytes ?? []).map((b) => hex(b, 2)).join(' ');
        const regs = Object.entries(t.regs ?? {})
          .map(([k, v]) => `${k}=${hex(v, 8)}`)
          .join(' ');
        return `${hex(t.cs, 4)}:${hex(t.eip, 8)}  ${bytes.padEnd(20)} ${t.text.padEnd(28)} ${regs}`;
      })
      .join('\n');
  } catch {
    return readText(file);
  }
}

function writeCasePage(out: string, c: CaseResult, src: LoadedResults, history: Record<string, unknown>[]): void {
  const rel = casePath(c.id);
  const dir = path.join(out, rel);
  mkdirSync(dir, { recursive: true });
  const root = '../'.repeat(rel.split(path.sep).length);
  const artDir = c.artifacts ? path.join(src.dir, c.artifacts) : undefined;
  const copy = (name: string | undefined): string | undefined => {
    if (!name || !artDir) return undefined;
    const from = path.join(artDir, name);
    if (!existsSync(from)) return undefined;
    copyFileSync(from, path.join(dir, name));
    return name;
  };
  const images: Record<string, unknown>[] = [];
  for (const s of c.steps) {
    const a = s.artifacts;
    if (!a?.actual || !a.actual.endsWith('.png')) continue;
    const actual = copy(a.actual);
    if (!actual) continue;
    images.push({ title: `Step ${s.index}: ${s.label}`, actual, expected: copy(a.expected), diff: copy(a.diff), diffPixels: s.diffPixels });
  }
  const logs: Record<string, unknown>[] = [];
  for (const name of c.files.serial ?? []) {
    const f = copy(name);
    if (f) logs.push({ title: `Serial ${name.replace('.log', '').toUpperCase()}`, name: f, href: f, text: readText(path.join(dir, f)) });
  }
  const prn = copy(c.files.printer);
  if (prn) logs.push({ title: 'Printer (LPT1)', name: prn, href: prn, text: readText(path.join(dir, prn)) });
  for (const s of c.steps) {
    const a = s.artifacts;
    if (a?.actual?.endsWith('.txt')) {
      const act = copy(a.actual);
      const exp = copy(a.expected);
      if (act) logs.push({ title: `Step ${s.index}: actual output`, name: act, href: act, text: readText(path.join(dir, act)) });
      if (exp) logs.push({ title: `Step ${s.index}: golden`, name: exp, href: exp, text: readText(path.join(dir, exp)) });
    }
  }
  const traceFile = c.files.trace && artDir ? path.join(artDir, c.files.trace) : undefined;
  const trace = traceFile && existsSync(traceFile) ? formatTrace(traceFile) : undefined;
  const repro = c.files.repro && artDir ? path.relative(process.cwd(), artDir) : undefined;
  const body = caseT({ c, root, wallS: (c.wallMs / 1000).toFixed(2), steps: c.steps, images, logs, trace, repro, history });
  writeFileSync(path.join(dir, 'index.html'), page(c.id, root, body, true));
}

interface TrendData {
  source: string;
  builds: { commit: string; lastRun: string }[];
  rows: StoredCase[];
}

function trendData(opts: ReportOptions, builds: Build[]): TrendData {
  const n = opts.builds ?? 20;
  if (opts.db && existsSync(opts.db)) {
    const store = new ResultsStore(opts.db);
    try {
      const bs = store.builds(n);
      if (bs.length > 0) {
        return { source: `results store ${opts.db}`, builds: bs.map((b) => ({ commit: b.engineCommit, lastRun: b.lastRun })), rows: store.casesFor(bs.map((b) => b.engineCommit)) };
      }
    } finally {
      store.close();
    }
  }
  const last = builds.slice(-n);
  const rows: StoredCase[] = [];
  for (const b of last) {
    for (const { result: c, source } of b.cases.values()) {
      rows.push({
        runId: source.results.run.id,
        engineCommit: b.commit,
        startedAt: source.results.run.startedAt,
        suite: c.suite,
        caseName: c.name,
        caseId: c.id,
        imageHash: c.image?.sha256 ?? '',
        imageLabel: c.image?.label ?? '',
        tier: c.tier,
        outcome: c.outcome,
        instructions: c.instructions,
        virtualMs: c.virtualMs,
        wallMs: c.wallMs,
        mips: c.mips,
      });
    }
  }
  return { source: 'the results files given', builds: last.map((b) => ({ commit: b.commit, lastRun: b.startedAt })), rows };
}

function writeTrends(out: string, t: TrendData): void {
  const labels = t.builds.map((b) => b.commit.slice(0, 10));
  const idx = new Map(t.builds.map((b, i) => [b.commit, i]));
  const caseIds = [...new Set(t.rows.map((r) => r.caseId))].sort();
  const grid = caseIds.map((id) => {
    const cells: (string | undefined)[] = labels.map(() => undefined);
    for (const r of t.rows) if (r.caseId === id) cells[idx.get(r.engineCommit)!] = r.outcome;
    return { label: id, cells };
  });
  const suites = [...new Set(t.rows.map((r) => r.suite))].sort();
  const mips = suites.map((s) => ({
    name: s,
    values: t.builds.map((b) => {
      const m = median(t.rows.filter((r) => r.suite === s && r.engineCommit === b.commit && r.mips > 0).map((r) => r.mips));
      return m === undefined ? undefined : Math.round(m * 100) / 100;
    }),
  }));
  const body = trendsT({
    buildCount: t.builds.length,
    source: t.source,
    builds: t.builds,
    passChart: outcomeGrid(grid, labels),
    mipsChart: lineChart(mips, labels, 'MIPS'),
  });
  writeFileSync(path.join(out, 'trends.html'), page('Trends', '', body));
}

/** Writes the report; returns the path of index.html. */
export function writeReport(opts: ReportOptions): string {
  const loaded = opts.results.map(readResults);
  const out = path.resolve(opts.out);
  rmSync(path.join(out, 'cases'), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const builds = [...storeBuilds(opts, loaded), ...groupBuilds(loaded)];
  const latest = builds.at(-1)!;
  const previous = builds.length > 1 ? builds.at(-2) : undefined;

  const latestCases = [...latest.cases.values()].map((v) => v.result);
  const counts = OUTCOMES.map((o) => ({ name: o, n: latestCases.filter((c) => c.outcome === o).length }));

  const byApp = new Map<string, CaseResult[]>();
  for (const c of latestCases) byApp.set(c.app, [...(byApp.get(c.app) ?? []), c]);
  const apps = [...byApp.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([app, cs]) => {
      const tier = tierOf(cs.map((c) => c.outcome));
      const checks = cs.filter((c) => c.outcome !== 'ERROR' && c.outcome !== 'SKIP');
      return { app, tier, tierClass: tierClass(tier), checks: checks.length, passed: checks.filter((c) => c.outcome === 'PASS' || c.outcome === 'XPASS').length };
    });

  const rowKeys = new Map<string, { id: string; image: string; imageHash: string }>();
  for (const b of builds) for (const { result: c } of b.cases.values()) rowKeys.set(`${c.id}\0${c.image?.label ?? ''}`, { id: c.id, image: c.image?.label ?? '—', imageHash: c.image?.sha256 ?? '' });
  const latestIds = new Set(latestCases.map((c) => c.id));
  const rows = [...rowKeys.entries()].map(([key, r]) => {
    const now = latest.cases.get(key)?.result.outcome;
    const before = previous?.cases.get(key)?.result.outcome;
    const newFailure = now !== undefined && before !== undefined && BAD.has(now) && GOOD.has(before);
    return {
      ...r,
      key,
      newFailure,
      failing: now !== undefined && BAD.has(now),
      href: latestIds.has(r.id) ? `${casePath(r.id).split(path.sep).join('/')}/index.html` : undefined,
      cells: builds.map((b) => {
        const c = b.cases.get(key)?.result;
        return { outcome: c?.outcome, title: c ? `${c.outcome}${c.message ? `: ${c.message}` : ''}` : '' };
      }),
    };
  });
  rows.sort((a, b) => Number(b.newFailure) - Number(a.newFailure) || Number(b.failing) - Number(a.failing) || a.id.localeCompare(b.id) || a.image.localeCompare(b.image));

  const overview = overviewT({
    latest: {
      engine: latest.label,
      startedAt: latest.startedAt,
      shards: latest.sources.length > 1 ? latest.sources.length : undefined,
    },
    counts,
    apps,
    builds: builds.map((b) => ({ label: b.label, commit: b.commit })),
    rows,
  });
  const index = path.join(out, 'index.html');
  writeFileSync(index, page('Overview', '', overview));

  for (const { result: c, source } of latest.cases.values()) {
    const history = builds.flatMap((b) =>
      [...b.cases.values()].filter((v) => v.result.id === c.id).map((v) => ({ build: b.label, image: v.result.image?.label ?? '—', outcome: v.result.outcome, instructions: v.result.instructions, mips: v.result.mips })),
    );
    writeCasePage(out, c, source, history);
  }
  writeTrends(out, trendData(opts, builds));
  return index;
}
