import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../../engine/machine.js';
import { assemble, floppyImage } from '../../helpers/nasm.js';

// The same boot sector under both firmwares: BIOS teletype, then COM1 via INT 14h, then halt.
const program = `bits 16
org 0x7c00
  jmp 0:start
start:
  xor ax, ax
  mov ds, ax
  mov si, msg
.t: lodsb
  or al, al
  jz .s
  mov ah, 0x0e
  mov bx, 7
  int 0x10
  jmp .t
.s: mov ax, 0x00e3
  xor dx, dx
  int 0x14
  mov si, ser
.u: lodsb
  or al, al
  jz .h
  mov ah, 1
  xor dx, dx
  int 0x14
  jmp .u
.h: cli
  hlt
msg: db "FIRMWARE BOOT OK", 0
ser: db "COM1 OK", 0
times 510-($-$$) db 0
dw 0xaa55
`;

let img: string;
beforeAll(() => {
  img = floppyImage(assemble(program), mkdtempSync(join(tmpdir(), 'lab-fw-')));
});

async function bootOnce(firmware: 'builtin' | 'seabios') {
  const m = await Machine.create({ fda: { path: img }, firmware: { kind: firmware } });
  const r = m.run({ maxVirtualMs: 3000, until: (x) => x.serial[0].text() === 'COM1 OK' });
  const result = { reason: r.reason, text: m.text(), serial: m.serial[0].text(), screen: createHash('sha256').update(m.screen().data).digest('hex'), instructions: m.instructions };
  m.dispose();
  return result;
}

describe.each(['builtin', 'seabios'] as const)('boot under %s firmware', (firmware) => {
  it('runs the boot sector and its BIOS calls, bit-identically twice', async () => {
    const a = await bootOnce(firmware);
    expect(a.reason).toBe('until');
    expect(a.text).toContain('FIRMWARE BOOT OK');
    expect(a.serial).toBe('COM1 OK');
    if (firmware === 'seabios') expect(a.text).toMatch(/SeaBIOS \(version /);
    else expect(a.text).toContain('compat-lab BIOS');
    const b = await bootOnce(firmware);
    expect(b).toEqual(a);
  });
});

describe('firmware errors', () => {
  it('names the folder when SeaBIOS images are missing', async () => {
    await expect(Machine.create({ fda: { path: img }, firmware: { kind: 'seabios', dir: '/nonexistent' } })).rejects.toThrow(
      /firmware seabios: no bios-256k\.bin or bios\.bin in \/nonexistent/,
    );
  });

  it('refuses a system ROM of the wrong size', async () => {
    await expect(Machine.create({ firmware: { kind: 'rom', path: img } })).rejects.toThrow(/must be 64–256 KiB/);
  });
});
