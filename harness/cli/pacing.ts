/**
 * Real-time pacing for interactive use (`lab boot --realtime`).
 *
 * The engine only knows virtual time; pacing lives here in the harness. The
 * machine runs in slices of virtual time, and whenever the guest gets ahead
 * of the host's wall clock the loop sleeps the difference, so a guest's
 * delays and clocks look right to a person watching. A paced run stays
 * reproducible only as far as its inputs are: host input (stdin to COM1)
 * arrives whenever the person types it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Machine, RunOptions, RunResult } from '../../engine/machine.js';

export interface PacedRunOptions extends RunOptions {
  /** Virtual milliseconds per slice (default 10). */
  sliceMs?: number;
  /** Wall clock in milliseconds (injectable for tests). */
  now?: () => number;
  /** Waits the given wall milliseconds (injectable for tests). */
  wait?: (ms: number) => Promise<unknown>;
}

/** Runs like `machine.run(opts)` but never lets virtual time run ahead of wall time. */
export async function runPaced(machine: Machine, opts: PacedRunOptions): Promise<RunResult> {
  const now = opts.now ?? (() => performance.now());
  const wait = opts.wait ?? ((ms: number) => sleep(ms));
  const slice = opts.sliceMs ?? 10;
  const wall0 = now();
  const virtual0 = machine.virtualTimeMs;
  const budget = opts.maxInstructions ?? Infinity;
  const virtualBudget = opts.maxVirtualMs ?? Infinity;
  let retired = 0;
  for (;;) {
    const elapsedVirtual = machine.virtualTimeMs - virtual0;
    const r = machine.run({
      until: opts.until,
      pollInstructions: opts.pollInstructions,
      maxInstructions: budget - retired,
      maxVirtualMs: Math.min(slice, virtualBudget - elapsedVirtual),
    });
    retired += r.instructions;
    if (r.reason !== 'budget') return { ...r, instructions: retired };
    if (retired >= budget || machine.virtualTimeMs - virtual0 >= virtualBudget) return { reason: 'budget', instructions: retired };
    const ahead = machine.virtualTimeMs - virtual0 - (now() - wall0);
    // Yield to the event loop every slice, so host input (stdin) is delivered even when the guest is behind.
    await wait(Math.max(0, ahead));
  }
}
