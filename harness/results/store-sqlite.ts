/**
 * The results store: every run recorded in SQLite (better-sqlite3),
 * reports/lab.db by default. Rows are keyed by engine commit, suite, case,
 * image hash and tier, with instruction counts, virtual and wall time and
 * MIPS, so reports can draw trends across engine builds and the gate can
 * compare against a commit instead of a results file.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { InfraError } from '../cli/errors.js';
import type { CaseResult, Outcome, RunResults } from './schema.js';

export const DEFAULT_DB = path.join('reports', 'lab.db');
const STORE_VERSION = 1;

export interface StoredCase {
  runId: string;
  engineCommit: string;
  startedAt: string;
  suite: string;
  caseName: string;
  caseId: string;
  imageHash: string;
  imageLabel: string;
  tier: string;
  outcome: Outcome;
  instructions: number;
  virtualMs: number;
  wallMs: number;
  mips: number;
}

export interface BuildRow {
  engineCommit: string;
  engineVersion: string;
  lastRun: string;
}

export class ResultsStore {
  private db: Database.Database;

  constructor(readonly file: string) {
    try {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      this.db = new Database(file);
    } catch (e) {
      throw new InfraError(`cannot open results store ${file}: ${(e as Error).message}`);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY,
        engine_commit TEXT NOT NULL,
        engine_version TEXT NOT NULL,
        dirty INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        shard TEXT,
        results_file TEXT
      );
      CREATE TABLE IF NOT EXISTS case_results (
        run_id TEXT NOT NULL REFERENCES runs(run_id),
        engine_commit TEXT NOT NULL,
        suite TEXT NOT NULL,
        case_name TEXT NOT NULL,
        case_id TEXT NOT NULL,
        image_hash TEXT NOT NULL,
        image_label TEXT NOT NULL DEFAULT '',
        tier TEXT NOT NULL,
        outcome TEXT NOT NULL,
        instructions INTEGER NOT NULL,
        virtual_ms REAL NOT NULL,
        wall_ms REAL NOT NULL,
        mips REAL NOT NULL,
        started_at TEXT NOT NULL,
        PRIMARY KEY (run_id, case_id)
      );
      CREATE INDEX IF NOT EXISTS case_key ON case_results (engine_commit, suite, case_name, image_hash, tier);
    `);
    // Stores written before image labels were recorded get the column added.
    const cols = this.db.prepare('PRAGMA table_info(case_results)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'image_label')) this.db.exec("ALTER TABLE case_results ADD COLUMN image_label TEXT NOT NULL DEFAULT ''");
    const v = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('version') as { value: string } | undefined;
    if (!v) this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('version', String(STORE_VERSION));
    else if (Number(v.value) !== STORE_VERSION) throw new InfraError(`${file}: results store version ${v.value} is not supported (expected ${STORE_VERSION})`);
  }

  /** Records a run (idempotent: recording the same run id again replaces it). */
  record(r: RunResults, resultsFile?: string): void {
    const tx = this.db.transaction(() => {
      this.db.prepare('DELETE FROM case_results WHERE run_id = ?').run(r.run.id);
      this.db
        .prepare('INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(r.run.id, r.run.engine.commit, r.run.engine.version, r.run.engine.dirty ? 1 : 0, r.run.startedAt, r.run.finishedAt, r.run.shard ? `${r.run.shard.index}/${r.run.shard.count}` : null, resultsFile ?? null);
      const ins = this.db.prepare(
        `INSERT INTO case_results (run_id, engine_commit, suite, case_name, case_id, image_hash, image_label, tier, outcome, instructions, virtual_ms, wall_ms, mips, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const c of r.cases) {
        ins.run(r.run.id, r.run.engine.commit, c.suite, c.name, c.id, c.image?.sha256 ?? '', c.image?.label ?? '', c.tier, c.outcome, c.instructions, c.virtualMs, c.wallMs, c.mips, r.run.startedAt);
      }
    });
    tx();
  }

  /** The last `n` engine builds that have results, oldest first. */
  builds(n: number): BuildRow[] {
    const rows = this.db
      .prepare(
        'SELECT engine_commit AS engineCommit, MAX(engine_version) AS engineVersion, MAX(started_at) AS lastRun FROM runs GROUP BY engine_commit ORDER BY lastRun DESC LIMIT ?',
      )
      .all(n) as BuildRow[];
    return rows.reverse();
  }

  /** Every case result recorded for the given engine builds. */
  casesFor(commits: string[]): StoredCase[] {
    if (commits.length === 0) return [];
    const q = `SELECT run_id AS runId, engine_commit AS engineCommit, started_at AS startedAt, suite, case_name AS caseName, case_id AS caseId,
      image_hash AS imageHash, image_label AS imageLabel, tier, outcome, instructions, virtual_ms AS virtualMs, wall_ms AS wallMs, mips
      FROM case_results WHERE engine_commit IN (${commits.map(() => '?').join(',')}) ORDER BY started_at, case_id`;
    return this.db.prepare(q).all(...commits) as StoredCase[];
  }

  /** Engine commits that start with `prefix` (for `lab gate --baseline COMMIT`). */
  commitsMatching(prefix: string): string[] {
    return (this.db.prepare('SELECT DISTINCT engine_commit AS c FROM runs WHERE engine_commit LIKE ?').all(`${prefix}%`) as { c: string }[]).map((r) => r.c);
  }

  close(): void {
    this.db.close();
  }
}

/** Case results of a stored build in the shape of results.json cases (fields the store does not keep are empty). */
export function storedAsCaseResults(rows: StoredCase[]): CaseResult[] {
  // The latest run of each case wins.
  const latest = new Map<string, StoredCase>();
  for (const r of rows) latest.set(`${r.caseId}\0${r.imageHash}\0${r.tier}`, r);
  return [...latest.values()].map((r) => ({
    id: r.caseId,
    suite: r.suite,
    name: r.caseName,
    file: '',
    line: 0,
    app: r.suite,
    tags: [],
    image: r.imageHash ? { label: r.imageLabel || r.imageHash.slice(0, 12), sha256: r.imageHash } : null,
    tier: r.tier,
    cpuModel: '',
    outcome: r.outcome,
    steps: [],
    instructions: r.instructions,
    virtualMs: r.virtualMs,
    wallMs: r.wallMs,
    mips: r.mips,
    artifacts: null,
    files: {},
  }));
}
