import { describe, expect, it } from 'vitest';
import type { Machine, RunOptions, RunResult } from '../../../engine/machine.js';
import { runPaced } from '../../../harness/cli/pacing.js';

/** A stand-in machine: 1 instruction per virtual microsecond; `until` turns true at a given virtual time. */
function fakeMachine(stopAtMs = Infinity) {
  let virtualMs = 0;
  const calls: RunOptions[] = [];
  const m = {
    get virtualTimeMs() {
      return virtualMs;
    },
    run(opts: RunOptions): RunResult {
      calls.push(opts);
      const byBudget = Math.min(opts.maxInstructions ?? Infinity, (opts.maxVirtualMs ?? Infinity) * 1000);
      const untilAt = opts.until ? (stopAtMs - virtualMs) * 1000 : Infinity;
      const n = Math.max(0, Math.min(byBudget, untilAt));
      virtualMs += n / 1000;
      return { reason: untilAt <= byBudget ? 'until' : 'budget', instructions: n };
    },
  };
  return { machine: m as unknown as Machine, calls };
}

describe('real-time pacing', () => {
  it('sleeps whenever virtual time is ahead of the wall clock, in slices', async () => {
    const { machine, calls } = fakeMachine();
    let wall = 0;
    const waits: number[] = [];
    const r = await runPaced(machine, {
      maxVirtualMs: 100,
      sliceMs: 10,
      now: () => wall,
      wait: async (ms) => {
        waits.push(ms);
        wall += ms;
      },
    });
    expect(r).toEqual({ reason: 'budget', instructions: 100_000 });
    expect(calls.map((c) => c.maxVirtualMs)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
    // The guest ran 10 ms ahead each slice (the fake host takes no time to emulate): it waits 10 ms each time.
    expect(waits).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10]);
    expect(wall).toBe(90);
  });

  it('does not wait when the host is behind, and stops on the until condition', async () => {
    const { machine } = fakeMachine(25);
    let wall = 0;
    const waits: number[] = [];
    const r = await runPaced(machine, {
      until: () => true,
      sliceMs: 10,
      now: () => (wall += 50),
      wait: async (ms) => void waits.push(ms),
    });
    expect(r).toEqual({ reason: 'until', instructions: 25_000 });
    expect(waits).toEqual([0, 0]);
  });

  it('honours the instruction budget across slices', async () => {
    const { machine } = fakeMachine();
    const r = await runPaced(machine, { maxInstructions: 15_500, sliceMs: 10, now: () => 1e9, wait: async () => undefined });
    expect(r).toEqual({ reason: 'budget', instructions: 15_500 });
    expect(machine.virtualTimeMs).toBe(15.5);
  });
});
