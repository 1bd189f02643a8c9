/**
 * End-to-end check of the storage devices against a real driver: SeaBIOS
 * (Debian package `seabios`) boots an El Torito CD through the ATAPI model,
 * and the boot program then reads the hard disk (ATA) and the floppy
 * (82077 + 8237 DMA) through INT 13h. Each marker string printed on screen
 * comes from the medium it names, so the screen proves every data path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Machine } from '../../../../engine/machine.js';
import { assemble } from '../../../helpers/nasm.js';

const BOOT = `
bits 16
org 0x7c00
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov sp, 0x7c00
  mov [cd], dl
  mov si, dap_cd          ; CD block 21 (2048-byte LBA) via INT 13h AH=42h
  mov dl, [cd]
  call ext_read
  mov si, dap_hd          ; hard disk LBA 5 via AH=42h
  mov dl, 0x80
  call ext_read
  mov ax, 0x0201          ; floppy C0 H1 S3 (LBA 20) via AH=02h
  mov bx, 0x9000
  mov cx, 0x0003
  mov dx, 0x0100
  int 0x13
  jc fail
  mov si, 0x9000
  call print
  mov si, done_msg
  call print
halt:
  cli
  hlt
  jmp halt
fail:
  mov si, fail_msg
  call print
  jmp halt
ext_read:
  push si
  mov ah, 0x42
  int 0x13
  pop si
  jc fail
  mov si, [si + 4]
  call print
  ret
print:
  lodsb
  or al, al
  jz .r
  mov ah, 0x0e
  mov bx, 7
  int 0x10
  jmp print
.r:
  ret
cd: db 0
fail_msg: db "FAIL", 0
done_msg: db "DONE", 0
align 4
dap_cd: db 16, 0
  dw 1
  dw 0x8000, 0
  dq 21
dap_hd: db 16, 0
  dw 1
  dw 0x8800, 0
  dq 5
times 510-($-$$) db 0
dw 0xaa55
`;

/** A minimal ISO 9660 image with an El Torito no-emulation boot entry (El Torito 1.0 §2). */
function elToritoIso(boot: Buffer, markerBlock: number, marker: string): Buffer {
  const iso = Buffer.alloc(2048 * 32);
  const at = (block: number): number => block * 2048;
  const pvd = at(16);
  iso[pvd] = 1;
  iso.write('CD001', pvd + 1, 'latin1');
  iso[pvd + 6] = 1;
  iso.writeUInt32LE(32, pvd + 80);
  iso.writeUInt32BE(32, pvd + 84);
  iso.writeUInt16LE(2048, pvd + 128);
  iso.writeUInt16BE(2048, pvd + 130);
  const brvd = at(17);
  iso.write('\0CD001\x01EL TORITO SPECIFICATION', brvd, 'latin1');
  iso.writeUInt32LE(19, brvd + 0x47); // boot catalog block
  iso.write('\xffCD001\x01', at(18), 'latin1');
  const cat = at(19);
  iso[cat] = 1; // validation entry, platform x86
  iso[cat + 0x1e] = 0x55;
  iso[cat + 0x1f] = 0xaa;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum += iso.readUInt16LE(cat + i);
  iso.writeUInt16LE((0x10000 - (sum & 0xffff)) & 0xffff, cat + 0x1c);
  iso[cat + 32] = 0x88; // bootable, no emulation
  iso.writeUInt16LE(4, cat + 32 + 6); // four 512-byte sectors
  iso.writeUInt32LE(20, cat + 32 + 8);
  boot.copy(iso, at(20));
  iso.write(`${marker}\0`, at(markerBlock), 'latin1');
  return iso;
}

describe('storage devices under SeaBIOS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-storage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('boots from the ATAPI CD and reads the CD, the ATA disk and the floppy through INT 13h', async () => {
    const boot = assemble(BOOT);
    writeFileSync(join(dir, 'cd.iso'), elToritoIso(boot, 21, 'CD-BLOCK-21 '));
    const hd = Buffer.alloc(16 * 63 * 512 * 4);
    hd.write('HD-LBA-5 \0', 5 * 512, 'latin1');
    writeFileSync(join(dir, 'hd.img'), hd);
    const fd = Buffer.alloc(1474560);
    fd.write('FD-LBA-20 \0', 20 * 512, 'latin1');
    writeFileSync(join(dir, 'fd.img'), fd);

    const m = await Machine.create({
      firmware: { kind: 'seabios' },
      memoryMB: 16,
      cdrom: { path: join(dir, 'cd.iso') },
      hda: { path: join(dir, 'hd.img') },
      fda: { path: join(dir, 'fd.img') },
      bootOrder: ['cdrom', 'disk', 'floppy'],
    });
    try {
      const r = m.run({ maxInstructions: 60_000_000, until: (x) => /DONE|FAIL/.test(x.text()), pollInstructions: 250_000 });
      const screen = m.text();
      expect(screen).toContain('Booting from DVD/CD');
      expect(screen).toContain('CD-BLOCK-21 HD-LBA-5 FD-LBA-20 DONE');
      expect(['until', 'halted']).toContain(r.reason); // the program ends in CLI; HLT
    } finally {
      m.dispose();
    }
  });
});
