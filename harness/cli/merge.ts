/** `lab merge RESULTS…`: combine shard results into one. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { mergeInto } from '../results/merge.js';
import { readResults, exitCodeFor } from '../results/schema.js';
import { ResultsStore, DEFAULT_DB } from '../results/store-sqlite.js';
import { toJUnit } from '../results/junit.js';
import { writeFileSync } from 'node:fs';
import { summaryLine } from '../runner/run.js';

export function register(program: Command): void {
  program
    .command('merge')
    .description('merge the results of shards (results folders or results.json files) into one')
    .argument('<results...>', 'results folders or files')
    .option('-o, --out <dir>', 'merged results folder', path.join('reports', 'merged'))
    .option('--junit <file>', 'also write JUnit XML here')
    .option('--db <file>', 'record the merged run in this results store')
    .action((inputs: string[], flags: { out: string; junit?: string; db?: string }) => {
      const { merged, file } = mergeInto(inputs.map(readResults), flags.out);
      if (flags.junit) writeFileSync(flags.junit, toJUnit(merged));
      if (flags.db) {
        const store = new ResultsStore(flags.db ?? DEFAULT_DB);
        try {
          store.record(merged, file);
        } finally {
          store.close();
        }
      }
      process.stderr.write(`${summaryLine(merged)}; merged into ${path.relative(process.cwd(), file)}\n`);
      process.exitCode = exitCodeFor(merged.cases);
    });
}
