/**
 * `lab conformance <file-or-dir>...`: run SingleStepTests-format CPU vectors
 * through the reference CPU (runner in harness/conformance/). Prints failures
 * grouped by file and ends with "N passed, M failed". Exit 1 when a vector
 * fails that the allow-list does not cover, 2 on usage errors.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MODELS, type CpuModel } from '../../engine/cpu/spec.js';
import { findDefaultAllowList, loadAllowList } from '../conformance/allow-list.js';
import { formatFileFailures, runConformance, type AllowEntry } from '../conformance/runner.js';
import { listVectorFiles } from '../conformance/vectors.js';
import { UsageError } from './errors.js';

interface ConformanceOptions {
  cpuModel: string;
  json?: string;
  limit?: string;
  allowList?: string | false;
  show?: string;
}

export function register(program: Command): void {
  program
    .command('conformance')
    .description('run SingleStepTests-format CPU test vectors (*.json.gz / *.jsonl.gz) through the reference CPU')
    .argument('<paths...>', 'vector files or directories')
    .option('--cpu-model <model>', `CPU model (${MODELS.join(', ')})`, '8086')
    .option('--json <file>', 'write the full result as JSON')
    .option('--limit <n>', 'run only the first N vectors of each file')
    .option('--allow-list <file>', 'allow-list of known hardware-effect failures (default: the committed one)')
    .option('--no-allow-list', 'ignore the allow-list')
    .option('--show <n>', 'failures shown per file', '10')
    .action((paths: string[], opts: ConformanceOptions) => {
      const model = opts.cpuModel as CpuModel;
      if (!MODELS.includes(model)) throw new UsageError(`unknown CPU model "${opts.cpuModel}" (expected one of ${MODELS.join(', ')})`);
      for (const p of paths) if (!existsSync(p)) throw new UsageError(`${p}: no such file or directory`);
      let limit: number | undefined;
      if (opts.limit !== undefined) {
        limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit must be a positive integer, got "${opts.limit}"`);
      }
      const show = Number(opts.show ?? 10);
      if (listVectorFiles(paths).length === 0) throw new UsageError(`no *.json.gz or *.jsonl.gz vector files in ${paths.join(', ')}`);
      let allow: AllowEntry[] = [];
      if (opts.allowList !== false) {
        const file = typeof opts.allowList === 'string' ? opts.allowList : findDefaultAllowList();
        if (typeof opts.allowList === 'string' && !existsSync(opts.allowList)) throw new UsageError(`${opts.allowList}: no such file`);
        if (file !== undefined) {
          try {
            allow = loadAllowList(file);
          } catch (e) {
            throw new UsageError((e as Error).message);
          }
        }
      }
      const result = runConformance(paths, {
        model,
        limit,
        allow,
        onFile: (fr) => {
          for (const line of formatFileFailures(fr, Number.isFinite(show) ? show : 10)) process.stdout.write(line + '\n');
        },
      });
      if (result.allowListed > 0) {
        process.stdout.write(`${result.allowListed} failing vector(s) covered by the allow-list:\n`);
        for (const f of result.files) {
          for (const t of f.failures) if (t.allowListed) process.stdout.write(`  ${f.file} #${t.index} ${t.hash}: ${t.allowReason}\n`);
        }
      }
      if (result.revoked > 0) process.stdout.write(`${result.revoked} revoked vector(s) skipped\n`);
      if (opts.json !== undefined) writeFileSync(opts.json, JSON.stringify(result, null, 2) + '\n');
      process.stdout.write(`${result.passed} passed, ${result.failed} failed\n`);
      if (result.failed > 0) process.exitCode = 1;
    });
}
