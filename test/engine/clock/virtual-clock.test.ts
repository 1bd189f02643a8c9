import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../engine/clock/virtual-clock.js';

describe('VirtualClock', () => {
  it('converts ticks to virtual time at the configured rate', () => {
    const c = new VirtualClock(50_000_000);
    c.ticks = 50_000_000;
    expect(c.nowMs).toBe(1000);
    expect(c.msToTicks(2)).toBe(100_000);
    expect(c.nsToTicks(1)).toBe(1); // rounds up: a timer never fires early
  });

  it('fires timers in deadline order, ties in scheduling order, only once due', () => {
    const c = new VirtualClock(1000);
    const fired: string[] = [];
    c.schedule(30, () => fired.push('c'));
    c.schedule(10, () => fired.push('a'));
    c.schedule(10, () => fired.push('b'));
    const cancelled = c.schedule(20, () => fired.push('x'));
    c.cancel(cancelled);
    expect(c.nextDeadline()).toBe(10);
    c.ticks = 9;
    c.fireDue();
    expect(fired).toEqual([]);
    c.ticks = 30;
    c.fireDue();
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(c.nextDeadline()).toBe(Infinity);
  });

  it('lets a timer re-arm itself for a periodic device', () => {
    const c = new VirtualClock(1000);
    let count = 0;
    const tick = (now: number) => {
      count++;
      c.schedule(now + 5, tick);
    };
    c.schedule(5, tick);
    for (c.ticks = 0; c.ticks <= 50; c.ticks++) c.fireDue();
    expect(count).toBe(10);
  });

  it('rejects a non-positive rate', () => {
    expect(() => new VirtualClock(0)).toThrow(/must be positive/);
  });
});
