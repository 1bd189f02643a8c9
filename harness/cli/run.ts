/** `lab run`: run suites and write results, JUnit, the results store and the report. */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from './errors.js';
import { collect, defaultJobs, intOption } from './options.js';
import { parseShard } from '../runner/shard.js';
import { runSuites, summaryLine } from '../runner/run.js';
import { DEFAULT_DB } from '../results/store-sqlite.js';
import { UPDATE_MODES, type UpdateGoldens } from '../steps/session.js';
import { writeReport } from '../report/generate.js';

interface RunFlags {
  jobs: number;
  grep?: string;
  tag: string[];
  shard?: string;
  cpu?: 'interp' | 'jit';
  updateGoldens?: UpdateGoldens;
  results: string;
  junit?: string;
  report?: string;
  db: string | false;
  goldens: string;
  cache: string;
  reproSnapshots: boolean;
  progress: 'auto' | 'bar' | 'lines' | 'none';
}

/** CI never writes goldens: with CI set the mode is `none`, and asking for another is a usage error. */
export function effectiveUpdateMode(requested: UpdateGoldens | undefined, env: NodeJS.ProcessEnv = process.env): UpdateGoldens {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  if (ci && requested !== undefined && requested !== 'none') {
    throw new UsageError(`--update-goldens ${requested}: goldens are never written in CI (CI is set); approve captures locally with \`lab golden approve\``);
  }
  return requested ?? 'none';
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run compatibility suites (suite.yaml files or folders holding them)')
    .argument('[paths...]', 'suite files or folders', ['suites'])
    .option('-j, --jobs <n>', 'worker threads', intOption('--jobs'), defaultJobs())
    .option('--grep <re>', 'only cases whose id (suite/case) matches this regular expression')
    .option('--tag <tag>', 'only cases with this tag (repeatable: any of them)', collect, [])
    .option('--shard <i/n>', 'run the i-th of n deterministic slices (for CI matrices)')
    .addOption(new Option('--cpu <tier>', 'CPU tier for every case').choices(['interp', 'jit']))
    .addOption(new Option('--update-goldens <mode>', 'write goldens: none, missing, changed or all (never in CI)').choices([...UPDATE_MODES]))
    .option('--results <dir>', 'results folder (results.json and artifacts)', path.join('reports', 'results'))
    .option('--junit <file>', 'also write JUnit XML here')
    .option('--report <dir>', 'also write the HTML report here')
    .option('--db <file>', 'results store (SQLite)', DEFAULT_DB)
    .option('--no-db', 'do not record the run in the results store')
    .option('--goldens <dir>', 'goldens folder', 'golden')
    .option('--cache <dir>', 'cache for images built from nasm sources', path.join('reports', '.cache'))
    .option('--no-repro-snapshots', 'on failure, do not replay the case to snapshot the state before the failing step (`lab repro` then replays from boot)')
    .addOption(new Option('--progress <mode>', 'progress output').choices(['auto', 'bar', 'lines', 'none']).default('auto'))
    .action(async (paths: string[], flags: RunFlags) => {
      const outcome = await runSuites({
        paths,
        jobs: flags.jobs,
        grep: flags.grep,
        tags: flags.tag,
        shard: flags.shard ? parseShard(flags.shard) : undefined,
        cpu: flags.cpu,
        updateGoldens: effectiveUpdateMode(flags.updateGoldens),
        resultsDir: flags.results,
        junit: flags.junit,
        db: flags.db === false ? null : flags.db,
        goldenRoot: flags.goldens,
        cacheDir: flags.cache,
        reproSnapshots: flags.reproSnapshots,
        progress: flags.progress,
      });
      process.stderr.write(`${summaryLine(outcome.results)}; results in ${path.relative(process.cwd(), outcome.resultsFile)}\n`);
      if (flags.report) {
        const index = writeReport({ results: [outcome.resultsFile], out: flags.report, db: flags.db === false ? null : flags.db });
        process.stderr.write(`report: ${path.relative(process.cwd(), index)}\n`);
      }
      process.exitCode = outcome.exitCode;
    });
}
