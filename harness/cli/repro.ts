/**
 * `lab repro <case-artifacts>`: replays a failed case from the snapshot taken
 * before its failing step (or from power-on when there is none) on the real
 * engine, step by step, and says whether the failure reproduced.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { engineFactory } from '../runner/engine.js';
import { REPRO_FILE, type ReproInfo } from '../runner/run-case.js';
import { Session, StepFailure } from '../steps/session.js';
import { UsageError } from './errors.js';

export function register(program: Command): void {
  program
    .command('repro')
    .description('replay a failed case from its artifacts folder (reports/results/artifacts/<suite>/<case>)')
    .argument('<case-artifacts>', 'the failed case’s artifacts folder (or its repro.json)')
    .option('--from-boot', 'replay every step from power-on instead of the saved snapshot')
    .action(async (dir: string, flags: { fromBoot?: boolean }) => {
      const file = dir.endsWith('.json') ? dir : path.join(dir, REPRO_FILE);
      if (!existsSync(file)) throw new UsageError(`${file}: no such file; \`lab repro\` takes the artifacts folder of a failed case`);
      const base = path.dirname(file);
      let info: ReproInfo;
      try {
        info = JSON.parse(readFileSync(file, 'utf8')) as ReproInfo;
      } catch (e) {
        throw new UsageError(`${file}: not valid JSON (${(e as Error).message})`);
      }
      if (info.version !== 1 || !Array.isArray(info.steps) || !info.config) throw new UsageError(`${file}: not a repro file this lab understands`);
      const session = new Session({
        caseId: info.caseId,
        config: info.config,
        factory: await engineFactory(),
        goldenRoot: info.goldenRoot,
        artifactsDir: path.join(base, 'repro'),
        updateGoldens: 'none',
        defaultTimeout: info.timeout,
        provenance: {},
        pollInstructions: info.pollInstructions,
      });
      const useSnapshot = !flags.fromBoot && info.snapshot !== null && existsSync(path.join(base, info.snapshot));
      let first = 0;
      if (useSnapshot) {
        await session.resume(readFileSync(path.join(base, info.snapshot!)));
        first = info.failedStep;
        process.stdout.write(`${info.caseId}: restored the state before step ${info.failedStep} (line ${info.stepLines[info.failedStep] ?? '?'})\n`);
      } else if (info.steps[0]?.kind !== 'boot') {
        await session.boot();
      }
      let failed = false;
      for (let i = first; i < info.steps.length; i++) {
        try {
          await session.step(info.steps[i]!, info.stepLines[i]);
          process.stdout.write(`  pass  ${session.records.at(-1)!.label}\n`);
        } catch (e) {
          process.stdout.write(`  ${e instanceof StepFailure ? 'FAIL' : 'ERROR'}  ${session.records.at(-1)?.label ?? ''}: ${(e as Error).message}\n`);
          failed = true;
          break;
        }
      }
      session.dispose();
      process.stdout.write(failed ? `reproduced; artifacts in ${path.join(base, 'repro')}\n` : 'did not reproduce: every step passed\n');
      process.exitCode = failed ? 1 : 0;
    });
}
