/**
 * `lab merge`: combines the results of shards (or any disjoint runs of one
 * engine build) into one results folder, copying each case's artifacts. The
 * merged cases are in id order, so merging the shards of a run gives the same
 * case list as the unsharded run.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../cli/errors.js';
import { RESULTS_FILE, RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, summarize, type CaseResult, type LoadedResults, type RunResults } from './schema.js';

export function mergeResults(inputs: LoadedResults[]): RunResults {
  if (inputs.length === 0) throw new UsageError('merge: expected at least one results file');
  const first = inputs[0]!.results.run.engine;
  for (const l of inputs) {
    const e = l.results.run.engine;
    if (e.commit !== first.commit || e.dirty !== first.dirty) {
      throw new UsageError(`merge: ${l.file} is from engine ${e.commit}${e.dirty ? ' (dirty)' : ''}, ${inputs[0]!.file} from ${first.commit}${first.dirty ? ' (dirty)' : ''}; only results of one build can be merged`);
    }
  }
  const seen = new Map<string, string>();
  const cases: CaseResult[] = [];
  for (const l of inputs) {
    for (const c of l.results.cases) {
      const key = `${c.id}\0${c.image?.sha256 ?? ''}\0${c.tier}`;
      const prev = seen.get(key);
      if (prev) throw new UsageError(`merge: case ${c.id} is in both ${prev} and ${l.file}; shards must not overlap`);
      seen.set(key, l.file);
      cases.push(c);
    }
  }
  cases.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const runs = inputs.map((l) => l.results.run);
  const modes = [...new Set(runs.map((r) => r.updateGoldens))];
  const cpus = [...new Set(runs.map((r) => r.cpu))];
  const ids = runs.map((r) => r.id).sort();
  return {
    schema: RESULTS_SCHEMA,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    run: {
      // Merging the same inputs twice gives the same run id.
      id: `merged-${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16)}`,
      startedAt: runs.map((r) => r.startedAt).sort()[0]!,
      finishedAt: runs.map((r) => r.finishedAt).sort().at(-1)!,
      engine: first,
      cpu: cpus.length === 1 ? cpus[0]! : null,
      shard: null,
      mergedFrom: ids,
      updateGoldens: modes.length === 1 ? modes[0]! : modes.join('+'),
      host: runs[0]!.host,
    },
    summary: summarize(cases),
    cases,
  };
}

/** Merges into `outDir`: results.json plus every case's artifact folder. */
export function mergeInto(inputs: LoadedResults[], outDir: string): { merged: RunResults; file: string } {
  const merged = mergeResults(inputs);
  const out = path.resolve(outDir);
  for (const l of inputs) {
    if (path.resolve(l.dir) === out) throw new UsageError(`merge: the output folder ${outDir} is one of the inputs`);
  }
  rmSync(path.join(out, 'artifacts'), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const l of inputs) {
    for (const c of l.results.cases) {
      if (!c.artifacts) continue;
      const from = path.join(l.dir, c.artifacts);
      if (existsSync(from)) cpSync(from, path.join(out, c.artifacts), { recursive: true });
    }
  }
  const file = path.join(out, RESULTS_FILE);
  writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  return { merged, file };
}
