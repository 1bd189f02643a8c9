import { describe, expect, it } from 'vitest';
import { PowerOff } from '../../../engine/devices/power-off.js';
import { makeMachine } from './helpers.js';

describe('PowerOff', () => {
  it('powers off after "Shutdown" is written to 0x8900, even after a false start', () => {
    const m = makeMachine(undefined, undefined, { sharedMemory: true });
    const events: string[] = [];
    new PowerOff(m.ctx, { onPowerOff: (s) => events.push(s) });
    for (const c of 'ShuSShutdow') m.io.write8(0x8900, c.charCodeAt(0));
    expect(events).toEqual([]);
    m.io.write8(0x8900, 'n'.charCodeAt(0));
    expect(events).toEqual(['shutdown-port']);
  });

  it('ACPI PM1a_CNT: SLP_EN with the S5 sleep type powers off; other types do not', () => {
    const m = makeMachine(undefined, undefined, { sharedMemory: true });
    const events: string[] = [];
    const p = new PowerOff(m.ctx, { onPowerOff: (s) => events.push(s), s5SleepType: 5 });
    m.io.write16(0xb004, 0x0001); // SCI_EN
    expect(m.io.read16(0xb004)).toBe(0x0001);
    m.io.write16(0xb004, (1 << 13) | (1 << 10) | 1); // S1-ish
    expect(events).toEqual([]);
    expect(p.lastSleepRequest).toBe(1);
    m.io.write16(0xb004, (1 << 13) | (5 << 10) | 1);
    expect(events).toEqual(['acpi-s5']);
    expect(m.io.read16(0xb004) & (1 << 13)).toBe(0);
  });

  it('ports can be disabled', () => {
    const m = makeMachine(undefined, undefined, { sharedMemory: true });
    new PowerOff(m.ctx, { onPowerOff: () => {}, pm1aControlPort: null, shutdownPort: null });
    expect(m.io.ownerOf(0xb004)).toBeUndefined();
    expect(m.io.ownerOf(0x8900)).toBeUndefined();
  });
});
