/**
 * `lab run`: load suites, select cases (--grep, --tag, --shard), build their
 * images, run them in the worker pool, and write results.json, JUnit XML, the
 * results store and (optionally) the HTML report. Returns the exit code:
 * 0 all passed (or xfail), 1 any FAIL or XPASS, 3 any ERROR; suite-file and
 * usage problems are thrown as UsageError (2) before anything runs.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../cli/errors.js';
import { engineInfo } from '../build-info.js';
import { toJUnit } from '../results/junit.js';
import { exitCodeFor, RESULTS_FILE, RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, summarize, type CaseResult, type EngineInfo, type RunResults } from '../results/schema.js';
import { ResultsStore } from '../results/store-sqlite.js';
import type { UpdateGoldens } from '../steps/session.js';
import { loadSuites, type ResolvedCase } from '../suite/loader.js';
import { workerPool, type Executor } from './pool.js';
import { prepareCase, type CaseTask, type TaskOptions } from './prepare.js';
import { makeProgress, type Progress } from './progress.js';
import { selectShard, type Shard } from './shard.js';

export interface RunSettings {
  paths: string[];
  jobs: number;
  grep?: string;
  tags: string[];
  shard?: Shard;
  cpu?: 'interp' | 'jit';
  updateGoldens: UpdateGoldens;
  resultsDir: string;
  junit?: string;
  /** Results store; null to skip recording. */
  db: string | null;
  goldenRoot: string;
  cacheDir: string;
  reproSnapshots: boolean;
  pollInstructions?: number;
  progress: 'auto' | 'bar' | 'lines' | 'none';
  engine?: EngineInfo;
}

export interface RunOutcome {
  results: RunResults;
  exitCode: number;
  resultsFile: string;
}

export function selectCases(all: ResolvedCase[], s: Pick<RunSettings, 'grep' | 'tags' | 'shard'>): ResolvedCase[] {
  let re: RegExp | undefined;
  if (s.grep !== undefined) {
    try {
      re = new RegExp(s.grep);
    } catch (e) {
      throw new UsageError(`--grep: invalid regular expression: ${(e as Error).message}`);
    }
  }
  const picked = all.filter((c) => (!re || re.test(c.id)) && (s.tags.length === 0 || s.tags.some((t) => c.tags.includes(t))));
  return selectShard(picked, s.shard);
}

export async function runSuites(s: RunSettings, executor?: Executor, progress?: Progress): Promise<RunOutcome> {
  const cases = selectCases(loadSuites(s.paths), s);
  const engine = s.engine ?? engineInfo();
  const startedAt = new Date().toISOString();
  const resultsDir = path.resolve(s.resultsDir);
  // A results folder holds exactly one run: stale artifacts would be misattributed.
  rmSync(path.join(resultsDir, 'artifacts'), { recursive: true, force: true });
  rmSync(path.join(resultsDir, RESULTS_FILE), { force: true });
  mkdirSync(resultsDir, { recursive: true });
  const opts: TaskOptions = {
    goldenRoot: path.resolve(s.goldenRoot),
    resultsDir,
    updateGoldens: s.updateGoldens,
    engine,
    reproSnapshots: s.reproSnapshots,
    pollInstructions: s.pollInstructions,
  };
  const tasks: CaseTask[] = [];
  for (const c of cases) tasks.push(await prepareCase(c, opts, path.resolve(s.cacheDir), s.cpu));

  const exec = executor ?? workerPool(s.jobs);
  const prog = progress ?? makeProgress(s.progress);
  prog.start(tasks.length);
  const results: CaseResult[] = [];
  try {
    await Promise.all(
      tasks.map(async (t) => {
        const r = await exec.run(t);
        results.push(r);
        prog.done(r);
      }),
    );
  } finally {
    prog.stop();
    await exec.close();
  }
  results.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const run: RunResults = {
    schema: RESULTS_SCHEMA,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    run: {
      id: randomUUID(),
      startedAt,
      finishedAt: new Date().toISOString(),
      engine,
      cpu: s.cpu ?? null,
      shard: s.shard ?? null,
      updateGoldens: s.updateGoldens,
      host: { platform: `${os.platform()}-${os.arch()}`, node: process.version, cpus: os.cpus().length },
    },
    summary: summarize(results),
    cases: results,
  };
  const resultsFile = path.join(resultsDir, RESULTS_FILE);
  writeFileSync(resultsFile, JSON.stringify(run, null, 2) + '\n');
  if (s.junit) {
    mkdirSync(path.dirname(path.resolve(s.junit)), { recursive: true });
    writeFileSync(s.junit, toJUnit(run));
  }
  if (s.db) {
    const store = new ResultsStore(s.db);
    try {
      store.record(run, resultsFile);
    } finally {
      store.close();
    }
  }
  return { results: run, exitCode: exitCodeFor(results), resultsFile };
}

export function summaryLine(r: RunResults): string {
  const s = r.summary;
  const parts = ['PASS', 'FAIL', 'XFAIL', 'XPASS', 'ERROR', 'SKIP'].filter((k) => (s[k] ?? 0) > 0).map((k) => `${s[k]} ${k}`);
  return `${s.total ?? 0} case${s.total === 1 ? '' : 's'}: ${parts.join(', ') || 'none run'}`;
}
