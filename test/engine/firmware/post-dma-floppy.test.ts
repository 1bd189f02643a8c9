/**
 * What the built-in BIOS's POST leaves in the 8237 DMA controllers and the
 * floppy controller: channel 4 cascading DMA1 into DMA2, the floppy DOR at
 * 0Ch. Checked through the ports and by a boot sector that reads a floppy
 * sector by DMA without touching channel 4, as DOS-era drivers do.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../../engine/machine.js';
import { assemble, floppyImage } from '../../helpers/nasm.js';

const haltProgram = `bits 16
org 0x7c00
  cli
  hlt
times 510-($-$$) db 0
dw 0xaa55
`;

// Programs DMA channel 2 (I/O to memory, 512 bytes at 0000:8000), turns on
// drive 0's motor at the 1.44 MB data rate, sends READ DATA for C0 H0 S1 and polls for the result
// phase; then compares 8000h with the boot sector at 7C00h and writes
// 'Y' or 'N' and the seven result bytes to port E9h. Interrupts stay off: all by polling.
const dmaReadProgram = `bits 16
org 0x7c00
  jmp 0:start
start:
  cli
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov sp, 0x7c00
  mov al, 0x06        ; mask channel 2
  out 0x0a, al
  out 0x0c, al        ; clear the byte flip-flop
  mov al, 0x46        ; single transfer, increment, write to memory, channel 2
  out 0x0b, al
  xor al, al
  out 0x04, al        ; address 8000h
  mov al, 0x80
  out 0x04, al
  xor al, al
  out 0x81, al        ; page 0
  mov al, 0xff        ; count 511 (512 bytes)
  out 0x05, al
  mov al, 0x01
  out 0x05, al
  mov al, 0x02        ; unmask channel 2
  out 0x0a, al
  mov dx, 0x3f7
  xor al, al          ; CCR: 500 kbit/s, the 1.44 MB rate
  out dx, al
  mov dx, 0x3f2
  mov al, 0x1c        ; motor 0 on, DMA/IRQ gate, not reset, drive 0
  out dx, al
  mov si, cmd
  mov cx, 9
.send:
  mov dx, 0x3f4
.w1:
  in al, dx
  and al, 0xc0
  cmp al, 0x80
  jne .w1
  inc dx
  lodsb
  out dx, al
  loop .send
  mov di, 0x9000      ; results outside the sector being compared
  mov cx, 7
.recv:
  mov dx, 0x3f4
.w2:
  in al, dx
  and al, 0xc0
  cmp al, 0xc0
  jne .w2
  inc dx
  in al, dx
  stosb
  loop .recv
  mov si, 0x7c00
  mov di, 0x8000
  mov cx, 512
  repe cmpsb
  mov al, 'Y'
  je .out
  mov al, 'N'
.out:
  out 0xe9, al
  mov si, 0x9000
  mov cx, 7
.res:
  lodsb
  out 0xe9, al
  loop .res
  hlt
cmd: db 0xe6, 0x00, 0, 0, 1, 2, 18, 0x1b, 0xff
times 510-($-$$) db 0
dw 0xaa55
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-post-dma-'));
});

describe('built-in BIOS POST: DMA controllers and floppy DOR', () => {
  it('leaves channel 4 unmasked in cascade, channels 0–3 masked, DOR at 0Ch', async () => {
    const img = floppyImage(assemble(haltProgram), dir, 'halt.img');
    const m = await Machine.create({ fda: { path: img }, firmware: { kind: 'builtin' } });
    expect(m.run({ maxVirtualMs: 2000 }).reason).toBe('halted');
    // Mask register read-back (DMA1 at 0Fh, DMA2 at DEh): bit n = channel n masked.
    expect(m.io.read8(0x0f) & 0x0f).toBe(0x0f);
    expect(m.io.read8(0xde) & 0x0f).toBe(0x0e);
    expect(m.io.read8(0x3f2)).toBe(0x0c);
    m.dispose();
  });

  it('lets a boot sector read a floppy sector by DMA on channel 2 without programming the cascade', async () => {
    const img = floppyImage(assemble(dmaReadProgram), dir, 'dma.img');
    const m = await Machine.create({ fda: { path: img }, firmware: { kind: 'builtin' } });
    expect(m.run({ maxVirtualMs: 2000 }).reason).toBe('halted');
    const out = m.debugConsole.output();
    expect(String.fromCharCode(out[0])).toBe('Y');
    expect(out[1] & 0xc0).toBe(0x00); // ST0: normal termination
    m.dispose();
  });
});
