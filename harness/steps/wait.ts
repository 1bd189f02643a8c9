/**
 * Running the machine until a condition holds or a budget of guest time is
 * spent. Budgets are virtual milliseconds or instructions, never host time.
 */
import type { LabMachine, RunReason } from '../machine-api.js';
import type { Budget } from '../suite/budget.js';
import { framesEqual } from '../golden/compare.js';

export const DEFAULT_POLL_INSTRUCTIONS = 100_000;

export interface WaitOutcome {
  met: boolean;
  /** Why the run stopped when the condition did not hold. */
  reason: RunReason;
  exitCode?: number;
}

export function runOptionsFor(b: Budget): { maxVirtualMs?: number; maxInstructions?: number } {
  return b.instructions !== undefined ? { maxInstructions: b.instructions } : { maxVirtualMs: b.virtualMs };
}

/** Guest time spent since `start`, in the budget's unit. */
function spent(m: LabMachine, b: Budget, start: { insn: number; ms: number }): number {
  return b.instructions !== undefined ? m.instructions - start.insn : m.virtualTimeMs - start.ms;
}

function remaining(m: LabMachine, b: Budget, start: { insn: number; ms: number }): Budget {
  const left = Math.max(0, (b.instructions ?? b.virtualMs ?? 0) - spent(m, b, start));
  return b.instructions !== undefined ? { instructions: left } : { virtualMs: left };
}

export function waitFor(m: LabMachine, cond: () => boolean, timeout: Budget, pollInstructions = DEFAULT_POLL_INSTRUCTIONS): WaitOutcome {
  if (cond()) return { met: true, reason: 'until' };
  const r = m.run({ ...runOptionsFor(timeout), until: () => cond(), pollInstructions });
  const met = r.reason === 'until' || cond();
  return { met, reason: r.reason, exitCode: r.exitCode };
}

/**
 * How often to look at the screen while waiting for it to stay still: about
 * 20 looks per `duration`, never more often than `pollInstructions`. Rendering
 * a frame costs far more than running 100,000 instructions, and a change that
 * lasts less than a twentieth of the duration is not what "still" guards.
 */
export function stillPoll(duration: Budget, pollInstructions: number, instructionsPerMs: number): number {
  const total = duration.instructions ?? (duration.virtualMs ?? 0) * instructionsPerMs;
  return Math.max(pollInstructions, Math.floor(total / 20));
}

/**
 * Waits until the screen has not changed for `duration` of guest time.
 * A machine that halts or powers off is still by definition.
 */
export function waitStill(m: LabMachine, duration: Budget, timeout: Budget, pollInstructions = DEFAULT_POLL_INSTRUCTIONS): WaitOutcome {
  const start = { insn: m.instructions, ms: m.virtualTimeMs };
  for (;;) {
    const ref = m.screen();
    const copy = { width: ref.width, height: ref.height, data: Uint8Array.from(ref.data) };
    const left = remaining(m, timeout, start);
    const leftAmount = left.instructions ?? left.virtualMs ?? 0;
    if (leftAmount <= 0) return { met: false, reason: 'budget' };
    const r = m.run({ ...runOptionsFor(duration), until: () => !framesEqual(m.screen(), copy), pollInstructions });
    if (r.reason === 'budget') return { met: true, reason: 'budget' };
    if (r.reason !== 'until') return { met: true, reason: r.reason, exitCode: r.exitCode };
    if (spent(m, timeout, start) >= (timeout.instructions ?? timeout.virtualMs ?? 0)) return { met: false, reason: 'budget' };
  }
}

export function describeStop(reason: RunReason, exitCode?: number): string {
  switch (reason) {
    case 'budget':
      return 'timed out';
    case 'halted':
      return 'the guest halted';
    case 'power-off':
      return 'the guest powered off';
    case 'debug-exit':
      return `the guest exited through the debug port (code ${exitCode ?? '?'})`;
    case 'triple-fault':
      return 'the guest triple-faulted';
    default:
      return 'the condition did not hold';
  }
}
