/**
 * Snapshot files written before a device existed (format version 1 without
 * the PIIX3 reset control register) still restore: the new device starts at
 * power-on, while a snapshot missing any other device is refused.
 */
import { describe, expect, it } from 'vitest';
import type { StateValue } from '../../../engine/devices/device.js';
import { Machine } from '../../../engine/machine.js';
import { decodeSnapshot, encodeSnapshot } from '../../../engine/snapshot/snapshot-file.js';

function withoutDevice(snapshot: Uint8Array, name: string): Uint8Array {
  const s = decodeSnapshot(snapshot);
  const devices = { ...(s.devices as { [name: string]: StateValue }) };
  delete devices[name];
  return encodeSnapshot({ ...s, devices });
}

describe('restoring snapshots from before a device was added', () => {
  it('restores one without reset-control-cf9 state, the register at 00h and working', async () => {
    const a = await Machine.create({});
    a.io.write8(0xcf9, 0x02);
    const b = await Machine.restore(withoutDevice(a.snapshot(), 'reset-control-cf9'), 'old.snap');
    expect(b.io.read8(0xcf9)).toBe(0x00);
    b.io.write8(0xcf9, 0x06);
    expect(b.log.at(-1)).toBe('system reset (CF9h hard reset)');
    a.dispose();
    b.dispose();
  });

  it('still refuses a snapshot that lacks a device the format always had', async () => {
    const a = await Machine.create({});
    await expect(Machine.restore(withoutDevice(a.snapshot(), 'i8042'), 'bad.snap')).rejects.toThrow(/bad\.snap: no saved state for device i8042/);
    a.dispose();
  });
});
