/**
 * `lab golden approve`: promotes the actual captures of a run to goldens
 * (screens, serial and printer output of failed golden steps), recording
 * provenance. `lab golden prune`: lists golden files no case uses.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { LoadedResults } from '../results/schema.js';
import type { ResolvedCase } from '../suite/loader.js';
import { goldenCaseDir, goldenMetaPath, goldenPngPath, goldenTextPath, sha256, writeGoldenMeta } from './golden.js';

const GOLDEN_STEPS = new Set(['expect_golden', 'wait_screen', 'expect_print', 'expect_serial']);

export interface Approval {
  caseId: string;
  name: string;
  file: string;
  action: 'created' | 'updated';
}

export function approve(loaded: LoadedResults, goldenRoot: string, caseFilter: string[] = []): Approval[] {
  const out: Approval[] = [];
  const { results, dir } = loaded;
  for (const c of results.cases) {
    if (caseFilter.length && !caseFilter.some((f) => f === c.id || f === c.name)) continue;
    if (!c.artifacts) continue;
    for (const s of c.steps) {
      if (!GOLDEN_STEPS.has(s.kind) || s.outcome !== 'fail' || !s.artifacts?.actual) continue;
      const m = /^(.*)\.actual\.(png|txt)$/.exec(s.artifacts.actual);
      if (!m) continue;
      const [, name, ext] = m as unknown as [string, string, string];
      const from = path.join(dir, c.artifacts, s.artifacts.actual);
      if (!existsSync(from)) continue;
      const to = ext === 'png' ? goldenPngPath(goldenRoot, c.id, name) : goldenTextPath(goldenRoot, c.id, name);
      const existed = existsSync(to);
      if (existed && sha256(readFileSync(to)) === sha256(readFileSync(from))) continue;
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(from, to);
      writeGoldenMeta(goldenMetaPath(goldenRoot, c.id, name), {
        engineVersion: results.run.engine.version,
        engineCommit: results.run.engine.commit,
        imageHash: c.image?.sha256 ?? '',
        date: new Date().toISOString().slice(0, 10),
        case: c.id,
      });
      out.push({ caseId: c.id, name, file: to, action: existed ? 'updated' : 'created' });
    }
  }
  return out;
}

/** Golden names each case refers to; undefined for scripted cases (their goldens cannot be known statically). */
function usedNames(c: ResolvedCase): Set<string> | undefined {
  if (c.script) return undefined;
  const names = new Set<string>();
  for (const s of c.steps) {
    if (s.kind === 'expect_golden') names.add(s.name);
    else if (s.kind === 'wait_screen' || s.kind === 'expect_print') names.add(s.golden);
    else if (s.kind === 'expect_serial' && 'golden' in s.match) names.add(s.match.golden);
  }
  return names;
}

function walk(dir: string, acc: string[] = []): string[] {
  if (!existsSync(dir)) return acc;
  for (const e of readdirSync(dir).sort()) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) walk(p, acc);
    else acc.push(p);
  }
  return acc;
}

/**
 * Golden files (png, json, txt) in the folders of the loaded suites
 * (`goldenRoot/<suite>/`) that no case of those suites uses. Folders of suites
 * that were not loaded, and goldens owned by engine tests (e.g.
 * golden/real-software/), are outside the question and never listed.
 */
export function unusedGoldens(cases: ResolvedCase[], goldenRoot: string, remove = false): string[] {
  const used = new Set<string>();
  const scriptedDirs = new Set<string>();
  const suiteDirs = [...new Set(cases.map((c) => c.suite))].sort().map((s) => path.join(goldenRoot, s));
  for (const c of cases) {
    const names = usedNames(c);
    if (!names) {
      scriptedDirs.add(path.resolve(goldenCaseDir(goldenRoot, c.id)));
      continue;
    }
    for (const n of names) {
      for (const f of [goldenPngPath(goldenRoot, c.id, n), goldenMetaPath(goldenRoot, c.id, n), goldenTextPath(goldenRoot, c.id, n)]) used.add(path.resolve(f));
    }
  }
  const unused = suiteDirs
    .flatMap((d) => walk(d))
    .map((f) => path.resolve(f))
    .filter((f) => !used.has(f) && !scriptedDirs.has(path.dirname(f)));
  if (remove) for (const f of unused) rmSync(f);
  return unused;
}
