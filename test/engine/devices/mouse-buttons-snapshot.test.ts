/**
 * Held mouse buttons survive a snapshot: a machine restored while a button
 * is down continues exactly as the original does with the same input.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../../engine/machine.js';
import { decodeSnapshot } from '../../../engine/snapshot/snapshot-file.js';

function mouseButtons(snapshot: Uint8Array): number {
  const s = decodeSnapshot(snapshot) as { devices: { i8042: { mouse: { buttons: number } } } };
  return s.devices.i8042.mouse.buttons;
}

describe('mouse buttons in snapshots', () => {
  it('keeps the left button held across restore when the right one is pressed and released', async () => {
    const a = await Machine.create({});
    a.mouse.down('left');
    const snap = a.snapshot();
    expect(mouseButtons(snap)).toBe(1);
    const b = await Machine.restore(snap);
    for (const m of [a, b]) m.mouse.down('right');
    expect(mouseButtons(b.snapshot())).toBe(3);
    for (const m of [a, b]) m.mouse.click('middle');
    for (const m of [a, b]) m.mouse.up('right');
    expect(mouseButtons(b.snapshot())).toBe(1);
    expect(Buffer.from(b.snapshot()).equals(Buffer.from(a.snapshot()))).toBe(true);
    b.mouse.up('left');
    expect(mouseButtons(b.snapshot())).toBe(0);
    a.dispose();
    b.dispose();
  });
});
