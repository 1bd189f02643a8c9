/**
 * results.json, schema version 1: one run of `lab run` (or a merge of shards).
 * Readers check the version and validate with zod, so an old or foreign file
 * is rejected with a clear message rather than misread.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../cli/errors.js';

export const RESULTS_SCHEMA = 'compat-lab/results';
export const RESULTS_SCHEMA_VERSION = 1;
export const RESULTS_FILE = 'results.json';

export const OUTCOMES = ['PASS', 'FAIL', 'XFAIL', 'XPASS', 'ERROR', 'SKIP'] as const;
export type Outcome = (typeof OUTCOMES)[number];

const stepSchema = z.object({
  index: z.number().int(),
  kind: z.string(),
  label: z.string(),
  line: z.number().int().optional(),
  outcome: z.enum(['pass', 'fail', 'error', 'not-run']),
  message: z.string().optional(),
  instructions: z.number(),
  virtualMs: z.number(),
  wallMs: z.number().optional(),
  artifacts: z.object({ expected: z.string().optional(), actual: z.string().optional(), diff: z.string().optional(), text: z.string().optional() }).optional(),
  golden: z.object({ name: z.string(), sha256: z.string(), written: z.enum(['created', 'updated']).optional() }).optional(),
  diffPixels: z.number().optional(),
});

export const caseResultSchema = z.object({
  id: z.string(),
  suite: z.string(),
  name: z.string(),
  file: z.string(),
  line: z.number().int(),
  app: z.string(),
  description: z.string().optional(),
  tags: z.array(z.string()),
  image: z.object({ label: z.string(), sha256: z.string() }).nullable(),
  tier: z.string(),
  cpuModel: z.string(),
  outcome: z.enum(OUTCOMES),
  message: z.string().optional(),
  xfail: z.object({ reason: z.string(), link: z.string().optional() }).optional(),
  skip: z.string().optional(),
  steps: z.array(stepSchema),
  instructions: z.number(),
  virtualMs: z.number(),
  wallMs: z.number(),
  mips: z.number(),
  /** Folder of this case's artifacts, relative to the results folder. */
  artifacts: z.string().nullable(),
  files: z
    .object({
      serial: z.array(z.string()).optional(),
      printer: z.string().optional(),
      trace: z.string().optional(),
      snapshot: z.string().optional(),
      repro: z.string().optional(),
    })
    .default({}),
});

export const engineInfoSchema = z.object({ version: z.string(), commit: z.string(), dirty: z.boolean() });

export const runResultsSchema = z.object({
  schema: z.literal(RESULTS_SCHEMA),
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  run: z.object({
    id: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    engine: engineInfoSchema,
    cpu: z.string().nullable(),
    shard: z.object({ index: z.number().int(), count: z.number().int() }).nullable(),
    /** Shards this result was merged from (run ids). */
    mergedFrom: z.array(z.string()).optional(),
    updateGoldens: z.string(),
    host: z.object({ platform: z.string(), node: z.string(), cpus: z.number() }),
  }),
  summary: z.record(z.string(), z.number()),
  cases: z.array(caseResultSchema),
});

export type StepResult = z.infer<typeof stepSchema>;
export type CaseResult = z.infer<typeof caseResultSchema>;
export type RunResults = z.infer<typeof runResultsSchema>;
export type EngineInfo = z.infer<typeof engineInfoSchema>;

export function summarize(cases: readonly CaseResult[]): Record<string, number> {
  const s: Record<string, number> = { total: cases.length };
  for (const o of OUTCOMES) s[o] = 0;
  for (const c of cases) s[c.outcome] = (s[c.outcome] ?? 0) + 1;
  return s;
}

/** Exit code of a run: 3 on any ERROR, else 1 on any FAIL or XPASS, else 0. */
export function exitCodeFor(cases: readonly CaseResult[]): number {
  if (cases.some((c) => c.outcome === 'ERROR')) return 3;
  if (cases.some((c) => c.outcome === 'FAIL' || c.outcome === 'XPASS')) return 1;
  return 0;
}

/** Accepts a results.json path or a folder containing one. */
export function resultsPath(p: string): string {
  return p.endsWith('.json') ? p : path.join(p, RESULTS_FILE);
}

export interface LoadedResults {
  file: string;
  /** The folder artifact paths are relative to. */
  dir: string;
  results: RunResults;
}

export function readResults(p: string): LoadedResults {
  const file = resultsPath(p);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(err.code === 'ENOENT' ? `${file}: no such results file` : `${file}: not valid JSON (${err.message})`);
  }
  const head = raw as { schema?: unknown; schemaVersion?: unknown };
  if (head?.schema !== RESULTS_SCHEMA) throw new UsageError(`${file}: not a lab results file (expected "schema": "${RESULTS_SCHEMA}")`);
  if (head.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new UsageError(`${file}: results schema version ${String(head.schemaVersion)} is not supported (expected ${RESULTS_SCHEMA_VERSION})`);
  }
  const r = runResultsSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsageError(`${file}: ${i.path.join('.')}: ${i.message}`);
  }
  return { file, dir: path.dirname(file), results: r.data };
}
