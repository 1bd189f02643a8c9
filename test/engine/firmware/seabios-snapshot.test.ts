/**
 * A SeaBIOS machine restored from a snapshot continues bit-identically. SeaBIOS
 * runs from shadow RAM at F0000h once its POST has set the i440FX PAM
 * registers; a restored machine must map that shadow RAM again (not the ROM
 * behind it), or INT services and the timer handler run stale ROM code.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../../engine/machine.js';
import { assemble, floppyImage } from '../../helpers/nasm.js';

// Counts in a loop and prints through INT 10h teletype, so BIOS code runs after the snapshot.
const program = `bits 16
org 0x7c00
  jmp 0:start
start:
  xor cx, cx
.l: inc cx
  mov al, cl
  and al, 0x0f
  add al, 'A'
  mov ah, 0x0e
  mov bx, 7
  int 0x10
  jmp .l
times 510-($-$$) db 0
dw 0xaa55
`;

describe('SeaBIOS snapshot', () => {
  it('continues bit-identically after restore, with the BIOS in shadow RAM', async () => {
    const img = floppyImage(assemble(program), mkdtempSync(join(tmpdir(), 'lab-sb-snap-')));
    const a = await Machine.create({ fda: { path: img }, firmware: { kind: 'seabios' } });
    a.run({ until: (m) => m.text().includes('ABCDEFGH'), maxInstructions: 50_000_000 });
    expect(a.text()).toContain('ABCDEFGH');
    // F0000h reads back SeaBIOS's shadow copy, which differs from the ROM image somewhere.
    const shadow = a.memory.readBytes(0xf0000, 0x10000);
    const snap = a.snapshot();
    a.run({ maxInstructions: 300_000 });
    const b = await Machine.restore(snap);
    expect(Buffer.from(b.memory.readBytes(0xf0000, 0x10000)).equals(Buffer.from(shadow))).toBe(true);
    b.run({ maxInstructions: 300_000 });
    expect(b.instructions).toBe(a.instructions);
    expect(b.text()).toBe(a.text());
    expect(Buffer.from(b.memory.ram).equals(Buffer.from(a.memory.ram))).toBe(true);
    a.dispose();
    b.dispose();
  });
});
