/**
 * Whole-machine exactness of the translator tier: the same floppy boots
 * under the built-in BIOS with `cpu: 'interp'` and `cpu: 'jit'`, and everything
 * observable must be identical — retired-instruction count, screen pixels,
 * text, COM1 output and the CPU registers. The boot sector runs a hot loop
 * that mixes the BIOS tick counter (0:046C, advanced by the timer interrupt
 * taken while the loop runs) into its checksum, so a single interrupt
 * delivered one instruction early or late changes the printed value.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../../../engine/machine.js';
import { assemble, floppyImage } from '../../../helpers/nasm.js';

const program = `bits 16
org 0x7c00
  jmp 0:start
start:
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  sti
  xor bx, bx
  xor dx, dx
  mov cx, 150
outer:
  mov di, 1500
inner:
  add bx, di
  xor dx, bx
  rol dx, 1
  adc bx, [0x46c]
  mov [0x600 + di], dl
  call mix
  dec di
  jnz inner
  loop outer
  mov ax, bx
  call hex
  mov ax, dx
  call hex
  mov ax, [0x46c]
  call hex
  cli
  hlt
mix:
  xor bl, [0x600 + di]
  ret
hex:                      ; print AX as 4 hex digits on screen and COM1
  mov cx, 4
.d: rol ax, 4
  push ax
  and al, 15
  add al, '0'
  cmp al, '9'
  jbe .p
  add al, 7
.p: push ax
  mov ah, 0x0e
  mov bx, 7
  int 0x10
  pop ax
  push dx
  mov ah, 1
  xor dx, dx
  int 0x14
  pop dx
  pop ax
  loop .d
  ret
times 510-($-$$) db 0
dw 0xaa55
`;

let img: string;
beforeAll(() => {
  img = floppyImage(assemble(program), mkdtempSync(join(tmpdir(), 'lab-jit-')));
});

async function boot(firmware: 'builtin' | 'seabios', cpu: 'interp' | 'jit') {
  // 2 virtual MIPS: the 18.2 Hz timer interrupt fires every ~110 000 instructions, many times inside the loop.
  const m = await Machine.create({ fda: { path: img }, firmware: { kind: firmware }, cpu, virtualMips: 2 });
  const r = m.run({ maxInstructions: 40_000_000 });
  const c = m['cpu'];
  const result = {
    reason: r.reason,
    instructions: m.instructions,
    text: m.text(),
    serial: m.serial[0].text(),
    screen: createHash('sha256').update(m.screen().data).digest('hex'),
    regs: [...Array.from(c.r), c.eip, c.getFlags(), ...Array.from(c.seg)],
    translated: c.translator !== undefined,
  };
  m.dispose();
  return result;
}

// The built-in BIOS only: SeaBIOS POST at 2 virtual MIPS costs minutes of interpreter time in CI.
describe.each(['builtin'] as const)('interp and jit tiers under %s firmware', (firmware) => {
  it('give identical instruction counts, screens, serial output and registers', async () => {
    const a = await boot(firmware, 'interp');
    const b = await boot(firmware, 'jit');
    expect(a.reason).toBe('halted');
    expect(a.serial).toMatch(/^[0-9A-F]{12}$/);
    expect(b.translated).toBe(true);
    expect({ ...b, translated: false }).toEqual({ ...a, translated: false });
  }, 120_000);
});
