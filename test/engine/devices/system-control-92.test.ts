import { describe, expect, it } from 'vitest';
import { SystemControl92 } from '../../../engine/devices/system-control-92.js';
import { makeMachine } from './helpers.js';

describe('SystemControl92', () => {
  it('bit 1 gates A20, bit 0 pulses reset on 0->1, reads mirror the A20 gate', () => {
    const m = makeMachine(undefined, undefined, { sharedMemory: true });
    let resets = 0;
    new SystemControl92(m.ctx, { onReset: () => resets++ });
    m.io.write8(0x92, 0x00);
    expect(m.memory.a20Enabled).toBe(false);
    m.io.write8(0x92, 0x02);
    expect(m.memory.a20Enabled).toBe(true);
    expect(m.io.read8(0x92)).toBe(0x02);
    m.memory.setA20(false);
    expect(m.io.read8(0x92)).toBe(0x00);
    m.io.write8(0x92, 0x03);
    expect(resets).toBe(1);
    expect(m.io.read8(0x92) & 1).toBe(0);
    m.io.write8(0x92, 0x0b);
    expect(resets).toBe(2);
    expect(m.io.read8(0x92)).toBe(0x0a);
  });
});
