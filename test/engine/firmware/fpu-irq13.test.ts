/**
 * The PC's x87 error path with CR0.NE = 0 on a pentium2 machine, under both
 * firmwares: an unmasked x87 exception asserts FERR#, the port-F0h latch
 * raises IRQ13, the firmware's INT 75h handler writes port F0h (IGNNE#) and
 * the waiting instruction then completes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../../engine/machine.js';
import { assemble, floppyImage } from '../../helpers/nasm.js';

const program = `bits 16
org 0x7c00
  jmp 0:start
start:
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  in al, 0xa1
  and al, 0xdf             ; unmask IRQ13 on the slave PIC
  out 0xa1, al
  in al, 0x21
  and al, 0xfb             ; and the cascade on the master
  out 0x21, al
  sti
  fninit
  fldcw [cw]               ; zero-divide unmasked
  fld1
  fldz
  fdivp st1, st0           ; pending unmasked ZE
  fwait                    ; FERR# → IRQ13 → INT 75h → port F0h → continues
  mov ax, 0x00e3
  xor dx, dx
  int 0x14
  mov si, ok
.u: lodsb
  or al, al
  jz .h
  mov ah, 1
  xor dx, dx
  int 0x14
  jmp .u
.h: cli
  hlt
cw: dw 0x037b
ok: db "FWAIT DONE", 0
times 510-($-$$) db 0
dw 0xaa55
`;

let img: string;
beforeAll(() => {
  img = floppyImage(assemble(program), mkdtempSync(join(tmpdir(), 'lab-fpu-')));
});

describe.each(['builtin', 'seabios'] as const)('x87 error through IRQ13 under %s firmware', (firmware) => {
  it('the waiting instruction completes after the INT 75h handler clears the latch', async () => {
    const m = await Machine.create({ fda: { path: img }, firmware: { kind: firmware }, cpuModel: 'pentium2' });
    const r = m.run({ maxVirtualMs: 3000, until: (x) => x.serial[0].text() === 'FWAIT DONE' });
    const fsw = m.cpu.fpu.status();
    m.dispose();
    expect(r.reason).toBe('until');
    // The exception stays recorded (no FNCLEX): ES, B and ZE.
    expect(fsw & 0x8084).toBe(0x8084);
  });
});
