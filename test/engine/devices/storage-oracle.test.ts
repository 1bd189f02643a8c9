/**
 * Differential test for the storage and bus devices: SeaBIOS boots an El
 * Torito CD through the ATAPI model, reads the disk, floppy and CD with its
 * own INT 13h drivers, and then the guest program (fixtures/storage-probe.asm)
 * drives the floppy controller + 8237 DMA, the ATA disk, the ATAPI CD-ROM,
 * PCI configuration space and fw_cfg through their ports, on QEMU and on our
 * machine; both byte transcripts must equal the pinned one. QEMU is a black-box oracle; nothing of its
 * source is used. Needs `nasm`, `seabios` and `qemu-system-i386` (Debian
 * packages installed by CI).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../../engine/machine.js';
import { assemble } from '../../helpers/nasm.js';

const source = readFileSync(new URL('./fixtures/storage-probe.asm', import.meta.url), 'utf8');

/** What both machines print (pinned, so a QEMU upgrade that changes its models is noticed). */
const EXPECTED =
  'S:00 92 5D 00 38 74 00 A6 77 ' +
  'F:C0 00 C1 00 C2 00 C3 00 90 20 00 20 02 00 00 00 02 00 02 04 00 00 02 01 01 02 04 16 F3 28 80 ' +
  'I:01 01 01 00 00 50 58 C0 0F 00 00 58 58 00 50 C4 27 00 00 00 00 58 00 50 01 41 00 04 FF FF 0F ' +
  '50 58 58 00 50 04 00 41 ' +
  'A:01 01 01 14 EB 00 04 01 01 14 EB 41 50 03 00 24 00 50 03 00 05 80 00 21 1F 00 00 00 08 00 50 ' +
  '03 00 00 00 00 3F 00 00 08 00 14 00 50 03 00 00 12 01 01 00 14 01 00 00 00 00 00 00 16 AA 00 00 ' +
  '00 00 40 14 00 50 03 00 00 12 01 01 00 14 01 00 00 00 02 00 00 16 AA 00 00 00 02 40 00 08 00 08 ' +
  '50 03 00 68 89 41 03 50 12 00 50 03 00 F0 05 21 00 41 03 50 08 00 50 03 00 00 04 04 10 00 02 00 ' +
  '00 ' +
  'D:00 50 9E D3 58 00 50 00 50 D4 EF 00 50 03 C4 8B 04 00 00 02 01 06 02 04 00 00 02 01 06 02 D4 ' +
  'EF ' +
  'C:86 80 37 12 02 00 00 06 00 00 00 00 F4 1A 00 11 86 80 00 70 00 00 01 06 00 00 80 00 0A 0A 0B ' +
  '0B 86 80 10 70 07 01 80 02 00 80 01 01 00 00 00 00 01 C0 00 00 00 00 00 00 00 80 00 80 F1 FF FF ' +
  'FF 51 45 4D 55 03 ' +
  '\n';

/**
 * ISO 9660 volume descriptors and an El Torito no-emulation boot entry
 * (El Torito 1.0 §2) written over a patterned image: boot catalog in block
 * 19, the boot program (loaded whole at 0000:7C00) from block 20.
 */
function elTorito(iso: Buffer, boot: Buffer): void {
  const at = (block: number): number => block * 2048;
  const blocks = iso.length / 2048;
  iso.fill(0, at(16), at(20) + boot.length);
  const pvd = at(16);
  iso[pvd] = 1;
  iso.write('CD001', pvd + 1, 'latin1');
  iso[pvd + 6] = 1;
  iso.writeUInt32LE(blocks, pvd + 80);
  iso.writeUInt32BE(blocks, pvd + 84);
  iso.writeUInt16LE(2048, pvd + 128);
  iso.writeUInt16BE(2048, pvd + 130);
  const brvd = at(17);
  iso.write('\0CD001\x01EL TORITO SPECIFICATION', brvd, 'latin1');
  iso.writeUInt32LE(19, brvd + 0x47);
  iso.write('\xffCD001\x01', at(18), 'latin1');
  const cat = at(19);
  iso[cat] = 1; // validation entry, platform x86
  iso[cat + 0x1e] = 0x55;
  iso[cat + 0x1f] = 0xaa;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum += iso.readUInt16LE(cat + i);
  iso.writeUInt16LE((0x10000 - (sum & 0xffff)) & 0xffff, cat + 0x1c);
  iso[cat + 32] = 0x88; // bootable, no emulation, load segment 0 = 07C0h
  iso.writeUInt16LE(boot.length / 512, cat + 32 + 6);
  iso.writeUInt32LE(20, cat + 32 + 8);
  boot.copy(iso, at(20));
}

/** Bytes that name their position, so a sector read from the wrong place changes the sums. */
function pattern(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 7 + (i >>> 9) * 13 + seed) & 0xff;
  // The byte pattern alone sums the same in every sector; a stamped sector number makes the sums differ.
  for (let s = 0; s < bytes / 512; s++) b.writeUInt16LE((s * 3 + seed) & 0xffff, s * 512);
  return b;
}

let dir: string;
let fd: string;
let hd: string;
let cd: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-storage-probe-'));
  const iso = pattern(2048 * 64, 3);
  elTorito(iso, assemble(source));
  fd = join(dir, 'fd.img');
  hd = join(dir, 'hd.img');
  cd = join(dir, 'cd.iso');
  writeFileSync(fd, pattern(1474560, 1));
  writeFileSync(hd, pattern(16 * 63 * 512 * 4, 2));
  writeFileSync(cd, iso);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('storage probe: our machine vs QEMU', () => {
  it('our devices produce the expected transcript', async () => {
    const m = await Machine.create({
      firmware: { kind: 'seabios' },
      memoryMB: 16,
      fda: { path: fd },
      hda: { path: hd },
      cdrom: { path: cd },
      bootOrder: ['cdrom'],
      debugExit: true,
    });
    const r = m.run({ maxVirtualMs: 20_000 });
    const got = m.debugConsole.text();
    m.dispose();
    expect(got).toBe(EXPECTED);
    expect(r.reason).toBe('debug-exit');
  }, 90_000);

  it('QEMU produces the same transcript', () => {
    const out = join(dir, 'qemu.out');
    try {
      execFileSync(
        'qemu-system-i386',
        [
          '-display', 'none',
          '-machine', 'pc',
          '-nodefaults',
          '-m', '16',
          '-drive', `file=${fd},format=raw,if=floppy,snapshot=on`,
          '-drive', `file=${hd},format=raw,if=ide,index=0,snapshot=on`,
          '-drive', `file=${cd},format=raw,if=ide,index=2,media=cdrom`,
          '-debugcon', `file:${out}`,
          '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
          '-no-reboot',
          '-boot', 'd',
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
