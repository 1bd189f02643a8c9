/** `lab golden approve|prune`. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { approve, unusedGoldens } from '../golden/approve.js';
import { readResults } from '../results/schema.js';
import { loadSuites } from '../suite/loader.js';
import { UsageError } from './errors.js';
import { collect } from './options.js';

function refuseInCi(): void {
  const ci = process.env.CI;
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') throw new UsageError('golden approve: goldens are never written in CI (CI is set)');
}

export function register(program: Command): void {
  const golden = program.command('golden').description('manage golden screenshots and outputs');
  golden
    .command('approve')
    .description('promote the actual captures of failed golden steps in a run to goldens')
    .argument('<results>', 'results folder or results.json')
    .option('--case <id>', 'only this case (suite/case or case name; repeatable)', collect, [])
    .option('--goldens <dir>', 'goldens folder', 'golden')
    .action((results: string, flags: { case: string[]; goldens: string }) => {
      refuseInCi();
      const done = approve(readResults(results), flags.goldens, flags.case);
      for (const a of done) process.stdout.write(`${a.action} ${path.relative(process.cwd(), a.file)}\n`);
      process.stderr.write(`${done.length} golden${done.length === 1 ? '' : 's'} approved\n`);
    });
  golden
    .command('prune')
    .description('list golden files that no case uses')
    .argument('[paths...]', 'suite files or folders', ['suites'])
    .option('--goldens <dir>', 'goldens folder', 'golden')
    .option('--delete', 'delete them too')
    .action((paths: string[], flags: { goldens: string; delete?: boolean }) => {
      if (flags.delete) refuseInCi();
      const unused = unusedGoldens(loadSuites(paths), flags.goldens, flags.delete ?? false);
      for (const f of unused) process.stdout.write(`${path.relative(process.cwd(), f)}\n`);
      process.stderr.write(`${unused.length} unused golden file${unused.length === 1 ? '' : 's'}${flags.delete ? ' deleted' : ''}\n`);
    });
}
