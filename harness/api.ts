/**
 * The TypeScript API for cases that need logic. A suite case can name a
 * script module instead of steps:
 *
 *   cases:
 *     - name: menu-walk
 *       script: cases/menu-walk.mjs
 *
 * and the module's default export receives a Session with one method per
 * suite step (boot, waitText, waitScreen, waitSerial, waitStill, type, press,
 * mouseMove, click, screenshot, expectGolden, expectText, expectSerial,
 * expectPrint, snapshot, restore, shutdown) plus `machine` for direct access.
 * Budgets are guest quantities: `{ virtualMs }` or `{ instructions }`.
 *
 *   // @ts-check
 *   /** @type {import('compat-lab/harness/api').CaseScript} *\/
 *   export default async function (s) {
 *     await s.boot();
 *     s.waitText({ contains: 'Main menu' }, { timeout: { virtualMs: 5000 } });
 *     for (const item of ['File', 'Edit']) { s.press('Down'); s.expectGolden(`menu-${item}`); }
 *   }
 *
 * Scripts run in the worker thread as JavaScript modules (.mjs/.js); write
 * them in TypeScript and compile them, or check them with // @ts-check.
 */
import type { Session } from './steps/session.js';

export { Session, StepFailure, InfraFailure } from './steps/session.js';
export type { StepRecord, UpdateGoldens } from './steps/session.js';
export type { Budget } from './suite/budget.js';
export { parseBudget } from './suite/budget.js';
export type { TextMatch, Step } from './suite/schema.js';
export type { LabMachine, Frame } from './machine-api.js';

export type CaseScript = (session: Session) => Promise<void> | void;

/** Identity helper that gives a script's function its type. */
export function defineCase(fn: CaseScript): CaseScript {
  return fn;
}
