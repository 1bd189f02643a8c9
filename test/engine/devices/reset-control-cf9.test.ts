import { describe, expect, it } from 'vitest';
import { ResetControlCf9, type ResetKind } from '../../../engine/devices/reset-control-cf9.js';
import { makeMachine } from './helpers.js';

function setup() {
  const m = makeMachine(undefined, undefined, { sharedMemory: true });
  const resets: ResetKind[] = [];
  const dev = new ResetControlCf9(m.ctx, { onReset: (k) => resets.push(k) });
  return { io: m.io, dev, resets };
}

describe('ResetControlCf9 (PIIX3 reset control register)', () => {
  it('reads 00h at power-on and keeps SRST (bit 1) without resetting', () => {
    const { io, resets } = setup();
    expect(io.read8(0xcf9)).toBe(0x00);
    io.write8(0xcf9, 0x02);
    expect(io.read8(0xcf9)).toBe(0x02);
    io.write8(0xcf9, 0xf9); // reserved bits and bit 0 are not stored
    expect(io.read8(0xcf9)).toBe(0x00);
    expect(resets).toEqual([]);
  });

  it('RCPU (bit 2) starts a hard reset with SRST set and a soft one without; RCPU reads back 0', () => {
    const { io, resets } = setup();
    io.write8(0xcf9, 0x02);
    io.write8(0xcf9, 0x06);
    expect(resets).toEqual(['hard']);
    expect(io.read8(0xcf9)).toBe(0x02);
    io.write8(0xcf9, 0x04);
    expect(resets).toEqual(['hard', 'soft']);
    io.write8(0xcf9, 0x04); // every write with bit 2 is a new 0→1 transition
    expect(resets).toEqual(['hard', 'soft', 'soft']);
  });

  it('does not claim 0xCF8 (PCI CONFIG_ADDRESS) and returns to 00h on reset; state round-trips', () => {
    const { io, dev } = setup();
    expect(io.ownerOf(0xcf8)).toBeUndefined();
    io.write8(0xcf9, 0x02);
    const saved = dev.saveState();
    dev.reset();
    expect(io.read8(0xcf9)).toBe(0x00);
    dev.loadState(saved);
    expect(io.read8(0xcf9)).toBe(0x02);
  });
});
