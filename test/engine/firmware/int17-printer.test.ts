/**
 * INT 17h under the built-in BIOS: printing through the LPT1 device at the
 * speed of the port's BUSY# handshake (not one byte per 55 ms timer tick),
 * and the time-out status when a printer stays busy.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../../engine/machine.js';
import { assemble, floppyImage } from '../../helpers/nasm.js';

const PAGE = 'INT 17h page: the quick brown fox jumps over the lazy dog.\r\n\f';

// INT 17h AH=01h (initialise), then each byte with AH=00h; AH after every
// call is ORed into BL and sent to port E9h at the end, then halt.
const printProgram = `bits 16
org 0x7c00
  jmp 0:start
start:
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  sti
  xor bl, bl
  xor dx, dx
  mov ah, 1
  int 0x17
  mov si, page
.next:
  lodsb
  or al, al
  jz .done
  xor dx, dx
  mov ah, 0
  int 0x17
  or bl, ah
  jmp .next
.done:
  mov al, bl
  out 0xe9, al
  cli
  hlt
page: db ${[...PAGE].map((ch) => ch.charCodeAt(0)).join(', ')}, 0
times 510-($-$$) db 0
dw 0xaa55
`;

// A printer 2 at 278h whose BUSY# never rises: set its BDA port and a 1-unit
// time-out, print one byte, send AH to port E9h.
const stuckProgram = `bits 16
org 0x7c00
  jmp 0:start
start:
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  sti
  mov word [0x40a], 0x278
  mov byte [0x479], 1
  mov dx, 1
  mov ax, 0x0041
  int 0x17
  mov al, ah
  out 0xe9, al
  cli
  hlt
times 510-($-$$) db 0
dw 0xaa55
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-int17-'));
});

describe('built-in BIOS INT 17h', () => {
  it('prints a page through LPT1 at handshake speed, every call reporting selected and no error', async () => {
    const img = floppyImage(assemble(printProgram), dir, 'print.img');
    const m = await Machine.create({ fda: { path: img }, firmware: { kind: 'builtin' } });
    const r = m.run({ maxVirtualMs: 5000 });
    expect(r.reason).toBe('halted');
    expect(m.printer.text()).toBe(PAGE);
    // The ORed AH values: selected (bit 4), never time-out (bit 0), I/O error (bit 3) or out of paper (bit 5).
    expect(m.debugConsole.output()[0] & 0x39).toBe(0x10);
    // 62 bytes, each a 10 µs handshake: far below one byte per 55 ms timer tick (3.4 s).
    expect(m.virtualTimeMs).toBeLessThan(100);
    m.dispose();
  });

  it('gives up on a printer that stays busy after the BDA time-out, with the time-out bit', async () => {
    const img = floppyImage(assemble(stuckProgram), dir, 'stuck.img');
    // A slow virtual CPU, so the 1 s busy-wait costs few host instructions.
    const m = await Machine.create({ fda: { path: img }, firmware: { kind: 'builtin' }, virtualMips: 2 });
    // BUSY# (bit 7) low forever; ACK# and ERROR# high, selected.
    m.io.register('stuck-printer', 0x278, 3, { read8: (p) => (p === 0x279 ? 0x5f : 0xff), write8: () => {} });
    const r = m.run({ maxVirtualMs: 5000 });
    expect(r.reason).toBe('halted');
    const ah = m.debugConsole.output()[0];
    expect(ah & 0x81).toBe(0x01); // busy, timed out
    expect(m.virtualTimeMs).toBeGreaterThanOrEqual(1000);
    expect(m.virtualTimeMs).toBeLessThan(1500);
    m.dispose();
  });
});
