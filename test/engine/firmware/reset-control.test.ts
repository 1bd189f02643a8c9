/**
 * Rebooting through the PIIX3 reset control register (I/O CF9h), as
 * firmware and operating systems do: the machine reboots in place (RAM
 * kept, as on a PC), runs POST again and boots the same disk; run() carries
 * on and the log says why. A boot sector counts its boots in CMOS and
 * reboots until the count reaches 3.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../../engine/machine.js';
import { assemble, floppyImage } from '../../helpers/nasm.js';

// The boot count lives in CMOS byte 48h (battery-backed, unused by either
// firmware): SeaBIOS clears low RAM at POST, the CMOS survives any reset.
const program = (resetValue: number) => `bits 16
org 0x7c00
  jmp 0:start
start:
  mov al, 0x48
  out 0x70, al
  in al, 0x71
  inc al
  mov bl, al
  mov al, 0x48
  out 0x70, al
  mov al, bl
  out 0x71, al
  cmp bl, 3
  jae .done
  mov dx, 0xcf9
  mov al, 0x02
  out dx, al
  mov al, 0x${resetValue.toString(16)}
  out dx, al
  cli
  hlt
.done:
  mov al, bl
  out 0xe9, al
  cli
  hlt
times 510-($-$$) db 0
dw 0xaa55
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-cf9-'));
});

describe.each(['builtin', 'seabios'] as const)('reset control CF9h under %s firmware', (firmware) => {
  it('a hard reset (06h) reboots the machine, which boots the disk again', async () => {
    const img = floppyImage(assemble(program(0x06)), dir, 'hard.img');
    const m = await Machine.create({ fda: { path: img }, firmware: { kind: firmware } });
    const r = m.run({ maxInstructions: 60_000_000 });
    expect(r.reason).toBe('halted');
    expect([...m.debugConsole.output()]).toEqual([3]);
    expect(m.log.filter((l) => l === 'system reset (CF9h hard reset)')).toHaveLength(2);
    m.dispose();
  });

  it('a soft reset (04h) restarts the CPU at the reset vector, which boots the disk again', async () => {
    const img = floppyImage(assemble(program(0x04)), dir, 'soft.img');
    const m = await Machine.create({ fda: { path: img }, firmware: { kind: firmware } });
    const r = m.run({ maxInstructions: 60_000_000 });
    expect(r.reason).toBe('halted');
    expect([...m.debugConsole.output()]).toEqual([3]);
    expect(m.log.filter((l) => l === 'CPU reset (CF9h soft reset)')).toHaveLength(2);
    m.dispose();
  });
});
