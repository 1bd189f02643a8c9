/**
 * The worker pool: each case runs in a worker thread (piscina). A worker that
 * dies mid-case (an engine crash that takes the thread down, out of memory)
 * turns into an ERROR result for that case, not a failed run.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { CaseResult } from '../results/schema.js';
import type { CaseTask } from './prepare.js';

export type Executor = {
  run(task: CaseTask): Promise<CaseResult>;
  close(): Promise<void>;
};

/** The compiled worker: next to this module when running from dist/, else dist/ of the project. */
export function workerFile(): string {
  const beside = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../dist/harness/runner/worker.js', import.meta.url));
}

export function errorResult(task: CaseTask, message: string): CaseResult {
  const c = task.case;
  return {
    id: c.id,
    suite: c.suite,
    name: c.name,
    file: c.file,
    line: c.line,
    app: c.app,
    description: c.description,
    tags: c.tags,
    image: task.image,
    tier: task.tier,
    cpuModel: task.cpuModel,
    outcome: 'ERROR',
    message,
    xfail: c.xfail,
    skip: c.skip,
    steps: [],
    instructions: 0,
    virtualMs: 0,
    wallMs: 0,
    mips: 0,
    artifacts: null,
    files: {},
  };
}

export function workerPool(threads: number): Executor {
  const pool = new Piscina({
    filename: workerFile(),
    minThreads: 1,
    maxThreads: Math.max(1, threads),
    // One machine per thread at a time.
    concurrentTasksPerWorker: 1,
    idleTimeout: 1000,
  });
  return {
    run: async (task) => {
      try {
        return (await pool.run(task)) as CaseResult;
      } catch (e) {
        return errorResult(task, `worker crashed: ${(e as Error).message}`);
      }
    },
    close: () => pool.destroy(),
  };
}
