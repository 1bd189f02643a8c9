/**
 * Worker-thread entry (piscina): runs one case on the real engine. Each
 * thread holds at most one machine at a time; everything a case produces is
 * written to its own artifact folder and returned as a CaseResult.
 */
import type { CaseResult } from '../results/schema.js';
import { engineFactory } from './engine.js';
import type { CaseTask } from './prepare.js';
import { runCase } from './run-case.js';

export default async function runTask(task: CaseTask): Promise<CaseResult> {
  return runCase(task, engineFactory);
}
