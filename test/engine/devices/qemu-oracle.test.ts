/**
 * Differential test: one guest program drives the core devices through their
 * ports on QEMU (SeaBIOS, its own 8042/UART/PIC/RTC/PIT models) and on our
 * machine, and the byte transcripts must match. QEMU is a black-box oracle
 * here; nothing of its source is used. Needs `nasm` and `qemu-system-i386`
 * (Debian packages, installed by CI).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../../engine/machine.js';
import { assemble } from '../../helpers/nasm.js';

const source = readFileSync(new URL('./fixtures/device-probe.asm', import.meta.url), 'utf8');

/** What both machines print (also pinned here so a QEMU upgrade that changes its models is noticed). */
const EXPECTED =
  'K:55 30 00 00 FA FA AB 83 EE FA FA 02 FA FA FA AB 41 FA AA FA ' +
  'M:21 FA AA 00 FA 00 FA FA FA FA FA FA FA 03 FA FA FA FA 10 03 50 FA 42 FA 99 98 CF ' +
  'U:01 03 01 F0 F0 61 5A 60 C1 61 01 02 03 60 C2 C1 ' +
  'P:FF 00 10 00 84 10 00 ' +
  'Q:18 83 08 00 00 84 83 00 84 00 08 83 08 00 84 00 21 04 10 82 84 10 04 55 00 ' +
  'R:3B 86 3B 80 26 A5 ' +
  'T:34 00 03 36 ' +
  'C:00 00 12 07 01 01 00 20 00 \n';

let dir: string;
let image: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-device-probe-'));
  const code = assemble(source);
  const img = Buffer.alloc(1474560);
  code.copy(img);
  image = join(dir, 'probe.img');
  writeFileSync(image, img);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('device probe: our machine vs QEMU', () => {
  it('our devices produce the expected transcript', async () => {
    const m = await Machine.create({ fda: { path: image }, debugExit: true });
    const r = m.run({ maxVirtualMs: 20_000 });
    expect(m.debugConsole.text()).toBe(EXPECTED);
    expect(r.reason).toBe('debug-exit');
    m.dispose();
  }, 60_000);

  it('QEMU produces the same transcript', () => {
    const out = join(dir, 'qemu.out');
    try {
      execFileSync(
        'qemu-system-i386',
        [
          '-display', 'none',
          '-drive', `file=${image},format=raw,if=floppy,readonly=on`,
          '-debugcon', `file:${out}`,
          '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
          // COM1 and COM2 must exist (the PIC section uses both as interrupt sources).
          '-serial', 'null',
          '-serial', 'null',
          '-no-reboot',
          '-boot', 'a',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 },
      );
    } catch (e) {
      // isa-debug-exit makes QEMU exit with status (0 << 1) | 1 = 1.
      if ((e as { status?: number }).status !== 1) throw e;
    }
    expect(readFileSync(out, 'latin1')).toBe(EXPECTED);
  }, 90_000);
});
