/** `lab gate --baseline RESULTS|COMMIT --candidate RESULTS`: the CI regression gate. */
import { appendFileSync, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { compareRuns, formatMarkdown, formatText, githubAnnotations, type Side } from '../gate/gate.js';
import { readResults, type CaseResult } from '../results/schema.js';
import { DEFAULT_DB, ResultsStore, storedAsCaseResults } from '../results/store-sqlite.js';
import { UsageError } from './errors.js';
import { collect, intOption, numberOption } from './options.js';

export function sideFromArgs(args: string[], db: string, what: string): Side {
  if (args.length === 0) throw new UsageError(`gate: expected --${what} RESULTS${what === 'baseline' ? '|COMMIT' : ''}`);
  const runs: CaseResult[][] = [];
  const labels: string[] = [];
  for (const a of args) {
    if (!existsSync(a) && what === 'baseline' && /^[0-9a-f]{4,40}$/i.test(a)) {
      if (!existsSync(db)) throw new UsageError(`gate: ${a} is neither a results file nor a commit in the results store (${db} does not exist)`);
      const store = new ResultsStore(db);
      try {
        const commits = store.commitsMatching(a.toLowerCase());
        if (commits.length === 0) throw new UsageError(`gate: no results for engine commit ${a} in ${db}`);
        if (commits.length > 1) throw new UsageError(`gate: commit prefix ${a} is ambiguous in ${db} (${commits.map((c) => c.slice(0, 12)).join(', ')})`);
        const rows = store.casesFor(commits);
        const byRun = new Map<string, typeof rows>();
        for (const r of rows) byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r]);
        for (const rs of byRun.values()) runs.push(storedAsCaseResults(rs));
        labels.push(commits[0]!.slice(0, 12));
      } finally {
        store.close();
      }
      continue;
    }
    const l = readResults(a);
    runs.push(l.results.cases);
    labels.push(l.results.run.engine.commit.slice(0, 12));
  }
  return { label: [...new Set(labels)].join(','), runs };
}

export function register(program: Command): void {
  program
    .command('gate')
    .description('compare a candidate run with a baseline; exit 1 on a regression')
    .option('--baseline <results|commit>', 'baseline results (repeat for MIPS samples) or an engine commit in the results store', collect, [])
    .option('--candidate <results>', 'candidate results (repeat for MIPS samples)', collect, [])
    .option('--db <file>', 'results store for --baseline COMMIT', DEFAULT_DB)
    .option('--mips-threshold <fraction>', 'relative MIPS change treated as noise', numberOption('--mips-threshold'), 0.1)
    .option('--min-samples <n>', 'runs needed on each side to judge MIPS', intOption('--min-samples'), 3)
    .option('--fail-on-instruction-change', 'treat changed instruction counts as a regression')
    .action((flags: { baseline: string[]; candidate: string[]; db: string; mipsThreshold: number; minSamples: number; failOnInstructionChange?: boolean }) => {
      const baseline = sideFromArgs(flags.baseline, flags.db, 'baseline');
      const candidate = sideFromArgs(flags.candidate, flags.db, 'candidate');
      const report = compareRuns(baseline, candidate, {
        mipsThreshold: flags.mipsThreshold,
        minSamples: flags.minSamples,
        failOnInstructionChange: flags.failOnInstructionChange ?? false,
      });
      process.stdout.write(formatText(report, baseline.label, candidate.label));
      if (process.env.GITHUB_ACTIONS === 'true') {
        for (const line of githubAnnotations(report)) process.stdout.write(line + '\n');
        const summary = process.env.GITHUB_STEP_SUMMARY;
        if (summary) appendFileSync(summary, formatMarkdown(report, baseline.label, candidate.label));
      }
      process.exitCode = report.regression ? 1 : 0;
    });
}
