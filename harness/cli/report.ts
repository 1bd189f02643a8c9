/** `lab report [RESULTS…] --out DIR`: the HTML report. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { writeReport } from '../report/generate.js';
import { DEFAULT_DB } from '../results/store-sqlite.js';
import { intOption } from './options.js';

export function register(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report (opens offline from file://)')
    .argument('[results...]', 'results folders or files, oldest build first', [path.join('reports', 'results')])
    .option('-o, --out <dir>', 'report folder', path.join('reports', 'html'))
    .option('--db <file>', 'results store for the trends', DEFAULT_DB)
    .option('--no-db', 'draw trends only from the given results')
    .option('--builds <n>', 'engine builds shown in the trends', intOption('--builds'), 20)
    .action((results: string[], flags: { out: string; db: string | false; builds: number }) => {
      const index = writeReport({ results, out: flags.out, db: flags.db === false ? null : flags.db, builds: flags.builds });
      process.stdout.write(`${path.relative(process.cwd(), index)}\n`);
    });
}
